//! PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 3.1.1 §3.4–3.7, 5.0 §3.4–3.7): one
//! layout, told apart by the packet type.

use super::{check_packet_id, properties_len, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

/// An acknowledgement in the QoS 1 and QoS 2 flows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ack {
    pub packet_id: u16,
    /// Always Success before 5.0.
    pub reason: ReasonCode,
    pub properties: Properties,
}

impl Ack {
    pub fn new(packet_id: u16) -> Self {
        Self { packet_id, ..Self::default() }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet = r.packet();
        let packet_id = read_packet_id(r)?;
        // 5.0 §3.4.2.1: no reason code means Success; no property length means none.
        if !version.is_v5() || r.is_empty() {
            return Ok(Self::new(packet_id));
        }
        let code = r.u8("reason code")?;
        let reason = ReasonCode(code);
        if !reason.allowed_in(packet) {
            return Err(DecodeError::InvalidReasonCode { packet, code });
        }
        let properties =
            if r.is_empty() { Properties::new() } else { Properties::decode(r, PropertyOwner::Packet(packet))? };
        Ok(Self { packet_id, reason, properties })
    }

    /// The short form (packet id alone) when there is nothing more to say.
    fn is_short(&self) -> bool {
        self.reason == ReasonCode::SUCCESS && self.properties.is_empty()
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion, packet: PacketType) -> Result<usize, EncodeError> {
        check_packet_id(self.packet_id, packet)?;
        if !version.is_v5() {
            if self.reason != ReasonCode::SUCCESS {
                return Err(EncodeError::NotInVersion { what: "a reason code other than Success", version });
            }
            properties_len(&self.properties, version, PropertyOwner::Packet(packet))?;
            return Ok(2);
        }
        if !self.reason.allowed_in(packet) {
            return Err(EncodeError::InvalidReasonCode { packet, code: self.reason.0 });
        }
        if self.is_short() {
            return Ok(2);
        }
        Ok(3 + self.properties.encoded_len(PropertyOwner::Packet(packet))?)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_u16(out, self.packet_id);
        if version.is_v5() && !self.is_short() {
            out.push(self.reason.0);
            self.properties.write(out);
        }
    }
}
