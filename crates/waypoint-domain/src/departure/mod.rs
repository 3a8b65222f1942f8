//! Departure day: the transport manifests that take travellers to the airport or the
//! consolidation point, the head count at boarding (with no-shows and their reasons), and the
//! food and essential items handed to each person. See
//! [docs/departure-day.md](../../../../docs/departure-day.md).
//!
//! Like bookings, a manifest is stored as events per case ([`ManifestEvent`], one per case whose
//! travellers it puts on or takes off), so that each site's laptops hold their own people only;
//! the manifest as it stands is those events and the [`BoardingEvent`]s folded
//! ([`Manifest::from_events`]), the same on every laptop whatever order they arrived in.

mod boarding;
mod items;
mod manifest;
mod manifest_id;
mod scan;

pub use boarding::{Boarding, BoardingEvent, BoardingMark, NoShowReason};
pub use items::{EssentialItem, ItemList, ItemLists, ItemsHanded};
pub use manifest::{
    HeadCount, Manifest, ManifestChange, ManifestEvent, ManifestId, ManifestLine,
    ManifestTraveller, Vehicle,
};
pub use scan::{MatchedBy, ScanMatch, find_on_manifest};

/// Why a departure-day request cannot be carried out; said for a person, naming numbers (ids)
/// but never a name or the text of a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepartureProblem {
    #[error("'{0}' is not a manifest number: manifest numbers look like MAN-20261214-3F9A2C")]
    BadManifestId(String),
    #[error("{individual_no} is not on manifest {manifest_id}")]
    NotOnManifest {
        manifest_id: String,
        individual_no: String,
    },
    #[error("a manifest needs at least one traveller")]
    NoTravellers,
    #[error("nothing was typed or scanned: scan a document or type an individual number")]
    EmptyScan,
    #[error("nobody on manifest {manifest_id} has that individual number, document number or MRZ")]
    NoMatch { manifest_id: String },
    #[error(
        "the scan matches {} travellers on manifest {manifest_id} ({}): type the individual number instead",
        individual_nos.len(),
        individual_nos.join(", ")
    )]
    SeveralMatch {
        manifest_id: String,
        individual_nos: Vec<String>,
    },
    #[error("the scanned MRZ cannot be read: {0}")]
    Mrz(String),
    #[error("'{given}' is not a no-show reason: use one of {}", NoShowReason::codes().join(", "))]
    UnknownReason { given: String },
    #[error("there is no list of essential items for programme {0}")]
    NoItemList(String),
    #[error("'{code}' is not an item of the {programme} list (`waypoint items list` shows them)")]
    UnknownItem { code: String, programme: String },
}

#[cfg(test)]
mod tests;
