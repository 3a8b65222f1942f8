// PROVISIONAL (to be regenerated)


export type PaperSize = "a4" | "letter";
