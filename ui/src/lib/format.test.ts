import { afterEach, describe, expect, it } from 'vitest';
import { age, languageName, partialDate, relationship, sex } from './format';
import { setLang } from './i18n/index.svelte';

afterEach(() => setLang('en'));

describe('dates and ages as people read them', () => {
  it('shows partial dates honestly, in the UI language', () => {
    expect(partialDate('1984')).toBe('1984');
    expect(partialDate('UNKNOWN')).toBe('unknown');
    expect(partialDate('2019-11')).toBe('November 2019');
    expect(partialDate('1979-03-14')).toBe('Mar 14, 1979');
    setLang('fr');
    expect(partialDate('2019-11')).toBe('novembre 2019');
    expect(partialDate('1979-03-14')).toBe('14 mars 1979');
    expect(partialDate('UNKNOWN')).toBe('inconnue');
    setLang('es');
    expect(partialDate('2019-11')).toBe('noviembre de 2019');
    expect(partialDate('1979-03-14')).toBe('14 mar 1979');
  });

  it('shows an age range when the date of birth is partial', () => {
    expect(age({ min: 40, max: 41 })).toBe('40–41 years');
    expect(age({ min: 6, max: 6 })).toBe('6 years');
    expect(age(null)).toBe('age unknown');
    setLang('es');
    expect(age({ min: 40, max: 41 })).toBe('40–41 años');
  });

  it('names relationships and sexes, and a dash for a code this version does not know', () => {
    expect(relationship('PA')).toBe('Principal applicant');
    expect(relationship(null)).toBe('—');
    setLang('fr');
    expect(relationship('CH')).toBe('Enfant');
    expect(sex('F')).toBe('femme');
    expect(sex(null)).toBe('—');
  });

  it('names languages in the UI language, keeping the code', () => {
    expect(languageName('fr')).toBe('French (fr)');
    setLang('es');
    expect(languageName('fr')).toBe('Francés (fr)');
    expect(languageName('zz-not-a-code')).toBe('zz-not-a-code');
  });
});
