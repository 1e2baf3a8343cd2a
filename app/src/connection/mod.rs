//! One connection of the workspace, running: its [`Transport`], automatic
//! reconnect ([`reconnect`]), its subscriptions, and the models its messages
//! feed (through [`crate::ingest`]), as signals the components show.
//!
//! What a connection's form holds is its profile ([`Connection::profile`]);
//! everything else here lives as long as the page.

mod frame_batch;
pub mod reconnect;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use webmqtt_codec::session::{CloseReason, DisconnectRequest, Event, Session, SessionError};
use webmqtt_codec::{
    topic_matches, validate_topic_filter, ProtocolVersion, Publish, QoS, ReasonCode, SubscribeFilter, SubscriptionOptions,
};

use crate::feed::{feed_message, Feed, FeedMessage, RateMeter};
use crate::ingest::{ingest, Models};
use crate::problem::{self, Problem};
use crate::publish_form::PublishForm;
use crate::settings::{ConnectionSettings, SettingsError};
use crate::topic_tree::TopicTree;
use crate::transport::{Transport, TransportEvent};
use crate::ttn::TtnLog;
use crate::workspace::profiles::{Profile, SavedSubscription};
use crate::workspace::ConnectionId;
pub use frame_batch::remaining_ms;
use frame_batch::FrameBatch;
use reconnect::reconnect_delay_ms;

/// The connection as the status bar and the list's dot show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Disconnected,
    Connecting { url: String },
    Connected { url: String, since_ms: f64 },
    /// Waiting to try again; `at_ms` is wall-clock time of the next attempt.
    Reconnecting { url: String, attempt: u32, at_ms: f64 },
}

impl Status {
    /// The CSS class of the status text and the list's dot.
    pub fn kind(&self) -> &'static str {
        match self {
            Status::Disconnected => "disconnected",
            Status::Connecting { .. } => "connecting",
            Status::Connected { .. } => "connected",
            Status::Reconnecting { .. } => "reconnecting",
        }
    }
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
    /// Saved with the profile; subscribed when the connection is up.
    NotSubscribed,
    Pending,
    Granted(QoS),
    /// The broker kept it in the session it resumed.
    KeptBySession,
    Refused(String),
}

/// The outcome of the last publish, for the publish form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    Sent { topic: String, count: usize },
    Acknowledged { packet_id: u16 },
    Failed(String),
}

/// Counts of the QoS 1 and 2 messages sent since the page opened: what the
/// publish form says about "every one was acknowledged".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublishCounts {
    pub awaiting_ack: u64,
    pub acknowledged: u64,
    pub refused: u64,
}

/// Colours for subscriptions (CSS classes `sub-colour-0` … `-7`).
pub const PALETTE_SIZE: usize = 8;

/// One connection of the workspace: its profile's fields and its live state,
/// as signals. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Connection {
    pub id: ConnectionId,
    pub colour: usize,
    pub name: RwSignal<String>,
    pub settings: RwSignal<ConnectionSettings>,
    pub remember_password: RwSignal<bool>,
    pub subscriptions: RwSignal<Vec<SubscriptionEntry>>,
    pub publish_form: RwSignal<PublishForm>,
    /// The profile's topic scope and preset (scope.rs, iotlab.rs).
    pub scope: RwSignal<String>,
    pub preset: RwSignal<Option<crate::iotlab::Preset>>,
    pub status: RwSignal<Status>,
    pub problem: RwSignal<Option<Problem>>,
    pub feed: RwSignal<Feed>,
    pub topics: RwSignal<TopicTree>,
    pub ttn: RwSignal<TtnLog>,
    pub rate: RwSignal<f64>,
    pub last_publish: RwSignal<Option<PublishOutcome>>,
    pub publish_counts: RwSignal<PublishCounts>,
    /// What the broker sent that the engine let pass (an ack for an id not in
    /// flight, a tolerated deviation): how many, and the last one.
    pub diagnostics: RwSignal<(u64, String)>,
    /// The version of the connection that is (or was last) open.
    pub version: RwSignal<ProtocolVersion>,
    /// Set right after construction: the runtime and the handle point at each other.
    runtime: StoredValue<Option<Rc<RefCell<Runtime>>>, LocalStorage>,
}

struct Runtime {
    this: Weak<RefCell<Runtime>>,
    conn: Connection,
    transport: Option<Transport>,
    reconnect_timer: Option<Timeout>,
    /// Reconnect attempts since the last successful CONNACK.
    attempt: u32,
    /// A CONNACK was received since the user pressed Connect: failures after it
    /// are a lost connection, not a wrong address.
    ever_connected: bool,
    /// The user asked to be disconnected, or the broker refused: no reconnect.
    stay_down: bool,
    /// Messages received since the last animation frame.
    batch: FrameBatch<FeedMessage>,
    rate: RateMeter,
    /// Called with each frame's messages after they reached the models
    /// (the workspace stores them as history).
    on_batch: Option<Rc<dyn Fn(ConnectionId, &[FeedMessage])>>,
}

fn wall_clock_ms() -> f64 {
    js_sys::Date::now()
}

fn palette_colour(subs: &[SubscriptionEntry]) -> usize {
    (0..PALETTE_SIZE).find(|c| !subs.iter().any(|s| s.colour == *c)).unwrap_or(subs.len() % PALETTE_SIZE)
}

impl Connection {
    /// The live connection of a saved profile (not connected).
    pub fn from_profile(profile: Profile) -> Self {
        let mut subs: Vec<SubscriptionEntry> = Vec::new();
        for s in profile.subscriptions {
            let colour = palette_colour(&subs);
            subs.push(SubscriptionEntry { filter: s.filter, options: s.options, colour, state: SubscriptionState::NotSubscribed });
        }
        let publish_form =
            PublishForm { topic: profile.publish_topic, payload: profile.publish_payload, ..Default::default() };
        let version = profile.settings.version;
        let conn = Self {
            id: profile.id,
            colour: profile.colour,
            name: RwSignal::new(profile.name),
            settings: RwSignal::new(profile.settings),
            remember_password: RwSignal::new(profile.remember_password),
            subscriptions: RwSignal::new(subs),
            publish_form: RwSignal::new(publish_form),
            scope: RwSignal::new(profile.scope),
            preset: RwSignal::new(profile.preset),
            status: RwSignal::new(Status::Disconnected),
            problem: RwSignal::new(None),
            feed: RwSignal::new(Feed::default()),
            topics: RwSignal::new(TopicTree::default()),
            ttn: RwSignal::new(TtnLog::default()),
            rate: RwSignal::new(0.0),
            last_publish: RwSignal::new(None),
            publish_counts: RwSignal::new(PublishCounts::default()),
            diagnostics: RwSignal::new((0, String::new())),
            version: RwSignal::new(version),
            runtime: StoredValue::new_local(None),
        };
        let runtime = Rc::new_cyclic(|this| {
            RefCell::new(Runtime {
                this: this.clone(),
                conn,
                transport: None,
                reconnect_timer: None,
                attempt: 0,
                ever_connected: false,
                stay_down: true,
                batch: FrameBatch::default(),
                rate: RateMeter::default(),
                on_batch: None,
            })
        });
        conn.runtime.set_value(Some(runtime));
        conn
    }

    /// What is saved in the browser for this connection (tracked: an effect
    /// that calls it runs again when any of it changes).
    pub fn profile(&self) -> Profile {
        let publish = self.publish_form.with(|f| (f.topic.clone(), f.payload.clone()));
        Profile {
            id: self.id,
            name: self.name.get(),
            colour: self.colour,
            settings: self.settings.get(),
            remember_password: self.remember_password.get(),
            subscriptions: self.subscriptions.with(|subs| {
                subs.iter().map(|s| SavedSubscription { filter: s.filter.clone(), options: s.options }).collect()
            }),
            publish_topic: publish.0,
            publish_payload: publish.1,
            scope: self.scope.get(),
            preset: self.preset.get(),
        }
    }

    pub fn profile_untracked(&self) -> Profile {
        untrack(|| self.profile())
    }

    /// Runs `f` on the runtime; `None` once the connection was removed.
    fn with<R>(&self, f: impl FnOnce(&mut Runtime) -> R) -> Option<R> {
        let rt = self.runtime.try_get_value().flatten()?;
        let mut rt = rt.try_borrow_mut().ok()?;
        Some(f(&mut rt))
    }

    /// Like `with`, for actions that can fail: a removed connection is one more reason.
    fn try_with<R>(&self, f: impl FnOnce(&mut Runtime) -> Result<R, String>) -> Result<R, String> {
        self.with(f).unwrap_or_else(|| Err("That connection was removed.".to_owned()))
    }

    /// Stops everything the connection runs (it is being removed).
    pub fn shut_down(&self) {
        self.disconnect();
        self.runtime.set_value(None);
    }

    /// Where each frame's received messages go after the models (history).
    pub fn on_batch(&self, f: Rc<dyn Fn(ConnectionId, &[FeedMessage])>) {
        self.with(|rt| rt.on_batch = Some(f));
    }

    /// Restored history, shown before what arrives live.
    pub fn restore_history(&self, messages: Vec<FeedMessage>) {
        let conn = *self;
        conn.feed.update(|feed| {
            conn.topics.update(|topics| {
                conn.ttn.update(|ttn| ingest(messages, Models { feed, topics, ttn }));
            })
        });
    }

    /// Checks the form and opens a connection with a new session.
    pub fn connect(&self, page_is_https: bool) -> Result<(), SettingsError> {
        let (url, options) = self.settings.with_untracked(|s| {
            let (url, o) = s.to_options()?;
            url.check_page(page_is_https).map_err(SettingsError::Url)?;
            Ok::<_, SettingsError>((url, o))
        })?;
        self.with(|rt| {
            rt.transport = None;
            rt.reconnect_timer = None;
            rt.conn.version.set(options.version);
            rt.attempt = 0;
            rt.ever_connected = false;
            rt.stay_down = false;
            rt.conn.problem.set(None);
            rt.conn.status.set(Status::Connecting { url: url.to_string() });
            let weak = rt.this.clone();
            let on_event = move |e| with_runtime(&weak, |rt| rt.on_transport(e));
            match Transport::open(url.clone(), Session::new(options), on_event) {
                Ok(t) => rt.transport = Some(t),
                Err(detail) => rt.fail_permanently(problem::refused_to_open(&url.to_string(), &detail)),
            }
        });
        Ok(())
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
            rt.conn.status.set(Status::Disconnected);
            rt.mark_subscriptions(SubscriptionState::NotSubscribed);
        });
    }

    /// MQTT 5.0: DISCONNECT with a reason (0x04 asks the broker to publish our
    /// will) and a new session expiry; then closes, no reconnect. Refused (and
    /// still connected) when the engine cannot send it, e.g. a non-zero session
    /// expiry after a CONNECT with none [MQTT-3.14.2-2].
    pub fn disconnect_with(&self, send_will: bool, session_expiry: Option<u32>) -> Result<(), String> {
        self.try_with(|rt| {
            let transport = rt.connected_transport().ok_or_else(|| "Not connected.".to_owned())?;
            let request = DisconnectRequest {
                reason: if send_will { ReasonCode::DISCONNECT_WITH_WILL_MESSAGE } else { ReasonCode::NORMAL_DISCONNECTION },
                session_expiry_interval: session_expiry,
                reason_string: None,
                user_properties: Vec::new(),
            };
            transport.with_session(|s, now| s.disconnect_with(now, request)).map_err(|e| match e {
                SessionError::SessionExpiryNotAllowed { requested } => format!(
                    "A session expiry of {requested} s cannot be set now: this connection was opened with \
                     none (0), and MQTT 5.0 does not allow adding one at disconnect. Leave the field empty, \
                     or connect with a session expiry first."
                ),
                other => format!("Not disconnected: {other}."),
            })?;
            rt.stay_down = true;
            rt.reconnect_timer = None;
            rt.transport = None;
            transport.close();
            rt.conn.status.set(Status::Disconnected);
            rt.mark_subscriptions(SubscriptionState::NotSubscribed);
            Ok(())
        })
    }

    /// Tries again at once instead of waiting for the back-off.
    pub fn reconnect_now(&self) {
        self.with(|rt| {
            if matches!(rt.conn.status.get_untracked(), Status::Reconnecting { .. }) {
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
            rt.conn.status.set(Status::Disconnected);
            rt.mark_subscriptions(SubscriptionState::NotSubscribed);
        });
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.status.get_untracked(), Status::Connected { .. })
    }

    /// Adds a subscription to the profile, and subscribes at once when
    /// connected (else when the connection is up).
    pub fn subscribe(&self, filter: String, options: SubscriptionOptions) -> Result<(), String> {
        validate_topic_filter(&filter).map_err(|e| format!("Invalid topic filter: {e}"))?;
        self.try_with(|rt| {
            let connected = rt.connected_transport();
            if let Some(transport) = &connected {
                let request = vec![SubscribeFilter { filter: filter.clone(), options }];
                transport.with_session(|s, now| s.subscribe(now, request)).map_err(|e| e.to_string())?;
            }
            let state = if connected.is_some() { SubscriptionState::Pending } else { SubscriptionState::NotSubscribed };
            rt.conn.subscriptions.update(|subs| {
                let colour = subs.iter().find(|s| s.filter == filter).map_or_else(|| palette_colour(subs), |s| s.colour);
                subs.retain(|s| s.filter != filter);
                subs.push(SubscriptionEntry { filter, options, colour, state });
            });
            Ok(())
        })
    }

    pub fn unsubscribe(&self, filter: String) -> Result<(), String> {
        self.try_with(|rt| {
            if let Some(transport) = rt.connected_transport() {
                let request = vec![filter.clone()];
                transport.with_session(|s, now| s.unsubscribe(now, request)).map_err(|e| e.to_string())?;
            }
            rt.conn.subscriptions.update(|subs| subs.retain(|s| s.filter != filter));
            Ok(())
        })
    }

    /// Publishes each message; they wait in the engine while reconnecting.
    pub fn publish(&self, messages: Vec<Publish>) -> Result<(), String> {
        self.try_with(|rt| {
            let Some(transport) = rt.transport.clone() else {
                return Err("Connect to a broker first.".to_owned());
            };
            let count = messages.len();
            let topic = messages.first().map(|m| m.topic.to_string()).unwrap_or_default();
            let mut acked = 0u64;
            let result = transport.with_session(|s, now| {
                messages.into_iter().try_for_each(|m| {
                    if m.qos != QoS::AtMostOnce {
                        acked += 1;
                    }
                    s.publish(now, m).map(drop)
                })
            });
            rt.conn.publish_counts.update(|c| c.awaiting_ack += acked);
            result.map_err(|e| e.to_string())?;
            rt.conn.last_publish.set(Some(PublishOutcome::Sent { topic, count }));
            Ok(())
        })
    }
}

impl Runtime {
    fn connected_transport(&self) -> Option<Transport> {
        match (&self.transport, self.conn.status.get_untracked()) {
            (Some(t), Status::Connected { .. }) => Some(t.clone()),
            _ => None,
        }
    }

    fn mark_subscriptions(&self, state: SubscriptionState) {
        self.conn.subscriptions.update(|subs| subs.iter_mut().for_each(|s| s.state = state.clone()));
    }

    fn on_transport(&mut self, event: TransportEvent) {
        match event {
            TransportEvent::Opened => {}
            TransportEvent::WrongSubprotocol { expected, agreed } => {
                let url = self.url();
                self.fail_permanently(problem::wrong_subprotocol(&url, expected, &agreed));
            }
            TransportEvent::Engine(event) => self.handle_event(event),
            TransportEvent::Closed { opened, code, reason } => {
                if self.stay_down {
                    return;
                }
                self.mark_subscriptions(SubscriptionState::NotSubscribed);
                let delay = self.schedule_reconnect();
                if self.ever_connected {
                    // A broker that worked a moment ago: say it was lost and when
                    // the next try is, whatever this attempt's close looked like.
                    if opened || !matches!(self.conn.problem.get_untracked(), Some(ref p) if p.message.starts_with("Connection lost")) {
                        self.conn.problem.set(Some(problem::connection_lost(code, &reason, delay)));
                    }
                } else if !opened {
                    if let Some(t) = &self.transport {
                        self.conn.problem.set(Some(problem::unreachable(&t.url())));
                    }
                } else {
                    self.conn.problem.set(Some(problem::connection_lost(code, &reason, delay)));
                }
            }
        }
    }

    fn url(&self) -> String {
        self.transport.as_ref().map(|t| t.url().to_string()).unwrap_or_default()
    }

    fn handle_event(&mut self, event: Event) {
        let conn = self.conn;
        match event {
            Event::Connected(c) => {
                self.attempt = 0;
                self.ever_connected = true;
                conn.status.set(Status::Connected { url: self.url(), since_ms: wall_clock_ms() });
                conn.problem.set(None);
                self.subscribe_saved(c.session_present);
            }
            Event::ConnectionRefused(r) => {
                let (words, hint) = problem::refusal_at(r.reason, conn.version.get_untracked(), &self.url());
                let mut message = words.to_owned();
                if let Some(s) = r.reason_string {
                    message.push_str(&format!(" ({s})"));
                }
                self.fail_permanently(Problem::new(message, hint));
            }
            Event::Message(p) => self.receive(p),
            Event::PublishAcknowledged { packet_id, reason } => {
                let refused = reason.is_error();
                conn.publish_counts.update(|c| {
                    c.awaiting_ack = c.awaiting_ack.saturating_sub(1);
                    if refused {
                        c.refused += 1;
                    } else {
                        c.acknowledged += 1;
                    }
                });
                conn.last_publish.set(Some(if refused {
                    PublishOutcome::Failed(crate::scope::publish_refused(packet_id, reason, &conn.scope.get_untracked()))
                } else {
                    PublishOutcome::Acknowledged { packet_id }
                }));
            }
            Event::PublishFailed { topic, error, .. } => {
                conn.last_publish.set(Some(PublishOutcome::Failed(format!("Not sent to {topic}: {error}"))));
            }
            Event::Subscribed { results, .. } => conn.subscriptions.update(|subs| {
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
            // Counted, not shown as an error: the connection is fine.
            Event::Diagnostic(d) => conn.diagnostics.update(|(n, last)| {
                *n += 1;
                *last = d.to_string();
            }),
            Event::Unsubscribed { .. } | Event::AuthReceived(_) => {}
            Event::ConnectionClosed(reason) => self.connection_closed(reason),
        }
    }

    /// After every CONNACK: the profile's subscriptions are made again unless
    /// the broker resumed a session that still has them. The app, not the
    /// engine, decides this, so a share link's topics and a reconnect after a
    /// broker restart go the same way.
    fn subscribe_saved(&mut self, session_present: bool) {
        if session_present {
            self.mark_subscriptions(SubscriptionState::KeptBySession);
            return;
        }
        let Some(transport) = self.transport.clone() else { return };
        let filters: Vec<SubscribeFilter> = self.conn.subscriptions.with_untracked(|subs| {
            subs.iter().map(|s| SubscribeFilter { filter: s.filter.clone(), options: s.options }).collect()
        });
        if filters.is_empty() {
            return;
        }
        let sent = transport.with_session(|s, now| s.subscribe(now, filters));
        self.mark_subscriptions(match sent {
            Ok(_) => SubscriptionState::Pending,
            Err(e) => SubscriptionState::Refused(e.to_string()),
        });
    }

    fn connection_closed(&mut self, reason: CloseReason) {
        // The transport reports its own close (with what the browser said).
        if matches!(reason, CloseReason::ClientDisconnect | CloseReason::TransportClosed) {
            return;
        }
        self.mark_subscriptions(SubscriptionState::NotSubscribed);
        if !self.stay_down {
            let delay = self.schedule_reconnect();
            self.conn.problem.set(Some(problem::connection_ended(&reason.to_string(), delay)));
        }
    }

    /// Arms the next attempt and returns its delay in milliseconds.
    fn schedule_reconnect(&mut self) -> f64 {
        let delay = reconnect_delay_ms(self.attempt, js_sys::Math::random());
        self.attempt += 1;
        self.conn.status.set(Status::Reconnecting {
            url: self.url(),
            attempt: self.attempt,
            at_ms: wall_clock_ms() + delay,
        });
        let weak = self.this.clone();
        self.reconnect_timer = Some(Timeout::new(delay as u32, move || with_runtime(&weak, Runtime::reconnect)));
        delay
    }

    fn reconnect(&mut self) {
        self.reconnect_timer = None;
        let Some(transport) = self.transport.clone() else { return };
        self.conn.status.set(Status::Connecting { url: self.url() });
        if let Err(detail) = transport.reopen() {
            let url = self.url();
            self.fail_permanently(problem::refused_to_open(&url, &detail));
        }
    }

    fn fail_permanently(&mut self, problem: Problem) {
        self.stay_down = true;
        self.reconnect_timer = None;
        if let Some(t) = &self.transport {
            t.close();
        }
        self.mark_subscriptions(SubscriptionState::NotSubscribed);
        self.conn.problem.set(Some(problem));
        self.conn.status.set(Status::Disconnected);
    }

    fn receive(&mut self, publish: Publish) {
        let colours: Vec<usize> = self.conn.subscriptions.with_untracked(|subs| {
            subs.iter().filter(|s| topic_matches(&s.filter, &publish.topic)).map(|s| s.colour).collect()
        });
        let weak = self.this.clone();
        let message = feed_message(self.conn.id, wall_clock_ms(), publish, colours);
        self.batch.push(message, move || with_runtime(&weak, Runtime::show_pending));
    }

    fn show_pending(&mut self) {
        let now_ms = wall_clock_ms();
        let Some(batch) = self.batch.take_due(now_ms) else { return };
        self.rate.record(now_ms, batch.len() as u32);
        self.conn.rate.set(self.rate.per_second(now_ms));
        if let Some(store) = &self.on_batch {
            store(self.conn.id, &batch);
        }
        let conn = self.conn;
        conn.feed.update(|feed| {
            conn.topics.update(|topics| conn.ttn.update(|ttn| ingest(batch, Models { feed, topics, ttn })))
        });
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
