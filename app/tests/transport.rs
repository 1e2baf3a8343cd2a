//! The WebSocket transport (`app/src/transport.rs`) against a real mosquitto, in
//! headless Chromium. scripts/test.sh (suite "app tests in headless Chromium")
//! starts mosquitto on loopback and passes its ports at compile time:
//!
//!     WEBMQTT_TEST_WS_PORT      the WebSocket listener (`protocol websockets`)
//!     WEBMQTT_TEST_MQTT_PORT    the plain MQTT listener (not a WebSocket server)
//!     WEBMQTT_TEST_CLOSED_PORT  a loopback port nothing listens on
//!
//! Without them every test here fails and says to run scripts/test.sh.
//! Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use webmqtt_app::broker_url::BrokerUrl;
use webmqtt_app::transport::{Transport, TransportEvent};
use webmqtt_codec::session::{CloseReason, ConnectOptions, Connected, Event, Session};
use webmqtt_codec::{Bytes, ProtocolVersion, Publish, QoS, ReasonCode, SubscribeFilter};

wasm_bindgen_test_configure!(run_in_browser);

// --- set-up from scripts/test.sh ---------------------------------------------

fn port(name: &str, value: Option<&'static str>) -> u16 {
    let Some(value) = value else {
        panic!(
            "{name} was not set when this test was compiled: run scripts/test.sh (its suite \
             \"app tests in headless Chromium\" starts mosquitto and exports the ports)"
        )
    };
    value.parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a port number"))
}

fn ws_port() -> u16 {
    port("WEBMQTT_TEST_WS_PORT", option_env!("WEBMQTT_TEST_WS_PORT"))
}

fn mqtt_port() -> u16 {
    port("WEBMQTT_TEST_MQTT_PORT", option_env!("WEBMQTT_TEST_MQTT_PORT"))
}

fn closed_port() -> u16 {
    port("WEBMQTT_TEST_CLOSED_PORT", option_env!("WEBMQTT_TEST_CLOSED_PORT"))
}

fn url(port: u16) -> BrokerUrl {
    BrokerUrl::parse(&format!("ws://127.0.0.1:{port}/")).expect("a valid broker URL")
}

// --- bounded waiting ----------------------------------------------------------

/// Resolves after `ms` milliseconds (a Promise around setTimeout): lets the
/// browser run the socket's and the transport's callbacks.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("the timer promise resolves");
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Polls `check` every 10 ms until it gives a value; panics after `limit_ms`
/// with `what` and the `context` at that moment.
async fn until<T>(what: &str, limit_ms: f64, mut check: impl FnMut() -> Option<T>, context: impl Fn() -> String) -> T {
    let start = now_ms();
    loop {
        if let Some(v) = check() {
            return v;
        }
        if now_ms() - start > limit_ms {
            panic!("timed out after {limit_ms} ms waiting for {what}; {}", context());
        }
        sleep(10).await;
    }
}

/// A name no other test (or earlier run) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32)
}

// --- a transport and what it reported ----------------------------------------

/// One line per event, with payloads summarised (a 1 MiB Debug dump helps nobody).
fn describe(e: &TransportEvent) -> String {
    match e {
        TransportEvent::Engine(Event::Message(p)) => {
            format!("Message({} qos {} {} bytes)", p.topic, p.qos.as_u8(), p.payload.len())
        }
        TransportEvent::Engine(Event::Connected(_)) => "Engine(Connected)".into(),
        other => format!("{other:?}"),
    }
}

struct Probe {
    transport: Transport,
    events: Rc<RefCell<Vec<TransportEvent>>>,
}

impl Probe {
    fn open(url: BrokerUrl, options: ConnectOptions) -> Self {
        let events = Rc::new(RefCell::new(Vec::new()));
        let log = events.clone();
        let transport = Transport::open(url, Session::new(options), move |e| log.borrow_mut().push(e))
            .expect("the browser accepts the address");
        Self { transport, events }
    }

    fn log(&self) -> String {
        let events = self.events.borrow();
        let n = events.len();
        let shown: Vec<String> = events.iter().rev().take(12).rev().map(describe).collect();
        format!(
            "{n} events so far, {} WebSocket messages received; the last events: [{}]",
            self.transport.frames_received(),
            shown.join(", ")
        )
    }

    /// Waits for the first event (from the start) that `pick` accepts.
    async fn wait_for<T>(&self, what: &str, limit_ms: f64, pick: impl Fn(&TransportEvent) -> Option<T>) -> T {
        until(what, limit_ms, || self.events.borrow().iter().find_map(&pick), || self.log()).await
    }

    async fn connected(&self) -> Connected {
        self.wait_for("Engine(Connected)", 5_000.0, |e| match e {
            TransportEvent::Engine(Event::Connected(c)) => Some(c.clone()),
            _ => None,
        })
        .await
    }

    fn messages(&self) -> Vec<Publish> {
        self.events
            .borrow()
            .iter()
            .filter_map(|e| match e {
                TransportEvent::Engine(Event::Message(p)) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    async fn wait_messages(&self, count: usize, limit_ms: f64) -> Vec<Publish> {
        let what = format!("{count} messages");
        until(
            &what,
            limit_ms,
            || {
                let n = self
                    .events
                    .borrow()
                    .iter()
                    .filter(|e| matches!(e, TransportEvent::Engine(Event::Message(_))))
                    .count();
                (n >= count).then(|| self.messages())
            },
            || self.log(),
        )
        .await
    }

    fn acknowledged(&self) -> Vec<(u16, ReasonCode)> {
        self.events
            .borrow()
            .iter()
            .filter_map(|e| match e {
                TransportEvent::Engine(Event::PublishAcknowledged { packet_id, reason }) => Some((*packet_id, *reason)),
                _ => None,
            })
            .collect()
    }

    /// Subscribes and waits for SUBACK; returns the granted QoS.
    async fn subscribe(&self, filter: &str, qos: QoS) -> QoS {
        let id = self
            .transport
            .with_session(|s, now| s.subscribe(now, vec![SubscribeFilter::new(filter, qos)]))
            .expect("SUBSCRIBE is accepted by the engine");
        self.wait_for(&format!("SUBACK for {filter}"), 5_000.0, |e| match e {
            TransportEvent::Engine(Event::Subscribed { packet_id, results }) if *packet_id == id => {
                assert_eq!(results.len(), 1, "one result per filter");
                assert_eq!(results[0].filter, filter);
                Some(results[0].result.expect("the broker grants the subscription"))
            }
            _ => None,
        })
        .await
    }

    fn publish(&self, topic: &str, qos: QoS, payload: impl Into<Bytes>) -> u16 {
        let publish = Publish { qos, ..Publish::new(topic, payload.into()) };
        self.transport.with_session(|s, now| s.publish(now, publish)).expect("the engine accepts the publish")
    }

    /// Sends DISCONNECT and closes the socket.
    fn finish(self) {
        self.transport.with_session(|s, now| s.disconnect(now));
        self.transport.close();
    }
}

async fn connect(version: ProtocolVersion, client_id: &str) -> (Probe, Connected) {
    let probe = Probe::open(url(ws_port()), ConnectOptions::new(version, client_id));
    let connected = probe.connected().await;
    let events = probe.events.borrow().clone();
    assert_eq!(
        events.first(),
        Some(&TransportEvent::Opened),
        "the socket opened (with the subprotocol) before CONNACK: {}",
        probe.log()
    );
    (probe, connected)
}

// --- connecting ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn connects_with_mqtt_3_1_1() {
    let (probe, connected) = connect(ProtocolVersion::V3_1_1, &unique("webmqtt-t311")).await;
    assert!(!connected.session_present, "a clean session has no stored state");
    assert_eq!(connected.assigned_client_id, None, "3.1.1 has no assigned client id");
    assert!(probe.transport.frames_received() >= 1, "CONNACK arrived in a WebSocket message");
    probe.finish();
}

#[wasm_bindgen_test]
async fn connects_with_mqtt_5_and_reads_the_connack_properties() {
    // An empty client id: the broker assigns one and says so in a CONNACK property.
    let (probe, connected) = connect(ProtocolVersion::V5, "").await;
    assert!(!connected.session_present);
    let assigned = connected.assigned_client_id.clone().unwrap_or_default();
    assert!(!assigned.is_empty(), "mosquitto assigns a client id in 5.0: {connected:?}");
    assert!(!connected.server.properties.is_empty(), "mosquitto's 5.0 CONNACK has properties: {connected:?}");
    probe.finish();
}

#[wasm_bindgen_test]
async fn connects_with_mqtt_3_1_over_the_mqttv3_1_subprotocol() {
    let (probe, connected) = connect(ProtocolVersion::V3_1, &unique("webmqtt-t31")).await;
    assert!(!connected.session_present);
    probe.finish();
}

// --- publish and subscribe through the same transport ---------------------------

async fn round_trip_every_qos(version: ProtocolVersion) {
    let (probe, _) = connect(version, &unique("webmqtt-qos")).await;
    let base = unique("webmqtt-test/qos");
    assert_eq!(probe.subscribe(&format!("{base}/#"), QoS::ExactlyOnce).await, QoS::ExactlyOnce);

    let sent = [(QoS::AtMostOnce, "zero"), (QoS::AtLeastOnce, "one"), (QoS::ExactlyOnce, "two")];
    let mut ids = Vec::new();
    for (qos, word) in sent {
        ids.push(probe.publish(&format!("{base}/q{}", qos.as_u8()), qos, format!("payload {word}").into_bytes()));
    }
    assert_eq!(ids[0], 0, "QoS 0 has no packet id");
    assert!(ids[1] != 0 && ids[2] != 0 && ids[1] != ids[2], "QoS 1 and 2 get distinct packet ids: {ids:?}");

    let messages = probe.wait_messages(3, 5_000.0).await;
    let mut got: Vec<(String, u8, String)> = messages
        .iter()
        .map(|m| (m.topic.to_string(), m.qos.as_u8(), String::from_utf8(m.payload.to_vec()).expect("UTF-8")))
        .collect();
    got.sort();
    let want: Vec<(String, u8, String)> = sent
        .iter()
        .map(|(qos, word)| (format!("{base}/q{}", qos.as_u8()), qos.as_u8(), format!("payload {word}")))
        .collect();
    assert_eq!(got, want, "each message comes back once, at the QoS it was published with");

    // PUBACK for QoS 1 and PUBREC/PUBREL/PUBCOMP for QoS 2 complete.
    let acks = until(
        "PublishAcknowledged for the QoS 1 and 2 messages",
        5_000.0,
        || {
            let acks = probe.acknowledged();
            (acks.len() >= 2).then_some(acks)
        },
        || probe.log(),
    )
    .await;
    let mut acked: Vec<u16> = acks.iter().map(|(id, _)| *id).collect();
    acked.sort();
    let mut expected = vec![ids[1], ids[2]];
    expected.sort();
    assert_eq!(acked, expected, "both flows completed");
    assert!(acks.iter().all(|(_, r)| *r == ReasonCode::SUCCESS), "acknowledged with success: {acks:?}");
    sleep(100).await;
    assert_eq!(probe.messages().len(), 3, "no duplicates arrive afterwards: {}", probe.log());
    probe.finish();
}

#[wasm_bindgen_test]
async fn publishes_and_receives_qos_0_1_2_with_mqtt_3_1_1() {
    round_trip_every_qos(ProtocolVersion::V3_1_1).await;
}

#[wasm_bindgen_test]
async fn publishes_and_receives_qos_0_1_2_with_mqtt_5() {
    round_trip_every_qos(ProtocolVersion::V5).await;
}

// --- reassembly -----------------------------------------------------------------

/// 1 MiB of bytes that differ from position to position, so a lost, doubled or
/// reordered chunk shows.
fn big_payload() -> Vec<u8> {
    (0..1_048_576u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

/// mosquitto 2.0.11 writes a large packet to a WebSocket client about 4 KiB per
/// pass of its main loop (at most every 100 ms when nothing else happens:
/// eclipse-mosquitto/mosquitto#1390), so 1 MiB takes ~27 s to come back.
const BIG_MESSAGE_LIMIT_MS: f64 = 60_000.0;

#[wasm_bindgen_test]
async fn one_mebibyte_message_arrives_whole() {
    let (probe, _) = connect(ProtocolVersion::V3_1_1, &unique("webmqtt-big")).await;
    let topic = unique("webmqtt-test/big");
    probe.subscribe(&topic, QoS::AtMostOnce).await;

    let payload = big_payload();
    let frames_before = probe.transport.frames_received();
    let start = now_ms();
    // Chromium sends this as one WebSocket message in ~131 KB frames; mosquitto joins them.
    probe.publish(&topic, QoS::AtMostOnce, payload.clone());
    let messages = probe.wait_messages(1, BIG_MESSAGE_LIMIT_MS).await;
    let frames = probe.transport.frames_received() - frames_before;
    console_log!(
        "1 MiB PUBLISH (QoS 0): back after {:.1} s in {frames} WebSocket message(s)",
        (now_ms() - start) / 1_000.0
    );

    assert_eq!(messages.len(), 1, "{}", probe.log());
    let got = &messages[0];
    assert_eq!(got.topic, topic);
    assert_eq!(got.payload.len(), payload.len(), "the whole payload arrived");
    let first_difference = got.payload.iter().zip(&payload).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "the payload arrived unchanged (first differing byte)");
    // QoS 0 both ways and keep alive far away: only this PUBLISH came in, in as
    // many WebSocket messages as mosquitto chose (one, with 2.0.11).
    assert!(frames >= 1, "at least one WebSocket message carried it");
    sleep(100).await;
    assert_eq!(probe.messages().len(), 1, "nothing more arrives: {}", probe.log());
    probe.finish();
}

async fn burst_arrives_in_order(version: ProtocolVersion, qos: QoS, count: usize) {
    let (probe, _) = connect(version, &unique("webmqtt-burst")).await;
    let topic = unique("webmqtt-test/burst");
    probe.subscribe(&topic, qos).await;

    let frames_before = probe.transport.frames_received();
    // All in one call: the engine queues them, and what it may send goes out at once.
    let ids: Vec<u16> = probe.transport.with_session(|s, now| {
        (0..count)
            .map(|i| {
                let p = Publish { qos, ..Publish::new(topic.clone(), format!("message {i:04}").into_bytes()) };
                s.publish(now, p).expect("the engine accepts the publish")
            })
            .collect()
    });
    let messages = probe.wait_messages(count, 15_000.0).await;
    if qos != QoS::AtMostOnce {
        until(
            "every publish acknowledged",
            10_000.0,
            || (probe.acknowledged().len() >= count).then_some(()),
            || probe.log(),
        )
        .await;
    }
    let frames = probe.transport.frames_received() - frames_before;
    console_log!(
        "burst of {count} QoS {} messages ({version:?}): {frames} WebSocket messages received (publishes and acks)",
        qos.as_u8()
    );

    let payloads: Vec<String> =
        messages.iter().map(|m| String::from_utf8(m.payload.to_vec()).expect("UTF-8")).collect();
    let want: Vec<String> = (0..count).map(|i| format!("message {i:04}")).collect();
    assert_eq!(payloads.len(), count, "each message exactly once");
    assert!(
        payloads == want,
        "in the order they were published; first differences: {:?}",
        payloads.iter().zip(&want).enumerate().filter(|(_, (a, b))| a != b).take(3).collect::<Vec<_>>()
    );
    assert!(messages.iter().all(|m| m.topic == topic && m.qos == qos));
    if qos != QoS::AtMostOnce {
        let mut acked: Vec<u16> = probe.acknowledged().iter().map(|(id, _)| *id).collect();
        let mut ids = ids;
        acked.sort();
        ids.sort();
        assert_eq!(acked, ids, "every packet id acknowledged once");
    }
    probe.finish();
}

#[wasm_bindgen_test]
async fn burst_of_500_qos_0_messages_arrives_in_order() {
    burst_arrives_in_order(ProtocolVersion::V3_1_1, QoS::AtMostOnce, 500).await;
}

#[wasm_bindgen_test]
async fn burst_of_500_qos_1_messages_arrives_in_order_with_mqtt_5() {
    // mosquitto's receive maximum (20 in flight) makes the engine queue most of them.
    burst_arrives_in_order(ProtocolVersion::V5, QoS::AtLeastOnce, 500).await;
}

// --- failures -------------------------------------------------------------------

async fn closes_without_opening(port: u16) {
    let probe = Probe::open(url(port), ConnectOptions::new(ProtocolVersion::V3_1_1, unique("webmqtt-refused")));
    let closed = probe
        .wait_for("Closed", 5_000.0, |e| match e {
            TransportEvent::Closed { opened, code, .. } => Some((*opened, *code)),
            _ => None,
        })
        .await;
    assert_eq!(closed, (false, 1006), "never opened; abnormal closure (1006): {}", probe.log());
    sleep(50).await;
    let events = probe.events.borrow().clone();
    assert_eq!(events.len(), 1, "nothing but Closed (no Opened, no engine event): {}", probe.log());
    assert_eq!(probe.transport.frames_received(), 0);
}

#[wasm_bindgen_test]
async fn refused_port_reports_closed_without_opening() {
    closes_without_opening(closed_port()).await;
}

#[wasm_bindgen_test]
async fn plain_mqtt_listener_fails_the_websocket_handshake() {
    // mosquitto's plain listener reads the HTTP upgrade request as MQTT and drops it.
    closes_without_opening(mqtt_port()).await;
}

async fn taken_over(version: ProtocolVersion) -> (Probe, Probe) {
    let id = unique("webmqtt-takeover");
    let (first, _) = connect(version, &id).await;
    let (second, _) = connect(version, &id).await;
    first
        .wait_for("Engine(ConnectionClosed) on the first connection", 5_000.0, |e| match e {
            TransportEvent::Engine(Event::ConnectionClosed(_)) => Some(()),
            _ => None,
        })
        .await;
    // Whatever else the first transport reports about it comes on later tasks.
    sleep(100).await;
    (first, second)
}

fn close_reasons(probe: &Probe) -> Vec<CloseReason> {
    probe
        .events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            TransportEvent::Engine(Event::ConnectionClosed(r)) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn broker_disconnect_is_surfaced_with_mqtt_3_1_1() {
    // A second connection with the same client id makes mosquitto drop the first.
    let (first, second) = taken_over(ProtocolVersion::V3_1_1).await;
    assert_eq!(close_reasons(&first), [CloseReason::TransportClosed], "{}", first.log());
    // The broker closed the socket: the browser's close follows the engine's event.
    assert!(
        matches!(first.events.borrow().last(), Some(TransportEvent::Closed { opened: true, .. })),
        "Closed {{ opened: true }} comes last: {}",
        first.log()
    );
    assert!(close_reasons(&second).is_empty(), "the new connection stays up: {}", second.log());
    second.finish();
}

#[wasm_bindgen_test]
async fn broker_disconnect_is_surfaced_with_mqtt_5() {
    let (first, second) = taken_over(ProtocolVersion::V5).await;
    let reasons = close_reasons(&first);
    match reasons.as_slice() {
        // A DISCONNECT that reached us says why; the transport then closes the socket itself.
        [CloseReason::ServerDisconnect { reason, .. }] => {
            assert_eq!(*reason, ReasonCode::SESSION_TAKEN_OVER, "{}", first.log());
        }
        // mosquitto 2.0.11 closes the connection without sending it (over TCP too).
        [CloseReason::TransportClosed] => assert!(
            matches!(first.events.borrow().last(), Some(TransportEvent::Closed { opened: true, .. })),
            "Closed {{ opened: true }} comes last: {}",
            first.log()
        ),
        _ => panic!("one ConnectionClosed, from the broker: {}", first.log()),
    }
    console_log!("5.0 session take-over surfaced as {reasons:?}");
    assert!(close_reasons(&second).is_empty(), "the new connection stays up: {}", second.log());
    second.finish();
}
