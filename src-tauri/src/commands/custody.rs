//! Document custody: each document's chain of transfers, derived from the case's events, and
//! recording a transfer. Handing a document to a person is refused by the core unless that
//! person passed an identity check at this site today; the refusal reaches the UI as said.

use uuid::Uuid;
use waypoint_domain::{CustodyTransfer, FieldEvent};
use waypoint_store::CaseView;

use super::{cases, custodian_from_dto, custodian_to_dto, transfer_to_dto};
use crate::dto::{DocumentCustody, TransferRequest};
use crate::error::CommandError;
use crate::state::AppState;

/// Every document of a case with its chain, in member order.
pub(crate) fn documents(view: &CaseView) -> Vec<DocumentCustody> {
    view.case
        .members
        .iter()
        .filter_map(|m| {
            let doc = m.document.as_ref()?;
            let number = doc.number.clone()?;
            let chain: Vec<&CustodyTransfer> = view
                .events
                .iter()
                .filter_map(|e| match &e.event {
                    FieldEvent::CustodyTransfer(t)
                        if t.individual_no == m.individual_no && t.document_no == number =>
                    {
                        Some(t)
                    }
                    _ => None,
                })
                .collect();
            let last = chain.last();
            Some(DocumentCustody {
                individual_no: m.individual_no.clone(),
                holder_name: format!("{} {}", m.given_names, m.family_name),
                document_type: doc.document_type.code().to_string(),
                current: last.map(|t| custodian_to_dto(&t.to)),
                location: last.map(|t| t.location.clone()),
                chain: chain.into_iter().map(transfer_to_dto).collect(),
                document_no: number,
            })
        })
        .collect()
}

pub fn document_custody(
    state: &AppState,
    case_no: &str,
) -> Result<Vec<DocumentCustody>, CommandError> {
    Ok(documents(&cases::load(state, case_no)?))
}

/// Records a document changing hands and gives the document's updated chain.
pub fn record_custody_transfer(
    state: &AppState,
    request: &TransferRequest,
) -> Result<DocumentCustody, CommandError> {
    let view = cases::load_of_individual(state, &request.individual_no)?;
    let individual_no = request.individual_no.trim().to_ascii_uppercase();
    let document_no = request.document_no.trim().to_ascii_uppercase();
    let current = documents(&view)
        .into_iter()
        .find(|d| d.individual_no == individual_no && d.document_no == document_no)
        .ok_or_else(|| {
            CommandError::invalid(format!(
                "{individual_no} holds no document {document_no} on record"
            ))
        })?;
    if let Some(holder) = &current.current {
        if *holder != request.from {
            return Err(CommandError::invalid(format!(
                "document {document_no} is held by {}, not by {}: record the transfer from its current holder",
                describe(holder),
                describe(&request.from)
            )));
        }
    }
    let transfer = CustodyTransfer {
        id: Uuid::now_v7(),
        individual_no: individual_no.clone(),
        document_no: document_no.clone(),
        from: custodian_from_dto(&request.from),
        to: custodian_from_dto(&request.to),
        location: request.location.trim().to_string(),
        site: state.site_for(&view.case.site),
        recorded_by: String::new(),
        at: state.now(),
    };
    super::record(state, FieldEvent::CustodyTransfer(transfer))?;
    documents(&cases::load(state, &view.case.case_no)?)
        .into_iter()
        .find(|d| d.individual_no == individual_no && d.document_no == document_no)
        .ok_or_else(|| CommandError::invalid(format!("document {document_no} is gone")))
}

fn describe(c: &crate::dto::Custodian) -> String {
    use crate::dto::Custodian as C;
    match c {
        C::Individual { individual_no } => individual_no.clone(),
        C::Staff { name } => format!("staff member {name}"),
        C::Storage { place } => place.clone(),
        C::TravelBag { case_no } => format!("the travel bag of {case_no}"),
        C::Authority { name } => name.clone(),
    }
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
