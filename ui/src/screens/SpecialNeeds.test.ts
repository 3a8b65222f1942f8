import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SpecialNeeds from './SpecialNeeds.svelte';
import { backend, caseDetail, member, ssrOptions } from '../test/fixtures';
import { setLang } from '../lib/i18n/index.svelte';

afterEach(() => setLang('en'));

describe('Special needs', () => {
  it('finds codes by code or by words in the UI language and saves them', async () => {
    const mock = backend({
      special_needs_options: () => ssrOptions,
      update_special_needs: ({ update }) => member({ individual_no: (update as { individual_no: string }).individual_no }),
    });
    setLang('fr');
    render(SpecialNeeds, { detail: caseDetail(), initial: 'I-0001031', onChanged: vi.fn() });
    const user = userEvent.setup();
    const filter = await screen.findByTestId('ssr-filter');
    await waitFor(() => expect(screen.getByText('Cas médical')).toBeTruthy());
    // "immobile" is in the French description of WCHC only.
    await user.type(filter, 'immobile{Enter}');
    await user.type(filter, 'meda{Enter}');
    const chosen = screen.getByRole('list', { name: 'Codes choisis' });
    expect(chosen.textContent).toContain('WCHR');
    expect(chosen.textContent).toContain('WCHC');
    expect(chosen.textContent).toContain('MEDA');
    await user.click(screen.getByRole('button', { name: /Enregistrer/ }));
    await waitFor(() => expect(mock.calls.some((c) => c.cmd === 'update_special_needs')).toBe(true));
    expect(mock.calls.find((c) => c.cmd === 'update_special_needs')?.args.update).toEqual({
      individual_no: 'I-0001031',
      ssr_codes: ['WCHR', 'WCHC', 'MEDA'],
      notes: 'Uses a cane',
      vulnerabilities: ['DISABILITY'],
    });
    mock.clear();
  });

  it('marks notes and vulnerabilities as sensitive', async () => {
    const mock = backend({ special_needs_options: () => ssrOptions });
    render(SpecialNeeds, { detail: caseDetail(), initial: 'I-0001031', onChanged: vi.fn() });
    const region = screen.getByRole('region', { name: /Sensitive/ });
    expect(region.textContent).toContain('need to know');
    expect((screen.getByRole('textbox', { name: 'Special needs notes' }) as HTMLTextAreaElement).value).toBe('Uses a cane');
    mock.clear();
  });
});
