// PROVISIONAL (to be regenerated)


export type WarningRule = "short_connection" | "infant_without_adult" | "medical_needs_without_medical_escort" | "unaccompanied_minor_without_escort" | "document_expires" | "exit_permit_not_approved" | "not_travel_ready";
