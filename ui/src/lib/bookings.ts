// Bookings, their warnings and ABN changes as people read them, in the UI language. Times come
// from the app already in each airport's local time with its zone: they are only worded here,
// never converted.
import type { AbnChangeLine } from './bindings/AbnChangeLine';
import type { BookingTraveller } from './bindings/BookingTraveller';
import type { BookingWarningLine } from './bindings/BookingWarningLine';
import type { SegmentLine } from './bindings/SegmentLine';
import { age, exitPermit, partialDate } from './format';
import { lang, t } from './i18n/index.svelte';

/** A local time `YYYY-MM-DDTHH:MM` as the airport's clocks show it, in the UI language. */
export function localTime(value: string): string {
  const m = value.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
  if (!m) return value;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  // Worded as UTC so that the browser's own zone never shifts the airport's time.
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date);
}

/** The zone beside a local time: `Africa/Kigali (UTC+02:00)`. */
export function zone(name: string, offset: string): string {
  return `${name} (UTC${offset})`;
}

/** `ET813 KGL → ADD`. */
export function flight(s: SegmentLine): string {
  return `${s.carrier}${s.flight_no} ${s.from} → ${s.to}`;
}

/** A traveller's name as the booking shows it, or their number where the role sees no name. */
export function travellerName(one: BookingTraveller | undefined, individualNo: string): string {
  if (!one || !one.family_name) return individualNo;
  return `${one.family_name}, ${one.given_names}`;
}

/** What a warning says, with the traveller's name where it is about one. */
export function warningText(w: BookingWarningLine, travellers: BookingTraveller[]): string {
  const who = w.individual_no
    ? travellerName(travellers.find((x) => x.individual_no === w.individual_no), w.individual_no)
    : t('warning_a_traveller');
  const d = w.detail;
  switch (d.detail) {
    case 'connection':
      return t('warning_short_connection', {
        airport: d.airport,
        segment: w.segment ?? 0,
        next: (w.segment ?? 0) + 1,
        minutes: d.minutes,
        minimum: d.minimum,
      });
    case 'infant':
      return d.by_code
        ? t('warning_infant_by_code', { who, adult_from: d.adult_from })
        : t('warning_infant_by_age', { who, age: age(d.age), on: partialDate(d.on), adult_from: d.adult_from });
    case 'medical_needs':
      return t('warning_medical_needs', { who, codes: d.codes.join(', ') });
    case 'unaccompanied_minor':
      return t('warning_unaccompanied_minor', { who });
    case 'document_expiry':
      return d.months === 0
        ? t('warning_document_expires', { who, expires: partialDate(d.expires), arrival: partialDate(d.last_arrival) })
        : t('warning_document_expires_months', {
            who,
            expires: partialDate(d.expires),
            arrival: partialDate(d.last_arrival),
            months: d.months,
            until: partialDate(d.valid_until),
          });
    case 'exit_permit':
      return d.status
        ? t('warning_exit_permit', { who, status: exitPermit(d.status) })
        : t('warning_exit_permit_none', { who });
    case 'not_travel_ready':
      return t('warning_not_travel_ready', { who });
  }
}

/** What changed in an ABN version, in the UI language. */
export function abnChangeText(c: AbnChangeLine): string {
  switch (c.change) {
    case 'booking_added':
      return t('abnchange_booking_added', { booking: c.booking_ref });
    case 'booking_removed':
      return t('abnchange_booking_removed', { booking: c.booking_ref });
    case 'replaced':
      return t('abnchange_replaced', { booking: c.booking_ref, by: c.by });
    case 'itinerary_changed':
      return t('abnchange_itinerary_changed', { booking: c.booking_ref });
    case 'status_changed':
      return t('abnchange_status_changed', { booking: c.booking_ref });
    case 'record_locator_changed':
      return t('abnchange_record_locator_changed', { booking: c.booking_ref });
    case 'traveller_added':
      return t('abnchange_traveller_added', { individual_no: c.individual_no });
    case 'traveller_removed':
      return t('abnchange_traveller_removed', { individual_no: c.individual_no });
    case 'ssr_changed':
      return t('abnchange_ssr_changed', { individual_no: c.individual_no });
    case 'escorts_changed':
      return t('abnchange_escorts_changed', { booking: c.booking_ref });
  }
}
