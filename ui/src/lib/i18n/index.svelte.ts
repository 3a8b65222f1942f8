// The UI language: English, French or Spanish, switchable at any time. Every string the UI
// shows comes from t(); a test fails when a language lacks a key.
import { en, type Key } from './en';
import { fr } from './fr';
import { es } from './es';

export type Lang = 'en' | 'fr' | 'es';
export const LANGS: Lang[] = ['en', 'fr', 'es'];
export const dictionaries: Record<Lang, Record<Key, string>> = { en, fr, es };
export type { Key };

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem('waypoint.lang');
    if (saved === 'en' || saved === 'fr' || saved === 'es') return saved;
  } catch {
    // no storage: English
  }
  return 'en';
}

const current = $state({ lang: initial() });

export function lang(): Lang {
  return current.lang;
}

export function setLang(l: Lang): void {
  current.lang = l;
  try {
    globalThis.localStorage?.setItem('waypoint.lang', l);
  } catch {
    // not remembered; still switched
  }
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/** The text for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: Key, params?: Record<string, string | number>): string {
  let text = dictionaries[current.lang][key] ?? en[key] ?? key;
  if (params) {
    for (const [name, value] of Object.entries(params)) {
      text = text.replaceAll(`{${name}}`, String(value));
    }
  }
  return text;
}
