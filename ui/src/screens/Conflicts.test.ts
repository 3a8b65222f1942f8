import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import Conflicts from './Conflicts.svelte';
import { backend } from '../test/fixtures';
import type { ConflictItem } from '../lib/bindings/ConflictItem';

const name: ConflictItem = {
  id: 'c-1',
  case_no: 'KGL-2025-000101',
  scope: 'individual',
  record: 'I-0001002',
  field: 'family_name',
  need_to_know: false,
  hidden: false,
  kept: 'MUKAMANA',
  other: 'MUKAMANAA',
};
const notes: ConflictItem = { ...name, id: 'c-2', field: 'special_needs_notes', need_to_know: true, kept: 'Iron', other: null };

describe('Conflicts', () => {
  it('says so when there is nothing to review', async () => {
    const mock = backend({ conflicts: () => [] });
    render(Conflicts, { onOpen: vi.fn() });
    expect((await screen.findByTestId('no-conflicts')).textContent).toContain('No conflict');
    mock.clear();
  });

  it('shows both values, hides need-to-know ones, and saves the choice', async () => {
    const mock = backend({ conflicts: () => [name, notes], resolve_conflict: () => [notes] });
    const onOpen = vi.fn();
    render(Conflicts, { onOpen });
    const user = userEvent.setup();
    const row = (await screen.findByText('MUKAMANAA')).closest('tr');
    expect(row?.textContent).toContain('Family name');
    expect(row?.textContent).toContain('MUKAMANA');
    // Notes are need-to-know: hidden until asked.
    expect(screen.queryByText('Iron')).toBeNull();
    await user.click(screen.getByRole('button', { name: /Show sensitive data/ }));
    expect(screen.getByText('Iron')).toBeTruthy();
    const buttons = screen.getAllByRole('button', { name: 'Use the other value' });
    await user.click(buttons[0]);
    await screen.findByText('Decision saved.');
    expect(mock.calls.find((c) => c.cmd === 'resolve_conflict')?.args).toEqual({
      resolution: { id: 'c-1', value: 'MUKAMANAA' },
    });
    expect(screen.queryByText('MUKAMANAA')).toBeNull();
    await user.click(screen.getAllByRole('button', { name: 'KGL-2025-000101' })[0]);
    expect(onOpen).toHaveBeenCalledWith('KGL-2025-000101');
    mock.clear();
  });
});
