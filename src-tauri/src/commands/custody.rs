//! Document custody: each document's chain of transfers, and recording a transfer. The rules
//! are `waypoint_app::custody`'s; the refusal reaches the UI as said.

use waypoint_app::custody::{self, Transfer};

use super::{custodian_from_dto, document_custody_to_dto};
use crate::dto::{DocumentCustody, TransferRequest};
use crate::error::CommandError;
use waypoint_app::session::Session;

pub fn document_custody(
    state: &Session,
    case_no: &str,
) -> Result<Vec<DocumentCustody>, CommandError> {
    let store = state.store()?;
    let documents = custody::documents(&store, &store.who(), case_no)?;
    Ok(documents.iter().map(document_custody_to_dto).collect())
}

/// Records a document changing hands and gives the document's updated chain.
pub fn record_custody_transfer(
    state: &Session,
    request: &TransferRequest,
) -> Result<DocumentCustody, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let transfer = Transfer {
        individual_no: request.individual_no.clone(),
        document_no: request.document_no.clone(),
        from: custodian_from_dto(&request.from),
        to: custodian_from_dto(&request.to),
        location: request.location.clone(),
    };
    let document = custody::record_transfer(&mut store, &who, &state.context(), &transfer)?;
    Ok(document_custody_to_dto(&document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{checks, testing};
    use crate::dto::{CheckOutcome, Custodian, IdentityCheckRequest};

    fn request(from: Custodian, to: Custodian) -> TransferRequest {
        TransferRequest {
            individual_no: "I-0001010".into(),
            document_no: "N0045821".into(),
            from,
            to,
            location: "Safe, office 2".into(),
        }
    }

    fn safe() -> Custodian {
        Custodian::Storage {
            place: "Office safe".into(),
        }
    }

    fn person() -> Custodian {
        Custodian::Individual {
            individual_no: "I-0001010".into(),
        }
    }

    #[test]
    fn a_chain_is_built_from_transfers() {
        let (_dir, state) = testing::state();
        let first = record_custody_transfer(
            &state,
            &request(
                Custodian::Authority {
                    name: "UNHCR".into(),
                },
                safe(),
            ),
        )
        .unwrap();
        assert_eq!(first.current, Some(safe()));
        assert_eq!(first.chain.len(), 1);
        let bag = Custodian::TravelBag {
            case_no: "KGL-2025-000102".into(),
        };
        let second = record_custody_transfer(&state, &request(safe(), bag.clone())).unwrap();
        assert_eq!(second.current, Some(bag));
        assert_eq!(second.chain.len(), 2);
        assert_eq!(second.chain[1].recorded_by, "A. Officer");
        assert_eq!(second.chain[1].site, "KGL-TC1");
        let all = document_custody(&state, "KGL-2025-000102").unwrap();
        assert_eq!(all[0].chain.len(), 2);
    }

    #[test]
    fn the_transfer_must_start_from_the_current_holder() {
        let (_dir, state) = testing::state();
        record_custody_transfer(&state, &request(person(), safe())).unwrap();
        let e = record_custody_transfer(
            &state,
            &request(
                Custodian::Staff {
                    name: "Someone".into(),
                },
                person(),
            ),
        )
        .unwrap_err();
        assert!(
            e.message().contains("is held by Office safe"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn handing_to_a_person_needs_an_identity_check_today() {
        let (_dir, state) = testing::state();
        record_custody_transfer(&state, &request(person(), safe())).unwrap();
        let e = record_custody_transfer(&state, &request(safe(), person())).unwrap_err();
        assert!(
            e.message()
                .contains("has not passed an identity check at KGL-TC1"),
            "{}",
            e.message()
        );
        checks::record_identity_check(
            &state,
            &IdentityCheckRequest {
                individual_no: "I-0001010".into(),
                document_no: Some("N0045821".into()),
                outcome: CheckOutcome::Verified,
                mismatches: vec![],
            },
        )
        .unwrap();
        let done = record_custody_transfer(&state, &request(safe(), person())).unwrap();
        assert_eq!(done.current, Some(person()));
    }

    #[test]
    fn an_unknown_document_is_refused() {
        let (_dir, state) = testing::state();
        let mut r = request(person(), safe());
        r.document_no = "X1".into();
        let e = record_custody_transfer(&state, &r).unwrap_err();
        assert!(e.message().contains("holds no document X1"));
    }
}
