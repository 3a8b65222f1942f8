// PROVISIONAL (to be regenerated)
import type { AbnDetail } from "./AbnDetail";
import type { AbnVersionKind } from "./AbnVersionKind";

export type AbnPdfSaved = { path: string, version: number, kind: AbnVersionKind, abn: AbnDetail, };
