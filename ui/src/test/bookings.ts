// Synthetic bookings and ABNs for component tests, typed with the generated bindings.
import type { AbnDetail } from '../lib/bindings/AbnDetail';
import type { BookingDetail } from '../lib/bindings/BookingDetail';
import type { SessionInfo } from '../lib/bindings/SessionInfo';
import { everything } from './fixtures';

/** Signed in as a supervisor: books, acknowledges warnings, issues ABNs. */
export const supervisor: SessionInfo = {
  ...everything,
  may: [...everything.may, 'book', 'acknowledge_warning', 'issue_abn'],
};

/** A field assistant books but does not acknowledge warnings nor issue ABNs. */
export const fieldAssistant: SessionInfo = {
  ...everything,
  name: 'F. Assistant',
  role: 'field_assistant',
  may: [...everything.may, 'book'],
};

/** Kigali to Brussels through Addis Ababa, with a 30-minute connection in Addis. */
export function bookingDetail(over: Partial<BookingDetail> = {}): BookingDetail {
  return {
    booking_ref: 'BKG-251125-0A1B2C3D',
    status: 'CONFIRMED',
    record_locator: 'QX7K2M',
    replaces: null,
    replaced_by: [],
    abn: 'ABN-25-4410',
    segments: [
      {
        number: 1,
        carrier: 'ET',
        flight_no: '813',
        from: 'KGL',
        from_name: 'Kigali International Airport',
        to: 'ADD',
        to_name: 'Addis Ababa Bole International Airport',
        departs_local: '2025-12-14T14:45',
        departs_zone: 'Africa/Kigali',
        departs_offset: '+02:00',
        arrives_local: '2025-12-14T18:50',
        arrives_zone: 'Africa/Addis_Ababa',
        arrives_offset: '+03:00',
      },
      {
        number: 2,
        carrier: 'ET',
        flight_no: '726',
        from: 'ADD',
        from_name: 'Addis Ababa Bole International Airport',
        to: 'BRU',
        to_name: 'Brussels Airport',
        departs_local: '2025-12-14T19:20',
        departs_zone: 'Africa/Addis_Ababa',
        departs_offset: '+03:00',
        arrives_local: '2025-12-15T05:55',
        arrives_zone: 'Europe/Brussels',
        arrives_offset: '+01:00',
      },
    ],
    travellers: [
      {
        individual_no: 'I-0001031',
        case_no: 'KGL-2025-000104',
        family_name: 'IRAKOZE',
        given_names: 'Kevin',
        native_name: null,
        sex: 'M',
        nationality: 'BDI',
        age: { min: 9, max: 10 },
        ssr: [['WCHR'], ['WCHR']],
      },
    ],
    escorts: [],
    warnings: [
      {
        key: 'short_connection:1:ADD',
        rule: 'short_connection',
        individual_no: null,
        segment: 1,
        detail: { detail: 'connection', airport: 'ADD', minutes: 30, minimum: 90 },
        acknowledged: null,
      },
    ],
    past_acknowledgements: [],
    ...over,
  };
}

export function acknowledged(b: BookingDetail, reason: string): BookingDetail {
  return {
    ...b,
    warnings: b.warnings.map((w) => ({
      ...w,
      acknowledged: { warning: w.key, reason, recorded_by: 'A. Officer', at: '2025-11-25T09:30:00Z' },
    })),
  };
}

export function abnDetail(): AbnDetail {
  const b = bookingDetail();
  const booking = {
    booking_ref: b.booking_ref,
    status: b.status,
    record_locator: b.record_locator,
    replaces: null,
    segments: b.segments,
    travellers: b.travellers,
    escorts: [{ name: 'Dr. Amani', kind: 'MEDICAL' as const, organisation: 'IOM', contact: '+250 788 000 999', accompanies: ['I-0001031'] }],
  };
  return {
    abn_no: 'ABN-25-4410',
    versions: [
      { number: 1, kind: 'issued', issued_by: 'A. Officer', site: 'KGL-TC1', at: '2025-11-20T08:00:00Z', changes: [], changed_travellers: [], bookings: [booking] },
      {
        number: 2,
        kind: 'updated',
        issued_by: 'A. Officer',
        site: 'KGL-TC1',
        at: '2025-11-24T08:00:00Z',
        changes: [{ change: 'ssr_changed', individual_no: 'I-0001031' }],
        changed_travellers: ['I-0001031'],
        bookings: [booking],
      },
    ],
    current: [booking],
    pending: [{ change: 'itinerary_changed', booking_ref: b.booking_ref }],
  };
}
