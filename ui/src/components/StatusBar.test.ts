import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import StatusBar from './StatusBar.svelte';
import { backend, status } from '../test/fixtures';
import { setLang } from '../lib/i18n/index.svelte';

describe('StatusBar: Sync now', () => {
  it('is off on a device that is not enrolled, and says so in the UI language', async () => {
    const mock = backend({ status: () => status });
    render(StatusBar);
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(screen.getByTestId('sync-not-enrolled').textContent).toContain('Not enrolled'));
    expect(button.disabled).toBe(true);
    expect(button.getAttribute('aria-describedby')).toBe('sync-not-enrolled');
    expect(screen.getByTestId('sync-not-enrolled').getAttribute('title')).toContain('enrolment code');
    setLang('fr');
    await waitFor(() => expect(screen.getByTestId('sync-not-enrolled').textContent).toContain('non inscrit'));
    expect(button.textContent).toContain('Synchroniser');
    setLang('en');
    expect(mock.calls.some((c) => c.cmd === 'sync_now')).toBe(false);
    mock.clear();
  });

  it('syncs when enrolled, then shows what was sent and received and the new status', async () => {
    let synced = false;
    const mock = backend({
      status: () =>
        synced
          ? { ...status, sync_configured: true, pending_changes: 0, last_sync: '2025-11-25T09:30:00Z' }
          : { ...status, sync_configured: true },
      sync_now: () => {
        synced = true;
        return { sent: 3, accepted: 3, refused: 0, received: 7, open_conflicts: 0, pending: 0, refused_kept: 0, retired: false, audit_refused: null };
      },
    });
    render(StatusBar);
    const user = userEvent.setup();
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    await user.click(button);
    await waitFor(() => expect(screen.getByTestId('sync-result').textContent).toContain('Sent 3, received 7'));
    await waitFor(() => expect(screen.getByTestId('pending').textContent).toContain('0'));
    expect(screen.getByTestId('last-sync').textContent).not.toContain('never');
    expect(mock.calls.filter((c) => c.cmd === 'sync_now')).toHaveLength(1);
    mock.clear();
  });

  it('says plainly when HQ refused the audit log, though the data synced', async () => {
    const why = 'audit entry 2 differs from the copy HQ received earlier';
    const mock = backend({
      status: () => ({ ...status, sync_configured: true }),
      sync_now: () => ({ sent: 0, accepted: 0, refused: 0, received: 0, open_conflicts: 0, pending: 0, refused_kept: 0, retired: false, audit_refused: why }),
    });
    render(StatusBar);
    const user = userEvent.setup();
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    await user.click(button);
    const alert = await screen.findByTestId('sync-audit-refused');
    expect(alert.textContent).toContain('refused this laptop');
    expect(alert.getAttribute('title')).toBe(why);
    expect(screen.queryByTestId('sync-result')).toBeNull();
    mock.clear();
  });

  it('never says all is sent while HQ refused changes: it shows them and tells whom to tell', async () => {
    const mock = backend({
      status: () => ({ ...status, sync_configured: true, pending_changes: 0, refused_changes: 2 }),
      sync_now: () => ({ sent: 2, accepted: 0, refused: 2, received: 0, open_conflicts: 0, pending: 0, refused_kept: 2, retired: false, audit_refused: null }),
    });
    render(StatusBar);
    await waitFor(() => expect(screen.getByTestId('refused').textContent).toContain('Refused by HQ: 2'));
    const user = userEvent.setup();
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    await user.click(button);
    const said = await screen.findByTestId('sync-result');
    expect(said.textContent).toContain('HQ refused 2 change(s), kept here: tell your supervisor');
    expect(said.getAttribute('role')).toBe('alert');
    setLang('es');
    await waitFor(() => expect(screen.getByTestId('refused').textContent).toContain('Rechazados por la sede: 2'));
    setLang('en');
    mock.clear();
  });

  it('says why a retired laptop keeps its data, and what is still to do', async () => {
    const mock = backend({
      status: () => ({ ...status, sync_configured: true, pending_changes: 0, refused_changes: 1 }),
      sync_now: () => ({ sent: 1, accepted: 0, refused: 1, received: 0, open_conflicts: 0, pending: 0, refused_kept: 1, retired: true, audit_refused: null }),
    });
    render(StatusBar);
    const user = userEvent.setup();
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    await user.click(button);
    const said = await screen.findByTestId('sync-retired');
    expect(said.textContent).toContain('HQ retired this laptop');
    expect(said.textContent).toContain('1 refused by HQ (a supervisor must deal with them)');
    expect(screen.queryByTestId('sync-result')).toBeNull();
    mock.clear();
  });

  it('reports a failed sync, with the reason on the message', async () => {
    const mock = backend({
      status: () => ({ ...status, sync_configured: true }),
      sync_now: () => {
        throw 'the server at https://sync.example.org could not be reached (connection refused)';
      },
    });
    render(StatusBar);
    const user = userEvent.setup();
    const button = (await screen.findByTestId('sync-now')) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(false));
    await user.click(button);
    const error = await screen.findByTestId('sync-error');
    expect(error.textContent).toContain('nothing was lost');
    expect(error.getAttribute('title')).toContain('could not be reached');
    expect(button.disabled).toBe(false);
    mock.clear();
  });

  it('counts the events this version cannot show, and shows nothing when there are none', async () => {
    const mock = backend({ status: () => ({ ...status, unreadable_events: 2 }) });
    const view = render(StatusBar);
    const kept = await screen.findByTestId('unreadable-events');
    expect(kept.textContent).toContain('Events this version cannot show: 2');
    expect(kept.getAttribute('title')).toContain('newer version');
    view.unmount();
    mock.clear();
    const none = backend({ status: () => status });
    render(StatusBar);
    await screen.findByTestId('pending');
    await waitFor(() => expect(screen.getByTestId('pending').textContent).toContain('3'));
    expect(screen.queryByTestId('unreadable-events')).toBeNull();
    none.clear();
  });
});
