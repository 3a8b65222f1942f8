//! A person's acknowledgement of a booking warning: the warning stays listed on the booking,
//! marked with who acknowledged it, when and why. Nothing blocks the booking; nothing is
//! silently ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::BookingRef;
use crate::EventError;
use crate::event_check::{check_text, require};

/// The longest reason, in characters.
const REASON_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningAcknowledgement {
    pub id: Uuid,
    pub booking_ref: BookingRef,
    /// The warning's stable key (rule, who, where), e.g. `short_connection:2`.
    pub warning: String,
    /// Filed under one case of the booking: the case of the traveller the warning is about, or
    /// the booking's first case.
    pub case_no: String,
    pub reason: String,
    pub site: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

impl WarningAcknowledgement {
    pub fn validate(&self) -> Result<(), EventError> {
        if self.id.get_version_num() != 7 {
            return Err(EventError::Invalid("an event id must be a UUID v7".into()));
        }
        require(&self.warning, "the warning")?;
        require(&self.case_no, "the case")?;
        require(&self.site, "the site")?;
        require(&self.recorded_by, "who acknowledged it")?;
        require(&self.reason, "why the booking goes ahead")?;
        check_text(&self.reason, "the reason", REASON_MAX, true)
    }
}
