// PROVISIONAL (to be regenerated)


export type SegmentRequest = { carrier: string, flight_no: string, from: string, to: string, departs_local: string, arrives_local: string, };
