//! Bookings, their warnings and the ABN: translations of `waypoint_app::booking` and
//! `waypoint_app::abn` calls. The rules (what a booking must be, its warnings, who may
//! acknowledge them, when an ABN gets a new version) are all the app's.

use std::path::{Path, PathBuf};

use waypoint_app::abn::{self, Abn, AbnIssue, Paper};
use waypoint_app::booking::{
    self, BookingForm, BookingView, EscortForm, SegmentForm, TravellerForm, TravellerLine,
};
use waypoint_app::session::Session;
use waypoint_domain::{
    AbnChange, Booking, Language, Segment, WarningAcknowledgement, changed_travellers,
};

use crate::dto::{
    self, AbnBooking, AbnChangeLine, AbnDetail, AbnPdfRequest, AbnPdfSaved, AbnVersionLine,
    AcknowledgeRequest, Acknowledgement, AgeRange, BookingDetail, BookingRequest, BookingTraveller,
    BookingWarningLine, EscortLine, PaperLanguage, PaperSize, SegmentLine,
};
use crate::error::CommandError;

fn segment_line(number: usize, s: &Segment) -> SegmentLine {
    let (dep, arr) = (s.departs_local(), s.arrives_local());
    let name = |a: waypoint_domain::AirportCode| a.airport().map(|a| a.name.clone());
    SegmentLine {
        number: number as u32,
        carrier: s.carrier.to_string(),
        flight_no: s.flight_no.to_string(),
        from: s.from.to_string(),
        from_name: name(s.from),
        to: s.to.to_string(),
        to_name: name(s.to),
        departs_local: dep.at.format("%Y-%m-%dT%H:%M").to_string(),
        departs_zone: dep.zone.name().to_owned(),
        departs_offset: dep.offset.to_string(),
        arrives_local: arr.at.format("%Y-%m-%dT%H:%M").to_string(),
        arrives_zone: arr.zone.name().to_owned(),
        arrives_offset: arr.offset.to_string(),
    }
}

fn travellers(b: &Booking, lines: &[TravellerLine]) -> Vec<BookingTraveller> {
    b.travellers
        .iter()
        .map(|t| {
            let line = lines.iter().find(|l| l.individual_no == t.individual_no);
            let text = |f: fn(&TravellerLine) -> &String| line.map(f).cloned().unwrap_or_default();
            BookingTraveller {
                individual_no: t.individual_no.clone(),
                case_no: t.case_no.clone(),
                family_name: text(|l| &l.family_name),
                given_names: text(|l| &l.given_names),
                native_name: line.and_then(|l| l.native_name.clone()),
                sex: text(|l| &l.sex),
                nationality: text(|l| &l.nationality),
                age: line.and_then(|l| l.age).map(|a| AgeRange {
                    min: a.min,
                    max: a.max,
                }),
                ssr: t
                    .ssr
                    .iter()
                    .map(|codes| codes.iter().map(ToString::to_string).collect())
                    .collect(),
            }
        })
        .collect()
}

fn escorts(b: &Booking) -> Vec<EscortLine> {
    b.escorts
        .iter()
        .map(|e| EscortLine {
            name: e.name.clone(),
            kind: e.kind,
            organisation: e.organisation.clone(),
            contact: e.contact.clone(),
            accompanies: e.accompanies.clone(),
        })
        .collect()
}

fn acknowledgement(a: &WarningAcknowledgement) -> Acknowledgement {
    Acknowledgement {
        warning: a.warning.clone(),
        reason: a.reason.clone(),
        recorded_by: a.recorded_by.clone(),
        at: a.at.to_rfc3339(),
    }
}

fn rule(r: waypoint_domain::WarningRule) -> dto::WarningRule {
    use dto::WarningRule as D;
    use waypoint_domain::WarningRule as R;
    match r {
        R::ShortConnection => D::ShortConnection,
        R::InfantWithoutAdult => D::InfantWithoutAdult,
        R::MedicalNeedsWithoutMedicalEscort => D::MedicalNeedsWithoutMedicalEscort,
        R::UnaccompaniedMinorWithoutEscort => D::UnaccompaniedMinorWithoutEscort,
        R::DocumentExpires => D::DocumentExpires,
        R::ExitPermitNotApproved => D::ExitPermitNotApproved,
        R::NotTravelReady => D::NotTravelReady,
    }
}

fn detail(d: &waypoint_domain::WarningDetail) -> dto::WarningDetail {
    use dto::WarningDetail as D;
    use waypoint_domain::WarningDetail as W;
    match d {
        W::Connection {
            airport,
            minutes,
            minimum,
        } => D::Connection {
            airport: airport.to_string(),
            minutes: *minutes,
            minimum: *minimum,
        },
        W::Infant {
            by_code,
            age,
            on,
            under,
            adult_from,
        } => D::Infant {
            by_code: *by_code,
            age: age.map(|a| AgeRange {
                min: a.min,
                max: a.max,
            }),
            on: on.to_string(),
            under: *under,
            adult_from: *adult_from,
        },
        W::MedicalNeeds { codes } => D::MedicalNeeds {
            codes: codes.iter().map(ToString::to_string).collect(),
        },
        W::UnaccompaniedMinor => D::UnaccompaniedMinor,
        W::DocumentExpiry {
            expires,
            last_arrival,
            months,
            valid_until,
        } => D::DocumentExpiry {
            expires: expires.to_string(),
            last_arrival: last_arrival.to_string(),
            months: *months,
            valid_until: valid_until.to_string(),
        },
        W::ExitPermit { status } => D::ExitPermit { status: *status },
        W::NotTravelReady => D::NotTravelReady,
    }
}

pub(crate) fn booking_detail(v: &BookingView) -> BookingDetail {
    let b = &v.booking;
    BookingDetail {
        booking_ref: b.booking_ref.to_string(),
        status: b.status,
        record_locator: b.record_locator.as_ref().map(ToString::to_string),
        replaces: b.replaces.as_ref().map(ToString::to_string),
        replaced_by: v.replaced_by.iter().map(ToString::to_string).collect(),
        abn: b.abn.clone(),
        segments: b
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| segment_line(i + 1, s))
            .collect(),
        travellers: travellers(b, &v.travellers),
        escorts: escorts(b),
        warnings: v
            .warnings
            .iter()
            .map(|l| BookingWarningLine {
                key: l.warning.key.to_string(),
                rule: rule(l.warning.rule),
                individual_no: l.warning.individual_no.clone(),
                segment: l.warning.segment.map(|s| s as u32),
                detail: detail(&l.warning.detail),
                acknowledged: l.acknowledged.as_ref().map(acknowledgement),
            })
            .collect(),
        past_acknowledgements: v
            .acknowledgements
            .iter()
            .filter(|a| {
                !v.warnings
                    .iter()
                    .any(|l| l.warning.key.as_str() == a.warning)
            })
            .map(acknowledgement)
            .collect(),
    }
}

/// The bookings with travellers of case `case_no`, each with its warnings today.
pub fn case_bookings(state: &Session, case_no: &str) -> Result<Vec<BookingDetail>, CommandError> {
    let store = state.store()?;
    let role = store.role();
    let today = state.today();
    booking::of_case(&store, role, case_no)?
        .iter()
        .map(|b| -> Result<BookingDetail, CommandError> {
            let view = booking::show(&store, role, b.booking_ref.as_str(), today)?;
            Ok(booking_detail(&view))
        })
        .collect()
}

pub fn booking(state: &Session, booking_ref: &str) -> Result<BookingDetail, CommandError> {
    let store = state.store()?;
    let view = booking::show(&store, store.role(), booking_ref, state.today())?;
    Ok(booking_detail(&view))
}

/// Text a person typed in an optional box: `None` when blank.
fn typed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn form(r: &BookingRequest) -> BookingForm {
    BookingForm {
        booking_ref: typed(&r.booking_ref),
        case_no: r.case_no.trim().to_owned(),
        status: r.status,
        record_locator: typed(&r.record_locator),
        abn: typed(&r.abn),
        segments: r
            .segments
            .iter()
            .map(|s| SegmentForm {
                carrier: s.carrier.clone(),
                flight_no: s.flight_no.clone(),
                from: s.from.clone(),
                to: s.to.clone(),
                departs: s.departs_local.clone(),
                arrives: s.arrives_local.clone(),
            })
            .collect(),
        travellers: r
            .travellers
            .iter()
            .map(|t| TravellerForm {
                individual_no: t.individual_no.clone(),
                ssr: t.ssr.clone(),
            })
            .collect(),
        escorts: r
            .escorts
            .iter()
            .map(|e| EscortForm {
                name: e.name.clone(),
                kind: e.kind,
                organisation: typed(&e.organisation),
                contact: typed(&e.contact),
                accompanies: e.accompanies.clone(),
            })
            .collect(),
    }
}

/// Saves the booking of the form and gives it back with its warnings.
pub fn save_booking(
    state: &Session,
    request: &BookingRequest,
) -> Result<BookingDetail, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let view = booking::save_form(&mut store, &who, &state.context(), &form(request))?;
    Ok(booking_detail(&view))
}

/// Acknowledges one warning with the reason (a supervisor's; the app refuses other roles).
pub fn acknowledge_warning(
    state: &Session,
    request: &AcknowledgeRequest,
) -> Result<BookingDetail, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let view = booking::acknowledge(
        &mut store,
        &who,
        &state.context(),
        &request.booking_ref,
        &request.warning,
        &request.reason,
    )?;
    Ok(booking_detail(&view))
}

fn change(c: &AbnChange) -> AbnChangeLine {
    use AbnChangeLine as L;
    let r = |b: &waypoint_domain::BookingRef| b.to_string();
    match c {
        AbnChange::BookingAdded { booking_ref } => L::BookingAdded {
            booking_ref: r(booking_ref),
        },
        AbnChange::BookingRemoved { booking_ref } => L::BookingRemoved {
            booking_ref: r(booking_ref),
        },
        AbnChange::Replaced { booking_ref, by } => L::Replaced {
            booking_ref: r(booking_ref),
            by: r(by),
        },
        AbnChange::ItineraryChanged { booking_ref } => L::ItineraryChanged {
            booking_ref: r(booking_ref),
        },
        AbnChange::StatusChanged { booking_ref } => L::StatusChanged {
            booking_ref: r(booking_ref),
        },
        AbnChange::RecordLocatorChanged { booking_ref } => L::RecordLocatorChanged {
            booking_ref: r(booking_ref),
        },
        AbnChange::TravellerAdded { individual_no } => L::TravellerAdded {
            individual_no: individual_no.clone(),
        },
        AbnChange::TravellerRemoved { individual_no } => L::TravellerRemoved {
            individual_no: individual_no.clone(),
        },
        AbnChange::SsrChanged { individual_no } => L::SsrChanged {
            individual_no: individual_no.clone(),
        },
        AbnChange::EscortsChanged { booking_ref } => L::EscortsChanged {
            booking_ref: r(booking_ref),
        },
    }
}

fn abn_booking(
    store: &waypoint_app::Store,
    role: waypoint_domain::Role,
    b: &Booking,
) -> Result<AbnBooking, CommandError> {
    let lines = booking::traveller_lines(store, role, b)?;
    Ok(AbnBooking {
        booking_ref: b.booking_ref.to_string(),
        status: b.status,
        record_locator: b.record_locator.as_ref().map(ToString::to_string),
        replaces: b.replaces.as_ref().map(ToString::to_string),
        segments: b
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| segment_line(i + 1, s))
            .collect(),
        travellers: travellers(b, &lines),
        escorts: escorts(b),
    })
}

fn version(
    store: &waypoint_app::Store,
    role: waypoint_domain::Role,
    v: &AbnIssue,
) -> Result<AbnVersionLine, CommandError> {
    Ok(AbnVersionLine {
        number: v.number,
        kind: v.kind,
        issued_by: v.issued_by.clone(),
        site: v.site.clone(),
        at: v.at.to_rfc3339(),
        changes: v.changes.iter().map(change).collect(),
        changed_travellers: changed_travellers(&v.changes, &v.bookings)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        bookings: v
            .bookings
            .iter()
            .map(|b| abn_booking(store, role, b))
            .collect::<Result<_, _>>()?,
    })
}

fn abn_detail(
    store: &waypoint_app::Store,
    role: waypoint_domain::Role,
    abn: &Abn,
) -> Result<AbnDetail, CommandError> {
    Ok(AbnDetail {
        abn_no: abn.abn_no.clone(),
        versions: abn
            .versions
            .iter()
            .map(|v| version(store, role, v))
            .collect::<Result<_, _>>()?,
        current: abn
            .current
            .iter()
            .map(|b| abn_booking(store, role, b))
            .collect::<Result<_, _>>()?,
        pending: abn.pending.iter().map(change).collect(),
    })
}

/// ABN `abn_no`: its versions and the bookings under it now. Issues nothing.
pub fn abn(state: &Session, abn_no: &str) -> Result<AbnDetail, CommandError> {
    let store = state.store()?;
    let role = store.role();
    let abn = abn::show(&store, role, abn_no)?;
    abn_detail(&store, role, &abn)
}

/// The PDF's file name: the ABN number and version, with nothing a path would read as a folder.
fn file_name(abn_no: &str, version: u32) -> String {
    let safe: String = abn_no
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("ABN-{safe}-v{version}.pdf")
}

/// Issues a new version of the ABN if its bookings changed, and writes the last version's
/// PDF into `dir` (the person's documents folder, else the app's data directory).
pub fn save_abn_pdf(
    state: &Session,
    request: &AbnPdfRequest,
    dir: &Path,
) -> Result<AbnPdfSaved, CommandError> {
    let mut store = state.store()?;
    let who = store.who();
    let abn = abn::issue(&mut store, &who, &state.context(), &request.abn_no)?;
    let Some(last) = abn.last() else {
        return Err(waypoint_app::AppError::UnknownAbn(abn.abn_no.clone()).into());
    };
    let paper = match request.paper {
        PaperSize::A4 => Paper::A4,
        PaperSize::Letter => Paper::Letter,
    };
    let language = match request.language {
        PaperLanguage::En => Language::En,
        PaperLanguage::Fr => Language::Fr,
        PaperLanguage::Es => Language::Es,
    };
    let pdf = abn::abn_pdf(&store, &who, last, paper, language)?;
    let path: PathBuf = dir.join(file_name(&abn.abn_no, last.number));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, pdf))
        .map_err(|e| {
            CommandError::invalid(format!(
                "the PDF could not be written to {}: {e}",
                path.display()
            ))
        })?;
    Ok(AbnPdfSaved {
        path: path.display().to_string(),
        version: last.number,
        kind: last.kind,
        abn: abn_detail(&store, who.role, &abn)?,
    })
}

#[cfg(test)]
#[path = "bookings_tests.rs"]
mod tests;
