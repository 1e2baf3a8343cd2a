//! PUBLISH (MQTT 3.1.1 §3.3, 5.0 §3.3).

use bytes::{Buf, Bytes};
use bytestring::ByteString;

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
    /// Empty only in 5.0 with a topic alias. Decoded, it shares the packet's
    /// buffer; build one from a `&str` or `String` with `.into()`.
    pub topic: ByteString,
    /// 1..=65535 for QoS 1 and 2; ignored (and not written) for QoS 0.
    pub packet_id: u16,
    pub properties: Properties,
    pub payload: Bytes,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Publish);

impl Publish {
    /// A QoS 0 message.
    pub fn new(topic: impl Into<ByteString>, payload: impl Into<Bytes>) -> Self {
        Self { topic: topic.into(), payload: payload.into(), ..Self::default() }
    }

    /// Decodes a PUBLISH body; the payload is `body` itself, advanced past the
    /// variable header.
    #[inline(always)] // see Packet::decode_body
    pub(crate) fn decode(mut body: Bytes, version: ProtocolVersion, flags: u8) -> Result<Self, DecodeError> {
        let qos = QoS::from_u8((flags >> 1) & 0x03).ok_or(DecodeError::InvalidQoS { field: "PUBLISH QoS" })?;
        let dup = flags & 0x08 != 0;
        if dup && qos == QoS::AtMostOnce {
            return Err(DecodeError::DupWithQoS0);
        }
        let mut r = Reader::new(&body, PacketType::Publish);
        let topic = r.topic_name()?;
        let packet_id = if qos == QoS::AtMostOnce { 0 } else { read_packet_id(&mut r)? };
        let properties = if version.is_v5() { Properties::decode(&mut r, OWNER)? } else { Properties::new() };
        let variable_header_len = r.position();
        if topic.is_empty() {
            match (version.is_v5(), properties.topic_alias()) {
                (true, Some(_)) => {}
                (true, None) => return Err(DecodeError::EmptyTopicWithoutAlias),
                (false, _) => return Err(DecodeError::InvalidTopicName(TopicError::Empty)),
            }
        }
        body.advance(variable_header_len);
        Ok(Self { dup, qos, retain: flags & 0x01 != 0, topic, packet_id, properties, payload: body })
    }

    /// Encodes the whole packet; [`super::Packet::encode`] calls it inline.
    #[inline(always)]
    pub(crate) fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let body_len = super::check_remaining_length(self.body_len(version)?)?;
        super::put_fixed_header(out, PacketType::Publish, self.flags(), body_len);
        self.write(version, out);
        Ok(())
    }

    pub(crate) fn flags(&self) -> u8 {
        u8::from(self.dup) << 3 | self.qos.as_u8() << 1 | u8::from(self.retain)
    }

    #[inline]
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

    #[inline]
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
