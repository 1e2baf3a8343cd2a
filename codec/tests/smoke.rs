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

/// PUBLISH topics of every length from 0 to 45 bytes (across the word size the
/// topic check reads in), ASCII or not, valid or not, followed by payloads that
/// are or are not UTF-8: each decodes to its own text, or to the error
/// `from_utf8` and `validate_topic_name` give, whichever way it reaches the
/// decoder.
#[test]
fn publish_topics_decode_to_their_text_whatever_follows_them() {
    let payloads: [&[u8]; 4] = [b"", &[0xFF; 3], &[0xC3; 60], b"after the topic, plain ASCII text that is long"];
    for len in 0..=45 {
        let ascii = vec![b'a'; len];
        let mut kinds = vec![ascii.clone()];
        if len > 0 {
            for (at, byte) in [(len - 1, b'+'), (len / 2, b'#'), (len / 2, 0), (len - 1, 0xFF), (len - 1, 0xC3)] {
                let mut topic = ascii.clone();
                topic[at] = byte;
                kinds.push(topic);
            }
        }
        if len >= 2 {
            let mut topic = ascii.clone();
            topic[len - 2..].copy_from_slice("é".as_bytes());
            kinds.push(topic);
        }
        for topic in &kinds {
            let want: Result<&str, DecodeError> = match core::str::from_utf8(topic) {
                Err(_) => Err(DecodeError::InvalidUtf8 { field: "topic name" }),
                Ok(text) => match validate_topic_name(text) {
                    Ok(()) => Ok(text),
                    Err(TopicError::NullCharacter) => Err(DecodeError::NullCharacter { field: "topic name" }),
                    Err(e) => Err(DecodeError::InvalidTopicName(e)),
                },
            };
            for payload in payloads {
                for qos in [0u8, 1] {
                    let mut body = (topic.len() as u16).to_be_bytes().to_vec();
                    body.extend_from_slice(topic);
                    if qos == 1 {
                        body.extend_from_slice(&[0, 9]);
                    }
                    body.extend_from_slice(payload);
                    let mut bytes = vec![0x30 | qos << 1, body.len() as u8];
                    bytes.extend_from_slice(&body);
                    let bytes = Bytes::from(bytes);

                    let whole = Packet::decode(ProtocolVersion::V3_1_1, &bytes);
                    let mut d = Decoder::new(ProtocolVersion::V3_1_1);
                    d.push(&bytes).unwrap();
                    let streamed = d.next_packet().map(|p| p.expect("a whole packet"));
                    for decoded in [whole, streamed] {
                        match (&want, decoded) {
                            (Ok(text), Ok(Packet::Publish(p))) => {
                                assert_eq!(p.topic.as_str(), *text);
                                assert_eq!(p.topic.check(), Ok(()));
                                assert_eq!(&p.payload[..], payload);
                            }
                            (Err(e), Err(got)) => assert_eq!(&got, e, "topic {topic:?}"),
                            (want, got) => panic!("topic {topic:?}: want {want:?}, got {got:?}"),
                        }
                    }
                }
            }
        }
    }
}
