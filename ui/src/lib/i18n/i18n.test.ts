// Every string the UI shows exists, non-empty, in English, French and Spanish, with the same
// placeholders; every key the components use exists.
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { fr } from './fr';
import { es } from './es';
import { LANGS, dictionaries, lang, setLang, t } from './index.svelte';
import messageCodeTs from '../bindings/MessageCode.ts?raw';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every component and module of the UI, as text (tests excluded).
const sources = import.meta.glob<string>(['../../**/*.svelte', '../../**/*.ts', '!../../**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

// The generated TypeScript types of the core's code lists, as text.
const bindings = import.meta.glob<string>('../bindings/*.ts', { query: '?raw', import: 'default', eager: true });

/** The string literals of a generated union type, e.g. `"PA" | "SP" | ...`. */
function unionCodes(name: string): string[] {
  const text = bindings[`../bindings/${name}.ts`];
  expect(text, `bindings/${name}.ts`).toBeDefined();
  const body = text.match(new RegExp(`export type ${name} = ([^;]+);`))?.[1] ?? '';
  return [...body.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

describe('code lists of the core', () => {
  it.each([
    ['Relationship', 'rel_'],
    ['Sex', 'sex_'],
    ['DocumentType', 'doctype_'],
    ['Vulnerability', 'vuln_'],
    ['ExitPermitStatus', 'permit_'],
    ['SsrCategory', 'ssrcat_'],
    ['Role', 'role_'],
    ['Action', 'action_'],
    ['Field', 'field_'],
    ['CheckedField', 'digit_'],
    ['CodeList', 'codelist_'],
    ['BookingStatus', 'bookingstatus_'],
    ['EscortKind', 'escort_'],
    ['AbnVersionKind', 'abnkind_'],
    ['DenialReason', 'denial_'],
    ['HoldReason', 'hold_'],
    ['CancelReason', 'cancel_'],
    ['BookingField', 'bookingfield_'],
  ] as const)('every %s has a wording in English, French and Spanish', (name, prefix) => {
    const codes = unionCodes(name);
    expect(codes.length, name).toBeGreaterThan(1);
    for (const [lang, dict] of [
      ['en', en],
      ['fr', fr],
      ['es', es],
    ] as const) {
      const missing = codes.map((c) => prefix + c).filter((k) => !(k in dict));
      expect(missing, lang).toEqual([]);
    }
  });
});

describe('translations', () => {
  it.each([
    ['fr', fr],
    ['es', es],
  ] as const)('%s has exactly the English keys, none empty, same placeholders', (_name, dict) => {
    const keys = Object.keys(en).sort();
    expect(Object.keys(dict).sort()).toEqual(keys);
    for (const key of keys) {
      const text = (dict as Record<string, string>)[key];
      expect(text.trim(), key).not.toBe('');
      expect(placeholders(text), key).toEqual(placeholders((en as Record<string, string>)[key]));
    }
  });

  it('every key used in the code exists', () => {
    const used = new Set<string>();
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/\bt\(\s*'([A-Za-z0-9_]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !(k in en));
    expect(missing).toEqual([]);
  });

  it('every code the core sends has a label (keys built from codes)', () => {
    const codes: Record<string, string[]> = {
      custodian_: ['individual', 'staff', 'storage', 'travel_bag', 'authority'],
      event_check_: ['verified', 'mismatch', 'not_verified'],
      lang_: ['en', 'fr', 'es'],
    };
    const missing = Object.entries(codes).flatMap(([prefix, list]) =>
      list.map((c) => prefix + c).filter((k) => !(k in en)),
    );
    expect(missing).toEqual([]);
  });

  it('switches language at once and fills placeholders', () => {
    expect(LANGS).toEqual(['en', 'fr', 'es']);
    setLang('fr');
    expect(lang()).toBe('fr');
    expect(t('case_title', { case_no: 'KGL-1' })).toBe(dictionaries.fr.case_title.replace('{case_no}', 'KGL-1'));
    setLang('es');
    expect(t('nav_find')).toBe(es.nav_find);
    expect(document.documentElement.lang).toBe('es');
    setLang('en');
    expect(t('nav_find')).toBe('Find a person');
  });
});

/**
 * The codes of a generated tagged union and their parameters, read from the binding (never a
 * hand-copied list): `{ "code": "x", "params": { a: string, b: number | null, } }`,
 * `{ "code": "y" }`, or `{ "code": "z", "params": OtherUnion }` (`nested`).
 */
function variantsOf(text: string) {
  return [...text.matchAll(/"code":\s*"(\w+)"(?:,\s*"params":\s*(?:\{([^}]*)\}|(\w+)))?/g)].map((m) => {
    const params = [...(m[2] ?? '').matchAll(/(\w+):\s*([^,]+),/g)].map((p) => ({ name: p[1], nullable: /\|\s*null/.test(p[2]) }));
    return { code: m[1], params, nested: m[3] ?? null };
  });
}

/**
 * The keys a union's codes need: `<prefix><code>` with every parameter as a placeholder, and
 * for a parameter that may be null, `<prefix><code>_without_<param>` without it.
 */
function keysNeeded(text: string, prefix: string, nestedOk: string[] = []) {
  const keys: { key: string; params: string[] }[] = [];
  for (const v of variantsOf(text)) {
    if (v.nested) {
      expect(nestedOk, `${prefix}${v.code} nests ${v.nested}`).toContain(v.nested);
      continue;
    }
    const names = v.params.map((p) => p.name);
    keys.push({ key: prefix + v.code, params: [...names].sort() });
    for (const p of v.params.filter((p) => p.nullable)) {
      keys.push({ key: `${prefix}${v.code}_without_${p.name}`, params: names.filter((n) => n !== p.name).sort() });
    }
  }
  return keys;
}

const dictionaries3 = [
  ['en', en],
  ['fr', fr],
  ['es', es],
] as const;

function expectWorded(keys: { key: string; params: string[] }[], dict: Record<string, string | undefined>) {
  for (const { key, params } of keys) {
    const text = dict[key];
    expect(text?.trim(), key).toBeTruthy();
    expect([...new Set(placeholders(text ?? ''))].sort(), key).toEqual(params);
  }
}

describe('message codes', () => {
  const keys = keysNeeded(messageCodeTs, 'msg_');

  it('the binding lists the codes', () => {
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.map((k) => k.key)).toContain('msg_not_allowed');
  });

  it.each(dictionaries3)('every code has a %s wording with exactly its parameters', (_name, dict) => {
    expectWorded(keys, dict);
  });
});

describe('import problems and warnings', () => {
  // A problem or warning is worded `issue_<code>`; an invalid value (a problem that nests a
  // ValueProblem) `value_<code>`.
  const keys = [
    ...keysNeeded(bindings['../bindings/ProblemCode.ts'], 'issue_', ['ValueProblem']),
    ...keysNeeded(bindings['../bindings/WarningCode.ts'], 'issue_'),
    ...keysNeeded(bindings['../bindings/ValueProblem.ts'], 'value_'),
  ];

  it('the bindings list the codes, with the parameters that may be null', () => {
    const names = keys.map((k) => k.key);
    expect(names).toContain('issue_duplicate_individual');
    expect(names).toContain('issue_wrong_field_count_without_ends_before');
    expect(names).toContain('issue_child_older_than_parent');
    expect(names).toContain('value_not_one_of');
    expect(keys.length).toBeGreaterThan(40);
  });

  it('a code in both lists has the same parameters (one wording says both)', () => {
    const seen = new Map<string, string>();
    for (const { key, params } of keys) {
      const p = params.join(',');
      expect(seen.get(key) ?? p, key).toBe(p);
      seen.set(key, p);
    }
  });

  it.each(dictionaries3)('every problem, warning and value problem has a %s wording with exactly its parameters', (_name, dict) => {
    expectWorded(keys, dict);
  });

  it.each(dictionaries3)('%s names every code of a code list a value must come from', (_name, dict) => {
    const lists: Record<string, string> = {
      relationship: 'Relationship',
      sex: 'Sex',
      document_type: 'DocumentType',
      vulnerability: 'Vulnerability',
      exit_permit_status: 'ExitPermitStatus',
      denial_reason: 'DenialReason',
      hold_reason: 'HoldReason',
      cancel_reason: 'CancelReason',
      booking_status: 'BookingStatus',
      escort_kind: 'EscortKind',
      abn_version_kind: 'AbnVersionKind',
    };
    expect(Object.keys(lists).sort()).toEqual(unionCodes('CodeList').sort());
    for (const [list, union] of Object.entries(lists)) {
      const text = (dict as Record<string, string>)[`codelist_${list}`];
      const missing = unionCodes(union).filter((c) => !new RegExp(`\\b${c}\\b`).test(text));
      expect(missing, `codelist_${list}`).toEqual([]);
    }
  });
});

describe('booking problems', () => {
  // Tagged by `problem`, not `code`: `{ "problem": "x", a: string, b: number, }`; the other
  // fields are the parameters, read from the binding.
  const keys = [...bindings['../bindings/BookingProblem.ts'].matchAll(/\{\s*"problem":\s*"(\w+)"([^}]*)\}/g)].map((m) => ({
    key: `booking_problem_${m[1]}`,
    params: [...m[2].matchAll(/(\w+):/g)].map((p) => p[1]).sort(),
  }));

  it('the binding lists the problems and their fields', () => {
    expect(keys.length).toBeGreaterThan(5);
    expect(keys).toContainEqual({ key: 'booking_problem_ssr_not_per_segment', params: ['given', 'individual_no', 'segments'] });
  });

  it.each(dictionaries3)('every booking problem has a %s wording with exactly its fields', (_name, dict) => {
    expectWorded(keys, dict);
  });
});

describe('web storage', () => {
  // Every component and module of the UI (tests excluded), by file.
  const code = import.meta.glob<string>(['../../**/*.svelte', '../../**/*.ts', '!../../**/*.test.ts', '!../../test/**'], {
    query: '?raw',
    import: 'default',
    eager: true,
  });

  it('only the language choice is kept in web storage: nothing personal', () => {
    const users = Object.entries(code)
      .filter(([, text]) => /localStorage|sessionStorage|indexedDB|document\.cookie|caches\./.test(text))
      .map(([file]) => file);
    expect(users.length).toBe(1);
    expect(users[0]).toMatch(/i18n\/index\.svelte\.ts$|^\.\/index\.svelte\.ts$/);
    const text = code[users[0]];
    const keys = [...text.matchAll(/Storage\?\.(?:get|set)Item\('([^']+)'/g)].map((m) => m[1]);
    expect(new Set(keys)).toEqual(new Set(['waypoint.lang']));
  });
});
