import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import IdentityCheck from './IdentityCheck.svelte';
import { backend, caseDetail } from '../test/fixtures';
import type { MrzComparison } from '../lib/bindings/MrzComparison';

function comparison(valid: boolean, mismatches: MrzComparison['mismatches'] = []): MrzComparison {
  return {
    reading: {
      format: 'TD3',
      document_code: 'P',
      issuing_country: 'RWA',
      document_number: 'RTD000931',
      surname: 'NIYONZIMA',
      given_names: 'ALINE',
      nationality: 'BDI',
      date_of_birth: '1990-01-07',
      sex: 'F',
      date_of_expiry: '2027-05-01',
      check_digits: [
        { field: 'document_number', ok: true },
        { field: 'date_of_birth', ok: valid },
        { field: 'composite', ok: valid },
      ],
      valid,
    },
    mismatches,
  };
}

describe('Identity and document check', () => {
  it('shows a failed check digit and every mismatch plainly; verified is not offered', async () => {
    const mock = backend({
      check_mrz: () => comparison(false, [{ field: 'date_of_birth', on_record: '1990-01-07', on_document: '1990-01-08' }]),
    });
    render(IdentityCheck, { detail: caseDetail(), initial: 'I-0001030', onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /Machine-readable zone/ }), 'P<RWA{Enter}RTD');
    await user.click(screen.getByRole('button', { name: 'Read and compare' }));
    expect(await screen.findByText(/A check digit does not match/)).toBeTruthy();
    const row = screen.getByText('1990-01-08').closest('tr');
    expect(row?.textContent).toContain('Date of birth');
    expect(row?.textContent).toContain('1990-01-07');
    expect((screen.getByRole('radio', { name: 'Verified' }) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByRole('radio', { name: 'Mismatch' }) as HTMLInputElement).checked).toBe(true);
    expect(mock.calls[0].args).toEqual({ individual_no: 'I-0001030', mrz: 'P<RWA\nRTD' });
    mock.clear();
  });

  it('records a verified check when the document agrees', async () => {
    const mock = backend({
      check_mrz: () => comparison(true),
      record_identity_check: ({ request }) => ({ ...(request as object), id: '1', site: 'KGL-TC1', checked_by: 'A', checked_at: '2025-11-25T09:30:00Z' }),
    });
    const onChanged = vi.fn();
    render(IdentityCheck, { detail: caseDetail(), initial: 'I-0001030', onChanged });
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /Machine-readable zone/ }), 'P<RWA');
    await user.click(screen.getByRole('button', { name: 'Read and compare' }));
    expect(await screen.findByText('The document agrees with the record.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Record the check' }));
    await screen.findByText('Check recorded.');
    const saved = mock.calls.find((c) => c.cmd === 'record_identity_check');
    expect(saved?.args.request).toEqual({
      individual_no: 'I-0001030',
      document_no: 'RTD000931',
      outcome: { result: 'verified' },
      mismatches: [],
    });
    expect(onChanged).toHaveBeenCalled();
    mock.clear();
  });

  it('shows why an MRZ cannot be read', async () => {
    const mock = backend({
      check_mrz: () => {
        throw 'an MRZ is 2 lines of 44 characters';
      },
    });
    render(IdentityCheck, { detail: caseDetail(), onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByRole('textbox', { name: /Machine-readable zone/ }), 'x');
    await user.click(screen.getByRole('button', { name: 'Read and compare' }));
    expect((await screen.findByRole('alert')).textContent).toContain('2 lines of 44');
    mock.clear();
  });
});
