import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import FindPerson from './FindPerson.svelte';
import { backend, hit } from '../test/fixtures';
import { setLang } from '../lib/i18n/index.svelte';

afterEach(() => setLang('en'));

describe('Find a person', () => {
  it('is focused on start, shows results while typing, opens with arrows and Enter', async () => {
    const mock = backend({
      search: ({ query }) =>
        String(query).toLowerCase().startsWith('niy')
          ? [hit(), hit({ individual_no: 'I-0001031', family_name: 'IRAKOZE', given_names: 'Kevin' })]
          : [],
    });
    const onOpen = vi.fn();
    render(FindPerson, { onOpen });
    const box = screen.getByRole('combobox');
    expect(document.activeElement).toBe(box);
    const user = userEvent.setup();
    await user.type(box, 'Niyonzíma');
    const options = await screen.findAllByRole('option');
    expect(options).toHaveLength(2);
    expect(options[0].textContent).toContain('NIYONZIMA');
    expect(options[0].textContent).toContain('35 years');
    expect(options[0].getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowDown}');
    expect(screen.getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{Enter}');
    expect(onOpen).toHaveBeenCalledWith('KGL-2025-000104', 'I-0001031');
    // The query as typed, diacritic and all, goes to the core's search.
    expect(mock.calls.some((c) => c.cmd === 'search' && c.args.query === 'Niyonzíma')).toBe(true);
    mock.clear();
  });

  it('says plainly when nobody is found, in the UI language', async () => {
    const mock = backend({ search: () => [] });
    setLang('fr');
    render(FindPerson, { onOpen: vi.fn() });
    await userEvent.setup().type(screen.getByRole('combobox'), 'Zzz');
    await waitFor(() => expect(screen.getByText(/Personne ne correspond à « Zzz »/)).toBeTruthy());
    mock.clear();
  });

  it('shows a search failure instead of hiding it', async () => {
    const mock = backend({
      search: () => {
        throw 'the store cannot be read';
      },
    });
    render(FindPerson, { onOpen: vi.fn() });
    await userEvent.setup().type(screen.getByRole('combobox'), 'abc');
    expect((await screen.findByRole('alert')).textContent).toContain('the store cannot be read');
    mock.clear();
  });
});

describe('a slow first answer', () => {
  it('says it is searching instead of looking frozen', async () => {
    let answer: (v: unknown) => void = () => {};
    const mock = backend({ search: () => new Promise((r) => (answer = r)) });
    render(FindPerson, { onOpen: vi.fn() });
    await userEvent.setup().type(screen.getByRole('combobox'), 'ali');
    expect((await screen.findByTestId('searching', {}, { timeout: 2000 })).textContent).toContain('Searching');
    answer([hit()]);
    await waitFor(() => expect(screen.queryByTestId('searching')).toBeNull());
    expect(screen.getAllByRole('option')).toHaveLength(1);
    mock.clear();
  });
});
