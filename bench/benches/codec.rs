//! webmqtt-codec against mqttbytes 0.6 (v4 = MQTT 3.1.1), PUBLISH only, same bytes.
//!
//! Groups `decode-<case>` and `encode-<case>`; one iteration handles
//! PACKETS_PER_BUFFER packets (criterion's throughput is in packets).
//!
//! - decode/ours: a streaming `Decoder` holding the buffer, drained packet by packet.
//! - decode/mqttbytes: `v4::read(&mut BytesMut, max)` until the buffer is empty.
//!   For both, putting the received bytes into the decoder's buffer (one copy) is
//!   the untimed setup (`time_each`), and the drained buffer is returned to be
//!   freed untimed, so only parsing (and freeing each packet) is measured.
//! - decode/ours-frames: `Packet::decode` on each frame of a shared `Bytes`
//!   (zero-copy: needs no setup at all). Reported, not in the headline table.
//! - encode/*: the same prepared packet written PACKETS_PER_BUFFER times into a
//!   reused buffer (`Vec<u8>` for ours, `BytesMut` for mqttbytes), cleared first.
//!
//! Every decoded packet's topic and payload lengths are summed and checked, so
//! nothing can be skipped.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use webmqtt_bench::{
    frame_len, mqttbytes_publish, our_publish, stream, Case, CASES, MQTTBYTES_MAX_SIZE, PACKETS_PER_BUFFER, TOPIC,
    VERSION,
};
use webmqtt_codec::{Decoder, FixedHeader, Packet};

fn expected_sum(case: Case) -> usize {
    PACKETS_PER_BUFFER * (TOPIC.len() + case.payload_len)
}

/// Runs `routine` on a fresh `setup()` value `iters` times and returns the time
/// spent in `routine` alone. Each input is made just before its run and its output
/// dropped just after, untimed, so every run reuses the memory the last one freed.
/// (`iter_batched` kept a batch of inputs and outputs alive at once; the heap then
/// grew and shrank with every batch, and the page faults of the allocations inside
/// the timed part made both codecs' times jump by up to 2×.)
fn time_each<I, O>(iters: u64, mut setup: impl FnMut() -> I, mut routine: impl FnMut(I) -> O) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let input = setup();
        let start = Instant::now();
        let output = black_box(routine(black_box(input)));
        total += start.elapsed();
        drop(output);
    }
    total
}

fn decode(c: &mut Criterion) {
    for case in CASES {
        let bytes = stream(case);
        let shared = Bytes::from(bytes.clone());
        let want = expected_sum(case);
        let mut g = c.benchmark_group(format!("decode-{}", case.name));
        g.throughput(Throughput::Elements(PACKETS_PER_BUFFER as u64));

        g.bench_function("ours", |b| {
            b.iter_custom(|iters| {
                time_each(iters, || {
                    let mut d = Decoder::new(VERSION);
                    d.push(&bytes).expect("valid stream");
                    d
                }, |mut d| {
                    let mut sum = 0;
                    while let Some(p) = d.next_packet().expect("valid packet") {
                        let Packet::Publish(p) = p else { panic!("not a PUBLISH") };
                        sum += p.topic.len() + p.payload.len();
                    }
                    assert_eq!(sum, want);
                    d // the drained decoder's buffer is freed untimed
                })
            });
        });

        g.bench_function("mqttbytes", |b| {
            b.iter_custom(|iters| {
                time_each(iters, || BytesMut::from(&bytes[..]), |mut buf| {
                    let mut sum = 0;
                    while !buf.is_empty() {
                        match mqttbytes::v4::read(&mut buf, MQTTBYTES_MAX_SIZE).expect("valid packet") {
                            mqttbytes::v4::Packet::Publish(p) => sum += p.topic.len() + p.payload.len(),
                            other => panic!("not a PUBLISH: {other:?}"),
                        }
                    }
                    assert_eq!(sum, want);
                    buf // the drained buffer is freed untimed
                })
            });
        });

        g.bench_function("ours-frames", |b| {
            b.iter(|| {
                let buf = black_box(&shared);
                let mut sum = 0;
                let mut pos = 0;
                while pos < buf.len() {
                    let header = FixedHeader::parse(&buf[pos..], &[]).expect("valid header").expect("whole header");
                    let frame = buf.slice(pos..pos + header.packet_len());
                    pos += header.packet_len();
                    let Packet::Publish(p) = Packet::decode(VERSION, &frame).expect("valid packet") else {
                        panic!("not a PUBLISH")
                    };
                    sum += p.topic.len() + p.payload.len();
                }
                assert_eq!(sum, want);
                sum
            });
        });
        g.finish();
    }
}

fn encode(c: &mut Criterion) {
    for case in CASES {
        let capacity = PACKETS_PER_BUFFER * frame_len(case);
        let mut g = c.benchmark_group(format!("encode-{}", case.name));
        g.throughput(Throughput::Elements(PACKETS_PER_BUFFER as u64));

        let ours = our_publish(case, 42);
        let mut out = Vec::with_capacity(capacity);
        let mut encode_ours = |out: &mut Vec<u8>| {
            out.clear();
            for _ in 0..PACKETS_PER_BUFFER {
                black_box(&ours).encode(VERSION, out).expect("encodes");
            }
            black_box(out.len())
        };
        // Checked before timing, so that it holds when a filter skips the timing.
        assert_eq!(encode_ours(&mut out), capacity);
        g.bench_function("ours", |b| b.iter(|| encode_ours(&mut out)));

        let theirs = mqttbytes_publish(case, 42);
        let mut out = BytesMut::with_capacity(capacity);
        let mut encode_theirs = |out: &mut BytesMut| {
            out.clear();
            for _ in 0..PACKETS_PER_BUFFER {
                black_box(&theirs).write(out).expect("encodes");
            }
            black_box(out.len())
        };
        assert_eq!(encode_theirs(&mut out), capacity);
        g.bench_function("mqttbytes", |b| b.iter(|| encode_theirs(&mut out)));
        g.finish();
    }
}

fn config() -> Criterion {
    // Short runs: 2 shared cores; the ratios measured in one run are what count.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args()
}

criterion_group! { name = benches; config = config(); targets = decode, encode }
criterion_main!(benches);
