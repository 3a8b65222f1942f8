// Who is signed in, in which role, and what that role may see and do. The UI hides what the
// role may not see (the core leaves it out anyway) and says why an action is refused. Nothing
// here is kept anywhere but in memory: no web storage.
import { api } from './api';
import type { Action } from './bindings/Action';
import type { Field } from './bindings/Field';
import type { LockReason } from './bindings/LockReason';
import type { Role } from './bindings/Role';
import type { SessionInfo } from './bindings/SessionInfo';

const current = $state<{ info: SessionInfo | null }>({ info: null });

/** The session as last seen; `null` before the first answer. */
export function session(): SessionInfo | null {
  return current.info;
}

export function setSession(info: SessionInfo): void {
  current.info = info;
}

/** Asks the app whether it is locked (a suspend locks it from the other side). */
export async function refreshSession(): Promise<SessionInfo> {
  const info = await api.session();
  current.info = info;
  return info;
}

export async function lockNow(reason: LockReason): Promise<void> {
  current.info = await api.lock(reason);
}

/** Whether the role signed in may see a field (its CSV column name). */
export function sees(field: Field): boolean {
  return current.info?.sees.includes(field) ?? false;
}

/** Whether the role signed in may change a field. */
export function edits(field: Field): boolean {
  return current.info?.edits.includes(field) ?? false;
}

/** Whether the role signed in may do an action (`import`, `identity_check`, ...). */
export function may(action: Action): boolean {
  return current.info?.may.includes(action) ?? false;
}

/** The role signed in; `null` when locked. */
export function role(): Role | null {
  return current.info?.role ?? null;
}
