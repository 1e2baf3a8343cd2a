//! A command-line MQTT client over plain TCP, built on the sans-IO session engine
//! and the blocking driver next to this file. Two modes, after mosquitto's tools:
//!
//! ```text
//! cargo run -p webmqtt-codec --example tcp_client -- sub -h 127.0.0.1 -t 'a/#' -q 1 -V 5 -C 3
//! cargo run -p webmqtt-codec --example tcp_client -- pub -t a/b -m hello -q 1 -r
//! printf 'one\ntwo\n' | cargo run -p webmqtt-codec --example tcp_client -- pub -t a/b -l
//! ```
//!
//! `sub` prints one `topic payload` line per message (like `mosquitto_sub -v`).
//! Exit status: 0 on success, the CONNACK return/reason code when the broker
//! refuses the connection, 1 for any other failure, 2 for a usage error.

mod driver;

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use driver::{Driver, DriverError};
use webmqtt_codec::session::{ConnectOptions, Event};
use webmqtt_codec::{Bytes, ProtocolVersion, Publish, QoS, SubscribeFilter};

const USAGE: &str = "\
usage: tcp_client sub [options] -t topic [-t topic ...] [-C count] [-W seconds] [-c] [-x seconds]
       tcp_client pub [options] -t topic (-m message | -n | -l) [-r]

options (both modes):
  -h host        broker host (default localhost)
  -p port        broker port (default 1883)
  -V version     MQTT version: 31, 311 or 5 (also mqttv31, mqttv311, mqttv5; default 311)
  -q qos         0, 1 or 2 (default 0): subscription QoS for sub, message QoS for pub
  -i id          client id (default: empty, the broker assigns one)
  -k seconds     keep alive (default 60, 0 turns it off)
  -u user        user name
  -P password    password
  --help         this text

sub:
  -t filter      topic filter to subscribe to (repeatable)
  -C count       exit after receiving this many messages
  -W seconds     exit (status 27, like mosquitto_sub) if nothing arrives for this long
  -c             no clean session: keep the session when disconnected (needs -i)
  -x seconds     MQTT 5.0 session expiry interval (default with -c: never expires)
  -v             accepted for mosquitto_sub compatibility (output is always `topic payload`)

pub:
  -t topic       topic to publish to
  -m message     message payload
  -n             an empty (null) message
  -l             one message per line read from stdin, until end of input
  -r             retain the message";

/// How long connecting, and waiting for the last acknowledgements, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug)]
enum Mode {
    Sub,
    Pub,
}

#[derive(Debug)]
enum Message {
    Text(Vec<u8>),
    Lines,
}

#[derive(Debug)]
struct Args {
    mode: Mode,
    host: String,
    port: u16,
    version: ProtocolVersion,
    qos: QoS,
    client_id: String,
    keep_alive: u16,
    username: Option<String>,
    password: Option<String>,
    topics: Vec<String>,
    count: Option<u64>,
    wait: Option<Duration>,
    clean: bool,
    session_expiry: Option<u32>,
    message: Option<Message>,
    retain: bool,
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag}: '{value}' is not a valid number"))
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mode = match argv.next().as_deref() {
        Some("sub") => Mode::Sub,
        Some("pub") => Mode::Pub,
        Some("--help") => return Err(String::new()),
        Some(other) => return Err(format!("unknown mode '{other}': use sub or pub")),
        None => return Err("a mode is needed: sub or pub".into()),
    };
    let mut a = Args {
        mode,
        host: "localhost".into(),
        port: 1883,
        version: ProtocolVersion::V3_1_1,
        qos: QoS::AtMostOnce,
        client_id: String::new(),
        keep_alive: 60,
        username: None,
        password: None,
        topics: Vec::new(),
        count: None,
        wait: None,
        clean: true,
        session_expiry: None,
        message: None,
        retain: false,
    };
    while let Some(flag) = argv.next() {
        let sub = matches!(a.mode, Mode::Sub);
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--help" => return Err(String::new()),
            "-h" => a.host = value()?,
            "-p" => a.port = parse_number(&flag, &value()?)?,
            "-V" => {
                a.version = match value()?.as_str() {
                    "31" | "mqttv31" => ProtocolVersion::V3_1,
                    "311" | "mqttv311" => ProtocolVersion::V3_1_1,
                    "5" | "mqttv5" => ProtocolVersion::V5,
                    v => return Err(format!("-V: unknown MQTT version '{v}' (31, 311 or 5)")),
                }
            }
            "-q" => {
                let v = value()?;
                a.qos = parse_number::<u8>(&flag, &v)
                    .ok()
                    .and_then(QoS::from_u8)
                    .ok_or_else(|| format!("-q: '{v}' is not 0, 1 or 2"))?;
            }
            "-i" => a.client_id = value()?,
            "-k" => a.keep_alive = parse_number(&flag, &value()?)?,
            "-u" => a.username = Some(value()?),
            "-P" => a.password = Some(value()?),
            "-t" => a.topics.push(value()?),
            "-C" if sub => a.count = Some(parse_number(&flag, &value()?)?),
            "-W" if sub => a.wait = Some(Duration::from_secs(parse_number(&flag, &value()?)?)),
            "-c" if sub => a.clean = false,
            "-x" if sub => a.session_expiry = Some(parse_number(&flag, &value()?)?),
            "-v" if sub => {}
            "-m" if !sub => a.message = Some(Message::Text(value()?.into_bytes())),
            "-n" if !sub => a.message = Some(Message::Text(Vec::new())),
            "-l" if !sub => a.message = Some(Message::Lines),
            "-r" if !sub => a.retain = true,
            other => return Err(format!("unknown option '{other}' for this mode")),
        }
    }
    if a.topics.is_empty() {
        return Err("-t is needed".into());
    }
    match a.mode {
        Mode::Sub => {
            if !a.clean && a.client_id.is_empty() {
                return Err("-c needs a client id (-i): the broker finds the session by it".into());
            }
        }
        Mode::Pub => {
            if a.topics.len() > 1 {
                return Err("pub takes one -t".into());
            }
            if a.message.is_none() {
                return Err("pub needs -m, -n or -l".into());
            }
        }
    }
    Ok(a)
}

fn connect_options(a: &Args) -> ConnectOptions {
    let mut o = ConnectOptions::new(a.version, a.client_id.clone());
    o.clean_start = a.clean;
    o.keep_alive = a.keep_alive;
    o.username = a.username.clone();
    o.password = a.password.clone().map(Bytes::from);
    o.connect_timeout = CONNECT_TIMEOUT;
    if a.version.is_v5() {
        o.session_expiry_interval = match (a.session_expiry, a.clean) {
            (Some(s), _) => Some(s),
            (None, false) => Some(u32::MAX),
            (None, true) => None,
        };
    }
    o
}

/// The exit status for a failure: the CONNACK code for a refusal, else 1.
fn fail(version: ProtocolVersion, e: &DriverError) -> ExitCode {
    match e {
        DriverError::Refused(r) => {
            eprintln!("Connection error: {e}");
            let v3 = if version.is_v5() { None } else { r.reason.to_v3_connack() };
            ExitCode::from(v3.unwrap_or(r.reason.0).max(1))
        }
        _ => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_sub(a: &Args, mut d: Driver) -> Result<ExitCode, DriverError> {
    let filters = a.topics.iter().map(|t| SubscribeFilter::new(t.clone(), a.qos)).collect();
    for r in d.subscribe_and_wait(filters, Instant::now() + ACK_TIMEOUT)? {
        if let Err(reason) = r.result {
            eprintln!("Subscription to {} refused: {reason}", r.filter);
        }
    }
    let stdout = io::stdout();
    let mut received = 0u64;
    loop {
        if a.count.is_some_and(|c| received >= c) {
            d.disconnect();
            return Ok(ExitCode::SUCCESS);
        }
        // Without -W the wait is endless, one bounded minute at a time.
        let deadline = Instant::now() + a.wait.unwrap_or(Duration::from_secs(60));
        match d.run_until(|e| matches!(e, Event::Message(_)), deadline) {
            Ok(Event::Message(p)) => {
                received += 1;
                let mut out = stdout.lock();
                let line = [p.topic.as_bytes().as_ref(), b" ", &p.payload[..], b"\n"].concat();
                if out.write_all(&line).and_then(|()| out.flush()).is_err() {
                    d.disconnect();
                    return Ok(ExitCode::SUCCESS); // stdout closed (e.g. `| head`)
                }
            }
            Ok(_) => unreachable!("the predicate accepts only messages"),
            Err(DriverError::Timeout(_)) if a.wait.is_some() => {
                eprintln!("Timed out");
                d.disconnect();
                return Ok(ExitCode::from(27));
            }
            Err(DriverError::Timeout(_)) => {}
            Err(e) => return Err(e),
        }
    }
}

fn run_pub(a: &Args, mut d: Driver) -> Result<ExitCode, DriverError> {
    let message = |payload: Vec<u8>| Publish {
        qos: a.qos,
        retain: a.retain,
        ..Publish::new(a.topics[0].clone(), Bytes::from(payload))
    };
    match &a.message {
        Some(Message::Text(m)) => {
            d.publish_and_wait(message(m.clone()), Instant::now() + ACK_TIMEOUT)?;
        }
        Some(Message::Lines) => {
            // stdin is read on its own thread so that the connection keeps being
            // served (keep alive, acknowledgements) while we wait for input.
            let (tx, rx) = mpsc::channel::<Vec<u8>>();
            std::thread::spawn(move || {
                for line in io::stdin().lock().split(b'\n') {
                    let Ok(mut line) = line else { break };
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            loop {
                match rx.try_recv() {
                    Ok(line) => {
                        d.publish(message(line))?;
                    }
                    Err(mpsc::TryRecvError::Empty) => d.run_for(Duration::from_millis(20))?,
                    Err(mpsc::TryRecvError::Disconnected) => break,
                }
            }
        }
        None => unreachable!("parse_args requires a message"),
    }
    // Wait (bounded) for the broker to acknowledge everything, then leave cleanly.
    let deadline = Instant::now() + ACK_TIMEOUT;
    while d.session().unacknowledged() > 0 {
        if Instant::now() >= deadline {
            eprintln!("Error: {} message(s) not acknowledged in time", d.session().unacknowledged());
            d.disconnect();
            return Ok(ExitCode::FAILURE);
        }
        d.run_for(Duration::from_millis(20))?;
    }
    for e in d.events() {
        if let Event::PublishAcknowledged { packet_id, reason } = &e.event {
            if reason.is_error() {
                eprintln!("Warning: message {packet_id} refused by the broker: {reason}");
            }
        }
    }
    d.disconnect();
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("Error: {e}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(if e.is_empty() { 0 } else { 2 });
        }
    };
    let driver = match Driver::connect((args.host.as_str(), args.port), connect_options(&args), CONNECT_TIMEOUT) {
        Ok(d) => d,
        Err(e) => return fail(args.version, &e),
    };
    let result = match args.mode {
        Mode::Sub => run_sub(&args, driver),
        Mode::Pub => run_pub(&args, driver),
    };
    result.unwrap_or_else(|e| fail(args.version, &e))
}
