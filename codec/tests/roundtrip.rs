//! Round trips of every control packet in every protocol version, over the valid-packet
//! strategies of `common/mod.rs` (which describes what they generate).
//!
//! Two properties for each: `decode(encode(p)) == p`, and `encode(decode(b)) == b`
//! for the bytes `b` the encoder wrote. The reason-code tables in `common` are written
//! out from the specification rather than taken from the codec, so that a wrong table
//! in the codec makes the encoder refuse a valid packet and the test fail.
//!
//! Cases per property: 512 by default, `PROPTEST_CASES` overrides.

mod common;

use common::{
    ack, auth, config, connack, connect, disconnect, packet, publish, suback, subscribe, unsuback, unsubscribe,
    version, CONNACK_V3,
};
use proptest::collection::vec;
use proptest::prelude::*;
use webmqtt_codec::{
    Auth, Bytes, ConnAck, Connect, Decoder, Disconnect, EncodeError, Packet, Property, ProtocolVersion, Publish,
    ReasonCode,
};

use ProtocolVersion::{V3_1, V3_1_1, V5};

/// A version and a packet valid in it, from `make`.
fn in_any_version(
    make: fn(ProtocolVersion) -> BoxedStrategy<Packet>,
) -> impl Strategy<Value = (ProtocolVersion, Packet)> {
    version().prop_flat_map(move |v| make(v).prop_map(move |p| (v, p)))
}

// ---------------------------------------------------------------------------------
// The round trip.
// ---------------------------------------------------------------------------------

fn roundtrip(v: ProtocolVersion, packet: &Packet) -> Result<(), TestCaseError> {
    let encoded = match packet.to_bytes(v) {
        Ok(bytes) => bytes,
        Err(e) => return Err(TestCaseError::fail(format!("{v}: valid packet refused by the encoder: {e}"))),
    };
    let bytes = Bytes::from(encoded.clone());
    let decoded = match Packet::decode(v, &bytes) {
        Ok(p) => p,
        Err(e) => return Err(TestCaseError::fail(format!("{v}: encoder output {encoded:02X?} does not decode: {e}"))),
    };
    prop_assert_eq!(&decoded, packet, "{}: decode(encode(p)) != p", v);
    let reencoded = decoded.to_bytes(v).map_err(|e| TestCaseError::fail(format!("re-encode failed: {e}")))?;
    prop_assert_eq!(&reencoded, &encoded, "{}: encode(decode(b)) != b", v);

    // `encode` appends after what the buffer holds.
    let mut out = vec![0xA5, 0x5A];
    packet.encode(v, &mut out).map_err(|e| TestCaseError::fail(format!("encode into a buffer: {e}")))?;
    prop_assert_eq!(&out[..2], &[0xA5, 0x5A][..]);
    prop_assert_eq!(&out[2..], &encoded[..]);
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn connect_roundtrips((v, p) in in_any_version(connect)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn connack_roundtrips((v, p) in in_any_version(connack)) {
        roundtrip(v, &p)?;
        // The 3.x return code on the wire is the one the reason code stands for.
        if let (false, Packet::ConnAck(c)) = (v.is_v5(), &p) {
            let bytes = p.to_bytes(v).unwrap();
            let expected = CONNACK_V3.iter().find(|(_, code)| *code == c.reason.0).map(|(rc, _)| *rc);
            prop_assert_eq!(Some(bytes[3]), expected);
        }
    }

    #[test]
    fn publish_roundtrips((v, p) in in_any_version(|v| publish(v).prop_map(Packet::Publish).boxed())) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn pub_acks_roundtrip((v, p) in in_any_version(ack)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn subscribe_roundtrips((v, p) in in_any_version(subscribe)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn suback_roundtrips((v, p) in in_any_version(suback)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn unsubscribe_roundtrips((v, p) in in_any_version(unsubscribe)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn unsuback_roundtrips((v, p) in in_any_version(unsuback)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn disconnect_roundtrips((v, p) in in_any_version(disconnect)) {
        roundtrip(v, &p)?;
    }

    #[test]
    fn auth_roundtrips(p in auth()) {
        roundtrip(V5, &p)?;
    }

    /// Every packet of a version, encoded back to back, comes out of one Decoder in order.
    #[test]
    fn packet_sequence_roundtrips_through_decoder(
        (v, packets) in version().prop_flat_map(|v| vec(packet(v), 1..8).prop_map(move |p| (v, p)))
    ) {
        let mut stream = Vec::new();
        for p in &packets {
            p.encode(v, &mut stream).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        }
        let mut decoder = Decoder::new(v);
        decoder.push(&stream)?;
        let mut out = Vec::new();
        while let Some(p) = decoder.next_packet()? {
            out.push(p);
        }
        prop_assert_eq!(out, packets);
        prop_assert_eq!(decoder.buffered(), 0);
    }
}

// ---------------------------------------------------------------------------------
// Fixed cases at the limits, cheaper written out than generated.
// ---------------------------------------------------------------------------------

fn assert_roundtrip(v: ProtocolVersion, p: &Packet) {
    if let Err(e) = roundtrip(v, p) {
        panic!("{e}");
    }
}

/// Ping and the 3.x DISCONNECT are two bytes; AUTH does not exist before 5.0.
#[test]
fn bodiless_packets_are_two_bytes() {
    for v in [V3_1, V3_1_1, V5] {
        assert_eq!(Packet::PingReq.to_bytes(v).unwrap(), [0xC0, 0x00]);
        assert_eq!(Packet::PingResp.to_bytes(v).unwrap(), [0xD0, 0x00]);
        assert_roundtrip(v, &Packet::PingReq);
        assert_roundtrip(v, &Packet::PingResp);
    }
    assert_eq!(Packet::Disconnect(Disconnect::default()).to_bytes(V3_1_1).unwrap(), [0xE0, 0x00]);
    assert_eq!(Packet::Disconnect(Disconnect::default()).to_bytes(V3_1).unwrap(), [0xE0, 0x00]);
    assert!(matches!(Packet::Auth(Auth::default()).to_bytes(V3_1_1), Err(EncodeError::NotInVersion { .. })));
}

/// Remaining Length at every boundary of its encoding (§2.2.3, 1.5.5): 127/128,
/// 16,383/16,384 and 2,097,151/2,097,152 bytes, through a QoS 0 PUBLISH to "t"
/// (body = 3 bytes of topic + payload, + 1 property length byte in 5.0).
#[test]
fn remaining_length_boundaries() {
    for v in [V3_1_1, V5] {
        let overhead = if v.is_v5() { 4 } else { 3 };
        for (remaining, header_len) in [(0x7F, 2), (0x80, 3), (16_383, 3), (16_384, 4), (2_097_151, 4), (2_097_152, 5)]
        {
            let p = Packet::Publish(Publish::new("t", vec![0x5Au8; remaining - overhead]));
            let bytes = p.to_bytes(v).unwrap();
            assert_eq!(bytes.len(), header_len + remaining, "{v} remaining length {remaining}");
            assert_roundtrip(v, &p);
        }
    }
}

/// Strings and binary fields of exactly 65,535 bytes are written; one more is refused
/// rather than truncated (§1.5.4, §1.5.6).
#[test]
fn field_length_limit() {
    let longest = "é".repeat(32_767) + "a"; // 65,535 bytes
    assert_eq!(longest.len(), 65_535);
    let p = Packet::Publish(Publish::new(longest.clone(), &b"x"[..]));
    assert_roundtrip(V3_1_1, &p);

    let too_long = longest.clone() + "a";
    assert!(matches!(
        Packet::Publish(Publish::new(too_long.clone(), &b"x"[..])).to_bytes(V3_1_1),
        Err(EncodeError::InvalidTopicName(_)) | Err(EncodeError::StringTooLong { .. })
    ));

    let mut c = Connect::new(V5, "id");
    c.username = Some(longest.clone());
    c.password = Some(Bytes::from(vec![7u8; 65_535]));
    c.properties.push(Property::UserProperty(longest.clone(), longest.clone()));
    assert_roundtrip(V5, &Packet::Connect(Box::new(c.clone())));

    let mut bad = c.clone();
    bad.password = Some(Bytes::from(vec![7u8; 65_536]));
    assert!(matches!(Packet::Connect(Box::new(bad)).to_bytes(V5), Err(EncodeError::BinaryTooLong { .. })));
    let mut bad = c;
    bad.username = Some(too_long);
    assert!(matches!(Packet::Connect(Box::new(bad)).to_bytes(V5), Err(EncodeError::StringTooLong { .. })));
}

/// The 3.x CONNACK return codes map to and from the reason codes the crate documents.
#[test]
fn v3_connack_return_codes() {
    for v in [V3_1, V3_1_1] {
        for &(rc, code) in CONNACK_V3 {
            let p = Packet::ConnAck(ConnAck { reason: ReasonCode(code), ..ConnAck::default() });
            assert_eq!(p.to_bytes(v).unwrap(), [0x20, 0x02, 0x00, rc], "{v} return code {rc}");
            assert_roundtrip(v, &p);
        }
    }
}
