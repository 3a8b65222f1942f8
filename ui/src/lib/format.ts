// Dates, ages and codes as people read them, in the UI language.
import type { AgeRange } from './bindings/AgeRange';
import type { DocumentType } from './bindings/DocumentType';
import type { ExitPermitStatus } from './bindings/ExitPermitStatus';
import type { Field } from './bindings/Field';
import type { Relationship } from './bindings/Relationship';
import type { Role } from './bindings/Role';
import type { Sex } from './bindings/Sex';
import type { SsrCategory } from './bindings/SsrCategory';
import type { Vulnerability } from './bindings/Vulnerability';
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

// The keys below are template literals over the generated unions: a code without a wording
// is a type error. `null`: a value this version does not know (a newer laptop's code).
export function relationship(code: Relationship | null): string {
  return code ? t(`rel_${code}`) : '—';
}

export function sex(code: Sex | null): string {
  return code ? t(`sex_${code}`) : '—';
}

export function documentType(code: DocumentType | null): string {
  return code ? t(`doctype_${code}`) : '—';
}

export function vulnerability(code: Vulnerability): string {
  return t(`vuln_${code}`);
}

export function exitPermit(code: ExitPermitStatus): string {
  return t(`permit_${code}`);
}

export function ssrCategory(code: SsrCategory): string {
  return t(`ssrcat_${code}`);
}

/** A profile field's name (the core sends its CSV column name). */
export function fieldName(field: Field): string {
  return t(`field_${field}`);
}

/** The role's name; '' when nobody is signed in. */
export function roleName(code: Role | null | undefined): string {
  return code ? t(`role_${code}`) : '';
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
