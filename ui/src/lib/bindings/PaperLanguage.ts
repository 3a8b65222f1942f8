// PROVISIONAL (to be regenerated)


export type PaperLanguage = "en" | "fr" | "es";
