//! The client session engine: a sans-IO MQTT client state machine.
//!
//! The caller owns the transport and the clock. It feeds received bytes with
//! [`Session::handle_bytes`], sends what [`Session::poll_transmit`] returns, reads
//! [`Session::poll_event`], and calls [`Session::handle_timeout`] at
//! [`Session::poll_timeout`]. The engine never reads a clock, never blocks, and
//! turns anything a broker sends into an event, never a panic.

mod event;
mod options;
mod time;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use core::time::Duration;

pub use event::{
    CloseReason, Connected, Event, ProtocolViolation, Refusal, ServerLimits, SessionError, SubscriptionResult,
};
pub use options::ConnectOptions;
pub use time::Instant;

use crate::{
    Ack, ConnAck, Decoder, Disconnect, Packet, PacketType, Properties, Property, Publish, QoS, ReasonCode, SubAck, Subscribe,
    SubscribeFilter, SubscriptionOptions, TopicName, UnsubAck, Unsubscribe, MAX_PACKET_SIZE,
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

#[derive(Debug, Clone)]
struct InFlight {
    /// Send order, to resend and requeue in the order the caller published.
    seq: u64,
    publish: Publish,
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
    ids_in_use: BTreeSet<u16>,
    next_seq: u64,
    in_flight: BTreeMap<u16, InFlight>,
    /// Messages waiting for a connection or for the broker's receive maximum.
    queued: VecDeque<Publish>,
    pending_subscribes: BTreeMap<u16, Vec<SubscribeFilter>>,
    pending_unsubscribes: BTreeMap<u16, Vec<String>>,
    /// Subscriptions the broker granted, to restore when it forgets the session.
    subscriptions: BTreeMap<String, SubscriptionOptions>,
    /// Inbound QoS 2 packet ids delivered but not yet released (PUBREL).
    incoming_qos2: BTreeSet<u16>,
    inbound_aliases: BTreeMap<u16, TopicName>,
    outbound_aliases: BTreeMap<TopicName, u16>,
    /// A CONNACK has accepted us once: later connections resume the session.
    accepted_once: bool,
    /// Clean start as sent in the current CONNECT.
    clean_start_sent: bool,
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
            ids_in_use: BTreeSet::new(),
            next_seq: 0,
            in_flight: BTreeMap::new(),
            queued: VecDeque::new(),
            pending_subscribes: BTreeMap::new(),
            pending_unsubscribes: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            incoming_qos2: BTreeSet::new(),
            inbound_aliases: BTreeMap::new(),
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

    /// Subscriptions the broker has granted and that the engine will restore.
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
    /// Fails, and stays disconnected, if the options cannot be encoded.
    pub fn connect(&mut self, now: Instant) -> Result<(), SessionError> {
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
            match self.decoder.next_packet() {
                Ok(Some(packet)) => {
                    self.last_received = now;
                    self.handle_packet(now, packet);
                    if self.state == State::Disconnected {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => return self.violation(now, ProtocolViolation::Malformed(e)),
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
        if self.state != State::Disconnected {
            let _ = self.write(now, &Packet::Disconnect(Disconnect::default()));
            self.close(CloseReason::ClientDisconnect);
        }
    }

    /// Bytes to send now, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        if self.transmit.is_empty() {
            None
        } else {
            Some(core::mem::take(&mut self.transmit))
        }
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
                let _ = self.write(now, &Packet::PingReq);
            }
            (State::Connected, None, _) => {
                let _ = self.write(now, &Packet::PingReq);
                self.ping_sent = Some(now);
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
        if let Err(e) = self.check_publish(&publish) {
            self.ids_in_use.remove(&publish.packet_id);
            return Err(e);
        }
        let packet_id = publish.packet_id;
        self.queued.push_back(publish);
        self.flush_queue(now);
        Ok(packet_id)
    }

    /// Checks a publish against the codec and the broker's announced limits.
    fn check_publish(&self, publish: &Publish) -> Result<(), SessionError> {
        let size = Packet::Publish(publish.clone()).encoded_len(self.options.version)?;
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
        let packet = Packet::Subscribe(Subscribe { packet_id, filters: filters.clone(), properties });
        if let Err(e) = self.write(now, &packet) {
            self.ids_in_use.remove(&packet_id);
            return Err(e);
        }
        self.pending_subscribes.insert(packet_id, filters);
        Ok(packet_id)
    }

    /// Unsubscribes while connected; the result arrives as [`Event::Unsubscribed`].
    pub fn unsubscribe(&mut self, now: Instant, filters: Vec<String>) -> Result<u16, SessionError> {
        if self.state != State::Connected {
            return Err(SessionError::NotConnected);
        }
        let packet_id = self.allocate_packet_id()?;
        let packet = Packet::Unsubscribe(Unsubscribe { packet_id, filters: filters.clone(), ..Default::default() });
        if let Err(e) = self.write(now, &packet) {
            self.ids_in_use.remove(&packet_id);
            return Err(e);
        }
        self.pending_unsubscribes.insert(packet_id, filters);
        Ok(packet_id)
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
        self.ids_in_use.remove(&id);
    }

    /// A queued or in-flight message is given up: its id is free again.
    fn fail_publish(&mut self, publish: Publish, error: SessionError) {
        self.release_packet_id(publish.packet_id);
        self.events.push_back(Event::PublishFailed { packet_id: publish.packet_id, topic: publish.topic, error });
    }

    /// Encodes a packet into the transmit buffer, refusing it if the broker's
    /// maximum packet size is smaller.
    fn write(&mut self, now: Instant, packet: &Packet) -> Result<(), SessionError> {
        let size = packet.encoded_len(self.options.version)?;
        if let Some(max) = self.server.maximum_packet_size {
            if size > max as usize {
                return Err(SessionError::PacketTooLarge { size, maximum: max as usize });
            }
        }
        packet.encode(self.options.version, &mut self.transmit)?;
        self.last_sent = now;
        Ok(())
    }

    /// Sends queued messages while connected and within the broker's receive maximum.
    fn flush_queue(&mut self, now: Instant) {
        while self.state == State::Connected {
            let Some(front) = self.queued.front() else { return };
            let needs_quota = front.qos != QoS::AtMostOnce;
            if needs_quota && self.in_flight.len() >= usize::from(self.server.receive_maximum) {
                return;
            }
            let Some(publish) = self.queued.pop_front() else { return };
            // The broker's limits may differ from those when the message was queued.
            if let Err(error) = self.check_publish(&publish) {
                self.fail_publish(publish, error);
                continue;
            }
            let wire = self.with_outbound_alias(publish.clone());
            if let Err(error) = self.write(now, &Packet::Publish(wire)) {
                self.fail_publish(publish, error);
                continue;
            }
            if needs_quota {
                let awaiting = if publish.qos == QoS::AtLeastOnce { Awaiting::PubAck } else { Awaiting::PubRec };
                let seq = self.next_seq;
                self.next_seq += 1;
                self.in_flight.insert(publish.packet_id, InFlight { seq, publish, awaiting });
            }
        }
    }

    /// With `use_topic_aliases` in 5.0: the first message on a topic sets an alias,
    /// later ones send only the alias, up to the broker's Topic Alias Maximum.
    fn with_outbound_alias(&mut self, mut publish: Publish) -> Publish {
        if !self.options.use_topic_aliases || !self.options.version.is_v5() || publish.properties.topic_alias().is_some()
        {
            return publish;
        }
        if let Some(&alias) = self.outbound_aliases.get(&publish.topic) {
            publish.topic = TopicName::empty();
            publish.properties.push(Property::TopicAlias(alias));
        } else if self.outbound_aliases.len() < usize::from(self.server.topic_alias_maximum) {
            let alias = self.outbound_aliases.len() as u16 + 1;
            self.outbound_aliases.insert(publish.topic.clone(), alias);
            publish.properties.push(Property::TopicAlias(alias));
        }
        publish
    }

    fn handle_packet(&mut self, now: Instant, packet: Packet) {
        let connected = self.state == State::Connected;
        match packet {
            Packet::ConnAck(ack) if !connected => self.handle_connack(now, ack),
            Packet::ConnAck(_) => self.violation(now, ProtocolViolation::ConnAckTwice),
            Packet::Auth(auth) => self.events.push_back(Event::AuthReceived(auth)),
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

    fn handle_connack(&mut self, now: Instant, ack: ConnAck) {
        if ack.reason.is_error() {
            self.events.push_back(Event::ConnectionRefused(Refusal {
                reason: ack.reason,
                message: ack.reason.connack_message(self.options.version),
                hint: refusal_hint(ack.reason),
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
        let (resubscribed, resent) =
            if ack.session_present { (Vec::new(), self.resend_in_flight(now)) } else { (self.start_new_session(now), 0) };
        self.events.push_back(Event::Connected(Connected {
            session_present: ack.session_present,
            assigned_client_id: ack.properties.assigned_client_identifier().map(str::to_owned),
            server: self.server.clone(),
            resubscribed,
            resent,
        }));
        self.flush_queue(now);
    }

    /// The broker kept our session: everything unacknowledged goes again, in
    /// order, PUBLISH with DUP set and PUBREL as it was (3.1.1 §4.4, 5.0 §4.4).
    fn resend_in_flight(&mut self, now: Instant) -> usize {
        let mut flights: Vec<&InFlight> = self.in_flight.values().collect();
        flights.sort_by_key(|f| f.seq);
        let packets: Vec<Packet> = flights
            .into_iter()
            .map(|f| match f.awaiting {
                Awaiting::PubComp => Packet::PubRel(Ack::new(f.publish.packet_id)),
                Awaiting::PubAck | Awaiting::PubRec => Packet::Publish(Publish { dup: true, ..f.publish.clone() }),
            })
            .collect();
        let mut resent = 0;
        for packet in &packets {
            if self.write(now, packet).is_ok() {
                resent += 1;
            }
        }
        resent
    }

    /// The broker has no session for us: its half of every flow is gone. Messages
    /// whose flow did not complete go out again as new messages (nothing is lost;
    /// a QoS 2 message awaiting PUBCOMP may arrive twice, since the broker may or
    /// may not have released it), the inbound QoS 2 state is dropped, and our
    /// subscriptions are made again.
    fn start_new_session(&mut self, now: Instant) -> Vec<String> {
        let mut flights: Vec<InFlight> = core::mem::take(&mut self.in_flight).into_values().collect();
        flights.sort_by_key(|f| f.seq);
        for f in flights.into_iter().rev() {
            self.queued.push_front(Publish { dup: false, ..f.publish });
        }
        self.incoming_qos2.clear();
        if self.subscriptions.is_empty() {
            return Vec::new();
        }
        let filters: Vec<SubscribeFilter> = self
            .subscriptions
            .iter()
            .map(|(filter, options)| SubscribeFilter { filter: filter.clone(), options: *options })
            .collect();
        let names = filters.iter().map(|f| f.filter.clone()).collect();
        if let Ok(packet_id) = self.allocate_packet_id() {
            if self.write(now, &Packet::Subscribe(Subscribe::new(packet_id, filters.clone()))).is_ok() {
                self.pending_subscribes.insert(packet_id, filters);
            }
        }
        names
    }

    fn handle_publish(&mut self, now: Instant, mut publish: Publish) {
        if let Err(v) = self.resolve_inbound_alias(&mut publish) {
            return self.violation(now, v);
        }
        let id = publish.packet_id;
        match publish.qos {
            QoS::AtMostOnce => self.events.push_back(Event::Message(publish)),
            QoS::AtLeastOnce => {
                self.events.push_back(Event::Message(publish));
                let _ = self.write(now, &Packet::PubAck(Ack::new(id)));
            }
            QoS::ExactlyOnce => {
                if !self.incoming_qos2.contains(&id) {
                    let limit = self.options.receive_maximum.unwrap_or(u16::MAX);
                    if self.options.version.is_v5() && self.incoming_qos2.len() >= usize::from(limit) {
                        return self.violation(now, ProtocolViolation::ReceiveMaximumExceeded);
                    }
                    self.incoming_qos2.insert(id);
                    self.events.push_back(Event::Message(publish));
                }
                let _ = self.write(now, &Packet::PubRec(Ack::new(id)));
            }
        }
    }

    /// Replaces an inbound topic alias by its topic (5.0 §3.3.2.3.4).
    fn resolve_inbound_alias(&mut self, publish: &mut Publish) -> Result<(), ProtocolViolation> {
        let Some(alias) = publish.properties.topic_alias() else { return Ok(()) };
        if alias == 0 || alias > self.options.topic_alias_maximum.unwrap_or(0) {
            return Err(ProtocolViolation::TopicAliasInvalid(alias));
        }
        if publish.topic.is_empty() {
            publish.topic = self.inbound_aliases.get(&alias).ok_or(ProtocolViolation::TopicAliasNotSet(alias))?.clone();
        } else {
            self.inbound_aliases.insert(alias, publish.topic.clone());
        }
        Ok(())
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2): the message's flow is complete.
    fn handle_final_ack(&mut self, now: Instant, packet: PacketType, expected: Awaiting, ack: Ack) {
        match self.in_flight.get(&ack.packet_id) {
            Some(f) if f.awaiting == expected => {
                self.in_flight.remove(&ack.packet_id);
                self.release_packet_id(ack.packet_id);
                self.events.push_back(Event::PublishAcknowledged { packet_id: ack.packet_id, reason: ack.reason });
                self.flush_queue(now);
            }
            _ => self.violation(now, ProtocolViolation::UnknownPacketId { packet, packet_id: ack.packet_id }),
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
            Some(Awaiting::PubRec | Awaiting::PubComp) => {
                if let Some(f) = self.in_flight.get_mut(&id) {
                    f.awaiting = Awaiting::PubComp;
                }
                let _ = self.write(now, &Packet::PubRel(Ack::new(id)));
            }
            _ => self.violation(now, ProtocolViolation::UnknownPacketId { packet: PacketType::PubRec, packet_id: id }),
        }
    }

    /// PUBREL releases an inbound QoS 2 message. A repeated PUBREL is answered
    /// again (the broker may not have seen our PUBCOMP), in 5.0 with 0x92.
    fn handle_pubrel(&mut self, now: Instant, ack: Ack) {
        let known = self.incoming_qos2.remove(&ack.packet_id);
        let reason = if known || !self.options.version.is_v5() {
            ReasonCode::SUCCESS
        } else {
            ReasonCode::PACKET_IDENTIFIER_NOT_FOUND
        };
        let _ = self.write(now, &Packet::PubComp(Ack { reason, ..Ack::new(ack.packet_id) }));
    }

    fn handle_suback(&mut self, now: Instant, ack: SubAck) {
        self.release_packet_id(ack.packet_id);
        let Some(filters) = self.pending_subscribes.remove(&ack.packet_id) else {
            return self.violation(
                now,
                ProtocolViolation::UnknownPacketId { packet: PacketType::SubAck, packet_id: ack.packet_id },
            );
        };
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
        self.release_packet_id(ack.packet_id);
        let Some(filters) = self.pending_unsubscribes.remove(&ack.packet_id) else {
            return self.violation(
                now,
                ProtocolViolation::UnknownPacketId { packet: PacketType::UnsubAck, packet_id: ack.packet_id },
            );
        };
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
            let _ = self.write(now, &Packet::Disconnect(disconnect));
        }
        self.close(CloseReason::ProtocolViolation(violation));
    }

    /// (Un)subscribes are not part of the session state: they are not resent.
    fn forget_pending_requests(&mut self) {
        for id in self.pending_subscribes.keys().chain(self.pending_unsubscribes.keys()) {
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

/// What a user can do about a refused connection.
fn refusal_hint(reason: ReasonCode) -> &'static str {
    match reason {
        ReasonCode::BAD_USER_NAME_OR_PASSWORD => "Check the user name and password.",
        ReasonCode::NOT_AUTHORIZED => "Check the user name and password, and that this user may connect.",
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID => "Try another client id.",
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION => "Try another MQTT version.",
        ReasonCode::SERVER_UNAVAILABLE | ReasonCode::SERVER_BUSY => "Try again later.",
        ReasonCode::BANNED => "Ask the broker's administrator.",
        ReasonCode::BAD_AUTHENTICATION_METHOD => "Check the authentication method.",
        _ => "",
    }
}
