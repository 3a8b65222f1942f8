// The UI's only way to the core: one typed function per Tauri command. Every type here is
// generated from the Rust DTOs (src-tauri/src/dto.rs) into ./bindings; never copy them by hand.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { AbnDetail } from './bindings/AbnDetail';
import type { AbnPdfRequest } from './bindings/AbnPdfRequest';
import type { AbnPdfSaved } from './bindings/AbnPdfSaved';
import type { AcknowledgeRequest } from './bindings/AcknowledgeRequest';
import type { BookingDetail } from './bindings/BookingDetail';
import type { BookingRequest } from './bindings/BookingRequest';
import type { CaseDetail } from './bindings/CaseDetail';
import type { ConflictItem } from './bindings/ConflictItem';
import type { ConflictResolution } from './bindings/ConflictResolution';
import type { CounsellingRecord } from './bindings/CounsellingRecord';
import type { CounsellingRequest } from './bindings/CounsellingRequest';
import type { DocumentCustody } from './bindings/DocumentCustody';
import type { ExitPermitRecord } from './bindings/ExitPermitRecord';
import type { ExitPermitStepRequest } from './bindings/ExitPermitStepRequest';
import type { HistoryEntry } from './bindings/HistoryEntry';
import type { IdentityCheckRecord } from './bindings/IdentityCheckRecord';
import type { IdentityCheckRequest } from './bindings/IdentityCheckRequest';
import type { ImportOutcome } from './bindings/ImportOutcome';
import type { ImportProgress } from './bindings/ImportProgress';
import type { ImportRequest } from './bindings/ImportRequest';
import type { JourneyChangeRequest } from './bindings/JourneyChangeRequest';
import type { Member } from './bindings/Member';
import type { MemberJourney } from './bindings/MemberJourney';
import type { MrzComparison } from './bindings/MrzComparison';
import type { LockReason } from './bindings/LockReason';
import type { MessageCode } from './bindings/MessageCode';
import type { SearchHit } from './bindings/SearchHit';
import type { SessionInfo } from './bindings/SessionInfo';
import type { SignInOutcome } from './bindings/SignInOutcome';
import type { SopProgramme } from './bindings/SopProgramme';
import type { SpecialNeedsOptions } from './bindings/SpecialNeedsOptions';
import type { SpecialNeedsUpdate } from './bindings/SpecialNeedsUpdate';
import type { Status } from './bindings/Status';
import type { SyncOutcome } from './bindings/SyncOutcome';
import type { TransferRequest } from './bindings/TransferRequest';

/**
 * A command's refusal (a CommandFailure from the core): its kind, `locked` (nobody is signed
 * in: the sign-in screen shows), `not_allowed` (the role may not), `lease_over` or `error`;
 * its code, which errorText (./messages) words in the person's language; and its English
 * message, for tests and debugging.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly kind: 'locked' | 'not_allowed' | 'lease_over' | 'error' = 'error',
    readonly code?: MessageCode,
  ) {
    super(message);
  }
}

/** Listeners told when a command found the app locked (a suspend, another window). */
const lockListeners = new Set<() => void>();
export function onLocked(listener: () => void): () => void {
  lockListeners.add(listener);
  return () => lockListeners.delete(listener);
}

function toError(e: unknown): CommandError {
  if (typeof e === 'string') return new CommandError(e);
  if (e && typeof e === 'object' && 'message' in e) {
    const o = e as { kind?: unknown; message: unknown; code?: unknown };
    const kind =
      o.kind === 'locked' || o.kind === 'not_allowed' || o.kind === 'lease_over' ? o.kind : 'error';
    const code =
      o.code && typeof o.code === 'object' && 'code' in o.code ? (o.code as MessageCode) : undefined;
    return new CommandError(String(o.message), kind, code);
  }
  return new CommandError(String(e));
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    const error = toError(e);
    if (error.kind === 'locked') lockListeners.forEach((l) => l());
    throw error;
  }
}

/** Listeners told whenever a command changed data (the status bar refreshes). */
const changeListeners = new Set<() => void>();
export function onDataChanged(listener: () => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}
async function write<T>(command: string, args: Record<string, unknown>): Promise<T> {
  const result = await call<T>(command, args);
  changeListeners.forEach((l) => l());
  return result;
}

export const api = {
  // sign-in and locks
  session: () => call<SessionInfo>('session'),
  signIn: (name: string, pin: string) => call<SignInOutcome>('sign_in', { name, pin }),
  lock: (reason: LockReason) => call<SessionInfo>('lock', { reason }),
  // search
  search: (query: string, limit = 20) => call<SearchHit[]>('search', { query, limit }),
  findAbn: (query: string) => call<string | null>('find_abn', { query }),
  // cases
  getCase: (case_no: string) => call<CaseDetail>('get_case', { case_no }),
  // checks
  checkMrz: (individual_no: string, mrz: string) =>
    call<MrzComparison>('check_mrz', { individual_no, mrz }),
  recordIdentityCheck: (request: IdentityCheckRequest) =>
    write<IdentityCheckRecord>('record_identity_check', { request }),
  // custody
  documentCustody: (case_no: string) => call<DocumentCustody[]>('document_custody', { case_no }),
  recordCustodyTransfer: (request: TransferRequest) =>
    write<DocumentCustody>('record_custody_transfer', { request }),
  // counselling
  counsellingProgrammes: () => call<SopProgramme[]>('counselling_programmes'),
  recordCounselling: (request: CounsellingRequest) =>
    write<CounsellingRecord>('record_counselling', { request }),
  // special needs
  specialNeedsOptions: () => call<SpecialNeedsOptions>('special_needs_options'),
  updateSpecialNeeds: (update: SpecialNeedsUpdate) =>
    write<Member>('update_special_needs', { update }),
  // bookings, their warnings and the ABN
  caseBookings: (case_no: string) => call<BookingDetail[]>('case_bookings', { case_no }),
  booking: (booking_ref: string) => call<BookingDetail>('booking', { booking_ref }),
  saveBooking: (request: BookingRequest) => write<BookingDetail>('save_booking', { request }),
  acknowledgeWarning: (request: AcknowledgeRequest) =>
    write<BookingDetail>('acknowledge_warning', { request }),
  abn: (abn_no: string) => call<AbnDetail>('abn', { abn_no }),
  saveAbnPdf: (request: AbnPdfRequest) => write<AbnPdfSaved>('save_abn_pdf', { request }),
  // import
  importCsv: (request: ImportRequest, onProgress: (p: ImportProgress) => void) => {
    const channel = new Channel<ImportProgress>();
    channel.onmessage = onProgress;
    return write<ImportOutcome>('import_csv', { request, on_progress: channel });
  },
  // sync status and conflicts
  status: () => call<Status>('status'),
  syncNow: () => write<SyncOutcome>('sync_now', {}),
  conflicts: () => call<ConflictItem[]>('conflicts'),
  resolveConflict: (resolution: ConflictResolution) =>
    write<ConflictItem[]>('resolve_conflict', { resolution }),
  // a case's history, its journey and exit permits
  caseHistory: (case_no: string, individual_no: string | null = null) =>
    call<HistoryEntry[]>('case_history', { case_no, individual_no }),
  changeJourney: (request: JourneyChangeRequest) => write<MemberJourney[]>('change_journey', { request }),
  recordExitPermit: (request: ExitPermitStepRequest) =>
    write<ExitPermitRecord[]>('record_exit_permit', { request }),
};
