import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import JourneyActions from './JourneyActions.svelte';
import { backend, caseDetail, everything } from '../test/fixtures';
import { setSession } from '../lib/session.svelte';

const withRight = () => setSession({ ...everything, may: [...everything.may, 'hold_journey'] });

describe('Hold, cancel or resume a journey', () => {
  it('puts one member on hold with a reason and words, then the focus is on the confirmation', async () => {
    withRight();
    const mock = backend({ change_journey: () => caseDetail().journey });
    const onChanged = vi.fn();
    render(JourneyActions, { detail: caseDetail(), onChanged });
    const user = userEvent.setup();
    const save = screen.getByTestId('journey-save') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await user.selectOptions(screen.getByTestId('journey-whom'), 'I-0001031');
    await user.selectOptions(screen.getByTestId('journey-reason'), 'protection');
    await user.type(screen.getByTestId('journey-text'), 'Protection assessment pending');
    expect(save.disabled).toBe(false);
    await user.click(save);
    const done = await screen.findByText('Journey put on hold.');
    expect(document.activeElement).toBe(done.closest('.success'));
    expect(mock.calls[0].args.request).toEqual({
      case_no: 'KGL-2025-000104',
      members: ['I-0001031'],
      change: { change: 'on_hold', reason: 'protection', text: 'Protection assessment pending' },
    });
    expect(onChanged).toHaveBeenCalled();
    mock.clear();
  });

  it('cancels the whole case with a cancellation reason and resumes without words', async () => {
    withRight();
    const mock = backend({ change_journey: () => caseDetail().journey });
    render(JourneyActions, { detail: caseDetail(), onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByTestId('journey-change'), 'cancelled');
    await user.selectOptions(screen.getByTestId('journey-reason'), 'withdrawn');
    await user.type(screen.getByTestId('journey-text'), 'The family withdrew');
    await user.click(screen.getByTestId('journey-save'));
    await screen.findByText('Journey cancelled.');
    await user.selectOptions(screen.getByTestId('journey-change'), 'resumed');
    expect(screen.queryByTestId('journey-reason')).toBeNull();
    await user.click(screen.getByTestId('journey-save'));
    await screen.findByText('Journey resumed.');
    expect(mock.calls.map((c) => c.args.request)).toEqual([
      { case_no: 'KGL-2025-000104', members: [], change: { change: 'cancelled', reason: 'withdrawn', text: 'The family withdrew' } },
      { case_no: 'KGL-2025-000104', members: [], change: { change: 'resumed', text: '' } },
    ]);
    mock.clear();
  });

  it('shows the refusal in the person\'s language', async () => {
    withRight();
    const mock = backend({
      change_journey: () => {
        throw { kind: 'error', message: 'I-0001031 has already departed', code: { code: 'after_departure', params: { individual_no: 'I-0001031' } } };
      },
    });
    render(JourneyActions, { detail: caseDetail(), onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByTestId('journey-text'), 'x');
    await user.click(screen.getByTestId('journey-save'));
    expect((await screen.findByRole('alert')).textContent).toContain('I-0001031 has already departed: a journey is put on hold');
    mock.clear();
  });

  it('a role without the right gets the reason, not the form', () => {
    setSession({ ...everything, role: 'field_assistant' });
    render(JourneyActions, { detail: caseDetail(), onChanged: vi.fn() });
    expect(screen.getByTestId('not-allowed').textContent).toContain('Your role (field assistant) may not put journeys on hold');
    expect(screen.queryByTestId('journey-save')).toBeNull();
  });
});
