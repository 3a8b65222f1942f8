//! Who is working: the person signed in on the front end, and the role their rights come from.

use waypoint_domain::Role;

/// The staff member a use case acts for. Their name goes into what they record (who handed
/// over, who counselled); their role decides what they may see and do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub name: String,
    pub role: Role,
}

impl SignedIn {
    pub fn new(name: impl Into<String>, role: Role) -> Self {
        Self {
            name: name.into(),
            role,
        }
    }
}
