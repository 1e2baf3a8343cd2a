//! The running client: a [`Transport`] per broker, automatic reconnect with
//! back-off, and the signals the components show.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use webmqtt_codec::session::{CloseReason, ConnectOptions, Event, Session};
use webmqtt_codec::{topic_matches, validate_topic_filter, Publish, QoS, SubscribeFilter, SubscriptionOptions};

use crate::broker_url::BrokerUrl;
use crate::feed::{feed_message, Feed, FeedMessage, RateMeter};
use crate::topic_tree::TopicTree;
use crate::transport::{Transport, TransportEvent};

/// The connection as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Disconnected,
    Connecting { url: String },
    Connected { url: String, since_ms: f64 },
    /// Waiting to try again; `at_ms` is wall-clock time of the next attempt.
    Reconnecting { url: String, attempt: u32, at_ms: f64 },
}

/// Something went wrong, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
    /// A page to open (e.g. to accept a certificate), if that is the fix.
    pub link: Option<String>,
}

/// A subscription as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionEntry {
    pub filter: String,
    pub options: SubscriptionOptions,
    /// Index into the palette; stays with the subscription.
    pub colour: usize,
    pub state: SubscriptionState,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubscriptionState {
    Pending,
    Granted(QoS),
    Refused(String),
}

/// The outcome of the last publish, for the publish form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    Sent { topic: String, count: usize },
    Acknowledged { packet_id: u16 },
    Failed(String),
}

/// Colours for subscriptions (CSS classes `sub-colour-0` … `-7`).
pub const PALETTE_SIZE: usize = 8;

/// Signals the components read. Cheap to copy.
#[derive(Clone, Copy)]
pub struct ClientState {
    pub status: RwSignal<Status>,
    pub problem: RwSignal<Option<Problem>>,
    pub subscriptions: RwSignal<Vec<SubscriptionEntry>>,
    pub feed: RwSignal<Feed>,
    pub rate: RwSignal<f64>,
    pub last_publish: RwSignal<Option<PublishOutcome>>,
    pub version: RwSignal<webmqtt_codec::ProtocolVersion>,
    /// Every topic seen, with its count and last message.
    pub topics: RwSignal<TopicTree>,
}

impl ClientState {
    fn new() -> Self {
        Self {
            status: RwSignal::new(Status::Disconnected),
            problem: RwSignal::new(None),
            subscriptions: RwSignal::new(Vec::new()),
            feed: RwSignal::new(Feed::default()),
            rate: RwSignal::new(0.0),
            last_publish: RwSignal::new(None),
            version: RwSignal::new(webmqtt_codec::ProtocolVersion::V3_1_1),
            topics: RwSignal::new(TopicTree::default()),
        }
    }
}

/// A handle on the client, shared by the components.
#[derive(Clone, Copy)]
pub struct Client {
    runtime: StoredValue<Rc<RefCell<Runtime>>, LocalStorage>,
    pub state: ClientState,
}

struct Runtime {
    this: Weak<RefCell<Runtime>>,
    state: ClientState,
    transport: Option<Transport>,
    reconnect_timer: Option<Timeout>,
    /// Reconnect attempts since the last successful CONNACK.
    attempt: u32,
    /// The user asked to be disconnected, or the broker refused: no reconnect.
    stay_down: bool,
    /// Messages received since the last animation frame.
    pending: Vec<FeedMessage>,
    frame: Option<Closure<dyn FnMut()>>,
    rate: RateMeter,
}

fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

/// Milliseconds before reconnect attempt `attempt` (0-based): 1, 2, 4 … capped
/// at 30 seconds, times a random factor in [0.5, 1] so that a class of
/// students does not reconnect in lockstep after a broker restart.
pub fn reconnect_delay_ms(attempt: u32, random: f64) -> f64 {
    let base = 1_000.0 * 2f64.powi(attempt.min(5) as i32);
    base.min(30_000.0) * (0.5 + 0.5 * random.clamp(0.0, 1.0))
}

impl Client {
    pub fn new() -> Self {
        let state = ClientState::new();
        let runtime = Rc::new_cyclic(|this| {
            RefCell::new(Runtime {
                this: this.clone(),
                state,
                transport: None,
                reconnect_timer: None,
                attempt: 0,
                stay_down: true,
                pending: Vec::new(),
                frame: None,
                rate: RateMeter::default(),
            })
        });
        Self { runtime: StoredValue::new_local(runtime), state }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Runtime) -> R) -> R {
        let rt = self.runtime.get_value();
        let mut rt = rt.borrow_mut();
        f(&mut rt)
    }

    /// Opens a connection with new session options (a new session).
    pub fn connect(&self, url: BrokerUrl, options: ConnectOptions) {
        self.with(|rt| {
            rt.transport = None;
            rt.reconnect_timer = None;
            rt.state.version.set(options.version);
            rt.attempt = 0;
            rt.stay_down = false;
            rt.state.status.set(Status::Connecting { url: url.to_string() });
            let weak = rt.this.clone();
            let on_event = move |e| with_runtime(&weak, |rt| rt.on_transport(e));
            // Automatic reconnects restore the subscriptions a broker lost (a new
            // session is made per `connect`, so nothing older is restored).
            let options = ConnectOptions { resubscribe_on_lost_session: true, ..options };
            match Transport::open(url.clone(), Session::new(options), on_event) {
                Ok(t) => rt.transport = Some(t),
                Err(detail) => rt.fail_permanently(Problem {
                    message: format!("The browser refused to open {url}: {detail}"),
                    hint: "Check the broker address.".into(),
                    link: None,
                }),
            }
        });
    }

    /// Sends DISCONNECT and closes; no reconnect.
    pub fn disconnect(&self) {
        self.with(|rt| {
            rt.stay_down = true;
            rt.reconnect_timer = None;
            if let Some(t) = rt.transport.take() {
                t.with_session(|s, now| s.disconnect(now));
                t.close();
            }
            rt.state.status.set(Status::Disconnected);
        });
    }

    /// Tries again at once instead of waiting for the back-off.
    pub fn reconnect_now(&self) {
        self.with(|rt| {
            if matches!(rt.state.status.get_untracked(), Status::Reconnecting { .. }) {
                rt.reconnect();
            }
        });
    }

    /// Stops reconnecting.
    pub fn cancel_reconnect(&self) {
        self.with(|rt| {
            rt.stay_down = true;
            rt.reconnect_timer = None;
            if let Some(t) = rt.transport.take() {
                t.close();
            }
            rt.state.status.set(Status::Disconnected);
        });
    }

    fn connected_transport(rt: &Runtime) -> Result<Transport, String> {
        match (&rt.transport, rt.state.status.get_untracked()) {
            (Some(t), Status::Connected { .. }) => Ok(t.clone()),
            _ => Err("Connect to a broker first.".to_owned()),
        }
    }

    /// Subscribes without reconnecting; the result shows in the list.
    pub fn subscribe(&self, filter: String, options: SubscriptionOptions) -> Result<(), String> {
        validate_topic_filter(&filter).map_err(|e| format!("Invalid topic filter: {e}"))?;
        self.with(|rt| {
            let transport = Self::connected_transport(rt)?;
            let request = vec![SubscribeFilter { filter: filter.clone(), options }];
            transport.with_session(|s, now| s.subscribe(now, request)).map_err(|e| e.to_string())?;
            rt.state.subscriptions.update(|subs| {
                let colour = (0..PALETTE_SIZE)
                    .find(|c| !subs.iter().any(|s| s.colour == *c))
                    .unwrap_or(subs.len() % PALETTE_SIZE);
                subs.retain(|s| s.filter != filter);
                subs.push(SubscriptionEntry { filter, options, colour, state: SubscriptionState::Pending });
            });
            Ok(())
        })
    }

    pub fn unsubscribe(&self, filter: String) -> Result<(), String> {
        self.with(|rt| {
            if let Ok(transport) = Self::connected_transport(rt) {
                let request = vec![filter.clone()];
                transport.with_session(|s, now| s.unsubscribe(now, request)).map_err(|e| e.to_string())?;
            }
            rt.state.subscriptions.update(|subs| subs.retain(|s| s.filter != filter));
            Ok(())
        })
    }

    /// Publishes each message; they wait in the engine while reconnecting.
    pub fn publish(&self, messages: Vec<Publish>) -> Result<(), String> {
        self.with(|rt| {
            let Some(transport) = rt.transport.clone() else {
                return Err("Connect to a broker first.".to_owned());
            };
            let count = messages.len();
            let topic = messages.first().map(|m| m.topic.to_string()).unwrap_or_default();
            transport.with_session(|s, now| {
                messages.into_iter().try_for_each(|m| s.publish(now, m).map(drop)).map_err(|e| e.to_string())
            })?;
            rt.state.last_publish.set(Some(PublishOutcome::Sent { topic, count }));
            Ok(())
        })
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    fn on_transport(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::Opened => {}
            TransportEvent::WrongSubprotocol { expected, agreed } => {
                let url = self.url();
                self.fail_permanently(Problem {
                    message: format!(
                        "The server at {url} opened a WebSocket but did not accept the \"{expected}\" subprotocol{}.",
                        if agreed.is_empty() { String::new() } else { format!(" (it chose \"{agreed}\")") }
                    ),
                    hint: "This is probably not an MQTT broker's WebSocket listener: check the port and path."
                        .into(),
                    link: None,
                });
            }
            TransportEvent::Engine(event) => self.handle_event(event),
            TransportEvent::Closed { opened, code, reason } => {
                if self.stay_down {
                    return;
                }
                if !opened {
                    if let Some(t) = &self.transport {
                        self.state.problem.set(Some(unreachable_problem(&t.url())));
                    }
                } else if self.state.problem.get_untracked().is_none() {
                    let why = if reason.is_empty() { format!("code {code}") } else { format!("{reason} (code {code})") };
                    self.state.problem.set(Some(Problem {
                        message: format!("The connection to the broker was closed: {why}."),
                        hint: "Reconnecting automatically.".into(),
                        link: None,
                    }));
                }
                self.schedule_reconnect();
            }
        }
    }

    fn url(&self) -> String {
        self.transport.as_ref().map(|t| t.url().to_string()).unwrap_or_default()
    }

    fn handle_event(&mut self, event: Event) {
        let state = self.state;
        match event {
            Event::Connected(c) => {
                self.attempt = 0;
                state.status.set(Status::Connected { url: self.url(), since_ms: wall_clock_ms() });
                state.problem.set(None);
                if !c.resubscribed.is_empty() {
                    state.subscriptions.update(|subs| {
                        for s in subs.iter_mut().filter(|s| c.resubscribed.contains(&s.filter)) {
                            s.state = SubscriptionState::Pending;
                        }
                    });
                }
            }
            Event::ConnectionRefused(r) => {
                let (words, hint) = crate::problem::refusal(r.reason, state.version.get_untracked());
                let mut message = words.to_owned();
                if let Some(s) = r.reason_string {
                    message.push_str(&format!(" ({s})"));
                }
                self.fail_permanently(Problem { message, hint: hint.to_owned(), link: None });
            }
            Event::Message(p) => self.receive(p),
            Event::PublishAcknowledged { packet_id, reason } => {
                state.last_publish.set(Some(if reason.is_error() {
                    PublishOutcome::Failed(format!("The broker refused message {packet_id}: {}", reason.name()))
                } else {
                    PublishOutcome::Acknowledged { packet_id }
                }));
            }
            Event::PublishFailed { topic, error, .. } => {
                state.last_publish.set(Some(PublishOutcome::Failed(format!("Not sent to {topic}: {error}"))));
            }
            Event::Subscribed { results, .. } => state.subscriptions.update(|subs| {
                for r in results {
                    if let Some(s) = subs.iter_mut().find(|s| s.filter == r.filter) {
                        s.state = match r.result {
                            Ok(qos) => SubscriptionState::Granted(qos),
                            Err(reason) => {
                                SubscriptionState::Refused(format!("{} ({})", reason.name(), reason.meaning()))
                            }
                        };
                    }
                }
            }),
            Event::Unsubscribed { .. } | Event::AuthReceived(_) | Event::Diagnostic(_) => {}
            Event::ConnectionClosed(reason) => self.connection_closed(reason),
        }
    }

    fn connection_closed(&mut self, reason: CloseReason) {
        // The transport reports its own close (with what the browser said).
        if matches!(reason, CloseReason::ClientDisconnect | CloseReason::TransportClosed) {
            return;
        }
        self.state.problem.set(Some(Problem {
            message: format!("Connection lost: {reason}."),
            hint: "Reconnecting automatically.".into(),
            link: None,
        }));
        if !self.stay_down {
            self.schedule_reconnect();
        }
    }

    fn schedule_reconnect(&mut self) {
        let delay = reconnect_delay_ms(self.attempt, js_sys::Math::random());
        self.attempt += 1;
        self.state.status.set(Status::Reconnecting {
            url: self.url(),
            attempt: self.attempt,
            at_ms: wall_clock_ms() + delay,
        });
        let weak = self.this.clone();
        self.reconnect_timer = Some(Timeout::new(delay as u32, move || with_runtime(&weak, Runtime::reconnect)));
    }

    fn reconnect(&mut self) {
        self.reconnect_timer = None;
        let Some(transport) = self.transport.clone() else { return };
        self.state.status.set(Status::Connecting { url: self.url() });
        if let Err(detail) = transport.reopen() {
            self.fail_permanently(Problem {
                message: format!("The browser refused to open {}: {detail}", self.url()),
                hint: "Check the broker address.".into(),
                link: None,
            });
        }
    }

    fn fail_permanently(&mut self, problem: Problem) {
        self.stay_down = true;
        self.reconnect_timer = None;
        if let Some(t) = &self.transport {
            t.close();
        }
        self.state.problem.set(Some(problem));
        self.state.status.set(Status::Disconnected);
    }

    /// Messages are collected and shown once per animation frame, never one DOM
    /// update per message.
    fn receive(&mut self, publish: Publish) {
        let colours: Vec<usize> = self.state.subscriptions.with_untracked(|subs| {
            subs.iter().filter(|s| topic_matches(&s.filter, &publish.topic)).map(|s| s.colour).collect()
        });
        self.pending.push(feed_message(wall_clock_ms(), &publish, colours));
        if self.frame.is_none() {
            let weak = self.this.clone();
            let frame = Closure::<dyn FnMut()>::new(move || with_runtime(&weak, Runtime::show_pending));
            if let Some(w) = web_sys::window() {
                let _ = w.request_animation_frame(frame.as_ref().unchecked_ref());
            }
            self.frame = Some(frame);
        }
    }

    fn show_pending(&mut self) {
        let frame = self.frame.take();
        let batch = std::mem::take(&mut self.pending);
        let now_ms = wall_clock_ms();
        self.rate.record(now_ms, batch.len() as u32);
        self.state.rate.set(self.rate.per_second(now_ms));
        self.state.topics.update(|tree| {
            for m in &batch {
                tree.record(&m.topic, &m.preview, m.payload.len(), m.retain, m.received_at_ms);
            }
        });
        self.state.feed.update(|feed| {
            for m in batch {
                feed.push(m);
            }
        });
        if let Some(f) = frame {
            // A Closure may not be dropped while it runs: free it on the next turn.
            let _ = Timeout::new(0, move || drop(f));
        }
    }
}

/// Runs `f` on the runtime if it still exists (events arrive between
/// JavaScript tasks, so the borrow is free).
fn with_runtime(weak: &Weak<RefCell<Runtime>>, f: impl FnOnce(&mut Runtime)) {
    if let Some(rt) = weak.upgrade() {
        if let Ok(mut rt) = rt.try_borrow_mut() {
            f(&mut rt);
        }
    }
}

/// The browser says nothing about why a WebSocket failed (close code 1006 for a
/// refused port, a wrong path, a refused subprotocol or an untrusted
/// certificate alike), so say what it can be and what to try.
fn unreachable_problem(url: &BrokerUrl) -> Problem {
    if url.secure {
        Problem {
            message: format!("Could not open {url}."),
            hint: format!(
                "The broker may be down, or the port or path may be wrong. If the broker uses a \
                 self-signed certificate, the browser does not trust it yet: open {} once, accept \
                 the certificate, and connect again.",
                url.certificate_page()
            ),
            link: Some(url.certificate_page()),
        }
    } else {
        Problem {
            message: format!("Could not open {url}."),
            hint: "Nothing answered there as an MQTT WebSocket listener: check the host, the port \
                   (the broker's WebSocket port, e.g. 9001 or 8080, not 1883) and the path."
                .into(),
            link: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_thirty_seconds_with_jitter() {
        assert_eq!(reconnect_delay_ms(0, 1.0), 1_000.0);
        assert_eq!(reconnect_delay_ms(0, 0.0), 500.0);
        assert_eq!(reconnect_delay_ms(3, 1.0), 8_000.0);
        assert_eq!(reconnect_delay_ms(10, 1.0), 30_000.0);
        assert_eq!(reconnect_delay_ms(10, 0.0), 15_000.0);
    }
}
