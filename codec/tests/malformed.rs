//! One test per rule that makes bytes malformed or a packet unwritable, each asserting
//! the exact typed error: the decoder's [`DecodeError`] (through `Packet::decode` and
//! through the streaming [`Decoder`]) and the encoder's [`EncodeError`] (which must
//! leave the output buffer as it was). Where it helps, a valid twin of the malformed
//! bytes is decoded too, so that the error is known to come from the rule under test.

use webmqtt_codec::*;

use DecodeError as D;
use EncodeError as E;
use PacketType as T;
use ProtocolVersion::{V3_1, V3_1_1, V5};

// -------------------------------------------------------------------------------------
// Building bytes.

fn vbi(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            return out;
        }
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A packet: its first byte, a Remaining Length that fits the body, the body.
fn frame(first: u8, body: &[u8]) -> Vec<u8> {
    cat(&[&[first], &vbi(body.len()), body])
}

/// A length-prefixed string or binary field.
fn s(text: &[u8]) -> Vec<u8> {
    cat(&[&(text.len() as u16).to_be_bytes(), text])
}

/// A 5.0 property list: Property Length, then the properties.
fn props(list: &[&[u8]]) -> Vec<u8> {
    let body = cat(list);
    cat(&[&vbi(body.len()), &body])
}

/// A CONNECT body up to and including Keep Alive (60 s), then `rest`.
fn connect_body(name: &str, level: u8, flags: u8, rest: &[u8]) -> Vec<u8> {
    cat(&[&s(name.as_bytes()), &[level, flags, 0, 60], rest])
}

/// A QoS 0 PUBLISH to "a" in 5.0 with these properties.
fn publish_v5_with(properties: &[&[u8]]) -> Vec<u8> {
    frame(0x30, &cat(&[&s(b"a"), &props(properties)]))
}

// -------------------------------------------------------------------------------------
// Checking.

fn decode(version: ProtocolVersion, bytes: &[u8]) -> Result<Packet, DecodeError> {
    Packet::decode(version, &Bytes::copy_from_slice(bytes))
}

/// `bytes` fail with exactly `expected`, whole and through the streaming decoder.
#[track_caller]
fn rejects(version: ProtocolVersion, bytes: &[u8], expected: DecodeError) {
    assert_eq!(decode(version, bytes), Err(expected.clone()), "{bytes:02x?} in {version}");
    let mut decoder = Decoder::new(version);
    let streamed = decoder.push(bytes).and_then(|()| decoder.next_packet());
    assert_eq!(streamed, Err(expected), "Decoder, {bytes:02x?} in {version}");
}

#[track_caller]
fn accepts(version: ProtocolVersion, bytes: &[u8]) -> Packet {
    decode(version, bytes).unwrap_or_else(|e| panic!("{bytes:02x?} in {version}: {e:?}"))
}

/// Encoding fails with exactly `expected`, and `out` keeps what it held.
#[track_caller]
fn refuses(packet: &Packet, version: ProtocolVersion, expected: EncodeError) {
    let mut out = b"held before".to_vec();
    assert_eq!(packet.encode(version, &mut out), Err(expected), "{packet:?} in {version}");
    assert_eq!(out, b"held before", "a refused encode changed the output buffer");
}

#[track_caller]
fn encodes(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    packet.to_bytes(version).unwrap_or_else(|e| panic!("{packet:?} in {version}: {e:?}"))
}

fn publish(topic: &str) -> Publish {
    Publish::new(topic, Bytes::new())
}

fn with_props(properties: Vec<Property>) -> Properties {
    Properties::from(properties)
}

const ALL_VERSIONS: [ProtocolVersion; 3] = [V3_1, V3_1_1, V5];

// =====================================================================================
// Decoding: the fixed header.

/// [MQTT-1.5.5-1] / 3.1.1 §2.2.3: the Remaining Length takes at most four bytes.
#[test]
fn remaining_length_over_four_bytes() {
    for bytes in [
        &[0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01][..],
        &[0xC0, 0x80, 0x80, 0x80, 0x80, 0x00],
        &[0x10, 0xFF, 0xFF, 0xFF, 0x80],
    ] {
        for version in ALL_VERSIONS {
            rejects(version, bytes, D::MalformedRemainingLength);
        }
    }
    // The streaming decoder refuses it at the fifth byte, without waiting for a body.
    let mut decoder = Decoder::new(V5);
    for byte in [0x30, 0xFF, 0xFF, 0xFF] {
        assert_eq!(decoder.push(&[byte]), Ok(()));
    }
    assert_eq!(decoder.push(&[0xFF]), Err(D::MalformedRemainingLength));
    // Four bytes is the limit, not an error.
    assert_eq!(
        FixedHeader::parse(&[0x30, 0xFF, 0xFF, 0xFF, 0x7F], &[]).map(|h| h.map(|h| h.remaining_length)),
        Ok(Some(268_435_455))
    );
}

/// 3.1.1 §2.2.1 Table 2.1: packet type 0 is reserved (and 15 too, before 5.0).
#[test]
fn reserved_packet_type() {
    for version in ALL_VERSIONS {
        rejects(version, &[0x00, 0x00], D::ReservedPacketType);
        rejects(version, &[0x0F, 0x02, 0x00, 0x01], D::ReservedPacketType);
    }
}

/// 3.1.1 §2.2.2 Table 2.2 [MQTT-2.2.2-1, -2]: every packet but PUBLISH has fixed flags,
/// 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE and 0 elsewhere.
#[test]
fn reserved_flag_bits() {
    // The examples: PUBREL with 0x60, SUBSCRIBE with 0x80.
    rejects(V3_1_1, &[0x60, 0x02, 0x00, 0x01], D::InvalidHeaderFlags { packet: T::PubRel, flags: 0 });
    rejects(
        V3_1_1,
        &frame(0x80, &cat(&[&[0, 1], &s(b"a"), &[0]])),
        D::InvalidHeaderFlags { packet: T::Subscribe, flags: 0 },
    );
    assert!(matches!(accepts(V3_1_1, &[0x62, 0x02, 0x00, 0x01]), Packet::PubRel(_)));
    let fixed = [
        (T::Connect, 0),
        (T::ConnAck, 0),
        (T::PubAck, 0),
        (T::PubRec, 0),
        (T::PubRel, 2),
        (T::PubComp, 0),
        (T::Subscribe, 2),
        (T::SubAck, 0),
        (T::Unsubscribe, 2),
        (T::UnsubAck, 0),
        (T::PingReq, 0),
        (T::PingResp, 0),
        (T::Disconnect, 0),
        (T::Auth, 0),
    ];
    for (packet, required) in fixed {
        for flags in (0..16u8).filter(|f| *f != required) {
            let version = if packet == T::Auth { V5 } else { V3_1_1 };
            rejects(version, &frame((packet as u8) << 4 | flags, &[0, 1]), D::InvalidHeaderFlags { packet, flags });
        }
    }
}

// =====================================================================================
// Decoding: QoS, DUP, packet identifiers.

/// [MQTT-3.3.1-4]: QoS 3 in PUBLISH; [MQTT-3.1.2-14]: will QoS 3; 3.1.1 [MQTT-3-8.3-4]
/// (the specification's own spelling) and 5.0 §3.8.3.1: subscription QoS 3.
#[test]
fn qos_3() {
    for first in [0x36, 0x37, 0x3E] {
        rejects(V3_1_1, &frame(first, &cat(&[&s(b"a"), &[0, 1]])), D::InvalidQoS { field: "PUBLISH QoS" });
    }
    // Will Flag, Will QoS 3, Clean Session.
    let will_qos_3 = connect_body("MQTT", 4, 0x1E, &cat(&[&s(b"c"), &s(b"w"), &s(b"m")]));
    rejects(V3_1_1, &frame(0x10, &will_qos_3), D::InvalidQoS { field: "will QoS" });
    let will_qos_2 = connect_body("MQTT", 4, 0x16, &cat(&[&s(b"c"), &s(b"w"), &s(b"m")]));
    assert!(
        matches!(accepts(V3_1_1, &frame(0x10, &will_qos_2)), Packet::Connect(c) if c.will.as_ref().map(|w| w.qos) == Some(QoS::ExactlyOnce))
    );
    let subscribe = |options: u8, v5: bool| {
        let properties: &[u8] = if v5 { &[0] } else { &[] };
        frame(0x82, &cat(&[&[0, 1], properties, &s(b"a"), &[options]]))
    };
    rejects(V3_1_1, &subscribe(0x03, false), D::InvalidQoS { field: "subscription QoS" });
    rejects(V5, &subscribe(0x03, true), D::InvalidQoS { field: "subscription QoS" });
    accepts(V5, &subscribe(0x02, true));
}

/// [MQTT-3.3.1-2]: DUP must be 0 on a QoS 0 PUBLISH.
#[test]
fn dup_on_qos_0() {
    for version in ALL_VERSIONS {
        let properties: &[u8] = if version.is_v5() { &[0] } else { &[] };
        for first in [0x38, 0x39] {
            rejects(version, &frame(first, &cat(&[&s(b"a"), properties])), D::DupWithQoS0);
        }
        // DUP on QoS 1 is fine.
        accepts(version, &frame(0x3A, &cat(&[&s(b"a"), &[0, 1], properties])));
    }
}

/// [MQTT-2.3.1-1]: a packet identifier is non-zero wherever there is one.
#[test]
fn packet_id_0() {
    for version in [V3_1_1, V5] {
        let p: &[u8] = if version.is_v5() { &[0] } else { &[] };
        let cases: [(T, u8, Vec<u8>); 10] = [
            (T::Publish, 0x32, cat(&[&s(b"a"), &[0, 0], p])),
            (T::Publish, 0x34, cat(&[&s(b"a"), &[0, 0], p])),
            (T::PubAck, 0x40, vec![0, 0]),
            (T::PubRec, 0x50, vec![0, 0]),
            (T::PubRel, 0x62, vec![0, 0]),
            (T::PubComp, 0x70, vec![0, 0]),
            (T::Subscribe, 0x82, cat(&[&[0, 0], p, &s(b"a"), &[0]])),
            (T::SubAck, 0x90, cat(&[&[0, 0], p, &[0]])),
            (T::Unsubscribe, 0xA2, cat(&[&[0, 0], p, &s(b"a")])),
            (T::UnsubAck, 0xB0, if version.is_v5() { vec![0, 0, 0, 0] } else { vec![0, 0] }),
        ];
        for (packet, first, body) in cases {
            rejects(version, &frame(first, &body), D::ZeroPacketId { packet });
            // The same bytes with packet identifier 1 decode: the 0 was the only problem.
            let id_at = if packet == T::Publish { 3 } else { 0 };
            let mut valid = body.clone();
            valid[id_at + 1] = 1;
            accepts(version, &frame(first, &valid));
        }
    }
}

// =====================================================================================
// Decoding: strings.

/// [MQTT-1.5.4-1] (3.1.1 [MQTT-1.5.3-1]): strings are well-formed UTF-8, without
/// surrogates or overlong forms; [MQTT-1.5.4-2]: without U+0000.
#[test]
fn invalid_utf8_and_null_character() {
    for bad in [&[0xC3, 0x28][..], &[0xED, 0xA0, 0x80], &[0xC0, 0x80], &[0xFF], &[b'a', 0xE2, 0x82]] {
        rejects(V3_1_1, &frame(0x30, &s(bad)), D::InvalidUtf8 { field: "topic name" });
    }
    rejects(V3_1_1, &frame(0x30, &s(b"a\0b")), D::NullCharacter { field: "topic name" });
    rejects(
        V3_1_1,
        &frame(0x10, &connect_body("MQTT", 4, 0x02, &s(b"c\0"))),
        D::NullCharacter { field: "client identifier" },
    );
    rejects(
        V3_1_1,
        &frame(0x10, &connect_body("MQTT", 4, 0x02, &s(&[0xC3]))),
        D::InvalidUtf8 { field: "client identifier" },
    );
    rejects(V5, &publish_v5_with(&[&[0x26], &s(b"\0"), &s(b"v")]), D::NullCharacter { field: "User Property name" });
    rejects(V5, &publish_v5_with(&[&[0x26], &s(b"k"), &s(&[0xFF])]), D::InvalidUtf8 { field: "User Property value" });
    rejects(
        V5,
        &frame(0xE0, &cat(&[&[0x80], &props(&[&[0x1F], &s(&[0xC3, 0x28])])])),
        D::InvalidUtf8 { field: "Reason String" },
    );
    // U+FEFF and other non-characters are allowed [MQTT-1.5.4-3].
    assert!(
        matches!(accepts(V3_1_1, &frame(0x30, &s("\u{FEFF}a".as_bytes()))), Packet::Publish(p) if p.topic == "\u{FEFF}a")
    );
}

// =====================================================================================
// Decoding: properties (5.0 §2.2.2).

/// 5.0 §2.2.2.2: a property may only stand in the packets its row names.
#[test]
fn property_not_allowed_in_packet() {
    let session_expiry: &[u8] = &[0x11, 0, 0, 0, 1];
    rejects(
        V5,
        &publish_v5_with(&[session_expiry]),
        D::PropertyNotAllowed { property: PropertyId::SessionExpiryInterval, owner: PropertyOwner::Packet(T::Publish) },
    );
    rejects(
        V5,
        &frame(0x10, &connect_body("MQTT", 5, 0x02, &cat(&[&props(&[&[0x18, 0, 0, 0, 1]]), &s(b"c")]))),
        D::PropertyNotAllowed { property: PropertyId::WillDelayInterval, owner: PropertyOwner::Packet(T::Connect) },
    );
    // Will properties: Topic Alias belongs to PUBLISH only.
    let will =
        connect_body("MQTT", 5, 0x06, &cat(&[&props(&[]), &s(b"c"), &props(&[&[0x23, 0, 1]]), &s(b"w"), &s(b"m")]));
    rejects(
        V5,
        &frame(0x10, &will),
        D::PropertyNotAllowed { property: PropertyId::TopicAlias, owner: PropertyOwner::Will },
    );
    rejects(
        V5,
        &frame(0x40, &cat(&[&[0, 1, 0x00], &props(&[&[0x03], &s(b"text")])])),
        D::PropertyNotAllowed { property: PropertyId::ContentType, owner: PropertyOwner::Packet(T::PubAck) },
    );
    rejects(
        V5,
        &frame(0x82, &cat(&[&[0, 1], &props(&[&[0x1F], &s(b"why")]), &s(b"a"), &[0]])),
        D::PropertyNotAllowed { property: PropertyId::ReasonString, owner: PropertyOwner::Packet(T::Subscribe) },
    );
    rejects(
        V5,
        &frame(0xF0, &cat(&[&[0x18], &props(&[session_expiry])])),
        D::PropertyNotAllowed { property: PropertyId::SessionExpiryInterval, owner: PropertyOwner::Packet(T::Auth) },
    );
    // The same property where it belongs.
    accepts(V5, &frame(0xE0, &cat(&[&[0x00], &props(&[session_expiry])])));
}

/// 5.0 §3.x: "It is a Protocol Error to include X more than once"; User Property may
/// repeat everywhere (§3.3.2.3.7), Subscription Identifier in PUBLISH (§3.3.2.3.8).
#[test]
fn property_given_twice() {
    let expiry: &[u8] = &[0x02, 0, 0, 0, 9];
    rejects(
        V5,
        &publish_v5_with(&[expiry, expiry]),
        D::DuplicateProperty { property: PropertyId::MessageExpiryInterval },
    );
    let topic_alias: &[u8] = &[0x23, 0, 1];
    rejects(
        V5,
        &publish_v5_with(&[topic_alias, &[0x01, 0], topic_alias]),
        D::DuplicateProperty { property: PropertyId::TopicAlias },
    );
    // Once only in SUBSCRIBE (5.0 §3.8.2.1.2).
    rejects(
        V5,
        &frame(0x82, &cat(&[&[0, 1], &props(&[&[0x0B, 1], &[0x0B, 2]]), &s(b"a"), &[0]])),
        D::DuplicateProperty { property: PropertyId::SubscriptionIdentifier },
    );
    rejects(
        V5,
        &frame(0x20, &cat(&[&[0, 0], &props(&[&[0x1F], &s(b"x"), &[0x1F], &s(b"y")])])),
        D::DuplicateProperty { property: PropertyId::ReasonString },
    );
    // Allowed twice: Subscription Identifier in PUBLISH, User Property (even the same pair).
    let Packet::Publish(p) = accepts(V5, &publish_v5_with(&[&[0x0B, 1], &[0x0B, 0x80, 0x01]])) else { panic!() };
    assert_eq!(p.properties.subscription_identifiers().collect::<Vec<_>>(), [1, 128]);
    let pair = cat(&[&[0x26], &s(b"k"), &s(b"v")]);
    let Packet::Connect(c) =
        accepts(V5, &frame(0x10, &connect_body("MQTT", 5, 0x02, &cat(&[&props(&[&pair, &pair]), &s(b"c")]))))
    else {
        panic!()
    };
    assert_eq!(c.properties.user_properties().collect::<Vec<_>>(), [("k", "v"), ("k", "v")]);
}

/// 5.0 §2.2.2.2: identifiers outside the table are malformed.
#[test]
fn unknown_property_identifier() {
    for id in [0x00, 0x04, 0x0A, 0x14, 0x2B, 0x7E] {
        rejects(V5, &publish_v5_with(&[&[id, 0]]), D::UnknownProperty { id: u32::from(id) });
    }
    // Identifiers are Variable Byte Integers: 0x80 0x01 is 128.
    rejects(V5, &publish_v5_with(&[&[0x80, 0x01, 0]]), D::UnknownProperty { id: 128 });
}

/// The value rules of 5.0 §3.x: Receive Maximum and Topic Alias and Maximum Packet Size
/// not 0, Maximum QoS 0 or 1, booleans 0 or 1, Subscription Identifier not 0.
#[test]
fn invalid_property_values() {
    let connect_with =
        |property: &[u8]| frame(0x10, &connect_body("MQTT", 5, 0x02, &cat(&[&props(&[property]), &s(b"c")])));
    let connack_with = |property: &[u8]| frame(0x20, &cat(&[&[0, 0], &props(&[property])]));
    let invalid = |property, value| D::InvalidPropertyValue { property, value };
    rejects(V5, &connect_with(&[0x21, 0, 0]), invalid(PropertyId::ReceiveMaximum, 0));
    accepts(V5, &connect_with(&[0x21, 0, 1]));
    rejects(V5, &connect_with(&[0x27, 0, 0, 0, 0]), invalid(PropertyId::MaximumPacketSize, 0));
    rejects(V5, &connect_with(&[0x17, 2]), invalid(PropertyId::RequestProblemInformation, 2));
    rejects(V5, &connect_with(&[0x19, 0xFF]), invalid(PropertyId::RequestResponseInformation, 255));
    rejects(V5, &connack_with(&[0x24, 2]), invalid(PropertyId::MaximumQoS, 2));
    accepts(V5, &connack_with(&[0x24, 1]));
    rejects(V5, &connack_with(&[0x25, 2]), invalid(PropertyId::RetainAvailable, 2));
    rejects(V5, &connack_with(&[0x28, 3]), invalid(PropertyId::WildcardSubscriptionAvailable, 3));
    rejects(V5, &connack_with(&[0x29, 2]), invalid(PropertyId::SubscriptionIdentifierAvailable, 2));
    rejects(V5, &connack_with(&[0x2A, 2]), invalid(PropertyId::SharedSubscriptionAvailable, 2));
    rejects(V5, &connack_with(&[0x21, 0, 0]), invalid(PropertyId::ReceiveMaximum, 0));
    rejects(V5, &publish_v5_with(&[&[0x01, 2]]), invalid(PropertyId::PayloadFormatIndicator, 2));
    accepts(V5, &publish_v5_with(&[&[0x01, 1]]));
    rejects(V5, &publish_v5_with(&[&[0x23, 0, 0]]), invalid(PropertyId::TopicAlias, 0));
    accepts(V5, &publish_v5_with(&[&[0x23, 0, 1]]));
    rejects(V5, &publish_v5_with(&[&[0x0B, 0]]), invalid(PropertyId::SubscriptionIdentifier, 0));
}

/// [MQTT-1.5.5-1]: a Variable Byte Integer uses the fewest bytes that hold its value;
/// `80 00` is a malformed 0, `FF 00` a malformed 127.
#[test]
fn variable_byte_integers_longer_than_their_value_needs() {
    for bytes in [&[0xE0, 0x80, 0x00][..], &[0x30, 0x83, 0x80, 0x00], &[0xD0, 0xFF, 0x80, 0x80, 0x00]] {
        for version in ALL_VERSIONS {
            rejects(version, bytes, D::MalformedRemainingLength);
        }
        assert_eq!(Decoder::new(V3_1_1).push(bytes), Err(D::MalformedRemainingLength));
    }
    // The shortest forms of the same lengths are accepted.
    assert_eq!(FixedHeader::parse(&[0xE0, 0x00], &[]).map(|h| h.map(|h| h.header_len)), Ok(Some(2)));
    assert_eq!(FixedHeader::parse(&[0x30, 0x80, 0x01], &[]).map(|h| h.map(|h| h.remaining_length)), Ok(Some(128)));
    rejects(
        V5,
        &publish_v5_with(&[&[0x0B, 0x81, 0x00]]),
        D::MalformedVariableByteInteger { field: "Subscription Identifier" },
    );
    rejects(V5, &frame(0x30, &cat(&[&s(b"a"), &[0x80, 0x00]])), D::MalformedVariableByteInteger { field: "property length" });
    accepts(V5, &publish_v5_with(&[&[0x0B, 0x81, 0x01]]));
}

/// A Variable Byte Integer inside a packet runs over four bytes.
#[test]
fn malformed_variable_byte_integers() {
    rejects(
        V5,
        &publish_v5_with(&[&[0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]]),
        D::MalformedVariableByteInteger { field: "Subscription Identifier" },
    );
    rejects(
        V5,
        &frame(0x30, &cat(&[&s(b"a"), &[0xFF, 0xFF, 0xFF, 0xFF, 0x01]])),
        D::MalformedVariableByteInteger { field: "property length" },
    );
}

// =====================================================================================
// Decoding: topics.

/// [MQTT-3.3.2-2]: the topic of a PUBLISH (or a will) has no wildcards.
#[test]
fn wildcards_in_publish_topic() {
    for version in ALL_VERSIONS {
        let p: &[u8] = if version.is_v5() { &[0] } else { &[] };
        for topic in [&b"a/+"[..], b"#", b"a/b#", b"+/x"] {
            rejects(version, &frame(0x30, &cat(&[&s(topic), p])), D::InvalidTopicName(TopicError::WildcardInName));
        }
    }
    let will = connect_body("MQTT", 4, 0x06, &cat(&[&s(b"c"), &s(b"w/#"), &s(b"m")]));
    rejects(V3_1_1, &frame(0x10, &will), D::InvalidTopicName(TopicError::WildcardInName));
}

/// 5.0 §3.3.2.3.4 / §3.3.2.1: an empty topic needs a Topic Alias; before 5.0 a topic
/// name has at least one character [MQTT-4.7.3-1].
#[test]
fn empty_publish_topic() {
    rejects(V5, &frame(0x30, &[0, 0, 0]), D::EmptyTopicWithoutAlias);
    rejects(V5, &frame(0x30, &cat(&[&[0, 0], &props(&[&[0x01, 1]])])), D::EmptyTopicWithoutAlias);
    let Packet::Publish(p) = accepts(V5, &frame(0x30, &cat(&[&[0, 0], &props(&[&[0x23, 0, 7]])]))) else { panic!() };
    assert_eq!((&p.topic[..], p.properties.topic_alias()), ("", Some(7)));
    for version in [V3_1, V3_1_1] {
        rejects(version, &frame(0x30, &[0, 0]), D::InvalidTopicName(TopicError::Empty));
        rejects(version, &frame(0x32, &[0, 0, 0, 1]), D::InvalidTopicName(TopicError::Empty));
    }
    let will = connect_body("MQTT", 4, 0x06, &cat(&[&s(b"c"), &s(b""), &s(b"m")]));
    rejects(V3_1_1, &frame(0x10, &will), D::InvalidTopicName(TopicError::Empty));
}

/// [MQTT-4.7.1-2, -3], 5.0 §4.8.2: filters in SUBSCRIBE and UNSUBSCRIBE.
#[test]
fn invalid_topic_filters() {
    let cases = [
        (&b"a/#/b"[..], TopicError::MisplacedMultiLevelWildcard),
        (b"sport/tennis#", TopicError::MisplacedMultiLevelWildcard),
        (b"sport+", TopicError::MisplacedSingleLevelWildcard),
        (b"", TopicError::Empty),
        (b"$share/group", TopicError::InvalidSharedSubscription),
    ];
    for (filter, error) in cases {
        rejects(V5, &frame(0x82, &cat(&[&[0, 1, 0], &s(filter), &[0]])), D::InvalidTopicFilter(error));
        rejects(V5, &frame(0xA2, &cat(&[&[0, 1, 0], &s(filter)])), D::InvalidTopicFilter(error));
    }
    rejects(
        V3_1_1,
        &frame(0x82, &cat(&[&[0, 1], &s(b"a/#/b"), &[0]])),
        D::InvalidTopicFilter(TopicError::MisplacedMultiLevelWildcard),
    );
}

// =====================================================================================
// Decoding: lengths.

/// A packet must end where its last field ends: the fixed-size packets and the others.
#[test]
fn trailing_bytes() {
    rejects(V3_1_1, &[0xC0, 0x01, 0x00], D::TrailingBytes { packet: T::PingReq, count: 1 });
    rejects(V5, &[0xD0, 0x02, 0x00, 0x00], D::TrailingBytes { packet: T::PingResp, count: 2 });
    rejects(V3_1_1, &[0xE0, 0x01, 0x00], D::TrailingBytes { packet: T::Disconnect, count: 1 });
    // 3.1.1 acknowledgements are exactly a packet identifier (a 3-byte PUBACK is 5.0's).
    for (first, packet) in
        [(0x40, T::PubAck), (0x50, T::PubRec), (0x62, T::PubRel), (0x70, T::PubComp), (0xB0, T::UnsubAck)]
    {
        rejects(V3_1_1, &[first, 0x03, 0x00, 0x01, 0x00], D::TrailingBytes { packet, count: 1 });
        rejects(V3_1, &[first, 0x04, 0x00, 0x01, 0x00, 0x00], D::TrailingBytes { packet, count: 2 });
    }
    rejects(V3_1_1, &[0x20, 0x03, 0x00, 0x00, 0x00], D::TrailingBytes { packet: T::ConnAck, count: 1 });
    rejects(
        V3_1_1,
        &frame(0x10, &connect_body("MQTT", 4, 0x02, &cat(&[&s(b"c"), &[0xAA]]))),
        D::TrailingBytes { packet: T::Connect, count: 1 },
    );
    // 5.0: after the properties.
    rejects(V5, &[0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0xFF], D::TrailingBytes { packet: T::PubAck, count: 1 });
    rejects(V5, &[0x20, 0x04, 0x00, 0x00, 0x00, 0xFF], D::TrailingBytes { packet: T::ConnAck, count: 1 });
    rejects(V5, &[0xE0, 0x03, 0x00, 0x00, 0xFF], D::TrailingBytes { packet: T::Disconnect, count: 1 });
    rejects(V5, &[0xF0, 0x03, 0x00, 0x00, 0xFF], D::TrailingBytes { packet: T::Auth, count: 1 });
}

/// The packet ends in the middle of a field.
#[test]
fn truncated_packets() {
    rejects(V3_1_1, &frame(0x30, &[0, 5, b'a', b'b']), D::Truncated { packet: T::Publish, field: "topic name" });
    rejects(V3_1_1, &frame(0x32, &s(b"a")), D::Truncated { packet: T::Publish, field: "packet identifier" });
    rejects(
        V3_1_1,
        &frame(0x32, &cat(&[&s(b"a"), &[0]])),
        D::Truncated { packet: T::Publish, field: "packet identifier" },
    );
    // 5.0 PUBLISH: the Property Length is not optional, and the list must fit.
    rejects(V5, &frame(0x30, &s(b"a")), D::Truncated { packet: T::Publish, field: "property length" });
    rejects(V5, &frame(0x30, &cat(&[&s(b"a"), &[5, 0x01]])), D::Truncated { packet: T::Publish, field: "properties" });
    rejects(
        V5,
        &frame(0x30, &cat(&[&s(b"a"), &[3, 0x02, 0, 0]])),
        D::Truncated { packet: T::Publish, field: "Message Expiry Interval" },
    );
    rejects(V3_1_1, &[0x20, 0x01, 0x00], D::Truncated { packet: T::ConnAck, field: "return code" });
    rejects(
        V3_1_1,
        &frame(0x82, &cat(&[&[0, 1], &s(b"a")])),
        D::Truncated { packet: T::Subscribe, field: "subscription options" },
    );
    rejects(V3_1_1, &[0x40, 0x01, 0x00], D::Truncated { packet: T::PubAck, field: "packet identifier" });

    // A full CONNECT cut anywhere: every field is required by its flags.
    let full = connect_body("MQTT", 4, 0xF6, &cat(&[&s(b"c"), &s(b"w"), &s(b"m"), &s(b"u"), &s(b"p")]));
    accepts(V3_1_1, &frame(0x10, &full));
    for cut in 0..full.len() {
        let error = decode(V3_1_1, &frame(0x10, &full[..cut])).expect_err("a cut CONNECT");
        assert!(matches!(error, D::Truncated { packet: T::Connect, .. }), "cut at {cut}: {error:?}");
    }
    rejects(V3_1_1, &frame(0x10, &full[..7]), D::Truncated { packet: T::Connect, field: "connect flags" });
    rejects(V3_1_1, &frame(0x10, &full[..9]), D::Truncated { packet: T::Connect, field: "keep alive" });
    rejects(V3_1_1, &frame(0x10, &full[..full.len() - 1]), D::Truncated { packet: T::Connect, field: "password" });

    // Packet::decode takes exactly one packet: fewer or more bytes than the header says.
    assert_eq!(decode(V3_1_1, &[0x30, 0x05, 0x00, 0x01, b'a']), Err(D::LengthMismatch { declared: 7, actual: 5 }));
    assert_eq!(decode(V3_1_1, &[0xC0, 0x00, 0x00]), Err(D::LengthMismatch { declared: 2, actual: 3 }));
    for bytes in [&[][..], &[0x30], &[0x30, 0x80], &[0x30, 0xFF, 0xFF, 0xFF]] {
        assert_eq!(decode(V3_1_1, bytes), Err(D::TruncatedFixedHeader), "{bytes:02x?}");
    }
    // The streaming decoder waits for the rest instead.
    let mut decoder = Decoder::new(V3_1_1);
    assert_eq!(decoder.push(&[0x30, 0x05, 0x00, 0x01, b'a']), Ok(()));
    assert_eq!(decoder.next_packet(), Ok(None));
    assert_eq!(decoder.buffered(), 5);
}

// =====================================================================================
// Decoding: CONNECT and CONNACK.

/// 3.1.1 §3.1.2.1-§3.1.2.2 [MQTT-3.1.2-1, -2]: "MQIsdp" 3, "MQTT" 4 and "MQTT" 5 only.
#[test]
fn connect_bad_protocol_name_or_level() {
    for (name, level) in
        [("MQTX", 4), ("mqtt", 4), ("MQTT", 3), ("MQTT", 6), ("MQTT", 0x84), ("MQIsdp", 4), ("MQIsdp", 5), ("", 4)]
    {
        let body = connect_body(name, level, 0x02, &s(b"c"));
        rejects(V3_1_1, &frame(0x10, &body), D::UnsupportedProtocol { name: name.into(), level });
    }
    rejects(
        V3_1_1,
        &frame(0x10, &cat(&[&s(&[0xFF, 0xFE]), &[4, 2, 0, 60], &s(b"c")])),
        D::InvalidUtf8 { field: "protocol name" },
    );
    for (name, level, rest) in [("MQIsdp", 3, s(b"c")), ("MQTT", 4, s(b"c")), ("MQTT", 5, cat(&[&[0], &s(b"c")]))] {
        accepts(V3_1_1, &frame(0x10, &connect_body(name, level, 0x02, &rest)));
    }
}

/// [MQTT-3.1.2-3]: the reserved bit 0 of the connect flags is 0.
#[test]
fn reserved_connect_flag() {
    rejects(V3_1_1, &frame(0x10, &connect_body("MQTT", 4, 0x03, &s(b"c"))), D::ReservedConnectFlag);
    rejects(V3_1, &frame(0x10, &connect_body("MQIsdp", 3, 0x01, &s(b"c"))), D::ReservedConnectFlag);
    rejects(V5, &frame(0x10, &connect_body("MQTT", 5, 0x03, &cat(&[&[0], &s(b"c")]))), D::ReservedConnectFlag);
}

/// [MQTT-3.1.2-11, -13, -15]: Will QoS and Will Retain are 0 without the Will Flag.
#[test]
fn will_flags_without_will() {
    for flags in [0x22, 0x0A, 0x12, 0x2A] {
        rejects(V3_1_1, &frame(0x10, &connect_body("MQTT", 4, flags, &s(b"c"))), D::WillFlagsWithoutWill);
    }
    // With the Will Flag, the same bits are a will.
    let will = connect_body("MQTT", 4, 0x2E, &cat(&[&s(b"c"), &s(b"w"), &s(b"m")]));
    let Packet::Connect(c) = accepts(V3_1_1, &frame(0x10, &will)) else { panic!() };
    let will = c.will.expect("a will");
    assert_eq!((will.qos, will.retain, will.topic.as_str()), (QoS::AtLeastOnce, true, "w"));
}

/// [MQTT-3.1.2-22]: before 5.0 a password needs a user name; 5.0 §3.1.2.9 allows it.
#[test]
fn password_without_username() {
    rejects(
        V3_1_1,
        &frame(0x10, &connect_body("MQTT", 4, 0x42, &cat(&[&s(b"c"), &s(b"p")]))),
        D::PasswordWithoutUsername,
    );
    rejects(
        V3_1,
        &frame(0x10, &connect_body("MQIsdp", 3, 0x42, &cat(&[&s(b"c"), &s(b"p")]))),
        D::PasswordWithoutUsername,
    );
    let Packet::Connect(c) =
        accepts(V5, &frame(0x10, &connect_body("MQTT", 5, 0x42, &cat(&[&[0], &s(b"c"), &s(b"p")]))))
    else {
        panic!()
    };
    assert_eq!((c.username, c.password.as_deref()), (None, Some(&b"p"[..])));
}

/// [MQTT-3.2.2-1]: reserved acknowledge flags; [MQTT-3.2.2-4]: no session present on
/// refusal; 3.1.1 Table 3.1: return codes 6-255 are reserved.
#[test]
fn connack_flags_and_return_codes() {
    rejects(V3_1_1, &[0x20, 0x02, 0x02, 0x00], D::ReservedConnAckFlags { flags: 2 });
    rejects(V5, &[0x20, 0x03, 0x80, 0x00, 0x00], D::ReservedConnAckFlags { flags: 0x80 });
    rejects(V3_1_1, &[0x20, 0x02, 0x01, 0x05], D::SessionPresentOnRefusal);
    rejects(V5, &[0x20, 0x03, 0x01, 0x87, 0x00], D::SessionPresentOnRefusal);
    for code in 0..=255u8 {
        let bytes = [0x20, 0x02, 0x00, code];
        if code <= 5 {
            let Packet::ConnAck(ack) = accepts(V3_1_1, &bytes) else { panic!() };
            assert_eq!(ack.reason.to_v3_connack(), Some(code));
        } else {
            rejects(V3_1_1, &bytes, D::InvalidReasonCode { packet: T::ConnAck, code });
        }
    }
}

// =====================================================================================
// Decoding: SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, reason codes, AUTH.

/// [MQTT-3.8.3-3], [MQTT-3.10.3-2], 3.1.1 §3.9.3 / 5.0 §3.11.3: at least one entry.
#[test]
fn empty_payloads() {
    rejects(V3_1_1, &[0x82, 0x02, 0x00, 0x01], D::EmptyPayload { packet: T::Subscribe });
    rejects(V5, &[0x82, 0x03, 0x00, 0x01, 0x00], D::EmptyPayload { packet: T::Subscribe });
    rejects(V3_1_1, &[0xA2, 0x02, 0x00, 0x01], D::EmptyPayload { packet: T::Unsubscribe });
    rejects(V5, &[0xA2, 0x03, 0x00, 0x01, 0x00], D::EmptyPayload { packet: T::Unsubscribe });
    rejects(V3_1_1, &[0x90, 0x02, 0x00, 0x01], D::EmptyPayload { packet: T::SubAck });
    rejects(V5, &[0x90, 0x03, 0x00, 0x01, 0x00], D::EmptyPayload { packet: T::SubAck });
    rejects(V5, &[0xB0, 0x03, 0x00, 0x01, 0x00], D::EmptyPayload { packet: T::UnsubAck });
    // A 3.1.1 UNSUBACK has no payload at all.
    assert_eq!(
        accepts(V3_1_1, &[0xB0, 0x02, 0x00, 0x01]),
        Packet::UnsubAck(UnsubAck { packet_id: 1, ..UnsubAck::default() })
    );
}

/// 5.0 §3.x: each packet's table of reason codes, all 256 codes (the tables themselves
/// are checked against the specification in spec_examples.rs).
#[test]
fn invalid_reason_codes_per_packet() {
    for code in 0..=255u8 {
        let cases: [(T, Vec<u8>); 10] = [
            (T::ConnAck, vec![0x20, 0x03, 0x00, code, 0x00]),
            (T::PubAck, vec![0x40, 0x04, 0x00, 0x01, code, 0x00]),
            (T::PubRec, vec![0x50, 0x03, 0x00, 0x01, code]),
            (T::PubRel, vec![0x62, 0x04, 0x00, 0x01, code, 0x00]),
            (T::PubComp, vec![0x70, 0x03, 0x00, 0x01, code]),
            (T::SubAck, vec![0x90, 0x04, 0x00, 0x01, 0x00, code]),
            (T::UnsubAck, vec![0xB0, 0x04, 0x00, 0x01, 0x00, code]),
            (T::Disconnect, vec![0xE0, 0x02, code, 0x00]),
            (T::Disconnect, vec![0xE0, 0x01, code]),
            (T::Auth, vec![0xF0, 0x02, code, 0x00]),
        ];
        for (packet, bytes) in cases {
            if !ReasonCode(code).allowed_in(packet) {
                rejects(V5, &bytes, D::InvalidReasonCode { packet, code });
                continue;
            }
            let reasons = match accepts(V5, &bytes) {
                Packet::ConnAck(p) => vec![p.reason],
                Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => vec![p.reason],
                Packet::SubAck(p) => p.reasons,
                Packet::UnsubAck(p) => p.reasons,
                Packet::Disconnect(p) => vec![p.reason],
                Packet::Auth(p) => vec![p.reason],
                other => panic!("{other:?}"),
            };
            assert_eq!(reasons, [ReasonCode(code)], "{packet} {code:#04x}");
        }
    }
    // The examples of the task: a PUBREL with PUBACK's 0x10, an AUTH with 0x17.
    rejects(V5, &[0x62, 0x03, 0x00, 0x01, 0x10], D::InvalidReasonCode { packet: T::PubRel, code: 0x10 });
    rejects(V5, &[0xF0, 0x01, 0x17], D::InvalidReasonCode { packet: T::Auth, code: 0x17 });
}

/// 5.0 §3.8.3.1: "It is a Protocol Error to send a Retain Handling value of 3", bits 6-7
/// are reserved [MQTT-3.8.3-5]; before 5.0 bits 2-7 are reserved (3.1.1 [MQTT-3-8.3-4]).
#[test]
fn subscription_options_bits() {
    let subscribe_v5 = |options: u8| frame(0x82, &cat(&[&[0, 1, 0], &s(b"a"), &[options]]));
    rejects(V5, &subscribe_v5(0x30), D::InvalidRetainHandling);
    rejects(V5, &subscribe_v5(0x31), D::InvalidRetainHandling);
    rejects(V5, &subscribe_v5(0x40), D::ReservedSubscriptionOptions { options: 0x40 });
    rejects(V5, &subscribe_v5(0x80), D::ReservedSubscriptionOptions { options: 0x80 });
    accepts(V5, &subscribe_v5(0x2E));
    let subscribe_v4 = |options: u8| frame(0x82, &cat(&[&[0, 1], &s(b"a"), &[options]]));
    for options in [0x04, 0x08, 0x10, 0x80] {
        rejects(V3_1_1, &subscribe_v4(options), D::ReservedSubscriptionOptions { options });
    }
}

/// [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
#[test]
fn no_local_on_shared_subscription() {
    let subscribe = |filter: &[u8], options: u8| frame(0x82, &cat(&[&[0, 1, 0], &s(filter), &[options]]));
    rejects(V5, &subscribe(b"$share/group/a/b", 0x04), D::NoLocalOnSharedSubscription);
    rejects(V5, &subscribe(b"$share/group/#", 0x05), D::NoLocalOnSharedSubscription);
    accepts(V5, &subscribe(b"$share/group/a/b", 0x01));
    accepts(V5, &subscribe(b"a/b", 0x04));
}

/// 3.1.1 §2.2.1: type 15 is reserved; AUTH exists from 5.0 (§3.15).
#[test]
fn auth_before_5_0() {
    rejects(V3_1_1, &[0xF0, 0x00], D::AuthNotInVersion { version: V3_1_1 });
    rejects(V3_1, &[0xF0, 0x02, 0x00, 0x00], D::AuthNotInVersion { version: V3_1 });
    assert_eq!(accepts(V5, &[0xF0, 0x00]), Packet::Auth(Auth::default()));
}

// =====================================================================================
// The streaming decoder.

/// A packet of 1 MiB against a 1 KiB maximum: refused from its fixed header, before
/// any of its body is buffered.
#[test]
fn decoder_refuses_oversize_packet_from_its_header() {
    let header = [0x30, 0x80, 0x80, 0x40]; // Remaining Length 1,048,576
    let error = D::PacketTooLarge { size: 4 + 1_048_576, maximum: 1024 };
    let mut decoder = Decoder::new(V5).with_max_packet_size(1024);
    assert_eq!(decoder.push(&header), Err(error.clone()));
    assert_eq!(decoder.buffered(), 0);
    assert_eq!(decoder.push(&[0u8; 4096]), Err(error.clone()));
    assert_eq!(decoder.buffered(), 0);
    assert_eq!(decoder.next_packet(), Err(error.clone()));

    // The header a byte at a time: the byte that completes it is refused.
    let mut decoder = Decoder::new(V5).with_max_packet_size(1024);
    for byte in &header[..3] {
        assert_eq!(decoder.push(&[*byte]), Ok(()));
    }
    assert_eq!(decoder.push(&header[3..]), Err(error.clone()));
    assert!(decoder.buffered() <= 3);

    // Behind a whole packet in the same chunk, pushed without taking packets out: the
    // packets before it still come out, then the error; its body is never buffered.
    let mut decoder = Decoder::new(V5).with_max_packet_size(1024);
    assert_eq!(decoder.push(&[0xC0, 0x00, 0x30, 0x80, 0x80, 0x40]), Ok(()));
    for _ in 0..256 {
        let _ = decoder.push(&[0u8; 4096]);
    }
    assert!(decoder.buffered() <= 2 + 5, "{} bytes buffered", decoder.buffered());
    assert_eq!(decoder.next_packet(), Ok(Some(Packet::PingReq)));
    assert_eq!(decoder.next_packet(), Err(error.clone()));
    assert_eq!(decoder.push(&[0xC0, 0x00]), Err(error));

    // The boundary: a packet of exactly the maximum passes, one byte more does not.
    let exactly = frame(0x30, &cat(&[&s(b"a"), &vec![0u8; 1024 - 3 - 3]]));
    assert_eq!(exactly.len(), 1024);
    let mut decoder = Decoder::new(V3_1_1).with_max_packet_size(1024);
    assert_eq!(decoder.push(&exactly), Ok(()));
    assert!(matches!(decoder.next_packet(), Ok(Some(Packet::Publish(_)))));
    let over = frame(0x30, &cat(&[&s(b"a"), &vec![0u8; 1024 - 3 - 3 + 1]]));
    let mut decoder = Decoder::new(V3_1_1).with_max_packet_size(1024);
    assert_eq!(decoder.push(&over), Err(D::PacketTooLarge { size: 1025, maximum: 1024 }));
    assert_eq!(decoder.buffered(), 0);
}

/// After an error the stream cannot be resynchronised: every later call fails the same.
#[test]
fn decoder_stays_failed() {
    // Failed in next_packet (the body is bad).
    let mut decoder = Decoder::new(V3_1_1);
    assert_eq!(decoder.push(&[0x00, 0x00, 0xC0, 0x00]), Ok(()));
    assert_eq!(decoder.next(), Some(Err(D::ReservedPacketType)));
    assert_eq!(decoder.next(), None, "the iterator ends after the error");
    assert_eq!(decoder.next_packet(), Err(D::ReservedPacketType), "the PINGREQ behind it never comes out");
    assert_eq!(decoder.push(&[0xC0, 0x00]), Err(D::ReservedPacketType));
    assert_eq!(decoder.next_packet(), Err(D::ReservedPacketType));

    // Failed in push (the header is bad).
    let mut decoder = Decoder::new(V5);
    assert_eq!(decoder.push(&[0x30, 0xFF, 0xFF, 0xFF, 0xFF]), Err(D::MalformedRemainingLength));
    assert_eq!(decoder.buffered(), 0);
    assert_eq!(decoder.next_packet(), Err(D::MalformedRemainingLength));
    assert_eq!(decoder.push(&[0xC0, 0x00]), Err(D::MalformedRemainingLength));
    assert_eq!(decoder.next(), None);
}

/// Packets of every kind and of several Remaining Length sizes, 5.0.
fn stream() -> (Vec<Packet>, Vec<u8>) {
    let mut connect = Connect::new(V5, "client");
    connect.will = Some(Will {
        topic: "will/topic".into(),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: with_props(vec![Property::WillDelayInterval(5)]),
    });
    connect.properties.push(Property::SessionExpiryInterval(60));
    let big = Publish {
        qos: QoS::ExactlyOnce,
        packet_id: 9,
        properties: with_props(vec![Property::UserProperty("k".into(), "v".into())]),
        ..Publish::new("a/b", Bytes::from(vec![7u8; 300]))
    };
    let packets = vec![
        Packet::Connect(Box::new(connect)),
        Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }),
        Packet::Publish(big),
        Packet::Publish(Publish::new("t", Bytes::from_static(b"x"))),
        Packet::PubAck(Ack::new(1)),
        Packet::PubRec(Ack { reason: ReasonCode::NO_MATCHING_SUBSCRIBERS, ..Ack::new(9) }),
        Packet::PubRel(Ack::new(9)),
        Packet::PubComp(Ack::new(9)),
        Packet::Subscribe(Subscribe::new(2, vec![SubscribeFilter::new("a/+", QoS::AtLeastOnce)])),
        Packet::SubAck(SubAck { packet_id: 2, reasons: vec![ReasonCode::GRANTED_QOS_1], ..SubAck::default() }),
        Packet::Unsubscribe(Unsubscribe { packet_id: 3, filters: vec!["a/+".into()], ..Unsubscribe::default() }),
        Packet::UnsubAck(UnsubAck { packet_id: 3, reasons: vec![ReasonCode::SUCCESS], ..UnsubAck::default() }),
        Packet::PingReq,
        Packet::PingResp,
        Packet::Auth(Auth { reason: ReasonCode::CONTINUE_AUTHENTICATION, ..Auth::default() }),
        Packet::Disconnect(Disconnect { reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE, ..Disconnect::default() }),
    ];
    let bytes = packets.iter().flat_map(|p| encodes(p, V5)).collect();
    (packets, bytes)
}

fn drain(decoder: &mut Decoder, into: &mut Vec<Packet>) {
    while let Some(p) = decoder.next_packet().expect("a valid stream") {
        into.push(p);
    }
}

#[test]
fn decoder_one_byte_at_a_time() {
    let (packets, bytes) = stream();
    let mut decoder = Decoder::new(V5);
    let mut got = Vec::new();
    for byte in &bytes {
        decoder.push(std::slice::from_ref(byte)).expect("push");
        drain(&mut decoder, &mut got);
    }
    assert_eq!(got, packets);
    assert_eq!(decoder.buffered(), 0);
}

#[test]
fn decoder_several_packets_in_one_chunk() {
    let (packets, bytes) = stream();
    let mut decoder = Decoder::new(V5);
    decoder.push(&bytes).expect("push");
    assert_eq!(decoder.buffered(), bytes.len());
    let got: Vec<Packet> = decoder.by_ref().map(|p| p.expect("a valid stream")).collect();
    assert_eq!(got, packets);
    assert_eq!(decoder.buffered(), 0);
    assert_eq!(decoder.next_packet(), Ok(None));
    // Two chunks, cut at every point.
    for cut in 0..=bytes.len() {
        let mut decoder = Decoder::new(V5);
        let mut got = Vec::new();
        decoder.push(&bytes[..cut]).expect("push");
        drain(&mut decoder, &mut got);
        decoder.push(&bytes[cut..]).expect("push");
        drain(&mut decoder, &mut got);
        assert_eq!(got, packets, "cut at {cut}");
    }
    // Several chunks pushed before any packet is taken out.
    let mut decoder = Decoder::new(V5);
    for chunk in bytes.chunks(7) {
        decoder.push(chunk).expect("push");
    }
    let mut got = Vec::new();
    drain(&mut decoder, &mut got);
    assert_eq!(got, packets);
}

// =====================================================================================
// Encoding.

/// 3.1.1 §1.5.3 / 5.0 §1.5.4, §1.5.6: strings and binary fields hold 65,535 bytes.
#[test]
fn strings_over_65535_bytes() {
    let long = "a".repeat(65_536);
    let max = "a".repeat(65_535);
    for version in [V3_1_1, V5] {
        refuses(&Packet::Publish(publish(&long)), version, E::InvalidTopicName(TopicError::TooLong { len: 65_536 }));
        encodes(&Packet::Publish(publish(&max)), version);
        refuses(
            &Packet::Connect(Box::new(Connect::new(version, long.clone()))),
            version,
            E::StringTooLong { field: "client identifier", len: 65_536 },
        );
        encodes(&Packet::Connect(Box::new(Connect::new(version, max.clone()))), version);
        let mut connect = Connect::new(version, "c");
        connect.username = Some(long.clone());
        refuses(&Packet::Connect(Box::new(connect)), version, E::StringTooLong { field: "user name", len: 65_536 });
        let mut connect = Connect::new(version, "c");
        connect.will = Some(Will {
            topic: long.clone(),
            payload: Bytes::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::new(),
        });
        refuses(&Packet::Connect(Box::new(connect)), version, E::InvalidTopicName(TopicError::TooLong { len: 65_536 }));
        let subscribe = Subscribe::new(1, vec![SubscribeFilter::new(long.clone(), QoS::AtMostOnce)]);
        refuses(&Packet::Subscribe(subscribe), version, E::InvalidTopicFilter(TopicError::TooLong { len: 65_536 }));
    }
    let user = |k: &str, v: &str| {
        Packet::Publish(Publish {
            properties: with_props(vec![Property::UserProperty(k.into(), v.into())]),
            ..publish("t")
        })
    };
    refuses(&user(&long, "v"), V5, E::StringTooLong { field: "User Property name", len: 65_536 });
    refuses(&user("k", &long), V5, E::StringTooLong { field: "User Property value", len: 65_536 });
    encodes(&user(&max, &max), V5);
    let reason =
        Disconnect { reason: ReasonCode::SUCCESS, properties: with_props(vec![Property::ReasonString(long.clone())]) };
    refuses(&Packet::Disconnect(reason), V5, E::StringTooLong { field: "Reason String", len: 65_536 });
}

#[test]
fn binary_over_65535_bytes() {
    let long = Bytes::from(vec![1u8; 65_536]);
    let max = Bytes::from(vec![1u8; 65_535]);
    let mut connect = Connect::new(V3_1_1, "c");
    connect.username = Some("u".into());
    connect.password = Some(long.clone());
    refuses(&Packet::Connect(Box::new(connect.clone())), V3_1_1, E::BinaryTooLong { field: "password", len: 65_536 });
    connect.password = Some(max.clone());
    encodes(&Packet::Connect(Box::new(connect.clone())), V3_1_1);
    connect.will = Some(Will {
        topic: "w".into(),
        payload: long.clone(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::new(),
    });
    refuses(&Packet::Connect(Box::new(connect)), V3_1_1, E::BinaryTooLong { field: "will payload", len: 65_536 });
    let correlation = Publish { properties: with_props(vec![Property::CorrelationData(long.clone())]), ..publish("t") };
    refuses(&Packet::Publish(correlation), V5, E::BinaryTooLong { field: "Correlation Data", len: 65_536 });
    let auth = Auth {
        reason: ReasonCode::CONTINUE_AUTHENTICATION,
        properties: with_props(vec![Property::AuthenticationMethod("m".into()), Property::AuthenticationData(long)]),
    };
    refuses(&Packet::Auth(auth), V5, E::BinaryTooLong { field: "Authentication Data", len: 65_536 });
    // A PUBLISH payload is not a binary field: it may be larger.
    encodes(&Packet::Publish(Publish::new("t", Bytes::from(vec![0u8; 70_000]))), V3_1_1);
}

/// 3.1.1 §2.2.3: the Remaining Length is at most 268,435,455 (a real 256 MiB payload, once).
#[test]
fn remaining_length_over_maximum() {
    let payload = Bytes::from(vec![0u8; 268_435_450]);
    // "test" takes 6 bytes: 268,435,456 in all.
    let packet = Packet::Publish(Publish::new("test", payload.clone()));
    refuses(&packet, V3_1_1, E::PacketTooLarge { remaining_length: 268_435_456 });
    // 5.0 adds the Property Length byte.
    refuses(&packet, V5, E::PacketTooLarge { remaining_length: 268_435_457 });
    // The packet identifier counts too: "tt" (4 bytes) and 2 bytes of identifier.
    let packet = Packet::Publish(Publish { qos: QoS::AtLeastOnce, packet_id: 1, ..Publish::new("tt", payload) });
    refuses(&packet, V3_1_1, E::PacketTooLarge { remaining_length: 268_435_456 });
}

/// [MQTT-2.3.1-1]: packet identifier 0 is refused wherever one is written.
#[test]
fn encode_packet_id_0() {
    for version in [V3_1_1, V5] {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            refuses(&Packet::Publish(Publish { qos, ..publish("t") }), version, E::ZeroPacketId { packet: T::Publish });
        }
        refuses(&Packet::PubAck(Ack::new(0)), version, E::ZeroPacketId { packet: T::PubAck });
        refuses(&Packet::PubRec(Ack::new(0)), version, E::ZeroPacketId { packet: T::PubRec });
        refuses(&Packet::PubRel(Ack::new(0)), version, E::ZeroPacketId { packet: T::PubRel });
        refuses(&Packet::PubComp(Ack::new(0)), version, E::ZeroPacketId { packet: T::PubComp });
        let filters = vec![SubscribeFilter::new("a", QoS::AtMostOnce)];
        refuses(&Packet::Subscribe(Subscribe::new(0, filters)), version, E::ZeroPacketId { packet: T::Subscribe });
        let suback = SubAck { packet_id: 0, reasons: vec![ReasonCode::SUCCESS], ..SubAck::default() };
        refuses(&Packet::SubAck(suback), version, E::ZeroPacketId { packet: T::SubAck });
        let unsubscribe = Unsubscribe { packet_id: 0, filters: vec!["a".into()], ..Unsubscribe::default() };
        refuses(&Packet::Unsubscribe(unsubscribe), version, E::ZeroPacketId { packet: T::Unsubscribe });
        let unsuback = UnsubAck {
            packet_id: 0,
            reasons: if version.is_v5() { vec![ReasonCode::SUCCESS] } else { vec![] },
            ..UnsubAck::default()
        };
        refuses(&Packet::UnsubAck(unsuback), version, E::ZeroPacketId { packet: T::UnsubAck });
    }
    // QoS 0 has no packet identifier: whatever the field holds is not written.
    assert_eq!(
        encodes(&Packet::Publish(Publish { packet_id: 7, ..publish("t") }), V3_1_1),
        [0x30, 0x03, 0x00, 0x01, b't']
    );
}

/// [MQTT-3.3.2-2], [MQTT-4.7.3-1], 5.0 §3.3.2.3.4: PUBLISH and will topics.
#[test]
fn encode_invalid_topic_names() {
    for version in ALL_VERSIONS {
        for topic in ["a/+", "#", "a/b#"] {
            refuses(&Packet::Publish(publish(topic)), version, E::InvalidTopicName(TopicError::WildcardInName));
        }
        refuses(&Packet::Publish(publish("a\0")), version, E::InvalidTopicName(TopicError::NullCharacter));
        let mut connect = Connect::new(version, "c");
        connect.will = Some(Will {
            topic: "w/+".into(),
            payload: Bytes::new(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::new(),
        });
        refuses(&Packet::Connect(Box::new(connect.clone())), version, E::InvalidTopicName(TopicError::WildcardInName));
        connect.will.as_mut().unwrap().topic.clear();
        refuses(&Packet::Connect(Box::new(connect)), version, E::InvalidTopicName(TopicError::Empty));
    }
    refuses(&Packet::Publish(publish("")), V3_1_1, E::InvalidTopicName(TopicError::Empty));
    refuses(&Packet::Publish(publish("")), V3_1, E::InvalidTopicName(TopicError::Empty));
    refuses(&Packet::Publish(publish("")), V5, E::EmptyTopicWithoutAlias);
    let aliased = Publish { properties: with_props(vec![Property::TopicAlias(3)]), ..publish("") };
    assert_eq!(encodes(&Packet::Publish(aliased.clone()), V5), [0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x03]);
    // Before 5.0 there is no alias to stand for the topic.
    refuses(&Packet::Publish(aliased), V3_1_1, E::InvalidTopicName(TopicError::Empty));
}

#[test]
fn encode_invalid_topic_filters() {
    let cases = [
        ("a/#/b", TopicError::MisplacedMultiLevelWildcard),
        ("sport/tennis#", TopicError::MisplacedMultiLevelWildcard),
        ("sport+", TopicError::MisplacedSingleLevelWildcard),
        ("", TopicError::Empty),
        ("$share/group", TopicError::InvalidSharedSubscription),
        ("a\0", TopicError::NullCharacter),
    ];
    for (filter, error) in cases {
        let subscribe = Subscribe::new(
            1,
            vec![SubscribeFilter::new("ok/#", QoS::AtMostOnce), SubscribeFilter::new(filter, QoS::AtMostOnce)],
        );
        refuses(&Packet::Subscribe(subscribe), V5, E::InvalidTopicFilter(error));
        let unsubscribe = Unsubscribe { packet_id: 1, filters: vec![filter.into()], ..Unsubscribe::default() };
        refuses(&Packet::Unsubscribe(unsubscribe), V3_1_1, E::InvalidTopicFilter(error));
    }
}

/// Properties exist only in 5.0: an encoder that dropped them would change the packet.
#[test]
fn encode_properties_before_5_0() {
    let one = || with_props(vec![Property::UserProperty("k".into(), "v".into())]);
    let mut connect = Connect::new(V3_1_1, "c");
    connect.properties = one();
    let mut will_props = Connect::new(V3_1_1, "c");
    will_props.will =
        Some(Will { topic: "w".into(), payload: Bytes::new(), qos: QoS::AtMostOnce, retain: false, properties: one() });
    let packets = [
        Packet::Connect(Box::new(connect)),
        Packet::Connect(Box::new(will_props)),
        Packet::ConnAck(ConnAck { properties: one(), ..ConnAck::default() }),
        Packet::Publish(Publish { properties: one(), ..publish("t") }),
        Packet::PubAck(Ack { properties: one(), ..Ack::new(1) }),
        Packet::PubRel(Ack { properties: one(), ..Ack::new(1) }),
        Packet::Subscribe(Subscribe {
            properties: one(),
            ..Subscribe::new(1, vec![SubscribeFilter::new("a", QoS::AtMostOnce)])
        }),
        Packet::SubAck(SubAck { packet_id: 1, reasons: vec![ReasonCode::SUCCESS], properties: one() }),
        Packet::Unsubscribe(Unsubscribe { packet_id: 1, filters: vec!["a".into()], properties: one() }),
        Packet::UnsubAck(UnsubAck { packet_id: 1, reasons: vec![], properties: one() }),
        Packet::Disconnect(Disconnect { reason: ReasonCode::SUCCESS, properties: one() }),
    ];
    for packet in &packets {
        refuses(packet, V3_1_1, E::NotInVersion { what: "properties", version: V3_1_1 });
    }
    // The same packets encode in 5.0 (a CONNECT for 5.0, of course).
    for packet in &packets {
        let packet = match packet {
            Packet::Connect(c) => Packet::Connect(Box::new(Connect { protocol: V5, ..(**c).clone() })),
            Packet::UnsubAck(u) => Packet::UnsubAck(UnsubAck { reasons: vec![ReasonCode::SUCCESS], ..u.clone() }),
            other => other.clone(),
        };
        encodes(&packet, V5);
    }
}

/// Before 5.0 there are no reason codes beyond the 3.x CONNACK and SUBACK return codes.
#[test]
fn encode_reason_codes_before_5_0() {
    for ack in [Packet::PubAck, Packet::PubRec, Packet::PubRel, Packet::PubComp] {
        let code = if matches!(ack(Ack::new(1)), Packet::PubRel(_)) {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        } else {
            ReasonCode::NO_MATCHING_SUBSCRIBERS
        };
        refuses(
            &ack(Ack { reason: code, ..Ack::new(1) }),
            V3_1_1,
            E::NotInVersion { what: "a reason code other than Success", version: V3_1_1 },
        );
    }
    let disconnect = Disconnect { reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE, ..Disconnect::default() };
    refuses(
        &Packet::Disconnect(disconnect),
        V3_1_1,
        E::NotInVersion { what: "a DISCONNECT reason code", version: V3_1_1 },
    );
    // CONNACK: the six codes with a 3.x return code, nothing else.
    refuses(
        &Packet::ConnAck(ConnAck { reason: ReasonCode::PACKET_TOO_LARGE, ..ConnAck::default() }),
        V3_1_1,
        E::InvalidReasonCode { packet: T::ConnAck, code: 0x95 },
    );
    assert_eq!(
        encodes(&Packet::ConnAck(ConnAck { reason: ReasonCode::NOT_AUTHORIZED, ..ConnAck::default() }), V3_1_1),
        [0x20, 0x02, 0x00, 0x05]
    );
    // SUBACK: 0x00-0x02 and 0x80.
    let suback = |code| {
        Packet::SubAck(SubAck {
            packet_id: 1,
            reasons: vec![ReasonCode::SUCCESS, ReasonCode(code)],
            ..SubAck::default()
        })
    };
    refuses(&suback(0x87), V3_1_1, E::InvalidReasonCode { packet: T::SubAck, code: 0x87 });
    encodes(&suback(0x80), V3_1_1);
    let unsuback = UnsubAck { packet_id: 1, reasons: vec![ReasonCode::SUCCESS], ..UnsubAck::default() };
    refuses(&Packet::UnsubAck(unsuback), V3_1_1, E::NotInVersion { what: "UNSUBACK reason codes", version: V3_1_1 });
    let options = SubscriptionOptions { no_local: true, ..SubscriptionOptions::default() };
    let subscribe = Subscribe::new(1, vec![SubscribeFilter { filter: "a".into(), options }]);
    refuses(
        &Packet::Subscribe(subscribe),
        V3_1_1,
        E::NotInVersion { what: "subscription options other than QoS", version: V3_1_1 },
    );
    // 3.1 has no session present flag.
    refuses(
        &Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }),
        V3_1,
        E::NotInVersion { what: "session present", version: V3_1 },
    );
}

/// 5.0 §3.x: each packet's reason codes, all 256, through the encoder.
#[test]
fn encode_invalid_reason_codes_in_5_0() {
    for code in 0..=255u8 {
        let reason = ReasonCode(code);
        let packets = [
            (T::ConnAck, Packet::ConnAck(ConnAck { reason, ..ConnAck::default() })),
            (T::PubAck, Packet::PubAck(Ack { reason, ..Ack::new(1) })),
            (T::PubRec, Packet::PubRec(Ack { reason, ..Ack::new(1) })),
            (T::PubRel, Packet::PubRel(Ack { reason, ..Ack::new(1) })),
            (T::PubComp, Packet::PubComp(Ack { reason, ..Ack::new(1) })),
            (T::SubAck, Packet::SubAck(SubAck { packet_id: 1, reasons: vec![reason], ..SubAck::default() })),
            (T::UnsubAck, Packet::UnsubAck(UnsubAck { packet_id: 1, reasons: vec![reason], ..UnsubAck::default() })),
            (T::Disconnect, Packet::Disconnect(Disconnect { reason, ..Disconnect::default() })),
            (T::Auth, Packet::Auth(Auth { reason, ..Auth::default() })),
        ];
        for (packet_type, packet) in packets {
            if reason.allowed_in(packet_type) {
                let bytes = encodes(&packet, V5);
                assert_eq!(accepts(V5, &bytes), packet);
            } else {
                refuses(&packet, V5, E::InvalidReasonCode { packet: packet_type, code });
            }
        }
    }
}

#[test]
fn encode_property_not_allowed() {
    let not_allowed = |property, owner| E::PropertyNotAllowed { property, owner };
    let publish_with = Publish { properties: with_props(vec![Property::SessionExpiryInterval(1)]), ..publish("t") };
    refuses(
        &Packet::Publish(publish_with),
        V5,
        not_allowed(PropertyId::SessionExpiryInterval, PropertyOwner::Packet(T::Publish)),
    );
    let mut connect = Connect::new(V5, "c");
    connect.properties.push(Property::AssignedClientIdentifier("x".into()));
    refuses(
        &Packet::Connect(Box::new(connect)),
        V5,
        not_allowed(PropertyId::AssignedClientIdentifier, PropertyOwner::Packet(T::Connect)),
    );
    let mut connect = Connect::new(V5, "c");
    connect.will = Some(Will {
        topic: "w".into(),
        payload: Bytes::new(),
        qos: QoS::AtMostOnce,
        retain: false,
        properties: with_props(vec![Property::TopicAlias(1)]),
    });
    refuses(&Packet::Connect(Box::new(connect)), V5, not_allowed(PropertyId::TopicAlias, PropertyOwner::Will));
    let puback = Ack { properties: with_props(vec![Property::ContentType("x".into())]), ..Ack::new(1) };
    refuses(&Packet::PubAck(puback), V5, not_allowed(PropertyId::ContentType, PropertyOwner::Packet(T::PubAck)));
    let subscribe = Subscribe {
        properties: with_props(vec![Property::ReasonString("x".into())]),
        ..Subscribe::new(1, vec![SubscribeFilter::new("a", QoS::AtMostOnce)])
    };
    refuses(
        &Packet::Subscribe(subscribe),
        V5,
        not_allowed(PropertyId::ReasonString, PropertyOwner::Packet(T::Subscribe)),
    );
    let disconnect =
        Disconnect { reason: ReasonCode::SUCCESS, properties: with_props(vec![Property::ReceiveMaximum(5)]) };
    refuses(
        &Packet::Disconnect(disconnect),
        V5,
        not_allowed(PropertyId::ReceiveMaximum, PropertyOwner::Packet(T::Disconnect)),
    );
}

#[test]
fn encode_duplicate_properties() {
    let twice = |p: Property| with_props(vec![p.clone(), Property::UserProperty("k".into(), "v".into()), p]);
    refuses(
        &Packet::Publish(Publish { properties: twice(Property::ContentType("a".into())), ..publish("t") }),
        V5,
        E::DuplicateProperty { property: PropertyId::ContentType },
    );
    let mut connect = Connect::new(V5, "c");
    connect.properties = twice(Property::SessionExpiryInterval(1));
    refuses(&Packet::Connect(Box::new(connect)), V5, E::DuplicateProperty { property: PropertyId::SessionExpiryInterval });
    let subscribe = Subscribe {
        properties: twice(Property::SubscriptionIdentifier(4)),
        ..Subscribe::new(1, vec![SubscribeFilter::new("a", QoS::AtMostOnce)])
    };
    refuses(&Packet::Subscribe(subscribe), V5, E::DuplicateProperty { property: PropertyId::SubscriptionIdentifier });
    // Allowed twice: Subscription Identifier in PUBLISH, User Property anywhere.
    let publish_ids = Publish { properties: twice(Property::SubscriptionIdentifier(4)), ..publish("t") };
    assert_eq!(accepts(V5, &encodes(&Packet::Publish(publish_ids.clone()), V5)), Packet::Publish(publish_ids));
    let users =
        Disconnect { reason: ReasonCode::SUCCESS, properties: twice(Property::UserProperty("k".into(), "v".into())) };
    encodes(&Packet::Disconnect(users), V5);
}

#[test]
fn encode_invalid_property_values() {
    let cases = [
        (Property::ReceiveMaximum(0), PropertyId::ReceiveMaximum, 0),
        (Property::MaximumPacketSize(0), PropertyId::MaximumPacketSize, 0),
        (Property::RequestProblemInformation(2), PropertyId::RequestProblemInformation, 2),
    ];
    for (property, id, value) in cases {
        let mut connect = Connect::new(V5, "c");
        connect.properties.push(property);
        refuses(&Packet::Connect(Box::new(connect)), V5, E::InvalidPropertyValue { property: id, value });
    }
    let cases = [
        (Property::TopicAlias(0), PropertyId::TopicAlias, 0),
        (Property::PayloadFormatIndicator(2), PropertyId::PayloadFormatIndicator, 2),
        (Property::SubscriptionIdentifier(0), PropertyId::SubscriptionIdentifier, 0),
        (Property::SubscriptionIdentifier(268_435_456), PropertyId::SubscriptionIdentifier, 268_435_456),
    ];
    for (property, id, value) in cases {
        let p = Publish { properties: with_props(vec![property]), ..publish("t") };
        refuses(&Packet::Publish(p), V5, E::InvalidPropertyValue { property: id, value });
    }
    let connack = ConnAck { properties: with_props(vec![Property::MaximumQoS(2)]), ..ConnAck::default() };
    refuses(&Packet::ConnAck(connack), V5, E::InvalidPropertyValue { property: PropertyId::MaximumQoS, value: 2 });
}

#[test]
fn encode_auth_before_5_0() {
    for version in [V3_1, V3_1_1] {
        refuses(&Packet::Auth(Auth::default()), version, E::NotInVersion { what: "AUTH", version });
    }
}

/// A CONNECT names its version; the encoder speaking another one refuses it.
#[test]
fn encode_connect_version_mismatch() {
    refuses(&Packet::Connect(Box::new(Connect::new(V5, "c"))), V3_1_1, E::VersionMismatch { packet: V5, encoder: V3_1_1 });
    refuses(&Packet::Connect(Box::new(Connect::new(V3_1, "c"))), V5, E::VersionMismatch { packet: V3_1, encoder: V5 });
    refuses(&Packet::Connect(Box::new(Connect::new(V3_1_1, "c"))), V3_1, E::VersionMismatch { packet: V3_1_1, encoder: V3_1 });
}

/// MQTT 3.1 §3.1: a client id of 1 to 23 characters; 3.1.1 [MQTT-3.1.3-7]: an empty
/// one needs Clean Session; 5.0 §3.1.3.1 drops that rule.
#[test]
fn encode_empty_client_id() {
    refuses(&Packet::Connect(Box::new(Connect::new(V3_1, ""))), V3_1, E::EmptyClientIdInV3_1);
    let not_clean = |version| Packet::Connect(Box::new(Connect { clean_start: false, ..Connect::new(version, "") }));
    refuses(&not_clean(V3_1_1), V3_1_1, E::EmptyClientIdWithoutCleanSession);
    encodes(&Packet::Connect(Box::new(Connect::new(V3_1_1, ""))), V3_1_1);
    encodes(&not_clean(V5), V5);
}

#[test]
fn encode_password_without_username() {
    for version in [V3_1, V3_1_1] {
        let connect = Connect { password: Some(Bytes::from_static(b"p")), ..Connect::new(version, "c") };
        refuses(&Packet::Connect(Box::new(connect)), version, E::PasswordWithoutUsername);
    }
    let connect = Connect { password: Some(Bytes::from_static(b"p")), ..Connect::new(V5, "c") };
    assert_eq!(accepts(V5, &encodes(&Packet::Connect(Box::new(connect.clone())), V5)), Packet::Connect(Box::new(connect)));
}

#[test]
fn encode_dup_on_qos_0() {
    for version in ALL_VERSIONS {
        refuses(&Packet::Publish(Publish { dup: true, ..publish("t") }), version, E::DupWithQoS0);
        encodes(&Packet::Publish(Publish { dup: true, qos: QoS::AtLeastOnce, packet_id: 1, ..publish("t") }), version);
    }
}

#[test]
fn encode_null_character() {
    refuses(&Packet::Connect(Box::new(Connect::new(V3_1_1, "c\0"))), V3_1_1, E::NullCharacter { field: "client identifier" });
    let user =
        Publish { properties: with_props(vec![Property::UserProperty("\0".into(), "v".into())]), ..publish("t") };
    refuses(&Packet::Publish(user), V5, E::NullCharacter { field: "User Property name" });
    let connect = Connect { username: Some("u\0".into()), ..Connect::new(V3_1_1, "c") };
    refuses(&Packet::Connect(Box::new(connect)), V3_1_1, E::NullCharacter { field: "user name" });
}

#[test]
fn encode_no_local_on_shared_subscription() {
    let options = SubscriptionOptions { no_local: true, ..SubscriptionOptions::default() };
    let subscribe = Subscribe::new(1, vec![SubscribeFilter { filter: "$share/g/a".into(), options }]);
    refuses(&Packet::Subscribe(subscribe), V5, E::NoLocalOnSharedSubscription);
    encodes(&Packet::Subscribe(Subscribe::new(1, vec![SubscribeFilter { filter: "a".into(), options }])), V5);
}

#[test]
fn encode_empty_payloads() {
    for version in [V3_1_1, V5] {
        refuses(&Packet::Subscribe(Subscribe::new(1, vec![])), version, E::EmptyPayload { packet: T::Subscribe });
        refuses(
            &Packet::Unsubscribe(Unsubscribe { packet_id: 1, ..Unsubscribe::default() }),
            version,
            E::EmptyPayload { packet: T::Unsubscribe },
        );
        refuses(
            &Packet::SubAck(SubAck { packet_id: 1, ..SubAck::default() }),
            version,
            E::EmptyPayload { packet: T::SubAck },
        );
    }
    refuses(
        &Packet::UnsubAck(UnsubAck { packet_id: 1, ..UnsubAck::default() }),
        V5,
        E::EmptyPayload { packet: T::UnsubAck },
    );
    assert_eq!(
        encodes(&Packet::UnsubAck(UnsubAck { packet_id: 1, ..UnsubAck::default() }), V3_1_1),
        [0xB0, 0x02, 0x00, 0x01]
    );
}

/// A refused encode leaves the buffer exactly as it was, even after other packets.
#[test]
fn failed_encode_leaves_output_unchanged() {
    let mut out = Vec::new();
    Packet::PingReq.encode(V5, &mut out).expect("PINGREQ");
    let before = out.clone();
    let refused = [
        Packet::Publish(publish("a/#")),
        Packet::Publish(Publish { qos: QoS::AtLeastOnce, ..publish("t") }),
        Packet::Auth(Auth { reason: ReasonCode(0x17), ..Auth::default() }),
        // The error is only found in the last property, after the others were sized.
        Packet::Publish(Publish {
            properties: with_props(vec![
                Property::ContentType("x".into()),
                Property::UserProperty("k".into(), "v".into()),
                Property::TopicAlias(0),
            ]),
            payload: Bytes::from(vec![1u8; 1000]),
            ..publish("t")
        }),
    ];
    for packet in &refused {
        assert!(packet.encode(V5, &mut out).is_err(), "{packet:?}");
        assert_eq!(out, before);
    }
    Packet::PingResp.encode(V5, &mut out).expect("PINGRESP");
    assert_eq!(out, [0xC0, 0x00, 0xD0, 0x00]);
}
