//! A case's travel bag: its checklist worked out from what Waypoint knows (custody, exit
//! permits, bookings, the ABN), items ticked by hand, and the bag handed over under the custody
//! rules. See docs/travel-bag-and-notice.md.

use std::collections::BTreeSet;

use uuid::Uuid;
use waypoint_domain::{
    AbnState, Action, BagChange, BagFacts, BookingStatus, Custodian, CustodyTransfer, Field,
    FieldEvent, Role, TravelBagEvent, TravelBagRules, TravelReadiness, may_see,
};
pub use waypoint_domain::{
    BagItem, BagItemKind, ItemState, KnownFrom, MissingWhy, ReceiverCheck, TravelBag,
};
use waypoint_store::Store;

use crate::lookup::number;
use crate::{AppError, Context, SignedIn};

/// The shipped list of needs that call for medical papers, read once.
fn rules() -> &'static TravelBagRules {
    static RULES: std::sync::OnceLock<TravelBagRules> = std::sync::OnceLock::new();
    RULES.get_or_init(TravelBagRules::shipped)
}

/// The bag of case `case_no` as `role` may see it. Every role may ask: the items name papers
/// and where they are, never a document number, so it is worked out on the whole record, as
/// the journey is; only the SSR codes that call for medical papers are left out for a role
/// that may not see them.
pub fn show(store: &Store, role: Role, case_no: &str) -> Result<TravelBag, AppError> {
    let mut bag = whole(store, case_no)?;
    if !may_see(role, Field::SsrCodes) {
        for item in &mut bag.items {
            if let ItemState::Missing {
                why: MissingWhy::MedicalPapers { ssr },
            } = &mut item.state
            {
                ssr.clear();
            }
        }
    }
    Ok(bag)
}

/// The bag worked out on everything recorded.
fn whole(store: &Store, case_no: &str) -> Result<TravelBag, AppError> {
    let case_no = number(case_no);
    let view = store
        .case(&case_no)?
        .ok_or_else(|| AppError::UnknownCase(case_no.clone()))?;
    let events: Vec<FieldEvent> = view.events.into_iter().map(|e| e.event).collect();
    let mut bookings = Vec::new();
    for b in store.bookings_of_case(&case_no)? {
        let theirs = b.travellers.iter().any(|t| t.case_no == case_no);
        if theirs
            && b.status != BookingStatus::Cancelled
            && store.bookings_replacing(&b.booking_ref)?.is_empty()
        {
            bookings.push(b);
        }
    }
    let abn_nos: BTreeSet<&str> = bookings.iter().filter_map(|b| b.abn.as_deref()).collect();
    let mut abns = Vec::new();
    for abn_no in abn_nos {
        let (last, pending) = match crate::abn::show(store, Role::Supervisor, abn_no) {
            Ok(abn) => (
                abn.last().map(|v| (v.number, v.kind)),
                !abn.pending.is_empty(),
            ),
            Err(AppError::UnknownAbn(_)) => (None, true),
            Err(e) => return Err(e),
        };
        abns.push(AbnState {
            abn_no: abn_no.to_owned(),
            last,
            pending,
        });
    }
    let strictest = TravelReadiness::strictest();
    let readiness = view
        .case
        .programme
        .as_deref()
        .and_then(|p| crate::journey::rules().get(p))
        .unwrap_or(&strictest);
    Ok(TravelBag::of(&BagFacts {
        case: &view.case,
        events: &events,
        bookings: &bookings,
        abns: &abns,
        exit_permit_required: readiness.exit_permit_required,
        rules: rules(),
    }))
}

/// The item `item` of `bag`, or a refusal that lists the items there are.
fn item_of<'a>(bag: &'a TravelBag, item: &str) -> Result<&'a BagItem, AppError> {
    bag.item(item).ok_or_else(|| {
        let ids: Vec<&str> = bag.items.iter().map(|i| i.id.as_str()).collect();
        AppError::invalid(format!(
            "the travel bag of {} has no item '{}'; its items are: {}",
            bag.case_no,
            item.trim(),
            ids.join(", ")
        ))
    })
}

fn record(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    change: BagChange,
) -> Result<TravelBagEvent, AppError> {
    let site = store
        .case_as(Role::Administrator, case_no)?
        .map(|v| v.case.site)
        .unwrap_or_default();
    Ok(TravelBagEvent {
        id: Uuid::now_v7(),
        case_no: case_no.to_owned(),
        site: ctx.site_for(&site),
        recorded_by: who.name.clone(),
        at: ctx.now,
        change,
    })
}

/// Ticks item `item` of case `case_no`'s bag by hand (`ticked`), or takes a tick back, with
/// a note of what was seen. Gives the bag as it is now.
pub fn tick(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    item: &str,
    ticked: bool,
    note: &str,
) -> Result<TravelBag, AppError> {
    store.require(who.role, Action::HandleTravelBag)?;
    let bag = whole(store, case_no)?;
    let item = item_of(&bag, item)?.id.clone();
    let note = note.trim().to_string();
    let change = if ticked {
        BagChange::Ticked { item, note }
    } else {
        BagChange::Unticked { item, note }
    };
    let event = record(store, who, ctx, &bag.case_no, change)?;
    store.record_event_as(who.role, &FieldEvent::TravelBag(event))?;
    show(store, who.role, &bag.case_no)
}

/// Handing a bag over, as a person asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub to: Custodian,
    /// The outcome of the check of the receiver's identity.
    pub check: ReceiverCheck,
    /// Where it happens; the site when not given.
    pub location: Option<String>,
    /// Why an incomplete bag goes anyway (required then).
    pub note: String,
}

/// Hands case `case_no`'s bag to `handover.to`, whose identity was checked: the bag's
/// documents move to them in the same transaction (each a custody transfer, so a member of
/// the case must have passed an identity check here today), and an incomplete bag goes only
/// with a note saying why. Gives the bag as it is now.
pub fn hand_over(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    case_no: &str,
    handover: &Handover,
) -> Result<TravelBag, AppError> {
    store.require(who.role, Action::HandleTravelBag)?;
    if handover.check != ReceiverCheck::Verified {
        return Err(AppError::invalid(
            "the receiver's identity was not verified: the bag is not handed over",
        ));
    }
    let bag = whole(store, case_no)?;
    let to = handover.to.normalized();
    if bag.holder() == Some(&to) {
        return Err(AppError::invalid(format!(
            "the travel bag of {} is already with {to}",
            bag.case_no
        )));
    }
    let missing: Vec<String> = bag.missing().map(|i| i.id.clone()).collect();
    let note = handover.note.trim().to_string();
    if !missing.is_empty() && note.is_empty() {
        return Err(AppError::invalid(format!(
            "the travel bag of {} is not complete (missing: {}): complete it, or say why it goes anyway in a note",
            bag.case_no,
            missing.join(", ")
        )));
    }
    let handed = record(
        store,
        who,
        ctx,
        &bag.case_no,
        BagChange::HandedOver {
            to: to.clone(),
            check: handover.check,
            missing,
            note,
        },
    )?;
    let view = store
        .case(&bag.case_no)?
        .ok_or_else(|| AppError::UnknownCase(bag.case_no.clone()))?;
    let location = handover
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .unwrap_or(&handed.site)
        .to_string();
    let mut events = Vec::new();
    for item in bag
        .items
        .iter()
        .filter(|i| i.kind == BagItemKind::TravelDocument)
    {
        let ItemState::Known {
            from: KnownFrom::Custody { holder },
        } = &item.state
        else {
            continue;
        };
        let document_no = view
            .case
            .members
            .iter()
            .find(|m| m.individual_no == item.subject)
            .and_then(|m| m.document.as_ref())
            .and_then(|d| d.number.clone());
        let Some(document_no) = document_no else {
            continue;
        };
        if *holder == to {
            continue;
        }
        events.push(FieldEvent::CustodyTransfer(CustodyTransfer {
            id: Uuid::now_v7(),
            individual_no: item.subject.clone(),
            document_no,
            from: holder.clone(),
            to: to.clone(),
            location: location.clone(),
            site: handed.site.clone(),
            recorded_by: who.name.clone(),
            at: ctx.now,
        }));
    }
    if !events.is_empty() {
        store.require(who.role, Action::CustodyTransfer)?;
    }
    events.push(FieldEvent::TravelBag(handed));
    store.record_events(&events)?;
    show(store, who.role, &bag.case_no)
}

#[cfg(test)]
#[path = "travel_bag_tests.rs"]
pub(crate) mod tests;
