//! The PUBLISH workloads of the benchmarks, shared so that every codec is given
//! the same bytes: MQTT 3.1.1, topic [`TOPIC`], payloads of 64 B and 1 KiB, QoS 0
//! and QoS 1.
//!
//! A decode benchmark parses a buffer of [`PACKETS_PER_BUFFER`] packets; an encode
//! benchmark writes that many packets into a buffer that is cleared and reused.
//! `bash bench/run.sh` runs them (criterion, `benches/codec.rs`) and the node
//! benchmark (`node/`), which builds the same buffers.

use bytes::Bytes;
use webmqtt_codec::{Packet, ProtocolVersion, Publish, QoS};

pub const VERSION: ProtocolVersion = ProtocolVersion::V3_1_1;
pub const TOPIC: &str = "sensors/room1/temperature";
pub const PACKETS_PER_BUFFER: usize = 256;
/// mqttbytes' `read` limit: far above any packet here.
pub const MQTTBYTES_MAX_SIZE: usize = 1 << 20;

#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// The criterion group name, e.g. `64B-qos0`.
    pub name: &'static str,
    pub payload_len: usize,
    pub qos: u8,
}

pub const CASES: [Case; 4] = [
    Case { name: "64B-qos0", payload_len: 64, qos: 0 },
    Case { name: "64B-qos1", payload_len: 64, qos: 1 },
    Case { name: "1KiB-qos0", payload_len: 1024, qos: 0 },
    Case { name: "1KiB-qos1", payload_len: 1024, qos: 1 },
];

/// Deterministic, not all-zero payload bytes (the node benchmark makes the same).
pub fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

/// The packet identifier of the `i`-th packet of a buffer (QoS 1 only).
pub fn packet_id(i: usize) -> u16 {
    (i % 65_535) as u16 + 1
}

pub fn our_publish(case: Case, packet_id: u16) -> Packet {
    let qos = QoS::from_u8(case.qos).expect("QoS 0, 1 or 2");
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { packet_id };
    Packet::Publish(Publish { qos, packet_id, ..Publish::new(TOPIC, Bytes::from(payload(case.payload_len))) })
}

pub fn mqttbytes_publish(case: Case, packet_id: u16) -> mqttbytes::v4::Publish {
    let qos = mqttbytes::qos(case.qos).expect("QoS 0, 1 or 2");
    let mut p = mqttbytes::v4::Publish::from_bytes(TOPIC, qos, Bytes::from(payload(case.payload_len)));
    if case.qos > 0 {
        p.pkid = packet_id;
    }
    p
}

/// [`PACKETS_PER_BUFFER`] packets back to back, as they arrive on a connection.
/// Panics if our codec and mqttbytes would write different bytes.
pub fn stream(case: Case) -> Vec<u8> {
    let mut ours = Vec::new();
    let mut theirs = bytes::BytesMut::new();
    for i in 0..PACKETS_PER_BUFFER {
        our_publish(case, packet_id(i)).encode(VERSION, &mut ours).expect("encodes");
        mqttbytes_publish(case, packet_id(i)).write(&mut theirs).expect("encodes");
    }
    assert_eq!(ours, theirs[..], "webmqtt-codec and mqttbytes write different bytes for {case:?}");
    ours
}

/// Bytes one packet takes on the wire.
pub fn frame_len(case: Case) -> usize {
    our_publish(case, 1).to_bytes(VERSION).expect("encodes").len()
}
