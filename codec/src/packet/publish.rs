//! PUBLISH (MQTT 3.1.1 §3.3, 5.0 §3.3).

use bytes::Bytes;

use super::{check_packet_id, properties_len, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::topic::{validate_topic_name, TopicError};
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, QoS};

/// An application message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// Empty only in 5.0 with a topic alias.
    pub topic: String,
    /// 1..=65535 for QoS 1 and 2; ignored (and not written) for QoS 0.
    pub packet_id: u16,
    pub properties: Properties,
    pub payload: Bytes,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Publish);

impl Publish {
    /// A QoS 0 message.
    pub fn new(topic: impl Into<String>, payload: impl Into<Bytes>) -> Self {
        Self { topic: topic.into(), payload: payload.into(), ..Self::default() }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion, flags: u8) -> Result<Self, DecodeError> {
        let qos = QoS::from_u8((flags >> 1) & 0x03).ok_or(DecodeError::InvalidQoS { field: "PUBLISH QoS" })?;
        let dup = flags & 0x08 != 0;
        if dup && qos == QoS::AtMostOnce {
            return Err(DecodeError::DupWithQoS0);
        }
        let topic = r.topic_name()?;
        let packet_id = if qos == QoS::AtMostOnce { 0 } else { read_packet_id(r)? };
        let properties = if version.is_v5() { Properties::decode(r, OWNER)? } else { Properties::new() };
        if topic.is_empty() {
            match (version.is_v5(), properties.topic_alias()) {
                (true, Some(_)) => {}
                (true, None) => return Err(DecodeError::EmptyTopicWithoutAlias),
                (false, _) => return Err(DecodeError::InvalidTopicName(TopicError::Empty)),
            }
        }
        let payload = r.rest();
        Ok(Self { dup, qos, retain: flags & 0x01 != 0, topic, packet_id, properties, payload })
    }

    pub(crate) fn flags(&self) -> u8 {
        u8::from(self.dup) << 3 | self.qos.as_u8() << 1 | u8::from(self.retain)
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        match validate_topic_name(&self.topic) {
            Err(TopicError::Empty) if version.is_v5() && self.properties.topic_alias().is_some() => {}
            Err(TopicError::Empty) if version.is_v5() => return Err(EncodeError::EmptyTopicWithoutAlias),
            Err(e) => return Err(EncodeError::InvalidTopicName(e)),
            Ok(()) => {}
        }
        if self.dup && self.qos == QoS::AtMostOnce {
            return Err(EncodeError::DupWithQoS0);
        }
        // A valid topic name (or the empty one of a topic alias) is at most 65,535
        // bytes without U+0000: what `wire::string_len` would check again.
        let mut len = 2 + self.topic.len();
        if self.qos != QoS::AtMostOnce {
            check_packet_id(self.packet_id, PacketType::Publish)?;
            len += 2;
        }
        len += properties_len(&self.properties, version, OWNER)?;
        Ok(len + self.payload.len())
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_prefixed(out, self.topic.as_bytes());
        if self.qos != QoS::AtMostOnce {
            wire::put_u16(out, self.packet_id);
        }
        if version.is_v5() {
            self.properties.write(out);
        }
        out.extend_from_slice(&self.payload);
    }
}
