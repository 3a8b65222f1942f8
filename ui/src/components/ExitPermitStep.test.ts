import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import ExitPermitStep from './ExitPermitStep.svelte';
import { backend, caseDetail, everything } from '../test/fixtures';
import { setSession } from '../lib/session.svelte';

const withRight = () => setSession({ ...everything, may: [...everything.may, 'exit_permit'] });

describe('Record an exit-permit step', () => {
  it('records a denial with its reason, words and solution, then the focus is on the confirmation', async () => {
    withRight();
    const mock = backend({ record_exit_permit: () => [] });
    const onChanged = vi.fn();
    render(ExitPermitStep, { detail: caseDetail(), onChanged });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId('permit-person'), 'I-0001031');
    await user.selectOptions(screen.getByTestId('permit-step'), 'denied');
    const save = screen.getByTestId('permit-save') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await user.selectOptions(screen.getByTestId('permit-reason'), 'security_check');
    await user.type(screen.getByTestId('permit-text'), 'Security check not finished');
    await user.type(screen.getByTestId('permit-solution'), 'Apply again in a month');
    expect(save.disabled).toBe(false);
    await user.click(save);
    const done = await screen.findByText('Exit-permit step recorded.');
    expect(document.activeElement).toBe(done.closest('.success'));
    expect(mock.calls[0].args.request).toEqual({
      individual_no: 'I-0001031',
      step: { step: 'denied', on: null, reason: 'security_check', text: 'Security check not finished', solution: 'Apply again in a month' },
    });
    expect(onChanged).toHaveBeenCalled();
    mock.clear();
  });

  it('asks each step for what it must say: the authority, the reference', async () => {
    withRight();
    const mock = backend({ record_exit_permit: () => [] });
    render(ExitPermitStep, { detail: caseDetail(), onChanged: vi.fn() });
    const user = userEvent.setup();
    const save = screen.getByTestId('permit-save') as HTMLButtonElement;
    expect(save.disabled).toBe(false);
    await user.selectOptions(screen.getByTestId('permit-step'), 'submitted');
    expect(save.disabled).toBe(true);
    await user.type(screen.getByTestId('permit-authority'), 'DGIE Kigali');
    await user.type(screen.getByTestId('permit-on'), '2025-11-20');
    await user.click(save);
    await screen.findByText('Exit-permit step recorded.');
    await user.selectOptions(screen.getByTestId('permit-step'), 'approved');
    expect(save.disabled).toBe(true);
    await user.type(screen.getByTestId('permit-reference'), 'EXP-2025-0042');
    await user.click(save);
    expect(mock.calls.map((c) => c.args.request)).toEqual([
      { individual_no: 'I-0001030', step: { step: 'submitted', on: '2025-11-20', authority: 'DGIE Kigali' } },
      { individual_no: 'I-0001030', step: { step: 'approved', on: '2025-11-20', reference: 'EXP-2025-0042' } },
    ]);
    mock.clear();
  });

  it('a role without the right gets the reason, not the form', () => {
    setSession({ ...everything, role: 'poe_associate' });
    render(ExitPermitStep, { detail: caseDetail(), onChanged: vi.fn() });
    expect(screen.getByTestId('not-allowed').textContent).toContain('Your role (POE associate) may not record exit-permit steps.');
    expect(screen.queryByTestId('permit-save')).toBeNull();
  });
});
