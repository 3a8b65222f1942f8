// The window hides what the role signed in may not see (hidden, not greyed) and says why an
// action is not offered. (The core leaves such values out anyway; see src-tauri's tests.)
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import CaseView from './CaseView.svelte';
import Import from './Import.svelte';
import Conflicts from './Conflicts.svelte';
import SpecialNeeds from './SpecialNeeds.svelte';
import { backend, caseDetail, dataProcessing, everything, ssrOptions } from '../test/fixtures';
import { setSession } from '../lib/session.svelte';

describe('roles in the window', () => {
  it('data processing: no sensitive-data button, no counselling form, the reason instead', async () => {
    setSession(dataProcessing);
    const detail = caseDetail();
    // What the core sends this role: no notes, no vulnerabilities.
    for (const m of detail.members) m.special_needs = { ...m.special_needs, notes: null, vulnerabilities: [] };
    const mock = backend({ get_case: () => detail });
    const onTab = vi.fn();
    const { rerender } = render(CaseView, { caseNo: 'KGL-2025-000104', tab: 'overview', onTab });
    await screen.findByRole('heading', { name: /Case KGL-2025-000104/ });
    expect(screen.queryByRole('button', { name: /sensitive data/ })).toBeNull();
    await rerender({ caseNo: 'KGL-2025-000104', tab: 'counselling', onTab });
    expect((await screen.findByTestId('not-allowed')).textContent).toContain(
      'Your role (data processing) may not record counselling sessions.',
    );
    mock.clear();
  });

  it('a role that sees no need-to-know field gets no sensitive section at all', async () => {
    setSession(dataProcessing);
    const mock = backend({ special_needs_options: () => ssrOptions });
    render(SpecialNeeds, { detail: caseDetail(), initial: 'I-0001031', onChanged: vi.fn() });
    await screen.findByTestId('ssr-filter');
    expect(screen.queryByTestId('needs-notes')).toBeNull();
    expect(screen.queryByTestId('needs-vulnerabilities')).toBeNull();
    expect(screen.queryByText('Uses a cane')).toBeNull();
    mock.clear();
  });

  it('sends only what the role may change', async () => {
    // A supervisor as shipped: sees vulnerabilities, may not change them.
    setSession({ ...everything, edits: everything.edits.filter((f) => f !== 'vulnerabilities') });
    const mock = backend({
      special_needs_options: () => ssrOptions,
      update_special_needs: () => caseDetail().members[1],
    });
    render(SpecialNeeds, { detail: caseDetail(), initial: 'I-0001031', onChanged: vi.fn() });
    const user = userEvent.setup();
    await screen.findByTestId('ssr-filter');
    expect(screen.getByTestId('needs-vulnerabilities').textContent).toContain('may see vulnerabilities but not change them');
    await user.click(screen.getByRole('button', { name: /Save special needs/ }));
    await waitFor(() => expect(mock.calls.some((c) => c.cmd === 'update_special_needs')).toBe(true));
    expect(mock.calls.find((c) => c.cmd === 'update_special_needs')?.args.update).toEqual({
      individual_no: 'I-0001031',
      ssr_codes: ['WCHR'],
      notes: 'Uses a cane',
      vulnerabilities: null,
    });
    mock.clear();
  });

  it('an action the role may not do is not offered, and says why', async () => {
    setSession({ ...everything, role: 'field_assistant', may: ['identity_check', 'counselling', 'custody_transfer'] });
    render(Import);
    expect(screen.getByTestId('not-allowed').textContent).toContain('Your role (field assistant) may not import case files.');
    expect(screen.queryByRole('button', { name: /Import/ })).toBeNull();
    const mock = backend({
      conflicts: () => [
        { id: 'c-1', case_no: 'KGL-2025-000104', scope: 'individual', record: 'I-0001031', field: 'vulnerabilities', need_to_know: true, hidden: true, kept: null, other: null },
      ],
    });
    render(Conflicts, { onOpen: vi.fn() });
    const cells = await screen.findAllByText('Not shown to your role');
    expect(cells.length).toBe(2);
    expect(screen.queryByRole('button', { name: 'Keep' })).toBeNull();
    mock.clear();
  });
});
