//! Document custody: each document of a case with its chain, and recording a transfer. The
//! rules: a transfer starts from the document's current holder (a pure rule of the domain),
//! and a document is handed to a person only after they passed an identity check at this
//! site today (the store's, which sees every check).

use uuid::Uuid;
use waypoint_domain::{
    Action, Custodian, CustodyTransfer, DocumentCustody, FieldEvent, document_custody,
};
use waypoint_store::{CaseView, Store};

use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

/// A document changing hands, as a person asks for it to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The individual whose document it is.
    pub individual_no: String,
    pub document_no: String,
    pub from: Custodian,
    pub to: Custodian,
    /// Where it happened (a desk, an office, an airport counter).
    pub location: String,
}

/// Every document of case `case_no` with its chain, in member order; documents whose number
/// the role may not see are left out.
pub fn documents(
    store: &Store,
    who: &SignedIn,
    case_no: &str,
) -> Result<Vec<DocumentCustody>, AppError> {
    Ok(documents_of(&lookup::case(store, who.role, case_no)?))
}

fn documents_of(view: &CaseView) -> Vec<DocumentCustody> {
    document_custody(&view.case, view.events.iter().map(|e| &e.event))
}

fn find(
    view: &CaseView,
    individual_no: &str,
    document_no: &str,
) -> Result<DocumentCustody, AppError> {
    documents_of(view)
        .into_iter()
        .find(|d| d.individual_no == individual_no && d.document_no == document_no)
        .ok_or_else(|| AppError::NoSuchDocument {
            individual_no: individual_no.to_string(),
            document_no: document_no.to_string(),
        })
}

/// Records a document changing hands, as `who`, and gives the document's updated chain.
pub fn record_transfer(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    transfer: &Transfer,
) -> Result<DocumentCustody, AppError> {
    store.require(who.role, Action::CustodyTransfer)?;
    let individual_no = number(&transfer.individual_no);
    let document_no = number(&transfer.document_no);
    let from = transfer.from.normalized();
    let view = lookup::case_of_individual(store, who.role, &individual_no)?;
    find(&view, &individual_no, &document_no)?.check_handed_from(&from)?;
    let event = FieldEvent::CustodyTransfer(CustodyTransfer {
        id: Uuid::now_v7(),
        individual_no: individual_no.clone(),
        document_no: document_no.clone(),
        from,
        to: transfer.to.normalized(),
        location: transfer.location.trim().to_string(),
        site: ctx.site_for(&view.case.site),
        recorded_by: who.name.clone(),
        at: ctx.now,
    });
    store.record_event_as(who.role, &event)?;
    let view = lookup::case(store, who.role, &view.case.case_no)?;
    find(&view, &individual_no, &document_no)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use waypoint_domain::{CheckOutcome, IdentityCheck, Role};
    use waypoint_store::StoreError;

    fn transfer(from: Custodian, to: Custodian) -> Transfer {
        Transfer {
            individual_no: "i-0001010".into(),
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
        let (_dir, mut store) = testing::store();
        let who = testing::supervisor();
        let ctx = testing::context();
        let unhcr = Custodian::Authority {
            name: "UNHCR".into(),
        };
        let first = record_transfer(&mut store, &who, &ctx, &transfer(unhcr, safe())).unwrap();
        assert_eq!(first.current(), Some(&safe()));
        assert_eq!(first.chain.len(), 1);
        let bag = Custodian::TravelBag {
            case_no: "KGL-2025-000102".into(),
        };
        let second =
            record_transfer(&mut store, &who, &ctx, &transfer(safe(), bag.clone())).unwrap();
        assert_eq!(second.current(), Some(&bag));
        assert_eq!(second.chain.len(), 2);
        assert_eq!(second.chain[1].recorded_by, testing::OFFICER);
        assert_eq!(second.chain[1].site, "KGL-TC1");
        assert_eq!(second.location(), Some("Safe, office 2"));
        let all = documents(&store, &who, "kgl-2025-000102").unwrap();
        assert_eq!(all[0].chain.len(), 2);
    }

    #[test]
    fn the_transfer_must_start_from_the_current_holder() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        record_transfer(&mut store, &who, &ctx, &transfer(person(), safe())).unwrap();
        let someone = Custodian::Staff {
            name: "Someone".into(),
        };
        let e = record_transfer(&mut store, &who, &ctx, &transfer(someone, person())).unwrap_err();
        assert!(e.to_string().contains("is held by Office safe"), "{e}");
    }

    #[test]
    fn handing_to_a_person_needs_an_identity_check_here_today() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        record_transfer(&mut store, &who, &ctx, &transfer(person(), safe())).unwrap();
        let e = record_transfer(&mut store, &who, &ctx, &transfer(safe(), person())).unwrap_err();
        assert!(
            e.to_string()
                .contains("has not passed an identity check at KGL-TC1"),
            "{e}"
        );
        // A check at another site, or yesterday, does not count.
        let check = |site: &str, days_ago: i64| {
            FieldEvent::IdentityCheck(IdentityCheck {
                id: Uuid::now_v7(),
                individual_no: "I-0001010".into(),
                document_no: Some("N0045821".into()),
                outcome: CheckOutcome::Verified,
                mismatches: vec![],
                site: site.into(),
                checked_by: testing::OFFICER.into(),
                checked_at: ctx.now - chrono::Duration::days(days_ago),
            })
        };
        store.record_event(&check("GOM-TC2", 0)).unwrap();
        store.record_event(&check("KGL-TC1", 1)).unwrap();
        assert!(record_transfer(&mut store, &who, &ctx, &transfer(safe(), person())).is_err());
        store.record_event(&check("KGL-TC1", 0)).unwrap();
        let done = record_transfer(&mut store, &who, &ctx, &transfer(safe(), person())).unwrap();
        assert_eq!(done.current(), Some(&person()));
    }

    #[test]
    fn an_unknown_document_or_individual_is_refused() {
        let (_dir, mut store) = testing::store();
        let (who, ctx) = (testing::supervisor(), testing::context());
        let mut t = transfer(person(), safe());
        t.document_no = "X1".into();
        let e = record_transfer(&mut store, &who, &ctx, &t).unwrap_err();
        assert!(e.to_string().contains("holds no document X1"), "{e}");
        t.individual_no = "I-9999999".into();
        let e = record_transfer(&mut store, &who, &ctx, &t).unwrap_err();
        assert!(matches!(e, AppError::UnknownIndividual(_)), "{e}");
    }

    #[test]
    fn a_role_without_the_right_is_refused_and_nothing_is_recorded() {
        let (_dir, mut store) = testing::store();
        let ctx = testing::context();
        let refused: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| !waypoint_domain::may(*r, Action::CustodyTransfer))
            .collect();
        assert!(!refused.is_empty(), "some role may not record transfers");
        for role in refused {
            let who = SignedIn::new("Test Clerk", role);
            let e =
                record_transfer(&mut store, &who, &ctx, &transfer(person(), safe())).unwrap_err();
            assert!(
                matches!(e, AppError::Store(StoreError::NotAllowed { .. })),
                "{role}: {e}"
            );
        }
        let all = documents(&store, &testing::supervisor(), "KGL-2025-000102").unwrap();
        assert!(all[0].chain.is_empty());
    }
}
