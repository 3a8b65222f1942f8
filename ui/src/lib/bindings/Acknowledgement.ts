// PROVISIONAL (to be regenerated)


export type Acknowledgement = { warning: string, reason: string, recorded_by: string, at: string, };
