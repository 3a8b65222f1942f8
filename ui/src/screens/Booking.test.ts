import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Booking from './Booking.svelte';
import { backend, caseDetail } from '../test/fixtures';
import { acknowledged, bookingDetail, fieldAssistant, supervisor } from '../test/bookings';
import { setLang } from '../lib/i18n/index.svelte';
import { setSession } from '../lib/session.svelte';

beforeEach(() => setSession(supervisor));
afterEach(() => setLang('en'));

/** Types one flight into the row `i` of the form; times as the airports' clocks show them. */
async function flight(i: number, f: { carrier: string; no: string; from: string; to: string; departs: string; arrives: string }) {
  const user = userEvent.setup();
  const row = (id: string) => screen.getAllByTestId(id)[i] as HTMLInputElement;
  await user.type(row('carrier'), f.carrier);
  await user.type(row('flight-no'), f.no);
  await user.clear(row('from'));
  await user.type(row('from'), f.from);
  await user.type(row('to'), f.to);
  // jsdom does not type into datetime-local boxes: the value is set as the browser would.
  await fireEvent.input(row('departs'), { target: { value: f.departs } });
  await fireEvent.input(row('arrives'), { target: { value: f.arrives } });
}

describe('Booking', () => {
  it('makes a booking of chosen members, flights in local time, SSR codes from their needs', async () => {
    const mock = backend({ get_case: () => caseDetail(), save_booking: () => bookingDetail() });
    render(Booking, { caseNo: 'KGL-2025-000104', bookingRef: null });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: /IRAKOZE, Kevin/ }));
    await user.type(screen.getByTestId('record-locator'), 'qx7k2m');
    await flight(0, { carrier: 'ET', no: '813', from: 'KGL', to: 'ADD', departs: '2025-12-14T14:45', arrives: '2025-12-14T18:50' });
    expect(screen.getByText('Departs (local time at KGL)')).toBeTruthy();
    await user.click(screen.getByTestId('add-segment'));
    // The next flight leaves from where the last one landed, and is typed at once.
    expect((screen.getAllByTestId('from')[1] as HTMLInputElement).value).toBe('ADD');
    expect(document.activeElement).toBe(screen.getAllByTestId('carrier')[1]);
    await flight(1, { carrier: 'ET', no: '726', from: 'ADD', to: 'BRU', departs: '2025-12-14T19:20', arrives: '2025-12-15T05:55' });
    // Kevin's special needs (WCHR) on both flights; taken off the second.
    const second = screen.getByRole('textbox', { name: 'SSR codes of Kevin IRAKOZE on flight 2' }) as HTMLInputElement;
    expect(second.value).toBe('WCHR');
    await user.clear(second);
    await user.click(screen.getByTestId('save-booking'));
    await waitFor(() => expect(mock.calls.some((c) => c.cmd === 'save_booking')).toBe(true));
    expect(mock.calls.find((c) => c.cmd === 'save_booking')?.args.request).toEqual({
      booking_ref: null,
      case_no: 'KGL-2025-000104',
      status: 'CONFIRMED',
      record_locator: 'qx7k2m',
      abn: null,
      segments: [
        { carrier: 'ET', flight_no: '813', from: 'KGL', to: 'ADD', departs_local: '2025-12-14T14:45', arrives_local: '2025-12-14T18:50' },
        { carrier: 'ET', flight_no: '726', from: 'ADD', to: 'BRU', departs_local: '2025-12-14T19:20', arrives_local: '2025-12-15T05:55' },
      ],
      travellers: [{ individual_no: 'I-0001031', ssr: [['WCHR'], []] }],
      escorts: [],
    });
    // The person goes on from the confirmation, then the warnings below it.
    const saved = await screen.findByTestId('booking-saved');
    expect(saved.textContent).toContain('Booking BKG-251125-0A1B2C3D saved. Open warnings: 1.');
    expect(document.activeElement).toBe(saved);
    const warnings = screen.getByTestId('booking-warnings');
    expect(warnings.textContent).toContain('The connection at ADD from flight 1 to flight 2 is 30 minutes; the programme asks for at least 90.');
    const itinerary = screen.getByTestId('itinerary');
    expect(itinerary.textContent).toContain('Africa/Kigali (UTC+02:00)');
    expect(itinerary.textContent).toContain('Europe/Brussels (UTC+01:00)');
    mock.clear();
  });

  it('a supervisor acknowledges a warning with a reason; the acknowledgement takes the focus', async () => {
    const b = bookingDetail();
    const mock = backend({
      get_case: () => caseDetail(),
      booking: () => b,
      acknowledge_warning: () => acknowledged(b, 'Same terminal; the airline confirmed'),
    });
    render(Booking, { caseNo: 'KGL-2025-000104', bookingRef: b.booking_ref });
    const user = userEvent.setup();
    const button = await screen.findByTestId('acknowledge');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByTestId('warning-reason'), 'Same terminal; the airline confirmed');
    await user.click(button);
    await waitFor(() => expect(mock.calls.some((c) => c.cmd === 'acknowledge_warning')).toBe(true));
    expect(mock.calls.find((c) => c.cmd === 'acknowledge_warning')?.args.request).toEqual({
      booking_ref: b.booking_ref,
      warning: 'short_connection:1:ADD',
      reason: 'Same terminal; the airline confirmed',
    });
    const done = await screen.findByTestId('acknowledged');
    expect(done.textContent).toContain('Acknowledged by A. Officer');
    expect(done.textContent).toContain('Same terminal; the airline confirmed');
    expect(document.activeElement).toBe(done);
    mock.clear();
  });

  it('another role sees the warning, the button off, and why', async () => {
    setSession(fieldAssistant);
    const mock = backend({ get_case: () => caseDetail(), booking: () => bookingDetail() });
    render(Booking, { caseNo: 'KGL-2025-000104', bookingRef: 'BKG-251125-0A1B2C3D' });
    const button = (await screen.findByTestId('acknowledge')) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect((screen.getByTestId('warning-reason') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('not-allowed').textContent).toContain('may not acknowledge booking warnings');
    // The form is filled from the saved booking; the field assistant may change it.
    expect((screen.getByTestId('record-locator') as HTMLInputElement).value).toBe('QX7K2M');
    expect(screen.getByTestId('save-booking')).toBeTruthy();
    mock.clear();
  });

  it('words a refused value in the window language', async () => {
    setLang('fr');
    const mock = backend({
      get_case: () => caseDetail(),
      save_booking: () => {
        throw {
          kind: 'error',
          message: "the booking cannot be saved: 'E' is not an airline code",
          code: { code: 'bad_booking_value', params: { problem: { code: 'bad_carrier', params: { value: 'E' } } } },
        };
      },
    });
    render(Booking, { caseNo: 'KGL-2025-000104', bookingRef: null });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: /NIYONZIMA, Aline/ }));
    await user.click(screen.getByTestId('save-booking'));
    const error = await screen.findByTestId('booking-error');
    expect(error.textContent).toMatch(/^Cette réservation ne peut pas être enregistrée : « E » n'est pas un code de compagnie/);
    mock.clear();
  });
});
