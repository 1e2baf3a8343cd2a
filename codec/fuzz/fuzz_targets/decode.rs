//! Fuzz target `decode`: arbitrary bytes into the whole-packet decoder and the
//! streaming decoder, and every packet either accepts back out through the encoder.
//!
//! Input layout:
//! - byte 0 (`ctl`): `ctl % 3` picks the protocol version (3.1, 3.1.1, 5.0);
//!   `(ctl / 3) % 8` picks how the stream is cut into chunks (0: one chunk,
//!   1: one byte at a time, m >= 2: each chunk is `1 + b % 2^m` bytes long, `b`
//!   being the stream byte where the chunk starts); `(ctl / 24) % 4` picks the
//!   streaming decoder's maximum packet size (none, 2, 16, 128 bytes).
//! - the rest (`stream`): the bytes under test.
//!
//! Checked, beyond "never panics":
//! 1. `Packet::decode(stream)` (exactly one packet) agrees with a reference that
//!    cuts `stream` into frames by their fixed headers and decodes each frame.
//! 2. The streaming `Decoder`, fed `stream` in the chunks above and drained after
//!    every chunk, yields exactly the reference's sequence of packets and error,
//!    and keeps exactly the unfinished tail buffered.
//! 3. Every decoded packet encodes, the bytes decode to the same packet, and
//!    encoding that packet again gives the same bytes. A failed encode leaves the
//!    output buffer as it was.

#![no_main]

use libfuzzer_sys::fuzz_target;
use webmqtt_codec::{Bytes, DecodeError, Decoder, EncodeError, FixedHeader, Packet, ProtocolVersion};

const VERSIONS: [ProtocolVersion; 3] = [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5];
const LIMITS: [Option<usize>; 4] = [None, Some(2), Some(16), Some(128)];

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, stream)) = data.split_first() else { return };
    let version = VERSIONS[usize::from(ctl % 3)];
    let chunking = (ctl / 3) % 8;
    let limit = LIMITS[usize::from((ctl / 24) % 4)];
    let stream = Bytes::copy_from_slice(stream);

    let (frames, tail) = reference_frames(version, &stream, limit);
    check_whole(version, &stream, limit, &frames);
    check_streaming(version, &stream, limit, chunking, &frames, tail);
    for packet in frames.iter().filter_map(|r| r.as_ref().ok()) {
        check_round_trip(version, packet);
    }
});

/// Cuts `stream` into frames by their fixed headers and decodes each one with
/// `Packet::decode`, stopping at the first error. Also returns how many bytes
/// are left over as an unfinished packet (0 after an error).
fn reference_frames(
    version: ProtocolVersion,
    stream: &Bytes,
    limit: Option<usize>,
) -> (Vec<Result<Packet, DecodeError>>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        let header = match FixedHeader::parse(&stream[pos..], &[]) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e));
                return (out, 0);
            }
        };
        if let Some(maximum) = limit {
            if header.packet_len() > maximum {
                out.push(Err(DecodeError::PacketTooLarge { size: header.packet_len(), maximum }));
                return (out, 0);
            }
        }
        if stream.len() - pos < header.packet_len() {
            break;
        }
        let frame = stream.slice(pos..pos + header.packet_len());
        pos += header.packet_len();
        let result = Packet::decode(version, &frame);
        let failed = result.is_err();
        out.push(result);
        if failed {
            return (out, 0);
        }
    }
    (out, stream.len() - pos)
}

/// `Packet::decode` on the whole stream: the first frame's result when that frame
/// is the whole stream, otherwise the framing error.
fn check_whole(version: ProtocolVersion, stream: &Bytes, limit: Option<usize>, frames: &[Result<Packet, DecodeError>]) {
    let whole = Packet::decode(version, stream);
    if let Err(e) = &whole {
        let _ = e.to_string();
    }
    let expected = match FixedHeader::parse(stream, &[]) {
        Err(e) => Err(e),
        Ok(None) => Err(DecodeError::TruncatedFixedHeader),
        Ok(Some(h)) if h.packet_len() != stream.len() => {
            Err(DecodeError::LengthMismatch { declared: h.packet_len(), actual: stream.len() })
        }
        // The whole stream is one frame: the reference decoded exactly these bytes,
        // unless the size limit stopped it first.
        Ok(Some(h)) if limit.is_some_and(|m| h.packet_len() > m) => Packet::decode(version, stream),
        Ok(Some(_)) => frames.first().cloned().expect("a whole frame was decoded"),
    };
    assert_eq!(whole, expected, "Packet::decode on the whole input");
}

fn check_streaming(
    version: ProtocolVersion,
    stream: &Bytes,
    limit: Option<usize>,
    chunking: u8,
    frames: &[Result<Packet, DecodeError>],
    tail: usize,
) {
    let mut decoder = Decoder::new(version);
    if let Some(max) = limit {
        decoder = decoder.with_max_packet_size(max);
    }
    let mut got: Vec<Result<Packet, DecodeError>> = Vec::new();
    let mut pos = 0;
    'feed: while pos < stream.len() {
        let len = match chunking {
            0 => stream.len(),
            1 => 1,
            m => 1 + usize::from(stream[pos]) % (1 << m),
        }
        .min(stream.len() - pos);
        if let Err(e) = decoder.push(&stream[pos..pos + len]) {
            got.push(Err(e));
            break 'feed;
        }
        pos += len;
        loop {
            match decoder.next_packet() {
                Ok(Some(p)) => got.push(Ok(p)),
                Ok(None) => break,
                Err(e) => {
                    got.push(Err(e));
                    break 'feed;
                }
            }
        }
    }
    assert_eq!(got, frames, "streaming decoder vs frame-by-frame decoding");
    match got.last() {
        Some(Err(e)) => {
            // A failed decoder stays failed with the same error.
            assert_eq!(decoder.push(b"\x30\x00").as_ref().err(), Some(e));
            assert_eq!(decoder.next_packet().as_ref().err(), Some(e));
            assert!(decoder.next().is_none());
        }
        _ => assert_eq!(decoder.buffered(), tail, "bytes left buffered"),
    }
}

fn check_round_trip(version: ProtocolVersion, packet: &Packet) {
    // CONNECT names its own version and is written in it.
    let version = match packet {
        Packet::Connect(c) => c.protocol,
        _ => version,
    };
    let mut out = vec![0xA5];
    match packet.encode(version, &mut out) {
        Ok(()) => {}
        Err(e) => {
            assert_eq!(out, [0xA5], "a failed encode changed the buffer");
            // The one deliberate asymmetry: a server must be able to read these
            // CONNECTs to answer "identifier rejected" (3.1 §3.1, [MQTT-3.1.3-8]),
            // but a client must not send them, so the encoder refuses them.
            let allowed = matches!(
                (packet, &e),
                (Packet::Connect(c), EncodeError::EmptyClientIdInV3_1)
                    if c.client_id.is_empty() && version == ProtocolVersion::V3_1
            ) || matches!(
                (packet, &e),
                (Packet::Connect(c), EncodeError::EmptyClientIdWithoutCleanSession)
                    if c.client_id.is_empty() && !c.clean_start && version == ProtocolVersion::V3_1_1
            );
            assert!(allowed, "decoded {packet:?} in {version} but cannot encode it: {e}");
            return;
        }
    }
    let bytes = Bytes::copy_from_slice(&out[1..]);
    let again = Packet::decode(version, &bytes)
        .unwrap_or_else(|e| panic!("{packet:?} encoded in {version} as {bytes:02x?} does not decode: {e}"));
    assert_eq!(&again, packet, "decode(encode(p)) != p for bytes {bytes:02x?}");
    let bytes2 = again.to_bytes(version).expect("re-encoding the re-decoded packet");
    assert_eq!(bytes2, bytes[..], "encoding is not deterministic");
}
