//! The columns of a bookings file: their names, order and which are required.

/// A column of the spec, in the spec's order (the order problems are sorted in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Column {
    BookingRef,
    RecordLocator,
    Status,
    Replaces,
    Abn,
    Traveller,
    EscortType,
    Escorts,
    EscortOrganisation,
    EscortContact,
    Segment,
    Carrier,
    FlightNo,
    From,
    To,
    Departs,
    Arrives,
    SsrCodes,
}

impl Column {
    pub(crate) const ALL: [Column; 18] = [
        Self::BookingRef,
        Self::RecordLocator,
        Self::Status,
        Self::Replaces,
        Self::Abn,
        Self::Traveller,
        Self::EscortType,
        Self::Escorts,
        Self::EscortOrganisation,
        Self::EscortContact,
        Self::Segment,
        Self::Carrier,
        Self::FlightNo,
        Self::From,
        Self::To,
        Self::Departs,
        Self::Arrives,
        Self::SsrCodes,
    ];
    pub(crate) const COUNT: usize = Self::ALL.len();

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::BookingRef => "booking_ref",
            Self::RecordLocator => "record_locator",
            Self::Status => "status",
            Self::Replaces => "replaces",
            Self::Abn => "abn",
            Self::Traveller => "traveller",
            Self::EscortType => "escort_type",
            Self::Escorts => "escorts",
            Self::EscortOrganisation => "escort_organisation",
            Self::EscortContact => "escort_contact",
            Self::Segment => "segment",
            Self::Carrier => "carrier",
            Self::FlightNo => "flight_no",
            Self::From => "from",
            Self::To => "to",
            Self::Departs => "departs",
            Self::Arrives => "arrives",
            Self::SsrCodes => "ssr_codes",
        }
    }

    /// Whether the header must have the column. `record_locator` may be absent (a file of
    /// proposed bookings); that a booking needs one is checked per booking.
    pub(crate) fn required(self) -> bool {
        !matches!(
            self,
            Self::RecordLocator
                | Self::Replaces
                | Self::Abn
                | Self::EscortType
                | Self::Escorts
                | Self::EscortOrganisation
                | Self::EscortContact
                | Self::SsrCodes
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    pub(crate) fn required_names() -> String {
        let names: Vec<&str> = Self::ALL
            .iter()
            .filter(|c| c.required())
            .map(|c| c.name())
            .collect();
        names.join(", ")
    }
}

/// Whole-row problems first, then the spec's columns in order, then unknown columns.
pub(crate) fn column_rank(column: &str) -> usize {
    if column.is_empty() {
        0
    } else {
        Column::from_name(column).map_or(usize::MAX, |c| c.index() + 1)
    }
}
