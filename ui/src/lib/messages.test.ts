// The window words the core's codes, nested ones too, in the language chosen.
import { afterEach, describe, expect, it } from 'vitest';
import { issueText, messageText } from './messages';
import { setLang } from './i18n/index.svelte';
import { fr } from './i18n/fr';
import { es } from './i18n/es';

describe('messages', () => {
  afterEach(() => setLang('en'));

  it('an invalid value names the field and words its problem, not the English reason', () => {
    const code = {
      code: 'invalid_value',
      params: { field: 'sex', problem: { code: 'not_one_of', params: { value: 'male', list: 'sex' } } },
    } as const;
    expect(messageText(code)).toBe("Sex: 'male' is not a sex code (M, F, X).");
    setLang('fr');
    expect(messageText(code)).toBe(`${fr.field_sex} : « male » n'est pas ${fr.codelist_sex}.`);
    setLang('es');
    expect(messageText(code)).toBe(`${es.field_sex}: «male» no es ${es.codelist_sex}.`);
  });

  it('a booking problem is worded in the language chosen, its status too', () => {
    const code = {
      code: 'booking_problem',
      params: { problem: { problem: 'no_record_locator', status: 'TICKETED' } },
    } as const;
    expect(messageText(code)).toBe("This booking cannot be saved: a booking that is Ticketed needs the airline's record locator (PNR).");
    setLang('fr');
    expect(messageText(code)).toContain(`« ${fr.bookingstatus_TICKETED} »`);
    expect(messageText(code)).toContain('localisateur de réservation (PNR)');
    setLang('es');
    expect(messageText(code)).toContain(`«${es.bookingstatus_TICKETED}»`);
    const chain = { code: 'booking_problem', params: { problem: { problem: 'does_not_chain', segment: 1, arrives_at: 'ADD', next_departs_from: 'DOH' } } } as const;
    expect(messageText(chain)).toContain('segmento 1 llega a ADD');
    expect(messageText(chain)).not.toContain('{');
  });

  it('a parameter that is null picks the wording without it', () => {
    const withColumn = { code: 'wrong_field_count', params: { found: 3, expected: 26, ends_before: 'sex' } } as const;
    const without = { code: 'wrong_field_count', params: { found: 30, expected: 26, ends_before: null } } as const;
    expect(issueText(withColumn)).toContain('ends before the column sex');
    expect(issueText(without)).toContain('it has more values than columns');
    expect(issueText(without)).not.toContain('{');
  });
});
