//! Events (a counselling note, a referral, …) in a batch: checked, then stored once by id.

use waypoint_domain::FieldEvent;

use super::{NewEvent, Planner, malformed};

/// The largest event content (JSON) the server stores. Counselling notes run to a few KiB; the
/// bound keeps one device from sending every laptop of its site something huge. Tighter than
/// the wire's `waypoint_protocol::MAX_EVENT_BODY_BYTES`, which only bounds decoding.
pub const MAX_STORED_EVENT_BYTES: usize = 64 * 1024;

impl Planner<'_> {
    pub(super) fn event(
        &mut self,
        id: String,
        case_no: String,
        kind: String,
        json: String,
        check_only: bool,
    ) -> Result<(), String> {
        if id.is_empty() || id.len() > 64 || kind.is_empty() || kind.len() > 64 {
            return Err(malformed("an event without a proper id or kind"));
        }
        if json.len() > MAX_STORED_EVENT_BYTES {
            return Err(format!(
                "The event is larger than the {} KiB an event may take; it was not applied.",
                MAX_STORED_EVENT_BYTES / 1024
            ));
        }
        if serde_json::from_str::<serde_json::Value>(&json).is_err() {
            return Err(malformed("an event whose content is not JSON"));
        }
        // A kind this server knows must read as that kind, or every laptop would receive
        // something it cannot use; a kind it does not know comes from a newer version and is
        // stored as it is (laptops that do not know it yet keep it aside).
        if FieldEvent::KINDS.contains(&kind.as_str()) {
            let readable = serde_json::from_str::<FieldEvent>(&json).is_ok_and(|e| {
                e.kind() == kind && e.id().to_string() == id && e.validate().is_ok()
            });
            if !readable {
                return Err(malformed(&format!(
                    "a {kind} event whose content is not a valid {kind}"
                )));
            }
        }
        if check_only {
            return Ok(());
        }
        // A port of entry's event about a traveller arriving there is the departure site's
        // case's, stored under its site (see `arrivals.rs`).
        if !self.arrival_accepts(&case_no, &kind, &json) {
            self.case_in_scope(&case_no)?;
        }
        if !self.st.events.insert(id.clone()) {
            return Ok(()); // Stored once by id: a repeat is a no-op.
        }
        let seq = self.alloc();
        self.plan.events.push(NewEvent {
            id,
            case_no,
            kind,
            json,
            seq,
        });
        Ok(())
    }
}
