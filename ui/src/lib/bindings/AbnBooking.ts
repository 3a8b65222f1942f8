// PROVISIONAL (to be regenerated)
import type { BookingStatus } from "./BookingStatus";
import type { BookingTraveller } from "./BookingTraveller";
import type { EscortLine } from "./EscortLine";
import type { SegmentLine } from "./SegmentLine";

export type AbnBooking = { booking_ref: string, status: BookingStatus, record_locator: string | null, replaces: string | null, segments: Array<SegmentLine>, travellers: Array<BookingTraveller>, escorts: Array<EscortLine>, };
