// Dates, ages and codes as people read them, in the UI language.
import type { AgeRange } from './bindings/AgeRange';
import { lang, t } from './i18n/index.svelte';

/** A canonical partial date (`1984`, `1984-03`, `1984-03-14`, `UNKNOWN`) in the UI language. */
export function partialDate(value: string | null | undefined): string {
  if (!value) return '—';
  if (value === 'UNKNOWN') return t('date_unknown');
  const [y, m, d] = value.split('-').map(Number);
  if (!y) return value;
  if (!m) return String(y);
  const date = new Date(Date.UTC(y, m - 1, d || 1));
  const options: Intl.DateTimeFormatOptions = d
    ? { dateStyle: 'medium', timeZone: 'UTC' }
    : { year: 'numeric', month: 'long', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(lang(), options).format(date);
}

/** A point in time (RFC 3339) in the UI language, local time. */
export function dateTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A time of day (RFC 3339), local. */
export function time(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(lang(), { timeStyle: 'short' }).format(date);
}

/** An age as a range when the date of birth is partial: `40–41 years`. */
export function age(a: AgeRange | null | undefined): string {
  if (!a) return t('age_unknown');
  const years = a.min === a.max ? String(a.min) : `${a.min}–${a.max}`;
  return t('age_years', { years });
}

const RELATIONSHIPS = ['PA', 'SP', 'CH', 'PR', 'SB', 'OT'] as const;
export function relationship(code: string): string {
  return (RELATIONSHIPS as readonly string[]).includes(code)
    ? t(`rel_${code}` as 'rel_PA')
    : code;
}

const SEXES = ['M', 'F', 'X'] as const;
export function sex(code: string): string {
  return (SEXES as readonly string[]).includes(code) ? t(`sex_${code}` as 'sex_M') : code;
}

/** A language's name in the UI language, with its ISO 639 code: `Kirundi (rn)`. */
export function languageName(code: string): string {
  if (!/^[a-z]{2,3}$/.test(code)) return code;
  try {
    const name = new Intl.DisplayNames([lang()], { type: 'language' }).of(code);
    if (name && name !== code) return `${name.charAt(0).toLocaleUpperCase(lang())}${name.slice(1)} (${code})`;
  } catch {
    // not a language code Intl knows
  }
  return code;
}
