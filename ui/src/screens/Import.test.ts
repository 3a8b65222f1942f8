import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import Import from './Import.svelte';
import { setLang } from '../lib/i18n/index.svelte';
import { backend } from '../test/fixtures';
import type { ImportOutcome } from '../lib/bindings/ImportOutcome';

const rejected: ImportOutcome = {
  file_name: 'cases.csv',
  rejected: true,
  dry_run: false,
  rows_read: 10,
  problems: [
    {
      line: 7,
      column: 'sex',
      value: 'Q',
      code: { code: 'invalid_value', params: { code: 'not_one_of', params: { value: 'Q', list: 'sex' } } },
      message: "'Q' is not a sex: use one of M, F, X",
    },
  ],
  rows_with_problems: 1,
  warnings: [],
  unknown_columns: ['remarks'],
  cases: null,
  individuals: null,
  clashes: [],
};

async function importFile() {
  const user = userEvent.setup();
  await user.upload(screen.getByLabelText(/CSV/), new File(['x'], 'cases.csv', { type: 'text/csv' }));
  await user.click(screen.getByRole('button', { name: /Import/ }));
}

describe('Import', () => {
  afterEach(() => setLang('en'));

  it('sends the chosen file and shows every problem with line, column and value', async () => {
    const mock = backend({ import_csv: () => rejected });
    render(Import);
    const user = userEvent.setup();
    const file = new File(['case_no,individual_no\n'], 'cases.csv', { type: 'text/csv' });
    await user.upload(screen.getByLabelText('CSV file'), file);
    await user.click(screen.getByRole('button', { name: 'Import' }));
    const alert = await screen.findByText(/cases.csv: rejected: 1 problem\(s\) in 1 row\(s\)/);
    expect(alert).toBeTruthy();
    // Worded by the window from the problem's code, not the core's English.
    const row = screen.getByText("'Q' is not a sex code (M, F, X).").closest('tr');
    expect(row?.textContent).toContain('7');
    expect(row?.textContent).toContain('sex');
    expect(row?.textContent).toContain('Q');
    expect(screen.getByText(/Ignored columns: remarks/)).toBeTruthy();
    const request = mock.calls[0].args.request as { content: string; partial: boolean };
    expect(request.content).toBe('case_no,individual_no\n');
    expect(request.partial).toBe(false);
    mock.clear();
  });

  it('shows the tally and the clashes of a successful import', async () => {
    const mock = backend({
      import_csv: () => ({
        ...rejected,
        rejected: false,
        problems: [],
        rows_with_problems: 0,
        unknown_columns: [],
        cases: { created: 5, updated: 0, unchanged: 0 },
        individuals: { created: 9, updated: 0, unchanged: 1 },
        clashes: [{ line: 3, case_no: 'KGL-1', individual_no: 'I-1', field: 'ssr_codes', local: 'WCHR', incoming: null }],
      }),
    });
    render(Import);
    const user = userEvent.setup();
    await user.upload(screen.getByLabelText('CSV file'), new File(['x'], 'cases.csv'));
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported cases.csv')).toBeTruthy();
    expect(screen.getByText('Individuals').closest('tr')?.textContent).toBe('Individuals901');
    expect(screen.getByText('SSR codes').closest('tr')?.textContent).toContain('WCHR');
    mock.clear();
  });

  it('words each problem and warning in the language chosen, from its code', async () => {
    const mock = backend({
      import_csv: () => ({
        ...rejected,
        problems: [
          ...rejected.problems,
          {
            line: 9,
            column: 'date_of_birth',
            value: '1979-13-45',
            code: { code: 'invalid_value', params: { code: 'no_such_month', params: { value: '1979-13-45', month: 13 } } },
            message: "'1979-13-45' has no month 13: months run 01 to 12",
          },
          {
            line: 11,
            column: '',
            value: '',
            code: { code: 'wrong_field_count', params: { found: 3, expected: 26, ends_before: null } },
            message: 'this row has 3 fields but the header has 26',
          },
        ],
        warnings: [
          {
            line: 4,
            column: 'relationship',
            value: '2001-01-01',
            code: { code: 'child_older_than_parent', params: { parent: 'SP', parent_line: 3, parent_birth: '2003-05-01' } },
            message: 'this child (CH), born 2001-01-01, is older than the spouse on line 3',
          },
        ],
      }),
    });
    setLang('fr');
    render(Import);
    await importFile();
    await screen.findByText(/cases.csv : refusé/);
    const row = (text: string) => screen.getByText(text).closest('tr')?.textContent ?? '';
    expect(row('« Q » n\'est pas un code de sexe (M, F, X).')).toContain('7');
    expect(row('« 1979-13-45 » : il n\'y a pas de mois 13 ; les mois vont de 01 à 12.')).toContain('date_of_birth');
    // A parameter that is null has its own wording; a parameter that is a code is worded too.
    expect(screen.getByText(/elle a plus de valeurs que de colonnes/)).toBeTruthy();
    expect(screen.getByText(/avant la personne de la ligne 3 \(Conjoint\(e\), né\(e\) le 2003-05-01\)/)).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/is not a sex|has no month|older than/);
    mock.clear();
  });
});
