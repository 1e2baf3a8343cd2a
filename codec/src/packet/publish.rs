//! PUBLISH (MQTT 3.1.1 §3.3, 5.0 §3.3).

use bytes::{Buf, Bytes};

use super::{check_packet_id, properties_len, read_packet_id, FixedHeader, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::topic::{TopicError, TopicName};
use crate::wire::{self, Reader};
use crate::{Properties, Property, PropertyOwner, ProtocolVersion, QoS};

/// An application message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Publish {
    pub dup: bool,
    pub qos: QoS,
    pub retain: bool,
    /// Empty only in 5.0 with a topic alias. Build one from a `&str` or `String`
    /// with `.into()`; it is checked then, once, and the encoder refuses it if it is
    /// not a valid topic name.
    pub topic: TopicName,
    /// 1..=65535 for QoS 1 and 2; ignored (and not written) for QoS 0.
    pub packet_id: u16,
    pub properties: Properties,
    pub payload: Bytes,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Publish);

impl Publish {
    /// A QoS 0 message.
    pub fn new(topic: impl Into<TopicName>, payload: impl Into<Bytes>) -> Self {
        Self { topic: topic.into(), payload: payload.into(), ..Self::default() }
    }

    /// Decodes a PUBLISH body; the payload is `body` itself, advanced past the
    /// variable header.
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

    /// A PUBLISH in its common form (see [`Publish::decode_common_head`]), taken
    /// from the front of `buf`, which starts with the packet `header` describes and
    /// holds all of it: `buf` is left just past the packet, and only the payload is
    /// cut from it. `None`, with `buf` untouched, for anything else.
    ///
    /// The one decoding path of the common PUBLISH: [`super::Packet::decode`] and
    /// the streaming `Decoder` both take it.
    #[inline(always)] // on PUBLISH's hot path: the packet is built where the caller keeps it
    pub(crate) fn take_common(buf: &mut Bytes, header: &FixedHeader, version: ProtocolVersion) -> Option<Self> {
        if header.first_byte >> 4 != PacketType::Publish as u8 {
            return None;
        }
        let body = buf.get(header.header_len..header.packet_len())?;
        let head = Self::decode_common_head(body, version, header.first_byte & 0x0F)?;
        // In bounds: `head.len` bytes of the body were just read from `buf`.
        buf.advance(header.header_len + head.len);
        let payload = buf.split_to(header.remaining_length.saturating_sub(head.len));
        Some(head.with_payload(payload))
    }

    /// The variable header of a PUBLISH `body` in its common form, if it is in
    /// that form: a valid topic name of ASCII characters, no longer than
    /// [`TopicName::INLINE_CAPACITY`], and no properties. `None` for everything else, malformed
    /// bodies included: [`Publish::decode`] takes those, and says what is wrong.
    ///
    /// Reading it from a borrowed slice lets the decoder cut the payload alone
    /// from its buffer (one reference count per packet) rather than cutting the
    /// body and then a topic and a payload from that.
    #[inline(always)] // on PUBLISH's hot path: the packet is built where the caller keeps it
    fn decode_common_head(body: &[u8], version: ProtocolVersion, flags: u8) -> Option<CommonHead> {
        let qos = QoS::from_u8((flags >> 1) & 0x03)?;
        let dup = flags & 0x08 != 0;
        if dup && qos == QoS::AtMostOnce {
            return None;
        }
        let (&[topic_high, topic_low], rest) = body.split_first_chunk::<2>()?;
        let topic_len = usize::from(u16::from_be_bytes([topic_high, topic_low]));
        if topic_len > rest.len() {
            return None;
        }
        let topic = match rest.first_chunk() {
            Some(window) => TopicName::decode_ascii(window, topic_len)?,
            // A packet too short for the window: a padded copy of what there is.
            None => {
                let mut window = [0; TopicName::INLINE_CAPACITY];
                window.get_mut(..rest.len())?.copy_from_slice(rest);
                TopicName::decode_ascii(&window, topic_len)?
            }
        };
        topic.check().ok()?;
        let mut len = 2 + topic_len;
        let mut packet_id = 0;
        if qos != QoS::AtMostOnce {
            let &[high, low] = body.get(len..)?.first_chunk::<2>()?;
            packet_id = u16::from_be_bytes([high, low]);
            if packet_id == 0 {
                return None;
            }
            len += 2;
        }
        if version.is_v5() {
            // A property length of 0 (one byte); any property takes `decode`.
            if *body.get(len)? != 0 {
                return None;
            }
            len += 1;
        }
        Some(CommonHead { dup, qos, retain: flags & 0x01 != 0, topic, packet_id, len })
    }

    /// Encodes the whole packet; [`super::Packet::encode`] calls it inline.
    #[inline(always)]
    pub(crate) fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.parts().encode(version, out)
    }

    /// Checks that the packet can be written in `version` and returns its
    /// Remaining Length, for [`Publish::encode_measured`]: a caller that must know
    /// the size before writing (the session, against the broker's Maximum Packet
    /// Size) measures once and writes without measuring again.
    #[inline]
    pub(crate) fn measure(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        super::check_remaining_length(self.parts().body_len(version)?)
    }

    /// Writes the packet `measure` measured as `body_len` bytes of body (and that
    /// has not changed since).
    #[inline]
    pub(crate) fn encode_measured(&self, version: ProtocolVersion, body_len: usize, out: &mut Vec<u8>) {
        self.parts().write_packet(version, body_len, out);
    }

    /// Encodes the packet with a Topic Alias (5.0 §3.3.2.3.4) added to its
    /// properties, and its topic left out unless `with_topic` (the message that
    /// sets the alias). Returns the size of the packet written. The message itself
    /// is not changed (nor copied, but for its property list).
    pub(crate) fn encode_with_alias(
        &self,
        version: ProtocolVersion,
        alias: u16,
        with_topic: bool,
        out: &mut Vec<u8>,
    ) -> Result<usize, EncodeError> {
        let properties = self.properties.clone().with(Property::TopicAlias(alias));
        let mut parts = PublishParts { properties: &properties, ..self.parts() };
        if !with_topic {
            parts.topic = "";
            parts.topic_check = Err(TopicError::Empty);
            parts.topic_inline = None;
        }
        let start = out.len();
        parts.encode(version, out)?;
        Ok(out.len() - start)
    }

    /// The fields the packet's bytes are made of, borrowed.
    #[inline(always)]
    pub(crate) fn parts(&self) -> PublishParts<'_> {
        PublishParts {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic: &self.topic,
            topic_check: self.topic.check(),
            topic_inline: self.topic.inline_bytes(),
            packet_id: self.packet_id,
            properties: &self.properties,
            payload: &self.payload,
        }
    }
}

/// What [`Publish::decode_common_head`] reads: a PUBLISH but for its payload.
pub(crate) struct CommonHead {
    dup: bool,
    qos: QoS,
    retain: bool,
    topic: TopicName,
    packet_id: u16,
    /// Bytes of the variable header: the payload starts here.
    pub(crate) len: usize,
}

impl CommonHead {
    #[inline(always)]
    pub(crate) fn with_payload(self, payload: Bytes) -> Publish {
        let Self { dup, qos, retain, topic, packet_id, len: _ } = self;
        Publish { dup, qos, retain, topic, packet_id, properties: Properties::new(), payload }
    }
}

/// A PUBLISH over borrowed fields: what [`Publish`] is encoded through, and what
/// the JS bindings encode from bytes that JS wrote into wasm memory, without making
/// an owned `Publish` of them first.
pub(crate) struct PublishParts<'a> {
    pub(crate) dup: bool,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) topic: &'a str,
    /// `validate_topic_name(topic)`, worked out by whoever knows it cheapest.
    pub(crate) topic_check: Result<(), TopicError>,
    /// A fixed-size buffer that starts with `topic`, where there is one (the
    /// inline buffer of a short `TopicName`): `encode` copies it whole.
    pub(crate) topic_inline: Option<&'a [u8; TopicName::INLINE_CAPACITY]>,
    pub(crate) packet_id: u16,
    pub(crate) properties: &'a Properties,
    pub(crate) payload: &'a [u8],
}

impl PublishParts<'_> {
    #[inline(always)]
    pub(crate) fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let body_len = super::check_remaining_length(self.body_len(version)?)?;
        self.write_packet(version, body_len, out);
        Ok(())
    }

    /// Writes the whole packet, whose body `body_len` has been measured (and
    /// checked) by `body_len` and `check_remaining_length`.
    #[inline(always)]
    pub(crate) fn write_packet(&self, version: ProtocolVersion, body_len: usize, out: &mut Vec<u8>) {
        let (remaining_length, len) = wire::var_int_bytes(body_len);
        out.reserve(1 + len + body_len);
        let first_byte = (PacketType::Publish as u8) << 4 | self.flags();
        let [topic_high, topic_low] = (self.topic.len() as u16).to_be_bytes();
        // The fixed header and the topic's length in one store: four bytes for
        // packets under 130 bytes, else eight cut back to the 5 to 7 they are.
        // (Stores of a length known only at run time are calls to memcpy.)
        let [length_byte, ..] = remaining_length;
        if len == 1 {
            out.extend_from_slice(&[first_byte, length_byte, topic_high, topic_low]);
        } else {
            let topic_len = u64::from(u16::from_le_bytes([topic_high, topic_low]));
            let head = u64::from(first_byte)
                | u64::from(u32::from_le_bytes(remaining_length)) << 8
                | topic_len << (8 * (1 + len));
            // A packet this long has reserved room for all eight bytes.
            out.extend_from_slice(&head.to_le_bytes());
            out.truncate(out.len() - (5 - len));
        }
        match self.topic_inline {
            // The whole inline buffer, then cut back to the topic: a copy of known
            // size is a few moves, one of a size known only at run time a call.
            Some(buffer) if self.topic.len() <= buffer.len() && out.capacity() - out.len() >= buffer.len() => {
                out.extend_from_slice(buffer);
                out.truncate(out.len() - (buffer.len() - self.topic.len()));
            }
            _ => out.extend_from_slice(self.topic.as_bytes()),
        }
        self.write_after_topic(version, out);
    }

    pub(crate) fn flags(&self) -> u8 {
        u8::from(self.dup) << 3 | self.qos.as_u8() << 1 | u8::from(self.retain)
    }

    #[inline]
    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        match self.topic_check {
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
        len += properties_len(self.properties, version, OWNER)?;
        Ok(len + self.payload.len())
    }

    /// The body, after the fixed header.
    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_prefixed(out, self.topic.as_bytes());
        self.write_after_topic(version, out);
    }

    #[inline]
    fn write_after_topic(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        if self.qos != QoS::AtMostOnce {
            wire::put_u16(out, self.packet_id);
        }
        if version.is_v5() {
            self.properties.write(out);
        }
        out.extend_from_slice(self.payload);
    }
}
