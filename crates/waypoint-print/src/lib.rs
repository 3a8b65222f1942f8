//! Printable papers, rendered offline.
//!
//! The papers a movement team hands on paper and by e-mail, made as PDF on the laptop with no
//! network: the Advance Booking Notification ([`abn_pdf`]), the transport manifest
//! ([`manifest_pdf`]), the departure notice ([`departure_notice_pdf`]) and the port of entry's
//! paperwork ([`paperwork_pdf`]: hotel, meals, ground transport). The crate takes plain,
//! already-worded data (the application layer fills it from bookings) and lays it out with
//! typst, used as a library, with the fonts embedded in the binary (`fonts/`), so that names in
//! native script are shaped (Arabic joined and right to left) on any machine.

mod abn;
mod departure_notice;
mod departure_notice_labels;
mod error;
mod labels;
mod manifest;
mod manifest_labels;
mod paperwork;
mod paperwork_labels;
mod world;

pub use abn::{
    AbnBooking, AbnDocument, AbnEscort, AbnSegment, AbnTraveller, AbnVersionKind, Paper, abn_pdf,
};
pub use departure_notice::{DepartureNoticeDocument, NoticeTraveller, departure_notice_pdf};
pub use departure_notice_labels::{ChangeWords, DepartureNoticeLabels, ReasonWords};
pub use error::PrintError;
pub use labels::{AbnChangeWords, AbnLabels};
pub use manifest::{ManifestDocument, ManifestPaperRow, manifest_pdf};
pub use manifest_labels::{ManifestLabels, NoShowWords};
pub use paperwork::{
    PaperFlight, PaperHotel, PaperTransport, PaperTraveller, PaperworkDocument, PaperworkKind,
    paperwork_pdf,
};
pub use paperwork_labels::PaperworkLabels;
