//! The byte examples, topic examples and reason-code tables of the MQTT 3.1.1 (OASIS
//! Standard, 29 October 2014) and MQTT 5.0 (OASIS Standard, 7 March 2019)
//! specifications, written out here from the specification text and checked against
//! the codec.

use webmqtt_codec::topic::shared_subscription;
use webmqtt_codec::*;

use ProtocolVersion::{V3_1, V3_1_1, V5};

fn encode(packet: &Packet, version: ProtocolVersion) -> Vec<u8> {
    packet.to_bytes(version).unwrap_or_else(|e| panic!("{packet:?} does not encode in {version}: {e}"))
}

fn decode(version: ProtocolVersion, bytes: &[u8]) -> Packet {
    Packet::decode(version, &Bytes::copy_from_slice(bytes))
        .unwrap_or_else(|e| panic!("{bytes:02x?} does not decode: {e}"))
}

/// Encodes, checks the bytes, and checks they decode back to the packet.
fn check_bytes(packet: Packet, version: ProtocolVersion, expected: &[u8]) {
    let bytes = encode(&packet, version);
    assert_eq!(bytes, expected, "{packet:?} in {version}");
    assert_eq!(decode(version, expected), packet, "{expected:02x?} in {version}");
}

// -------------------------------------------------------------------------------------
// Remaining Length (3.1.1 §2.2.3, Table 2.4) and Variable Byte Integer (5.0 §1.5.5,
// Table 1-1): the boundaries of each encoded length.

const VBI_TABLE: [(usize, &[u8]); 8] = [
    (0, &[0x00]),
    (127, &[0x7F]),
    (128, &[0x80, 0x01]),
    (16_383, &[0xFF, 0x7F]),
    (16_384, &[0x80, 0x80, 0x01]),
    (2_097_151, &[0xFF, 0xFF, 0x7F]),
    (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
    (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
];

/// A QoS 0 PUBLISH to "a" whose Remaining Length is `len` (topic field: 3 bytes).
fn publish_of_remaining_length(len: usize) -> Packet {
    Packet::Publish(Publish::new("a", Bytes::from(vec![0u8; len - 3])))
}

#[test]
fn remaining_length_boundaries_decode() {
    for (value, encoding) in VBI_TABLE {
        let mut bytes = vec![0x30];
        bytes.extend_from_slice(encoding);
        let header = FixedHeader::parse(&bytes, &[]).expect("valid").expect("complete");
        assert_eq!(header.remaining_length, value, "{encoding:02x?}");
        assert_eq!(header.header_len, 1 + encoding.len());
        assert_eq!(header.packet_len(), 1 + encoding.len() + value);
        // Split across the two slices the decoder hands it.
        let header = FixedHeader::parse(&bytes[..2], &bytes[2..]).expect("valid").expect("complete");
        assert_eq!(header.remaining_length, value);
        // One byte short of a complete header: more bytes needed, not an error.
        if encoding.len() > 1 {
            assert_eq!(FixedHeader::parse(&bytes[..bytes.len() - 1], &[]), Ok(None));
        }
    }
    assert_eq!(MAX_VAR_INT, 268_435_455);
    assert_eq!(MAX_PACKET_SIZE, 1 + 4 + 268_435_455);
}

#[test]
fn remaining_length_boundaries_encode() {
    // 0: a packet without a body.
    assert_eq!(encode(&Packet::PingReq, V3_1_1), [0xC0, 0x00]);
    for (value, encoding) in VBI_TABLE {
        if value == 0 || value == MAX_VAR_INT as usize {
            continue;
        }
        let bytes = encode(&publish_of_remaining_length(value), V3_1_1);
        assert_eq!(&bytes[1..1 + encoding.len()], encoding, "remaining length {value}");
        assert_eq!(bytes.len(), 1 + encoding.len() + value);
        assert_eq!(&bytes[1 + encoding.len()..][..3], [0x00, 0x01, b'a']);
    }
}

/// The largest Remaining Length, 268,435,455, with a real 256 MiB body (once).
#[test]
fn largest_remaining_length_encodes_and_decodes() {
    let packet = publish_of_remaining_length(MAX_VAR_INT as usize);
    let bytes = encode(&packet, V3_1_1);
    assert_eq!(&bytes[..8], [0x30, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x01, b'a']);
    assert_eq!(bytes.len(), 5 + 268_435_455);
    let decoded = Packet::decode(V3_1_1, &Bytes::from(bytes)).expect("decodes");
    let Packet::Publish(publish) = decoded else { panic!("not a PUBLISH") };
    assert_eq!(publish.topic, "a");
    assert_eq!(publish.payload.len(), 268_435_452);
}

/// 5.0 §1.5.5 Table 1-1 again, through a Variable Byte Integer that is not a length:
/// the Subscription Identifier property (5.0 §3.3.2.3.8), 1 to 268,435,455.
#[test]
fn variable_byte_integer_table_in_a_property() {
    for (value, encoding) in VBI_TABLE.into_iter().filter(|(v, _)| *v > 0) {
        let props = Properties::new().with(Property::SubscriptionIdentifier(value as u32));
        let packet = Packet::Publish(Publish { properties: props, ..Publish::new("a", Bytes::new()) });
        let mut expected =
            vec![0x30, (3 + 1 + 1 + encoding.len()) as u8, 0x00, 0x01, b'a', (1 + encoding.len()) as u8, 0x0B];
        expected.extend_from_slice(encoding);
        check_bytes(packet, V5, &expected);
    }
    // 0 is the empty property list's length (5.0 §2.2.2.1).
    check_bytes(Packet::Publish(Publish::new("a", Bytes::new())), V5, &[0x30, 0x04, 0x00, 0x01, b'a', 0x00]);
}

// -------------------------------------------------------------------------------------
// UTF-8 Encoded Strings: the example of 3.1.1 §1.5.3 and 5.0 §1.5.4.

/// "A𪛔": LATIN CAPITAL LETTER A, then U+2A6D4 (a CJK ideograph outside the BMP).
#[test]
fn utf8_string_example() {
    let s = "A\u{2A6D4}";
    let field = [0x00, 0x05, 0x41, 0xF0, 0xAA, 0x9B, 0x94];
    for version in [V3_1_1, V5] {
        let packet = Packet::Publish(Publish::new(s, Bytes::new()));
        let bytes = encode(&packet, version);
        assert_eq!(&bytes[2..9], field, "{version}");
        assert_eq!(decode(version, &bytes), packet);
    }
    // As a client identifier, in the CONNECT payload.
    let bytes = encode(&Packet::Connect(Box::new(Connect::new(V3_1_1, s))), V3_1_1);
    assert_eq!(&bytes[bytes.len() - 7..], field);
}

// -------------------------------------------------------------------------------------
// CONNECT: the variable header examples of 3.1.1 §3.1.2.10 and 5.0 §3.1.2.12, and
// the protocol names of 3.1.1 §3.1.2.1.

/// Connect Flags 0xCE: User Name, Password, Will QoS 1, Will Flag, Clean Session;
/// Will Retain and Reserved 0. Keep Alive 10.
fn example_connect(protocol: ProtocolVersion) -> Connect {
    Connect {
        protocol,
        clean_start: true,
        keep_alive: 10,
        client_id: "c".into(),
        will: Some(Will {
            topic: "w".into(),
            payload: Bytes::from_static(b"m"),
            qos: QoS::AtLeastOnce,
            retain: false,
            properties: Properties::new(),
        }),
        username: Some("u".into()),
        password: Some(Bytes::from_static(b"p")),
        properties: Properties::new(),
    }
}

#[test]
fn connect_variable_header_example_3_1_1() {
    let variable_header = [0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0xCE, 0x00, 0x0A];
    // The payload in the order of §3.1.3: Client Identifier, Will Topic, Will Message,
    // User Name, Password.
    let payload = [0, 1, b'c', 0, 1, b'w', 0, 1, b'm', 0, 1, b'u', 0, 1, b'p'];
    let mut expected = vec![0x10, 25];
    expected.extend_from_slice(&variable_header);
    expected.extend_from_slice(&payload);
    check_bytes(Packet::Connect(Box::new(example_connect(V3_1_1))), V3_1_1, &expected);
}

#[test]
fn connect_variable_header_example_5_0() {
    // Properties: length 5, Session Expiry Interval (17) of 10.
    let variable_header = [0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0, 0, 0, 0x0A];
    let mut connect = example_connect(V5);
    connect.properties.push(Property::SessionExpiryInterval(10));
    let bytes = encode(&Packet::Connect(Box::new(connect.clone())), V5);
    assert_eq!(&bytes[2..2 + variable_header.len()], variable_header);
    // Will properties (empty: length 0) come before the will topic (5.0 §3.1.3.2).
    assert_eq!(&bytes[2 + variable_header.len()..][..4], [0, 1, b'c', 0x00]);
    assert_eq!(decode(V5, &bytes), Packet::Connect(Box::new(connect)));
}

#[test]
fn connect_protocol_names_and_levels() {
    let cases: [(ProtocolVersion, &[u8]); 3] = [
        (V3_1, &[0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', 0x03]),
        (V3_1_1, &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04]),
        (V5, &[0x00, 0x04, b'M', b'Q', b'T', b'T', 0x05]),
    ];
    for (version, name_and_level) in cases {
        let bytes = encode(&Packet::Connect(Box::new(Connect::new(version, "c"))), version);
        assert_eq!(&bytes[2..2 + name_and_level.len()], name_and_level, "{version}");
        assert_eq!(version.level(), *name_and_level.last().unwrap());
        let Packet::Connect(c) = decode(V3_1_1, &bytes) else { panic!("not a CONNECT") };
        assert_eq!(c.protocol, version, "CONNECT names its own version");
    }
}

// -------------------------------------------------------------------------------------
// PUBLISH: the variable header example of 3.1.1 §3.3.2.3 and 5.0 §3.3.2.3: topic
// "a/b", packet identifier 10.

#[test]
fn publish_variable_header_example() {
    let publish = Publish { qos: QoS::AtLeastOnce, packet_id: 10, ..Publish::new("a/b", Bytes::new()) };
    check_bytes(Packet::Publish(publish.clone()), V3_1_1, &[0x32, 0x07, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A]);
    // 5.0 adds the Property Length, 0.
    check_bytes(Packet::Publish(publish), V5, &[0x32, 0x08, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, 0x00]);
}

/// PUBLISH fixed header flags (3.1.1 §3.3.1, Table 2.2): DUP bit 3, QoS bits 2-1, RETAIN bit 0.
#[test]
fn publish_fixed_header_flags() {
    let publish =
        Publish { dup: true, qos: QoS::ExactlyOnce, retain: true, packet_id: 1, ..Publish::new("t", Bytes::new()) };
    assert_eq!(encode(&Packet::Publish(publish), V3_1_1)[0], 0x3D);
    let publish = Publish { qos: QoS::AtLeastOnce, packet_id: 1, ..Publish::new("t", Bytes::new()) };
    assert_eq!(encode(&Packet::Publish(publish), V3_1_1)[0], 0x32);
    assert_eq!(encode(&Packet::Publish(Publish { retain: true, ..Publish::new("t", Bytes::new()) }), V3_1_1)[0], 0x31);
}

// -------------------------------------------------------------------------------------
// SUBSCRIBE, SUBACK, UNSUBSCRIBE: the non-normative examples of 3.1.1 §3.8.2-§3.8.3
// (packet identifier 10; "a/b" QoS 1, "c/d" QoS 2), §3.9.3 and §3.10.3.

#[test]
fn subscribe_example() {
    let subscribe = Subscribe::new(
        10,
        vec![SubscribeFilter::new("a/b", QoS::AtLeastOnce), SubscribeFilter::new("c/d", QoS::ExactlyOnce)],
    );
    check_bytes(
        Packet::Subscribe(subscribe),
        V3_1_1,
        &[0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x01, 0x00, 0x03, b'c', b'/', b'd', 0x02],
    );
}

/// 5.0 §3.8.3.1: subscription options are QoS (bits 0-1), No Local (2), Retain As
/// Published (3), Retain Handling (4-5).
#[test]
fn subscription_options_byte() {
    let options = SubscriptionOptions {
        qos: QoS::AtLeastOnce,
        no_local: true,
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
    };
    let subscribe = Subscribe::new(1, vec![SubscribeFilter { filter: "a".into(), options }]);
    check_bytes(Packet::Subscribe(subscribe), V5, &[0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, b'a', 0x2D]);
}

#[test]
fn suback_example() {
    // Success - Maximum QoS 0, Success - Maximum QoS 2, Failure.
    let suback = SubAck {
        packet_id: 10,
        reasons: vec![ReasonCode(0x00), ReasonCode(0x02), ReasonCode(0x80)],
        ..SubAck::default()
    };
    check_bytes(Packet::SubAck(suback), V3_1_1, &[0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80]);
}

#[test]
fn unsubscribe_example() {
    let unsubscribe =
        Unsubscribe { packet_id: 10, filters: vec!["a/b".into(), "c/d".into()], ..Unsubscribe::default() };
    check_bytes(
        Packet::Unsubscribe(unsubscribe),
        V3_1_1,
        &[0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x03, b'c', b'/', b'd'],
    );
}

/// The fixed headers of 3.1.1 §3.2.1, §3.4.1-§3.7.1, §3.11.1-§3.14.1: fixed flags
/// 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE (§2.2.2 Table 2.2), 0 elsewhere.
#[test]
fn fixed_headers_of_short_packets() {
    check_bytes(Packet::ConnAck(ConnAck::default()), V3_1_1, &[0x20, 0x02, 0x00, 0x00]);
    check_bytes(Packet::PubAck(Ack::new(1)), V3_1_1, &[0x40, 0x02, 0x00, 0x01]);
    check_bytes(Packet::PubRec(Ack::new(1)), V3_1_1, &[0x50, 0x02, 0x00, 0x01]);
    check_bytes(Packet::PubRel(Ack::new(1)), V3_1_1, &[0x62, 0x02, 0x00, 0x01]);
    check_bytes(Packet::PubComp(Ack::new(1)), V3_1_1, &[0x70, 0x02, 0x00, 0x01]);
    check_bytes(Packet::UnsubAck(UnsubAck { packet_id: 1, ..UnsubAck::default() }), V3_1_1, &[0xB0, 0x02, 0x00, 0x01]);
    check_bytes(Packet::PingReq, V3_1_1, &[0xC0, 0x00]);
    check_bytes(Packet::PingResp, V3_1_1, &[0xD0, 0x00]);
    check_bytes(Packet::Disconnect(Disconnect::default()), V3_1_1, &[0xE0, 0x00]);
    // 5.0 §3.15: AUTH is type 15.
    check_bytes(Packet::Auth(Auth::default()), V5, &[0xF0, 0x02, 0x00, 0x00]);
    // 3.1.1 §3.2.2.2: session present is bit 0 of the acknowledge flags.
    check_bytes(
        Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }),
        V3_1_1,
        &[0x20, 0x02, 0x01, 0x00],
    );
}

/// 5.0 §3.4.2.1, §3.14.2.1, §3.15.2.1: the Reason Code and Property Length may be left
/// out when the code is Success (0x00) and there are no properties.
#[test]
fn v5_short_forms() {
    assert_eq!(decode(V5, &[0x40, 0x02, 0x00, 0x01]), Packet::PubAck(Ack::new(1)));
    assert_eq!(
        decode(V5, &[0x40, 0x03, 0x00, 0x01, 0x10]),
        Packet::PubAck(Ack { reason: ReasonCode(0x10), ..Ack::new(1) })
    );
    assert_eq!(decode(V5, &[0xE0, 0x00]), Packet::Disconnect(Disconnect::default()));
    assert_eq!(
        decode(V5, &[0xE0, 0x01, 0x04]),
        Packet::Disconnect(Disconnect { reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE, ..Disconnect::default() })
    );
    assert_eq!(decode(V5, &[0xF0, 0x00]), Packet::Auth(Auth::default()));
    // Our encoder writes the shortest form the rules allow for acknowledgements.
    assert_eq!(encode(&Packet::PubAck(Ack::new(1)), V5), [0x40, 0x02, 0x00, 0x01]);
}

// -------------------------------------------------------------------------------------
// Topic names and filters: 3.1.1 §4.7 (5.0 §4.7 is the same), 5.0 §4.8.2.

/// §4.7.1.2: the multi-level wildcard.
#[test]
fn multi_level_wildcard_examples() {
    for topic in ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"] {
        assert!(topic_matches("sport/tennis/player1/#", topic), "{topic}");
    }
    // "sport/#" also matches the singular "sport", since # includes the parent level.
    assert!(topic_matches("sport/#", "sport"));
    assert!(topic_matches("sport/#", "sport/"));
    assert!(!topic_matches("sport/tennis/player1/#", "sport/tennis/player2"));
    assert!(!topic_matches("sport/tennis/player1/#", "sport/tennis"));
    // "#" is valid and will receive every application message.
    assert_eq!(validate_topic_filter("#"), Ok(()));
    for topic in ["sport", "sport/tennis", "/", "a/b/c/d/e/f"] {
        assert!(topic_matches("#", topic), "{topic}");
    }
    assert_eq!(validate_topic_filter("sport/tennis/#"), Ok(()));
    assert_eq!(validate_topic_filter("sport/tennis#"), Err(TopicError::MisplacedMultiLevelWildcard));
    assert_eq!(validate_topic_filter("sport/tennis/#/ranking"), Err(TopicError::MisplacedMultiLevelWildcard));
    assert!(!topic_matches("sport/tennis#", "sport/tennis"), "an invalid filter matches nothing");
}

/// §4.7.1.3: the single-level wildcard.
#[test]
fn single_level_wildcard_examples() {
    assert!(topic_matches("sport/tennis/+", "sport/tennis/player1"));
    assert!(topic_matches("sport/tennis/+", "sport/tennis/player2"));
    assert!(!topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    // "sport/+" does not match "sport" but does match "sport/".
    assert!(!topic_matches("sport/+", "sport"));
    assert!(topic_matches("sport/+", "sport/"));
    for filter in ["+", "+/tennis/#", "sport/+/player1"] {
        assert_eq!(validate_topic_filter(filter), Ok(()), "{filter}");
    }
    assert_eq!(validate_topic_filter("sport+"), Err(TopicError::MisplacedSingleLevelWildcard));
    assert!(topic_matches("+/tennis/#", "sport/tennis/player1/ranking"));
    assert!(topic_matches("sport/+/player1", "sport/tennis/player1"));
    // "/finance" matches "+/+" and "/+", but not "+".
    assert!(topic_matches("+/+", "/finance"));
    assert!(topic_matches("/+", "/finance"));
    assert!(!topic_matches("+", "/finance"));
}

/// §4.7.2: topics beginning with $.
#[test]
fn dollar_topic_examples() {
    // A subscription to "#" will not receive messages published to a topic beginning with $.
    assert!(!topic_matches("#", "$SYS/broker/clients"));
    assert!(!topic_matches("#", "$SYS"));
    // "+/monitor/Clients" does not match "$SYS/monitor/Clients".
    assert!(!topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    assert!(topic_matches("$SYS/#", "$SYS/monitor/Clients"));
    assert!(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    // A $ not at the start is an ordinary character.
    assert!(topic_matches("+/a", "x$/a"));
    assert_eq!(validate_topic_name("$SYS/monitor/Clients"), Ok(()));
}

/// §4.7.3: topic semantics and usage.
#[test]
fn topic_semantics_examples() {
    // At least one character long [MQTT-4.7.3-1].
    assert_eq!(validate_topic_name(""), Err(TopicError::Empty));
    assert_eq!(validate_topic_filter(""), Err(TopicError::Empty));
    // Case sensitive: "ACCOUNTS" and "Accounts" are two different topic names.
    assert!(!topic_matches("ACCOUNTS", "Accounts"));
    assert!(topic_matches("Accounts", "Accounts"));
    // May include the space character: "Accounts payable" is valid.
    assert_eq!(validate_topic_name("Accounts payable"), Ok(()));
    // A leading or trailing "/" creates a distinct topic: "/finance" is not "finance".
    assert!(!topic_matches("finance", "/finance"));
    assert!(!topic_matches("/finance", "finance"));
    // A topic consisting only of "/" is valid.
    assert_eq!(validate_topic_name("/"), Ok(()));
    assert!(topic_matches("+/+", "/"));
    // No U+0000 [MQTT-4.7.3-2].
    assert_eq!(validate_topic_name("a\0b"), Err(TopicError::NullCharacter));
    assert_eq!(validate_topic_filter("a\0b"), Err(TopicError::NullCharacter));
    // At most 65,535 bytes [MQTT-4.7.3-3].
    assert_eq!(validate_topic_name(&"a".repeat(65_535)), Ok(()));
    assert_eq!(validate_topic_name(&"a".repeat(65_536)), Err(TopicError::TooLong { len: 65_536 }));
    // Wildcards are for filters, not names [MQTT-3.3.2-2].
    for name in ["sport/+", "sport/#", "+", "#", "a+b"] {
        assert_eq!(validate_topic_name(name), Err(TopicError::WildcardInName), "{name}");
    }
}

/// 5.0 §4.8.2: shared subscriptions, $share/{ShareName}/{filter}.
#[test]
fn shared_subscription_examples() {
    assert_eq!(shared_subscription("$share/consumer1/sport/tennis/+"), Some(Ok(("consumer1", "sport/tennis/+"))));
    assert_eq!(shared_subscription("$share/consumer2/sport/tennis/+"), Some(Ok(("consumer2", "sport/tennis/+"))));
    assert_eq!(shared_subscription("$share/consumer1//finance"), Some(Ok(("consumer1", "/finance"))));
    assert_eq!(shared_subscription("sport/tennis/+"), None);
    assert_eq!(validate_topic_filter("$share/consumer1/sport/tennis/+"), Ok(()));
    // A ShareName is at least one character without "/", "+" or "#" [MQTT-4.8.2-1],
    // followed by "/" and a Topic Filter [MQTT-4.8.2-2].
    for filter in ["$share/consumer1", "$share/consumer1/", "$share//a", "$share/a+/b", "$share/#/b"] {
        assert_eq!(validate_topic_filter(filter), Err(TopicError::InvalidSharedSubscription), "{filter}");
    }
    // A shared subscription matches as its filter does.
    assert!(topic_matches("$share/consumer1/sport/tennis/+", "sport/tennis/player1"));
    assert!(!topic_matches("$share/consumer1/sport/tennis/+", "sport/tennis"));
}

// -------------------------------------------------------------------------------------
// Reason codes: the table of 5.0 §2.4, the per-packet tables of §3.x, and the CONNACK
// return codes of 3.1.1 §3.2.2.3 Table 3.1.

/// 5.0 §2.4, name for name.
const REASON_CODE_NAMES: &[(u8, &str)] = &[
    (0x00, "Success"),
    (0x01, "Granted QoS 1"),
    (0x02, "Granted QoS 2"),
    (0x04, "Disconnect with Will Message"),
    (0x10, "No matching subscribers"),
    (0x11, "No subscription existed"),
    (0x18, "Continue authentication"),
    (0x19, "Re-authenticate"),
    (0x80, "Unspecified error"),
    (0x81, "Malformed Packet"),
    (0x82, "Protocol Error"),
    (0x83, "Implementation specific error"),
    (0x84, "Unsupported Protocol Version"),
    (0x85, "Client Identifier not valid"),
    (0x86, "Bad User Name or Password"),
    (0x87, "Not authorized"),
    (0x88, "Server unavailable"),
    (0x89, "Server busy"),
    (0x8A, "Banned"),
    (0x8B, "Server shutting down"),
    (0x8C, "Bad authentication method"),
    (0x8D, "Keep Alive timeout"),
    (0x8E, "Session taken over"),
    (0x8F, "Topic Filter invalid"),
    (0x90, "Topic Name invalid"),
    (0x91, "Packet Identifier in use"),
    (0x92, "Packet Identifier not found"),
    (0x93, "Receive Maximum exceeded"),
    (0x94, "Topic Alias invalid"),
    (0x95, "Packet too large"),
    (0x96, "Message rate too high"),
    (0x97, "Quota exceeded"),
    (0x98, "Administrative action"),
    (0x99, "Payload format invalid"),
    (0x9A, "Retain not supported"),
    (0x9B, "QoS not supported"),
    (0x9C, "Use another server"),
    (0x9D, "Server moved"),
    (0x9E, "Shared Subscriptions not supported"),
    (0x9F, "Connection rate exceeded"),
    (0xA0, "Maximum connect time"),
    (0xA1, "Subscription Identifiers not supported"),
    (0xA2, "Wildcard Subscriptions not supported"),
];

#[test]
fn reason_code_names() {
    for code in 0..=255u8 {
        let listed = REASON_CODE_NAMES.iter().find(|(c, _)| *c == code);
        let reason = ReasonCode(code);
        match listed {
            Some((_, name)) => {
                assert_eq!(reason.name(), *name, "{code:#04x}");
                assert!(!reason.meaning().is_empty());
                assert_eq!(reason.is_error(), code >= 0x80);
            }
            None => assert_eq!(reason.name(), "Unknown reason code", "{code:#04x} is not in 5.0 §2.4"),
        }
    }
    // 0x00 has three names, by packet.
    assert_eq!(ReasonCode(0x00).name_in(PacketType::Disconnect), "Normal disconnection");
    assert_eq!(ReasonCode(0x00).name_in(PacketType::SubAck), "Granted QoS 0");
    assert_eq!(ReasonCode(0x00).name_in(PacketType::PubAck), "Success");
    assert_eq!(ReasonCode(0x87).name_in(PacketType::SubAck), "Not authorized");
    assert_eq!(ReasonCode::NOT_AUTHORIZED.to_string(), "0x87 Not authorized");
    assert!(ReasonCode(0x87).meaning().contains("not allowed"), "{}", ReasonCode(0x87).meaning());
    assert_ne!(ReasonCode(0x87).meaning(), ReasonCode(0x03).meaning());
}

/// The reason codes each 5.0 packet may carry.
const ALLOWED: &[(PacketType, &str, &[u8])] = &[
    (
        PacketType::ConnAck,
        "§3.2.2.2",
        &[
            0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A,
            0x9B, 0x9C, 0x9D, 0x9F,
        ],
    ),
    (PacketType::PubAck, "§3.4.2.1", &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
    (PacketType::PubRec, "§3.5.2.1", &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]),
    (PacketType::PubRel, "§3.6.2.1", &[0x00, 0x92]),
    (PacketType::PubComp, "§3.7.2.1", &[0x00, 0x92]),
    (PacketType::SubAck, "§3.9.3", &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]),
    (PacketType::UnsubAck, "§3.11.3", &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]),
    (
        PacketType::Disconnect,
        "§3.14.2.1",
        &[
            0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
            0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
        ],
    ),
    (PacketType::Auth, "§3.15.2.1", &[0x00, 0x18, 0x19]),
];

#[test]
fn reason_codes_allowed_per_packet() {
    for (packet, clause, codes) in ALLOWED {
        for code in 0..=255u8 {
            assert_eq!(
                ReasonCode(code).allowed_in(*packet),
                codes.contains(&code),
                "{code:#04x} in {packet} (5.0 {clause})"
            );
        }
    }
    // Packets without a reason code allow none.
    for packet in [PacketType::Connect, PacketType::Publish, PacketType::Subscribe, PacketType::PingReq] {
        assert!((0..=255u8).all(|c| !ReasonCode(c).allowed_in(packet)), "{packet}");
    }
}

/// 3.1.1 §3.2.2.3 Table 3.1: return codes 0-5, and the 5.0 reason code each one
/// stands for in `ConnAck::reason`. (The words a user reads for each are the
/// app's, tested with them in app/src/problem.rs.)
#[test]
fn v3_connack_return_codes() {
    let table: [(u8, u8); 6] = [(0, 0x00), (1, 0x84), (2, 0x85), (3, 0x88), (4, 0x86), (5, 0x87)];
    for (return_code, reason) in table {
        let code = ReasonCode::from_v3_connack(return_code).expect("a 3.1.1 return code");
        assert_eq!(code, ReasonCode(reason));
        assert_eq!(code.to_v3_connack(), Some(return_code));
        // On the wire and back.
        let ack = ConnAck { reason: code, ..ConnAck::default() };
        check_bytes(Packet::ConnAck(ack), V3_1_1, &[0x20, 0x02, 0x00, return_code]);
    }
    // 6-255 are reserved (Table 3.1); a 5.0 code without a 3.1.1 equivalent has no return code.
    assert_eq!(ReasonCode::from_v3_connack(6), None);
    assert_eq!(ReasonCode::PACKET_TOO_LARGE.to_v3_connack(), None);
}

/// 3.1.1 §3.9.3: SUBACK return codes are 0x00, 0x01, 0x02 and 0x80 only.
#[test]
fn v3_suback_return_codes() {
    for code in 0..=255u8 {
        let bytes = [0x90, 0x03, 0x00, 0x01, code];
        let result = Packet::decode(V3_1_1, &Bytes::copy_from_slice(&bytes));
        if matches!(code, 0x00 | 0x01 | 0x02 | 0x80) {
            assert!(result.is_ok(), "{code:#04x}: {result:?}");
        } else {
            assert_eq!(result, Err(DecodeError::InvalidReasonCode { packet: PacketType::SubAck, code }));
        }
    }
}

/// 5.0 §2.2.2.2: property identifiers, names and the packets that may carry them.
#[test]
fn property_identifiers() {
    use PacketType as T;
    use PropertyOwner::{Packet as In, Will};
    let table: &[(u8, &str, &[PropertyOwner])] = &[
        (0x01, "Payload Format Indicator", &[In(T::Publish), Will]),
        (0x02, "Message Expiry Interval", &[In(T::Publish), Will]),
        (0x03, "Content Type", &[In(T::Publish), Will]),
        (0x08, "Response Topic", &[In(T::Publish), Will]),
        (0x09, "Correlation Data", &[In(T::Publish), Will]),
        (0x0B, "Subscription Identifier", &[In(T::Publish), In(T::Subscribe)]),
        (0x11, "Session Expiry Interval", &[In(T::Connect), In(T::ConnAck), In(T::Disconnect)]),
        (0x12, "Assigned Client Identifier", &[In(T::ConnAck)]),
        (0x13, "Server Keep Alive", &[In(T::ConnAck)]),
        (0x15, "Authentication Method", &[In(T::Connect), In(T::ConnAck), In(T::Auth)]),
        (0x16, "Authentication Data", &[In(T::Connect), In(T::ConnAck), In(T::Auth)]),
        (0x17, "Request Problem Information", &[In(T::Connect)]),
        (0x18, "Will Delay Interval", &[Will]),
        (0x19, "Request Response Information", &[In(T::Connect)]),
        (0x1A, "Response Information", &[In(T::ConnAck)]),
        (0x1C, "Server Reference", &[In(T::ConnAck), In(T::Disconnect)]),
        (
            0x1F,
            "Reason String",
            &[
                In(T::ConnAck),
                In(T::PubAck),
                In(T::PubRec),
                In(T::PubRel),
                In(T::PubComp),
                In(T::SubAck),
                In(T::UnsubAck),
                In(T::Disconnect),
                In(T::Auth),
            ],
        ),
        (0x21, "Receive Maximum", &[In(T::Connect), In(T::ConnAck)]),
        (0x22, "Topic Alias Maximum", &[In(T::Connect), In(T::ConnAck)]),
        (0x23, "Topic Alias", &[In(T::Publish)]),
        (0x24, "Maximum QoS", &[In(T::ConnAck)]),
        (0x25, "Retain Available", &[In(T::ConnAck)]),
        (
            0x26,
            "User Property",
            &[
                In(T::Connect),
                In(T::ConnAck),
                In(T::Publish),
                Will,
                In(T::PubAck),
                In(T::PubRec),
                In(T::PubRel),
                In(T::PubComp),
                In(T::Subscribe),
                In(T::SubAck),
                In(T::Unsubscribe),
                In(T::UnsubAck),
                In(T::Disconnect),
                In(T::Auth),
            ],
        ),
        (0x27, "Maximum Packet Size", &[In(T::Connect), In(T::ConnAck)]),
        (0x28, "Wildcard Subscription Available", &[In(T::ConnAck)]),
        (0x29, "Subscription Identifier Available", &[In(T::ConnAck)]),
        (0x2A, "Shared Subscription Available", &[In(T::ConnAck)]),
    ];
    let every_owner: Vec<PropertyOwner> = [
        T::Connect,
        T::ConnAck,
        T::Publish,
        T::PubAck,
        T::PubRec,
        T::PubRel,
        T::PubComp,
        T::Subscribe,
        T::SubAck,
        T::Unsubscribe,
        T::UnsubAck,
        T::PingReq,
        T::PingResp,
        T::Disconnect,
        T::Auth,
    ]
    .into_iter()
    .map(In)
    .chain([Will])
    .collect();
    for id in 0..=0x7Fu32 {
        let row = table.iter().find(|(i, _, _)| u32::from(*i) == id);
        let Some((_, name, owners)) = row else {
            assert_eq!(PropertyId::from_u32(id), None, "{id:#04x} is not a 5.0 property");
            continue;
        };
        let property = PropertyId::from_u32(id).unwrap_or_else(|| panic!("{id:#04x} {name}"));
        assert_eq!(property as u32, id);
        assert_eq!(property.name(), *name);
        for owner in &every_owner {
            assert_eq!(property.allowed_in(*owner), owners.contains(owner), "{name} in {owner}");
        }
    }
    assert_eq!(PropertyId::ALL.len(), table.len());
}
