// PROVISIONAL (to be regenerated)
import type { Acknowledgement } from "./Acknowledgement";
import type { BookingStatus } from "./BookingStatus";
import type { BookingTraveller } from "./BookingTraveller";
import type { BookingWarningLine } from "./BookingWarningLine";
import type { EscortLine } from "./EscortLine";
import type { SegmentLine } from "./SegmentLine";

export type BookingDetail = { booking_ref: string, status: BookingStatus, record_locator: string | null, replaces: string | null, replaced_by: Array<string>, abn: string | null, segments: Array<SegmentLine>, travellers: Array<BookingTraveller>, escorts: Array<EscortLine>, warnings: Array<BookingWarningLine>, past_acknowledgements: Array<Acknowledgement>, };
