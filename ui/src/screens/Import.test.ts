import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import Import from './Import.svelte';
import { backend } from '../test/fixtures';
import type { ImportOutcome } from '../lib/bindings/ImportOutcome';

const rejected: ImportOutcome = {
  file_name: 'cases.csv',
  rejected: true,
  dry_run: false,
  rows_read: 10,
  problems: [{ line: 7, column: 'sex', value: 'Q', message: "'Q' is not a sex" }],
  rows_with_problems: 1,
  warnings: [],
  unknown_columns: ['remarks'],
  cases: null,
  individuals: null,
  clashes: [],
};

describe('Import', () => {
  it('sends the chosen file and shows every problem with line, column and value', async () => {
    const mock = backend({ import_csv: () => rejected });
    render(Import);
    const user = userEvent.setup();
    const file = new File(['case_no,individual_no\n'], 'cases.csv', { type: 'text/csv' });
    await user.upload(screen.getByLabelText('CSV file'), file);
    await user.click(screen.getByRole('button', { name: 'Import' }));
    const alert = await screen.findByText(/cases.csv: rejected: 1 problem\(s\) in 1 row\(s\)/);
    expect(alert).toBeTruthy();
    const row = screen.getByText("'Q' is not a sex").closest('tr');
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
    expect(screen.getByText('ssr_codes').closest('tr')?.textContent).toContain('WCHR');
    mock.clear();
  });
});
