//! The departure notice as a printable PDF (`waypoint_print` lays it out): the flight that
//! left, who departed and who did not with the reason worded in the paper's language and the
//! words recorded, the names the person printing it may see, and for a correction what
//! changed, marked.

use std::collections::BTreeSet;

use waypoint_domain::{Language, NoticeChange};
use waypoint_print::{
    ChangeWords, DepartureNoticeDocument, DepartureNoticeLabels, NoticeTraveller, Paper,
};
use waypoint_store::Store;

use super::{Notice, NoticeIssue};
use crate::booking::traveller_lines;
use crate::{AppError, SignedIn};

fn labels(language: Language) -> DepartureNoticeLabels {
    match language {
        Language::En => DepartureNoticeLabels::english(),
        Language::Fr => DepartureNoticeLabels::french(),
        Language::Es => DepartureNoticeLabels::spanish(),
    }
}

/// The PDF of version `issue` of `notice`, on `paper`, its fixed words in `language`.
pub fn notice_pdf(
    store: &Store,
    who: &SignedIn,
    notice: &Notice,
    issue: &NoticeIssue,
    paper: Paper,
    language: Language,
) -> Result<Vec<u8>, AppError> {
    let b = &notice.booking;
    let labels = labels(language);
    let names = traveller_lines(store, who.role, b)?;
    let changed: BTreeSet<&str> = issue.changes.iter().map(|c| c.individual_no()).collect();
    let person = |no: &str, reason: Option<String>, text: Option<String>| {
        let line = names.iter().find(|l| l.individual_no == no);
        NoticeTraveller {
            individual_no: no.to_owned(),
            case_no: b.traveller(no).map_or(String::new(), |t| t.case_no.clone()),
            name: line.map_or(String::new(), |l| {
                format!("{}, {}", l.family_name, l.given_names)
            }),
            native_name: line.and_then(|l| l.native_name.clone()),
            sex: line.map_or(String::new(), |l| l.sex.clone()),
            age: line
                .and_then(|l| l.age)
                .map_or(String::new(), |a| a.to_string()),
            nationality: line.map_or(String::new(), |l| l.nationality.clone()),
            reason,
            text,
            changed: changed.contains(no),
        }
    };
    let d = &issue.departures;
    let departed = d.departed.iter().map(|n| person(n, None, None)).collect();
    let not_departed = d
        .not_departed
        .iter()
        .map(|n| {
            person(
                &n.individual_no,
                Some(labels.reasons.word(n.reason.code())),
                Some(n.text.clone()),
            )
        })
        .collect();
    let first = b.segments.first();
    let local = first.map(|s| s.departs_local());
    let airport =
        |a: waypoint_domain::AirportCode| a.airport().map(|a| a.name.clone()).unwrap_or_default();
    let doc = DepartureNoticeDocument {
        booking_ref: b.booking_ref.to_string(),
        record_locator: b.record_locator.as_ref().map(ToString::to_string),
        version: issue.number,
        issued_at: issue.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        issued_by: issue.issued_by.clone(),
        site: issue.site.clone(),
        paper,
        flight: first.map_or(String::new(), |s| format!("{}{}", s.carrier, s.flight_no)),
        from: first.map_or(String::new(), |s| s.from.to_string()),
        from_name: first.map_or(String::new(), |s| airport(s.from)),
        to: first.map_or(String::new(), |s| s.to.to_string()),
        to_name: first.map_or(String::new(), |s| airport(s.to)),
        left_at: local
            .as_ref()
            .map_or(String::new(), |l| l.at.format("%Y-%m-%d %H:%M").to_string()),
        left_zone: local.as_ref().map_or(String::new(), |l| {
            format!("{} (UTC{})", l.zone.name(), l.offset)
        }),
        changes: issue
            .changes
            .iter()
            .map(|c| change_line(&labels.change_words, c))
            .collect(),
        labels,
        departed,
        not_departed,
    };
    waypoint_print::departure_notice_pdf(&doc).map_err(|e| {
        AppError::invalid(format!(
            "the departure notice could not be laid out as a PDF: {e}"
        ))
    })
}

/// A change since the previous version, in the paper's language.
fn change_line(words: &ChangeWords, change: &NoticeChange) -> String {
    let (template, individual_no) = match change {
        NoticeChange::NowDeparted { individual_no } => (&words.now_departed, individual_no),
        NoticeChange::NoLongerDeparted { individual_no } => {
            (&words.no_longer_departed, individual_no)
        }
        NoticeChange::ReasonChanged { individual_no } => (&words.reason_changed, individual_no),
        NoticeChange::TravellerAdded { individual_no } => (&words.traveller_added, individual_no),
        NoticeChange::TravellerRemoved { individual_no } => {
            (&words.traveller_removed, individual_no)
        }
    };
    ChangeWords::about(template, individual_no)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_worded_in_the_papers_language_with_the_travellers_number() {
        let gone = NoticeChange::NoLongerDeparted {
            individual_no: "I-0001".into(),
        };
        let added = NoticeChange::TravellerAdded {
            individual_no: "I-0002".into(),
        };
        let line = |l, c| change_line(&labels(l).change_words, c);
        assert_eq!(line(Language::En, &gone), "I-0001 did not depart after all");
        assert_eq!(line(Language::Es, &gone), "I-0001 finalmente no salió");
        assert_eq!(
            line(Language::Fr, &gone),
            "I-0001 n’est finalement pas parti(e)"
        );
        assert_eq!(line(Language::Fr, &added), "I-0002 ajouté(e)");
    }
}
