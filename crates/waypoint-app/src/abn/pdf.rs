//! The ABN as a printable PDF (`waypoint_print` lays it out): the version's bookings with the
//! names, ages, SSR codes and needs notes the person issuing it may see, times in each
//! airport's local time, and for an update what changed, marked.

use waypoint_domain::{AbnChange, AbnVersionKind, Language, changed_travellers};
use waypoint_print::{
    AbnBooking, AbnChangeWords, AbnDocument, AbnEscort, AbnLabels, AbnSegment, AbnTraveller, Paper,
};
use waypoint_store::Store;

use super::AbnIssue;
use crate::booking::traveller_lines;
use crate::{AppError, SignedIn};

fn labels(language: Language) -> AbnLabels {
    match language {
        Language::En => AbnLabels::english(),
        Language::Fr => AbnLabels::french(),
        Language::Es => AbnLabels::spanish(),
    }
}

/// The PDF of version `issue`, on `paper`, its fixed words in `language`.
pub fn abn_pdf(
    store: &Store,
    who: &SignedIn,
    issue: &AbnIssue,
    paper: Paper,
    language: Language,
) -> Result<Vec<u8>, AppError> {
    let changed = changed_travellers(&issue.changes, &issue.bookings);
    let mut bookings = Vec::new();
    for b in &issue.bookings {
        let names = traveller_lines(store, who.role, b)?;
        let segments = b
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (dep, arr) = (s.departs_local(), s.arrives_local());
                let name = |a: waypoint_domain::AirportCode| {
                    a.airport().map(|a| a.name.clone()).unwrap_or_default()
                };
                AbnSegment {
                    number: i as u32 + 1,
                    carrier: s.carrier.to_string(),
                    flight_no: s.flight_no.to_string(),
                    from: s.from.to_string(),
                    from_name: name(s.from),
                    to: s.to.to_string(),
                    to_name: name(s.to),
                    departs: dep.at.format("%Y-%m-%d %H:%M").to_string(),
                    departs_zone: format!("{} (UTC{})", dep.zone.name(), dep.offset),
                    arrives: arr.at.format("%Y-%m-%d %H:%M").to_string(),
                    arrives_zone: format!("{} (UTC{})", arr.zone.name(), arr.offset),
                }
            })
            .collect();
        let travellers = b
            .travellers
            .iter()
            .map(|t| {
                let line = names.iter().find(|l| l.individual_no == t.individual_no);
                AbnTraveller {
                    individual_no: t.individual_no.clone(),
                    case_no: t.case_no.clone(),
                    name: line.map_or(String::new(), |l| {
                        format!("{}, {}", l.family_name, l.given_names)
                    }),
                    native_name: line.and_then(|l| l.native_name.clone()),
                    sex: line.map_or(String::new(), |l| l.sex.clone()),
                    age: line
                        .and_then(|l| l.age)
                        .map_or(String::new(), |a| a.to_string()),
                    nationality: line.map_or(String::new(), |l| l.nationality.clone()),
                    ssr_by_segment: t
                        .ssr
                        .iter()
                        .map(|codes| codes.iter().map(ToString::to_string).collect())
                        .collect(),
                    needs_note: line.and_then(|l| l.needs_note.clone()),
                    changed: changed.contains(t.individual_no.as_str()),
                }
            })
            .collect();
        let escorts = b
            .escorts
            .iter()
            .map(|e| AbnEscort {
                name: e.name.clone(),
                kind: e.kind.to_string(),
                organisation: e.organisation.clone(),
                contact: e.contact.clone(),
                accompanies: e.accompanies.clone(),
            })
            .collect();
        bookings.push(AbnBooking {
            booking_ref: b.booking_ref.to_string(),
            record_locator: b.record_locator.as_ref().map(ToString::to_string),
            status: b.status.to_string(),
            replaces: b.replaces.as_ref().map(ToString::to_string),
            segments,
            travellers,
            escorts,
        });
    }
    let labels = labels(language);
    let doc = AbnDocument {
        abn_no: issue.abn_no.clone(),
        version: issue.number,
        kind: match issue.kind {
            AbnVersionKind::Issued => waypoint_print::AbnVersionKind::Issued,
            AbnVersionKind::Updated => waypoint_print::AbnVersionKind::Updated,
            AbnVersionKind::Cancelled => waypoint_print::AbnVersionKind::Cancelled,
        },
        issued_at: issue.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        issued_by: issue.issued_by.clone(),
        site: issue.site.clone(),
        paper,
        changes: issue
            .changes
            .iter()
            .map(|c| change_line(&labels.change_words, c))
            .collect(),
        labels,
        bookings,
    };
    waypoint_print::abn_pdf(&doc)
        .map_err(|e| AppError::invalid(format!("the ABN could not be laid out as a PDF: {e}")))
}

/// A change since the previous version, in the paper's language.
fn change_line(words: &AbnChangeWords, change: &AbnChange) -> String {
    use AbnChange as C;
    let fill = |template: &String, booking: &str, by: &str, no: &str| {
        AbnChangeWords::fill(template, booking, by, no)
    };
    match change {
        C::BookingAdded { booking_ref } => fill(&words.booking_added, booking_ref.as_str(), "", ""),
        C::BookingRemoved { booking_ref } => {
            fill(&words.booking_removed, booking_ref.as_str(), "", "")
        }
        C::Replaced { booking_ref, by } => {
            fill(&words.replaced, booking_ref.as_str(), by.as_str(), "")
        }
        C::ItineraryChanged { booking_ref } => {
            fill(&words.itinerary_changed, booking_ref.as_str(), "", "")
        }
        C::StatusChanged { booking_ref } => {
            fill(&words.status_changed, booking_ref.as_str(), "", "")
        }
        C::RecordLocatorChanged { booking_ref } => {
            fill(&words.record_locator_changed, booking_ref.as_str(), "", "")
        }
        C::TravellerAdded { individual_no } => fill(&words.traveller_added, "", "", individual_no),
        C::TravellerRemoved { individual_no } => {
            fill(&words.traveller_removed, "", "", individual_no)
        }
        C::SsrChanged { individual_no } => fill(&words.ssr_changed, "", "", individual_no),
        C::EscortsChanged { booking_ref } => {
            fill(&words.escorts_changed, booking_ref.as_str(), "", "")
        }
    }
}

#[cfg(test)]
mod change_tests {
    use waypoint_domain::BookingRef;

    use super::*;

    #[test]
    fn a_change_is_worded_in_the_papers_language() {
        let old = BookingRef::parse("BKG-1").unwrap();
        let new = BookingRef::parse("BKG-2").unwrap();
        let replaced = AbnChange::Replaced {
            booking_ref: old,
            by: new,
        };
        let ssr = AbnChange::SsrChanged {
            individual_no: "I-0001".into(),
        };
        let line = |l, c| change_line(&labels(l).change_words, c);
        assert_eq!(
            line(Language::En, &replaced),
            "booking BKG-1 replaced by BKG-2"
        );
        assert_eq!(
            line(Language::Fr, &replaced),
            "réservation BKG-1 remplacée par BKG-2"
        );
        assert_eq!(
            line(Language::Es, &ssr),
            "códigos SSR de I-0001 modificados"
        );
    }
}
