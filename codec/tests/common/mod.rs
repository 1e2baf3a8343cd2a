//! Packet generators shared by the property tests `roundtrip.rs`, `robustness.rs` and
//! `differential.rs` (each says `mod common;`; a file under `tests/common/` is not a
//! test target of its own).
//!
//! The strategies generate only packets that are valid for the version they are
//! written in (MQTT 3.1, 3.1.1 and 5.0): properties only where §2.2.2.2 allows them and
//! with values §3.x allows (booleans 0/1, Receive Maximum, Topic Alias and Maximum
//! Packet Size not 0, Maximum QoS 0/1, subscription identifiers 1..=268,435,455),
//! reason codes from the tables of §3.x, topic names without wildcards, filters with
//! `+` and `#` where they may stand, `$share/` only in 5.0, DUP only with QoS > 0.
//!
//! The reason-code tables are written out here from the specification rather than
//! taken from the codec, so that a wrong table in the codec makes the encoder refuse a
//! valid packet and the test fail.

// Each test target compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use proptest::collection::vec;
use proptest::prelude::*;
use webmqtt_codec::{
    Ack, Auth, Bytes, ConnAck, Connect, Disconnect, Packet, Properties, Property, ProtocolVersion, Publish, QoS,
    ReasonCode, RetainHandling, SubAck, Subscribe, SubscribeFilter, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
    MAX_VAR_INT,
};

use ProtocolVersion::{V3_1, V3_1_1, V5};

/// `default_cases` cases per property unless `PROPTEST_CASES` says otherwise; no
/// failure persistence files.
pub fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default_cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------
// Reason-code tables, from the specification.
// ---------------------------------------------------------------------------------

/// MQTT 5.0 §3.2.2.2.
pub const CONNACK_V5: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B,
    0x9C, 0x9D, 0x9F,
];
/// MQTT 3.1.1 §3.2.2.3 return codes 0–5 and the 5.0 reason codes standing for them.
pub const CONNACK_V3: &[(u8, u8)] = &[(0, 0x00), (1, 0x84), (2, 0x85), (3, 0x88), (4, 0x86), (5, 0x87)];
/// MQTT 5.0 §3.4.2.1 and §3.5.2.1.
pub const PUBACK_PUBREC: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
/// MQTT 5.0 §3.6.2.1 and §3.7.2.1.
pub const PUBREL_PUBCOMP: &[u8] = &[0x00, 0x92];
/// MQTT 5.0 §3.9.3.
pub const SUBACK_V5: &[u8] = &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];
/// MQTT 3.1.1 §3.9.3.
pub const SUBACK_V3: &[u8] = &[0x00, 0x01, 0x02, 0x80];
/// MQTT 5.0 §3.11.3.
pub const UNSUBACK_V5: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
/// MQTT 5.0 §3.14.2.1.
pub const DISCONNECT_V5: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];
/// MQTT 5.0 §3.15.2.1.
pub const AUTH_V5: &[u8] = &[0x00, 0x18, 0x19];

// ---------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------

pub fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![Just(V3_1), Just(V3_1_1), Just(V5)]
}

pub fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce), Just(QoS::ExactlyOnce)]
}

pub fn reason(table: &'static [u8]) -> impl Strategy<Value = ReasonCode> {
    proptest::sample::select(table).prop_map(ReasonCode)
}

/// Any character but U+0000 [MQTT-1.5.4-2], mostly ASCII, often multi-byte.
pub fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('\u{1}', '\u{7F}'),
        1 => prop_oneof![Just('é'), Just('ß'), Just('€'), Just('中'), Just('😀'), Just('\u{FEFF}')],
        2 => any::<char>().prop_filter("U+0000 is not allowed", |c| *c != '\0'),
    ]
}

pub fn text(max: usize) -> impl Strategy<Value = String> {
    vec(text_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

pub fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// A character of a topic level: not a separator, not a wildcard.
pub fn level_char() -> impl Strategy<Value = char> {
    text_char().prop_filter("separator or wildcard", |c| !matches!(c, '/' | '+' | '#'))
}

pub fn level(max: usize) -> impl Strategy<Value = String> {
    vec(level_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

/// A topic name: at least one character, no wildcards; empty levels allowed ("a//b", "/a").
pub fn topic_name() -> impl Strategy<Value = String> {
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
pub fn plain_filter() -> impl Strategy<Value = String> {
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
pub fn shared_filter() -> impl Strategy<Value = String> {
    (vec(level_char(), 1..6), plain_filter())
        .prop_map(|(name, filter)| format!("$share/{}/{filter}", name.into_iter().collect::<String>()))
}

pub fn topic_filter(v: ProtocolVersion) -> BoxedStrategy<String> {
    if v.is_v5() {
        prop_oneof![4 => plain_filter(), 1 => shared_filter()].boxed()
    } else {
        plain_filter().boxed()
    }
}

pub fn packet_id() -> impl Strategy<Value = u16> {
    prop_oneof![Just(1u16), Just(u16::MAX), 1u16..=u16::MAX]
}

/// Subscription identifiers, with every Variable Byte Integer length boundary.
pub fn subscription_id() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => 1u32..=127,
        1 => 128u32..=16_383,
        1 => 16_384u32..=2_097_151,
        1 => 2_097_152u32..=MAX_VAR_INT,
        1 => proptest::sample::select(&[1u32, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MAX_VAR_INT][..]),
    ]
}

pub fn bit() -> impl Strategy<Value = u8> {
    0u8..=1
}

/// Zero or one property from `s`.
pub type PropList = BoxedStrategy<Vec<Property>>;

pub fn maybe(s: impl Strategy<Value = Property> + 'static) -> PropList {
    proptest::option::of(s).prop_map(|p| p.into_iter().collect()).boxed()
}

pub fn user_properties(max: usize) -> PropList {
    vec((text(8), text(8)).prop_map(|(k, v)| Property::UserProperty(k, v)), 0..=max).boxed()
}

pub fn subscription_ids(max: usize) -> PropList {
    vec(subscription_id().prop_map(Property::SubscriptionIdentifier), 0..=max).boxed()
}

/// Authentication Data only together with an Authentication Method (§3.1.2.11.10, §3.15.2.2.3).
pub fn authentication(method_required: bool) -> PropList {
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
pub fn properties(parts: Vec<PropList>) -> BoxedStrategy<Properties> {
    prop_oneof![
        1 => Just(Properties::new()),
        3 => parts.prop_map(|lists| lists.concat()).prop_shuffle().prop_map(Properties::from),
    ]
    .boxed()
}

pub fn connect_properties() -> BoxedStrategy<Properties> {
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

pub fn will_properties() -> BoxedStrategy<Properties> {
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

pub fn connack_properties() -> BoxedStrategy<Properties> {
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

pub fn publish_properties() -> BoxedStrategy<Properties> {
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
pub fn ack_properties() -> BoxedStrategy<Properties> {
    properties(vec![maybe(text(12).prop_map(Property::ReasonString)), user_properties(3)])
}

pub fn subscribe_properties() -> BoxedStrategy<Properties> {
    properties(vec![maybe(subscription_id().prop_map(Property::SubscriptionIdentifier)), user_properties(3)])
}

pub fn unsubscribe_properties() -> BoxedStrategy<Properties> {
    properties(vec![user_properties(3)])
}

pub fn disconnect_properties() -> BoxedStrategy<Properties> {
    properties(vec![
        maybe(any::<u32>().prop_map(Property::SessionExpiryInterval)),
        maybe(text(12).prop_map(Property::ReasonString)),
        maybe(text(12).prop_map(Property::ServerReference)),
        user_properties(3),
    ])
}

/// Never empty: omitting the Authentication Method from AUTH is a Protocol Error
/// (5.0 §3.15.2.2.2); the AUTH without properties is `Auth::default()`, Success alone.
pub fn auth_properties() -> BoxedStrategy<Properties> {
    vec![authentication(true), maybe(text(12).prop_map(Property::ReasonString)), user_properties(3)]
        .prop_map(|lists| lists.concat())
        .prop_shuffle()
        .prop_map(Properties::from)
        .boxed()
}

/// Properties in 5.0, none before.
pub fn props_for(v: ProtocolVersion, s: BoxedStrategy<Properties>) -> BoxedStrategy<Properties> {
    if v.is_v5() {
        s
    } else {
        Just(Properties::new()).boxed()
    }
}

pub fn will(v: ProtocolVersion) -> impl Strategy<Value = Will> {
    (topic_name(), bytes(64), qos(), any::<bool>(), props_for(v, will_properties()))
        .prop_map(|(topic, payload, qos, retain, properties)| Will { topic, payload, qos, retain, properties })
}

pub fn connect(v: ProtocolVersion) -> BoxedStrategy<Packet> {
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
            Packet::Connect(Box::new(Connect {
                protocol: v,
                clean_start,
                keep_alive,
                client_id,
                will,
                username,
                password,
                properties,
            }))
        })
        .boxed()
}

pub fn connack(v: ProtocolVersion) -> BoxedStrategy<Packet> {
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

pub fn publish(v: ProtocolVersion) -> BoxedStrategy<Publish> {
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
                topic: topic.into(),
                packet_id: if at_most_once { 0 } else { id },
                properties,
                payload,
            }
        })
        .boxed()
}

pub fn ack(v: ProtocolVersion) -> BoxedStrategy<Packet> {
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

pub fn subscribe_filter(v: ProtocolVersion) -> BoxedStrategy<SubscribeFilter> {
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

pub fn subscribe(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    (packet_id(), vec(subscribe_filter(v), 1..5), props_for(v, subscribe_properties()))
        .prop_map(|(packet_id, filters, properties)| Packet::Subscribe(Subscribe { packet_id, filters, properties }))
        .boxed()
}

pub fn suback(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    let table = if v.is_v5() { SUBACK_V5 } else { SUBACK_V3 };
    (packet_id(), vec(reason(table), 1..6), props_for(v, ack_properties()))
        .prop_map(|(packet_id, reasons, properties)| Packet::SubAck(SubAck { packet_id, reasons, properties }))
        .boxed()
}

pub fn unsubscribe(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    (packet_id(), vec(topic_filter(v), 1..5), props_for(v, unsubscribe_properties()))
        .prop_map(|(packet_id, filters, properties)| {
            Packet::Unsubscribe(Unsubscribe { packet_id, filters, properties })
        })
        .boxed()
}

pub fn unsuback(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    // Before 5.0 UNSUBACK carries the packet identifier alone.
    let reasons = if v.is_v5() { vec(reason(UNSUBACK_V5), 1..6).boxed() } else { Just(Vec::new()).boxed() };
    (packet_id(), reasons, props_for(v, ack_properties()))
        .prop_map(|(packet_id, reasons, properties)| Packet::UnsubAck(UnsubAck { packet_id, reasons, properties }))
        .boxed()
}

pub fn disconnect(v: ProtocolVersion) -> BoxedStrategy<Packet> {
    if !v.is_v5() {
        return Just(Packet::Disconnect(Disconnect::default())).boxed();
    }
    (reason(DISCONNECT_V5), disconnect_properties())
        .prop_map(|(reason, properties)| Packet::Disconnect(Disconnect { reason, properties }))
        .boxed()
}

pub fn auth() -> BoxedStrategy<Packet> {
    prop_oneof![
        1 => Just(Packet::Auth(Auth::default())),
        4 => (reason(AUTH_V5), auth_properties())
            .prop_map(|(reason, properties)| Packet::Auth(Auth { reason, properties })),
    ]
    .boxed()
}

/// Any packet valid in `v`.
pub fn packet(v: ProtocolVersion) -> BoxedStrategy<Packet> {
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
