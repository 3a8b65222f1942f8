//! Why a use case did not do what it was asked, said for a person.

use waypoint_domain::mrz::MrzError;
use waypoint_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Includes the role refusals (`StoreError::NotAllowed`).
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("there is no case with number {0}")]
    UnknownCase(String),
    #[error("there is no individual with number {0}")]
    UnknownIndividual(String),
    /// A text that is no machine-readable zone.
    #[error(transparent)]
    Mrz(#[from] MrzError),
    /// A request that cannot be carried out as given; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}
