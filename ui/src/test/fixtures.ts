// Synthetic data for component tests, typed with the generated bindings so that a change of a
// Rust type breaks these tests at compile time (svelte-check) rather than in the field.
import type { CaseDetail } from '../lib/bindings/CaseDetail';
import type { Field } from '../lib/bindings/Field';
import type { Member } from '../lib/bindings/Member';
import type { SearchHit } from '../lib/bindings/SearchHit';
import type { SopProgramme } from '../lib/bindings/SopProgramme';
import type { SpecialNeedsOptions } from '../lib/bindings/SpecialNeedsOptions';
import type { SessionInfo } from '../lib/bindings/SessionInfo';
import type { Status } from '../lib/bindings/Status';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';

export function member(over: Partial<Member> = {}): Member {
  return {
    individual_no: 'I-0001030',
    relationship: 'PA',
    family_name: 'NIYONZIMA',
    given_names: 'Aline',
    family_name_native: null,
    given_names_native: null,
    sex: 'F',
    date_of_birth: '1990-01-07',
    age: { min: 35, max: 35 },
    nationality: 'BDI',
    languages: ['rn', 'fr'],
    phone: null,
    document: { document_type: 'REFUGEE_TRAVEL_DOCUMENT', number: 'RTD-000931', issuer: 'RWA', expiry: '2027-05-01' },
    special_needs: { ssr_codes: [], notes: null, vulnerabilities: [] },
    exit_permit: { status: 'DENIED', denial_reason: 'Pending court case' },
    verified_today: false,
    ...over,
  };
}

export function caseDetail(): CaseDetail {
  const kevin = member({
    individual_no: 'I-0001031',
    relationship: 'CH',
    family_name: 'IRAKOZE',
    given_names: 'Kevin',
    sex: 'M',
    date_of_birth: '2015',
    age: { min: 9, max: 10 },
    document: { document_type: 'REFUGEE_TRAVEL_DOCUMENT', number: 'RTD-000932', issuer: 'RWA', expiry: '2027-05-01' },
    special_needs: { ssr_codes: ['WCHR'], notes: 'Uses a cane', vulnerabilities: ['DISABILITY'] },
  });
  return {
    case_no: 'KGL-2025-000104',
    site: 'KGL-TC1',
    programme: 'RELOCATION',
    destination: 'BRU',
    destination_name: 'Brussels Airport, Brussels',
    abn: null,
    members: [member(), kevin],
    documents: [
      { individual_no: 'I-0001030', holder_name: 'Aline NIYONZIMA', document_type: 'REFUGEE_TRAVEL_DOCUMENT', document_no: 'RTD-000931', current: null, location: null, chain: [] },
      { individual_no: 'I-0001031', holder_name: 'Kevin IRAKOZE', document_type: 'REFUGEE_TRAVEL_DOCUMENT', document_no: 'RTD-000932', current: null, location: null, chain: [] },
    ],
    events_today: [],
    working_site: 'KGL-TC1',
    journey: [
      { individual_no: 'I-0001030', step: 'registered', missing: [{ kind: 'identity_check' }, { kind: 'travel_document', problem: 'custody_unknown' }] },
      { individual_no: 'I-0001031', step: 'registered', missing: [{ kind: 'counselling' }] },
    ],
  };
}

export function hit(over: Partial<SearchHit> = {}): SearchHit {
  return {
    case_no: 'KGL-2025-000104',
    individual_no: 'I-0001030',
    family_name: 'NIYONZIMA',
    given_names: 'Aline',
    family_name_native: null,
    given_names_native: null,
    relationship: 'PA',
    sex: 'F',
    date_of_birth: '1990-01-07',
    age: { min: 35, max: 35 },
    nationality: 'BDI',
    document_no: 'RTD-000931',
    site: 'KGL-TC1',
    ...over,
  };
}

export const programmes: SopProgramme[] = [
  {
    programme: 'RELOCATION',
    name: { en: 'Relocation', fr: 'Relocalisation', es: 'Reubicación' },
    sop_version: '2025-1',
    topics: [
      { id: 'travel_documents', mandatory: true, title: { en: 'Travel documents', fr: 'Documents de voyage', es: 'Documentos de viaje' } },
      { id: 'baggage', mandatory: true, title: { en: 'Baggage', fr: 'Bagages', es: 'Equipaje' } },
      { id: 'transit', mandatory: false, title: { en: 'Transit', fr: 'Transit', es: 'Tránsito' } },
    ],
  },
];

export const ssrOptions: SpecialNeedsOptions = {
  ssr_codes: [
    { code: 'WCHR', category: 'mobility', description: { en: 'Wheelchair for distance', fr: 'Fauteuil roulant pour la distance', es: 'Silla de ruedas para distancias' } },
    { code: 'WCHC', category: 'mobility', description: { en: 'Wheelchair, fully immobile', fr: 'Fauteuil roulant, immobile', es: 'Silla de ruedas, inmóvil' } },
    { code: 'MEDA', category: 'medical', description: { en: 'Medical case', fr: 'Cas médical', es: 'Caso médico' } },
  ],
  vulnerabilities: ['URM', 'ELDERLY', 'PREGNANT', 'MEDICAL', 'DISABILITY', 'AT_RISK'],
};

export const status: Status = {
  pending_changes: 3,
  last_sync: null,
  sync_configured: false,
  conflicts: 0,
  unreadable_events: 0,
  refused_changes: 0,
  staff: 'A. Officer',
  role: 'supervisor',
  site: null,
  device_id: '00000000-0000-7000-8000-000000000000',
  data_dir: '/tmp/waypoint',
};

const FIELDS: Field[] = [
  'case_no', 'individual_no', 'relationship', 'family_name', 'given_names', 'family_name_native',
  'given_names_native', 'sex', 'date_of_birth', 'nationality', 'languages', 'phone', 'site',
  'programme', 'destination', 'abn', 'document_type', 'document_no', 'document_issuer',
  'document_expiry', 'ssr_codes', 'special_needs_notes', 'vulnerabilities', 'exit_permit',
  'exit_permit_denial_reason',
];
const NEED_TO_KNOW: Field[] = ['special_needs_notes', 'vulnerabilities'];

/** Signed in with every right (component tests of what a screen does, not of roles). */
export const everything: SessionInfo = {
  locked: false,
  name: 'A. Officer',
  role: 'supervisor',
  lock_reason: null,
  first_use: false,
  idle_seconds: 300,
  lease_over: false,
  may: ['import', 'export', 'identity_check', 'counselling', 'custody_transfer', 'resolve_conflict', 'verify_audit'],
  sees: FIELDS,
  edits: FIELDS,
};

/** Signed in as data processing, as the shipped roles table has it: no need-to-know. */
export const dataProcessing: SessionInfo = {
  ...everything,
  name: 'D. Processing',
  role: 'data_processing',
  may: ['import', 'export', 'resolve_conflict'],
  sees: FIELDS.filter((f) => !NEED_TO_KNOW.includes(f)),
  edits: FIELDS.filter((f) => !NEED_TO_KNOW.includes(f) && f !== 'individual_no'),
};

/** Locked, with `over` (a kept name, a reason, a new device). */
export function locked(over: Partial<SessionInfo> = {}): SessionInfo {
  return { ...everything, locked: true, name: null, role: null, may: [], sees: [], edits: [], ...over };
}

export type Handler = (args: Record<string, unknown>) => unknown;

/** Answers the app's commands with `handlers`; records every call. */
export function backend(handlers: Record<string, Handler>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const h = handlers[cmd];
    if (!h) throw `no mock for ${cmd}`;
    return h(args);
  });
  return { calls, clear: clearMocks };
}
