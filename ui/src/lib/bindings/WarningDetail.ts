// PROVISIONAL (to be regenerated)
import type { AgeRange } from "./AgeRange";
import type { ExitPermitStatus } from "./ExitPermitStatus";

export type WarningDetail = { "detail": "connection", airport: string, minutes: number, minimum: number, } | { "detail": "infant", by_code: boolean, age: AgeRange | null, on: string, under: number, adult_from: number, } | { "detail": "medical_needs", codes: Array<string>, } | { "detail": "unaccompanied_minor" } | { "detail": "document_expiry", expires: string, last_arrival: string, months: number, valid_until: string, } | { "detail": "exit_permit", status: ExitPermitStatus | null, } | { "detail": "not_travel_ready" };
