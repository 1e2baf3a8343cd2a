//! The client session engine: a sans-IO MQTT client state machine.
//!
//! The caller owns the transport and the clock. It feeds received bytes with
//! [`Session::handle_bytes`], sends what [`Session::poll_transmit`] puts in its
//! buffer, reads [`Session::poll_event`], and calls [`Session::handle_timeout`] at
//! [`Session::poll_timeout`]. The engine never reads a clock, never blocks, and
//! turns anything a broker sends into an event, never a panic.
//!
//! # Policies
//!
//! **Subscriptions and clean start.** The engine remembers what the broker
//! granted ([`Session::subscriptions`]). When a CONNACK says the broker holds no
//! session for us (always after a clean start, and after a broker lost a session
//! it should have kept), those subscriptions are gone at the broker, and by
//! default the engine forgets them too: a connection started with clean start is
//! clean. Restoring them is the caller's choice:
//! [`ConnectOptions::resubscribe_on_lost_session`] makes the engine subscribe
//! again to all of them at such a CONNACK (listed in [`Connected::resubscribed`]);
//! a caller that wants to choose reads [`Session::subscriptions`] before
//! `connect` and subscribes itself. Outgoing QoS 1 and 2 messages whose flow did
//! not complete are never dropped: they go out again as new messages.
//!
//! **Acknowledgements from the broker that match nothing.** Neither MQTT 3.1.1 nor
//! 5.0 makes them a protocol error, and they happen (duplicates, a resumed session,
//! broker bugs), so, as libmosquitto does, the connection stays up and the engine
//! reports [`Diagnostic::UnknownPacketId`]: PUBACK, PUBCOMP, SUBACK and UNSUBACK
//! are ignored; PUBREC is answered with PUBREL (5.0: 0x92 Packet Identifier not
//! found) so that the broker's flow can end, unless it reports a failure. A PUBREL
//! for an identifier not in flight is answered with PUBCOMP (5.0: 0x92) and not
//! reported: a broker resends PUBREL after a reconnection, and our PUBCOMP may
//! have been lost, so it is normal. An acknowledgement for a message at another
//! step of its flow is still a protocol error ([`ProtocolViolation::AckOutOfStep`]).
//!
//! **Tolerated deviations.** Three packets the strict decoder refuses are
//! accepted, each with a [`Diagnostic`], in one place: `tolerance.rs`.
//!
//! **Our acknowledgements.** By default the engine acknowledges an inbound QoS 1
//! or 2 message as it delivers it. With [`ConnectOptions::manual_acks`] it waits
//! for [`Session::ack`]; either way, in 5.0, more unacknowledged messages than our
//! Receive Maximum is a protocol error (0x93).
//!
//! **Packets that cannot be sent.** A packet the caller asks for and that cannot
//! be sent (too large for the broker, not encodable) is refused with a
//! [`SessionError`], and the connection goes on. A packet the protocol obliges us
//! to send (an acknowledgement, PINGREQ, a resent PUBREL, a resubscription) that
//! cannot be sent ends the connection at once with [`CloseReason::SendFailed`],
//! which names the packet and why: the broker would otherwise wait for it forever.
//! A message that no longer fits the broker's Maximum Packet Size when it is
//! (re)sent is given up with [`Event::PublishFailed`] [MQTT-3.1.2-25].

mod event;
mod granted;
mod options;
mod packet_ids;
mod time;
mod tolerance;

use std::collections::{BTreeMap, VecDeque};

use granted::GrantedSubscriptions;
use packet_ids::{PacketIdSet, PendingById};

use core::time::Duration;

pub use event::{
    CloseReason, Connected, Diagnostic, Event, ProtocolViolation, Refusal, ServerLimits, SessionError,
    SubscriptionResult,
};
pub use options::{ConnectOptions, DisconnectRequest};
pub use time::Instant;

use crate::{
    Ack, Auth, ConnAck, Decoder, Disconnect, Packet, PacketType, Properties, Publish, QoS, ReasonCode, SubAck,
    Subscribe, SubscribeFilter, SubscriptionOptions, TopicName, UnsubAck, Unsubscribe, MAX_PACKET_SIZE,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No transport, or it has been told to close.
    Disconnected,
    /// CONNECT sent at this time, CONNACK awaited.
    Connecting(Instant),
    Connected,
}

/// Where an outgoing QoS 1 or 2 message is in its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    PubAck,
    PubRec,
    PubComp,
}

/// An outgoing message and its Remaining Length, measured once when it was
/// published: every later check and write uses that.
#[derive(Debug, Clone)]
struct Outgoing {
    publish: Publish,
    body_len: usize,
}

impl Outgoing {
    /// The whole packet's size.
    fn packet_len(&self) -> usize {
        packet_len(self.body_len)
    }
}

#[derive(Debug, Clone)]
struct InFlight {
    /// Send order, to resend and requeue in the order the caller published.
    seq: u64,
    message: Outgoing,
    awaiting: Awaiting,
}

/// The client side of an MQTT session, across as many connections as it takes.
#[derive(Debug)]
pub struct Session {
    options: ConnectOptions,
    state: State,
    decoder: Decoder,
    transmit: Vec<u8>,
    events: VecDeque<Event>,
    server: ServerLimits,
    assigned_client_id: Option<String>,

    last_sent: Instant,
    last_received: Instant,
    ping_sent: Option<Instant>,

    next_packet_id: u16,
    /// Identifiers of queued and in-flight messages and pending (un)subscribes.
    ids_in_use: PacketIdSet,
    next_seq: u64,
    in_flight: BTreeMap<u16, InFlight>,
    /// Messages waiting for a connection or for the broker's receive maximum.
    queued: VecDeque<Outgoing>,
    pending_subscribes: PendingById<Vec<SubscribeFilter>>,
    pending_unsubscribes: PendingById<Vec<String>>,
    /// Subscriptions the broker granted.
    subscriptions: GrantedSubscriptions,
    /// Inbound QoS 2 packet ids delivered but not yet released (PUBREL).
    incoming_qos2: PacketIdSet,
    /// With `manual_acks`: inbound QoS 1 messages delivered, awaiting `ack`.
    app_ack_qos1: PacketIdSet,
    /// With `manual_acks`: inbound QoS 2 messages delivered, awaiting `ack` (a
    /// subset of `incoming_qos2`: PUBREC not sent yet).
    app_ack_qos2: PacketIdSet,
    /// The topics of the broker's topic aliases, indexed by alias (1 up to our
    /// Topic Alias Maximum, which the session checks first).
    inbound_aliases: Vec<Option<TopicName>>,
    outbound_aliases: BTreeMap<TopicName, u16>,
    /// A CONNACK has accepted us once: later connections resume the session.
    accepted_once: bool,
    /// Clean start as sent in the current CONNECT.
    clean_start_sent: bool,
}

/// A packet's size from its Remaining Length.
fn packet_len(body_len: usize) -> usize {
    1 + crate::wire::var_int_len(body_len) + body_len
}

impl Session {
    pub fn new(options: ConnectOptions) -> Self {
        let decoder = Self::decoder_for(&options);
        Self {
            server: ServerLimits::defaults(options.keep_alive),
            options,
            state: State::Disconnected,
            decoder,
            transmit: Vec::new(),
            events: VecDeque::new(),
            assigned_client_id: None,
            last_sent: Instant::default(),
            last_received: Instant::default(),
            ping_sent: None,
            next_packet_id: 1,
            ids_in_use: PacketIdSet::default(),
            next_seq: 0,
            in_flight: BTreeMap::new(),
            queued: VecDeque::new(),
            pending_subscribes: PendingById::default(),
            pending_unsubscribes: PendingById::default(),
            subscriptions: GrantedSubscriptions::default(),
            incoming_qos2: PacketIdSet::default(),
            app_ack_qos1: PacketIdSet::default(),
            app_ack_qos2: PacketIdSet::default(),
            inbound_aliases: Vec::new(),
            outbound_aliases: BTreeMap::new(),
            accepted_once: false,
            clean_start_sent: true,
        }
    }

    fn decoder_for(options: &ConnectOptions) -> Decoder {
        let max = match (options.version.is_v5(), options.maximum_packet_size) {
            (true, Some(max)) => max as usize,
            _ => MAX_PACKET_SIZE,
        };
        Decoder::new(options.version).with_max_packet_size(max)
    }

    pub fn options(&self) -> &ConnectOptions {
        &self.options
    }

    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// The limits the broker announced on the current or last connection.
    pub fn server_limits(&self) -> &ServerLimits {
        &self.server
    }

    /// Subscriptions the broker has granted (see the policy on clean start in the
    /// module documentation).
    pub fn subscriptions(&self) -> impl Iterator<Item = (&str, &SubscriptionOptions)> {
        self.subscriptions.iter().map(|(f, o)| (f.as_str(), o))
    }

    /// Outgoing QoS 1 and 2 messages not yet acknowledged, and messages waiting to be sent.
    pub fn unacknowledged(&self) -> usize {
        self.in_flight.len() + self.queued.len()
    }

    /// Whether the next CONNECT asks for a clean start. The first connection does
    /// what the options say; later ones resume the session whenever the broker
    /// may still hold it: always if the options said so, and in 5.0 whenever a
    /// session expiry keeps it beyond the connection. (In 3.x a clean session
    /// ends with its connection, so there is nothing to resume.)
    fn clean_start_for_next_connect(&self) -> bool {
        let o = &self.options;
        if !self.accepted_once || !o.clean_start {
            return o.clean_start;
        }
        !(o.version.is_v5() && o.session_expiry_interval.is_some_and(|s| s > 0))
    }

    /// Starts a connection on a transport that has just opened: queues CONNECT.
    /// Fails, and stays disconnected, if the options cannot be encoded; fails with
    /// [`SessionError::AlreadyConnected`] while a connection is being made or is up
    /// (a second CONNECT is a protocol error, [MQTT-3.1.0-2]).
    pub fn connect(&mut self, now: Instant) -> Result<(), SessionError> {
        if self.state != State::Disconnected {
            return Err(SessionError::AlreadyConnected);
        }
        self.forget_pending_requests();
        self.decoder = Self::decoder_for(&self.options);
        self.transmit.clear();
        self.inbound_aliases.clear();
        self.outbound_aliases.clear();
        self.ping_sent = None;
        self.server = ServerLimits::defaults(self.options.keep_alive);
        let clean_start = self.clean_start_for_next_connect();
        let mut connect = self.options.connect_packet(clean_start);
        if connect.client_id.is_empty() && !clean_start {
            if let Some(id) = &self.assigned_client_id {
                connect.client_id = id.clone();
            }
        }
        self.write(now, &Packet::Connect(Box::new(connect)))?;
        self.clean_start_sent = clean_start;
        self.state = State::Connecting(now);
        self.last_received = now;
        Ok(())
    }

    /// Bytes received from the transport, in chunks of any size.
    pub fn handle_bytes(&mut self, now: Instant, data: &[u8]) {
        if self.state == State::Disconnected {
            return;
        }
        if let Err(e) = self.decoder.push(data) {
            return self.violation(now, ProtocolViolation::Malformed(e));
        }
        loop {
            let packet = match self.decoder.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return,
                Err(e) => match self.tolerate(e) {
                    Ok(packet) => packet,
                    Err(e) => return self.violation(now, ProtocolViolation::Malformed(e)),
                },
            };
            self.last_received = now;
            self.handle_packet(now, packet);
            if self.state == State::Disconnected {
                return;
            }
        }
    }

    /// The transport closed (or failed). Session state is kept for the next `connect`.
    pub fn handle_transport_closed(&mut self, _now: Instant) {
        if self.state != State::Disconnected {
            self.close(CloseReason::TransportClosed);
        }
    }

    /// Sends DISCONNECT (Normal disconnection) and ends the connection.
    pub fn disconnect(&mut self, now: Instant) {
        if self.state == State::Disconnected {
            return;
        }
        match self.write(now, &Packet::Disconnect(Disconnect::default())) {
            Ok(()) => self.close(CloseReason::ClientDisconnect),
            // Only a broker whose Maximum Packet Size is under 2 bytes refuses it.
            Err(error) => self.close(CloseReason::SendFailed { packet: PacketType::Disconnect, error }),
        }
    }

    /// Sends DISCONNECT with a reason code and properties (5.0 §3.14) and ends the
    /// connection, e.g. 0x04 Disconnect with Will Message, or a new Session Expiry
    /// Interval. Refused, with the connection still up, if the packet cannot be
    /// sent: a reason code only a server sends, a non-zero session expiry after
    /// CONNECT's 0 (§3.14.2.2.2), anything but a plain Normal disconnection before
    /// 5.0, or a packet larger than the broker's Maximum Packet Size. (The
    /// specification would let us drop the Reason String and User Properties to
    /// fit; refusing leaves that choice to the caller, who asked for them.)
    pub fn disconnect_with(&mut self, now: Instant, request: DisconnectRequest) -> Result<(), SessionError> {
        if self.state == State::Disconnected {
            return Err(SessionError::NotConnected);
        }
        // 5.0 §3.14.2.1, "Sent by": the codes a client may send.
        const CLIENT_CODES: [u8; 14] =
            [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99];
        if !CLIENT_CODES.contains(&request.reason.0) {
            return Err(SessionError::ReasonNotForClient(request.reason));
        }
        let connect_expiry = self.options.session_expiry_interval.unwrap_or(0);
        if let Some(requested) = request.session_expiry_interval.filter(|s| *s != 0) {
            if connect_expiry == 0 {
                return Err(SessionError::SessionExpiryNotAllowed { requested });
            }
        }
        self.write(now, &Packet::Disconnect(request.packet()))?;
        self.close(CloseReason::ClientDisconnect);
        Ok(())
    }

    /// Appends the bytes to send now, if any, to `buf` (a buffer the caller owns
    /// and may reuse), and returns how many there are. An empty `buf` is swapped
    /// with the engine's buffer rather than copied into.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> usize {
        let len = self.transmit.len();
        if buf.is_empty() {
            core::mem::swap(buf, &mut self.transmit);
        } else {
            buf.extend_from_slice(&self.transmit);
            self.transmit.clear();
        }
        len
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When the engine next needs [`Session::handle_timeout`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Disconnected => None,
            State::Connecting(sent) => Some(sent + self.options.connect_timeout),
            State::Connected => {
                let keep_alive = self.keep_alive()?;
                Some(match self.ping_sent {
                    // Anything from the broker shows it is alive: a PINGRESP
                    // queued behind a burst of messages is not a dead broker. But
                    // the broker must still hear from us within every interval.
                    Some(sent) => (sent.max(self.last_received) + keep_alive / 2).min(self.last_sent + keep_alive),
                    None => self.last_sent.min(self.last_received) + keep_alive,
                })
            }
        }
    }

    /// Keep alive and connect timeouts.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.poll_timeout() else { return };
        if now < deadline {
            return;
        }
        match (self.state, self.ping_sent, self.keep_alive()) {
            (State::Connecting(_), _, _) => self.close(CloseReason::ConnectTimeout),
            (State::Connected, Some(sent), Some(keep_alive)) if now >= sent.max(self.last_received) + keep_alive / 2 => {
                self.close(CloseReason::KeepAliveTimeout);
            }
            (State::Connected, Some(_), _) => {
                // Still waiting for PINGRESP behind the broker's backlog: ping again
                // so that the broker does not drop us for silence.
                self.send_or_close(now, &Packet::PingReq);
            }
            (State::Connected, None, _) => {
                if self.send_or_close(now, &Packet::PingReq) {
                    self.ping_sent = Some(now);
                }
            }
            (State::Disconnected, _, _) => {}
        }
    }

    fn keep_alive(&self) -> Option<Duration> {
        match self.server.keep_alive {
            0 => None,
            s => Some(Duration::from_secs(s.into())),
        }
    }

    /// Publishes a message, or says why it cannot be sent. QoS 1 and 2 messages
    /// get a packet identifier (returned; 0 for QoS 0) that names them in later
    /// events. Messages wait while disconnected or while the broker's receive
    /// maximum is reached.
    pub fn publish(&mut self, now: Instant, mut publish: Publish) -> Result<u16, SessionError> {
        publish.dup = false;
        publish.packet_id = 0;
        if publish.qos != QoS::AtMostOnce {
            publish.packet_id = self.allocate_packet_id()?;
        }
        let checked = publish
            .measure(self.options.version)
            .map_err(SessionError::from)
            .and_then(|body_len| self.check_limits(&publish, packet_len(body_len)).map(|()| body_len));
        let body_len = match checked {
            Ok(body_len) => body_len,
            Err(e) => {
                self.ids_in_use.remove(publish.packet_id);
                return Err(e);
            }
        };
        let packet_id = publish.packet_id;
        self.queued.push_back(Outgoing { publish, body_len });
        self.flush_queue(now);
        Ok(packet_id)
    }

    /// Checks a measured message against the broker's announced limits.
    fn check_limits(&self, publish: &Publish, size: usize) -> Result<(), SessionError> {
        if let Some(max) = self.server.maximum_packet_size {
            if size > max as usize {
                return Err(SessionError::PacketTooLarge { size, maximum: max as usize });
            }
        }
        if publish.qos > self.server.maximum_qos {
            return Err(SessionError::QoSNotSupported { requested: publish.qos, maximum: self.server.maximum_qos });
        }
        if publish.retain && !self.server.retain_available {
            return Err(SessionError::RetainNotSupported);
        }
        Ok(())
    }

    /// Subscribes while connected; the result arrives as [`Event::Subscribed`].
    pub fn subscribe(&mut self, now: Instant, filters: Vec<SubscribeFilter>) -> Result<u16, SessionError> {
        self.subscribe_with_properties(now, filters, Properties::new())
    }

    /// Subscribes with 5.0 SUBSCRIBE properties: a Subscription Identifier (which
    /// the broker then puts on every message the subscription matches) and user
    /// properties.
    pub fn subscribe_with_properties(
        &mut self,
        now: Instant,
        filters: Vec<SubscribeFilter>,
        properties: Properties,
    ) -> Result<u16, SessionError> {
        if self.state != State::Connected {
            return Err(SessionError::NotConnected);
        }
        let packet_id = self.allocate_packet_id()?;
        let packet = Packet::Subscribe(Subscribe { packet_id, filters, properties });
        if let Err(e) = self.write(now, &packet) {
            self.ids_in_use.remove(packet_id);
            return Err(e);
        }
        let Packet::Subscribe(Subscribe { filters, .. }) = packet else { return Ok(packet_id) };
        self.pending_subscribes.insert(packet_id, filters);
        Ok(packet_id)
    }

    /// Unsubscribes while connected; the result arrives as [`Event::Unsubscribed`].
    pub fn unsubscribe(&mut self, now: Instant, filters: Vec<String>) -> Result<u16, SessionError> {
        self.unsubscribe_with_properties(now, filters, Properties::new())
    }

    /// Unsubscribes with 5.0 UNSUBSCRIBE properties (user properties).
    pub fn unsubscribe_with_properties(
        &mut self,
        now: Instant,
        filters: Vec<String>,
        properties: Properties,
    ) -> Result<u16, SessionError> {
        if self.state != State::Connected {
            return Err(SessionError::NotConnected);
        }
        let packet_id = self.allocate_packet_id()?;
        let packet = Packet::Unsubscribe(Unsubscribe { packet_id, filters, properties });
        if let Err(e) = self.write(now, &packet) {
            self.ids_in_use.remove(packet_id);
            return Err(e);
        }
        let Packet::Unsubscribe(Unsubscribe { filters, .. }) = packet else { return Ok(packet_id) };
        self.pending_unsubscribes.insert(packet_id, filters);
        Ok(packet_id)
    }

    /// With [`ConnectOptions::manual_acks`]: acknowledges the inbound QoS 1 or 2
    /// message `packet_id`, which the caller has taken care of (PUBACK, or PUBREC:
    /// the rest of a QoS 2 flow is the engine's). Until then the broker counts it
    /// against our Receive Maximum.
    ///
    /// While disconnected the message stays unacknowledged ([`SessionError::NotConnected`]):
    /// a broker that kept the session sends it again, the engine does not deliver
    /// it twice, and the caller acknowledges it once connected. If the broker lost
    /// the session, the message is forgotten ([`SessionError::NotAwaitingAck`]).
    pub fn ack(&mut self, now: Instant, packet_id: u16) -> Result<(), SessionError> {
        let packet = if self.app_ack_qos1.contains(packet_id) {
            Packet::PubAck(Ack::new(packet_id))
        } else if self.app_ack_qos2.contains(packet_id) {
            Packet::PubRec(Ack::new(packet_id))
        } else {
            return Err(SessionError::NotAwaitingAck { packet_id });
        };
        if self.state != State::Connected {
            return Err(SessionError::NotConnected);
        }
        if let Err(error) = self.write(now, &packet) {
            // An acknowledgement the broker waits for and cannot get.
            self.close(CloseReason::SendFailed { packet: packet.packet_type(), error: error.clone() });
            return Err(error);
        }
        self.app_ack_qos1.remove(packet_id);
        self.app_ack_qos2.remove(packet_id);
        Ok(())
    }

    /// The next identifier not in use, cycling through 1..=65535, reserved until
    /// its flow ends.
    fn allocate_packet_id(&mut self) -> Result<u16, SessionError> {
        for _ in 0..u16::MAX {
            let id = self.next_packet_id;
            self.next_packet_id = if id == u16::MAX { 1 } else { id + 1 };
            if self.ids_in_use.insert(id) {
                return Ok(id);
            }
        }
        Err(SessionError::NoPacketIdAvailable)
    }

    fn release_packet_id(&mut self, id: u16) {
        self.ids_in_use.remove(id);
    }

    /// A queued or in-flight message is given up: its id is free again.
    fn fail_publish(&mut self, publish: Publish, error: SessionError) {
        self.release_packet_id(publish.packet_id);
        self.events.push_back(Event::PublishFailed { packet_id: publish.packet_id, topic: publish.topic, error });
    }

    /// Encodes a packet into the transmit buffer, refusing it (and leaving the
    /// buffer as it was) if it cannot be encoded or the broker's maximum packet
    /// size is smaller. Encoding is the measurement: a control packet is small,
    /// and only one that is refused is written for nothing.
    fn write(&mut self, now: Instant, packet: &Packet) -> Result<(), SessionError> {
        let start = self.transmit.len();
        packet.encode(self.options.version, &mut self.transmit)?;
        let size = self.transmit.len() - start;
        if let Some(max) = self.server.maximum_packet_size {
            if size > max as usize {
                self.transmit.truncate(start);
                return Err(SessionError::PacketTooLarge { size, maximum: max as usize });
            }
        }
        self.last_sent = now;
        Ok(())
    }

    /// Writes a packet the protocol obliges us to send; if it cannot be sent,
    /// the connection ends ([`CloseReason::SendFailed`]). Whether it was sent.
    ///
    /// No DISCONNECT goes first (5.0 allows closing without one): the broker broke
    /// no rule, and a broker whose Maximum Packet Size refuses a 4-byte PUBACK
    /// would refuse a DISCONNECT with a reason code too.
    fn send_or_close(&mut self, now: Instant, packet: &Packet) -> bool {
        match self.write(now, packet) {
            Ok(()) => true,
            Err(error) => {
                self.close(CloseReason::SendFailed { packet: packet.packet_type(), error });
                false
            }
        }
    }

    /// Sends queued messages while connected and within the broker's receive maximum.
    fn flush_queue(&mut self, now: Instant) {
        while self.state == State::Connected {
            let Some(front) = self.queued.front() else { return };
            let needs_quota = front.publish.qos != QoS::AtMostOnce;
            if needs_quota && self.in_flight.len() >= usize::from(self.server.receive_maximum) {
                return;
            }
            let Some(message) = self.queued.pop_front() else { return };
            // The broker's limits may differ from those when the message was queued.
            let sent = self
                .check_limits(&message.publish, message.packet_len())
                .and_then(|()| self.write_publish(now, &message));
            if let Err(error) = sent {
                self.fail_publish(message.publish, error);
                continue;
            }
            if needs_quota {
                let awaiting =
                    if message.publish.qos == QoS::AtLeastOnce { Awaiting::PubAck } else { Awaiting::PubRec };
                let seq = self.next_seq;
                self.next_seq += 1;
                self.in_flight.insert(message.publish.packet_id, InFlight { seq, message, awaiting });
            }
        }
    }

    /// Writes a checked message: as measured, or, with `use_topic_aliases` in
    /// 5.0, with a topic alias: the first message on a topic sets one, later ones
    /// send only the alias, up to the broker's Topic Alias Maximum. (An alias
    /// makes a different packet, measured as it is written.)
    fn write_publish(&mut self, now: Instant, message: &Outgoing) -> Result<(), SessionError> {
        let publish = &message.publish;
        let version = self.options.version;
        let alias = if self.options.use_topic_aliases && version.is_v5() && publish.properties.topic_alias().is_none()
        {
            match self.outbound_aliases.get(&publish.topic) {
                Some(&alias) => Some((alias, false)),
                None if self.outbound_aliases.len() < usize::from(self.server.topic_alias_maximum) => {
                    Some((self.outbound_aliases.len() as u16 + 1, true))
                }
                None => None,
            }
        } else {
            None
        };
        let Some((alias, new)) = alias else {
            publish.encode_measured(version, message.body_len, &mut self.transmit);
            self.last_sent = now;
            return Ok(());
        };
        let start = self.transmit.len();
        let size = publish.encode_with_alias(version, alias, new, &mut self.transmit)?;
        if let Some(max) = self.server.maximum_packet_size {
            if size > max as usize {
                self.transmit.truncate(start);
                return Err(SessionError::PacketTooLarge { size, maximum: max as usize });
            }
        }
        if new {
            self.outbound_aliases.insert(publish.topic.clone(), alias);
        }
        self.last_sent = now;
        Ok(())
    }

    fn handle_packet(&mut self, now: Instant, packet: Packet) {
        let connected = self.state == State::Connected;
        match packet {
            Packet::ConnAck(ack) if !connected => self.handle_connack(now, ack),
            Packet::ConnAck(_) => self.violation(now, ProtocolViolation::ConnAckTwice),
            Packet::Auth(auth) => self.handle_auth(now, auth),
            other if !connected => self.violation(now, ProtocolViolation::PacketBeforeConnAck(other.packet_type())),
            Packet::Publish(publish) => self.handle_publish(now, publish),
            Packet::PubAck(ack) => self.handle_final_ack(now, PacketType::PubAck, Awaiting::PubAck, ack),
            Packet::PubRec(ack) => self.handle_pubrec(now, ack),
            Packet::PubComp(ack) => self.handle_final_ack(now, PacketType::PubComp, Awaiting::PubComp, ack),
            Packet::PubRel(ack) => self.handle_pubrel(now, ack),
            Packet::SubAck(ack) => self.handle_suback(now, ack),
            Packet::UnsubAck(ack) => self.handle_unsuback(now, ack),
            Packet::PingResp => self.ping_sent = None,
            Packet::Disconnect(d) if self.options.version.is_v5() => {
                self.close(CloseReason::ServerDisconnect {
                    reason: d.reason,
                    reason_string: d.properties.reason_string().map(str::to_owned),
                    server_reference: d.properties.server_reference().map(str::to_owned),
                });
            }
            other => self.violation(now, ProtocolViolation::UnexpectedPacket(other.packet_type())),
        }
    }

    /// AUTH belongs to the enhanced authentication CONNECT started, and carries
    /// its method (5.0 §4.12 [MQTT-4.12.0-5, -6]).
    fn handle_auth(&mut self, now: Instant, auth: Auth) {
        let Some(expected) = &self.options.authentication_method else {
            return self.violation(now, ProtocolViolation::UnexpectedAuth);
        };
        let received = auth.properties.authentication_method();
        if received != Some(expected.as_str()) {
            let violation =
                ProtocolViolation::AuthMethodMismatch { expected: expected.clone(), received: received.map(str::to_owned) };
            return self.violation(now, violation);
        }
        self.events.push_back(Event::AuthReceived(auth));
    }

    fn handle_connack(&mut self, now: Instant, ack: ConnAck) {
        if ack.reason.is_error() {
            self.events.push_back(Event::ConnectionRefused(Refusal {
                reason: ack.reason,
                reason_string: ack.properties.reason_string().map(str::to_owned),
            }));
            self.state = State::Disconnected;
            return;
        }
        if ack.session_present && self.clean_start_sent {
            return self.violation(now, ProtocolViolation::SessionPresentOnCleanStart);
        }
        self.accepted_once = true;
        self.server = server_limits(&ack, self.options.keep_alive);
        if let Some(id) = ack.properties.assigned_client_identifier() {
            self.assigned_client_id = Some(id.to_owned());
        }
        self.state = State::Connected;
        // Events of the resend (a message given up) come after Connected.
        let mark = self.events.len();
        let (resubscribed, resent) =
            if ack.session_present { (Vec::new(), self.resend_in_flight(now)) } else { (self.start_new_session(now), 0) };
        if self.state != State::Connected {
            return; // something the protocol obliged us to send could not go
        }
        let connected = Event::Connected(Connected {
            session_present: ack.session_present,
            assigned_client_id: ack.properties.assigned_client_identifier().map(str::to_owned),
            server: self.server.clone(),
            resubscribed,
            resent,
        });
        self.events.insert(mark, connected);
        self.flush_queue(now);
    }

    /// The packet identifiers in flight, in the order their messages were first
    /// sent. (One sort for both uses: each sorted type costs the browser build
    /// a copy of the sort's code.)
    fn in_flight_in_order(&self) -> Vec<u16> {
        let mut order: Vec<(u64, u16)> = self.in_flight.iter().map(|(id, f)| (f.seq, *id)).collect();
        // Sequence numbers are unique: an unstable sort orders them all the same.
        order.sort_unstable();
        order.into_iter().map(|(_, id)| id).collect()
    }

    /// The broker kept our session: everything unacknowledged goes again, in
    /// order, PUBLISH with DUP set and PUBREL as it was (3.1.1 §4.4, 5.0 §4.4).
    /// A message that no longer fits the broker's limits is given up
    /// [MQTT-3.1.2-25]; a PUBREL that cannot be sent ends the connection.
    fn resend_in_flight(&mut self, now: Instant) -> usize {
        let mut resent = 0;
        for id in self.in_flight_in_order() {
            let Some(flight) = self.in_flight.get_mut(&id) else { continue };
            if flight.awaiting == Awaiting::PubComp {
                if !self.send_or_close(now, &Packet::PubRel(Ack::new(id))) {
                    return resent;
                }
                resent += 1;
                continue;
            }
            // From now on this message is a resend.
            flight.message.publish.dup = true;
            let message = &flight.message;
            let sent = match self.server.maximum_packet_size {
                Some(max) if message.packet_len() > max as usize => {
                    Err(SessionError::PacketTooLarge { size: message.packet_len(), maximum: max as usize })
                }
                _ => {
                    message.publish.encode_measured(self.options.version, message.body_len, &mut self.transmit);
                    Ok(())
                }
            };
            match sent {
                Ok(()) => {
                    self.last_sent = now;
                    resent += 1;
                }
                Err(error) => {
                    if let Some(flight) = self.in_flight.remove(&id) {
                        self.fail_publish(flight.message.publish, error);
                    }
                }
            }
        }
        resent
    }

    /// The broker has no session for us: its half of every flow is gone. Messages
    /// whose flow did not complete go out again as new messages (nothing is lost;
    /// a QoS 2 message awaiting PUBCOMP may arrive twice, since the broker may or
    /// may not have released it), the inbound state is dropped, and our
    /// subscriptions are made again or forgotten, as the options say.
    fn start_new_session(&mut self, now: Instant) -> Vec<String> {
        for id in self.in_flight_in_order().into_iter().rev() {
            if let Some(mut f) = self.in_flight.remove(&id) {
                f.message.publish.dup = false;
                self.queued.push_front(f.message);
            }
        }
        self.incoming_qos2.clear();
        self.app_ack_qos1.clear();
        self.app_ack_qos2.clear();
        if !self.options.resubscribe_on_lost_session {
            self.subscriptions.clear();
            return Vec::new();
        }
        if self.subscriptions.is_empty() {
            return Vec::new();
        }
        let filters: Vec<SubscribeFilter> = self
            .subscriptions
            .iter()
            .map(|(filter, options)| SubscribeFilter { filter: filter.clone(), options: *options })
            .collect();
        let names = filters.iter().map(|f| f.filter.clone()).collect();
        let packet_id = match self.allocate_packet_id() {
            Ok(id) => id,
            Err(error) => {
                self.close(CloseReason::SendFailed { packet: PacketType::Subscribe, error });
                return names;
            }
        };
        let packet = Packet::Subscribe(Subscribe::new(packet_id, filters));
        if !self.send_or_close(now, &packet) {
            self.release_packet_id(packet_id);
            return names;
        }
        if let Packet::Subscribe(Subscribe { filters, .. }) = packet {
            self.pending_subscribes.insert(packet_id, filters);
        }
        names
    }

    fn handle_publish(&mut self, now: Instant, mut publish: Publish) {
        if let Err(v) = self.resolve_inbound_alias(&mut publish) {
            return self.violation(now, v);
        }
        let id = publish.packet_id;
        let manual = self.options.manual_acks;
        match publish.qos {
            QoS::AtMostOnce => self.events.push_back(Event::Message(publish)),
            QoS::AtLeastOnce if manual => {
                // Sent again (a resumed session) before the caller acknowledged
                // it: the caller has it already.
                if self.app_ack_qos1.contains(id) {
                    return;
                }
                if !self.within_receive_maximum(now) {
                    return;
                }
                self.app_ack_qos1.insert(id);
                self.events.push_back(Event::Message(publish));
            }
            QoS::AtLeastOnce => {
                // Acknowledged first: a message that cannot be acknowledged ends
                // the connection, and the broker sends it again.
                if self.send_or_close(now, &Packet::PubAck(Ack::new(id))) {
                    self.events.push_back(Event::Message(publish));
                }
            }
            QoS::ExactlyOnce => {
                if self.incoming_qos2.contains(id) {
                    // A duplicate is not delivered again; it is answered with PUBREC
                    // again, unless the caller has not acknowledged it yet.
                    if !self.app_ack_qos2.contains(id) {
                        self.send_or_close(now, &Packet::PubRec(Ack::new(id)));
                    }
                    return;
                }
                if !self.within_receive_maximum(now) {
                    return;
                }
                if manual {
                    self.app_ack_qos2.insert(id);
                } else if !self.send_or_close(now, &Packet::PubRec(Ack::new(id))) {
                    return;
                }
                self.incoming_qos2.insert(id);
                self.events.push_back(Event::Message(publish));
            }
        }
    }

    /// Whether one more unacknowledged QoS 1 or 2 message is within our Receive
    /// Maximum (5.0 §3.3.4); if not, the broker broke it (0x93). 3.x has none.
    fn within_receive_maximum(&mut self, now: Instant) -> bool {
        let limit = self.options.receive_maximum.unwrap_or(u16::MAX);
        let unacknowledged = self.incoming_qos2.len() + self.app_ack_qos1.len();
        if self.options.version.is_v5() && unacknowledged >= usize::from(limit) {
            self.violation(now, ProtocolViolation::ReceiveMaximumExceeded);
            return false;
        }
        true
    }

    /// Replaces an inbound topic alias by its topic (5.0 §3.3.2.3.4).
    fn resolve_inbound_alias(&mut self, publish: &mut Publish) -> Result<(), ProtocolViolation> {
        let Some(alias) = publish.properties.topic_alias() else { return Ok(()) };
        if alias == 0 || alias > self.options.topic_alias_maximum.unwrap_or(0) {
            return Err(ProtocolViolation::TopicAliasInvalid(alias));
        }
        let at = usize::from(alias);
        if publish.topic.is_empty() {
            let topic = self.inbound_aliases.get(at).and_then(Option::as_ref);
            publish.topic = topic.ok_or(ProtocolViolation::TopicAliasNotSet(alias))?.clone();
        } else {
            if at >= self.inbound_aliases.len() {
                self.inbound_aliases.resize_with(at + 1, || None);
            }
            if let Some(slot) = self.inbound_aliases.get_mut(at) {
                *slot = Some(publish.topic.clone());
            }
        }
        Ok(())
    }

    fn unknown_packet_id(&mut self, packet: PacketType, packet_id: u16) {
        self.events.push_back(Event::Diagnostic(Diagnostic::UnknownPacketId { packet, packet_id }));
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2): the message's flow is complete.
    fn handle_final_ack(&mut self, now: Instant, packet: PacketType, expected: Awaiting, ack: Ack) {
        let id = ack.packet_id;
        match self.in_flight.get(&id).map(|f| f.awaiting) {
            Some(awaiting) if awaiting == expected => {
                self.in_flight.remove(&id);
                self.release_packet_id(id);
                self.events.push_back(Event::PublishAcknowledged { packet_id: id, reason: ack.reason });
                self.flush_queue(now);
            }
            Some(_) => self.violation(now, ProtocolViolation::AckOutOfStep { packet, packet_id: id }),
            None => self.unknown_packet_id(packet, id),
        }
    }

    fn handle_pubrec(&mut self, now: Instant, ack: Ack) {
        let id = ack.packet_id;
        match self.in_flight.get_mut(&id).map(|f| f.awaiting) {
            Some(Awaiting::PubRec) if ack.reason.is_error() => {
                // 5.0 §4.3.3: a PUBREC with an error ends the flow; no PUBREL.
                self.in_flight.remove(&id);
                self.release_packet_id(id);
                self.events.push_back(Event::PublishAcknowledged { packet_id: id, reason: ack.reason });
                self.flush_queue(now);
            }
            // A repeated PUBREC (awaiting PUBCOMP) is answered again.
            Some(Awaiting::PubRec | Awaiting::PubComp) => {
                if let Some(f) = self.in_flight.get_mut(&id) {
                    f.awaiting = Awaiting::PubComp;
                }
                self.send_or_close(now, &Packet::PubRel(Ack::new(id)));
            }
            Some(Awaiting::PubAck) => {
                self.violation(now, ProtocolViolation::AckOutOfStep { packet: PacketType::PubRec, packet_id: id });
            }
            None => {
                self.unknown_packet_id(PacketType::PubRec, id);
                // Answered, so that whatever flow the broker has under this id can
                // end; a failure needs no answer (5.0 §4.3.3).
                if !ack.reason.is_error() {
                    let reason = if self.options.version.is_v5() {
                        ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
                    } else {
                        ReasonCode::SUCCESS
                    };
                    self.send_or_close(now, &Packet::PubRel(Ack { reason, ..Ack::new(id) }));
                }
            }
        }
    }

    /// PUBREL releases an inbound QoS 2 message. A repeated PUBREL is answered
    /// again (the broker may not have seen our PUBCOMP), in 5.0 with 0x92.
    fn handle_pubrel(&mut self, now: Instant, ack: Ack) {
        let id = ack.packet_id;
        if self.app_ack_qos2.contains(id) {
            // We have not sent PUBREC: there is nothing to release yet.
            return self.violation(now, ProtocolViolation::AckOutOfStep { packet: PacketType::PubRel, packet_id: id });
        }
        let known = self.incoming_qos2.contains(id);
        let reason = if known || !self.options.version.is_v5() {
            ReasonCode::SUCCESS
        } else {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        };
        if self.send_or_close(now, &Packet::PubComp(Ack { reason, ..Ack::new(id) })) {
            self.incoming_qos2.remove(id);
        }
    }

    fn handle_suback(&mut self, now: Instant, ack: SubAck) {
        let Some(filters) = self.pending_subscribes.remove(ack.packet_id) else {
            return self.unknown_packet_id(PacketType::SubAck, ack.packet_id);
        };
        self.release_packet_id(ack.packet_id);
        if filters.len() != ack.reasons.len() {
            return self.violation(
                now,
                ProtocolViolation::ResultCountMismatch {
                    packet: PacketType::SubAck,
                    expected: filters.len(),
                    received: ack.reasons.len(),
                },
            );
        }
        let mut results = Vec::with_capacity(filters.len());
        for (f, reason) in filters.into_iter().zip(ack.reasons) {
            let result = match QoS::from_u8(reason.0) {
                Some(qos) if !reason.is_error() => {
                    self.subscriptions.insert(f.filter.clone(), f.options);
                    Ok(qos)
                }
                _ => Err(reason),
            };
            results.push(SubscriptionResult { filter: f.filter, result });
        }
        self.events.push_back(Event::Subscribed { packet_id: ack.packet_id, results });
    }

    fn handle_unsuback(&mut self, now: Instant, ack: UnsubAck) {
        let Some(filters) = self.pending_unsubscribes.remove(ack.packet_id) else {
            return self.unknown_packet_id(PacketType::UnsubAck, ack.packet_id);
        };
        self.release_packet_id(ack.packet_id);
        let reasons = if self.options.version.is_v5() {
            if filters.len() != ack.reasons.len() {
                return self.violation(
                    now,
                    ProtocolViolation::ResultCountMismatch {
                        packet: PacketType::UnsubAck,
                        expected: filters.len(),
                        received: ack.reasons.len(),
                    },
                );
            }
            ack.reasons
        } else {
            vec![ReasonCode::SUCCESS; filters.len()]
        };
        for (filter, reason) in filters.iter().zip(&reasons) {
            // "No subscription existed" also means it is gone.
            if !reason.is_error() {
                self.subscriptions.remove(filter);
            }
        }
        let results = filters.into_iter().zip(reasons).collect();
        self.events.push_back(Event::Unsubscribed { packet_id: ack.packet_id, results });
    }

    /// Ends the connection because the broker broke the protocol; in 5.0 the
    /// broker is told why with DISCONNECT first.
    fn violation(&mut self, now: Instant, violation: ProtocolViolation) {
        if self.options.version.is_v5() {
            let disconnect = Disconnect { reason: violation.reason_code(), ..Disconnect::default() };
            match self.write(now, &Packet::Disconnect(disconnect)) {
                Ok(()) => {}
                // Its 3 bytes exceed the broker's Maximum Packet Size: the broker
                // is not told (5.0 §4.13 lets us just close), and the close
                // reason stays the violation, which is what went wrong.
                Err(_too_large) => {}
            }
        }
        self.close(CloseReason::ProtocolViolation(violation));
    }

    /// (Un)subscribes are not part of the session state: they are not resent.
    fn forget_pending_requests(&mut self) {
        for id in self.pending_subscribes.ids().chain(self.pending_unsubscribes.ids()) {
            self.ids_in_use.remove(id);
        }
        self.pending_subscribes.clear();
        self.pending_unsubscribes.clear();
    }

    fn close(&mut self, reason: CloseReason) {
        self.state = State::Disconnected;
        self.ping_sent = None;
        self.forget_pending_requests();
        self.events.push_back(Event::ConnectionClosed(reason));
    }
}

fn server_limits(ack: &ConnAck, our_keep_alive: u16) -> ServerLimits {
    let p = &ack.properties;
    let flag = |v: Option<u8>| v.map_or(true, |v| v == 1);
    ServerLimits {
        keep_alive: p.server_keep_alive().unwrap_or(our_keep_alive),
        receive_maximum: p.receive_maximum().unwrap_or(u16::MAX),
        maximum_packet_size: p.maximum_packet_size(),
        topic_alias_maximum: p.topic_alias_maximum().unwrap_or(0),
        maximum_qos: p.maximum_qos().and_then(QoS::from_u8).unwrap_or(QoS::ExactlyOnce),
        retain_available: flag(p.retain_available()),
        wildcard_subscription_available: flag(p.wildcard_subscription_available()),
        subscription_identifiers_available: flag(p.subscription_identifier_available()),
        shared_subscription_available: flag(p.shared_subscription_available()),
        properties: p.clone(),
    }
}
