// PROVISIONAL (to be regenerated)
import type { AbnBooking } from "./AbnBooking";
import type { AbnChangeLine } from "./AbnChangeLine";
import type { AbnVersionKind } from "./AbnVersionKind";

export type AbnVersionLine = { number: number, kind: AbnVersionKind, issued_by: string, site: string, at: string, changes: Array<AbnChangeLine>, changed_travellers: Array<string>, bookings: Array<AbnBooking>, };
