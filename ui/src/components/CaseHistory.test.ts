import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import CaseHistory from './CaseHistory.svelte';
import { backend, caseDetail } from '../test/fixtures';
import { setLang } from '../lib/i18n/index.svelte';
import type { Custodian } from '../lib/bindings/Custodian';
import type { HistoryEntry } from '../lib/bindings/HistoryEntry';

afterEach(() => setLang('en'));

const describeCustodian = (c: Custodian | null) => (c && 'place' in c ? c.place : c && 'name' in c ? c.name : '?');

function entry(over: Partial<HistoryEntry> & Pick<HistoryEntry, 'what'>): HistoryEntry {
  return { id: crypto.randomUUID(), at: '2025-11-25T09:30:00Z', recorded_by: 'A. Officer', site: 'KGL-TC1', individual_nos: [], ...over };
}

const entries: HistoryEntry[] = [
  entry({
    individual_nos: ['I-0001031'],
    what: { kind: 'journey', change: { change: 'on_hold', reason: 'medical_clearance', text: 'Waiting for the TB clearance' } },
  }),
  entry({
    individual_nos: ['I-0001030'],
    what: {
      kind: 'exit_permit',
      step: 'DENIED',
      on: '2025-11-20',
      authority: null,
      reference: null,
      reason: 'pending_legal_case',
      text: 'Pending court case',
      solution: 'Wait for the judgement',
    },
  }),
  entry({ what: { kind: 'booking', booking_ref: 'BKG-25-0104', made: true, fields: ['status', 'segments', 'travellers'], status: 'CONFIRMED' } }),
  entry({ what: { kind: 'warning_acknowledged', booking_ref: 'BKG-25-0104', warning: 'short_connection:1', reason: 'Airline confirmed' } }),
  entry({ what: { kind: 'abn_version', abn_no: 'ABN-25-4410', number: 2, version: 'updated' } }),
  entry({
    individual_nos: ['I-0001030'],
    what: { kind: 'custody_transfer', document_no: '', from: { kind: 'authority', name: 'UNHCR' }, to: { kind: 'storage', place: 'Office safe' }, location: 'Office 2' },
  }),
  entry({
    individual_nos: ['I-0001030'],
    what: { kind: 'identity_check', outcome: { result: 'mismatch', reason: 'Year differs' }, mismatched: ['date_of_birth'], document_no: null },
  }),
  entry({
    individual_nos: ['I-0001030', 'I-0001031'],
    what: { kind: 'counselling', programme: 'RELOCATION', complete: true, topics_covered: 6, duration_minutes: 45 },
  }),
];

describe('The case history', () => {
  it('words every kind of entry, with whom, who and where', async () => {
    const mock = backend({ case_history: () => entries });
    render(CaseHistory, { detail: caseDetail(), describe: describeCustodian });
    const list = await screen.findByTestId('history');
    const items = [...list.querySelectorAll('li')].map((li) => li.textContent ?? '');
    expect(items).toHaveLength(entries.length);
    expect(items[0]).toContain('Kevin IRAKOZE: Journey on hold: Medical clearance');
    expect(items[0]).toContain('Waiting for the TB clearance');
    expect(items[0]).toContain('by A. Officer, KGL-TC1');
    expect(items[1]).toContain('Aline NIYONZIMA: Exit permit: Denied');
    expect(items[1]).toContain('Reason: Pending legal case');
    expect(items[1]).toContain('Possible solution: Wait for the judgement');
    expect(items[2]).toContain('Whole case: Booking BKG-25-0104 made (status, itinerary, travellers)');
    expect(items[2]).toContain('Now Confirmed');
    expect(items[3]).toContain('Warning short_connection:1 of booking BKG-25-0104 acknowledged: Airline confirmed');
    expect(items[4]).toContain('ABN ABN-25-4410 version 2: Updated');
    expect(items[5]).toContain('Document not shown to your role: UNHCR → Office safe (Office 2)');
    expect(items[6]).toContain('Identity check: mismatch (Year differs)');
    expect(items[6]).toContain('Differs from the document: Date of birth');
    expect(items[7]).toContain('Aline NIYONZIMA, Kevin IRAKOZE: Counselling complete: RELOCATION, 6 topic(s), 45 min');
    expect(mock.calls[0].args).toEqual({ case_no: 'KGL-2025-000104', individual_no: null });
    mock.clear();
  });

  it('asks for one member\'s part and says when there is nothing', async () => {
    const mock = backend({ case_history: ({ individual_no }) => (individual_no ? [] : entries) });
    render(CaseHistory, { detail: caseDetail(), describe: describeCustodian });
    await screen.findByTestId('history');
    await userEvent.setup().selectOptions(screen.getByTestId('history-member'), 'I-0001031');
    await screen.findByText('Nothing recorded yet.');
    expect(mock.calls.at(-1)?.args).toEqual({ case_no: 'KGL-2025-000104', individual_no: 'I-0001031' });
    mock.clear();
  });

  it('is worded in French and Spanish', async () => {
    const mock = backend({ case_history: () => entries.slice(0, 1) });
    setLang('fr');
    const { unmount } = render(CaseHistory, { detail: caseDetail(), describe: describeCustodian });
    await waitFor(() => expect(screen.getByTestId('history').textContent).toContain('Parcours suspendu : Autorisation médicale'));
    unmount();
    setLang('es');
    render(CaseHistory, { detail: caseDetail(), describe: describeCustodian });
    await waitFor(() => expect(screen.getByTestId('history').textContent).toContain('Trayecto en espera: Autorización médica'));
    mock.clear();
  });
});
