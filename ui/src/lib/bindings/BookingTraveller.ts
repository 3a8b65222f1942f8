// PROVISIONAL (to be regenerated)
import type { AgeRange } from "./AgeRange";

export type BookingTraveller = { individual_no: string, case_no: string, family_name: string, given_names: string, native_name: string | null, sex: string, nationality: string, age: AgeRange | null, ssr: Array<Array<string>>, };
