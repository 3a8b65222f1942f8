// PROVISIONAL (to be regenerated)
import type { PaperLanguage } from "./PaperLanguage";
import type { PaperSize } from "./PaperSize";

export type AbnPdfRequest = { abn_no: string, paper: PaperSize, language: PaperLanguage, };
