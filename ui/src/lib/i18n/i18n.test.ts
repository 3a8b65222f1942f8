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
    ['Field', 'field_'],
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
      digit_: ['document_number', 'date_of_birth', 'date_of_expiry', 'personal_number', 'composite'],
      field_: ['family_name', 'given_names', 'date_of_birth', 'document_no', 'document_expiry', 'nationality', 'sex'],
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

describe('message codes', () => {
  // The codes the core can send and their parameters, read from the generated binding
  // (never a hand-copied list): `{ "code": "x", "params": { a: string, b: number } }` or
  // `{ "code": "y" }`.
  const variants = [...messageCodeTs.matchAll(/"code":\s*"(\w+)"(?:,\s*"params":\s*\{([^}]*)\})?/g)].map((m) => ({
    code: m[1],
    params: [...(m[2] ?? '').matchAll(/(\w+):/g)].map((p) => p[1]).sort(),
  }));

  it('the binding lists the codes', () => {
    expect(variants.length).toBeGreaterThan(20);
    expect(variants.map((v) => v.code)).toContain('not_allowed');
  });

  it.each([
    ['en', en],
    ['fr', fr],
    ['es', es],
  ] as const)('every code has a %s wording with exactly its parameters', (_name, dict) => {
    for (const { code, params } of variants) {
      const text = (dict as Record<string, string | undefined>)[`msg_${code}`];
      expect(text?.trim(), `msg_${code}`).toBeTruthy();
      expect([...new Set(placeholders(text ?? ''))].sort(), `msg_${code}`).toEqual(params);
    }
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
