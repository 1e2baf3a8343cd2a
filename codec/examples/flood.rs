//! A flood publisher for the browser ingest benchmark (`bench/browser/run.sh`):
//! sends N QoS 0 messages of P bytes to a broker over plain TCP as fast as it
//! can, then one marker message on a separate topic, and prints its own send rate.
//!
//! ```text
//! cargo run --release -p webmqtt-codec --example flood -- -p 1883 -n 200000 -s 64
//! cargo run --release -p webmqtt-codec --example flood -- -p 1883 -n 20000 -s 16384 -t bench/big --topics 8
//! ```
//!
//! Everything on the wire is written by our session engine (MQTT 3.1.1): CONNECT,
//! then the PUBLISH packets, pipelined: a batch of messages goes through
//! `Session::publish` and leaves as one buffer, one `write_all`. Message `i`
//! goes to `<prefix>/<i mod K>`; its payload starts with `i` in eight digits and
//! is padded with `x` to P bytes. The marker (`bench/done` unless `--marker`)
//! carries the payload `done <N>`. Ends with DISCONNECT and a clean close, so
//! the broker has read every message before it sees the connection end.
//!
//! Output: one line on stdout, `flood: …` (or a JSON object with `--json`).
//! Every wait is bounded: connecting and CONNACK 10 s, each write 120 s, the
//! close 5 s. Exit status 0 on success, 1 on failure, 2 for a usage error.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use webmqtt_codec::session::{self, ConnectOptions, Event, Session};
use webmqtt_codec::{Bytes, ProtocolVersion, Publish};

const USAGE: &str = "\
usage: flood -p port -n count -s size [-h host] [-t topic-prefix] [--topics K]
             [--marker topic] [--batch-bytes B] [-i client-id] [--json]

  -h host          broker host (default 127.0.0.1)
  -p port          broker MQTT (TCP) port (required)
  -n count         number of messages (required)
  -s size          payload size in bytes (required)
  -t prefix        topic prefix (default bench/flood): message i goes to <prefix>/<i mod K>
  --topics K       number of topics (default 1)
  --marker topic   topic of the marker sent after the flood (default bench/done)
  --batch-bytes B  bytes per write, about (default 262144)
  -i id            client id (default webmqtt-flood-<pid>)
  --json           print the result as one JSON object";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(120);
const LINGER: Duration = Duration::from_secs(5);

struct Args {
    host: String,
    port: u16,
    count: u64,
    size: usize,
    prefix: String,
    topics: u64,
    marker: String,
    batch_bytes: usize,
    client_id: String,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 0,
        count: 0,
        size: 0,
        prefix: "bench/flood".into(),
        topics: 1,
        marker: "bench/done".into(),
        batch_bytes: 256 * 1024,
        client_id: format!("webmqtt-flood-{}", std::process::id()),
        json: false,
    };
    let (mut port, mut count, mut size) = (false, false, false);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| v.parse::<u64>().map_err(|_| format!("{name}: not a number: {v}"));
        match flag.as_str() {
            "-h" => args.host = value("-h")?,
            "-p" => {
                args.port = u16::try_from(number("-p", value("-p")?)?).map_err(|_| "-p: too large".to_owned())?;
                port = true;
            }
            "-n" => {
                args.count = number("-n", value("-n")?)?;
                count = true;
            }
            "-s" => {
                args.size = usize::try_from(number("-s", value("-s")?)?).map_err(|_| "-s: too large".to_owned())?;
                size = true;
            }
            "-t" => args.prefix = value("-t")?,
            "--topics" => args.topics = number("--topics", value("--topics")?)?.max(1),
            "--marker" => args.marker = value("--marker")?,
            "--batch-bytes" => {
                args.batch_bytes = usize::try_from(number("--batch-bytes", value("--batch-bytes")?)?)
                    .map_err(|_| "--batch-bytes: too large".to_owned())?
            }
            "-i" => args.client_id = value("-i")?,
            "--json" => args.json = true,
            "--help" => return Err(String::new()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if !(port && count && size) {
        return Err("-p, -n and -s are required".into());
    }
    if args.size > 200 * 1024 * 1024 {
        return Err("-s: at most 200 MiB".into());
    }
    Ok(args)
}

/// The session engine over a blocking TCP stream, as little as a flood needs.
struct Conn {
    session: Session,
    stream: TcpStream,
    origin: Instant,
}

impl Conn {
    fn now(&self) -> session::Instant {
        session::Instant::from_millis(u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// Writes what the engine queued, as one buffer. Returns the bytes written.
    fn flush(&mut self) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let written = self.session.poll_transmit(&mut bytes);
        self.stream.write_all(&bytes)?;
        Ok(written)
    }

    fn open(args: &Args) -> Result<Conn, String> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let addr = (args.host.as_str(), args.port)
            .to_socket_addrs()
            .map_err(|e| format!("{}:{}: {e}", args.host, args.port))?
            .next()
            .ok_or_else(|| format!("{}:{} resolved to nothing", args.host, args.port))?;
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|e| format!("connect {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT)).map_err(|e| e.to_string())?;
        let mut options = ConnectOptions::new(ProtocolVersion::V3_1_1, args.client_id.clone());
        // No PINGREQ to schedule: the flood is all we send.
        options.keep_alive = 0;
        let mut conn = Conn { session: Session::new(options), stream, origin: Instant::now() };
        let now = conn.now();
        conn.session.connect(now).map_err(|e| e.to_string())?;
        conn.flush().map_err(|e| format!("sending CONNECT: {e}"))?;
        let mut buf = [0u8; 4096];
        // Bounded: each read waits at most until the deadline.
        loop {
            while let Some(event) = conn.session.poll_event() {
                match event {
                    Event::Connected(_) => return Ok(conn),
                    Event::ConnectionRefused(r) => return Err(format!("refused: {}", r.reason)),
                    Event::ConnectionClosed(reason) => return Err(format!("closed: {reason}")),
                    _ => {}
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err("timed out waiting for CONNACK".into());
            }
            conn.stream.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
            match conn.stream.read(&mut buf) {
                Ok(0) => return Err("the broker closed the connection before CONNACK".into()),
                Ok(n) => {
                    let now = conn.now();
                    conn.session.handle_bytes(now, &buf[..n]);
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading CONNACK: {e}")),
            }
        }
    }

    /// DISCONNECT, then half-close and wait (bounded) for the broker to close.
    fn close(mut self) {
        let now = self.now();
        self.session.disconnect(now);
        let _ = self.flush();
        let _ = self.stream.shutdown(Shutdown::Write);
        let until = Instant::now() + LINGER;
        let mut scratch = [0u8; 4096];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut scratch) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Payload of message `seq`: its number in eight digits, padded with `x`.
fn fill_payload(buf: &mut [u8], seq: u64) {
    let digits = format!("{seq:08}");
    let n = digits.len().min(buf.len());
    buf[..n].copy_from_slice(&digits.as_bytes()[..n]);
}

fn run(args: &Args) -> Result<(), String> {
    let topics: Vec<String> = (0..args.topics).map(|k| format!("{}/{k}", args.prefix)).collect();
    let mut conn = Conn::open(args)?;
    let mut template = vec![b'x'; args.size];
    if let Some(space) = template.get_mut(8) {
        *space = b' ';
    }
    let per_message = args.size + topics[0].len() + 8;
    let batch = (args.batch_bytes / per_message.max(1)).max(1) as u64;

    let start = Instant::now();
    let mut bytes: u64 = 0;
    let mut writes: u64 = 0;
    let mut seq = 0u64;
    while seq < args.count {
        let end = (seq + batch).min(args.count);
        let now = conn.now();
        for i in seq..end {
            let mut payload = template.clone();
            fill_payload(&mut payload, i);
            let topic = &topics[(i % args.topics) as usize];
            conn.session.publish(now, Publish::new(topic.clone(), Bytes::from(payload))).map_err(|e| e.to_string())?;
        }
        bytes += conn.flush().map_err(|e| format!("writing: {e}"))? as u64;
        writes += 1;
        seq = end;
    }
    let flood_elapsed = start.elapsed();
    let now = conn.now();
    conn.session
        .publish(now, Publish::new(args.marker.clone(), format!("done {}", args.count).into_bytes()))
        .map_err(|e| e.to_string())?;
    let marker_bytes = conn.flush().map_err(|e| format!("writing the marker: {e}"))? as u64;
    let elapsed = start.elapsed();
    conn.close();

    let secs = flood_elapsed.as_secs_f64().max(1e-9);
    let rate = args.count as f64 / secs;
    let mb_s = bytes as f64 / secs / 1e6;
    if args.json {
        println!(
            "{{\"count\":{},\"size\":{},\"topics\":{},\"seconds\":{:.6},\"msgs_per_s\":{:.0},\"mb_per_s\":{:.1},\
             \"publish_bytes\":{},\"marker_bytes\":{},\"writes\":{},\"seconds_with_marker\":{:.6}}}",
            args.count,
            args.size,
            args.topics,
            secs,
            rate,
            mb_s,
            bytes,
            marker_bytes,
            writes,
            elapsed.as_secs_f64()
        );
    } else {
        println!(
            "flood: {} messages of {} B to {} topic(s) in {:.3} s: {:.0} msg/s, {:.1} MB/s ({} writes, {} bytes), \
             then the marker on {}",
            args.count, args.size, args.topics, secs, rate, mb_s, writes, bytes, args.marker
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("flood: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flood: {e}");
            ExitCode::FAILURE
        }
    }
}
