//! Runs one benchmark case N times, for counting instructions per packet with
//! callgrind (exact, unlike wall time on a shared machine):
//!
//! ```sh
//! cargo build --release -p webmqtt-bench --example instructions
//! for n in 0 1000; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!   target/release/examples/instructions decode ours 64B-qos0 $n 2>&1 | grep refs; done
//! ```
//! (difference of the two totals) / (1000 × 256) = instructions per packet.
//!
//! `instructions session ours <case> <iterations>` runs the same messages through
//! the session engine instead (`Session::publish`, `poll_transmit`, and for QoS 1
//! the PUBACKs fed back): what the engine adds to encoding, for callgrind.
//!
//! `instructions alternate <decode|encode> <case>` instead times ours and mqttbytes
//! in 41 alternating rounds in one process and prints the medians, which host noise
//! affects on both sides alike (`bash bench/run.sh` prints them under the table).
//! Decoding here includes copying the received bytes into each codec's buffer.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use webmqtt_bench::{
    mqttbytes_publish, our_publish, stream, Case, CASES, MQTTBYTES_MAX_SIZE, PACKETS_PER_BUFFER, VERSION,
};
use webmqtt_codec::session::{self, ConnectOptions, Session};
use webmqtt_codec::{Ack, ConnAck, Decoder, Packet};

/// Runs `n` iterations; returns the checksum and the time spent.
fn run(op: &str, codec: &str, case: Case, n: usize) -> (usize, Duration) {
    let bytes = stream(case);
    let mut sum = 0usize;
    let start = Instant::now();
    match (op, codec) {
        ("decode", "ours") => {
            let mut d = Decoder::new(VERSION);
            for _ in 0..n {
                d.push(&bytes).expect("valid stream");
                while let Some(p) = d.next_packet().expect("valid packet") {
                    let Packet::Publish(p) = p else { panic!("not a PUBLISH") };
                    sum += p.topic.len() + p.payload.len();
                }
            }
        }
        ("decode", "mqttbytes") => {
            let mut buf = BytesMut::new();
            for _ in 0..n {
                buf.extend_from_slice(&bytes);
                while !buf.is_empty() {
                    match mqttbytes::v4::read(&mut buf, MQTTBYTES_MAX_SIZE).expect("valid packet") {
                        mqttbytes::v4::Packet::Publish(p) => sum += p.topic.len() + p.payload.len(),
                        other => panic!("not a PUBLISH: {other:?}"),
                    }
                }
            }
        }
        ("encode", "ours") => {
            let p = our_publish(case, 42);
            let mut out = Vec::with_capacity(bytes.len());
            for _ in 0..n {
                out.clear();
                for _ in 0..PACKETS_PER_BUFFER {
                    black_box(&p).encode(VERSION, &mut out).expect("encodes");
                }
                sum += black_box(out.len());
            }
        }
        ("encode", "mqttbytes") => {
            let p = mqttbytes_publish(case, 42);
            let mut out = BytesMut::with_capacity(bytes.len());
            for _ in 0..n {
                out.clear();
                for _ in 0..PACKETS_PER_BUFFER {
                    black_box(&p).write(&mut out).expect("encodes");
                }
                sum += black_box(out.len());
            }
        }
        ("session", "ours") => {
            let now = session::Instant::from_millis(1);
            let mut s = Session::new(ConnectOptions::new(VERSION, "bench"));
            s.connect(now).expect("connects");
            s.handle_bytes(now, &Packet::ConnAck(ConnAck::default()).to_bytes(VERSION).expect("encodes"));
            while s.poll_event().is_some() {}
            let Packet::Publish(p) = our_publish(case, 0) else { panic!("not a PUBLISH") };
            let (mut out, mut acks) = (Vec::new(), Vec::new());
            for _ in 0..n {
                acks.clear();
                for _ in 0..PACKETS_PER_BUFFER {
                    let id = s.publish(now, black_box(p.clone())).expect("published");
                    if id != 0 {
                        Packet::PubAck(Ack::new(id)).encode(VERSION, &mut acks).expect("encodes");
                    }
                }
                out.clear();
                sum += s.poll_transmit(&mut out);
                s.handle_bytes(now, &acks);
                while s.poll_event().is_some() {}
            }
        }
        _ => panic!("unknown op or codec"),
    }
    (sum, start.elapsed())
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t[t.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case_named = |name: &str| *CASES.iter().find(|c| c.name == name).expect("a case name, e.g. 64B-qos0");
    match &args[..] {
        [alternate, op, case] if alternate == "alternate" => {
            let case = case_named(case);
            let n = if op == "decode" { 200 } else { 1000 };
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for round in 0..41 {
                let order = if round % 2 == 0 { ["ours", "mqttbytes"] } else { ["mqttbytes", "ours"] };
                for codec in order {
                    let (_, t) = run(op, codec, case, n);
                    if codec == "ours" { ours.push(t) } else { theirs.push(t) }
                }
            }
            let (o, m) = (median(ours), median(theirs));
            let per = |t: Duration| t.as_nanos() as f64 / (n * PACKETS_PER_BUFFER) as f64;
            println!("{op} {}: ours {:.1} ns, mqttbytes {:.1} ns per packet: {:.2}x", case.name, per(o), per(m), per(m) / per(o));
        }
        [op, codec, case, n] => {
            let n: usize = n.parse().expect("a number of iterations");
            println!("{}", run(op, codec, case_named(case), n).0);
        }
        _ => {
            eprintln!("usage: instructions decode|encode ours|mqttbytes <case> <iterations>");
            eprintln!("       instructions session ours <case> <iterations>");
            eprintln!("       instructions alternate decode|encode <case>");
            std::process::exit(2);
        }
    }
}
