// The UI language: English, French or Spanish, switchable at any time. Every string the UI
// shows comes from t(); a test fails when a language lacks a key.
import { en, type Key } from './en';
import { fr } from './fr';
import { es } from './es';

export type Lang = 'en' | 'fr' | 'es';
export const LANGS: Lang[] = ['en', 'fr', 'es'];
export const dictionaries: Record<Lang, Record<Key, string>> = { en, fr, es };
export type { Key };

// The choice is kept in web storage for the session only (the window's web view is
// incognito: nothing is written to disk), and it is the only thing kept there: no personal
// data ever is (a test checks the sources). A new start follows the system's language.
function isLang(s: unknown): s is Lang {
  return s === 'en' || s === 'fr' || s === 'es';
}

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem('waypoint.lang');
    if (isLang(saved)) return saved;
  } catch {
    // no storage: the system's language
  }
  const system = globalThis.navigator?.language?.slice(0, 2).toLowerCase();
  return isLang(system) ? system : 'en';
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
