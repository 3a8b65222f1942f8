//! The caps of a bulk body: refused early, named, and never met by what the other side builds.
#![allow(clippy::unwrap_used)]

use super::*;

/// A postcard varint.
fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A push of one `Create` whose record claims `fields` empty fields (name "", value None):
/// two bytes each on the wire, 48 in memory.
fn create_with_empty_fields(declared: u64, present: u64) -> Vec<u8> {
    let mut raw = Vec::new();
    varint(u64::from(SCHEMA_VERSION), &mut raw);
    varint(1, &mut raw); // one change
    varint(1, &mut raw); // client_seq
    varint(1, &mut raw); // hlc
    varint(0, &mut raw); // Scope::Case
    raw.extend([1, b'x']); // entity
    varint(0, &mut raw); // ChangeBody::Create
    raw.extend([1, b'x']); // case_no
    varint(declared, &mut raw);
    for _ in 0..present {
        raw.extend([0, 0]);
    }
    raw
}

fn change(client_seq: u64, body: ChangeBody) -> Change {
    Change {
        client_seq,
        hlc: 1,
        scope: Scope::Case,
        entity: "KGL-1".into(),
        body,
    }
}

fn field(value: String) -> ChangeBody {
    ChangeBody::Field {
        case_no: "KGL-1".into(),
        field: "phone".into(),
        value: Some(value),
        base_seq: 0,
        resolves: None,
    }
}

fn push(changes: Vec<Change>) -> Vec<u8> {
    encode(&PushRequest {
        schema_version: SCHEMA_VERSION,
        changes,
    })
    .unwrap()
}

#[test]
fn a_few_kb_claiming_millions_of_fields_is_refused_before_they_are_allocated() {
    // 10 million empty fields: 20 MB decoded, about 2 KB compressed, gigabytes once decoded.
    let raw = create_with_empty_fields(10_000_000, 10_000_000);
    let body = zstd::bulk::compress(&raw, 19).unwrap();
    assert!(body.len() < 4 * 1024, "{} bytes", body.len());
    let started = std::time::Instant::now();
    let err = decode_request::<PushRequest>(&body).unwrap_err();
    assert!(
        matches!(err, ProtocolError::OverLimit(Limit::FieldsPerRecord)),
        "{err}"
    );
    assert!(
        err.to_string().contains("at most 64 fields per record"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));

    // A length prefix alone is refused without the elements behind it (postcard itself may
    // see first that the bytes for them are missing).
    let raw = create_with_empty_fields(u64::from(u32::MAX), 0);
    let err = decode_request::<PushRequest>(&zstd::bulk::compress(&raw, 3).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            ProtocolError::OverLimit(Limit::FieldsPerRecord) | ProtocolError::Decode(_)
        ),
        "{err}"
    );
    // As many as the cap decode.
    let raw = create_with_empty_fields(MAX_FIELDS_PER_RECORD as u64, MAX_FIELDS_PER_RECORD as u64);
    decode_request::<PushRequest>(&zstd::bulk::compress(&raw, 3).unwrap()).unwrap();
}

#[test]
fn pushes_over_the_change_cap_are_refused_and_at_the_cap_decode() {
    let at_cap: Vec<Change> = (1..=MAX_CHANGES_PER_PUSH as u64)
        .map(|i| change(i, field(String::new())))
        .collect();
    let decoded: PushRequest = decode_request(&push(at_cap.clone())).unwrap();
    assert_eq!(decoded.changes.len(), MAX_CHANGES_PER_PUSH);
    let mut over = at_cap;
    over.push(change(
        MAX_CHANGES_PER_PUSH as u64 + 1,
        field(String::new()),
    ));
    let err = decode_request::<PushRequest>(&push(over.clone())).unwrap_err();
    assert!(
        matches!(err, ProtocolError::OverLimit(Limit::ChangesPerPush)),
        "{err}"
    );
    assert!(err.to_string().contains("5000 changes per push"), "{err}");
    let sync = encode(&SyncRequest {
        schema_version: SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: over,
    })
    .unwrap();
    assert!(matches!(
        decode_request::<SyncRequest>(&sync),
        Err(ProtocolError::OverLimit(Limit::ChangesPerPush))
    ));
}

#[test]
fn strings_over_their_caps_are_refused_and_at_their_caps_decode() {
    let value = |n| push(vec![change(1, field("v".repeat(n)))]);
    decode_request::<PushRequest>(&value(MAX_VALUE_BYTES)).unwrap();
    assert!(matches!(
        decode_request::<PushRequest>(&value(MAX_VALUE_BYTES + 1)),
        Err(ProtocolError::OverLimit(Limit::ValueBytes))
    ));
    let mut long_entity = change(1, field(String::new()));
    long_entity.entity = "e".repeat(MAX_NAME_BYTES + 1);
    assert!(matches!(
        decode_request::<PushRequest>(&push(vec![long_entity])),
        Err(ProtocolError::OverLimit(Limit::NameBytes))
    ));
    let event = |n| {
        push(vec![change(
            1,
            ChangeBody::Event {
                case_no: "KGL-1".into(),
                kind: "note".into(),
                json: "j".repeat(n),
            },
        )])
    };
    decode_request::<PushRequest>(&event(MAX_EVENT_BODY_BYTES)).unwrap();
    assert!(matches!(
        decode_request::<PushRequest>(&event(MAX_EVENT_BODY_BYTES + 1)),
        Err(ProtocolError::OverLimit(Limit::EventBytes))
    ));
    let long_field_name = ChangeBody::Create {
        case_no: "KGL-1".into(),
        fields: vec![("f".repeat(MAX_NAME_BYTES + 1), None)],
    };
    assert!(matches!(
        decode_request::<PushRequest>(&push(vec![change(1, long_field_name)])),
        Err(ProtocolError::OverLimit(Limit::NameBytes))
    ));
}

#[test]
fn a_page_over_its_caps_is_refused_by_the_device() {
    let entry = |seq| ServerChange {
        server_seq: seq,
        scope: Scope::Case,
        entity: "KGL-1".into(),
        case_no: "KGL-1".into(),
        body: ServerBody::Remove,
    };
    let page = |n: u64| PullPage {
        changes: (1..=n).map(entry).collect(),
        conflicts: Vec::new(),
        next_cursor: n,
        more: false,
        server_hlc: 0,
    };
    let body = encode(&page(MAX_PAGE_ENTRIES as u64)).unwrap();
    assert_eq!(
        decode::<PullPage>(&body).unwrap().changes.len(),
        MAX_PAGE_ENTRIES
    );
    let body = encode(&page(MAX_PAGE_ENTRIES as u64 + 1)).unwrap();
    assert!(matches!(
        decode::<PullPage>(&body),
        Err(ProtocolError::OverLimit(Limit::PageEntries))
    ));
}

#[test]
fn grouping_never_makes_a_record_over_the_field_cap() {
    // A record with more values than a device takes in one Record (HQ holds what devices
    // pushed): it travels as several, in order, and the page decodes.
    let n = MAX_FIELDS_PER_RECORD as u64 * 2 + 3;
    let values: Vec<ServerChange> = (1..=n)
        .map(|seq| ServerChange {
            server_seq: seq,
            scope: Scope::Individual,
            entity: "KGL-1-01".into(),
            case_no: "KGL-1".into(),
            body: ServerBody::Field {
                field: format!("f{seq}"),
                value: None,
            },
        })
        .collect();
    let grouped = group_records(values);
    let sizes: Vec<usize> = grouped
        .iter()
        .map(|c| match &c.body {
            ServerBody::Record { fields } => fields.len(),
            _ => 0,
        })
        .collect();
    assert_eq!(sizes, vec![MAX_FIELDS_PER_RECORD, MAX_FIELDS_PER_RECORD, 3]);
    let seqs: Vec<u64> = grouped.iter().map(|c| c.server_seq).collect();
    assert_eq!(seqs, vec![64, 128, n]);
    let page = PullPage {
        changes: grouped,
        conflicts: Vec::new(),
        next_cursor: n,
        more: false,
        server_hlc: 0,
    };
    assert_eq!(decode::<PullPage>(&encode(&page).unwrap()).unwrap(), page);
}

#[test]
fn bytes_after_a_valid_message_are_refused() {
    let empty = SyncRequest {
        schema_version: SCHEMA_VERSION,
        after: 0,
        limit: 0,
        changes: Vec::new(),
    };
    let mut raw = postcard::to_stdvec(&empty).unwrap();
    raw.extend_from_slice(b"trailing");
    let body = zstd::bulk::compress(&raw, 3).unwrap();
    let err = decode_request::<SyncRequest>(&body).unwrap_err();
    assert!(matches!(err, ProtocolError::Decode(_)), "{err}");
    assert!(err.to_string().contains("8 bytes follow"), "{err}");
    assert!(decode::<SyncRequest>(&body).is_err());

    // Junk after the compressed frame.
    let mut body = encode(&empty).unwrap();
    body.extend_from_slice(b"junk");
    assert!(decode_request::<SyncRequest>(&body).is_err());
}
