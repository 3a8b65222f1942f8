//! How much one bulk body may hold, and decoding that refuses more before allocating it.
//!
//! Decoding expands a body many times: an empty string costs one byte on the wire and 24 in
//! memory, so a few KB of zstd could ask for gigabytes. Every collection and string of a bulk
//! type is therefore decoded against a cap (the `#[serde(deserialize_with)]` helpers below),
//! which is checked against the length prefix before anything is allocated. Both sides share
//! these numbers: a device never builds a push over them and the server never builds a page
//! over them (see `docs/sync-protocol.md`, "Limits").

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

/// Most changes in one push ([`crate::PushRequest`], [`crate::SyncRequest`]); a device sends
/// at most 2,000 per round.
pub const MAX_CHANGES_PER_PUSH: usize = 5_000;
/// Most fields in one record of a push (`Create`) or a page (`Record`); a record has 25.
pub const MAX_FIELDS_PER_RECORD: usize = 64;
/// Most changes, and most conflicts, in one pull page (twice the largest page the server
/// makes, [`crate::MAX_PULL_LIMIT`]).
pub const MAX_PAGE_ENTRIES: usize = 2 * crate::MAX_PULL_LIMIT as usize;
/// Longest identifier in bytes: an entity key, a case number, a field name, an event kind, a
/// device name.
pub const MAX_NAME_BYTES: usize = 1_024;
/// Longest field value (and refusal reason) in bytes; the longest field a person can type
/// holds 2,000 characters.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Longest event (its canonical JSON) in bytes that the wire decoder accepts in one change; the
/// server stores less (its `MAX_STORED_EVENT_BYTES`: a policy, not a format).
pub const MAX_EVENT_BODY_BYTES: usize = 1024 * 1024;
/// How far past the last change the server settled for a device a pushed `client_seq` may
/// go. A device numbers its changes one by one, so only a damaged one jumps further; taking
/// such a number would make the server ignore every later change of the device as repeated.
pub const MAX_CLIENT_SEQ_JUMP: u64 = 1 << 32;

// A device pushes at most 2,000 changes per round: keep room above that.
const _: () = assert!(MAX_CHANGES_PER_PUSH >= 2 * 2_000);
// Pages the server makes must decode on every device.
const _: () = assert!(MAX_PAGE_ENTRIES >= crate::MAX_PULL_LIMIT as usize);

/// A limit a body went over, named for the person who reads the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    ChangesPerPush,
    FieldsPerRecord,
    PageEntries,
    NameBytes,
    ValueBytes,
    EventBytes,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::ChangesPerPush => write!(f, "at most {MAX_CHANGES_PER_PUSH} changes per push"),
            Limit::FieldsPerRecord => {
                write!(f, "at most {MAX_FIELDS_PER_RECORD} fields per record")
            }
            Limit::PageEntries => write!(f, "at most {MAX_PAGE_ENTRIES} entries per page"),
            Limit::NameBytes => write!(f, "identifiers of at most {MAX_NAME_BYTES} bytes"),
            Limit::ValueBytes => write!(f, "field values of at most {MAX_VALUE_BYTES} bytes"),
            Limit::EventBytes => write!(f, "events of at most {MAX_EVENT_BODY_BYTES} bytes"),
        }
    }
}

impl Limit {
    fn max(self) -> usize {
        match self {
            Limit::ChangesPerPush => MAX_CHANGES_PER_PUSH,
            Limit::FieldsPerRecord => MAX_FIELDS_PER_RECORD,
            Limit::PageEntries => MAX_PAGE_ENTRIES,
            Limit::NameBytes => MAX_NAME_BYTES,
            Limit::ValueBytes => MAX_VALUE_BYTES,
            Limit::EventBytes => MAX_EVENT_BODY_BYTES,
        }
    }
}

thread_local! {
    // postcard drops the text of a custom error, so the limit travels beside it; decoding
    // runs on one thread from start to end.
    static EXCEEDED: Cell<Option<Limit>> = const { Cell::new(None) };
}

/// Forgets a limit noted by an earlier decode on this thread.
pub(crate) fn reset() {
    EXCEEDED.with(|c| c.set(None));
}

/// The limit the last decode on this thread went over, if any.
pub(crate) fn exceeded() -> Option<Limit> {
    EXCEEDED.with(Cell::take)
}

fn over<E: de::Error>(limit: Limit) -> E {
    EXCEEDED.with(|c| c.set(Some(limit)));
    E::custom(format_args!("over the limit: {limit}"))
}

struct Text(Limit);

impl Visitor<'_> for Text {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string ({})", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if v.len() > self.0.max() {
            return Err(over(self.0));
        }
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        if v.len() > self.0.max() {
            return Err(over(self.0));
        }
        Ok(v)
    }
}

fn text<'de, D: Deserializer<'de>>(d: D, limit: Limit) -> Result<String, D::Error> {
    d.deserialize_string(Text(limit))
}

struct OptionalText(Limit);

impl<'de> Visitor<'de> for OptionalText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an optional string ({})", self.0)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        text(d, self.0).map(Some)
    }
}

/// An identifier ([`MAX_NAME_BYTES`]).
pub(crate) fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d, Limit::NameBytes)
}

/// A field value or a refusal's reason ([`MAX_VALUE_BYTES`]).
pub(crate) fn value<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d, Limit::ValueBytes)
}

/// A field value that may be cleared ([`MAX_VALUE_BYTES`]).
pub(crate) fn optional_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(OptionalText(Limit::ValueBytes))
}

/// An event's JSON ([`MAX_EVENT_BODY_BYTES`]).
pub(crate) fn event<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d, Limit::EventBytes)
}

struct Bounded<T>(Limit, PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence ({})", self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let max = self.0.max();
        // postcard states the length first: refuse before allocating for it.
        let declared = seq.size_hint().unwrap_or(0);
        if declared > max {
            return Err(over(self.0));
        }
        let mut items = Vec::with_capacity(declared);
        while let Some(item) = seq.next_element()? {
            if items.len() == max {
                return Err(over(self.0));
            }
            items.push(item);
        }
        Ok(items)
    }
}

fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    limit: Limit,
) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(Bounded(limit, PhantomData))
}

/// The changes of a push ([`MAX_CHANGES_PER_PUSH`]).
pub(crate) fn push_changes<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    bounded(d, Limit::ChangesPerPush)
}

/// The changes or conflicts of a page ([`MAX_PAGE_ENTRIES`]).
pub(crate) fn page_entries<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    bounded(d, Limit::PageEntries)
}

/// A `(field name, value)` of a record, each string bounded.
struct FieldValue(String, Option<String>);

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pair;
        impl<'de> Visitor<'de> for Pair {
            type Value = FieldValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name and its value")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FieldValue, A::Error> {
                let missing = || de::Error::invalid_length(0, &"a field name and its value");
                let field = seq.next_element::<Name>()?.ok_or_else(missing)?.0;
                let value = seq.next_element::<OptionalValue>()?.ok_or_else(missing)?.0;
                Ok(FieldValue(field, value))
            }
        }
        d.deserialize_tuple(2, Pair)
    }
}

struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        name(d).map(Name)
    }
}

struct OptionalValue(Option<String>);

impl<'de> Deserialize<'de> for OptionalValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        optional_value(d).map(OptionalValue)
    }
}

/// The fields of one record ([`MAX_FIELDS_PER_RECORD`], each name and value bounded).
pub(crate) fn record_fields<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, Option<String>)>, D::Error> {
    let pairs: Vec<FieldValue> = bounded(d, Limit::FieldsPerRecord)?;
    Ok(pairs.into_iter().map(|p| (p.0, p.1)).collect())
}
