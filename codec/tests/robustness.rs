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
//! The valid-packet strategies are a copy of those in `roundtrip.rs` (test targets
//! cannot share a module without a file of their own); keep the two in step.
//!
//! Cases per property: 1000 by default (500 for the stream properties), `PROPTEST_CASES` overrides.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use webmqtt_codec::{
    Ack, Auth, Bytes, ConnAck, Connect, DecodeError, Decoder, Disconnect, EncodeError, Packet, Properties, Property,
    ProtocolVersion, Publish, QoS, ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter, SubscriptionOptions,
    UnsubAck, Unsubscribe, Will, MAX_VAR_INT,
};

use ProtocolVersion::{V3_1, V3_1_1, V5};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------
// Reason-code tables, from the specification.
// ---------------------------------------------------------------------------------

/// MQTT 5.0 §3.2.2.2.
const CONNACK_V5: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B,
    0x9C, 0x9D, 0x9F,
];
/// MQTT 3.1.1 §3.2.2.3 return codes 0–5 and the 5.0 reason codes standing for them.
const CONNACK_V3: &[(u8, u8)] = &[(0, 0x00), (1, 0x84), (2, 0x85), (3, 0x88), (4, 0x86), (5, 0x87)];
/// MQTT 5.0 §3.4.2.1 and §3.5.2.1.
const PUBACK_PUBREC: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
/// MQTT 5.0 §3.6.2.1 and §3.7.2.1.
const PUBREL_PUBCOMP: &[u8] = &[0x00, 0x92];
/// MQTT 5.0 §3.9.3.
const SUBACK_V5: &[u8] = &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];
/// MQTT 3.1.1 §3.9.3.
const SUBACK_V3: &[u8] = &[0x00, 0x01, 0x02, 0x80];
/// MQTT 5.0 §3.11.3.
const UNSUBACK_V5: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
/// MQTT 5.0 §3.14.2.1.
const DISCONNECT_V5: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];
/// MQTT 5.0 §3.15.2.1.
const AUTH_V5: &[u8] = &[0x00, 0x18, 0x19];

// ---------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![Just(V3_1), Just(V3_1_1), Just(V5)]
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce), Just(QoS::ExactlyOnce)]
}

fn reason(table: &'static [u8]) -> impl Strategy<Value = ReasonCode> {
    proptest::sample::select(table).prop_map(ReasonCode)
}

/// Any character but U+0000 [MQTT-1.5.4-2], mostly ASCII, often multi-byte.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('\u{1}', '\u{7F}'),
        1 => prop_oneof![Just('é'), Just('ß'), Just('€'), Just('中'), Just('😀'), Just('\u{FEFF}')],
        2 => any::<char>().prop_filter("U+0000 is not allowed", |c| *c != '\0'),
    ]
}

fn text(max: usize) -> impl Strategy<Value = String> {
    vec(text_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// A character of a topic level: not a separator, not a wildcard.
fn level_char() -> impl Strategy<Value = char> {
    text_char().prop_filter("separator or wildcard", |c| !matches!(c, '/' | '+' | '#'))
}

fn level(max: usize) -> impl Strategy<Value = String> {
    vec(level_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

/// A topic name: at least one character, no wildcards; empty levels allowed ("a//b", "/a").
fn topic_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => vec(level(8), 1..5).prop_map(|levels| {
            let name = levels.join("/");
            if name.is_empty() { "/".to_owned() } else { name }
        }),
        1 => prop_oneof![
            Just("$SYS/broker/load".to_owned()),
            Just("/".to_owned()),
            Just("a//b/".to_owned()),
            Just("sport/tennis/player1".to_owned()),
        ],
    ]
}

/// A filter without `$share/`: levels that are `+` or names, maybe ending in `#`.
fn plain_filter() -> impl Strategy<Value = String> {
    let level_or_plus = prop_oneof![3 => level(6), 1 => Just("+".to_owned())];
    (vec(level_or_plus, 0..5), any::<bool>()).prop_map(|(mut levels, hash)| {
        if hash || levels.is_empty() {
            levels.push("#".to_owned());
        }
        let filter = levels.join("/");
        if filter.is_empty() {
            "#".to_owned()
        } else {
            filter
        }
    })
}

/// `$share/{ShareName}/{filter}` (MQTT 5.0 §4.8.2): a non-empty name without `/`, `+`, `#`.
fn shared_filter() -> impl Strategy<Value = String> {
    (vec(level_char(), 1..6), plain_filter())
        .prop_map(|(name, filter)| format!("$share/{}/{filter}", name.into_iter().collect::<String>()))
}

fn topic_filter(v: ProtocolVersion) -> BoxedStrategy<String> {
    if v.is_v5() {
        prop_oneof![4 => plain_filter(), 1 => shared_filter()].boxed()
    } else {
        plain_filter().boxed()
    }
}

fn packet_id() -> impl Strategy<Value = u16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1u16..=u16::MAX]
}

/// Subscription identifiers, with every Variable Byte Integer length boundary.
fn subscription_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 1u32..=127,
        1 => 128u32..=16_383,
        1 => 16_384u32..=2_097_151,
        1 => 2_097_152u32..=MAX_VAR_INT,
        1 => proptest::sample::select(&[1u32, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MAX_VAR_INT][..]),
    ]
}

fn bit() -> impl Strategy<Value = u8> {
    0u8..=1
}

/// Zero or one property from `s`.
type PropList = BoxedStrategy<Vec<Property>>;

fn maybe(s: impl Strategy<Value = Property> + 'static) -> PropList {
    proptest::option::of(s).prop_map(|p| p.into_iter().collect()).boxed()
}

fn user_properties(max: usize) -> PropList {
    vec((text(8), text(8)).prop_map(|(k, v)| Property::UserProperty(k, v)), 0..=max).boxed()
}

fn subscription_ids(max: usize) -> PropList {
    vec(subscription_id().prop_map(Property::SubscriptionIdentifier), 0..=max).boxed()
}

/// Authentication Data only together with an Authentication Method (§3.1.2.11.10, §3.15.2.2.3).
fn authentication(method_required: bool) -> PropList {
    let pair = (text(10), proptest::option::of(bytes(16))).prop_map(|(method, data)| {
        let mut list = vec![Property::AuthenticationMethod(method)];
        list.extend(data.map(Property::AuthenticationData));
        list
    });
    if method_required {
        pair.boxed()
    } else {
        proptest::option::of(pair).prop_map(Option::unwrap_or_default).boxed()
    }
}

/// The lists concatenated and shuffled: the codec must keep any order. Often none at
/// all, which many properties to choose from would otherwise make rare.
fn properties(parts: Vec<PropList>) -> BoxedStrategy<Properties> {
    prop_oneof![
        1 => Just(Properties::new()),
        3 => parts.prop_map(|lists| lists.concat()).prop_shuffle().prop_map(Properties::from),
    ]
    .boxed()
}

fn connect_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(any::<u32>().prop_map(Property::SessionExpiryInterval)),
        maybe((1u16..=u16::MAX).prop_map(Property::ReceiveMaximum)),
        maybe((1u32..=u32::MAX).prop_map(Property::MaximumPacketSize)),
        maybe(any::<u16>().prop_map(Property::TopicAliasMaximum)),
        maybe(bit().prop_map(Property::RequestResponseInformation)),
        maybe(bit().prop_map(Property::RequestProblemInformation)),
        authentication(false),
        user_properties(3),
    ])
}

fn will_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(any::<u32>().prop_map(Property::WillDelayInterval)),
        maybe(bit().prop_map(Property::PayloadFormatIndicator)),
        maybe(any::<u32>().prop_map(Property::MessageExpiryInterval)),
        maybe(text(12).prop_map(Property::ContentType)),
        maybe(topic_name().prop_map(Property::ResponseTopic)),
        maybe(bytes(16).prop_map(Property::CorrelationData)),
        user_properties(3),
    ])
}

fn connack_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(any::<u32>().prop_map(Property::SessionExpiryInterval)),
        maybe((1u16..=u16::MAX).prop_map(Property::ReceiveMaximum)),
        maybe(bit().prop_map(Property::MaximumQoS)),
        maybe(bit().prop_map(Property::RetainAvailable)),
        maybe((1u32..=u32::MAX).prop_map(Property::MaximumPacketSize)),
        maybe(text(12).prop_map(Property::AssignedClientIdentifier)),
        maybe(any::<u16>().prop_map(Property::TopicAliasMaximum)),
        maybe(text(12).prop_map(Property::ReasonString)),
        maybe(bit().prop_map(Property::WildcardSubscriptionAvailable)),
        maybe(bit().prop_map(Property::SubscriptionIdentifierAvailable)),
        maybe(bit().prop_map(Property::SharedSubscriptionAvailable)),
        maybe(any::<u16>().prop_map(Property::ServerKeepAlive)),
        maybe(text(12).prop_map(Property::ResponseInformation)),
        maybe(text(12).prop_map(Property::ServerReference)),
        authentication(false),
        user_properties(3),
    ])
}

fn publish_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(bit().prop_map(Property::PayloadFormatIndicator)),
        maybe(any::<u32>().prop_map(Property::MessageExpiryInterval)),
        maybe((1u16..=u16::MAX).prop_map(Property::TopicAlias)),
        maybe(topic_name().prop_map(Property::ResponseTopic)),
        maybe(bytes(16).prop_map(Property::CorrelationData)),
        maybe(text(12).prop_map(Property::ContentType)),
        subscription_ids(3),
        user_properties(4),
    ])
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK.
fn ack_properties() -> BoxedStrategy<Properties> {
    properties(vec![maybe(text(12).prop_map(Property::ReasonString)), user_properties(3)])
}

fn subscribe_properties() -> BoxedStrategy<Properties> {
    properties(vec![maybe(subscription_id().prop_map(Property::SubscriptionIdentifier)), user_properties(3)])
}

fn unsubscribe_properties() -> BoxedStrategy<Properties> {
    properties(vec![user_properties(3)])
}

fn disconnect_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(any::<u32>().prop_map(Property::SessionExpiryInterval)),
        maybe(text(12).prop_map(Property::ReasonString)),
        maybe(text(12).prop_map(Property::ServerReference)),
        user_properties(3),
    ])
}

/// Never empty: omitting the Authentication Method from AUTH is a Protocol Error
/// (5.0 §3.15.2.2.2); the AUTH without properties is `Auth::default()`, Success alone.
fn auth_properties() -> BoxedStrategy<Properties> {
    vec![authentication(true), maybe(text(12).prop_map(Property::ReasonString)), user_properties(3)]
        .prop_map(|lists| lists.concat())
        .prop_shuffle()
        .prop_map(Properties::from)
        .boxed()
}

/// Properties in 5.0, none before.
fn props_for(v: ProtocolVersion, s: BoxedStrategy<Properties>) -> BoxedStrategy<Properties> {
    if v.is_v5() {
        s
    } else {
        Just(Properties::new()).boxed()
    }
}

fn will(v: ProtocolVersion) -> impl Strategy<Value = Will> {
    (topic_name(), bytes(64), qos(), any::<bool>(), props_for(v, will_properties()))
        .prop_map(|(topic, payload, qos, retain, properties)| Will { topic, payload, qos, retain, properties })
}

fn connect(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    // MQTT 3.1 §3.1: a client id of 1 to 23 characters. 3.1.1 and 5.0 allow it empty.
    let client_id = match v {
        V3_1 => vec(text_char(), 1..=23).prop_map(|v| v.into_iter().collect()).boxed(),
        _ => text(23).boxed(),
    };
    (
        any::<bool>(),
        any::<u16>(),
        client_id,
        proptest::option::of(will(v)),
        proptest::option::of(text(12)),
        // Binary Data (§3.1.3.5): often text, as people use it, sometimes any bytes.
        proptest::option::of(prop_oneof![text(12).prop_map(Bytes::from), bytes(16)]),
        props_for(v, connect_properties()),
    )
        .prop_map(move |(clean_start, keep_alive, client_id, will, username, password, properties)| {
            // [MQTT-3.1.3-7]: an empty client id needs a clean session in 3.1.1.
            let clean_start = clean_start || (v == V3_1_1 && client_id.is_empty());
            // [MQTT-3.1.2-22]: no password without a user name before 5.0.
            let password = if v.is_v5() || username.is_some() { password } else { None };
            Packet::Connect(Connect {
                protocol: v,
                clean_start,
                keep_alive,
                client_id,
                will,
                username,
                password,
                properties,
            })
        })
        .boxed()
}

fn connack(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let code = if v.is_v5() {
        reason(CONNACK_V5).boxed()
    } else {
        proptest::sample::select(CONNACK_V3).prop_map(|(_, code)| ReasonCode(code)).boxed()
    };
    (any::<bool>(), code, props_for(v, connack_properties()))
        .prop_map(move |(session_present, reason, properties)| {
            // 3.1 has no session present flag; 3.1.1 and 5.0 forbid it on refusal [MQTT-3.2.2-4].
            let session_present = session_present && v != V3_1 && !reason.is_error();
            Packet::ConnAck(ConnAck { session_present, reason, properties })
        })
        .boxed()
}

fn publish(v: ProtocolVersion) -> BoxedStrategy<Publish> {
    // 5.0 §3.3.2.3.4: an empty topic name stands with a topic alias.
    let topic =
        if v.is_v5() { prop_oneof![9 => topic_name(), 1 => Just(String::new())].boxed() } else { topic_name().boxed() };
    (qos(), any::<bool>(), any::<bool>(), topic, packet_id(), props_for(v, publish_properties()), bytes(2048))
        .prop_map(|(qos, dup, retain, topic, id, mut properties, payload)| {
            if topic.is_empty() && properties.topic_alias().is_none() {
                properties.push(Property::TopicAlias(1));
            }
            let at_most_once = qos == QoS::AtMostOnce;
            Publish {
                dup: dup && !at_most_once,
                qos,
                retain,
                topic,
                packet_id: if at_most_once { 0 } else { id },
                properties,
                payload,
            }
        })
        .boxed()
}

fn ack(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    type Kind = (fn(Ack) -> Packet, &'static [u8]);
    let kinds: [Kind; 4] = [
        (Packet::PubAck, PUBACK_PUBREC),
        (Packet::PubRec, PUBACK_PUBREC),
        (Packet::PubRel, PUBREL_PUBCOMP),
        (Packet::PubComp, PUBREL_PUBCOMP),
    ];
    (proptest::sample::select(kinds.to_vec()), packet_id())
        .prop_flat_map(move |((make, table), packet_id)| {
            let code = if v.is_v5() { reason(table).boxed() } else { Just(ReasonCode::SUCCESS).boxed() };
            (code, props_for(v, ack_properties()))
                .prop_map(move |(reason, properties)| make(Ack { packet_id, reason, properties }))
        })
        .boxed()
}

fn subscribe_filter(v: ProtocolVersion) -> BoxedStrategy<SubscribeFilter> {
    if !v.is_v5() {
        return (topic_filter(v), qos()).prop_map(|(filter, qos)| SubscribeFilter::new(filter, qos)).boxed();
    }
    let retain_handling = prop_oneof![
        Just(RetainHandling::SendAtSubscribe),
        Just(RetainHandling::SendAtNewSubscribe),
        Just(RetainHandling::DoNotSend),
    ];
    (topic_filter(v), qos(), any::<bool>(), any::<bool>(), retain_handling)
        .prop_map(|(filter, qos, no_local, retain_as_published, retain_handling)| {
            // [MQTT-3.8.3-4]: no No Local on a shared subscription.
            let no_local = no_local && !filter.starts_with("$share/");
            SubscribeFilter {
                filter,
                options: SubscriptionOptions { qos, no_local, retain_as_published, retain_handling },
            }
        })
        .boxed()
}

fn subscribe(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    (packet_id(), vec(subscribe_filter(v), 1..5), props_for(v, subscribe_properties()))
        .prop_map(|(packet_id, filters, properties)| Packet::Subscribe(Subscribe { packet_id, filters, properties }))
        .boxed()
}

fn suback(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let table = if v.is_v5() { SUBACK_V5 } else { SUBACK_V3 };
    (packet_id(), vec(reason(table), 1..6), props_for(v, ack_properties()))
        .prop_map(|(packet_id, reasons, properties)| Packet::SubAck(SubAck { packet_id, reasons, properties }))
        .boxed()
}

fn unsubscribe(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    (packet_id(), vec(topic_filter(v), 1..5), props_for(v, unsubscribe_properties()))
        .prop_map(|(packet_id, filters, properties)| {
            Packet::Unsubscribe(Unsubscribe { packet_id, filters, properties })
        })
        .boxed()
}

fn unsuback(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    // Before 5.0 UNSUBACK carries the packet identifier alone.
    let reasons = if v.is_v5() { vec(reason(UNSUBACK_V5), 1..6).boxed() } else { Just(Vec::new()).boxed() };
    (packet_id(), reasons, props_for(v, ack_properties()))
        .prop_map(|(packet_id, reasons, properties)| Packet::UnsubAck(UnsubAck { packet_id, reasons, properties }))
        .boxed()
}

fn disconnect(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    if !v.is_v5() {
        return Just(Packet::Disconnect(Disconnect::default())).boxed();
    }
    (reason(DISCONNECT_V5), disconnect_properties())
        .prop_map(|(reason, properties)| Packet::Disconnect(Disconnect { reason, properties }))
        .boxed()
}

fn auth() -> BoxedStrategy<Packet> {
    prop_oneof![
        1 => Just(Packet::Auth(Auth::default())),
        4 => (reason(AUTH_V5), auth_properties())
            .prop_map(|(reason, properties)| Packet::Auth(Auth { reason, properties })),
    ]
    .boxed()
}

/// Any packet valid in `v`.
fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let mut kinds = vec![
        connect(v),
        connack(v),
        publish(v).prop_map(Packet::Publish).boxed(),
        ack(v),
        subscribe(v),
        suback(v),
        unsubscribe(v),
        unsuback(v),
        Just(Packet::PingReq).boxed(),
        Just(Packet::PingResp).boxed(),
        disconnect(v),
    ];
    if v.is_v5() {
        kinds.push(auth());
    }
    proptest::strategy::Union::new(kinds).boxed()
}

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
        templates.push(Packet::Connect(c).to_bytes(v).unwrap());
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
