// PROVISIONAL (to be regenerated)


export type AbnChangeLine = { "change": "booking_added", booking_ref: string, } | { "change": "booking_removed", booking_ref: string, } | { "change": "replaced", booking_ref: string, by: string, } | { "change": "itinerary_changed", booking_ref: string, } | { "change": "status_changed", booking_ref: string, } | { "change": "record_locator_changed", booking_ref: string, } | { "change": "traveller_added", individual_no: string, } | { "change": "traveller_removed", individual_no: string, } | { "change": "ssr_changed", individual_no: string, } | { "change": "escorts_changed", booking_ref: string, };
