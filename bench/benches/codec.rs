//! webmqtt-codec against mqttbytes 0.6 (v4 = MQTT 3.1.1), PUBLISH only, same bytes.
//!
//! Groups `decode-<case>` and `encode-<case>`; one iteration handles
//! PACKETS_PER_BUFFER packets (criterion's throughput is in packets).
//!
//! - decode/ours: a streaming `Decoder` holding the buffer, drained packet by packet.
//! - decode/mqttbytes: `v4::read(&mut BytesMut, max)` until the buffer is empty.
//!   For both, putting the received bytes into the decoder's buffer (one copy) is
//!   the untimed setup (`iter_batched`), and the drained buffer is returned to be
//!   freed untimed, so only parsing (and freeing each packet) is measured.
//! - decode/ours-frames: `Packet::decode` on each frame of a shared `Bytes`
//!   (zero-copy: needs no setup at all). Reported, not in the headline table.
//! - encode/*: the same prepared packet written PACKETS_PER_BUFFER times into a
//!   reused buffer (`Vec<u8>` for ours, `BytesMut` for mqttbytes), cleared first.
//!
//! Every decoded packet's topic and payload lengths are summed and checked, so
//! nothing can be skipped.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use webmqtt_bench::{
    frame_len, mqttbytes_publish, our_publish, stream, Case, CASES, MQTTBYTES_MAX_SIZE, PACKETS_PER_BUFFER, TOPIC,
    VERSION,
};
use webmqtt_codec::{Decoder, FixedHeader, Packet};

fn expected_sum(case: Case) -> usize {
    PACKETS_PER_BUFFER * (TOPIC.len() + case.payload_len)
}

fn decode(c: &mut Criterion) {
    for case in CASES {
        let bytes = stream(case);
        let shared = Bytes::from(bytes.clone());
        let want = expected_sum(case);
        let mut g = c.benchmark_group(format!("decode-{}", case.name));
        g.throughput(Throughput::Elements(PACKETS_PER_BUFFER as u64));

        g.bench_function("ours", |b| {
            b.iter_batched(
                || {
                    let mut d = Decoder::new(VERSION);
                    d.push(&bytes).expect("valid stream");
                    d
                },
                |mut d| {
                    let mut sum = 0;
                    while let Some(p) = d.next_packet().expect("valid packet") {
                        let Packet::Publish(p) = p else { panic!("not a PUBLISH") };
                        sum += p.topic.len() + p.payload.len();
                    }
                    assert_eq!(sum, want);
                    (sum, d) // the drained decoder's buffer is freed untimed
                },
                BatchSize::LargeInput,
            );
        });

        g.bench_function("mqttbytes", |b| {
            b.iter_batched(
                || BytesMut::from(&bytes[..]),
                |mut buf| {
                    let mut sum = 0;
                    while !buf.is_empty() {
                        match mqttbytes::v4::read(&mut buf, MQTTBYTES_MAX_SIZE).expect("valid packet") {
                            mqttbytes::v4::Packet::Publish(p) => sum += p.topic.len() + p.payload.len(),
                            other => panic!("not a PUBLISH: {other:?}"),
                        }
                    }
                    assert_eq!(sum, want);
                    (sum, buf) // the drained buffer is freed untimed
                },
                BatchSize::LargeInput,
            );
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
        g.bench_function("ours", |b| {
            b.iter(|| {
                out.clear();
                for _ in 0..PACKETS_PER_BUFFER {
                    black_box(&ours).encode(VERSION, &mut out).expect("encodes");
                }
                black_box(out.len())
            });
        });
        assert_eq!(out.len(), capacity);

        let theirs = mqttbytes_publish(case, 42);
        let mut out = BytesMut::with_capacity(capacity);
        g.bench_function("mqttbytes", |b| {
            b.iter(|| {
                out.clear();
                for _ in 0..PACKETS_PER_BUFFER {
                    black_box(&theirs).write(&mut out).expect("encodes");
                }
                black_box(out.len())
            });
        });
        assert_eq!(out.len(), capacity);
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
