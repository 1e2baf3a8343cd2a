//! JavaScript bindings (cargo feature `js`), built into an npm package by
//! `wasm-pack build codec --target nodejs -- --features js` for the node benchmark
//! (bench/node). They are not the app's interface.
//!
//! Each call crosses the JS/wasm boundary once: `decodePublishes` takes a whole
//! buffer of packets (copied into wasm memory once, then decoded in place).
//! `encodePublish` returns one packet's bytes as a new `Uint8Array`; in node that
//! allocation alone costs about as much as the encoding (a typed array above 64
//! bytes gets its own off-heap store), so `encodePublishInPlace` writes into a
//! buffer that stays in wasm memory and returns its length: read the bytes with
//! `new Uint8Array(wasmMemory().buffer, outputPtr(), length)` before the next call.
//! Topic and payload are taken by value: the JS glue copies them into wasm memory
//! anyway, and the packet then owns those copies instead of copying them again.

use core::cell::RefCell;
use core::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use wasm_bindgen::prelude::*;

use crate::{FixedHeader, Packet, ProtocolVersion, Publish, QoS};

/// Topic plus payload bytes of the PUBLISH packets of the last `decodePublishes`.
static LAST_LENGTH_SUM: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// What `encodePublishInPlace` wrote last; reused from call to call.
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Why `encodePublishInPlace` last returned 0.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Errors are strings here: the functions that throw make a `JsError` of them, and
/// `encodePublishInPlace` keeps them for `lastError()`.
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

fn publish(
    topic: String,
    payload: Vec<u8>,
    qos: u8,
    packet_id: u16,
    retain: bool,
    dup: bool,
) -> Result<Packet, String> {
    let qos = QoS::from_u8(qos).ok_or("qos is 0, 1 or 2")?;
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { packet_id };
    Ok(Packet::Publish(Publish {
        dup,
        qos,
        retain,
        topic: topic.into(),
        packet_id,
        payload: Bytes::from(payload),
        ..Publish::default()
    }))
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
    let packet = publish(topic, payload, qos, packet_id, retain, dup).map_err(|e| JsError::new(&e))?;
    let mut out = Vec::new();
    packet.encode(version, &mut out).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(out)
}

/// Encodes one PUBLISH into the module's output buffer and returns its length. The
/// bytes are at `outputPtr()` in `wasmMemory()` until the next call.
///
/// Returns 0 (no packet is 0 bytes long) when the packet cannot be encoded;
/// `lastError()` then says why. Not a `Result`: wasm-bindgen returns a `Result`
/// through a JS array made for every call, which cost this hot path ~10%.
#[wasm_bindgen(js_name = encodePublishInPlace)]
pub fn encode_publish_in_place(
    topic: String,
    payload: Vec<u8>,
    qos: u8,
    packet_id: u16,
    retain: bool,
    dup: bool,
    version_level: u8,
) -> u32 {
    let encoded = version(version_level).and_then(|version| {
        let packet = publish(topic, payload, qos, packet_id, retain, dup)?;
        OUTPUT.with(|out| {
            let mut out = out.borrow_mut();
            out.clear();
            packet.encode(version, &mut out).map_err(|e| e.to_string())?;
            Ok(out.len() as u32)
        })
    });
    encoded.unwrap_or_else(|message| {
        LAST_ERROR.with(|last| *last.borrow_mut() = message);
        0
    })
}

/// Why the last `encodePublishInPlace` that returned 0 could not encode its packet.
#[wasm_bindgen(js_name = lastError)]
pub fn last_error() -> String {
    LAST_ERROR.with(|last| last.borrow().clone())
}

/// Where the bytes of the last `encodePublishInPlace` start in `wasmMemory()`.
#[wasm_bindgen(js_name = outputPtr)]
pub fn output_ptr() -> u32 {
    OUTPUT.with(|out| out.borrow().as_ptr() as usize as u32)
}

/// The module's `WebAssembly.Memory`.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}
