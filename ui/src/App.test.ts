import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { backend, caseDetail, hit, status } from './test/fixtures';
import { setLang } from './lib/i18n/index.svelte';

afterEach(() => setLang('en'));

describe('the window', () => {
  it('switches language at once, everywhere, without a restart', async () => {
    const mock = backend({ status: () => status, search: () => [] });
    render(App);
    expect(screen.getByRole('heading', { name: 'Find a person' })).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('pending').textContent).toContain('3'));
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'fr');
    expect(screen.getByRole('heading', { name: 'Trouver une personne' })).toBeTruthy();
    expect(screen.getByTestId('pending').textContent).toContain('Modifications en attente');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Langue' }), 'es');
    expect(screen.getByRole('heading', { name: 'Buscar a una persona' })).toBeTruthy();
    expect(localStorage.getItem('waypoint.lang')).toBe('es');
    mock.clear();
  });

  it('shows sync status: pending changes, never synced, conflicts', async () => {
    const mock = backend({ status: () => ({ ...status, conflicts: 2 }), search: () => [] });
    render(App);
    await waitFor(() => expect(screen.getByTestId('conflicts').textContent).toContain('2'));
    expect(screen.getByTestId('last-sync').textContent).toContain('never');
    // Not enrolled: Sync now is off, and says why.
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('sync-not-enrolled').textContent).toContain('Not enrolled');
    mock.clear();
  });

  it('goes from a search result to the case and back with Ctrl+K', async () => {
    const mock = backend({ status: () => status, search: () => [hit()], get_case: () => caseDetail() });
    render(App);
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox', { name: /Name, case/ }), 'aline');
    // (the language menu has options too: wait for the results list itself)
    await screen.findByRole('listbox', { name: 'People found' });
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { name: /Case KGL-2025-000104/ })).toBeTruthy();
    expect(screen.getByText('Brussels Airport, Brussels')).toBeTruthy();
    // Sensitive data is hidden until asked for.
    expect(screen.queryByText('Uses a cane')).toBeNull();
    await user.click(screen.getByRole('button', { name: /Show sensitive data/ }));
    expect(screen.getByText('Uses a cane')).toBeTruthy();
    await user.keyboard('{Control>}k{/Control}');
    expect(screen.getByRole('heading', { name: 'Find a person' })).toBeTruthy();
    mock.clear();
  });
});
