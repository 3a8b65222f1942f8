//! A case's history on a real store holding the sample cases: every kind on one timeline,
//! newest first; one member's part; what each role may see of it.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDateTime};
use waypoint_domain::{
    AirportCode, Booking, BookingStatus, Carrier, DenialReason, FlightNo, HoldReason, Mismatch,
    RecordLocator, Segment, Traveller, WarningAcknowledgement,
};

use super::*;
use crate::Context;
use crate::counselling::NewSession;
use crate::custody::Transfer;
use crate::identity_check::IdentityCheckRequest;
use crate::testing::{self, OFFICER, supervisor};

const CASE: &str = "KGL-2025-000101";
const CHILD: &str = "I-0001003";

/// The sample's morning, `minutes` later: each step of a test at its own time.
fn later(minutes: i64) -> Context {
    Context::new(None, testing::now() + Duration::minutes(minutes))
}

fn kinds(entries: &[HistoryEntry]) -> Vec<&'static str> {
    entries
        .iter()
        .map(|e| match e.what {
            Happened::IdentityCheck { .. } => "identity_check",
            Happened::Counselling { .. } => "counselling",
            Happened::CustodyTransfer { .. } => "custody_transfer",
            Happened::ExitPermit { .. } => "exit_permit",
            Happened::Journey { .. } => "journey",
            Happened::Booking { .. } => "booking",
            Happened::WarningAcknowledged { .. } => "warning_acknowledged",
            Happened::AbnVersion { .. } => "abn_version",
        })
        .collect()
}

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

/// The family of four, Kigali to Addis Ababa, notified under the case's ABN.
fn booking(status: BookingStatus) -> Booking {
    Booking {
        booking_ref: BookingRef::parse("BKG-25-0101").unwrap(),
        record_locator: Some(RecordLocator::parse("QX7K2M").unwrap()),
        status,
        replaces: None,
        abn: Some("ABN-25-4410".into()),
        segments: vec![
            Segment::from_local(
                Carrier::parse("ET").unwrap(),
                FlightNo::parse("812").unwrap(),
                AirportCode::parse("KGL").unwrap(),
                AirportCode::parse("ADD").unwrap(),
                local("2026-12-14T14:45"),
                local("2026-12-14T17:55"),
            )
            .unwrap(),
        ],
        travellers: ["I-0001001", "I-0001002", CHILD, "I-0001004"]
            .iter()
            .map(|n| Traveller {
                individual_no: (*n).into(),
                case_no: CASE.into(),
                ssr: vec![vec![]],
            })
            .collect(),
        escorts: vec![],
    }
}

/// Records one event of every kind a person records about the family, a minute apart.
fn record_everything(store: &mut Store) {
    let who = supervisor();
    crate::identity_check::record_identity_check(
        store,
        &later(1),
        who.role,
        OFFICER,
        IdentityCheckRequest {
            individual_no: CHILD.into(),
            document_no: Some("ICRC-7781205".into()),
            outcome: waypoint_domain::CheckOutcome::Mismatch {
                reason: "Year of birth differs".into(),
            },
            mismatches: vec![Mismatch {
                field: "date_of_birth".into(),
                on_record: "2019-11".into(),
                on_document: "2018-11".into(),
            }],
        },
    )
    .unwrap();
    crate::counselling::record_session(
        store,
        &who,
        &later(2),
        &NewSession {
            case_no: CASE.into(),
            programme: "USRAP".into(),
            topics_covered: vec!["travel_documents".into()],
            attendees: vec!["I-0001001".into(), "I-0001002".into()],
            language: "fr".into(),
            interpreter: None,
            duration_minutes: 50,
            notes: Some("Asked about the baggage".into()),
            complete: false,
        },
    )
    .unwrap();
    crate::custody::record_transfer(
        store,
        &who,
        &later(3),
        &Transfer {
            individual_no: CHILD.into(),
            document_no: "ICRC-7781205".into(),
            from: Custodian::Authority {
                name: "ICRC".into(),
            },
            to: Custodian::Storage {
                place: "Office safe".into(),
            },
            location: "Office 2".into(),
        },
    )
    .unwrap();
    crate::exit_permit::record(
        store,
        &who,
        &later(4),
        CHILD,
        ExitPermitStep::Denied {
            on: Some(later(4).today()),
            reason: DenialReason::IncompleteDocuments,
            text: "Birth certificate missing".into(),
            solution: None,
        },
    )
    .unwrap();
    crate::journey::change(
        store,
        &who,
        &later(5),
        CASE,
        &[CHILD.into()],
        JourneyChange::OnHold {
            reason: HoldReason::ExitPermit,
            text: "Waiting for the new permit".into(),
        },
    )
    .unwrap();
    crate::booking::save(store, &who, &later(6), &booking(BookingStatus::Confirmed)).unwrap();
    crate::booking::save(store, &who, &later(7), &booking(BookingStatus::Ticketed)).unwrap();
    crate::abn::issue(store, &who, &later(8), "ABN-25-4410").unwrap();
}

#[test]
fn every_kind_is_on_one_timeline_newest_first_with_who_where_and_whom() {
    let (_dir, mut store) = testing::store();
    record_everything(&mut store);
    let history = of_case(&store, Role::Supervisor, " kgl-2025-000101 ", None).unwrap();
    let newest: Vec<&str> = kinds(&history).into_iter().take(8).collect();
    assert_eq!(
        newest,
        [
            "abn_version",
            "booking",
            "booking",
            "journey",
            "exit_permit",
            "custody_transfer",
            "counselling",
            "identity_check",
        ]
    );
    // The import's first steps of the four permits come last, at the epoch.
    assert_eq!(history.len(), 8 + 4);
    assert!(history.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(history[8..].iter().all(|e| e.recorded_by != OFFICER));
    for e in &history[..8] {
        assert_eq!(e.recorded_by, OFFICER, "{e:?}");
        assert_eq!(e.site, "KGL-TC1", "{e:?}");
    }

    let Happened::Booking {
        made,
        fields,
        status,
        ..
    } = &history[1].what
    else {
        panic!("{:?}", history[1]);
    };
    assert!(!made, "the second event changes the booking");
    assert_eq!(fields, &[BookingField::Status]);
    assert_eq!(*status, Some(BookingStatus::Ticketed));
    assert!(history[1].individual_nos.is_empty(), "no traveller changed");
    let Happened::Booking { made, fields, .. } = &history[2].what else {
        panic!("{:?}", history[2]);
    };
    assert!(made);
    assert!(fields.contains(&BookingField::Travellers) && fields.contains(&BookingField::Segments));
    assert_eq!(history[2].individual_nos.len(), 4);

    assert_eq!(history[3].individual_nos, [CHILD]);
    assert!(matches!(
        history[3].what,
        Happened::Journey {
            change: JourneyChange::OnHold {
                reason: HoldReason::ExitPermit,
                ..
            }
        }
    ));
    assert_eq!(history[6].individual_nos, ["I-0001001", "I-0001002"]);
    let Happened::IdentityCheck {
        mismatched,
        document_no,
        ..
    } = &history[7].what
    else {
        panic!("{:?}", history[7]);
    };
    assert_eq!(mismatched, &["date_of_birth"]);
    assert_eq!(document_no.as_deref(), Some("ICRC-7781205"));
}

#[test]
fn one_member_s_history_holds_what_is_about_them_and_the_whole_case() {
    let (_dir, mut store) = testing::store();
    record_everything(&mut store);
    let child = of_case(&store, Role::Supervisor, CASE, Some("i-0001003")).unwrap();
    assert!(
        child
            .iter()
            .all(|e| e.individual_nos.is_empty() || e.individual_nos.contains(&CHILD.to_string())),
        "{child:?}"
    );
    // Not the counselling of the parents; the child's own check, hold and booking.
    assert!(!kinds(&child).contains(&"counselling"));
    for kind in ["identity_check", "journey", "booking", "abn_version"] {
        assert!(kinds(&child).contains(&kind), "{kind}: {child:?}");
    }
    let all = of_case(&store, Role::Supervisor, CASE, None).unwrap();
    assert!(child.len() < all.len());
    let e = of_case(&store, Role::Supervisor, CASE, Some("I-0001020")).unwrap_err();
    assert!(e.to_string().contains("not a member of case"), "{e}");
    let e = of_case(&store, Role::Supervisor, "KGL-1", None).unwrap_err();
    assert!(matches!(e, AppError::UnknownCase(_)), "{e}");
}

#[test]
fn a_role_sees_no_detail_it_may_not_see() {
    let (_dir, mut store) = testing::store();
    record_everything(&mut store);
    for role in Role::ALL.iter().copied() {
        let history = of_case(&store, role, CASE, None).unwrap();
        let text = serde_json::to_string(&history).unwrap();
        // Counselling notes are never in it, nor a mismatch's values.
        assert!(
            !text.contains("baggage") && !text.contains("2018-11"),
            "{role}"
        );
        assert_eq!(
            text.contains("ICRC-7781205"),
            may_see(role, Field::DocumentNo),
            "{role}: {text}"
        );
        assert_eq!(
            text.contains("Birth certificate missing"),
            may_see(role, Field::ExitPermitDenialReason),
            "{role}"
        );
        assert_eq!(
            kinds(&history).contains(&"exit_permit"),
            may_see(role, Field::ExitPermit),
            "{role}"
        );
        assert_eq!(
            kinds(&history).contains(&"abn_version"),
            may_see(role, Field::Abn),
            "{role}"
        );
        // Why a journey stopped is for everyone.
        assert!(text.contains("Waiting for the new permit"), "{role}");
    }
    // The check above can fail: some role may not see document numbers.
    assert!(Role::ALL.iter().any(|r| !may_see(*r, Field::DocumentNo)));
}

#[test]
fn reading_the_history_records_no_view_of_a_need_to_know_field() {
    let (_dir, store) = testing::store();
    let head = |store: &Store| store.audit_head().unwrap().0;
    let before = head(&store);
    of_case(&store, Role::Supervisor, CASE, None).unwrap();
    assert_eq!(head(&store), before);
    // The check can fail: the case view, which shows the spouse's medical note, records it.
    store.case_as(Role::Supervisor, CASE).unwrap();
    assert!(head(&store) > before);
}

#[test]
fn an_acknowledged_warning_says_which_booking_which_warning_and_why() {
    let ack = FieldEvent::WarningAcknowledgement(WarningAcknowledgement {
        id: Uuid::now_v7(),
        booking_ref: BookingRef::parse("BKG-25-0101").unwrap(),
        warning: "short_connection:1".into(),
        case_no: CASE.into(),
        reason: "The airline confirmed the transfer".into(),
        site: "KGL-TC1".into(),
        recorded_by: "S. Visor".into(),
        at: testing::now(),
    });
    let e = entry(Role::PoeAssociate, ack, false).unwrap();
    assert_eq!(e.recorded_by, "S. Visor");
    assert!(e.individual_nos.is_empty());
    assert_eq!(
        e.what,
        Happened::WarningAcknowledged {
            booking_ref: BookingRef::parse("BKG-25-0101").unwrap(),
            warning: "short_connection:1".into(),
            reason: "The airline confirmed the transfer".into(),
        }
    );
}
