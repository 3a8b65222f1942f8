// PROVISIONAL (to be regenerated)


export type TravellerRequest = { individual_no: string, ssr: Array<Array<string>> | null, };
