//! The codes of each code list, in a file of its own: it knows every list (profile fields,
//! exit permits, journeys), and none of them needs to know it.

use crate::CodeList;

impl CodeList {
    /// The codes of the list, in the order of the import spec.
    pub fn codes(self) -> Vec<&'static str> {
        fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| code(*v)).collect()
        }
        match self {
            Self::Relationship => codes(crate::Relationship::ALL, crate::Relationship::code),
            Self::Sex => codes(crate::Sex::ALL, crate::Sex::code),
            Self::DocumentType => codes(crate::DocumentType::ALL, crate::DocumentType::code),
            Self::Vulnerability => codes(crate::Vulnerability::ALL, crate::Vulnerability::code),
            Self::ExitPermitStatus => {
                codes(crate::ExitPermitStatus::ALL, crate::ExitPermitStatus::code)
            }
            Self::DenialReason => codes(crate::DenialReason::ALL, crate::DenialReason::code),
            Self::HoldReason => codes(crate::HoldReason::ALL, crate::HoldReason::code),
            Self::CancelReason => codes(crate::CancelReason::ALL, crate::CancelReason::code),
            Self::BookingStatus => codes(crate::BookingStatus::ALL, crate::BookingStatus::code),
            Self::EscortKind => codes(crate::EscortKind::ALL, crate::EscortKind::code),
            Self::AbnVersionKind => codes(crate::AbnVersionKind::ALL, crate::AbnVersionKind::code),
        }
    }
}
