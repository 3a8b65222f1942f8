import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { backend, caseDetail, everything, hit, locked, status } from './test/fixtures';
import type { SessionInfo } from './lib/bindings/SessionInfo';
import { setLang } from './lib/i18n/index.svelte';

afterEach(() => setLang('en'));

describe('the window', () => {
  it('switches language at once, everywhere, without a restart', async () => {
    const mock = backend({ session: () => everything, status: () => status, search: () => [] });
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
    const mock = backend({ session: () => everything, status: () => ({ ...status, conflicts: 2 }), search: () => [] });
    render(App);
    await waitFor(() => expect(screen.getByTestId('conflicts').textContent).toContain('2'));
    expect(screen.getByTestId('last-sync').textContent).toContain('never');
    // Not enrolled: Sync now is off, and says why.
    expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('sync-not-enrolled').textContent).toContain('Not enrolled');
    mock.clear();
  });

  it('goes from a search result to the case and back with Ctrl+K', async () => {
    const mock = backend({ session: () => everything, status: () => status, search: () => [hit()], get_case: () => caseDetail() });
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

  it('starts locked with only the sign-in screen; a wrong PIN says the tries left; locks keeping the name', async () => {
    let current: SessionInfo = locked();
    const mock = backend({
      session: () => current,
      status: () => status,
      search: () => [],
      sign_in: ({ name, pin }) => {
        if (pin !== '246810') return { result: 'wrong_pin', attempts_left: 4 };
        current = { ...everything, name: name as string };
        return { result: 'signed_in', session: current };
      },
      lock: ({ reason }) => (current = locked({ name: current.name, lock_reason: reason as SessionInfo['lock_reason'] })),
    });
    render(App);
    expect(await screen.findByRole('heading', { name: 'Sign in to Waypoint' })).toBeTruthy();
    expect(screen.queryByRole('navigation')).toBeNull();
    expect(screen.queryByTestId('pending')).toBeNull();
    const name = screen.getByTestId('signin-name');
    await waitFor(() => expect(document.activeElement).toBe(name));
    const user = userEvent.setup();
    await user.type(name, 'Ana Field');
    await user.type(screen.getByTestId('signin-pin'), '000000{Enter}');
    expect((await screen.findByTestId('signin-problem')).textContent).toContain('4 more wrong PIN');
    expect((screen.getByTestId('signin-pin') as HTMLInputElement).value).toBe('');
    await user.type(screen.getByTestId('signin-pin'), '246810{Enter}');
    expect(await screen.findByRole('heading', { name: 'Find a person' })).toBeTruthy();
    expect(mock.calls.find((c) => c.cmd === 'sign_in')?.args).toEqual({ name: 'Ana Field', pin: '000000' });
    await user.click(screen.getByTestId('lock'));
    expect(await screen.findByRole('heading', { name: 'Waypoint is locked' })).toBeTruthy();
    expect(screen.getByTestId('lock-reason').textContent).toContain('was locked');
    expect((screen.getByTestId('signin-name') as HTMLInputElement).value).toBe('Ana Field');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('signin-pin')));
    expect(screen.queryByRole('heading', { name: 'Find a person' })).toBeNull();
    mock.clear();
  });

  it('on a new device asks for the PIN twice', async () => {
    const mock = backend({ session: () => locked({ first_use: true }), sign_in: () => ({ result: 'pin_too_short' }) });
    render(App);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId('signin-name'), 'Ana Field');
    await user.type(screen.getByTestId('signin-pin'), '123456');
    await user.type(screen.getByTestId('signin-pin-again'), '654321{Enter}');
    expect((await screen.findByTestId('signin-problem')).textContent).toContain('not the same');
    expect(mock.calls.some((c) => c.cmd === 'sign_in')).toBe(false);
    mock.clear();
  });

  it('locks itself after the idle time without key or pointer activity, and with Ctrl+L', async () => {
    let current: SessionInfo = { ...everything, idle_seconds: 1 };
    const reasons: unknown[] = [];
    const mock = backend({
      session: () => current,
      status: () => status,
      search: () => [],
      lock: ({ reason }) => {
        reasons.push(reason);
        return (current = locked({ name: 'A. Officer', lock_reason: reason as SessionInfo['lock_reason'] }));
      },
    });
    const first = render(App);
    expect(await screen.findByRole('heading', { name: 'Find a person' })).toBeTruthy();
    expect(await screen.findByRole('heading', { name: 'Waypoint is locked' }, { timeout: 4000 })).toBeTruthy();
    expect(reasons).toEqual(['idle']);
    expect(screen.getByTestId('lock-reason').textContent).toContain('without activity');
    first.unmount();
    mock.clear();

    current = { ...everything, idle_seconds: 300 };
    const again = backend({ session: () => current, status: () => status, search: () => [], lock: ({ reason }) => {
      reasons.push(reason);
      return (current = locked({ name: 'A. Officer', lock_reason: 'manual' }));
    } });
    render(App);
    await screen.findAllByRole('heading', { name: 'Find a person' });
    const user = userEvent.setup();
    await user.keyboard('{Control>}l{/Control}');
    await waitFor(() => expect(reasons).toEqual(['idle', 'manual']));
    again.clear();
  });

  it('a command that finds the app locked (a suspend) brings the lock screen', async () => {
    let current: SessionInfo = everything;
    const mock = backend({
      session: () => current,
      status: () => status,
      search: () => {
        current = locked({ name: 'A. Officer', lock_reason: 'suspend' });
        throw { kind: 'locked', message: 'Waypoint is locked: sign in with your PIN' };
      },
    });
    render(App);
    const user = userEvent.setup();
    await user.type(await screen.findByRole('combobox', { name: /Name, case/ }), 'aline');
    expect(await screen.findByRole('heading', { name: 'Waypoint is locked' })).toBeTruthy();
    expect(screen.getByTestId('lock-reason').textContent).toContain('went to sleep');
    mock.clear();
  });

  it('past the offline lease shows only the lease notice until Sync now succeeds, in the UI language', async () => {
    let current: SessionInfo = { ...everything, lease_over: true };
    const mock = backend({
      session: () => current,
      status: () => ({ ...status, sync_configured: true }),
      search: () => [],
      sync_now: () => {
        current = { ...everything, lease_over: false };
        return { sent: 3, accepted: 3, refused: 0, received: 0, open_conflicts: 0, pending: 0, audit_refused: null };
      },
    });
    render(App);
    expect((await screen.findByTestId('lease-over')).textContent).toContain('locked until it syncs');
    expect(screen.queryByRole('heading', { name: 'Find a person' })).toBeNull();
    setLang('fr');
    await waitFor(() => expect(screen.getByTestId('lease-over').textContent).toContain('verrouillé'));
    setLang('en');
    const user = userEvent.setup();
    await waitFor(() => expect((screen.getByTestId('sync-now') as HTMLButtonElement).disabled).toBe(false));
    await user.click(screen.getByTestId('sync-now'));
    expect(await screen.findByRole('heading', { name: 'Find a person' })).toBeTruthy();
    expect(screen.queryByTestId('lease-over')).toBeNull();
    mock.clear();
  });

  it('a laptop HQ revoked says its data was erased', async () => {
    const mock = backend({ session: () => locked({ name: 'A. Officer', lock_reason: 'revoked' }), status: () => status });
    render(App);
    expect((await screen.findByTestId('lock-reason')).textContent).toContain('data has been erased');
    mock.clear();
  });
});
