//! JavaScript bindings (cargo feature `js`), built into an npm package by
//! `wasm-pack build codec --target nodejs -- --features js` for the node benchmark
//! (bench/node). They are not the app's interface.
//!
//! `decodePublishes` takes a whole buffer of packets (copied into wasm memory once,
//! then decoded in place). Encoding has two forms:
//! - `encodePublish(topic, payload, …)` returns the packet as a new `Uint8Array`,
//!   through wasm-bindgen's glue (which copies topic and payload into wasm memory
//!   with a `malloc` each). In node the new array alone costs about as much as the
//!   encoding (a typed array above 64 bytes gets its own off-heap store).
//! - `inputBuffer` + `encodePublishFromInput` + `outputPtr`: JS writes topic and
//!   payload into a buffer that stays in wasm memory, the codec encodes from there
//!   into an output buffer that also stays, and JS views the bytes there.
//!   `bench/node/ours.js` wraps them as `encodePublishInPlace(topic, payload, …)`.

use core::cell::RefCell;
use core::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use wasm_bindgen::prelude::*;

use crate::packet::PublishParts;
use crate::{validate_topic_name, FixedHeader, Packet, Properties, ProtocolVersion, Publish, QoS};

/// Topic plus payload bytes of the PUBLISH packets of the last `decodePublishes`.
static LAST_LENGTH_SUM: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Where JS writes the topic and payload for `encodePublishFromInput`.
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// What `encodePublishFromInput` wrote last; reused from call to call.
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Why `encodePublishFromInput` last returned 0.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Errors are strings here: the functions that throw make a `JsError` of them, and
/// `encodePublishFromInput` keeps them for `lastError()`.
fn version(level: u8) -> Result<ProtocolVersion, String> {
    match level {
        3 => Ok(ProtocolVersion::V3_1),
        4 => Ok(ProtocolVersion::V3_1_1),
        5 => Ok(ProtocolVersion::V5),
        _ => Err("version is the protocol level: 3 (3.1), 4 (3.1.1) or 5 (5.0)".to_owned()),
    }
}

/// Decodes every packet in `bytes` (whole packets back to back) and returns how
/// many there were. The topic and payload lengths of the PUBLISH packets are
/// summed into `lastLengthSum()`. Throws on a malformed or incomplete packet.
#[wasm_bindgen(js_name = decodePublishes)]
pub fn decode_publishes(bytes: Vec<u8>, version_level: u8) -> Result<u32, JsError> {
    let version = version(version_level).map_err(|e| JsError::new(&e))?;
    let buf = Bytes::from(bytes);
    let (mut count, mut sum, mut pos) = (0u32, 0u64, 0usize);
    while pos < buf.len() {
        let header = FixedHeader::parse(&buf[pos..], &[])
            .map_err(|e| JsError::new(&e.to_string()))?
            .ok_or_else(|| JsError::new("the buffer ends inside a fixed header"))?;
        let end = pos + header.packet_len();
        if end > buf.len() {
            return Err(JsError::new("the buffer ends inside a packet"));
        }
        let packet = Packet::decode(version, &buf.slice(pos..end)).map_err(|e| JsError::new(&e.to_string()))?;
        if let Packet::Publish(p) = &packet {
            sum += (p.topic.len() + p.payload.len()) as u64;
        }
        count += 1;
        pos = end;
    }
    LAST_LENGTH_SUM.store(sum, Ordering::Relaxed);
    Ok(count)
}

/// Topic plus payload bytes of the PUBLISH packets the last `decodePublishes` decoded.
#[wasm_bindgen(js_name = lastLengthSum)]
pub fn last_length_sum() -> f64 {
    LAST_LENGTH_SUM.load(Ordering::Relaxed) as f64
}

/// One PUBLISH packet's bytes, in a new array. `packet_id` is ignored for QoS 0.
#[wasm_bindgen(js_name = encodePublish)]
pub fn encode_publish(
    topic: String,
    payload: Vec<u8>,
    qos: u8,
    packet_id: u16,
    retain: bool,
    dup: bool,
    version_level: u8,
) -> Result<Vec<u8>, JsError> {
    let version = version(version_level).map_err(|e| JsError::new(&e))?;
    let qos = QoS::from_u8(qos).ok_or_else(|| JsError::new("qos is 0, 1 or 2"))?;
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { packet_id };
    let packet = Packet::Publish(Publish {
        dup,
        qos,
        retain,
        topic: topic.into(),
        packet_id,
        payload: Bytes::from(payload),
        ..Publish::default()
    });
    let mut out = Vec::new();
    packet.encode(version, &mut out).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(out)
}

/// Makes the input buffer `capacity` bytes long and returns where it starts in
/// `wasmMemory()`; it stays there until the next call. JS writes a PUBLISH's topic
/// (UTF-8) and payload there, back to back, for `encodePublishFromInput`.
#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(capacity: u32) -> u32 {
    INPUT.with(|input| {
        let mut input = input.borrow_mut();
        input.resize(capacity as usize, 0);
        input.as_ptr() as usize as u32
    })
}

/// Encodes one PUBLISH whose topic (`topic_len` bytes) and payload (`payload_len`
/// bytes) JS has written back to back at `inputBuffer()`, into the output buffer,
/// and returns its length: the bytes are at `outputPtr()` in `wasmMemory()` until
/// the next call. `packet_id` is ignored for QoS 0.
///
/// Nothing is allocated per call: the encoder reads the topic and payload where JS
/// wrote them (wasm-bindgen's own glue would `malloc` a copy of each for every
/// call, and Rust would free both after). Returns 0 (no packet is 0 bytes long)
/// when the packet cannot be encoded; `lastError()` then says why. Not a `Result`:
/// wasm-bindgen returns a `Result` through a JS array made for every call.
#[wasm_bindgen(js_name = encodePublishFromInput)]
pub fn encode_publish_from_input(
    topic_len: u32,
    payload_len: u32,
    qos: u8,
    packet_id: u16,
    retain: bool,
    dup: bool,
    version_level: u8,
) -> u32 {
    let encoded = INPUT.with(|input| {
        let input = input.borrow();
        let (topic, rest) =
            input.split_at_checked(topic_len as usize).ok_or_else(|| "topic_len runs past the input buffer".to_owned())?;
        let payload =
            rest.get(..payload_len as usize).ok_or_else(|| "payload_len runs past the input buffer".to_owned())?;
        let topic = core::str::from_utf8(topic).map_err(|_| "the topic is not UTF-8".to_owned())?;
        let version = version(version_level)?;
        let qos = QoS::from_u8(qos).ok_or_else(|| "qos is 0, 1 or 2".to_owned())?;
        let properties = Properties::new();
        let parts = PublishParts {
            dup,
            qos,
            retain,
            topic,
            topic_check: validate_topic_name(topic),
            // The topic is followed by the payload in the input buffer.
            topic_inline: input.first_chunk(),
            packet_id: if qos == QoS::AtMostOnce { 0 } else { packet_id },
            properties: &properties,
            payload,
        };
        OUTPUT.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            parts.encode(version, &mut out).map_err(|e| e.to_string())?;
            Ok(out.len() as u32)
        })
    });
    encoded.unwrap_or_else(|message: String| {
        LAST_ERROR.with(|last| *last.borrow_mut() = message);
        0
    })
}

/// Why the last `encodePublishFromInput` that returned 0 could not encode its packet.
#[wasm_bindgen(js_name = lastError)]
pub fn last_error() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Where the bytes of the last `encodePublishFromInput` start in `wasmMemory()`.
#[wasm_bindgen(js_name = outputPtr)]
pub fn output_ptr() -> u32 {
    OUTPUT.with(|out| out.borrow().as_ptr() as usize as u32)
}

/// The module's `WebAssembly.Memory`.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}
