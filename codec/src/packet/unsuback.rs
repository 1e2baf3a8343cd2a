//! UNSUBACK (MQTT 3.1.1 §3.11, 5.0 §3.11).

use super::{check_packet_id, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

/// The broker's answer to UNSUBSCRIBE. Before 5.0 it carries only the packet id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnsubAck {
    pub packet_id: u16,
    /// 5.0 only: one reason code per filter, in order; empty before 5.0.
    pub reasons: Vec<ReasonCode>,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::UnsubAck);

impl UnsubAck {
    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        if !version.is_v5() {
            return Ok(Self { packet_id, ..Self::default() });
        }
        let properties = Properties::decode(r, OWNER)?;
        let codes = r.take(r.remaining(), "reason codes")?;
        if codes.is_empty() {
            return Err(DecodeError::EmptyPayload { packet: PacketType::UnsubAck });
        }
        let mut reasons = Vec::with_capacity(codes.len());
        for &code in codes {
            if !ReasonCode(code).allowed_in(PacketType::UnsubAck) {
                return Err(DecodeError::InvalidReasonCode { packet: PacketType::UnsubAck, code });
            }
            reasons.push(ReasonCode(code));
        }
        Ok(Self { packet_id, reasons, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_packet_id(self.packet_id, PacketType::UnsubAck)?;
        if !version.is_v5() {
            if !self.reasons.is_empty() {
                return Err(EncodeError::NotInVersion { what: "UNSUBACK reason codes", version });
            }
            if !self.properties.is_empty() {
                return Err(EncodeError::NotInVersion { what: "properties", version });
            }
            return Ok(2);
        }
        if self.reasons.is_empty() {
            return Err(EncodeError::EmptyPayload { packet: PacketType::UnsubAck });
        }
        if let Some(bad) = self.reasons.iter().find(|c| !c.allowed_in(PacketType::UnsubAck)) {
            return Err(EncodeError::InvalidReasonCode { packet: PacketType::UnsubAck, code: bad.0 });
        }
        Ok(2 + self.properties.encoded_len(OWNER)? + self.reasons.len())
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.write(out);
            out.extend(self.reasons.iter().map(|c| c.0));
        }
    }
}
