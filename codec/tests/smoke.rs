use webmqtt_codec::*;

#[test]
fn publish_roundtrip_each_version() {
    for v in [ProtocolVersion::V3_1, ProtocolVersion::V3_1_1, ProtocolVersion::V5] {
        let p = Packet::Publish(Publish { qos: QoS::AtLeastOnce, packet_id: 7, ..Publish::new("a/b", &b"hello"[..]) });
        let bytes = Bytes::from(p.to_bytes(v).unwrap());
        assert_eq!(Packet::decode(v, &bytes).unwrap(), p);
        let mut d = Decoder::new(v);
        for b in bytes.iter() {
            d.push(&[*b]).unwrap();
        }
        assert_eq!(d.next_packet().unwrap(), Some(p));
    }
}
