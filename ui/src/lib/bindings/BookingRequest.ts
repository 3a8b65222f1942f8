// PROVISIONAL (to be regenerated)
import type { BookingStatus } from "./BookingStatus";
import type { EscortRequest } from "./EscortRequest";
import type { SegmentRequest } from "./SegmentRequest";
import type { TravellerRequest } from "./TravellerRequest";

export type BookingRequest = { booking_ref: string | null, case_no: string, status: BookingStatus, record_locator: string | null, abn: string | null, segments: Array<SegmentRequest>, travellers: Array<TravellerRequest>, escorts: Array<EscortRequest>, };
