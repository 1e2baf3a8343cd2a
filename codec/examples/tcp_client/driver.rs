//! A small blocking driver that runs a sans-IO [`Session`] over a
//! [`std::net::TcpStream`].
//!
//! The driver owns the socket and the clock; the session owns the protocol. One
//! turn of the loop sends whatever the session wants sent, reads with a timeout
//! no later than the session's next timer (and the caller's deadline), feeds the
//! bytes to the session, fires its timers, and collects its events.
//!
//! Every loop is bounded by a deadline. Dropping a [`Driver`] closes the socket
//! *without* DISCONNECT, which is what the broker sees when a client crashes (so
//! the will, if any, is published); call [`Driver::disconnect`] to end cleanly.
//!
//! Used by the `tcp_client` example and by `tests/mosquitto.rs`
//! (`#[path = "../examples/tcp_client/driver.rs"] mod driver;`), so not every
//! item is used by each of them.
#![allow(dead_code)]

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use webmqtt_codec::session::{
    self, CloseReason, ConnectOptions, Connected, Event, Refusal, Session, SessionError, SubscriptionResult,
};
use webmqtt_codec::{Publish, ReasonCode, SubscribeFilter};

/// How long one blocking write may take before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a clean close waits for the broker to close its side after DISCONNECT.
const LINGER: Duration = Duration::from_secs(2);
/// The shortest read timeout (a zero timeout is an error for `set_read_timeout`).
const MIN_READ_TIMEOUT: Duration = Duration::from_millis(1);

/// Why a driver call did not get what it waited for.
#[derive(Debug)]
pub enum DriverError {
    /// Resolving, connecting, or a socket option failed.
    Io(io::Error),
    /// The session refused the request (it never reached the broker).
    Session(SessionError),
    /// The broker refused the connection (CONNACK with an error).
    Refused(Refusal),
    /// The connection ended while waiting.
    Closed(CloseReason),
    /// The deadline passed; the string says what was awaited.
    Timeout(String),
    /// The call needs a connection and there is none.
    NotConnected,
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Session(e) => write!(f, "{e}"),
            // The codec gives codes, not sentences: the code and its name.
            Self::Refused(r) => {
                write!(f, "connection refused: {}", r.reason)?;
                if let Some(s) = &r.reason_string {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
            Self::Closed(reason) => write!(f, "connection closed: {reason}"),
            Self::Timeout(what) => write!(f, "timed out waiting for {what}"),
            Self::NotConnected => f.write_str("not connected"),
        }
    }
}

impl std::error::Error for DriverError {}

impl From<io::Error> for DriverError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<SessionError> for DriverError {
    fn from(e: SessionError) -> Self {
        Self::Session(e)
    }
}

/// An event and when the driver collected it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Instant,
    pub event: Event,
}

/// A [`Session`] running over a blocking TCP stream.
pub struct Driver {
    session: Session,
    stream: Option<TcpStream>,
    /// The origin of the session's clock: `session::Instant` is milliseconds since it.
    origin: Instant,
    /// Every event collected, in order.
    log: Vec<Logged>,
    /// How many events of `log` `run_until` has already looked at.
    scanned: usize,
    /// The CONNACK of the current (or last) connection.
    connected: Option<Connected>,
    last_received: Option<Instant>,
    last_sent: Option<Instant>,
    /// Fault injection: what the session writes is thrown away, as if lost.
    drop_outgoing: bool,
    buf: Vec<u8>,
    /// What the session wants sent, reused from write to write.
    out: Vec<u8>,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("client_id", &self.session.options().client_id)
            .field("open", &self.stream.is_some())
            .field("events", &self.log.len())
            .finish()
    }
}

/// Opens a TCP connection to the first address of `addr` that answers before `deadline`.
fn open_stream<A: ToSocketAddrs>(addr: A, deadline: Instant) -> Result<TcpStream, DriverError> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "the address resolved to nothing");
    for a in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DriverError::Timeout(format!("a TCP connection to {a}")));
        }
        match TcpStream::connect_timeout(&a, left) {
            Ok(s) => {
                s.set_nodelay(true)?;
                s.set_write_timeout(Some(WRITE_TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(DriverError::Io(last))
}

impl Driver {
    /// Opens the connection, sends CONNECT and waits (until `timeout`) for CONNACK.
    /// A refusal is [`DriverError::Refused`]; the event is in [`Driver::events`] too.
    pub fn connect<A: ToSocketAddrs>(
        addr: A,
        options: ConnectOptions,
        timeout: Duration,
    ) -> Result<Driver, DriverError> {
        let deadline = Instant::now() + timeout;
        let mut driver = Self::start(addr, options, deadline)?;
        driver.wait_connack(deadline)?;
        Ok(driver)
    }

    /// Opens the connection and queues CONNECT without waiting for CONNACK: the
    /// answer comes as an event through [`Driver::run_until`].
    pub fn start<A: ToSocketAddrs>(addr: A, options: ConnectOptions, deadline: Instant) -> Result<Driver, DriverError> {
        let mut driver = Driver {
            session: Session::new(options),
            stream: None,
            origin: Instant::now(),
            log: Vec::new(),
            scanned: 0,
            connected: None,
            last_received: None,
            last_sent: None,
            drop_outgoing: false,
            buf: vec![0; 64 * 1024],
            out: Vec::new(),
        };
        driver.open(addr, deadline)?;
        Ok(driver)
    }

    /// Connects the same session again on a new TCP connection (after a close),
    /// and waits for CONNACK. Events of the previous connection stay in the log.
    pub fn reconnect<A: ToSocketAddrs>(&mut self, addr: A, timeout: Duration) -> Result<&Connected, DriverError> {
        let deadline = Instant::now() + timeout;
        if self.stream.is_some() {
            self.abort();
        }
        // Whatever the old connection left unread is not about the new one.
        self.scanned = self.log.len();
        self.open(addr, deadline)?;
        self.wait_connack(deadline)
    }

    fn open<A: ToSocketAddrs>(&mut self, addr: A, deadline: Instant) -> Result<(), DriverError> {
        let stream = open_stream(addr, deadline)?;
        self.connected = None;
        self.stream = Some(stream);
        let now = self.now();
        if let Err(e) = self.session.connect(now) {
            self.close_stream();
            return Err(e.into());
        }
        self.flush();
        self.drain_events();
        Ok(())
    }

    fn wait_connack(&mut self, deadline: Instant) -> Result<&Connected, DriverError> {
        let event = self
            .run_until(|e| matches!(e, Event::Connected(_) | Event::ConnectionRefused(_)), deadline)
            .map_err(|e| match e {
                DriverError::Timeout(_) => DriverError::Timeout("CONNACK".into()),
                e => e,
            })?;
        match event {
            Event::Connected(c) => {
                self.connected = Some(c);
                Ok(self.connected.as_ref().expect("just set"))
            }
            Event::ConnectionRefused(r) => Err(DriverError::Refused(r)),
            _ => unreachable!("run_until returns only what the predicate accepts"),
        }
    }

    /// The session's clock: milliseconds since the driver started.
    pub fn now(&self) -> session::Instant {
        self.to_session(Instant::now())
    }

    fn to_session(&self, t: Instant) -> session::Instant {
        let ms = t.saturating_duration_since(self.origin).as_millis();
        session::Instant::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    fn to_std(&self, t: session::Instant) -> Instant {
        self.origin + Duration::from_millis(t.as_millis())
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The CONNACK of the current connection, if it was accepted.
    pub fn connected(&self) -> Option<&Connected> {
        self.connected.as_ref()
    }

    /// Whether the TCP connection is open (it is closed when the session ends the connection).
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Every event so far, with the time it was collected.
    pub fn events(&self) -> &[Logged] {
        &self.log
    }

    /// The application messages received so far.
    pub fn messages(&self) -> Vec<&Publish> {
        self.log
            .iter()
            .filter_map(|l| match &l.event {
                Event::Message(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// When bytes last came from the broker.
    pub fn last_received(&self) -> Option<Instant> {
        self.last_received
    }

    /// When bytes were last written to the broker.
    pub fn last_sent(&self) -> Option<Instant> {
        self.last_sent
    }

    /// Fault injection for tests: while on, whatever the session writes (acknowledgements,
    /// pings, ...) is discarded instead of sent, as if lost on the way.
    pub fn set_drop_outgoing(&mut self, on: bool) {
        self.drop_outgoing = on;
    }

    /// Publishes; the packet identifier (0 for QoS 0) names the message in
    /// [`Event::PublishAcknowledged`].
    pub fn publish(&mut self, publish: Publish) -> Result<u16, DriverError> {
        let now = self.now();
        let id = self.session.publish(now, publish)?;
        self.flush();
        self.drain_events();
        Ok(id)
    }

    /// Publishes and, for QoS 1 and 2, waits for the end of the flow; returns the
    /// broker's reason code (Success for QoS 0).
    pub fn publish_and_wait(&mut self, publish: Publish, deadline: Instant) -> Result<ReasonCode, DriverError> {
        let qos0 = publish.qos == webmqtt_codec::QoS::AtMostOnce;
        let id = self.publish(publish)?;
        if qos0 {
            return Ok(ReasonCode::SUCCESS);
        }
        let is_ours = move |e: &Event| match e {
            Event::PublishAcknowledged { packet_id, .. } | Event::PublishFailed { packet_id, .. } => *packet_id == id,
            _ => false,
        };
        match self.run_until(is_ours, deadline)? {
            Event::PublishAcknowledged { reason, .. } => Ok(reason),
            Event::PublishFailed { error, .. } => Err(DriverError::Session(error)),
            _ => unreachable!("run_until returns only what the predicate accepts"),
        }
    }

    /// Sends SUBSCRIBE; the answer comes as [`Event::Subscribed`].
    pub fn subscribe(&mut self, filters: Vec<SubscribeFilter>) -> Result<u16, DriverError> {
        let now = self.now();
        let id = self.session.subscribe(now, filters)?;
        self.flush();
        self.drain_events();
        Ok(id)
    }

    /// Subscribes and waits for SUBACK.
    pub fn subscribe_and_wait(
        &mut self,
        filters: Vec<SubscribeFilter>,
        deadline: Instant,
    ) -> Result<Vec<SubscriptionResult>, DriverError> {
        let id = self.subscribe(filters)?;
        match self.run_until(move |e| matches!(e, Event::Subscribed { packet_id, .. } if *packet_id == id), deadline)? {
            Event::Subscribed { results, .. } => Ok(results),
            _ => unreachable!("run_until returns only what the predicate accepts"),
        }
    }

    /// With `manual_acks`: acknowledges an inbound QoS 1 or 2 message.
    pub fn ack(&mut self, packet_id: u16) -> Result<(), DriverError> {
        let now = self.now();
        self.session.ack(now, packet_id)?;
        self.flush();
        self.drain_events();
        Ok(())
    }

    /// Sends UNSUBSCRIBE; the answer comes as [`Event::Unsubscribed`].
    pub fn unsubscribe(&mut self, filters: Vec<String>) -> Result<u16, DriverError> {
        let now = self.now();
        let id = self.session.unsubscribe(now, filters)?;
        self.flush();
        self.drain_events();
        Ok(id)
    }

    /// Sends DISCONNECT and closes the TCP connection cleanly: our side first,
    /// then (bounded) waiting for the broker to close its side, so that data it
    /// sends meanwhile cannot turn our close into a reset that loses the
    /// DISCONNECT. The session keeps its state for [`Driver::reconnect`].
    pub fn disconnect(&mut self) {
        let now = self.now();
        self.session.disconnect(now);
        self.flush();
        self.drain_events();
        self.close_stream();
    }

    /// Closes the TCP connection without DISCONNECT, as a crashing client would;
    /// the session hears that the transport closed.
    pub fn abort(&mut self) {
        self.close_stream();
        let now = self.now();
        self.session.handle_transport_closed(now);
        self.drain_events();
    }

    /// Runs the connection until an event not looked at before satisfies `pred`,
    /// and returns it. Events that do not satisfy it stay in [`Driver::events`].
    ///
    /// Fails with [`DriverError::Closed`] / [`DriverError::Refused`] when the
    /// connection ends first (unless `pred` accepts that event), and with
    /// [`DriverError::Timeout`] at `deadline`. Returns no later than `deadline`
    /// plus one read or write.
    pub fn run_until<F>(&mut self, mut pred: F, deadline: Instant) -> Result<Event, DriverError>
    where
        F: FnMut(&Event) -> bool,
    {
        loop {
            while self.scanned < self.log.len() {
                let event = &self.log[self.scanned].event;
                self.scanned += 1;
                if pred(event) {
                    return Ok(event.clone());
                }
                match event {
                    Event::ConnectionClosed(reason) => return Err(DriverError::Closed(reason.clone())),
                    Event::ConnectionRefused(r) => return Err(DriverError::Refused(r.clone())),
                    _ => {}
                }
            }
            if self.stream.is_none() {
                return Err(DriverError::NotConnected);
            }
            if Instant::now() >= deadline {
                return Err(DriverError::Timeout("the event awaited".into()));
            }
            self.turn(deadline);
        }
    }

    /// Runs the connection until `deadline`, collecting events, and fails only
    /// if the connection ends.
    pub fn run_for(&mut self, duration: Duration) -> Result<(), DriverError> {
        match self.run_until(|_| false, Instant::now() + duration) {
            Err(DriverError::Timeout(_)) => Ok(()),
            Err(e) => Err(e),
            Ok(_) => unreachable!("the predicate accepts nothing"),
        }
    }

    /// One turn: read (waiting no later than the session's timer and `deadline`),
    /// feed the session, fire its timers, send, collect events.
    fn turn(&mut self, deadline: Instant) {
        let wake = match self.session.poll_timeout() {
            Some(t) => deadline.min(self.to_std(t)),
            None => deadline,
        };
        let wait = wake.saturating_duration_since(Instant::now()).max(MIN_READ_TIMEOUT);
        let Some(stream) = self.stream.as_mut() else { return };
        let read = stream.set_read_timeout(Some(wait)).and_then(|()| stream.read(&mut self.buf));
        match read {
            Ok(0) => {
                self.close_stream();
                let now = self.now();
                self.session.handle_transport_closed(now);
            }
            Ok(n) => {
                let at = Instant::now();
                self.last_received = Some(at);
                let now = self.to_session(at);
                self.session.handle_bytes(now, &self.buf[..n]);
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                self.close_stream();
                let now = self.now();
                self.session.handle_transport_closed(now);
            }
        }
        let now = self.now();
        self.session.handle_timeout(now);
        self.flush();
        self.drain_events();
    }

    /// Writes everything the session has to send; a failed write closes the transport.
    fn flush(&mut self) {
        self.out.clear();
        if self.session.poll_transmit(&mut self.out) == 0 || self.drop_outgoing {
            return;
        }
        let Some(stream) = self.stream.as_mut() else { return };
        if stream.write_all(&self.out).and_then(|()| stream.flush()).is_err() {
            self.close_stream();
            let now = self.now();
            self.session.handle_transport_closed(now);
            return;
        }
        self.last_sent = Some(Instant::now());
    }

    /// Moves the session's events into the log; when the connection is over, the
    /// socket is closed (everything the session wrote has been flushed by then).
    fn drain_events(&mut self) {
        while let Some(event) = self.session.poll_event() {
            match &event {
                // The session has written DISCONNECT: let it reach the broker.
                Event::ConnectionClosed(CloseReason::ClientDisconnect) => {
                    self.flush();
                    self.close_gracefully();
                }
                Event::ConnectionClosed(CloseReason::ProtocolViolation(_))
                    if self.session.options().version.is_v5() =>
                {
                    self.flush();
                    self.close_gracefully();
                }
                Event::ConnectionClosed(_) | Event::ConnectionRefused(_) => {
                    self.flush();
                    self.close_stream();
                }
                _ => {}
            }
            self.log.push(Logged { at: Instant::now(), event });
        }
    }

    /// Half-closes (FIN after what we sent) and reads, discarding, until the
    /// broker closes too or `LINGER` passes. Closing with unread data would send
    /// a reset instead, and the broker could lose our last packets.
    fn close_gracefully(&mut self) {
        let Some(mut stream) = self.stream.take() else { return };
        let _ = stream.shutdown(Shutdown::Write);
        let until = Instant::now() + LINGER;
        let mut scratch = [0u8; 4096];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(Some(left.max(MIN_READ_TIMEOUT))).is_err() {
                break;
            }
            match stream.read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = stream.shutdown(Shutdown::Both);
    }

    /// Closes at once (a reset if unread data is pending).
    fn close_stream(&mut self) {
        if let Some(stream) = self.stream.take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}
