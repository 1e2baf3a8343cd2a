//! SUBACK (MQTT 3.1.1 §3.9, 5.0 §3.9).

use super::{check_packet_id, properties_len, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::reason::allowed_in_v3_suback;
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

/// The broker's answer to SUBSCRIBE: one reason code per filter, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubAck {
    pub packet_id: u16,
    /// Granted QoS (0x00–0x02) or a failure (0x80 and up).
    pub reasons: Vec<ReasonCode>,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::SubAck);

fn allowed(code: ReasonCode, version: ProtocolVersion) -> bool {
    if version.is_v5() {
        code.allowed_in(PacketType::SubAck)
    } else {
        allowed_in_v3_suback(code)
    }
}

impl SubAck {
    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = if version.is_v5() { Properties::decode(r, OWNER)? } else { Properties::new() };
        let codes = r.take(r.remaining(), "reason codes")?;
        if codes.is_empty() {
            return Err(DecodeError::EmptyPayload { packet: PacketType::SubAck });
        }
        let mut reasons = Vec::with_capacity(codes.len());
        for &code in codes {
            if !allowed(ReasonCode(code), version) {
                return Err(DecodeError::InvalidReasonCode { packet: PacketType::SubAck, code });
            }
            reasons.push(ReasonCode(code));
        }
        Ok(Self { packet_id, reasons, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_packet_id(self.packet_id, PacketType::SubAck)?;
        if self.reasons.is_empty() {
            return Err(EncodeError::EmptyPayload { packet: PacketType::SubAck });
        }
        if let Some(bad) = self.reasons.iter().find(|c| !allowed(**c, version)) {
            return Err(EncodeError::InvalidReasonCode { packet: PacketType::SubAck, code: bad.0 });
        }
        Ok(2 + properties_len(&self.properties, version, OWNER)? + self.reasons.len())
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.write(out);
        }
        out.extend(self.reasons.iter().map(|c| c.0));
    }
}
