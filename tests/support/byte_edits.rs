//! Damaged files for the bad-input property tests: a valid file with bits flipped, bytes
//! inserted or deleted, or a run overwritten, with the bytes its format finds hardest
//! (each test names them). Included by path (`#[path]`) by the crates' `tests/bad_input.rs`.

use proptest::prelude::*;

/// One edit of a byte string: flip a bit, insert a byte, delete a byte, or overwrite a run.
#[derive(Debug, Clone)]
pub enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Overwrite(usize, Vec<u8>),
}

/// Edits whose inserted and written bytes come from `byte()`.
pub fn edit<S: Strategy<Value = u8> + 'static>(byte: fn() -> S) -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip(at, bit)),
        (any::<usize>(), byte()).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), proptest::collection::vec(byte(), 1..9))
            .prop_map(|(at, run)| Edit::Overwrite(at, run)),
    ]
}

/// `bytes` with `edits` made in turn (positions wrap around the length).
pub fn mutate(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len();
        match e {
            Edit::Flip(at, bit) if len > 0 => bytes[at % len] ^= 1 << bit,
            Edit::Insert(at, b) => bytes.insert(at % (len + 1), *b),
            Edit::Delete(at) if len > 0 => {
                bytes.remove(at % len);
            }
            Edit::Overwrite(at, run) if len > 0 => {
                for (i, b) in run.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut((at + i) % len) {
                        *slot = *b;
                    }
                }
            }
            _ => {}
        }
    }
    bytes
}
