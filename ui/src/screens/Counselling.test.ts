import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Counselling from './Counselling.svelte';
import { backend, caseDetail, programmes } from '../test/fixtures';
import { setLang } from '../lib/i18n/index.svelte';

afterEach(() => setLang('en'));

describe('Pre-departure counselling', () => {
  it('cannot be saved as complete until every mandatory topic is ticked', async () => {
    const mock = backend({
      counselling_programmes: () => programmes,
      record_counselling: ({ request }) => ({ ...(request as object), id: 'x', counsellor: 'A', held_at: '2025-11-25T09:30:00Z', site: 'KGL-TC1' }),
    });
    const onChanged = vi.fn();
    render(Counselling, { detail: caseDetail(), onChanged });
    const user = userEvent.setup();
    await screen.findByLabelText(/Travel documents/);
    const complete = screen.getByRole('button', { name: 'Save as complete' });
    expect((complete as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('missing').textContent).toContain('2 mandatory topic(s)');
    await user.click(screen.getByLabelText(/Travel documents/));
    expect((complete as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByLabelText(/Baggage/));
    expect((complete as HTMLButtonElement).disabled).toBe(false);
    await user.type(screen.getByTestId('interpreter'), 'J. Interpreter');
    await user.click(complete);
    await screen.findByText('Session recorded as complete.');
    const call = mock.calls.find((c) => c.cmd === 'record_counselling');
    expect(call?.args.request).toMatchObject({
      case_no: 'KGL-2025-000104',
      programme: 'RELOCATION',
      topics_covered: ['travel_documents', 'baggage'],
      attendees: ['I-0001030', 'I-0001031'],
      language: 'rn',
      interpreter: 'J. Interpreter',
      complete: true,
    });
    expect(onChanged).toHaveBeenCalled();
    mock.clear();
  });

  it('shows the topics in the UI language', async () => {
    const mock = backend({ counselling_programmes: () => programmes });
    setLang('es');
    render(Counselling, { detail: caseDetail(), onChanged: vi.fn() });
    await waitFor(() => expect(screen.getByLabelText(/Equipaje/)).toBeTruthy());
    expect(screen.getAllByText('obligatorio')).toHaveLength(2);
    mock.clear();
  });

  it('shows the core refusal', async () => {
    const mock = backend({
      counselling_programmes: () => programmes,
      record_counselling: () => {
        throw "'I-9' is not a member of case KGL-2025-000104";
      },
    });
    render(Counselling, { detail: caseDetail(), onChanged: vi.fn() });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Save as not complete' }));
    expect((await screen.findByRole('alert')).textContent).toContain('is not a member');
    mock.clear();
  });
});

describe('after saving', () => {
  it('keeps what was recorded on screen and does not save the same session twice', async () => {
    const mock = backend({
      counselling_programmes: () => programmes,
      record_counselling: ({ request }) => ({ ...(request as object), id: 'x', counsellor: 'A', held_at: '2025-11-25T09:30:00Z', site: 'KGL-TC1' }),
    });
    render(Counselling, { detail: caseDetail(), onChanged: vi.fn() });
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText(/Travel documents/));
    await user.click(screen.getByLabelText(/Baggage/));
    await user.click(screen.getByRole('button', { name: 'Save as complete' }));
    await screen.findByText('Session recorded as complete.');
    expect((screen.getByLabelText(/Baggage/) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId('missing')).toBeNull();
    expect((screen.getByRole('button', { name: 'Save as complete' }) as HTMLButtonElement).disabled).toBe(true);
    // A change makes it a new session to save.
    await user.click(screen.getByLabelText(/Transit/));
    expect((screen.getByRole('button', { name: 'Save as complete' }) as HTMLButtonElement).disabled).toBe(false);
    expect(screen.queryByText('Session recorded as complete.')).toBeNull();
    mock.clear();
  });
});
