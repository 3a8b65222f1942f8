//! Printable papers, rendered offline.
//!
//! The papers a movement team hands on paper and by e-mail, made as PDF on the laptop with no
//! network: the Advance Booking Notification ([`abn_pdf`]) and the port of entry's paperwork
//! ([`paperwork_pdf`]: hotel, meals, ground transport). The crate takes plain,
//! already-worded data (the application layer fills it from bookings) and lays it out with
//! typst, used as a library, with the fonts embedded in the binary (`fonts/`), so that names in
//! native script are shaped (Arabic joined and right to left) on any machine.

mod abn;
mod error;
mod labels;
mod paperwork;
mod paperwork_labels;
mod world;

pub use abn::{
    AbnBooking, AbnDocument, AbnEscort, AbnSegment, AbnTraveller, AbnVersionKind, Paper, abn_pdf,
};
pub use error::PrintError;
pub use labels::AbnLabels;
pub use paperwork::{
    PaperFlight, PaperHotel, PaperTransport, PaperTraveller, PaperworkDocument, PaperworkKind,
    paperwork_pdf,
};
pub use paperwork_labels::PaperworkLabels;
