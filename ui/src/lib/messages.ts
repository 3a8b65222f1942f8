// Every message the core sends comes as a code with parameters (MessageCode, and the import
// report's ProblemCode, WarningCode and ValueProblem, generated from Rust); this module words
// it in the person's language. See docs/messages.md.
import type { BookingProblem } from './bindings/BookingProblem';
import type { ImportIssueCode } from './bindings/ImportIssueCode';
import type { MessageCode } from './bindings/MessageCode';
import type { ValueProblem } from './bindings/ValueProblem';
import { en, type Key } from './i18n/en';
import { t } from './i18n/index.svelte';
import { CommandError } from './api';

/** For a code with a parameter that may be null, `<code>_without_<param>`: said when it is. */
type WithoutKeys<M> = M extends { code: infer C extends string; params: infer P }
  ? { [K in keyof P & string]: null extends P[K] ? `${C}_without_${K}` : never }[keyof P & string]
  : never;

/** The dictionary key of each code: `msg_<code>`. */
export type MessageKey = `msg_${MessageCode['code'] | WithoutKeys<MessageCode>}`;
/** An import problem or warning, but an invalid value (worded by its `ValueProblem`). */
type IssueCode = Exclude<ImportIssueCode, { code: 'invalid_value' }>;
export type IssueKey = `issue_${IssueCode['code'] | WithoutKeys<IssueCode>}`;
export type ValueKey = `value_${ValueProblem['code'] | WithoutKeys<ValueProblem>}`;
/** Why a booking cannot stand (tagged by `problem`, its other fields the parameters). */
export type BookingProblemKey = `booking_problem_${BookingProblem['problem']}`;

// Does not compile when a code the core can send has no English wording; the test
// (i18n.test.ts) checks French and Spanish against the generated codes too.
const worded: Record<MessageKey | IssueKey | ValueKey | BookingProblemKey, string> = en;

/** Whether the dictionaries have `key` (a key built from a code the core sent). */
function isKey(key: string): key is Key {
  return key in worded || key in en;
}

// Parameters that are codes themselves are worded with their own keys.
const CODE_PARAMS: Record<string, string> = {
  role: 'role_',
  action: 'action_',
  field: 'field_',
  parent: 'rel_',
  status: 'permit_',
  list: 'codelist_',
};

function paramText(name: string, value: unknown): string | number {
  if (typeof value === 'number') return value;
  const text = String(value);
  const key = `${CODE_PARAMS[name] ?? ''}${text}`;
  if (name in CODE_PARAMS && isKey(key)) return t(key);
  return text;
}

/**
 * The words of `<prefix><code>` with its parameters. A parameter that is null is said by the
 * key `<prefix><code>_without_<param>`, which has no placeholder for it.
 */
function word(prefix: string, code: { code: string; params?: unknown }): string {
  let key = `${prefix}${code.code}`;
  const params: Record<string, string | number> = {};
  if (code.params && typeof code.params === 'object') {
    for (const [name, value] of Object.entries(code.params)) {
      if (value === null || value === undefined) key += `_without_${name}`;
      else params[name] = paramText(name, value);
    }
  }
  return isKey(key) ? t(key, params) : code.code;
}

/** The words for a message code, in the current language. */
export function messageText(message: MessageCode): string {
  // Its problem is a code of its own, worded by `valueProblemText`.
  if (message.code === 'invalid_value') {
    const { field, problem } = message.params;
    return t('msg_invalid_value', { field: t(`field_${field}`), problem: valueProblemText(problem) });
  }
  if (message.code === 'bad_booking_value') {
    return t('msg_bad_booking_value', { problem: valueProblemText(message.params.problem) });
  }
  if (message.code === 'booking_problem') {
    return t('msg_booking_problem', { problem: bookingProblemText(message.params.problem) });
  }
  return word('msg_', message);
}

/** Why a booking cannot stand, in the current language; its status is worded too. */
export function bookingProblemText(problem: BookingProblem): string {
  const { problem: code, ...fields } = problem;
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(fields)) {
    const status = `bookingstatus_${value}`;
    params[name] = name === 'status' && isKey(status) ? t(status) : (value as string | number);
  }
  const key = `booking_problem_${code}`;
  return isKey(key) ? t(key, params) : code;
}

/** What is wrong with a value, in the current language. */
export function valueProblemText(problem: ValueProblem): string {
  return word('value_', problem);
}

/** An import problem or warning, in the current language. */
export function issueText(code: ImportIssueCode): string {
  if (code.code === 'invalid_value') return valueProblemText(code.params);
  return word('issue_', code);
}

/** What to show for a failed command (or any other error), in the current language. */
export function errorText(e: unknown): string {
  if (e instanceof CommandError && e.code) return messageText(e.code);
  if (e instanceof Error) return e.message;
  return String(e);
}
