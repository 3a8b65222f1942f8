//! How bulk bodies travel: postcard compressed with zstd, decoded with bounded memory, after a
//! check of the schema version; and how many bytes a push costs.

use std::cell::RefCell;
use std::io::Read;

use serde::{Serialize, de::DeserializeOwned};

use crate::changes::{ChangeBody, PushRequest};
use crate::limits::{self, Limit};
use crate::{MAX_DECODED_BYTES, MIN_SCHEMA_VERSION, SCHEMA_VERSION};

/// The zstd level bulk bodies are compressed with: zstd's default. Level 9 saved 1.5 bytes
/// per pulled change (4.3 against 5.8, both far under the 40-byte budget) for several times
/// the CPU, which the server pays for every device at once (BENCHMARKS.md, "Sync").
const ZSTD_LEVEL: i32 = 3;

/// What can go wrong encoding or decoding a bulk body.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the message could not be encoded: {0}")]
    Encode(String),
    #[error(
        "the message is not a valid Waypoint batch (it may be damaged or from another program): {0}"
    )]
    Decode(String),
    #[error("the message is larger than {MAX_DECODED_BYTES} bytes once decompressed")]
    TooLarge,
    /// A count or a length over one of the protocol's caps ([`Limit`]).
    #[error("the message holds more than this protocol allows ({0})")]
    OverLimit(Limit),
    #[error(
        "this device speaks sync schema version {got}, which this server does not accept \
         (it accepts {MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}); {}",
        if *.got < MIN_SCHEMA_VERSION {
            "please update Waypoint on this device: its unsynced changes stay safe until then"
        } else {
            "the server is older than this device: ask HQ to update the server"
        }
    )]
    UnsupportedSchema { got: u32 },
}

/// Whether the server accepts this schema version (the current and the previous one).
pub fn schema_supported(version: u32) -> bool {
    (MIN_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&version)
}

thread_local! {
    // One zstd context per thread, reused: a fresh level-9 context is megabytes of tables that
    // the kernel zeroes at every call, which was most of the CPU of 50 devices syncing at once.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Encodes a bulk body: postcard, then zstd (the frame records its decoded size).
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    let raw = postcard::to_stdvec(message).map_err(|e| ProtocolError::Encode(e.to_string()))?;
    let failed = |e: std::io::Error| ProtocolError::Encode(e.to_string());
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match slot.as_mut() {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(failed)?),
        };
        compressor.compress(&raw).map_err(failed)
    })
}

/// The largest window a bulk body's frame may ask the streaming decoder for (2^23 = 8 MiB):
/// `encode` never needs more than 2 MiB, and zstd sets the window aside before decoding.
const MAX_WINDOW_LOG: u32 = 23;

/// How much a body of `len` bytes may say it decodes to and still be decoded in one go: the
/// one-go path reserves the whole size first, so a few bytes claiming 100 MiB (or a frame cut
/// short) take the streaming path, which grows only with what really comes out.
fn plausible_size(len: usize) -> u64 {
    (len as u64).saturating_mul(64).max(1024 * 1024)
}

/// Decompresses a bulk body, refusing more than [`MAX_DECODED_BYTES`].
fn decompress(body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    // Frames made by `encode` say how big they decode: check that, then decode in one go on
    // this thread's context. Anything else takes the bounded streaming path below.
    if let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(body) {
        if size > MAX_DECODED_BYTES as u64 {
            return Err(ProtocolError::TooLarge);
        }
        let one_whole_frame = zstd::zstd_safe::find_frame_compressed_size(body) == Ok(body.len());
        if !one_whole_frame || size > plausible_size(body.len()) {
            return decompress_streaming(body);
        }
        let failed = |e: std::io::Error| ProtocolError::Decode(e.to_string());
        return DECOMPRESSOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            let decompressor = match slot.as_mut() {
                Some(d) => d,
                None => slot.insert(zstd::bulk::Decompressor::new().map_err(failed)?),
            };
            // Room for what the frame says it holds, not for the limit: a small body must not
            // reserve the largest buffer. A frame holding more than it says is damaged.
            decompressor
                .decompress(body, usize::try_from(size).unwrap_or(MAX_DECODED_BYTES))
                .map_err(|e| ProtocolError::Decode(e.to_string()))
        });
    }
    decompress_streaming(body)
}

fn decompress_streaming(body: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let mut decoder = zstd::stream::read::Decoder::with_buffer(body)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    decoder
        .window_log_max(MAX_WINDOW_LOG)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    let mut raw = Vec::new();
    decoder
        .take(MAX_DECODED_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if raw.len() > MAX_DECODED_BYTES {
        return Err(ProtocolError::TooLarge);
    }
    Ok(raw)
}

/// Decodes postcard that must hold exactly one `T`, within the caps of [`limits`].
fn from_postcard<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ProtocolError> {
    limits::reset();
    let (message, rest) = postcard::take_from_bytes(raw).map_err(|e| {
        limits::exceeded().map_or_else(
            || ProtocolError::Decode(e.to_string()),
            ProtocolError::OverLimit,
        )
    })?;
    if !rest.is_empty() {
        return Err(ProtocolError::Decode(format!(
            "{} bytes follow the end of the message",
            rest.len()
        )));
    }
    Ok(message)
}

/// Decodes a bulk body made by [`encode`]: nothing may follow the message, and no count or
/// length may pass the protocol's caps ([`ProtocolError::OverLimit`]).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProtocolError> {
    let raw = decompress(body)?;
    from_postcard(&raw)
}

/// Decodes a request body whose first field is its schema version ([`PushRequest`],
/// [`crate::SyncRequest`]), checking the version before the rest, so that a device of another
/// version gets [`ProtocolError::UnsupportedSchema`] rather than a decoding error.
pub fn decode_request<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProtocolError> {
    let raw = decompress(body)?;
    let (version, _) =
        postcard::take_from_bytes::<u32>(&raw).map_err(|e| ProtocolError::Decode(e.to_string()))?;
    if !schema_supported(version) {
        return Err(ProtocolError::UnsupportedSchema { got: version });
    }
    from_postcard(&raw)
}

/// How big a batch is on the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WireStats {
    /// Field changes in the batch: one per `Field`, one per field of a `Create`, one per `Event`.
    pub field_changes: usize,
    /// Postcard bytes before compression.
    pub raw_bytes: usize,
    /// Bytes on the wire (the HTTP body).
    pub encoded_bytes: usize,
}

impl WireStats {
    /// Bytes on the wire per field change (compare with [`crate::BYTES_PER_CHANGE_BUDGET`]).
    pub fn bytes_per_change(&self) -> f64 {
        if self.field_changes == 0 {
            return self.encoded_bytes as f64;
        }
        self.encoded_bytes as f64 / self.field_changes as f64
    }
}

/// Measures a push batch as it would travel.
pub fn measure(request: &PushRequest) -> Result<WireStats, ProtocolError> {
    let raw = postcard::to_stdvec(request).map_err(|e| ProtocolError::Encode(e.to_string()))?;
    let encoded = encode(request)?;
    let field_changes = request
        .changes
        .iter()
        .map(|c| match &c.body {
            ChangeBody::Create { fields, .. } => fields.len().max(1),
            ChangeBody::Field { .. } | ChangeBody::Event { .. } => 1,
        })
        .sum();
    Ok(WireStats {
        field_changes,
        raw_bytes: raw.len(),
        encoded_bytes: encoded.len(),
    })
}
