//! Robustness of the decoders: no input makes them panic, and the streaming
//! [`Decoder`] does not depend on how the bytes are cut into chunks.
//!
//! * random bytes, random frames (a first byte and a body behind a correct Remaining
//!   Length) and mutated valid packets (bits flipped, bytes inserted, deleted or
//!   overwritten) go through `Packet::decode` and through the `Decoder`, in every
//!   version; whatever either accepts must be encodable again and decode to the same
//!   packet, and on a single frame both must give the same result;
//! * a stream of valid packets cut at random gives exactly the packets, in order,
//!   that decoding each one whole gives (and with a maximum packet size, those
//!   before the first larger packet, then `PacketTooLarge`);
//! * random bytes (with a valid prefix) cut at random give the same packets, then
//!   the same error or the same need-for-more, as the whole buffer pushed at once;
//!   after an error the decoder keeps returning it;
//! * every single-byte substitution of a set of short valid packets, exhaustively.
//!
//! The valid-packet strategies are those of `common/mod.rs`, shared with `roundtrip.rs`
//! and `differential.rs`.
//!
//! Cases per property: 1000 by default (500 for the stream properties), `PROPTEST_CASES` overrides.

mod common;

use common::{config, packet, version};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use webmqtt_codec::{
    Bytes, ConnAck, Connect, DecodeError, Decoder, EncodeError, Packet, Properties, Property, ProtocolVersion, Publish,
    QoS, Subscribe, SubscribeFilter, Will,
};

use ProtocolVersion::{V3_1, V3_1_1, V5};

// ---------------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------------

/// Encodes a packet valid in `v` (a CONNECT is written in the version it names, which
/// `connect(v)` makes `v`).
fn encode(v: ProtocolVersion, p: &Packet) -> Vec<u8> {
    p.to_bytes(v).unwrap_or_else(|e| panic!("{v}: valid packet refused: {e}: {p:?}"))
}

fn encoded_packet() -> impl Strategy<Value = (ProtocolVersion, Vec<u8>)> {
    version().prop_flat_map(|v| packet(v).prop_map(move |p| (v, encode(v, &p))))
}

/// The Remaining Length as §2.2.3 writes it.
fn remaining_length(mut len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if len == 0 {
            return out;
        }
    }
}

/// A first byte and a body behind a correct Remaining Length: one whole frame, so the
/// body parsers see it. The first byte is often a valid type with valid flags.
fn random_frame() -> impl Strategy<Value = Vec<u8>> {
    let first = prop_oneof![
        1 => any::<u8>(),
        3 => proptest::sample::select(
            &[0x10u8, 0x20, 0x30, 0x32, 0x34, 0x3B, 0x40, 0x50, 0x62, 0x70, 0x82, 0x90, 0xA2, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0][..]
        ),
    ];
    (first, vec(any::<u8>(), 0..300)).prop_map(|(first, body)| {
        let mut frame = vec![first];
        frame.extend(remaining_length(body.len()));
        frame.extend(body);
        frame
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, u8),
    Delete(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        // One bit more often than several: boundaries sit on single bits (flags, QoS).
        2 => (any::<Index>(), 0u32..8).prop_map(|(i, bit)| Mutation::Flip(i, 1 << bit)),
        1 => (any::<Index>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<Index>(), proptest::sample::select(&[0x00u8, 0x01, 0x02, 0x7F, 0x80, 0xFF][..]))
            .prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<Index>().prop_map(Mutation::Delete),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutations: &[Mutation]) {
    for m in mutations {
        if bytes.is_empty() {
            if let Mutation::Insert(_, b) = m {
                bytes.push(*b);
            }
            continue;
        }
        match *m {
            Mutation::Flip(ref i, mask) => {
                let at = i.index(bytes.len());
                bytes[at] ^= mask;
            }
            Mutation::Set(ref i, b) => {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
            Mutation::Insert(ref i, b) => {
                let at = i.index(bytes.len() + 1);
                bytes.insert(at, b);
            }
            Mutation::Delete(ref i) => {
                bytes.remove(i.index(bytes.len()));
            }
        }
    }
}

/// Splits `data` into chunks of the given sizes, cycling through them; a size of 0
/// pushes an empty chunk. Sizes that are all 0 push the whole after one empty chunk.
fn chunks<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    if sizes.iter().all(|&s| s == 0) {
        out.push(&rest[..0]);
        out.push(rest);
        return out;
    }
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(prop_oneof![1 => Just(0usize), 6 => 1usize..8, 3 => 8usize..64, 1 => 64usize..2048], 1..24)
}

// ---------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------

/// How a stream ended: waiting for more bytes, or failed.
#[derive(Debug, Clone, PartialEq)]
enum End {
    NeedMore { buffered: usize },
    Failed(DecodeError),
}

/// Pushes the chunks one by one, taking every whole packet after each; after an
/// error, checks that the decoder keeps failing with it.
fn drive(v: ProtocolVersion, max: Option<usize>, chunks: &[&[u8]]) -> Result<(Vec<Packet>, End), TestCaseError> {
    let mut decoder = Decoder::new(v);
    if let Some(max) = max {
        decoder = decoder.with_max_packet_size(max);
    }
    let mut packets = Vec::new();
    for chunk in chunks {
        let mut result = decoder.push(chunk);
        while result.is_ok() {
            match decoder.next_packet() {
                Ok(Some(p)) => packets.push(p),
                Ok(None) => break,
                Err(e) => result = Err(e),
            }
        }
        if let Err(e) = result {
            prop_assert_eq!(decoder.push(&[0x00, 0x00]), Err(e.clone()), "push after an error");
            prop_assert_eq!(decoder.next_packet(), Err(e.clone()), "next_packet after an error");
            prop_assert!(decoder.next().is_none(), "the iterator ends after an error");
            return Ok((packets, End::Failed(e)));
        }
    }
    Ok((packets, End::NeedMore { buffered: decoder.buffered() }))
}

/// Whatever the decoder accepts, the encoder can write again, and it decodes the same.
///
/// Excluded, exactly: a CONNECT whose client id the encoder refuses to send (empty in
/// 3.1, or empty without Clean Session in 3.1.1). A server must decode those and answer
/// CONNACK 0x02 Identifier rejected [MQTT-3.1.3-8], so they are not malformed; a client
/// must not send them, so the encoder refuses them.
fn reencodes(v: ProtocolVersion, p: &Packet) -> Result<(), TestCaseError> {
    // CONNECT names its own version, whatever the decoder speaks.
    let v = match p {
        Packet::Connect(c) => c.protocol,
        _ => v,
    };
    let bytes = match p.to_bytes(v) {
        Ok(b) => b,
        Err(EncodeError::EmptyClientIdInV3_1 | EncodeError::EmptyClientIdWithoutCleanSession) => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(format!("{v}: decoded packet cannot be encoded ({e}): {p:?}"))),
    };
    match Packet::decode(v, &Bytes::from(bytes)) {
        Ok(again) => prop_assert_eq!(&again, p, "{}: decode(encode(decode(b))) != decode(b)", v),
        Err(e) => return Err(TestCaseError::fail(format!("{v}: re-encoded packet does not decode ({e}): {p:?}"))),
    }
    Ok(())
}

/// Decodes `bytes` as one packet and as a stream, in every version; nothing may panic
/// (proptest reports a panic as a failure), and whatever is accepted must re-encode.
fn decode_everywhere(bytes: &[u8], sizes: &[usize]) -> Result<(), TestCaseError> {
    let shared = Bytes::copy_from_slice(bytes);
    for v in [V3_1, V3_1_1, V5] {
        let single = Packet::decode(v, &shared);
        if let Ok(p) = &single {
            reencodes(v, p)?;
        }
        let (packets, end) = drive(v, None, &chunks(bytes, sizes))?;
        for p in &packets {
            reencodes(v, p)?;
        }
        // A whole single frame: the Decoder and Packet::decode agree.
        if !matches!(single, Err(DecodeError::LengthMismatch { .. } | DecodeError::TruncatedFixedHeader)) {
            match (&single, packets.as_slice(), &end) {
                (Ok(p), [q], End::NeedMore { buffered: 0 }) => prop_assert_eq!(p, q),
                (Err(e), [], End::Failed(f)) => prop_assert_eq!(e, f),
                _ => {
                    return Err(TestCaseError::fail(format!(
                        "{v}: Packet::decode gave {single:?} but the Decoder gave {packets:?} then {end:?}"
                    )))
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..512), sizes in chunk_sizes()) {
        decode_everywhere(&bytes, &sizes)?;
    }

    #[test]
    fn random_frames_never_panic(frame in random_frame(), sizes in chunk_sizes()) {
        decode_everywhere(&frame, &sizes)?;
    }

    /// Mutations anywhere, the fixed header included.
    #[test]
    fn mutated_packets_never_panic(
        (_, mut bytes) in encoded_packet(),
        mutations in vec(mutation(), 1..6),
        sizes in chunk_sizes(),
    ) {
        mutate(&mut bytes, &mutations);
        decode_everywhere(&bytes, &sizes)?;
    }

    /// Mutations of the body with the Remaining Length corrected, so that the body
    /// parsers, not the length check, meet them.
    #[test]
    fn mutated_bodies_never_panic(
        (_, bytes) in encoded_packet(),
        mutations in vec(mutation(), 1..6),
        sizes in chunk_sizes(),
    ) {
        let header_len = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
        let mut body = bytes[header_len..].to_vec();
        mutate(&mut body, &mutations);
        let mut frame = vec![bytes[0]];
        frame.extend(remaining_length(body.len()));
        frame.extend(body);
        decode_everywhere(&frame, &sizes)?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    /// A stream of valid packets cut anywhere gives the packets that decoding each
    /// whole gives; with a maximum packet size, those before the first larger one, then
    /// PacketTooLarge, wherever the cuts fall.
    #[test]
    fn chunked_valid_stream_gives_the_same_packets(
        (v, packets) in version().prop_flat_map(|v| vec(packet(v), 1..8).prop_map(move |p| (v, p))),
        sizes in chunk_sizes(),
        max in proptest::option::weighted(0.3, 2usize..3000),
    ) {
        let frames: Vec<Vec<u8>> = packets.iter().map(|p| encode(v, p)).collect();
        let stream = frames.concat();
        let mut expected = Vec::new();
        let mut expected_end = End::NeedMore { buffered: 0 };
        for (p, frame) in packets.iter().zip(&frames) {
            if let Some(max) = max.filter(|&max| frame.len() > max) {
                expected_end = End::Failed(DecodeError::PacketTooLarge { size: frame.len(), maximum: max });
                break;
            }
            let whole = Packet::decode(v, &Bytes::from(frame.clone()))?;
            prop_assert_eq!(&whole, p);
            expected.push(whole);
        }
        let (got, end) = drive(v, max, &chunks(&stream, &sizes))?;
        prop_assert_eq!(got, expected);
        prop_assert_eq!(end, expected_end);
    }

    /// Any bytes cut anywhere give the same packets, then the same end, as the whole
    /// buffer pushed at once. Valid packets first so that streams get somewhere.
    #[test]
    fn chunked_random_stream_matches_whole_buffer(
        (v, prefix) in version().prop_flat_map(|v| vec(packet(v), 0..4).prop_map(move |p| (v, p))),
        tail in prop_oneof![
            vec(any::<u8>(), 0..256),
            random_frame(),
            encoded_packet().prop_map(|(_, b)| b[..b.len() / 2].to_vec()),
        ],
        mutations in vec(mutation(), 0..3),
        sizes in chunk_sizes(),
        max in proptest::option::weighted(0.3, 2usize..3000),
    ) {
        let mut stream: Vec<u8> = prefix.iter().flat_map(|p| encode(v, p)).collect();
        stream.extend(tail);
        mutate(&mut stream, &mutations);
        let whole = drive(v, max, &[&stream])?;
        let cut = drive(v, max, &chunks(&stream, &sizes))?;
        prop_assert_eq!(cut, whole);
    }
}

/// The decoder refuses a packet larger than its maximum as soon as the fixed header
/// says so, before the body arrives, and buffers nothing more.
#[test]
fn oversized_packet_refused_at_its_header() {
    let p = Packet::Publish(Publish::new("t", vec![0u8; 1000]));
    let bytes = p.to_bytes(V3_1_1).unwrap();
    let mut d = Decoder::new(V3_1_1).with_max_packet_size(100);
    let err = DecodeError::PacketTooLarge { size: bytes.len(), maximum: 100 };
    assert_eq!(d.push(&bytes[..1]), Ok(()));
    assert_eq!(d.push(&bytes[1..3]), Err(err.clone()));
    assert_eq!(d.buffered(), 1);
    assert_eq!(d.next_packet(), Err(err));
}

/// A Remaining Length of more than four bytes is refused in both decoders.
#[test]
fn five_byte_remaining_length_is_malformed() {
    let bytes = [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
    for v in [V3_1, V3_1_1, V5] {
        assert_eq!(Packet::decode(v, &Bytes::copy_from_slice(&bytes)), Err(DecodeError::MalformedRemainingLength));
        let mut d = Decoder::new(v);
        assert_eq!(d.push(&bytes), Err(DecodeError::MalformedRemainingLength));
    }
}

/// Every single-byte substitution of a set of short valid packets, decoded in every
/// version: exhaustive where random mutation is thin (a given bit of a given byte of a
/// given packet kind). Nothing may panic, whatever is accepted must re-encode to the
/// same packet, and Packet::decode and the Decoder (fed byte by byte) must agree.
#[test]
fn every_byte_substitution_of_short_packets() {
    let mut templates: Vec<Vec<u8>> = vec![
        vec![0x20, 0x02, 0x00, 0x00],                               // CONNACK 3.x
        vec![0x20, 0x03, 0x00, 0x00, 0x00],                         // CONNACK 5.0
        vec![0x30, 0x04, 0x00, 0x01, 0x61, 0x00],                   // PUBLISH QoS 0
        vec![0x32, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00],       // PUBLISH QoS 1 (5.0: no properties)
        vec![0x40, 0x02, 0x00, 0x01],                               // PUBACK
        vec![0x50, 0x04, 0x00, 0x01, 0x10, 0x00],                   // PUBREC 5.0 with reason
        vec![0x62, 0x02, 0x00, 0x01],                               // PUBREL
        vec![0x70, 0x03, 0x00, 0x01, 0x92],                         // PUBCOMP 5.0 reason only
        vec![0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01],       // SUBSCRIBE 3.x
        vec![0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x2D], // SUBSCRIBE 5.0
        vec![0x90, 0x03, 0x00, 0x01, 0x01],                         // SUBACK 3.x
        vec![0x90, 0x04, 0x00, 0x01, 0x00, 0x80],                   // SUBACK 5.0
        vec![0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x23],             // UNSUBSCRIBE 3.x
        vec![0xB0, 0x02, 0x00, 0x01],                               // UNSUBACK 3.x
        vec![0xB0, 0x04, 0x00, 0x01, 0x00, 0x11],                   // UNSUBACK 5.0
        vec![0xC0, 0x00],                                           // PINGREQ
        vec![0xE0, 0x02, 0x00, 0x00],                               // DISCONNECT 5.0
        vec![0xF0, 0x02, 0x18, 0x00],                               // AUTH
    ];
    for v in [V3_1, V3_1_1, V5] {
        let mut c = Connect::new(v, "c");
        c.will = Some(Will {
            topic: "w".into(),
            payload: Bytes::from_static(b"p"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties::new(),
        });
        c.username = Some("u".into());
        c.password = Some(Bytes::from_static(b"p"));
        templates.push(Packet::Connect(Box::new(c)).to_bytes(v).unwrap());
    }
    // 5.0 packets with one property each, so property identifiers and values get substituted.
    let with_props = [
        Packet::Publish(Publish {
            properties: Properties::from(vec![Property::TopicAlias(1)]),
            ..Publish::new("", &b""[..])
        }),
        Packet::ConnAck(ConnAck { properties: Properties::from(vec![Property::MaximumQoS(1)]), ..ConnAck::default() }),
        Packet::Subscribe(Subscribe {
            packet_id: 1,
            filters: vec![SubscribeFilter::new("$share/g/#", QoS::AtMostOnce)],
            properties: Properties::from(vec![Property::SubscriptionIdentifier(1)]),
        }),
    ];
    for p in &with_props {
        templates.push(p.to_bytes(V5).unwrap());
    }

    for template in &templates {
        for at in 0..template.len() {
            for byte in 0..=255u8 {
                let mut bytes = template.clone();
                bytes[at] = byte;
                if let Err(e) = decode_everywhere(&bytes, &[1]) {
                    panic!("{template:02X?} with byte {at} = {byte:#04X}: {e}");
                }
            }
        }
    }
}
