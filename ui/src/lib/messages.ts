// Every message the core sends comes as a code with parameters (MessageCode, generated from
// Rust); this module words it in the person's language. See docs/messages.md.
import type { MessageCode } from './bindings/MessageCode';
import { en, type Key } from './i18n/en';
import { t } from './i18n/index.svelte';
import { CommandError } from './api';

/** The dictionary key of each code: `msg_<code>`. */
export type MessageKey = `msg_${MessageCode['code']}`;

// Does not compile when a code the core can send has no English wording; the test
// (i18n.test.ts) checks French and Spanish against the generated codes too.
const worded: Record<MessageKey, string> = en;

// Parameters that are codes themselves are worded with their own keys.
const CODE_PARAMS: Record<string, string> = { role: 'role_', action: 'action_', field: 'field_' };

function paramText(name: string, value: unknown): string | number {
  if (typeof value === 'number') return value;
  const text = String(value);
  const prefix = CODE_PARAMS[name];
  if (prefix && `${prefix}${text}` in en) return t(`${prefix}${text}` as Key);
  return text;
}

/** The words for a message code, in the current language. */
export function messageText(message: MessageCode): string {
  const key: MessageKey = `msg_${message.code}`;
  const params: Record<string, string | number> = {};
  if ('params' in message && message.params) {
    for (const [name, value] of Object.entries(message.params)) params[name] = paramText(name, value);
  }
  return key in worded ? t(key, params) : message.code;
}

/** What to show for a failed command (or any other error), in the current language. */
export function errorText(e: unknown): string {
  if (e instanceof CommandError && e.code) return messageText(e.code);
  if (e instanceof Error) return e.message;
  return String(e);
}
