// PROVISIONAL (to be regenerated)
import type { Acknowledgement } from "./Acknowledgement";
import type { WarningDetail } from "./WarningDetail";
import type { WarningRule } from "./WarningRule";

export type BookingWarningLine = { key: string, rule: WarningRule, individual_no: string | null, segment: number | null, detail: WarningDetail, acknowledged: Acknowledgement | null, };
