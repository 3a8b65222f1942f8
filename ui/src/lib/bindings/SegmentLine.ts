// PROVISIONAL (to be regenerated)


export type SegmentLine = { number: number, carrier: string, flight_no: string, from: string, from_name: string | null, to: string, to_name: string | null, departs_local: string, departs_zone: string, departs_offset: string, arrives_local: string, arrives_zone: string, arrives_offset: string, };
