//! The fifteen MQTT control packets: one file each, decode beside encode.

mod ack;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod publish;
mod suback;
mod subscribe;
mod unsuback;
mod unsubscribe;

use core::fmt;

use bytes::Bytes;

pub use ack::Ack;
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use publish::Publish;
#[cfg(feature = "js")]
pub(crate) use publish::PublishParts;
pub use suback::SubAck;
pub use subscribe::{RetainHandling, Subscribe, SubscribeFilter, SubscriptionOptions};
pub use unsuback::UnsubAck;
pub use unsubscribe::Unsubscribe;

use crate::error::{DecodeError, EncodeError};
use crate::wire::{self, Reader, MAX_VAR_INT};
use crate::ProtocolVersion;

/// The packet type, the high nibble of the first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    pub(crate) fn from_nibble(n: u8) -> Option<Self> {
        Some(match n {
            1 => Self::Connect,
            2 => Self::ConnAck,
            3 => Self::Publish,
            4 => Self::PubAck,
            5 => Self::PubRec,
            6 => Self::PubRel,
            7 => Self::PubComp,
            8 => Self::Subscribe,
            9 => Self::SubAck,
            10 => Self::Unsubscribe,
            11 => Self::UnsubAck,
            12 => Self::PingReq,
            13 => Self::PingResp,
            14 => Self::Disconnect,
            15 => Self::Auth,
            _ => return None,
        })
    }

    /// The fixed flags every packet but PUBLISH must carry [MQTT-2.2.2-1].
    const fn fixed_flags(self) -> u8 {
        match self {
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => 0b0010,
            _ => 0,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::ConnAck => "CONNACK",
            Self::Publish => "PUBLISH",
            Self::PubAck => "PUBACK",
            Self::PubRec => "PUBREC",
            Self::PubRel => "PUBREL",
            Self::PubComp => "PUBCOMP",
            Self::Subscribe => "SUBSCRIBE",
            Self::SubAck => "SUBACK",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::UnsubAck => "UNSUBACK",
            Self::PingReq => "PINGREQ",
            Self::PingResp => "PINGRESP",
            Self::Disconnect => "DISCONNECT",
            Self::Auth => "AUTH",
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An MQTT control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// Boxed: a CONNECT is sent once per connection, and inline it would make
    /// every `Packet` 200 bytes where the others need at most 96.
    Connect(Box<Connect>),
    ConnAck(ConnAck),
    Publish(Publish),
    PubAck(Ack),
    PubRec(Ack),
    PubRel(Ack),
    PubComp(Ack),
    Subscribe(Subscribe),
    SubAck(SubAck),
    Unsubscribe(Unsubscribe),
    UnsubAck(UnsubAck),
    PingReq,
    PingResp,
    Disconnect(Disconnect),
    Auth(Auth),
}

impl From<Connect> for Packet {
    fn from(connect: Connect) -> Self {
        Self::Connect(Box::new(connect))
    }
}

/// The fixed header: first byte and Remaining Length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedHeader {
    pub first_byte: u8,
    /// Bytes of the fixed header itself (2 to 5).
    pub header_len: usize,
    pub remaining_length: usize,
}

impl FixedHeader {
    /// The whole packet's size.
    pub const fn packet_len(&self) -> usize {
        self.header_len + self.remaining_length
    }

    /// Parses a fixed header from the start of a byte stream given as up to two
    /// slices (what is buffered, then what just arrived). `Ok(None)`: more bytes needed.
    pub fn parse(first: &[u8], second: &[u8]) -> Result<Option<Self>, DecodeError> {
        // The usual case, a whole header in the buffer, reads one slice.
        if second.is_empty() || first.len() >= 5 {
            return Self::parse_bytes(first.iter().copied());
        }
        Self::parse_bytes(first.iter().chain(second.iter()).copied())
    }

    fn parse_bytes(mut bytes: impl Iterator<Item = u8>) -> Result<Option<Self>, DecodeError> {
        let Some(first_byte) = bytes.next() else { return Ok(None) };
        let mut remaining_length = 0usize;
        for i in 0..4 {
            let Some(byte) = bytes.next() else { return Ok(None) };
            remaining_length |= usize::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                // A last byte of 0 after the first: more bytes than the value needs.
                if byte == 0 && i > 0 {
                    return Err(DecodeError::MalformedRemainingLength);
                }
                return Ok(Some(Self { first_byte, header_len: 2 + i, remaining_length }));
            }
        }
        Err(DecodeError::MalformedRemainingLength)
    }
}

impl Packet {
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }

    /// Decodes exactly one packet, fixed header included, spoken in `version`
    /// (CONNECT names its own). Bytes beyond the packet are an error. Binary
    /// fields and the payload share `bytes` rather than copying it.
    pub fn decode(version: ProtocolVersion, bytes: &Bytes) -> Result<Self, DecodeError> {
        let header = FixedHeader::parse(bytes, &[])?.ok_or(DecodeError::TruncatedFixedHeader)?;
        if header.packet_len() != bytes.len() {
            return Err(DecodeError::LengthMismatch { declared: header.packet_len(), actual: bytes.len() });
        }
        if let Some(publish) = Publish::take_common(&mut bytes.clone(), &header, version) {
            return Ok(Self::Publish(publish));
        }
        Self::decode_body(version, header.first_byte, &bytes.slice(header.header_len..))
    }

    /// Decodes the body of a packet whose fixed header has been read: any packet,
    /// PUBLISH in any form, and every malformed body, which it says what is wrong
    /// with. (`decode` and the `Decoder` take a PUBLISH in its common form with
    /// `Publish::take_common` first.) Binary fields and a PUBLISH payload share
    /// `body`.
    pub(crate) fn decode_body(version: ProtocolVersion, first_byte: u8, body: &Bytes) -> Result<Self, DecodeError> {
        let packet = PacketType::from_nibble(first_byte >> 4).ok_or(DecodeError::ReservedPacketType)?;
        let flags = first_byte & 0x0F;
        if packet != PacketType::Publish && flags != packet.fixed_flags() {
            return Err(DecodeError::InvalidHeaderFlags { packet, flags });
        }
        if packet == PacketType::Auth && !version.is_v5() {
            return Err(DecodeError::AuthNotInVersion { version });
        }
        let mut r = Reader::new(body, packet);
        let decoded = match packet {
            PacketType::Connect => Self::Connect(Box::new(Connect::decode(&mut r)?)),
            PacketType::ConnAck => Self::ConnAck(ConnAck::decode(&mut r, version)?),
            PacketType::Publish => return Publish::decode(body.clone(), version, flags).map(Self::Publish),
            PacketType::PubAck => Self::PubAck(Ack::decode(&mut r, version)?),
            PacketType::PubRec => Self::PubRec(Ack::decode(&mut r, version)?),
            PacketType::PubRel => Self::PubRel(Ack::decode(&mut r, version)?),
            PacketType::PubComp => Self::PubComp(Ack::decode(&mut r, version)?),
            PacketType::Subscribe => Self::Subscribe(Subscribe::decode(&mut r, version)?),
            PacketType::SubAck => Self::SubAck(SubAck::decode(&mut r, version)?),
            PacketType::Unsubscribe => Self::Unsubscribe(Unsubscribe::decode(&mut r, version)?),
            PacketType::UnsubAck => Self::UnsubAck(UnsubAck::decode(&mut r, version)?),
            PacketType::PingReq => Self::PingReq,
            PacketType::PingResp => Self::PingResp,
            PacketType::Disconnect => Self::Disconnect(Disconnect::decode(&mut r, version)?),
            PacketType::Auth => Self::Auth(Auth::decode(&mut r)?),
        };
        r.finish()?;
        Ok(decoded)
    }

    /// The fixed-header flags and the Remaining Length, after checking that the
    /// packet can be written in `version` without changing what it says.
    fn flags_and_body_len(&self, version: ProtocolVersion) -> Result<(u8, usize), EncodeError> {
        let packet = self.packet_type();
        let (flags, body_len) = match self {
            Self::Connect(p) => (0, p.body_len(version)?),
            Self::ConnAck(p) => (0, p.body_len(version)?),
            Self::Publish(p) => (p.parts().flags(), p.parts().body_len(version)?),
            Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) => {
                (packet.fixed_flags(), p.body_len(version, packet)?)
            }
            Self::Subscribe(p) => (packet.fixed_flags(), p.body_len(version)?),
            Self::SubAck(p) => (0, p.body_len(version)?),
            Self::Unsubscribe(p) => (packet.fixed_flags(), p.body_len(version)?),
            Self::UnsubAck(p) => (0, p.body_len(version)?),
            Self::PingReq | Self::PingResp => (0, 0),
            Self::Disconnect(p) => (0, p.body_len(version)?),
            Self::Auth(p) => (0, p.body_len(version)?),
        };
        Ok((flags, check_remaining_length(body_len)?))
    }

    /// The size of the encoded packet, fixed header included, or why it cannot be encoded.
    pub fn encoded_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        let (_, body_len) = self.flags_and_body_len(version)?;
        Ok(1 + wire::var_int_len(body_len) + body_len)
    }

    /// Appends the packet's bytes to `out`, or leaves `out` as it was and says why
    /// the packet cannot be written in `version` without changing what it says.
    ///
    /// PUBLISH is encoded inline, as in [`Packet::decode_body`]: nearly all of the
    /// traffic, and a call through the general path cost it a second dispatch.
    #[inline]
    pub fn encode(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Publish(p) => p.encode(version, out),
            _ => self.encode_control(version, out),
        }
    }

    /// Encodes any packet but PUBLISH.
    #[inline(never)]
    fn encode_control(&self, version: ProtocolVersion, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (flags, body_len) = self.flags_and_body_len(version)?;
        put_fixed_header(out, self.packet_type(), flags, body_len);
        match self {
            Self::Connect(p) => p.write(version, out),
            Self::ConnAck(p) => p.write(version, out),
            Self::Publish(p) => p.parts().write(version, out),
            Self::PubAck(p) | Self::PubRec(p) | Self::PubRel(p) | Self::PubComp(p) => p.write(version, out),
            Self::Subscribe(p) => p.write(version, out),
            Self::SubAck(p) => p.write(version, out),
            Self::Unsubscribe(p) => p.write(version, out),
            Self::UnsubAck(p) => p.write(version, out),
            Self::PingReq | Self::PingResp => {}
            Self::Disconnect(p) => p.write(version, out),
            Self::Auth(p) => p.write(out),
        }
        Ok(())
    }

    /// The packet's bytes in a new buffer.
    pub fn to_bytes(&self, version: ProtocolVersion) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(version, &mut out)?;
        Ok(out)
    }
}

/// Reserves room for the whole packet and writes its fixed header; `body_len` has
/// been checked against [`MAX_VAR_INT`].
#[inline]
pub(crate) fn put_fixed_header(out: &mut Vec<u8>, packet: PacketType, flags: u8, body_len: usize) {
    let first_byte = (packet as u8) << 4 | flags;
    let (remaining_length, len) = wire::var_int_bytes(body_len);
    out.reserve(1 + len + body_len);
    match remaining_length.get(..len).unwrap_or_default() {
        // Small packets, most of the traffic: one two-byte store instead of a copy
        // of a length known only at run time.
        &[byte] => out.extend_from_slice(&[first_byte, byte]),
        bytes => {
            out.push(first_byte);
            out.extend_from_slice(bytes);
        }
    }
}

/// The Remaining Length as the body of every packet sees it, after checking that
/// it can be written.
pub(crate) fn check_remaining_length(body_len: usize) -> Result<usize, EncodeError> {
    if body_len > MAX_VAR_INT as usize {
        return Err(EncodeError::PacketTooLarge { remaining_length: body_len });
    }
    Ok(body_len)
}

/// Reads a packet identifier that must not be 0 [MQTT-2.3.1-1].
pub(crate) fn read_packet_id(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    match r.u16("packet identifier")? {
        0 => Err(DecodeError::ZeroPacketId { packet: r.packet() }),
        id => Ok(id),
    }
}

pub(crate) fn check_packet_id(id: u16, packet: PacketType) -> Result<(), EncodeError> {
    if id == 0 {
        return Err(EncodeError::ZeroPacketId { packet });
    }
    Ok(())
}

/// Properties cannot be written before 5.0: an encoder that dropped them would
/// change what the packet says.
pub(crate) fn properties_len(
    props: &crate::Properties,
    version: ProtocolVersion,
    owner: crate::PropertyOwner,
) -> Result<usize, EncodeError> {
    if version.is_v5() {
        props.encoded_len(owner)
    } else if props.is_empty() {
        Ok(0)
    } else {
        Err(EncodeError::NotInVersion { what: "properties", version })
    }
}
