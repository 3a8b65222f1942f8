// PROVISIONAL (to be regenerated)


export type AcknowledgeRequest = { booking_ref: string, warning: string, reason: string, };
