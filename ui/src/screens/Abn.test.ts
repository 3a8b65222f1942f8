import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Abn from './Abn.svelte';
import { backend } from '../test/fixtures';
import { abnDetail, fieldAssistant, supervisor } from '../test/bookings';
import { setLang } from '../lib/i18n/index.svelte';
import { setSession } from '../lib/session.svelte';

beforeEach(() => setSession(supervisor));
afterEach(() => setLang('en'));

describe('ABN', () => {
  it('shows the versions with what changed marked, and the bookings in local time', async () => {
    const mock = backend({ abn: () => abnDetail() });
    render(Abn, { abnNo: 'ABN-25-4410', caseNo: 'KGL-2025-000104' });
    expect((await screen.findByTestId('abn-state')).textContent).toContain('Version 2 (Updated) issued by A. Officer');
    expect(screen.getByText('Changed since the last version (not issued yet)')).toBeTruthy();
    expect(screen.getByText('Itinerary of booking BKG-251125-0A1B2C3D changed')).toBeTruthy();
    const versions = screen.getByTestId('abn-versions');
    expect(versions.textContent).toContain('SSR codes of I-0001031 changed');
    // Version 2 marks Kevin as changed; version 1 does not.
    const rows = versions.querySelectorAll('tr.changed');
    expect(rows.length).toBe(1);
    expect(rows[0].textContent).toContain('IRAKOZE, Kevin');
    expect(screen.getAllByText('Africa/Kigali (UTC+02:00)').length).toBeGreaterThan(0);
    expect(screen.getAllByText(/Dr. Amani/).length).toBeGreaterThan(0);
    mock.clear();
  });

  it('saves the PDF in the window language and says where', async () => {
    setLang('es');
    const saved = { ...abnDetail(), pending: [] };
    const mock = backend({
      abn: () => abnDetail(),
      save_abn_pdf: () => ({ path: '/home/ana/Documents/ABN-ABN-25-4410-v3.pdf', version: 3, kind: 'updated', abn: saved }),
    });
    render(Abn, { abnNo: 'ABN-25-4410', caseNo: null });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByTestId('abn-paper'), 'letter');
    await user.click(screen.getByTestId('save-abn-pdf'));
    await waitFor(() => expect(mock.calls.some((c) => c.cmd === 'save_abn_pdf')).toBe(true));
    expect(mock.calls.find((c) => c.cmd === 'save_abn_pdf')?.args.request).toEqual({ abn_no: 'ABN-25-4410', paper: 'letter', language: 'es' });
    const note = await screen.findByTestId('abn-saved');
    expect(note.textContent).toContain('Versión 3 (Actualizada) guardada como /home/ana/Documents/ABN-ABN-25-4410-v3.pdf');
    expect(document.activeElement).toBe(note);
    mock.clear();
  });

  it('a role that may not issue ABNs reads it and is told why it cannot print it', async () => {
    setSession(fieldAssistant);
    const mock = backend({ abn: () => abnDetail() });
    render(Abn, { abnNo: 'ABN-25-4410', caseNo: null });
    expect((await screen.findByTestId('not-allowed')).textContent).toContain('may not issue ABNs');
    expect(screen.queryByTestId('save-abn-pdf')).toBeNull();
    mock.clear();
  });
});
