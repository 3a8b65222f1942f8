//! The travel bag: the envelope of papers that travels with a case on departure day. Its
//! checklist is derived, never typed in: every traveller's travel document (in the bag by its
//! custody chain), exit permit (where the programme needs one), ticket, medical papers (where a
//! special need's SSR code calls for them, `data/travel-bag.json`), and the ABN of each booking.
//! What Waypoint knows ticks an item; what it cannot know (a medical form) is ticked by hand
//! ([`TravelBagEvent`]); anything else is missing, and a bag with a missing item is flagged
//! before boarding. See docs/travel-bag-and-notice.md.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AbnVersionKind, BagChange, Booking, BookingRef, BookingStatus, Case, Custodian,
    DocumentCustody, DocumentType, ExitPermitEvent, ExitPermitStatus, FieldEvent, SsrCode,
    TravelBagEvent, document_custody, exit_permit_state,
};

/// The shipped list of SSR codes that need medical papers (checked by a test).
const SHIPPED: &str = include_str!("../data/travel-bag.json");

/// Which special needs call for papers in the bag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TravelBagRules {
    /// Why, for the person reading the file.
    pub why: String,
    pub medical_papers_for_ssr: Vec<SsrCode>,
}

impl TravelBagRules {
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("travel-bag.json: {e}"))
    }

    /// The rules shipped with Waypoint; without them every need is taken to call for papers
    /// rather than none (a test keeps the file readable).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).unwrap_or_else(|_| TravelBagRules {
            why: String::new(),
            medical_papers_for_ssr: crate::SSR_CODES
                .iter()
                .filter_map(|i| SsrCode::parse(i.code).ok())
                .collect(),
        })
    }
}

/// What an item of the bag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BagItemKind {
    TravelDocument,
    ExitPermit,
    Ticket,
    MedicalPapers,
    Abn,
}

impl BagItemKind {
    /// The prefix of the item's id, as people type it.
    pub fn code(self) -> &'static str {
        match self {
            Self::TravelDocument => "document",
            Self::ExitPermit => "exit-permit",
            Self::Ticket => "ticket",
            Self::MedicalPapers => "medical",
            Self::Abn => "abn",
        }
    }
}

/// How Waypoint knows an item is in the bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum KnownFrom {
    /// The document's custody chain ends in the bag (or with whom the bag was handed to).
    Custody {
        holder: Custodian,
    },
    ExitPermit {
        status: ExitPermitStatus,
    },
    /// The traveller is on this ticketed booking.
    Booking {
        booking_ref: BookingRef,
    },
    /// This version of the ABN notifies the booking as it stands.
    Abn {
        abn_no: String,
        number: u32,
    },
}

/// Why an item is not known to be in the bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum MissingWhy {
    /// No travel document (with a number) on record.
    NoDocument,
    /// No handover of the document was ever recorded.
    CustodyUnknown,
    /// The document is held by someone else: hand it to the bag (`custody transfer`).
    HeldBy {
        holder: Custodian,
    },
    ExitPermit {
        status: Option<ExitPermitStatus>,
    },
    /// On a booking that is not ticketed yet.
    NotTicketed {
        booking_ref: BookingRef,
        status: BookingStatus,
    },
    /// On no booking that stands.
    NotBooked,
    /// Waypoint holds no medical papers: someone ticks them by hand once seen.
    MedicalPapers {
        ssr: Vec<SsrCode>,
    },
    /// The booking is under no ABN number.
    NoAbn,
    /// No version of the ABN was issued, or the bookings changed since the last one.
    AbnNotIssued {
        abn_no: String,
    },
    AbnOutdated {
        abn_no: String,
        number: u32,
    },
    AbnCancelled {
        abn_no: String,
    },
}

/// Where an item stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemState {
    Known {
        #[serde(flatten)]
        from: KnownFrom,
    },
    TickedByHand {
        by: String,
        at: DateTime<Utc>,
        note: String,
    },
    Missing {
        #[serde(flatten)]
        why: MissingWhy,
    },
}

/// One thing that must travel in the bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BagItem {
    /// `KIND:SUBJECT`, e.g. `document:I-0001001`, `abn:BKG-25-0001`: what a tick names.
    pub id: String,
    pub kind: BagItemKind,
    /// The traveller's number, or the booking's reference for an ABN.
    pub subject: String,
    pub state: ItemState,
}

impl BagItem {
    pub fn is_missing(&self) -> bool {
        matches!(self.state, ItemState::Missing { .. })
    }
}

/// Where a case's ABN stands, as the app found it (the ABN is worked out over every case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbnState {
    pub abn_no: String,
    /// The last version's number and kind; `None` before the first issue.
    pub last: Option<(u32, AbnVersionKind)>,
    /// The bookings under the number changed since the last version.
    pub pending: bool,
}

/// What a case's bag is derived from.
#[derive(Debug, Clone, Copy)]
pub struct BagFacts<'a> {
    pub case: &'a Case,
    /// The case's field events: custody transfers, exit permits, the bag's own events.
    pub events: &'a [FieldEvent],
    /// The bookings of the case that stand (not cancelled, not replaced by a rebooking).
    pub bookings: &'a [Booking],
    pub abns: &'a [AbnState],
    /// The case's programme asks for an exit permit.
    pub exit_permit_required: bool,
    pub rules: &'a TravelBagRules,
}

/// A case's bag: its items in traveller order, then the ABNs, and its handovers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelBag {
    pub case_no: String,
    /// The members the bag is for: those on a booking that stands, else every member.
    pub travellers: Vec<String>,
    pub items: Vec<BagItem>,
    /// Every handover of the bag, oldest first.
    pub handovers: Vec<TravelBagEvent>,
}

impl TravelBag {
    /// Every item is in the bag (known or ticked by hand).
    pub fn complete(&self) -> bool {
        !self.items.iter().any(BagItem::is_missing)
    }

    pub fn missing(&self) -> impl Iterator<Item = &BagItem> {
        self.items.iter().filter(|i| i.is_missing())
    }

    pub fn item(&self, id: &str) -> Option<&BagItem> {
        self.items
            .iter()
            .find(|i| i.id.eq_ignore_ascii_case(id.trim()))
    }

    /// Who holds the bag now: whom it was last handed to.
    pub fn holder(&self) -> Option<&Custodian> {
        self.handovers.last().and_then(|e| match &e.change {
            BagChange::HandedOver { to, .. } => Some(to),
            _ => None,
        })
    }

    /// The bag of `facts.case` as recorded.
    pub fn of(facts: &BagFacts<'_>) -> TravelBag {
        let case = facts.case;
        let mut bag_events: Vec<&TravelBagEvent> = facts
            .events
            .iter()
            .filter_map(|e| match e {
                FieldEvent::TravelBag(b) if b.case_no == case.case_no => Some(b),
                _ => None,
            })
            .collect();
        bag_events.sort_by_key(|e| (e.at, e.id));
        let handovers: Vec<TravelBagEvent> = bag_events
            .iter()
            .filter(|e| matches!(e.change, BagChange::HandedOver { .. }))
            .map(|e| (*e).clone())
            .collect();
        let on_booking: BTreeSet<&str> = facts
            .bookings
            .iter()
            .flat_map(|b| &b.travellers)
            .filter(|t| t.case_no == case.case_no)
            .map(|t| t.individual_no.as_str())
            .collect();
        let travellers: Vec<&crate::Individual> = case
            .members
            .iter()
            .filter(|m| on_booking.is_empty() || on_booking.contains(m.individual_no.as_str()))
            .collect();
        let derive = Derive {
            facts,
            documents: document_custody(case, facts.events),
            exit_permits: facts
                .events
                .iter()
                .filter_map(|e| match e {
                    FieldEvent::ExitPermit(p) => Some(p.clone()),
                    _ => None,
                })
                .collect(),
            handed_to: handovers.last().and_then(|e| match &e.change {
                BagChange::HandedOver { to, .. } => Some(to.clone()),
                _ => None,
            }),
        };
        let mut items = Vec::new();
        for m in &travellers {
            items.push(derive.document(m));
            if facts.exit_permit_required {
                items.push(derive.exit_permit(&m.individual_no));
            }
            items.push(derive.ticket(&m.individual_no));
            if let Some(item) = derive.medical(m) {
                items.push(item);
            }
        }
        for b in facts.bookings {
            if b.travellers.iter().any(|t| t.case_no == case.case_no) {
                items.push(derive.abn(b));
            }
        }
        for item in &mut items {
            if !item.is_missing() {
                continue;
            }
            let last_hand = bag_events.iter().rev().find_map(|e| match &e.change {
                BagChange::Ticked { item: i, note } if i.eq_ignore_ascii_case(&item.id) => {
                    Some(Some((e, note)))
                }
                BagChange::Unticked { item: i, .. } if i.eq_ignore_ascii_case(&item.id) => {
                    Some(None)
                }
                _ => None,
            });
            if let Some(Some((e, note))) = last_hand {
                item.state = ItemState::TickedByHand {
                    by: e.recorded_by.clone(),
                    at: e.at,
                    note: note.clone(),
                };
            }
        }
        TravelBag {
            case_no: case.case_no.clone(),
            travellers: travellers.iter().map(|m| m.individual_no.clone()).collect(),
            items,
            handovers,
        }
    }
}

struct Derive<'a> {
    facts: &'a BagFacts<'a>,
    documents: Vec<DocumentCustody>,
    exit_permits: Vec<ExitPermitEvent>,
    handed_to: Option<Custodian>,
}

fn item(kind: BagItemKind, subject: &str, state: ItemState) -> BagItem {
    BagItem {
        id: format!("{}:{subject}", kind.code()),
        kind,
        subject: subject.to_owned(),
        state,
    }
}

fn known(from: KnownFrom) -> ItemState {
    ItemState::Known { from }
}

fn missing(why: MissingWhy) -> ItemState {
    ItemState::Missing { why }
}

impl Derive<'_> {
    fn document(&self, m: &crate::Individual) -> BagItem {
        let no = m.individual_no.as_str();
        let number = m
            .document
            .as_ref()
            .filter(|d| d.document_type != DocumentType::None)
            .and_then(|d| d.number.as_ref());
        let state = match number {
            None => missing(MissingWhy::NoDocument),
            Some(number) => {
                let custody = self
                    .documents
                    .iter()
                    .find(|d| d.individual_no == no && &d.document_no == number);
                match custody.and_then(DocumentCustody::current) {
                    None => missing(MissingWhy::CustodyUnknown),
                    Some(holder) if self.in_bag(holder) => known(KnownFrom::Custody {
                        holder: holder.clone(),
                    }),
                    Some(holder) => missing(MissingWhy::HeldBy {
                        holder: holder.clone(),
                    }),
                }
            }
        };
        item(BagItemKind::TravelDocument, no, state)
    }

    /// In the bag, or with whom the bag was handed to (the handover moves its documents).
    fn in_bag(&self, holder: &Custodian) -> bool {
        match holder {
            Custodian::TravelBag { case_no } => *case_no == self.facts.case.case_no,
            other => self.handed_to.as_ref() == Some(other),
        }
    }

    fn exit_permit(&self, no: &str) -> BagItem {
        let state = exit_permit_state(no, &self.exit_permits);
        let state = match state.status() {
            Some(status) if state.cleared() => known(KnownFrom::ExitPermit { status }),
            status => missing(MissingWhy::ExitPermit { status }),
        };
        item(BagItemKind::ExitPermit, no, state)
    }

    fn ticket(&self, no: &str) -> BagItem {
        let theirs: Vec<&Booking> = self
            .facts
            .bookings
            .iter()
            .filter(|b| b.traveller(no).is_some())
            .collect();
        let state = match theirs.iter().find(|b| b.status == BookingStatus::Ticketed) {
            Some(b) => known(KnownFrom::Booking {
                booking_ref: b.booking_ref.clone(),
            }),
            None => match theirs.first() {
                Some(b) => missing(MissingWhy::NotTicketed {
                    booking_ref: b.booking_ref.clone(),
                    status: b.status,
                }),
                None => missing(MissingWhy::NotBooked),
            },
        };
        item(BagItemKind::Ticket, no, state)
    }

    /// Medical papers, when the person's special needs or their booking's SSR codes hold a
    /// code that calls for them; `None` when none does.
    fn medical(&self, m: &crate::Individual) -> Option<BagItem> {
        let booked = self
            .facts
            .bookings
            .iter()
            .filter_map(|b| b.traveller(&m.individual_no))
            .flat_map(|t| t.ssr.iter().flatten());
        let ssr: BTreeSet<SsrCode> = m
            .special_needs
            .ssr_codes
            .iter()
            .chain(booked)
            .filter(|c| self.facts.rules.medical_papers_for_ssr.contains(c))
            .copied()
            .collect();
        (!ssr.is_empty()).then(|| {
            item(
                BagItemKind::MedicalPapers,
                &m.individual_no,
                missing(MissingWhy::MedicalPapers {
                    ssr: ssr.into_iter().collect(),
                }),
            )
        })
    }

    fn abn(&self, b: &Booking) -> BagItem {
        let state = match &b.abn {
            None => missing(MissingWhy::NoAbn),
            Some(abn_no) => {
                let found = self.facts.abns.iter().find(|a| &a.abn_no == abn_no);
                let abn_no = abn_no.clone();
                match found.and_then(|a| a.last.map(|l| (l, a.pending))) {
                    None => missing(MissingWhy::AbnNotIssued { abn_no }),
                    Some(((_, AbnVersionKind::Cancelled), _)) => {
                        missing(MissingWhy::AbnCancelled { abn_no })
                    }
                    Some(((number, _), true)) => {
                        missing(MissingWhy::AbnOutdated { abn_no, number })
                    }
                    Some(((number, _), false)) => known(KnownFrom::Abn { abn_no, number }),
                }
            }
        };
        item(BagItemKind::Abn, b.booking_ref.as_str(), state)
    }
}

/// Why an item is missing, as a person reads it.
impl fmt::Display for MissingWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDocument => f.write_str("no travel document with a number on record"),
            Self::CustodyUnknown => f.write_str("no handover of the document was recorded"),
            Self::HeldBy { holder } => write!(f, "held by {holder}, not in the bag"),
            Self::ExitPermit { status: None } => f.write_str("no exit permit step recorded"),
            Self::ExitPermit {
                status: Some(status),
            } => write!(f, "exit permit {status}, not approved"),
            Self::NotTicketed {
                booking_ref,
                status,
            } => write!(f, "booking {booking_ref} is {status}, not ticketed"),
            Self::NotBooked => f.write_str("on no booking"),
            Self::MedicalPapers { ssr } if ssr.is_empty() => {
                f.write_str("needed for a special need: tick them by hand once seen")
            }
            Self::MedicalPapers { ssr } => {
                let codes: Vec<&str> = ssr.iter().map(SsrCode::as_str).collect();
                write!(
                    f,
                    "needed for {}: tick them by hand once seen",
                    codes.join(" ")
                )
            }
            Self::NoAbn => f.write_str("the booking is under no ABN number"),
            Self::AbnNotIssued { abn_no } => write!(f, "ABN {abn_no} not issued yet"),
            Self::AbnOutdated { abn_no, number } => write!(
                f,
                "the bookings changed since version {number} of ABN {abn_no}: issue an update"
            ),
            Self::AbnCancelled { abn_no } => write!(f, "ABN {abn_no} is cancelled"),
        }
    }
}

/// How an item is known, as a person reads it.
impl fmt::Display for KnownFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Custody { holder } => write!(f, "custody: held by {holder}"),
            Self::ExitPermit { status } => write!(f, "exit permit {status}"),
            Self::Booking { booking_ref } => write!(f, "ticketed on {booking_ref}"),
            Self::Abn { abn_no, number } => write!(f, "ABN {abn_no} version {number}"),
        }
    }
}

#[cfg(test)]
#[path = "travel_bag_tests.rs"]
mod tests;
