#![allow(clippy::unwrap_used)]

use serde::Serialize;
use waypoint_domain::{Field, FieldScope};

use super::*;

/// A small deterministic generator (xorshift), so the batch is the same in every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FAMILY: &[&str] = &[
    "Haddad",
    "Nguyen",
    "Mohammed",
    "Abdullahi",
    "Karimi",
    "Osman",
    "Hakimi",
    "Tesfaye",
    "Mahmoud",
    "Rahimi",
    "Yusuf",
    "Hussein",
    "Ahmadi",
    "Kebede",
    "Said",
    "Jama",
];
const GIVEN: &[&str] = &[
    "Amina", "Fatima", "Omar", "Yonas", "Leyla", "Ali", "Mariam", "Hamid", "Sara", "Abdi",
    "Khadija", "Ibrahim", "Zainab", "Mustafa", "Nour", "Hassan",
];

/// A realistic field edit of an existing individual or case: what staff change during a
/// working day (phones, documents, special needs, names being corrected), by obviously fake
/// people, with case numbers from a few sites and realistic sequence numbers and clocks.
fn realistic_batch(n: usize) -> PushRequest {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let editable: Vec<Field> = Field::ALL
        .iter()
        .copied()
        .filter(|f| !matches!(f, Field::CaseNo | Field::IndividualNo | Field::Site))
        .collect();
    let mut hlc_now = hlc::from_parts(1_767_000_000_000, 0);
    let mut changes = Vec::with_capacity(n);
    for i in 0..n {
        let site = rng.pick(&["BKK", "AMM", "NBO", "KRT"]);
        let case_no = format!("{site}-2025-{:06}", rng.below(40_000));
        let field = editable[rng.below(editable.len() as u64) as usize];
        let (scope, entity) = match field.scope() {
            FieldScope::Case => (Scope::Case, case_no.clone()),
            FieldScope::Individual => (
                Scope::Individual,
                format!("{case_no}-{:02}", 1 + rng.below(6)),
            ),
        };
        let value = match field {
            Field::FamilyName | Field::FamilyNameNative => Some(rng.pick(FAMILY).to_string()),
            Field::GivenNames | Field::GivenNamesNative => {
                Some(format!("{} {}", rng.pick(GIVEN), rng.pick(GIVEN)))
            }
            Field::DateOfBirth => Some(format!(
                "{}-{:02}-{:02}",
                1950 + rng.below(70),
                1 + rng.below(12),
                1 + rng.below(28)
            )),
            Field::Phone => Some(format!("+2547{:08}", rng.below(100_000_000))),
            Field::DocumentNo => Some(format!("P{:08}", rng.below(100_000_000))),
            Field::Nationality | Field::DocumentIssuer => Some(
                rng.pick(&["SYR", "AFG", "SOM", "ETH", "SDN", "ERI"])
                    .to_string(),
            ),
            Field::SsrCodes => Some(rng.pick(&["WCHR", "WCHS;MEDA", "BLND", "DEAF"]).to_string()),
            Field::SpecialNeedsNotes => Some(
                rng.pick(&[
                    "Needs assistance with stairs",
                    "Travels with oxygen concentrator",
                    "Insulin kept cool",
                ])
                .to_string(),
            ),
            Field::Sex => Some(rng.pick(&["F", "M"]).to_string()),
            Field::DocumentExpiry => {
                Some(format!("20{}-0{}-15", 26 + rng.below(8), 1 + rng.below(9)))
            }
            _ if rng.below(5) == 0 => None,
            _ => Some(
                rng.pick(&["yes", "AU", "ar;en", "pending", "RST"])
                    .to_string(),
            ),
        };
        hlc_now = hlc_now.max(hlc::from_parts(
            hlc::physical_ms(hlc_now) + rng.below(20_000),
            0,
        )) + 1;
        changes.push(Change {
            client_seq: 10_000 + i as u64,
            hlc: hlc_now,
            scope,
            entity,
            body: ChangeBody::Field {
                case_no,
                field: field.column().to_string(),
                value,
                base_seq: if rng.below(4) == 0 {
                    0
                } else {
                    1 + rng.below(2_000_000)
                },
                resolves: None,
            },
        });
    }
    PushRequest {
        schema_version: SCHEMA_VERSION,
        changes,
    }
}

#[test]
fn ten_thousand_realistic_field_changes_fit_the_wire_budget() {
    let batch = realistic_batch(10_000);
    let stats = measure(&batch).unwrap();
    assert_eq!(stats.field_changes, 10_000);
    assert!(stats.encoded_bytes < stats.raw_bytes, "{stats:?}");
    let per_change = stats.bytes_per_change();
    println!(
        "{} changes: {} raw bytes, {} on the wire, {per_change:.1} bytes per change",
        stats.field_changes, stats.raw_bytes, stats.encoded_bytes
    );
    assert!(
        per_change < BYTES_PER_CHANGE_BUDGET,
        "{per_change:.1} bytes per field change is over the budget of {BYTES_PER_CHANGE_BUDGET}"
    );
}

#[test]
fn bulk_bodies_round_trip() {
    let push = realistic_batch(50);
    assert_eq!(
        decode::<PushRequest>(&encode(&push).unwrap()).unwrap(),
        push
    );

    let page = PullPage {
        changes: vec![
            ServerChange {
                server_seq: 7,
                scope: Scope::Individual,
                entity: "BKK-1-01".into(),
                case_no: "BKK-1".into(),
                body: ServerBody::Field {
                    field: "phone".into(),
                    value: None,
                },
            },
            ServerChange {
                server_seq: 9,
                scope: Scope::Case,
                entity: "BKK-2".into(),
                case_no: "BKK-2".into(),
                body: ServerBody::Remove,
            },
        ],
        conflicts: vec![Conflict {
            id: 8,
            server_seq: 8,
            scope: Scope::Individual,
            entity: "BKK-1-01".into(),
            case_no: "BKK-1".into(),
            field: "family_name".into(),
            winner: Some("A".into()),
            loser: Some("B".into()),
            winner_device: "laptop-1".into(),
            loser_device: "laptop-2".into(),
            resolved: false,
        }],
        next_cursor: 9,
        more: false,
        server_hlc: hlc::from_parts(5, 1),
    };
    assert_eq!(decode::<PullPage>(&encode(&page).unwrap()).unwrap(), page);
}

#[test]
fn a_no_op_sync_is_tiny() {
    let request = SyncRequest {
        schema_version: SCHEMA_VERSION,
        after: 123_456_789,
        limit: 0,
        changes: vec![],
    };
    let body = encode(&request).unwrap();
    assert!(body.len() < 32, "{} bytes", body.len());
    assert_eq!(decode_request::<SyncRequest>(&body).unwrap(), request);
}

#[test]
fn unsupported_schema_versions_are_named_before_decoding_the_rest() {
    // A future device's body need not decode with today's types: the version is read first.
    #[derive(Serialize)]
    struct Future {
        schema_version: u32,
        something_else: (u8, String),
    }
    for (version, hint) in [
        (0, "update Waypoint on this device"),
        (SCHEMA_VERSION + 1, "update the server"),
    ] {
        let body = encode(&Future {
            schema_version: version,
            something_else: (1, "x".into()),
        })
        .unwrap();
        let err = decode_request::<PushRequest>(&body).unwrap_err();
        assert!(matches!(err, ProtocolError::UnsupportedSchema { got } if got == version));
        assert!(err.to_string().contains(hint), "{err}");
    }
    assert!(schema_supported(SCHEMA_VERSION));
}

#[test]
fn garbage_and_bombs_are_errors_not_panics() {
    assert!(matches!(
        decode::<PushRequest>(b"not zstd at all"),
        Err(ProtocolError::Decode(_))
    ));
    // Valid zstd, but not a PushRequest.
    let body = zstd::bulk::compress(&[0xff; 64], 3).unwrap();
    assert!(matches!(
        decode::<PushRequest>(&body),
        Err(ProtocolError::Decode(_))
    ));
    // Compresses to almost nothing, but would decompress past the limit.
    let bomb = zstd::bulk::compress(&vec![0u8; MAX_DECODED_BYTES + 10], 1).unwrap();
    assert!(bomb.len() < MAX_BODY_BYTES);
    assert!(matches!(
        decode::<PushRequest>(&bomb),
        Err(ProtocolError::TooLarge)
    ));
}

#[test]
fn clamping_keeps_past_and_near_future_timestamps_and_caps_the_rest() {
    let now = 1_767_000_000_000;
    let near = hlc::from_parts(now + 60_000, 3);
    assert_eq!(hlc::clamp(near, now), near);
    let month_ahead = hlc::from_parts(now + 30 * 24 * 3_600_000, 0);
    let clamped = hlc::clamp(month_ahead, now);
    assert_eq!(hlc::physical_ms(clamped), now + HLC_FUTURE_TOLERANCE_MS);
    let past = hlc::from_parts(now - 1_000, 0);
    assert_eq!(hlc::clamp(past, now), past);
}

fn field(seq: u64, scope: Scope, entity: &str, name: &str, value: &str) -> ServerChange {
    ServerChange {
        server_seq: seq,
        scope,
        entity: entity.into(),
        case_no: "BKK-1".into(),
        body: ServerBody::Field {
            field: name.into(),
            value: Some(value.into()),
        },
    }
}

#[test]
fn grouping_makes_one_record_per_run_and_keeps_the_order() {
    let remove = ServerChange {
        server_seq: 5,
        scope: Scope::Case,
        entity: "BKK-2".into(),
        case_no: "BKK-2".into(),
        body: ServerBody::Remove,
    };
    let v1 = vec![
        field(1, Scope::Case, "BKK-1", "site", "KGL-TC1"),
        field(
            2,
            Scope::Individual,
            "BKK-1-01",
            "family_name",
            "TESTPERSON",
        ),
        field(3, Scope::Individual, "BKK-1-01", "given_names", "ALPHA"),
        field(4, Scope::Individual, "BKK-1-02", "given_names", "BETA"),
        remove.clone(),
        field(6, Scope::Individual, "BKK-1-01", "phone", "+1 555 0100"),
    ];
    let v2 = group_records(v1);
    let summary: Vec<(u64, &str, usize)> = v2
        .iter()
        .map(|c| match &c.body {
            ServerBody::Record { fields } => (c.server_seq, c.entity.as_str(), fields.len()),
            _ => (c.server_seq, c.entity.as_str(), 0),
        })
        .collect();
    // The same individual after a removal is a new run: the order of effects is kept.
    assert_eq!(
        summary,
        vec![
            (1, "BKK-1", 1),
            (3, "BKK-1-01", 2),
            (4, "BKK-1-02", 1),
            (5, "BKK-2", 0),
            (6, "BKK-1-01", 1)
        ]
    );
    assert_eq!(v2[3], remove);
    let ServerBody::Record { fields } = &v2[1].body else {
        panic!("not a record: {:?}", v2[1]);
    };
    assert_eq!(
        fields,
        &vec![
            ("family_name".to_string(), Some("TESTPERSON".to_string())),
            ("given_names".to_string(), Some("ALPHA".to_string())),
        ]
    );
}

#[test]
fn a_version_one_page_decodes_the_same_after_the_record_variant_was_added() {
    // Version-1 devices know Field, Event and Remove as variants 0, 1 and 2: Record must come
    // after them, or a version-1 page would decode into the wrong variant.
    let page = encode(&field(1, Scope::Case, "BKK-1", "site", "KGL-TC1")).unwrap();
    let raw = zstd::bulk::decompress(&page, 1 << 16).unwrap();
    // server_seq (varint 1), scope (varint 0 = Case), then the entity and case number
    // strings, then the body's variant index.
    let body_at = 1 + 1 + (1 + "BKK-1".len()) + (1 + "BKK-1".len());
    assert_eq!(raw[body_at], 0, "Field is variant 0");
    let record = ServerBody::Record { fields: vec![] };
    assert_eq!(postcard::to_stdvec(&record).unwrap()[0], 3);
}

#[test]
fn a_directory_digest_ignores_order_and_case_of_names_and_sees_every_change() {
    let entry = |name: &str, role: &str, disabled: bool| StaffEntry {
        name: name.into(),
        role: role.into(),
        site: "KGL-TC1".into(),
        disabled,
    };
    let a = StaffDirectory {
        staff: vec![
            entry("Amina Field", "field_assistant", false),
            entry("Bo Super", "supervisor", false),
        ],
        policy: SitePolicy::default(),
    };
    let b = StaffDirectory {
        staff: vec![
            entry("bo super", "supervisor", false),
            entry("AMINA FIELD", "field_assistant", false),
        ],
        policy: SitePolicy::default(),
    };
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.digest().len(), 32);
    let mut disabled = a.clone();
    disabled.staff[0].disabled = true;
    let mut role = a.clone();
    role.staff[0].role = "supervisor".into();
    let mut policy = a.clone();
    policy.policy.lease_days = 7;
    let mut fewer = a.clone();
    fewer.staff.pop();
    for other in [disabled, role, policy, fewer] {
        assert_ne!(a.digest(), other.digest(), "{other:?}");
    }
    assert_ne!(StaffDirectory::default().digest(), a.digest());
}

#[test]
fn a_sign_in_request_never_shows_its_pin() {
    let request = SignInRequest {
        name: "Amina".into(),
        pin: "918273".into(),
    };
    assert!(!format!("{request:?}").contains("918273"));
}
