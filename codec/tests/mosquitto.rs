//! The session engine against a real broker: Debian's mosquitto 2.0, started by
//! each test on 127.0.0.1 on a free port, with its own config in a temp dir, and
//! killed (by pid) when the test ends, passes or panics.
//!
//! Every scenario runs for MQTT 3.1.1 and for 5.0, each test with its own broker,
//! so tests are independent and may run in parallel. Every wait has a deadline.
//!
//! mosquitto missing is a failure, not a skip: scripts/test.sh installs it.
//!
//! A few waits read the broker's log (`log_type all`) to know it has processed
//! a packet it does not acknowledge (DISCONNECT, PUBCOMP); they use mosquitto
//! 2.0's wording ("Client <id> disconnected.", "Received PUBCOMP from <id>").

#[path = "../examples/tcp_client/driver.rs"]
mod driver;

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use driver::{Driver, DriverError};
use webmqtt_codec::session::{CloseReason, ConnectOptions, Event};
use webmqtt_codec::{Bytes, Properties, ProtocolVersion, Publish, QoS, ReasonCode, SubscribeFilter, Will};

const V311: ProtocolVersion = ProtocolVersion::V3_1_1;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// Generous bounds for things that take milliseconds on a healthy machine.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WAIT: Duration = Duration::from_secs(10);

fn deadline() -> Instant {
    Instant::now() + WAIT
}

// --- the broker -----------------------------------------------------------

const INSTALL_HINT: &str = "run scripts/test.sh, which installs the Debian packages mosquitto and mosquitto-clients";

/// `name` at one of `fixed` paths, else on PATH.
fn find_program(name: &str, fixed: &[&str]) -> Option<PathBuf> {
    let fixed = fixed.iter().map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    fixed.chain(on_path).find(|p| p.is_file())
}

fn mosquitto_program() -> PathBuf {
    find_program("mosquitto", &["/usr/sbin/mosquitto"]).unwrap_or_else(|| {
        panic!("mosquitto is not installed (looked for /usr/sbin/mosquitto and mosquitto on PATH): {INSTALL_HINT}")
    })
}

fn mosquitto_passwd_program() -> PathBuf {
    find_program("mosquitto_passwd", &["/usr/bin/mosquitto_passwd"]).unwrap_or_else(|| {
        panic!("mosquitto_passwd is not installed (looked for /usr/bin/mosquitto_passwd and on PATH): {INSTALL_HINT}")
    })
}

/// A fresh directory under the system temp dir, readable by the `mosquitto`
/// user (mosquitto drops root privileges to it).
fn temp_dir() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("webmqtt-mosquitto-{}-{n}-{nanos}", std::process::id()));
        if fs::create_dir(&dir).is_ok() {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod temp dir");
            return dir;
        }
    }
    panic!("could not create a temp dir under {}", std::env::temp_dir().display());
}

fn write_readable(path: &Path, contents: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o644)).expect("chmod");
}

/// A port nobody listens on right now (the broker may still lose a race for
/// it; `Broker::start` then tries another).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Sends a signal to a process of ours with kill(1) (no libc needed).
fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .or_else(|_| Command::new("sh").arg("-c").arg(format!("kill -{sig} {pid}")).status())
        .expect("run kill");
    assert!(status.success(), "kill -{sig} {pid} failed: {status}");
}

/// A running mosquitto; dropping it kills it (also when the test panics) and
/// removes its directory. A panicking test prints the broker's log.
struct Broker {
    child: Child,
    port: u16,
    dir: PathBuf,
    stopped: bool,
}

impl Broker {
    /// Anonymous access allowed.
    fn start() -> Broker {
        Self::start_with(|_| "allow_anonymous true\n".into())
    }

    /// `setup` prepares files in the broker's directory before it starts and
    /// returns the access part of the config.
    fn start_with(setup: impl FnOnce(&Path) -> String) -> Broker {
        let program = mosquitto_program();
        let dir = temp_dir();
        let auth = setup(&dir);
        let mut last_log = String::new();
        for _attempt in 0..5 {
            let port = free_port();
            let conf = dir.join("mosquitto.conf");
            write_readable(
                &conf,
                &format!(
                    "# Written by codec/tests/mosquitto.rs\n\
                     per_listener_settings false\n\
                     {auth}\
                     persistence false\n\
                     log_dest stderr\n\
                     log_type all\n\
                     connection_messages true\n\
                     listener {port} 127.0.0.1\n"
                ),
            );
            let log_path = dir.join("mosquitto.log");
            let log = fs::File::create(&log_path).expect("create mosquitto.log");
            let child = Command::new(&program)
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("dup log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {}: {e}; {INSTALL_HINT}", program.display()));
            let mut broker = Broker { child, port, dir: dir.clone(), stopped: false };
            match broker.wait_ready(Duration::from_secs(10)) {
                Ok(()) => return broker,
                Err(why) => {
                    last_log = broker.log();
                    let lost_port_race = last_log.contains("Address already in use");
                    // Drop kills it, but must not remove the dir we reuse.
                    broker.dir = PathBuf::new();
                    drop(broker);
                    if !lost_port_race {
                        let _ = fs::remove_dir_all(&dir);
                        panic!("mosquitto did not start: {why}\n--- mosquitto log ---\n{last_log}");
                    }
                }
            }
        }
        let _ = fs::remove_dir_all(&dir);
        panic!("mosquitto could not get a free port in 5 attempts\n--- last log ---\n{last_log}");
    }

    /// Bounded wait until this broker is running and its port accepts
    /// connections (or it exits).
    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("mosquitto exited with {status}"));
            }
            // "running" is logged once the listener is open; checking it (and not
            // only the port) keeps us from taking another test's broker for ours
            // if both were given the same free port.
            let running = self.log().lines().any(|l| l.contains("mosquitto version") && l.ends_with(" running"));
            if running && TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("port {} not open after {limit:?}", self.port))
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log(&self) -> String {
        // Lossy: a log line may quote bytes a client sent.
        fs::read(self.dir.join("mosquitto.log")).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    /// Bounded wait until the broker's log mentions `text` `times` times: a way
    /// to know the broker has processed something it does not acknowledge.
    fn wait_for_log(&self, text: &str, times: usize) {
        let until = deadline();
        while self.log().matches(text).count() < times {
            assert!(Instant::now() < until, "the broker did not log {text:?} {times} time(s) in time");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Bounded wait until the broker has processed `client_id`'s `nth` DISCONNECT.
    /// (mosquitto reads one packet per client per turn of its loop, so packets
    /// another client sends later may be processed first.)
    fn wait_disconnected(&self, client_id: &str, nth: usize) {
        self.wait_for_log(&format!("Client {client_id} disconnected."), nth);
    }

    /// SIGSTOP: the broker stops answering, its sockets stay open.
    fn freeze(&mut self) {
        signal(self.pid(), "STOP");
        self.stopped = true;
    }

    /// SIGCONT after `freeze`.
    fn thaw(&mut self) {
        if self.stopped {
            signal(self.pid(), "CONT");
            self.stopped = false;
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let status = self.child.try_wait();

        if self.stopped {
            let _ = Command::new("kill").arg("-CONT").arg(self.pid().to_string()).status();
        }
        // Child::kill is SIGKILL to this child's own pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.dir.as_os_str().is_empty() {
            return;
        }
        if std::thread::panicking() {
            eprintln!(
                "--- mosquitto pid {} port {} (exit status before kill: {status:?}), log {} ---\n{}",
                self.pid(),
                self.port,
                self.dir.display(),
                self.log()
            );
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// --- helpers ----------------------------------------------------------------

fn tag(v: ProtocolVersion) -> &'static str {
    if v.is_v5() {
        "v5"
    } else {
        "v311"
    }
}

fn options(v: ProtocolVersion, client_id: &str) -> ConnectOptions {
    let mut o = ConnectOptions::new(v, format!("{client_id}-{}", tag(v)));
    o.connect_timeout = CONNECT_TIMEOUT;
    o.keep_alive = 30;
    o
}

fn connect(broker: &Broker, options: ConnectOptions) -> Driver {
    let id = options.client_id.clone();
    Driver::connect(broker.addr(), options, CONNECT_TIMEOUT).unwrap_or_else(|e| panic!("{id} could not connect: {e}"))
}

fn ok<T>(result: Result<T, DriverError>, what: &str, d: &Driver) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}\nevents so far: {:#?}", d.events()))
}

fn subscribe(d: &mut Driver, filter: &str, qos: QoS) {
    let results = ok(d.subscribe_and_wait(vec![SubscribeFilter::new(filter, qos)], deadline()), "SUBACK", d);
    assert_eq!(results.len(), 1, "one result per filter");
    assert_eq!(results[0].filter, filter);
    assert_eq!(results[0].result, Ok(qos), "granted QoS for {filter}");
}

/// The next application message `d` receives, whatever it is.
fn next_message(d: &mut Driver, what: &str) -> Publish {
    match ok(d.run_until(|e| matches!(e, Event::Message(_)), deadline()), what, d) {
        Event::Message(p) => p,
        _ => unreachable!(),
    }
}

fn message(topic: &str, payload: &str, qos: QoS, retain: bool) -> Publish {
    Publish { qos, retain, ..Publish::new(topic, Bytes::from(payload.to_owned())) }
}

/// Publishes and checks the flow's end: for QoS 1 and 2, PublishAcknowledged for
/// this packet id; returns the broker's reason code.
fn publish(d: &mut Driver, p: Publish) -> ReasonCode {
    let qos = p.qos;
    let id = ok(d.publish(p), "publish", d);
    if qos == QoS::AtMostOnce {
        assert_eq!(id, 0, "QoS 0 has no packet id");
        return ReasonCode::SUCCESS;
    }
    assert_ne!(id, 0, "QoS {qos} needs a packet id");
    let acked = move |e: &Event| match e {
        Event::PublishAcknowledged { packet_id, .. } | Event::PublishFailed { packet_id, .. } => *packet_id == id,
        _ => false,
    };
    match ok(d.run_until(acked, deadline()), "PublishAcknowledged", d) {
        Event::PublishAcknowledged { reason, .. } => reason,
        other => panic!("publish {id} failed: {other:?}"),
    }
}

/// What a subscriber should see of `sent`: the same message, marked retained or not.
fn assert_delivered(got: &Publish, sent: &Publish, retain: bool) {
    assert_eq!(got.topic, sent.topic, "topic");
    assert_eq!(got.payload, sent.payload, "payload of {}", sent.topic);
    assert_eq!(got.qos, sent.qos, "QoS of {}", sent.topic);
    assert_eq!(got.retain, retain, "retain flag of {}", sent.topic);
    assert!(!got.dup, "DUP on a first delivery of {}", sent.topic);
}

/// Disconnects and checks that nothing went wrong on the way: every close was
/// asked for, and no publish failed.
fn assert_closed_cleanly(d: &mut Driver) {
    d.disconnect();
    assert!(!d.is_open());
    let last = d.events().last().map(|l| l.event.clone());
    assert_eq!(last, Some(Event::ConnectionClosed(CloseReason::ClientDisconnect)), "{:#?}", d.events());
    let bad = d.events().iter().any(|l| {
        matches!(l.event, Event::PublishFailed { .. })
            || matches!(&l.event, Event::ConnectionClosed(r) if *r != CloseReason::ClientDisconnect)
    });
    assert!(!bad, "unexpected closes or failures: {:#?}", d.events());
}

/// Like `assert_closed_cleanly` for a driver whose connection was aborted on
/// purpose once (TransportClosed) before reconnecting.
fn assert_closed_after_reconnects(d: &mut Driver) {
    d.disconnect();
    assert!(!d.is_open());
    let last = d.events().last().map(|l| l.event.clone());
    assert_eq!(last, Some(Event::ConnectionClosed(CloseReason::ClientDisconnect)), "{:#?}", d.events());
    let bad = d.events().iter().any(|l| {
        matches!(l.event, Event::PublishFailed { .. })
            || matches!(&l.event, Event::ConnectionClosed(r)
                if !matches!(r, CloseReason::ClientDisconnect | CloseReason::TransportClosed))
    });
    assert!(!bad, "unexpected closes or failures: {:#?}", d.events());
}

// --- QoS 0, 1 and 2 round trips -------------------------------------------------

/// Each QoS twice from one client to another subscribed at QoS 2: the subscriber
/// gets each message once, in order, with its topic, payload and QoS, not
/// retained; the publisher gets PublishAcknowledged (Success) for QoS 1 and 2.
/// In 5.0 the publisher uses topic aliases, so the second message of each topic
/// goes out as an alias only and the broker must resolve it.
fn qos_round_trips(v: ProtocolVersion) {
    let broker = Broker::start();
    let mut sub = connect(&broker, options(v, "rt-sub"));
    subscribe(&mut sub, "rt/#", QoS::ExactlyOnce);

    let mut o = options(v, "rt-pub");
    o.use_topic_aliases = true;
    let mut publisher = connect(&broker, o);
    if v.is_v5() {
        let aliases = publisher.connected().expect("connected").server.topic_alias_maximum;
        assert!(aliases > 0, "mosquitto announces a Topic Alias Maximum in 5.0 (got {aliases})");
    }

    let mut sent = 0;
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        for n in 0..2 {
            let topic = format!("rt/qos{}", qos.as_u8());
            let p = message(&topic, &format!("{} {qos} #{n}: héllo", tag(v)), qos, false);
            let reason = publish(&mut publisher, p.clone());
            assert_eq!(reason, ReasonCode::SUCCESS, "{qos} #{n} acknowledged with Success");
            let got = next_message(&mut sub, &format!("the {qos} message #{n}"));
            assert_delivered(&got, &p, false);
            sent += 1;
        }
    }
    // A last message proves no duplicate came after any of the others.
    let end = message("rt/end", "end", QoS::AtMostOnce, false);
    publish(&mut publisher, end.clone());
    assert_delivered(&next_message(&mut sub, "the end marker"), &end, false);
    assert_eq!(sub.messages().len(), sent + 1, "each message exactly once: {:#?}", sub.messages());

    assert_closed_cleanly(&mut publisher);
    assert_closed_cleanly(&mut sub);
}

#[test]
fn qos_round_trips_v311() {
    qos_round_trips(V311);
}

#[test]
fn qos_round_trips_v5() {
    qos_round_trips(V5);
}

// --- retained messages ----------------------------------------------------------

/// A retained message reaches a client that subscribes later, with the retain
/// flag set; a non-retained one does not; live messages arrive without it.
fn retained_message(v: ProtocolVersion) {
    let broker = Broker::start();
    let mut publisher = connect(&broker, options(v, "ret-pub"));
    let kept = message("ret/kept", &format!("retained {}", tag(v)), QoS::AtLeastOnce, true);
    let reason = publish(&mut publisher, kept.clone());
    // Nobody is subscribed yet: 5.0 may say so (0x10), which is not an error.
    assert!(
        [ReasonCode::SUCCESS, ReasonCode::NO_MATCHING_SUBSCRIBERS].contains(&reason),
        "retained publish acknowledged with {reason}"
    );
    publish(&mut publisher, message("ret/gone", "not retained", QoS::AtLeastOnce, false));

    let mut sub = connect(&broker, options(v, "ret-sub"));
    subscribe(&mut sub, "ret/#", QoS::AtLeastOnce);
    assert_delivered(&next_message(&mut sub, "the retained message"), &kept, true);

    let live = message("ret/kept", "live", QoS::AtLeastOnce, false);
    assert_eq!(publish(&mut publisher, live.clone()), ReasonCode::SUCCESS);
    assert_delivered(&next_message(&mut sub, "the live message"), &live, false);
    assert_eq!(sub.messages().len(), 2, "the non-retained message is not replayed: {:#?}", sub.messages());

    assert_closed_cleanly(&mut publisher);
    assert_closed_cleanly(&mut sub);
}

#[test]
fn retained_message_v311() {
    retained_message(V311);
}

#[test]
fn retained_message_v5() {
    retained_message(V5);
}

// --- will -------------------------------------------------------------------------

fn will(topic: &str, payload: &str) -> Will {
    Will {
        topic: topic.into(),
        payload: Bytes::from(payload.to_owned()),
        qos: QoS::AtLeastOnce,
        retain: false,
        properties: Properties::new(),
    }
}

/// A client whose TCP connection drops without DISCONNECT has its will
/// published; one that disconnects cleanly does not.
fn will_on_abnormal_close(v: ProtocolVersion) {
    let broker = Broker::start();
    let mut watcher = connect(&broker, options(v, "will-watcher"));
    subscribe(&mut watcher, "will/#", QoS::AtLeastOnce);

    // First, a clean DISCONNECT: its will must be discarded.
    let mut o = options(v, "will-polite");
    o.will = Some(will("will/polite", "should never be published"));
    let mut polite = connect(&broker, o);
    polite.disconnect();
    broker.wait_disconnected(&polite.session().options().client_id, 1);

    let mut o = options(v, "will-crash");
    let w = will("will/crash", &format!("crash went away ({})", tag(v)));
    o.will = Some(w.clone());
    let crash = connect(&broker, o);
    drop(crash); // The TcpStream closes; no DISCONNECT is sent.

    let got = next_message(&mut watcher, "the will");
    let expected = Publish { qos: w.qos, retain: w.retain, ..Publish::new(w.topic.clone(), w.payload.clone()) };
    assert_delivered(&got, &expected, false);
    // Nothing else, in particular not the polite client's will.
    watcher.run_for(Duration::from_millis(300)).expect("watcher stays connected");
    assert_eq!(watcher.messages().len(), 1, "only the crashed client's will: {:#?}", watcher.messages());
    assert_closed_cleanly(&mut watcher);
}

#[test]
fn will_on_abnormal_close_v311() {
    will_on_abnormal_close(V311);
}

#[test]
fn will_on_abnormal_close_v5() {
    will_on_abnormal_close(V5);
}

// --- persistent session -----------------------------------------------------------

fn persistent_options(v: ProtocolVersion) -> ConnectOptions {
    let mut o = options(v, "persist-c");
    o.clean_start = false;
    if v.is_v5() {
        o.session_expiry_interval = Some(300);
    }
    o
}

/// A session without clean start survives the connection: QoS 1 messages
/// published while the client is away are delivered when it comes back (with
/// Session Present set), first to the same engine reconnecting, then to a new
/// engine (a new process) using the same client id.
fn persistent_session(v: ProtocolVersion) {
    let broker = Broker::start();
    let mut c = connect(&broker, persistent_options(v));
    assert!(!c.connected().expect("connected").session_present, "a fresh broker has no session for us");
    subscribe(&mut c, "persist/#", QoS::AtLeastOnce);
    let id = c.session().options().client_id.clone();
    c.disconnect();
    broker.wait_disconnected(&id, 1);

    let mut publisher = connect(&broker, options(v, "persist-pub"));
    let first: Vec<Publish> =
        (0..5).map(|i| message(&format!("persist/{i}"), &format!("away {i}"), QoS::AtLeastOnce, false)).collect();
    for p in &first {
        let reason = publish(&mut publisher, p.clone());
        assert!(!reason.is_error(), "{} acknowledged with {reason}", p.topic);
    }

    // The same engine reconnects.
    let connected = match c.reconnect(broker.addr(), CONNECT_TIMEOUT) {
        Ok(connected) => connected.clone(),
        Err(e) => panic!("reconnect: {e}\nevents: {:#?}", c.events()),
    };
    assert!(connected.session_present, "the broker kept the session: {connected:?}");
    assert!(connected.resubscribed.is_empty(), "no need to subscribe again: {connected:?}");
    for p in &first {
        assert_delivered(&next_message(&mut c, &format!("queued {}", p.topic)), p, false);
    }
    // The subscription is still live.
    let live = message("persist/live", "live", QoS::AtLeastOnce, false);
    assert_eq!(publish(&mut publisher, live.clone()), ReasonCode::SUCCESS);
    assert_delivered(&next_message(&mut c, "the live message"), &live, false);
    c.disconnect();
    broker.wait_disconnected(&id, 2);

    // A new engine with the same client id, as a restarted program would be.
    let second: Vec<Publish> = (0..3)
        .map(|i| message(&format!("persist/again/{i}"), &format!("again {i}"), QoS::AtLeastOnce, false))
        .collect();
    for p in &second {
        assert!(!publish(&mut publisher, p.clone()).is_error());
    }
    let mut c2 = connect(&broker, persistent_options(v));
    assert!(c2.connected().expect("connected").session_present, "the broker kept the session for the new engine");
    for p in &second {
        assert_delivered(&next_message(&mut c2, &format!("queued {}", p.topic)), p, false);
    }
    c2.run_for(Duration::from_millis(300)).expect("stays connected");
    assert_eq!(c2.messages().len(), second.len(), "each queued message once: {:#?}", c2.messages());

    assert_closed_cleanly(&mut c2);
    assert_closed_cleanly(&mut publisher);
}

#[test]
fn persistent_session_v311() {
    persistent_session(V311);
}

#[test]
fn persistent_session_v5() {
    persistent_session(V5);
}

// --- QoS 2 exactly once across a reconnection -------------------------------

/// A QoS 2 message whose PUBREC is lost with the connection is sent again by the
/// broker (DUP set, same packet id) when the session resumes; the engine answers
/// it but does not deliver it a second time, and completes the flow: PUBCOMP
/// reaches the broker (its log says so), and after the next reconnection it has
/// nothing left to deliver.
fn qos2_exactly_once_across_reconnect(v: ProtocolVersion) {
    let broker = Broker::start();
    let mut o = persistent_options(v);
    o.client_id = format!("eo-sub-{}", tag(v));
    let id = o.client_id.clone();
    let mut sub = connect(&broker, o);
    subscribe(&mut sub, "eo/#", QoS::ExactlyOnce);
    let mut publisher = connect(&broker, options(v, "eo-pub"));

    // The PUBREC for the first message never reaches the broker.
    sub.set_drop_outgoing(true);
    let first = message("eo/1", "exactly once", QoS::ExactlyOnce, false);
    assert_eq!(publish(&mut publisher, first.clone()), ReasonCode::SUCCESS);
    assert_delivered(&next_message(&mut sub, "the first message"), &first, false);
    sub.abort();
    sub.set_drop_outgoing(false);

    let connected = match sub.reconnect(broker.addr(), CONNECT_TIMEOUT) {
        Ok(c) => c.clone(),
        Err(e) => panic!("reconnect: {e}\nevents: {:#?}", sub.events()),
    };
    assert!(connected.session_present, "{connected:?}");
    let second = message("eo/2", "after the resend", QoS::ExactlyOnce, false);
    assert_eq!(publish(&mut publisher, second.clone()), ReasonCode::SUCCESS);
    // The resent first message (DUP) must not come out again: the next is the second.
    assert_delivered(&next_message(&mut sub, "the second message"), &second, false);
    sub.disconnect();
    broker.wait_disconnected(&id, 1);

    // Nothing left in flight at the broker: no third delivery after resuming again.
    let connected = match sub.reconnect(broker.addr(), CONNECT_TIMEOUT) {
        Ok(c) => c.clone(),
        Err(e) => panic!("reconnect: {e}\nevents: {:#?}", sub.events()),
    };
    assert!(connected.session_present, "{connected:?}");
    sub.run_for(Duration::from_millis(300)).expect("stays connected");
    assert_eq!(sub.messages().len(), 2, "each message exactly once: {:#?}", sub.messages());
    // Both flows ended with our PUBCOMP (the broker resent PUBREL as needed).
    for mid in [1, 2] {
        broker.wait_for_log(&format!("Received PUBCOMP from {id} (Mid: {mid},"), 1);
    }
    assert_closed_after_reconnects(&mut sub);
    assert_closed_cleanly(&mut publisher);
}

#[test]
fn qos2_exactly_once_across_reconnect_v311() {
    qos2_exactly_once_across_reconnect(V311);
}

#[test]
fn qos2_exactly_once_across_reconnect_v5() {
    qos2_exactly_once_across_reconnect(V5);
}

// --- wrong password ---------------------------------------------------------------

fn password_broker() -> Broker {
    let passwd = mosquitto_passwd_program();
    Broker::start_with(move |dir| {
        use std::os::unix::fs::PermissionsExt;
        let file = dir.join("passwd");
        let out = Command::new(&passwd)
            .args(["-c", "-b"])
            .arg(&file)
            .args(["alice", "secret"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}; {INSTALL_HINT}", passwd.display()));
        assert!(out.status.success(), "mosquitto_passwd failed: {}", String::from_utf8_lossy(&out.stderr));
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod passwd");
        format!("allow_anonymous false\npassword_file {}\n", file.display())
    })
}

/// mosquitto 2 answers a wrong password with "not authorised": return code 5 in
/// 3.1.1 and reason 0x87 in 5.0. The engine reports ConnectionRefused with the
/// reason code 0x87 for both, and the driver closes the connection. The right
/// password connects, so the refusal is about the password.
fn wrong_password(v: ProtocolVersion) {
    let broker = password_broker();

    let mut o = options(v, "auth-good");
    o.username = Some("alice".into());
    o.password = Some(Bytes::from_static(b"secret"));
    let mut good = connect(&broker, o);
    assert_closed_cleanly(&mut good);

    let mut o = options(v, "auth-bad");
    o.username = Some("alice".into());
    o.password = Some(Bytes::from_static(b"wrong"));
    let mut bad = Driver::start(broker.addr(), o.clone(), deadline()).expect("TCP connect");
    let answer = bad.run_until(|e| matches!(e, Event::ConnectionRefused(_) | Event::Connected(_)), deadline());
    let refusal = match answer {
        Ok(Event::ConnectionRefused(r)) => r,
        other => panic!("expected ConnectionRefused, got {other:?}\nevents: {:#?}", bad.events()),
    };
    // 3.1.1 return code 5 stands as 0x87; the words for people are the app's (app/src/problem.rs).
    assert_eq!(refusal.reason, ReasonCode::NOT_AUTHORIZED, "{refusal:?}");
    assert_eq!(refusal.reason.name(), "Not authorized");
    assert!(!bad.is_open(), "the driver closes the transport after a refusal");
    assert!(!bad.session().is_connected());

    // Driver::connect reports the same refusal as its error.
    match Driver::connect(broker.addr(), o, CONNECT_TIMEOUT) {
        Err(DriverError::Refused(r)) => assert_eq!(r, refusal),
        other => panic!("expected DriverError::Refused, got {other:?}"),
    }
}

#[test]
fn wrong_password_v311() {
    wrong_password(V311);
}

#[test]
fn wrong_password_v5() {
    wrong_password(V5);
}

// --- keep alive -------------------------------------------------------------------

/// With keep alive 2 s the connection survives several intervals with a live
/// broker (PINGREQ answered). With the broker frozen by SIGSTOP (its socket stays
/// open, nothing answers) the engine pings and gives up: ConnectionClosed
/// (KeepAliveTimeout) no earlier than one keep alive and no later than 1.5 keep
/// alives (+1 s for scheduling) after the last bytes from the broker.
fn keep_alive_timeout(v: ProtocolVersion) {
    const KEEP_ALIVE: u64 = 2;
    let mut broker = Broker::start();
    let mut o = options(v, "ka");
    o.keep_alive = KEEP_ALIVE as u16;
    let mut d = connect(&broker, o);
    let connack_at = d.last_received().expect("CONNACK received");

    d.run_for(Duration::from_millis(KEEP_ALIVE * 1000 * 9 / 4)).expect("a live broker keeps the connection");
    let pinged_at = d.last_received().expect("received");
    assert!(
        pinged_at.duration_since(connack_at) >= Duration::from_secs(KEEP_ALIVE) - Duration::from_millis(100),
        "PINGRESP after a keep alive interval (last bytes {:?} after CONNACK)",
        pinged_at.duration_since(connack_at)
    );
    assert!(d.is_open());

    broker.freeze();
    let frozen_at = Instant::now();
    let closed =
        d.run_until(|e| matches!(e, Event::ConnectionClosed(_)), Instant::now() + Duration::from_secs(KEEP_ALIVE * 5));
    let closed_at = Instant::now();
    broker.thaw();
    match closed {
        Ok(Event::ConnectionClosed(CloseReason::KeepAliveTimeout)) => {}
        other => panic!("expected KeepAliveTimeout, got {other:?}\nevents: {:#?}", d.events()),
    }
    let last_traffic = d.last_received().expect("received");
    assert!(last_traffic <= frozen_at + Duration::from_millis(50), "nothing came from the frozen broker");
    let silent = closed_at.duration_since(last_traffic);
    let limit = Duration::from_millis(KEEP_ALIVE * 1500) + Duration::from_secs(1);
    assert!(silent <= limit, "keep alive timeout after {silent:?} of silence; at most {limit:?} expected");
    assert!(silent >= Duration::from_secs(KEEP_ALIVE), "gave up after only {silent:?}, before a keep alive interval");
    let pinged = d.last_sent().expect("sent");
    assert!(pinged > frozen_at, "a PINGREQ was sent to the frozen broker before giving up");
    assert!(!d.is_open(), "the driver closes the transport");
    eprintln!("{}: keep alive timeout after {silent:?} of silence (limit {limit:?})", tag(v));
    drop(broker); // killed after SIGCONT
}

#[test]
fn keep_alive_timeout_v311() {
    keep_alive_timeout(V311);
}

#[test]
fn keep_alive_timeout_v5() {
    keep_alive_timeout(V5);
}

// --- acknowledgement by the application -------------------------------------------

/// With manual acks and a Receive Maximum of 2, mosquitto (5.0) holds back the
/// third QoS 1 message until the subscriber acknowledges one: the engine sends
/// PUBACK only on `ack`, and the broker honours our Receive Maximum. (With
/// automatic acks all five arrive at once, and the test fails.)
#[test]
fn manual_acks_give_back_pressure_v5() {
    let broker = Broker::start();
    let mut o = options(V5, "ack-sub");
    o.manual_acks = true;
    o.receive_maximum = Some(2);
    let mut sub = connect(&broker, o);
    subscribe(&mut sub, "ack/#", QoS::AtLeastOnce);
    let mut publisher = connect(&broker, options(V5, "ack-pub"));
    let sent: Vec<Publish> =
        (0..5).map(|i| message(&format!("ack/{i}"), &format!("held {i}"), QoS::AtLeastOnce, false)).collect();
    for p in &sent {
        assert!(!publish(&mut publisher, p.clone()).is_error());
    }

    let first = next_message(&mut sub, "the first message");
    let second = next_message(&mut sub, "the second message");
    assert_delivered(&first, &sent[0], false);
    assert_delivered(&second, &sent[1], false);
    sub.run_for(Duration::from_millis(500)).expect("stays connected");
    assert_eq!(sub.messages().len(), 2, "the broker holds the rest back until we acknowledge: {:#?}", sub.messages());

    // Acknowledging one releases the next: the broker's window moves by one.
    ok(sub.ack(first.packet_id), "ack", &sub);
    let third = next_message(&mut sub, "the third message, after the first ack");
    assert_delivered(&third, &sent[2], false);
    // Not asserted further against mosquitto 2.0.11: now and then it sends two
    // messages for one PUBACK (seen in CI: m3 and m4 right after PUBACK 1, with 2
    // still unacknowledged), which the engine rightly refuses with 0x93. The exact
    // window, ack by ack, is shown against the scripted broker in session.rs
    // (manual_acks_hold_the_broker_back_at_our_receive_maximum_until_the_caller_acks).
    drop(sub);
    assert_closed_cleanly(&mut publisher);
}
