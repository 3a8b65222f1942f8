import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Custody from './Custody.svelte';
import { backend, caseDetail } from '../test/fixtures';
import type { CaseDetail } from '../lib/bindings/CaseDetail';
import type { Custodian } from '../lib/bindings/Custodian';

const describeCustodian = (c: Custodian | null) => (c ? JSON.stringify(c) : 'Not received yet');

function inSafe(): CaseDetail {
  const d = caseDetail();
  d.documents[0].current = { kind: 'storage', place: 'Office safe' };
  d.documents[0].location = 'Office 2';
  d.documents[0].chain = [
    {
      id: '1',
      individual_no: 'I-0001030',
      document_no: 'RTD-000931',
      from: { kind: 'authority', name: 'UNHCR' },
      to: { kind: 'storage', place: 'Office safe' },
      location: 'Office 2',
      site: 'KGL-TC1',
      recorded_by: 'A. Officer',
      at: '2025-11-25T08:00:00Z',
    },
  ];
  return d;
}

describe('Document custody', () => {
  it('records where a document came from the first time', async () => {
    const mock = backend({ record_custody_transfer: () => caseDetail().documents[0] });
    render(Custody, { detail: caseDetail(), onChanged: vi.fn(), describe: describeCustodian });
    const user = userEvent.setup();
    expect(screen.getByText(/No transfer recorded yet/)).toBeTruthy();
    await user.type(screen.getByTestId('from-text'), 'UNHCR');
    await user.type(screen.getByTestId('to-text'), 'Office safe');
    await user.type(screen.getByTestId('location'), 'Office 2');
    await user.click(screen.getByRole('button', { name: 'Record the transfer' }));
    await screen.findByText('Transfer recorded.');
    expect(mock.calls[0].args.request).toEqual({
      individual_no: 'I-0001030',
      document_no: 'RTD-000931',
      from: { kind: 'authority', name: 'UNHCR' },
      to: { kind: 'storage', place: 'Office safe' },
      location: 'Office 2',
    });
    mock.clear();
  });

  it('hands over from the current holder and shows the refusal with its reason', async () => {
    const mock = backend({
      record_custody_transfer: () => {
        throw 'I-0001030 has not passed an identity check at KGL-TC1 on 2025-11-25: check their identity before handing over the document';
      },
    });
    render(Custody, { detail: inSafe(), onChanged: vi.fn(), describe: describeCustodian });
    const user = userEvent.setup();
    expect(screen.getByRole('group', { name: 'Hand over' })).toBeTruthy();
    expect(screen.getAllByText(/recorded by A. Officer/)).toHaveLength(1);
    await user.selectOptions(screen.getByTestId('to-kind'), 'individual');
    expect(screen.getByText(/only after their identity was checked here today/)).toBeTruthy();
    await user.type(screen.getByTestId('location'), 'Office 2');
    await user.click(screen.getByRole('button', { name: 'Record the transfer' }));
    expect((await screen.findByRole('alert')).textContent).toContain('has not passed an identity check');
    expect(mock.calls[0].args.request).toMatchObject({
      from: { kind: 'storage', place: 'Office safe' },
      to: { kind: 'individual', individual_no: 'I-0001030' },
    });
    mock.clear();
  });
});
