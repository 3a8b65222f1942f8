// PROVISIONAL (to be regenerated)
import type { AbnBooking } from "./AbnBooking";
import type { AbnChangeLine } from "./AbnChangeLine";
import type { AbnVersionLine } from "./AbnVersionLine";

export type AbnDetail = { abn_no: string, versions: Array<AbnVersionLine>, current: Array<AbnBooking>, pending: Array<AbnChangeLine>, };
