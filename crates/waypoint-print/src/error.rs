use thiserror::Error;

/// Why a paper could not be made. The messages are for the person who asked for the paper; none
/// of them repeats the data (names, numbers) that went into it.
#[derive(Debug, Error)]
pub enum PrintError {
    #[error("an ABN needs at least one booking")]
    NoBooking,
    /// A manifest, a departure notice or a port-of-entry paper with nobody on it.
    #[error("a paper of travellers needs at least one traveller")]
    NoTraveller,
    #[error("a booking on the ABN has no flight segment")]
    NoSegment,
    #[error("a traveller has special service codes for more segments than the booking has")]
    SsrBeyondItinerary,
    /// The layout itself failed: a fault in Waypoint's template, not in the booking. The typst
    /// diagnostics are kept for the developer (they name template code, not the data).
    #[error("the paper could not be laid out (a fault in Waypoint, not in the booking data)")]
    Layout { diagnostics: Vec<String> },
    #[error("the PDF could not be written (a fault in Waypoint, not in the booking data)")]
    Pdf { diagnostics: Vec<String> },
    #[error(
        "the paper's data could not be prepared (a fault in Waypoint, not in the booking data)"
    )]
    Data(#[source] serde_json::Error),
    #[error("there is nothing to request: no hotel stay or ground transport was recorded")]
    NothingToRequest,
}
