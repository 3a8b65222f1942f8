//! The checks every event's validation shares, in a file of its own: the events (`event.rs`,
//! `exit_permit.rs`, `journey_facts.rs`) use them, and `FieldEvent` names every event.

/// An event that cannot be recorded as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{0}")]
    Invalid(String),
}

pub(crate) fn require(value: &str, what: &'static str) -> Result<(), EventError> {
    if value.trim().is_empty() {
        Err(EventError::Missing(what))
    } else {
        Ok(())
    }
}

/// Refuses a text longer than `max` characters or with control characters (line breaks only
/// where `lines` allows them): such text would break the screens and files it is shown in.
pub(crate) fn check_text(
    value: &str,
    what: &'static str,
    max: usize,
    lines: bool,
) -> Result<(), EventError> {
    let allowed = |c: char| lines && (c == '\n' || c == '\r' || c == '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(EventError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    if value.chars().count() > max {
        return Err(EventError::Invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    Ok(())
}
