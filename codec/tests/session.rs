//! The session engine against a scripted broker: every flow, and a broker that
//! misbehaves. Deterministic: time only moves when a test moves it.

use std::time::Duration;

use webmqtt_codec::session::{
    CloseReason, ConnectOptions, Diagnostic, DisconnectRequest, Event, Instant, ProtocolViolation, Session,
    SessionError,
};
use webmqtt_codec::{
    Ack, Auth, Bytes, ConnAck, Decoder, Disconnect, EncodeError, Packet, PacketType, Properties, Property,
    ProtocolVersion, Publish, QoS, ReasonCode, SubAck,
    SubscribeFilter, UnsubAck, Will,
};

const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// A client session and the broker's side of the wire, scripted by the test.
struct Peer {
    session: Session,
    version: ProtocolVersion,
    now: Instant,
    /// Decodes what the client sends, as a broker would.
    broker_decoder: Decoder,
}

impl Peer {
    fn new(options: ConnectOptions) -> Self {
        let version = options.version;
        Self {
            session: Session::new(options),
            version,
            now: Instant::from_millis(1_000),
            broker_decoder: Decoder::new(version),
        }
    }

    /// Connects and answers with an accepting CONNACK.
    fn connected(options: ConnectOptions) -> Self {
        let mut peer = Self::new(options);
        peer.session.connect(peer.now).unwrap();
        assert!(matches!(peer.sent()[..], [Packet::Connect(_)]));
        peer.broker(Packet::ConnAck(ConnAck::default()));
        assert!(matches!(peer.events()[..], [Event::Connected(_)]));
        peer
    }

    fn broker(&mut self, packet: Packet) {
        let bytes = packet.to_bytes(self.version).unwrap();
        self.session.handle_bytes(self.now, &bytes);
    }

    fn broker_bytes(&mut self, bytes: &[u8]) {
        self.session.handle_bytes(self.now, bytes);
    }

    /// Everything the client has sent since the last call.
    fn sent(&mut self) -> Vec<Packet> {
        let mut packets = Vec::new();
        let mut bytes = Vec::new();
        if self.session.poll_transmit(&mut bytes) > 0 {
            self.broker_decoder.push(&bytes).unwrap();
            while let Some(p) = self.broker_decoder.next_packet().unwrap() {
                packets.push(p);
            }
        }
        assert_eq!(self.session.poll_transmit(&mut Vec::new()), 0, "one call takes everything");
        packets
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.session.poll_event()).collect()
    }

    fn advance(&mut self, millis: u64) {
        self.now = Instant::from_millis(self.now.as_millis() + millis);
        self.session.handle_timeout(self.now);
    }

    fn publish(&mut self, topic: &str, payload: &[u8], qos: QoS) -> Result<u16, SessionError> {
        let p = Publish { qos, ..Publish::new(topic, Bytes::copy_from_slice(payload)) };
        self.session.publish(self.now, p)
    }

    fn closed_by(&mut self) -> CloseReason {
        let events = self.events();
        match events.last() {
            Some(Event::ConnectionClosed(reason)) => reason.clone(),
            other => panic!("expected ConnectionClosed, got {other:?} in {events:?}"),
        }
    }
}

fn opts(version: ProtocolVersion) -> ConnectOptions {
    ConnectOptions::new(version, "client-1")
}

fn connack_with(props: Vec<Property>) -> Packet {
    Packet::ConnAck(ConnAck { properties: props.into(), ..ConnAck::default() })
}

fn incoming(topic: &str, qos: QoS, id: u16) -> Packet {
    Packet::Publish(Publish { qos, packet_id: id, ..Publish::new(topic, &b"hi"[..]) })
}

// ---------- CONNECT and CONNACK ----------

#[test]
fn connect_carries_every_option() {
    let mut o = opts(V5);
    o.clean_start = false;
    o.keep_alive = 17;
    o.username = Some("alice".into());
    o.password = Some(Bytes::from_static(b"secret"));
    o.will = Some(Will {
        topic: "lab/will".into(),
        payload: Bytes::from_static(b"gone"),
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: vec![Property::WillDelayInterval(5)].into(),
    });
    o.session_expiry_interval = Some(300);
    o.receive_maximum = Some(10);
    o.maximum_packet_size = Some(4096);
    o.topic_alias_maximum = Some(8);
    o.request_problem_information = Some(true);
    o.user_properties = vec![("lab".into(), "1".into())];
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    let [Packet::Connect(c)] = &peer.sent()[..] else { panic!("no CONNECT") };
    assert_eq!(c.protocol, V5);
    assert!(!c.clean_start);
    assert_eq!(c.keep_alive, 17);
    assert_eq!(c.client_id, "client-1");
    assert_eq!(c.username.as_deref(), Some("alice"));
    assert_eq!(c.password.as_deref(), Some(&b"secret"[..]));
    let will = c.will.as_ref().unwrap();
    assert_eq!((will.topic.as_str(), will.qos, will.retain), ("lab/will", QoS::AtLeastOnce, true));
    assert_eq!(will.properties.will_delay_interval(), Some(5));
    assert_eq!(c.properties.session_expiry_interval(), Some(300));
    assert_eq!(c.properties.receive_maximum(), Some(10));
    assert_eq!(c.properties.maximum_packet_size(), Some(4096));
    assert_eq!(c.properties.topic_alias_maximum(), Some(8));
    assert_eq!(c.properties.request_problem_information(), Some(1));
    assert_eq!(c.properties.user_properties().collect::<Vec<_>>(), vec![("lab", "1")]);
}

#[test]
fn connect_in_3_1_1_has_no_properties() {
    let mut o = opts(V311);
    o.session_expiry_interval = Some(300);
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    let [Packet::Connect(c)] = &peer.sent()[..] else { panic!("no CONNECT") };
    assert!(c.properties.is_empty());
}

#[test]
fn empty_client_id_reports_the_assigned_one() {
    let mut peer = Peer::new(ConnectOptions::new(V5, ""));
    peer.session.connect(peer.now).unwrap();
    peer.sent();
    peer.broker(connack_with(vec![Property::AssignedClientIdentifier("auto-7".into())]));
    let [Event::Connected(c)] = &peer.events()[..] else { panic!() };
    assert_eq!(c.assigned_client_id.as_deref(), Some("auto-7"));
}

#[test]
fn refusal_in_3_1_1_reports_the_return_code_as_its_reason_code() {
    // The words for people ("Connection Refused: not authorised.") are the app's:
    // app/src/problem.rs. The codec gives the code.
    let mut peer = Peer::new(opts(V311));
    peer.session.connect(peer.now).unwrap();
    peer.broker_bytes(&[0x20, 0x02, 0x00, 0x05]);
    let [Event::ConnectionRefused(r)] = &peer.events()[..] else { panic!() };
    assert_eq!(r.reason, ReasonCode::NOT_AUTHORIZED);
    assert_eq!(r.reason_string, None);
    assert!(!peer.session.is_connected());
}

#[test]
fn refusal_in_5_0_carries_reason_and_reason_string() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck {
        reason: ReasonCode::BAD_USER_NAME_OR_PASSWORD,
        properties: vec![Property::ReasonString("no such user".into())].into(),
        ..ConnAck::default()
    }));
    let [Event::ConnectionRefused(r)] = &peer.events()[..] else { panic!() };
    assert_eq!(r.reason, ReasonCode::BAD_USER_NAME_OR_PASSWORD);
    assert_eq!(r.reason.name(), "Bad User Name or Password");
    assert_eq!(r.reason_string.as_deref(), Some("no such user"));
}

#[test]
fn server_properties_are_reported_and_keep_alive_overridden() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.sent();
    peer.broker(connack_with(vec![
        Property::ServerKeepAlive(5),
        Property::ReceiveMaximum(3),
        Property::MaximumPacketSize(200),
        Property::TopicAliasMaximum(4),
        Property::MaximumQoS(1),
        Property::RetainAvailable(0),
    ]));
    let [Event::Connected(c)] = &peer.events()[..] else { panic!() };
    let s = &c.server;
    assert_eq!((s.keep_alive, s.receive_maximum, s.maximum_packet_size), (5, 3, Some(200)));
    assert_eq!((s.topic_alias_maximum, s.maximum_qos, s.retain_available), (4, QoS::AtLeastOnce, false));
    // The broker's keep alive (5 s) replaces ours (60 s).
    assert_eq!(peer.session.poll_timeout(), Some(Instant::from_millis(1_000 + 5_000)));
    assert_eq!(
        peer.publish("a", b"x", QoS::ExactlyOnce),
        Err(SessionError::QoSNotSupported { requested: QoS::ExactlyOnce, maximum: QoS::AtLeastOnce })
    );
    let retained = Publish { retain: true, ..Publish::new("a", &b"x"[..]) };
    assert_eq!(peer.session.publish(peer.now, retained), Err(SessionError::RetainNotSupported));
    assert!(peer.sent().is_empty());
}

// ---------- PUBLISH flows ----------

#[test]
fn qos0_publish_is_sent_at_once() {
    for v in [V311, V5] {
        let mut peer = Peer::connected(opts(v));
        assert_eq!(peer.publish("lab/a", b"1", QoS::AtMostOnce), Ok(0));
        let [Packet::Publish(p)] = &peer.sent()[..] else { panic!() };
        assert_eq!((&p.topic[..], &p.payload[..], p.qos), ("lab/a", &b"1"[..], QoS::AtMostOnce));
    }
}

#[test]
fn qos1_publish_completes_on_puback() {
    for v in [V311, V5] {
        let mut peer = Peer::connected(opts(v));
        let id = peer.publish("lab/a", b"1", QoS::AtLeastOnce).unwrap();
        let [Packet::Publish(p)] = &peer.sent()[..] else { panic!() };
        assert_eq!((p.packet_id, p.qos, p.dup), (id, QoS::AtLeastOnce, false));
        assert_eq!(peer.session.unacknowledged(), 1);
        peer.broker(Packet::PubAck(Ack::new(id)));
        assert_eq!(peer.events(), vec![Event::PublishAcknowledged { packet_id: id, reason: ReasonCode::SUCCESS }]);
        assert_eq!(peer.session.unacknowledged(), 0);
    }
}

#[test]
fn qos2_publish_goes_through_pubrec_pubrel_pubcomp() {
    for v in [V311, V5] {
        let mut peer = Peer::connected(opts(v));
        let id = peer.publish("lab/a", b"1", QoS::ExactlyOnce).unwrap();
        assert!(matches!(peer.sent()[..], [Packet::Publish(_)]));
        peer.broker(Packet::PubRec(Ack::new(id)));
        assert_eq!(peer.sent(), vec![Packet::PubRel(Ack::new(id))]);
        assert!(peer.events().is_empty());
        // A repeated PUBREC is answered with PUBREL again.
        peer.broker(Packet::PubRec(Ack::new(id)));
        assert_eq!(peer.sent(), vec![Packet::PubRel(Ack::new(id))]);
        peer.broker(Packet::PubComp(Ack::new(id)));
        assert_eq!(peer.events(), vec![Event::PublishAcknowledged { packet_id: id, reason: ReasonCode::SUCCESS }]);
    }
}

#[test]
fn pubrec_with_error_ends_the_flow_without_pubrel() {
    let mut peer = Peer::connected(opts(V5));
    let id = peer.publish("lab/a", b"1", QoS::ExactlyOnce).unwrap();
    peer.sent();
    peer.broker(Packet::PubRec(Ack { reason: ReasonCode::NOT_AUTHORIZED, ..Ack::new(id) }));
    assert!(peer.sent().is_empty());
    assert_eq!(peer.events(), vec![Event::PublishAcknowledged { packet_id: id, reason: ReasonCode::NOT_AUTHORIZED }]);
    // The flow is over and its id free.
    assert_eq!(peer.session.unacknowledged(), 0);
    peer.broker(Packet::PubComp(Ack::new(id)));
    assert_eq!(
        peer.events(),
        [Event::Diagnostic(Diagnostic::UnknownPacketId { packet: PacketType::PubComp, packet_id: id })]
    );
    assert!(peer.session.is_connected());
}

#[test]
fn inbound_qos1_is_delivered_and_acknowledged() {
    let mut peer = Peer::connected(opts(V311));
    peer.broker(incoming("lab/x", QoS::AtLeastOnce, 9));
    assert!(matches!(&peer.events()[..], [Event::Message(p)] if p.topic == "lab/x"));
    assert_eq!(peer.sent(), vec![Packet::PubAck(Ack::new(9))]);
}

#[test]
fn inbound_qos2_is_delivered_exactly_once() {
    for v in [V311, V5] {
        let mut peer = Peer::connected(opts(v));
        peer.broker(incoming("lab/x", QoS::ExactlyOnce, 9));
        assert_eq!(peer.events().len(), 1);
        assert_eq!(peer.sent(), vec![Packet::PubRec(Ack::new(9))]);
        // The broker did not see our PUBREC and sends the message again with DUP.
        let Packet::Publish(again) = incoming("lab/x", QoS::ExactlyOnce, 9) else { unreachable!() };
        peer.broker(Packet::Publish(Publish { dup: true, ..again }));
        assert!(peer.events().is_empty(), "a QoS 2 duplicate must not be delivered twice");
        assert_eq!(peer.sent(), vec![Packet::PubRec(Ack::new(9))]);
        peer.broker(Packet::PubRel(Ack::new(9)));
        assert_eq!(peer.sent(), vec![Packet::PubComp(Ack::new(9))]);
        // After PUBREL the id is free: a new message with it is a new message.
        peer.broker(incoming("lab/y", QoS::ExactlyOnce, 9));
        assert!(matches!(&peer.events()[..], [Event::Message(p)] if p.topic == "lab/y"));
    }
}

#[test]
fn duplicate_pubrel_is_answered_not_fatal() {
    for (v, second_reason) in [(V311, ReasonCode::SUCCESS), (V5, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)] {
        let mut peer = Peer::connected(opts(v));
        peer.broker(incoming("lab/x", QoS::ExactlyOnce, 4));
        peer.broker(Packet::PubRel(Ack::new(4)));
        peer.broker(Packet::PubRel(Ack::new(4)));
        let sent = peer.sent();
        assert_eq!(sent[1], Packet::PubComp(Ack::new(4)));
        assert_eq!(sent[2], Packet::PubComp(Ack { reason: second_reason, ..Ack::new(4) }));
        assert!(peer.session.is_connected());
        assert_eq!(peer.events().len(), 1);
    }
}

#[test]
fn packet_ids_are_not_reused_while_in_flight() {
    let mut peer = Peer::connected(opts(V311));
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..65_535 {
        let id = peer.publish("lab/a", b"", QoS::AtLeastOnce).unwrap();
        assert!(id != 0 && ids.insert(id), "id {id} reused while in flight");
    }
    assert_eq!(peer.publish("lab/a", b"", QoS::AtLeastOnce), Err(SessionError::NoPacketIdAvailable));
    peer.sent();
    peer.broker(Packet::PubAck(Ack::new(300)));
    peer.events();
    assert_eq!(peer.publish("lab/a", b"", QoS::AtLeastOnce), Ok(300), "the only free id is the acknowledged one");
}

#[test]
fn receive_maximum_limits_messages_in_flight() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::ReceiveMaximum(2)]));
    peer.sent();
    peer.events();
    let ids: Vec<u16> = (0..3).map(|_| peer.publish("lab/a", b"x", QoS::AtLeastOnce).unwrap()).collect();
    let sent = peer.sent();
    assert_eq!(sent.len(), 2, "only the broker's receive maximum may be in flight");
    peer.broker(Packet::PubAck(Ack::new(ids[0])));
    let [Packet::Publish(third)] = &peer.sent()[..] else { panic!("third message not released") };
    assert_eq!(third.packet_id, ids[2]);
}

#[test]
fn packet_over_the_brokers_maximum_is_refused_and_not_sent() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(64)]));
    peer.sent();
    peer.events();
    let err = peer.publish("lab/a", &[0u8; 100], QoS::AtLeastOnce).unwrap_err();
    assert!(matches!(err, SessionError::PacketTooLarge { maximum: 64, .. }), "{err:?}");
    assert!(peer.sent().is_empty());
    // The refused message is not waiting anywhere.
    assert_eq!(peer.session.unacknowledged(), 0);
}

#[test]
fn messages_wait_while_disconnected() {
    let mut peer = Peer::new(opts(V311));
    let id = peer.publish("lab/a", b"queued", QoS::AtLeastOnce).unwrap();
    assert!(peer.sent().is_empty());
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck::default()));
    let sent = peer.sent();
    assert!(matches!(&sent[..], [Packet::Connect(_), Packet::Publish(p)] if p.packet_id == id));
}

// ---------- Topic aliases ----------

#[test]
fn inbound_topic_aliases_are_resolved() {
    let mut o = opts(V5);
    o.topic_alias_maximum = Some(5);
    let mut peer = Peer::connected(o);
    let with_alias = |topic: &str| {
        Packet::Publish(Publish {
            properties: vec![Property::TopicAlias(2)].into(),
            ..Publish::new(topic, &b"v"[..])
        })
    };
    peer.broker(with_alias("lab/long/topic"));
    peer.broker(with_alias(""));
    let topics: Vec<String> = peer
        .events()
        .into_iter()
        .map(|e| match e {
            Event::Message(p) => p.topic.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(topics, ["lab/long/topic", "lab/long/topic"]);
}

#[test]
fn topic_alias_never_set_is_a_protocol_error() {
    let mut o = opts(V5);
    o.topic_alias_maximum = Some(5);
    let mut peer = Peer::connected(o);
    peer.broker(Packet::Publish(Publish {
        properties: vec![Property::TopicAlias(3)].into(),
        ..Publish::new("", &b"v"[..])
    }));
    assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::TopicAliasNotSet(3)));
    assert_eq!(
        peer.sent(),
        vec![Packet::Disconnect(Disconnect { reason: ReasonCode::PROTOCOL_ERROR, ..Default::default() })]
    );
}

#[test]
fn topic_alias_above_our_maximum_is_refused() {
    let mut peer = Peer::connected(opts(V5));
    peer.broker(Packet::Publish(Publish {
        properties: vec![Property::TopicAlias(1)].into(),
        ..Publish::new("lab/a", &b"v"[..])
    }));
    assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::TopicAliasInvalid(1)));
    assert_eq!(
        peer.sent(),
        vec![Packet::Disconnect(Disconnect { reason: ReasonCode::TOPIC_ALIAS_INVALID, ..Default::default() })]
    );
}

#[test]
fn outbound_topic_aliases_when_enabled() {
    let mut o = opts(V5);
    o.use_topic_aliases = true;
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::TopicAliasMaximum(1)]));
    peer.sent();
    for topic in ["lab/a", "lab/a", "lab/b"] {
        peer.publish(topic, b"x", QoS::AtMostOnce).unwrap();
    }
    let sent: Vec<(String, Option<u16>)> = peer
        .sent()
        .into_iter()
        .map(|p| match p {
            Packet::Publish(p) => (p.topic.to_string(), p.properties.topic_alias()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sent, [("lab/a".into(), Some(1)), (String::new(), Some(1)), ("lab/b".into(), None)]);
}

// ---------- SUBSCRIBE and UNSUBSCRIBE ----------

#[test]
fn suback_results_are_reported_per_filter() {
    let mut peer = Peer::connected(opts(V5));
    let filters = vec![SubscribeFilter::new("lab/#", QoS::ExactlyOnce), SubscribeFilter::new("secret/#", QoS::AtMostOnce)];
    let id = peer.session.subscribe(peer.now, filters).unwrap();
    let [Packet::Subscribe(s)] = &peer.sent()[..] else { panic!() };
    assert_eq!(s.filters.len(), 2);
    peer.broker(Packet::SubAck(SubAck {
        packet_id: id,
        reasons: vec![ReasonCode::GRANTED_QOS_1, ReasonCode::NOT_AUTHORIZED],
        ..Default::default()
    }));
    let [Event::Subscribed { results, .. }] = &peer.events()[..] else { panic!() };
    assert_eq!(results[0].result, Ok(QoS::AtLeastOnce));
    assert_eq!(results[1].result, Err(ReasonCode::NOT_AUTHORIZED));
    let held: Vec<&str> = peer.session.subscriptions().map(|(f, _)| f).collect();
    assert_eq!(held, ["lab/#"], "only granted subscriptions are held");
}

#[test]
fn suback_count_mismatch_is_a_protocol_error() {
    let mut peer = Peer::connected(opts(V5));
    let id = peer.session.subscribe(peer.now, vec![SubscribeFilter::new("a", QoS::AtMostOnce)]).unwrap();
    peer.sent();
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(0), ReasonCode(0)], ..Default::default() }));
    assert!(matches!(
        peer.closed_by(),
        CloseReason::ProtocolViolation(ProtocolViolation::ResultCountMismatch { expected: 1, received: 2, .. })
    ));
    assert_eq!(
        peer.sent(),
        vec![Packet::Disconnect(Disconnect { reason: ReasonCode::PROTOCOL_ERROR, ..Default::default() })]
    );
}

#[test]
fn unsubscribe_removes_the_held_subscription() {
    let mut peer = Peer::connected(opts(V311));
    let id = peer.session.subscribe(peer.now, vec![SubscribeFilter::new("lab/#", QoS::AtMostOnce)]).unwrap();
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(0)], ..Default::default() }));
    let id = peer.session.unsubscribe(peer.now, vec!["lab/#".into()]).unwrap();
    peer.broker(Packet::UnsubAck(UnsubAck { packet_id: id, ..Default::default() }));
    let events = peer.events();
    assert!(matches!(&events[..], [_, Event::Unsubscribed { results, .. }] if results == &vec![("lab/#".to_string(), ReasonCode::SUCCESS)]));
    assert_eq!(peer.session.subscriptions().count(), 0);
}

#[test]
fn subscribe_needs_a_connection() {
    let mut peer = Peer::new(opts(V311));
    assert_eq!(
        peer.session.subscribe(peer.now, vec![SubscribeFilter::new("a", QoS::AtMostOnce)]),
        Err(SessionError::NotConnected)
    );
}

// ---------- Session resumption ----------

#[test]
fn resumed_session_resends_publish_with_dup_and_pubrel() {
    let mut o = opts(V311);
    o.clean_start = false;
    let mut peer = Peer::connected(o);
    let q1 = peer.publish("lab/1", b"a", QoS::AtLeastOnce).unwrap();
    let q2 = peer.publish("lab/2", b"b", QoS::ExactlyOnce).unwrap();
    let q2b = peer.publish("lab/3", b"c", QoS::ExactlyOnce).unwrap();
    peer.sent();
    peer.broker(Packet::PubRec(Ack::new(q2b)));
    peer.sent();
    peer.session.handle_transport_closed(peer.now);
    assert_eq!(peer.closed_by(), CloseReason::TransportClosed);

    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }));
    let sent = peer.sent();
    let [Packet::Connect(_), Packet::Publish(a), Packet::Publish(b), Packet::PubRel(rel)] = &sent[..] else {
        panic!("{sent:?}")
    };
    assert_eq!((a.packet_id, a.dup), (q1, true));
    assert_eq!((b.packet_id, b.dup), (q2, true));
    assert_eq!(rel.packet_id, q2b);
    let [Event::Connected(c)] = &peer.events()[..] else { panic!() };
    assert_eq!((c.session_present, c.resent), (true, 3));
}

#[test]
fn lost_session_resubscribes_when_the_caller_asks_and_sends_unacknowledged_messages_again() {
    // Issue 11 item 6: restoring subscriptions is now the caller's choice (it was
    // the engine's default before, which this test asserted without the option).
    let mut o = opts(V5);
    o.resubscribe_on_lost_session = true;
    let mut peer = Peer::connected(o);
    let id = peer.session.subscribe(peer.now, vec![SubscribeFilter::new("lab/#", QoS::AtLeastOnce)]).unwrap();
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(1)], ..Default::default() }));
    peer.publish("lab/out", b"keep me", QoS::AtLeastOnce).unwrap();
    peer.sent();
    peer.events();
    peer.session.handle_transport_closed(peer.now);
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck::default()));
    let sent = peer.sent();
    assert!(matches!(&sent[1], Packet::Subscribe(s) if s.filters[0].filter == "lab/#" && s.filters[0].options.qos == QoS::AtLeastOnce));
    assert!(matches!(&sent[2], Packet::Publish(p) if &p.payload[..] == b"keep me" && !p.dup));
    let events = peer.events();
    let Event::Connected(c) = &events[1] else { panic!("{events:?}") };
    assert_eq!(c.resubscribed, ["lab/#"]);
}

#[test]
fn a_clean_start_does_not_restore_subscriptions() {
    // 3.1.1 with clean session (every connection clean), and 5.0 with a session
    // the broker lost: the broker has no subscriptions, nor has the engine then.
    let mut persistent = opts(V5);
    persistent.clean_start = false;
    persistent.session_expiry_interval = Some(300);
    for o in [opts(V311), opts(V5), persistent] {
        let mut peer = Peer::connected(o);
        let id = peer.session.subscribe(peer.now, vec![SubscribeFilter::new("lab/#", QoS::AtLeastOnce)]).unwrap();
        peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(1)], ..Default::default() }));
        assert_eq!(peer.session.subscriptions().count(), 1);
        peer.sent();
        peer.events();
        peer.session.handle_transport_closed(peer.now);
        peer.session.connect(peer.now).unwrap();
        peer.broker(Packet::ConnAck(ConnAck::default()));
        let sent = peer.sent();
        assert!(matches!(&sent[..], [Packet::Connect(_)]), "no SUBSCRIBE: {sent:?}");
        let events = peer.events();
        let Event::Connected(c) = &events[1] else { panic!("{events:?}") };
        assert!(c.resubscribed.is_empty());
        assert_eq!(peer.session.subscriptions().count(), 0, "forgotten, as the broker forgot them");
    }
}

#[test]
fn session_present_on_clean_start_is_a_protocol_error() {
    let mut peer = Peer::new(opts(V311));
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }));
    assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::SessionPresentOnCleanStart));
}

// ---------- Keep alive ----------

#[test]
fn pingreq_when_idle_and_dead_without_pingresp() {
    let mut o = opts(V311);
    o.keep_alive = 10;
    let mut peer = Peer::connected(o);
    assert_eq!(peer.session.poll_timeout(), Some(Instant::from_millis(11_000)));
    peer.advance(9_999);
    assert!(peer.sent().is_empty());
    peer.advance(1);
    assert_eq!(peer.sent(), vec![Packet::PingReq]);
    peer.broker(Packet::PingResp);
    peer.advance(9_999);
    assert!(peer.sent().is_empty() && peer.session.is_connected());
    peer.advance(1);
    assert_eq!(peer.sent(), vec![Packet::PingReq]);
    // No answer within half the interval: the connection is dead.
    peer.advance(4_999);
    assert!(peer.session.is_connected());
    peer.advance(1);
    assert_eq!(peer.closed_by(), CloseReason::KeepAliveTimeout);
    assert_eq!(peer.session.poll_timeout(), None);
}

#[test]
fn receiving_alone_does_not_postpone_our_ping() {
    let mut o = opts(V311);
    o.keep_alive = 10;
    let mut peer = Peer::connected(o);
    for _ in 0..10 {
        peer.advance(1_000);
        peer.broker(incoming("lab/x", QoS::AtMostOnce, 0));
    }
    assert_eq!(peer.sent(), vec![Packet::PingReq], "the broker needs to hear from us within the keep alive");
}

#[test]
fn keep_alive_zero_never_pings() {
    let mut o = opts(V311);
    o.keep_alive = 0;
    let mut peer = Peer::connected(o);
    assert_eq!(peer.session.poll_timeout(), None);
    peer.advance(1_000_000);
    assert!(peer.sent().is_empty());
}

#[test]
fn no_connack_within_the_timeout() {
    let mut o = opts(V311);
    o.connect_timeout = Duration::from_secs(5);
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    peer.advance(5_000);
    assert_eq!(peer.closed_by(), CloseReason::ConnectTimeout);
}

// ---------- A broker misbehaving ----------

#[test]
fn acks_for_ids_not_in_flight_are_ignored_and_reported() {
    // Issue 11 item 1 (this test asserted a protocol error before): neither spec
    // makes it one, and libmosquitto stays connected.
    for v in [V311, V5] {
        let mut peer = Peer::connected(opts(v));
        let unsuback = UnsubAck { packet_id: 80, reasons: if v == V5 { vec![ReasonCode(0)] } else { vec![] }, ..Default::default() };
        peer.broker(Packet::PubAck(Ack::new(77)));
        peer.broker(Packet::PubComp(Ack::new(78)));
        peer.broker(Packet::SubAck(SubAck { packet_id: 79, reasons: vec![ReasonCode(0)], ..Default::default() }));
        peer.broker(Packet::UnsubAck(unsuback));
        assert!(peer.session.is_connected());
        assert!(peer.sent().is_empty(), "nothing to answer");
        let unknown = |packet, packet_id| Event::Diagnostic(Diagnostic::UnknownPacketId { packet, packet_id });
        assert_eq!(
            peer.events(),
            [
                unknown(PacketType::PubAck, 77),
                unknown(PacketType::PubComp, 78),
                unknown(PacketType::SubAck, 79),
                unknown(PacketType::UnsubAck, 80)
            ]
        );
        // The engine is unharmed: a real flow still completes.
        let id = peer.publish("lab/a", b"1", QoS::AtLeastOnce).unwrap();
        peer.broker(Packet::PubAck(Ack::new(id)));
        assert_eq!(peer.events(), [Event::PublishAcknowledged { packet_id: id, reason: ReasonCode::SUCCESS }]);
    }
}

#[test]
fn pubrec_for_an_id_not_in_flight_is_answered_with_pubrel() {
    for (v, reason) in [(V311, ReasonCode::SUCCESS), (V5, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)] {
        let mut peer = Peer::connected(opts(v));
        peer.broker(Packet::PubRec(Ack::new(12)));
        assert_eq!(peer.sent(), [Packet::PubRel(Ack { reason, ..Ack::new(12) })]);
        assert_eq!(
            peer.events(),
            [Event::Diagnostic(Diagnostic::UnknownPacketId { packet: PacketType::PubRec, packet_id: 12 })]
        );
        assert!(peer.session.is_connected());
    }
    // A failure needs no answer (5.0 §4.3.3), known flow or not.
    let mut peer = Peer::connected(opts(V5));
    peer.broker(Packet::PubRec(Ack { reason: ReasonCode::QUOTA_EXCEEDED, ..Ack::new(13) }));
    assert!(peer.sent().is_empty());
    assert!(peer.session.is_connected());
}

#[test]
fn pubrel_for_an_id_never_received_is_answered_with_pubcomp() {
    for (v, reason) in [(V311, ReasonCode::SUCCESS), (V5, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND)] {
        let mut peer = Peer::connected(opts(v));
        peer.broker(Packet::PubRel(Ack::new(21)));
        assert_eq!(peer.sent(), [Packet::PubComp(Ack { reason, ..Ack::new(21) })]);
        assert!(peer.session.is_connected());
        // Normal after a reconnection (our PUBCOMP may have been lost): not reported.
        assert!(peer.events().is_empty());
    }
}

#[test]
fn an_ack_at_another_step_of_a_known_flow_is_a_protocol_error() {
    for (ack, packet) in [
        (Packet::PubAck(Ack::new(1)), PacketType::PubAck),
        (Packet::PubComp(Ack::new(1)), PacketType::PubComp),
    ] {
        let mut peer = Peer::connected(opts(V5));
        let id = peer.publish("lab/a", b"1", QoS::ExactlyOnce).unwrap();
        assert_eq!(id, 1);
        peer.sent();
        peer.broker(ack);
        assert_eq!(
            peer.closed_by(),
            CloseReason::ProtocolViolation(ProtocolViolation::AckOutOfStep { packet, packet_id: 1 })
        );
        assert_eq!(peer.sent(), [Packet::Disconnect(Disconnect { reason: ReasonCode::PROTOCOL_ERROR, ..Default::default() })]);
    }
}

#[test]
fn a_suback_with_a_publishs_id_does_not_free_that_id() {
    let mut peer = Peer::connected(opts(V311));
    let id = peer.publish("lab/a", b"1", QoS::AtLeastOnce).unwrap();
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(0)], ..Default::default() }));
    let next = peer.publish("lab/b", b"2", QoS::AtLeastOnce).unwrap();
    assert_ne!(next, id, "the message is still in flight under its id");
    peer.broker(Packet::PubAck(Ack::new(id)));
    let events = peer.events();
    assert!(events.contains(&Event::PublishAcknowledged { packet_id: id, reason: ReasonCode::SUCCESS }), "{events:?}");
}

#[test]
fn connack_twice() {
    let mut peer = Peer::connected(opts(V5));
    peer.broker(Packet::ConnAck(ConnAck::default()));
    assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::ConnAckTwice));
}

#[test]
fn packet_before_connack() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.sent();
    peer.broker(incoming("lab/a", QoS::AtMostOnce, 0));
    assert_eq!(
        peer.closed_by(),
        CloseReason::ProtocolViolation(ProtocolViolation::PacketBeforeConnAck(webmqtt_codec::PacketType::Publish))
    );
}

#[test]
fn malformed_bytes_end_the_session_with_0x81() {
    let mut peer = Peer::connected(opts(V5));
    // PUBLISH with QoS 3.
    peer.broker_bytes(&[0x36, 0x05, 0x00, 0x01, b'a', 0x00, 0x01]);
    assert!(matches!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::Malformed(_))));
    assert_eq!(
        peer.sent(),
        vec![Packet::Disconnect(Disconnect { reason: ReasonCode::MALFORMED_PACKET, ..Default::default() })]
    );
    // Nothing more is read from a dead connection.
    peer.broker(incoming("lab/a", QoS::AtMostOnce, 0));
    assert!(peer.events().is_empty());
}

#[test]
fn packet_over_our_maximum_ends_the_session_with_0x95() {
    let mut o = opts(V5);
    o.maximum_packet_size = Some(32);
    let mut peer = Peer::connected(o);
    peer.broker(Packet::Publish(Publish::new("lab/a", vec![0u8; 64])));
    assert!(matches!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::Malformed(_))));
    assert_eq!(
        peer.sent(),
        vec![Packet::Disconnect(Disconnect { reason: ReasonCode::PACKET_TOO_LARGE, ..Default::default() })]
    );
}

#[test]
fn server_disconnect_is_reported_with_its_reason() {
    let mut peer = Peer::connected(opts(V5));
    peer.broker(Packet::Disconnect(Disconnect {
        reason: ReasonCode::SESSION_TAKEN_OVER,
        properties: vec![Property::ReasonString("another client".into())].into(),
    }));
    assert_eq!(
        peer.closed_by(),
        CloseReason::ServerDisconnect {
            reason: ReasonCode::SESSION_TAKEN_OVER,
            reason_string: Some("another client".into()),
            server_reference: None
        }
    );
}

#[test]
fn bytes_in_any_chunking_give_the_same_events() {
    let mut whole = Peer::connected(opts(V5));
    let mut stream = Vec::new();
    for i in 0..5u16 {
        stream.extend(incoming(&format!("lab/{i}"), QoS::AtLeastOnce, i + 1).to_bytes(V5).unwrap());
    }
    whole.broker_bytes(&stream);
    let expected = whole.events();
    assert_eq!(expected.len(), 5);
    for chunk in [1, 2, 3, 7] {
        let mut peer = Peer::connected(opts(V5));
        for piece in stream.chunks(chunk) {
            peer.broker_bytes(piece);
        }
        assert_eq!(peer.events(), expected, "chunk size {chunk}");
    }
}

#[test]
fn lost_session_sends_a_message_awaiting_pubcomp_again() {
    let mut peer = Peer::connected(opts(V311));
    let id = peer.publish("lab/q2", b"once", QoS::ExactlyOnce).unwrap();
    peer.broker(Packet::PubRec(Ack::new(id)));
    peer.sent();
    // Our PUBREL may never have reached the broker; it forgot the session.
    peer.session.handle_transport_closed(peer.now);
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck::default()));
    let sent = peer.sent();
    assert!(
        matches!(&sent[..], [Packet::Connect(_), Packet::Publish(p)] if &p.payload[..] == b"once" && !p.dup),
        "{sent:?}"
    );
    assert_eq!(peer.session.unacknowledged(), 1);
}

#[test]
fn reconnect_resumes_a_5_0_session_that_outlives_the_connection() {
    let mut o = opts(V5);
    o.session_expiry_interval = Some(300);
    let mut peer = Peer::connected(o);
    peer.session.handle_transport_closed(peer.now);
    peer.session.connect(peer.now).unwrap();
    let [Packet::Connect(c)] = &peer.sent()[..] else { panic!() };
    assert!(!c.clean_start, "the broker still holds the session: resume it");
    peer.broker(Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }));
    assert!(peer.session.is_connected());
}

#[test]
fn reconnect_stays_clean_when_the_session_ended_with_the_connection() {
    for o in [opts(V311), opts(V5)] {
        let mut peer = Peer::connected(o);
        peer.session.handle_transport_closed(peer.now);
        peer.session.connect(peer.now).unwrap();
        let [Packet::Connect(c)] = &peer.sent()[..] else { panic!() };
        assert!(c.clean_start);
    }
}

#[test]
fn traffic_after_pingreq_keeps_the_connection_alive() {
    let mut o = opts(V311);
    o.keep_alive = 10;
    let mut peer = Peer::connected(o);
    peer.advance(10_000);
    assert_eq!(peer.sent(), vec![Packet::PingReq]);
    // A burst of messages; the PINGRESP is queued behind them.
    for _ in 0..3 {
        peer.advance(4_000);
        peer.broker(incoming("lab/x", QoS::AtMostOnce, 0));
    }
    assert!(peer.session.is_connected());
    peer.broker(Packet::PingResp);
    assert!(peer.session.is_connected());
}

#[test]
fn subscription_identifier_goes_out_and_comes_back_on_messages() {
    let mut peer = Peer::connected(opts(V5));
    let id = peer
        .session
        .subscribe_with_properties(
            peer.now,
            vec![SubscribeFilter::new("lab/#", QoS::AtMostOnce)],
            vec![Property::SubscriptionIdentifier(42), Property::UserProperty("who".into(), "lab".into())].into(),
        )
        .unwrap();
    let [Packet::Subscribe(s)] = &peer.sent()[..] else { panic!() };
    assert_eq!(s.properties.subscription_identifiers().collect::<Vec<_>>(), [42]);
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(0)], ..Default::default() }));
    peer.broker(Packet::Publish(Publish {
        properties: vec![Property::SubscriptionIdentifier(42)].into(),
        ..Publish::new("lab/a", &b"x"[..])
    }));
    let events = peer.events();
    let Event::Message(m) = &events[1] else { panic!("{events:?}") };
    assert_eq!(m.properties.subscription_identifiers().collect::<Vec<_>>(), [42]);
}

#[test]
fn a_subscription_identifier_in_3_1_1_is_refused_not_dropped() {
    let mut peer = Peer::connected(opts(V311));
    let err = peer
        .session
        .subscribe_with_properties(
            peer.now,
            vec![SubscribeFilter::new("lab/#", QoS::AtMostOnce)],
            vec![Property::SubscriptionIdentifier(42)].into(),
        )
        .unwrap_err();
    assert!(matches!(err, SessionError::Encode(webmqtt_codec::EncodeError::NotInVersion { .. })), "{err:?}");
    assert!(peer.sent().is_empty());
}

#[test]
fn a_long_burst_after_pingreq_gets_a_pingreq_every_interval() {
    // The broker answers our PINGREQ only after a long backlog of messages; it must
    // still hear from us within every keep-alive interval, or it drops us.
    let mut o = opts(V311);
    o.keep_alive = 10;
    let mut peer = Peer::connected(o);
    peer.advance(10_000);
    assert_eq!(peer.sent(), vec![Packet::PingReq]);
    let mut pings = 0;
    for _ in 0..35 {
        peer.advance(1_000);
        peer.broker(incoming("lab/x", QoS::AtMostOnce, 0));
        pings += peer.sent().iter().filter(|p| **p == Packet::PingReq).count();
    }
    assert!(peer.session.is_connected(), "traffic shows the broker alive");
    assert_eq!(pings, 3, "one PINGREQ per interval while the PINGRESP is outstanding");
    peer.broker(Packet::PingResp);
    assert!(peer.session.is_connected());
}

// ---------- Packets the engine must send and cannot ----------

#[test]
fn a_puback_over_the_brokers_maximum_ends_the_connection() {
    // A broker whose Maximum Packet Size (3) is under a 4-byte PUBACK.
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(3)]));
    peer.sent();
    peer.events();
    peer.broker(incoming("lab/x", QoS::AtLeastOnce, 5));
    let too_large = SessionError::PacketTooLarge { size: 4, maximum: 3 };
    assert_eq!(peer.events(), [Event::ConnectionClosed(CloseReason::SendFailed { packet: PacketType::PubAck, error: too_large })]);
    assert!(peer.sent().is_empty(), "nothing half-sent, and no DISCONNECT that would not fit either");
    assert!(!peer.session.is_connected());
    assert_eq!(
        CloseReason::SendFailed { packet: PacketType::PubAck, error: SessionError::PacketTooLarge { size: 4, maximum: 3 } }
            .to_string(),
        "could not send PUBACK: the packet is 4 bytes; the broker accepts at most 3"
    );
}

#[test]
fn a_pubrec_over_the_brokers_maximum_ends_the_connection() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(3)]));
    peer.events();
    peer.broker(incoming("lab/x", QoS::ExactlyOnce, 5));
    assert!(matches!(
        peer.closed_by(),
        CloseReason::SendFailed { packet: PacketType::PubRec, error: SessionError::PacketTooLarge { size: 4, maximum: 3 } }
    ));
}

#[test]
fn a_pingreq_that_cannot_be_sent_ends_the_connection_and_is_not_recorded() {
    let mut o = opts(V5);
    o.keep_alive = 10;
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(1)]));
    peer.sent();
    peer.events();
    peer.advance(10_000);
    assert_eq!(
        peer.closed_by(),
        CloseReason::SendFailed { packet: PacketType::PingReq, error: SessionError::PacketTooLarge { size: 2, maximum: 1 } }
    );
    assert!(peer.sent().is_empty());
    assert_eq!(peer.session.poll_timeout(), None, "no keep-alive timeout later for a ping never sent");
}

#[test]
fn no_write_result_is_ignored_in_the_engine() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/session");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for pattern in ["let _ = self.write", "let _ = self.send", ".write(now, &packet).ok()"] {
            assert!(!text.contains(pattern), "{} contains {pattern:?}", path.display());
        }
    }
}

#[test]
fn a_queued_message_over_the_brokers_new_maximum_fails_when_it_would_be_sent() {
    let mut peer = Peer::new(opts(V5));
    let id = peer.publish("lab/a", &[0u8; 100], QoS::AtLeastOnce).unwrap();
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(64)]));
    assert!(matches!(&peer.sent()[..], [Packet::Connect(_)]));
    let events = peer.events();
    assert!(matches!(&events[..], [Event::Connected(_), Event::PublishFailed { packet_id, error: SessionError::PacketTooLarge { maximum: 64, .. }, .. }] if *packet_id == id), "{events:?}");
    assert_eq!(peer.session.unacknowledged(), 0);
}

// ---------- AUTH ----------

fn auth_with(method: Option<&str>) -> Packet {
    let properties: Properties = method.map(|m| Property::AuthenticationMethod(m.into())).into_iter().collect();
    Packet::Auth(Auth { reason: ReasonCode::CONTINUE_AUTHENTICATION, properties })
}

#[test]
fn auth_without_an_authentication_method_in_connect_is_a_protocol_error() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.sent();
    peer.broker(auth_with(Some("SCRAM-SHA-1")));
    assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::UnexpectedAuth));
    assert_eq!(peer.sent(), [Packet::Disconnect(Disconnect { reason: ReasonCode::PROTOCOL_ERROR, ..Default::default() })]);
}

#[test]
fn auth_must_carry_the_method_of_connect() {
    for (method, ok) in [(Some("SCRAM-SHA-1"), true), (Some("OTHER"), false), (None, false)] {
        let mut o = opts(V5);
        o.authentication_method = Some("SCRAM-SHA-1".into());
        let mut peer = Peer::new(o);
        peer.session.connect(peer.now).unwrap();
        peer.sent();
        peer.broker(auth_with(method));
        if ok {
            assert!(matches!(&peer.events()[..], [Event::AuthReceived(_)]));
            peer.broker(Packet::ConnAck(ConnAck {
                properties: vec![Property::AuthenticationMethod("SCRAM-SHA-1".into())].into(),
                ..ConnAck::default()
            }));
            assert!(peer.session.is_connected());
        } else {
            assert_eq!(
                peer.closed_by(),
                CloseReason::ProtocolViolation(ProtocolViolation::AuthMethodMismatch {
                    expected: "SCRAM-SHA-1".into(),
                    received: method.map(str::to_owned)
                })
            );
            assert_eq!(
                peer.sent(),
                [Packet::Disconnect(Disconnect { reason: ReasonCode::PROTOCOL_ERROR, ..Default::default() })]
            );
        }
    }
}

// ---------- Broker deviations tolerated (session/tolerance.rs) ----------

/// Subscribed to "a" and "b" on a 5.0 connection, then UNSUBSCRIBE for both.
fn unsubscribing_from_a_and_b() -> (Peer, u16) {
    let mut peer = Peer::connected(opts(V5));
    let filters = vec![SubscribeFilter::new("a", QoS::AtMostOnce), SubscribeFilter::new("b", QoS::AtMostOnce)];
    let id = peer.session.subscribe(peer.now, filters).unwrap();
    peer.broker(Packet::SubAck(SubAck { packet_id: id, reasons: vec![ReasonCode(0); 2], ..Default::default() }));
    let id = peer.session.unsubscribe(peer.now, vec!["a".into(), "b".into()]).unwrap();
    peer.sent();
    peer.events();
    (peer, id)
}

#[test]
fn a_5_0_unsuback_without_reason_codes_is_success_for_each_filter() {
    let (mut peer, id) = unsubscribing_from_a_and_b();
    let [high, low] = id.to_be_bytes();
    let mut bytes = vec![0xB0, 0x03, high, low, 0x00];
    // The stream goes on after it.
    bytes.extend(incoming("lab/next", QoS::AtMostOnce, 0).to_bytes(V5).unwrap());
    peer.broker_bytes(&bytes);
    let events = peer.events();
    assert_eq!(events[0], Event::Diagnostic(Diagnostic::UnsubAckWithoutReasonCodes { packet_id: id }));
    assert_eq!(
        events[1],
        Event::Unsubscribed { packet_id: id, results: vec![("a".into(), ReasonCode::SUCCESS), ("b".into(), ReasonCode::SUCCESS)] }
    );
    assert!(matches!(&events[2], Event::Message(p) if p.topic == "lab/next"), "{events:?}");
    assert!(peer.session.is_connected());
    assert_eq!(peer.session.subscriptions().count(), 0);
}

#[test]
fn an_unsuback_reason_code_outside_the_table_is_an_unspecified_error() {
    let (mut peer, id) = unsubscribing_from_a_and_b();
    let [high, low] = id.to_be_bytes();
    peer.broker_bytes(&[0xB0, 0x05, high, low, 0x00, 0x11, 0x05]);
    let events = peer.events();
    assert_eq!(
        events,
        [
            Event::Diagnostic(Diagnostic::UnsubAckInvalidReasonCode { packet_id: id, code: 0x05 }),
            Event::Unsubscribed {
                packet_id: id,
                results: vec![("a".into(), ReasonCode::NO_SUBSCRIPTION_EXISTED), ("b".into(), ReasonCode::UNSPECIFIED_ERROR)]
            }
        ]
    );
    let held: Vec<&str> = peer.session.subscriptions().map(|(f, _)| f).collect();
    assert_eq!(held, ["b"], "a failure keeps the subscription");
}

#[test]
fn bytes_after_connack_properties_are_ignored() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    peer.broker_bytes(&[0x20, 0x05, 0x00, 0x00, 0x00, 0xDE, 0xAD]);
    let events = peer.events();
    assert_eq!(events[0], Event::Diagnostic(Diagnostic::ConnAckTrailingBytes { count: 2 }));
    assert!(matches!(events[1], Event::Connected(_)), "{events:?}");
}

#[test]
fn everything_else_stays_strict() {
    // An UNSUBACK with a bad code and a bad property; a 3.1.1 UNSUBACK with codes;
    // a 5.0 SUBACK with a code outside its table; bytes after a 3.1.1 CONNACK.
    let cases: [(ProtocolVersion, &[u8]); 3] = [
        (V5, &[0xB0, 0x07, 0x00, 0x01, 0x02, 0x01, 0x00, 0x00, 0x05]),
        (V311, &[0xB0, 0x03, 0x00, 0x01, 0x00]),
        (V5, &[0x90, 0x04, 0x00, 0x01, 0x00, 0x05]),
    ];
    for (v, bytes) in cases {
        let mut peer = Peer::connected(opts(v));
        peer.broker_bytes(bytes);
        assert!(
            matches!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::Malformed(_))),
            "{bytes:02x?}"
        );
    }
    let mut peer = Peer::new(opts(V311));
    peer.session.connect(peer.now).unwrap();
    peer.broker_bytes(&[0x20, 0x03, 0x00, 0x00, 0x00]);
    assert!(matches!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::Malformed(_))));
}

#[test]
fn the_decoder_goes_on_only_after_a_packet_whose_body_it_refused() {
    let mut d = Decoder::new(V5);
    d.push(&[0xB0, 0x03, 0x00, 0x01, 0x00, 0xD0, 0x00]).unwrap();
    assert!(d.next_packet().is_err());
    assert_eq!(d.rejected().map(|(b, body)| (b, body.to_vec())), Some((0xB0, vec![0x00, 0x01, 0x00])));
    assert!(d.next_packet().is_err(), "still failed until skipped");
    assert!(d.skip_rejected());
    assert_eq!(d.next_packet().unwrap(), Some(Packet::PingResp));
    // A framing error cannot be skipped.
    let mut d = Decoder::new(V5);
    assert!(d.push(&[0xD0, 0x80, 0x80, 0x80, 0x80, 0x01]).is_err());
    assert!(d.rejected().is_none() && !d.skip_rejected());
}

// ---------- connect, unsubscribe, disconnect ----------

#[test]
fn connect_while_connecting_or_connected_is_refused() {
    let mut peer = Peer::new(opts(V5));
    peer.session.connect(peer.now).unwrap();
    assert_eq!(peer.session.connect(peer.now), Err(SessionError::AlreadyConnected));
    peer.broker(Packet::ConnAck(ConnAck::default()));
    assert_eq!(peer.session.connect(peer.now), Err(SessionError::AlreadyConnected));
    let sent = peer.sent();
    assert!(matches!(&sent[..], [Packet::Connect(_)]), "one CONNECT: {sent:?}");
    assert!(peer.session.is_connected());
}

#[test]
fn unsubscribe_carries_user_properties() {
    let mut peer = Peer::connected(opts(V5));
    let props: Properties = vec![Property::UserProperty("why".into(), "done".into())].into();
    let id = peer.session.unsubscribe_with_properties(peer.now, vec!["lab/#".into()], props.clone()).unwrap();
    let [Packet::Unsubscribe(u)] = &peer.sent()[..] else { panic!() };
    assert_eq!((u.packet_id, &u.filters[..], &u.properties), (id, &["lab/#".to_string()][..], &props));
    // 3.1.1 cannot say it: refused, not dropped.
    let mut peer = Peer::connected(opts(V311));
    let err = peer.session.unsubscribe_with_properties(peer.now, vec!["lab/#".into()], props).unwrap_err();
    assert!(matches!(err, SessionError::Encode(EncodeError::NotInVersion { .. })), "{err:?}");
    assert!(peer.sent().is_empty());
}

#[test]
fn disconnect_with_will_message_and_properties() {
    let mut o = opts(V5);
    o.session_expiry_interval = Some(300);
    let mut peer = Peer::connected(o);
    let request = DisconnectRequest {
        reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE,
        session_expiry_interval: Some(60),
        reason_string: Some("lab over".into()),
        user_properties: vec![("who".into(), "student".into())],
    };
    peer.session.disconnect_with(peer.now, request).unwrap();
    let [Packet::Disconnect(d)] = &peer.sent()[..] else { panic!() };
    assert_eq!(d.reason, ReasonCode::DISCONNECT_WITH_WILL_MESSAGE);
    assert_eq!(d.properties.session_expiry_interval(), Some(60));
    assert_eq!(d.properties.reason_string(), Some("lab over"));
    assert_eq!(d.properties.user_properties().collect::<Vec<_>>(), [("who", "student")]);
    assert_eq!(peer.closed_by(), CloseReason::ClientDisconnect);
}

#[test]
fn disconnect_with_what_may_not_be_sent_is_refused_and_stays_connected() {
    // CONNECT said 0 (or nothing): a non-zero expiry at DISCONNECT is a Protocol Error (§3.14.2.2.2).
    let mut peer = Peer::connected(opts(V5));
    let expiry = DisconnectRequest { session_expiry_interval: Some(60), ..Default::default() };
    assert_eq!(
        peer.session.disconnect_with(peer.now, expiry),
        Err(SessionError::SessionExpiryNotAllowed { requested: 60 })
    );
    let server_only = DisconnectRequest { reason: ReasonCode::SERVER_SHUTTING_DOWN, ..Default::default() };
    assert_eq!(
        peer.session.disconnect_with(peer.now, server_only),
        Err(SessionError::ReasonNotForClient(ReasonCode::SERVER_SHUTTING_DOWN))
    );
    assert!(peer.sent().is_empty() && peer.session.is_connected());
    // 3.1.1 has DISCONNECT without a reason only.
    let mut peer = Peer::connected(opts(V311));
    let will = DisconnectRequest { reason: ReasonCode::DISCONNECT_WITH_WILL_MESSAGE, ..Default::default() };
    assert!(matches!(
        peer.session.disconnect_with(peer.now, will),
        Err(SessionError::Encode(EncodeError::NotInVersion { .. }))
    ));
    assert!(peer.session.is_connected());
    peer.session.disconnect_with(peer.now, DisconnectRequest::default()).unwrap();
    assert_eq!(peer.sent(), [Packet::Disconnect(Disconnect::default())]);
    assert_eq!(peer.closed_by(), CloseReason::ClientDisconnect);
    assert_eq!(peer.session.disconnect_with(peer.now, DisconnectRequest::default()), Err(SessionError::NotConnected));
}

#[test]
fn a_disconnect_over_the_brokers_maximum_is_refused() {
    let mut o = opts(V5);
    o.session_expiry_interval = Some(10);
    let mut peer = Peer::new(o);
    peer.session.connect(peer.now).unwrap();
    peer.broker(connack_with(vec![Property::MaximumPacketSize(16)]));
    peer.sent();
    let long = DisconnectRequest { reason_string: Some("x".repeat(40)), session_expiry_interval: Some(0), ..Default::default() };
    assert!(matches!(peer.session.disconnect_with(peer.now, long), Err(SessionError::PacketTooLarge { maximum: 16, .. })));
    assert!(peer.session.is_connected() && peer.sent().is_empty());
}

// ---------- Acknowledgement by the application ----------

/// A broker's side of QoS 1 and 2 delivery, honouring the client's Receive
/// Maximum: it has `messages` to deliver and never more than `receive_maximum`
/// of them unacknowledged.
struct ScriptedBroker {
    to_send: std::collections::VecDeque<Packet>,
    in_flight: usize,
    receive_maximum: usize,
}

impl ScriptedBroker {
    /// Sends what its quota allows, then reads the client's answers.
    fn turn(&mut self, peer: &mut Peer) {
        loop {
            while self.in_flight < self.receive_maximum {
                let Some(p) = self.to_send.pop_front() else { break };
                self.in_flight += 1;
                peer.broker(p);
            }
            let answers = peer.sent();
            if answers.is_empty() {
                return;
            }
            for answer in answers {
                match answer {
                    Packet::PubAck(_) | Packet::PubComp(_) => self.in_flight -= 1,
                    Packet::PubRec(a) => peer.broker(Packet::PubRel(Ack::new(a.packet_id))),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
}

fn delivered(events: &[Event]) -> Vec<u16> {
    events.iter().filter_map(|e| if let Event::Message(p) = e { Some(p.packet_id) } else { None }).collect()
}

#[test]
fn manual_acks_hold_the_broker_back_at_our_receive_maximum_until_the_caller_acks() {
    let mut o = opts(V5);
    o.manual_acks = true;
    o.receive_maximum = Some(2);
    let mut peer = Peer::connected(o);
    let qos = [QoS::AtLeastOnce, QoS::ExactlyOnce, QoS::AtLeastOnce, QoS::ExactlyOnce, QoS::AtLeastOnce];
    let mut broker = ScriptedBroker {
        to_send: qos.iter().enumerate().map(|(i, q)| incoming(&format!("lab/{i}"), *q, i as u16 + 1)).collect(),
        in_flight: 0,
        receive_maximum: 2,
    };
    broker.turn(&mut peer);
    assert_eq!(delivered(&peer.events()), [1, 2], "two delivered, nothing acknowledged yet");
    broker.turn(&mut peer);
    assert!(peer.events().is_empty(), "the broker holds the third back");
    assert_eq!(peer.session.ack(peer.now, 7), Err(SessionError::NotAwaitingAck { packet_id: 7 }));

    // The QoS 2 message first: PUBREC, PUBREL, PUBCOMP free one place.
    peer.session.ack(peer.now, 2).unwrap();
    broker.turn(&mut peer);
    assert_eq!(delivered(&peer.events()), [3]);
    assert_eq!(peer.session.ack(peer.now, 2), Err(SessionError::NotAwaitingAck { packet_id: 2 }), "once");
    for id in [1, 3, 4, 5] {
        peer.session.ack(peer.now, id).unwrap();
        broker.turn(&mut peer);
        let got = delivered(&peer.events());
        assert!(got.len() <= 1, "one place freed, one message: {got:?}");
    }
    assert!(broker.to_send.is_empty() && broker.in_flight == 0, "all delivered and acknowledged");
    assert!(peer.session.is_connected());
}

#[test]
fn manual_acks_are_sent_only_on_ack_and_duplicates_are_not_delivered_twice() {
    for v in [V311, V5] {
        let mut o = opts(v);
        o.manual_acks = true;
        let mut peer = Peer::connected(o);
        peer.broker(incoming("lab/1", QoS::AtLeastOnce, 1));
        peer.broker(incoming("lab/2", QoS::ExactlyOnce, 2));
        assert!(peer.sent().is_empty());
        // The broker sends both again (DUP), as after a resumed session.
        for (qos, id) in [(QoS::AtLeastOnce, 1), (QoS::ExactlyOnce, 2)] {
            let Packet::Publish(p) = incoming("lab/again", qos, id) else { unreachable!() };
            peer.broker(Packet::Publish(Publish { dup: true, ..p }));
        }
        assert_eq!(delivered(&peer.events()), [1, 2]);
        assert!(peer.sent().is_empty());
        // PUBREL before our PUBREC: out of step.
        peer.session.ack(peer.now, 1).unwrap();
        peer.session.ack(peer.now, 2).unwrap();
        assert_eq!(peer.sent(), [Packet::PubAck(Ack::new(1)), Packet::PubRec(Ack::new(2))]);
        peer.broker(Packet::PubRel(Ack::new(2)));
        assert_eq!(peer.sent(), [Packet::PubComp(Ack::new(2))]);
    }
}

#[test]
fn manual_ack_while_disconnected_waits_for_the_resumed_session() {
    let mut o = opts(V311);
    o.manual_acks = true;
    o.clean_start = false;
    let mut peer = Peer::connected(o);
    peer.broker(incoming("lab/1", QoS::AtLeastOnce, 1));
    peer.events();
    peer.session.handle_transport_closed(peer.now);
    assert_eq!(peer.session.ack(peer.now, 1), Err(SessionError::NotConnected));
    peer.session.connect(peer.now).unwrap();
    peer.broker(Packet::ConnAck(ConnAck { session_present: true, ..ConnAck::default() }));
    let Packet::Publish(p) = incoming("lab/1", QoS::AtLeastOnce, 1) else { unreachable!() };
    peer.broker(Packet::Publish(Publish { dup: true, ..p }));
    assert!(delivered(&peer.events()).is_empty(), "the caller has it already");
    peer.sent();
    peer.session.ack(peer.now, 1).unwrap();
    assert_eq!(peer.sent(), [Packet::PubAck(Ack::new(1))]);
}

#[test]
fn more_unacknowledged_messages_than_our_receive_maximum_is_0x93() {
    for manual in [true, false] {
        let mut o = opts(V5);
        o.manual_acks = manual;
        o.receive_maximum = Some(2);
        let mut peer = Peer::connected(o);
        // With automatic acks only QoS 2 messages awaiting PUBREL count.
        let qos = if manual { QoS::AtLeastOnce } else { QoS::ExactlyOnce };
        for id in 1..=3 {
            peer.broker(incoming("lab/x", qos, id));
        }
        assert_eq!(peer.closed_by(), CloseReason::ProtocolViolation(ProtocolViolation::ReceiveMaximumExceeded));
        let sent = peer.sent();
        assert_eq!(
            sent.last(),
            Some(&Packet::Disconnect(Disconnect { reason: ReasonCode::RECEIVE_MAXIMUM_EXCEEDED, ..Default::default() }))
        );
    }
}

// ---------- The caller's transmit buffer ----------

#[test]
fn poll_transmit_appends_to_the_callers_buffer() {
    let mut peer = Peer::connected(opts(V311));
    peer.publish("a", b"1", QoS::AtMostOnce).unwrap();
    let mut buf = b"kept".to_vec();
    let n = peer.session.poll_transmit(&mut buf);
    assert_eq!(n, buf.len() - 4);
    assert_eq!(&buf[..4], b"kept");
    assert_eq!(Packet::decode(V311, &Bytes::copy_from_slice(&buf[4..])).unwrap(), Packet::Publish(Publish::new("a", &b"1"[..])));
    assert_eq!(peer.session.poll_transmit(&mut buf), 0, "nothing twice");
}
