import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import CaseBookings from './CaseBookings.svelte';
import { backend, caseDetail } from '../test/fixtures';
import { acknowledged, bookingDetail, supervisor } from '../test/bookings';
import { NAVIGATION, type Navigation } from '../lib/navigation';
import { setSession } from '../lib/session.svelte';

beforeEach(() => setSession(supervisor));

function navigation(): Navigation {
  return { openCase: vi.fn(), openBooking: vi.fn(), openAbn: vi.fn() };
}

describe("A case's bookings", () => {
  it('lists each booking with its flights in local time and its open warnings, and opens it', async () => {
    const other = acknowledged(bookingDetail({ booking_ref: 'BKG-2', status: 'TICKETED' }), 'ok');
    const mock = backend({ case_bookings: () => [bookingDetail(), other] });
    const nav = navigation();
    const detail = { ...caseDetail(), abn: 'ABN-25-4410' };
    render(CaseBookings, { props: { detail }, context: new Map([[NAVIGATION, nav]]) });
    const items = await screen.findAllByTestId('case-booking');
    expect(items.length).toBe(2);
    expect(items[0].textContent).toContain('1 warning(s) open');
    expect(items[0].textContent).toContain('ET813 KGL → ADD');
    expect(items[0].textContent).toContain('Africa/Kigali');
    expect(items[1].textContent).toContain('Warnings acknowledged');
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'BKG-2' }));
    expect(nav.openBooking).toHaveBeenCalledWith('KGL-2025-000104', 'BKG-2');
    await user.click(screen.getByTestId('new-booking'));
    expect(nav.openBooking).toHaveBeenCalledWith('KGL-2025-000104', null);
    await user.click(screen.getByTestId('case-open-abn'));
    expect(nav.openAbn).toHaveBeenCalledWith('ABN-25-4410', 'KGL-2025-000104');
    mock.clear();
  });

  it('says when the case has no booking, and offers none to a role that may not book', async () => {
    setSession({ ...supervisor, may: ['identity_check'] });
    const mock = backend({ case_bookings: () => [] });
    render(CaseBookings, { props: { detail: caseDetail() }, context: new Map([[NAVIGATION, navigation()]]) });
    expect(await screen.findByText('No booking for this case yet.')).toBeTruthy();
    expect(screen.queryByTestId('new-booking')).toBeNull();
    mock.clear();
  });
});
