//! DISCONNECT (MQTT 3.1.1 §3.14, 5.0 §3.14). In 5.0 either side may send it.

use super::PacketType;
use crate::error::{DecodeError, EncodeError};
use crate::wire::Reader;
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disconnect {
    /// Always Normal disconnection before 5.0.
    pub reason: ReasonCode,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Disconnect);

impl Disconnect {
    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        decode_reason_and_properties(r, version.is_v5(), OWNER)
            .map(|(reason, properties)| Self { reason, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        if !version.is_v5() {
            if self.reason != ReasonCode::NORMAL_DISCONNECTION {
                return Err(EncodeError::NotInVersion { what: "a DISCONNECT reason code", version });
            }
            if !self.properties.is_empty() {
                return Err(EncodeError::NotInVersion { what: "properties", version });
            }
            return Ok(0);
        }
        reason_and_properties_len(self.reason, &self.properties, PacketType::Disconnect)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        if version.is_v5() {
            out.push(self.reason.0);
            self.properties.write(out);
        }
    }
}

/// DISCONNECT and AUTH (5.0 §3.14.2, §3.15.2): with no bytes the reason is 0x00,
/// with one byte there are no properties.
pub(super) fn decode_reason_and_properties(
    r: &mut Reader<'_>,
    v5: bool,
    owner: PropertyOwner,
) -> Result<(ReasonCode, Properties), DecodeError> {
    let packet = r.packet();
    if !v5 || r.is_empty() {
        return Ok((ReasonCode::SUCCESS, Properties::new()));
    }
    let code = r.u8("reason code")?;
    if !ReasonCode(code).allowed_in(packet) {
        return Err(DecodeError::InvalidReasonCode { packet, code });
    }
    let properties = if r.is_empty() { Properties::new() } else { Properties::decode(r, owner)? };
    Ok((ReasonCode(code), properties))
}

/// Both are always written in full: reason code and property length.
pub(super) fn reason_and_properties_len(
    reason: ReasonCode,
    properties: &Properties,
    packet: PacketType,
) -> Result<usize, EncodeError> {
    if !reason.allowed_in(packet) {
        return Err(EncodeError::InvalidReasonCode { packet, code: reason.0 });
    }
    Ok(1 + properties.encoded_len(PropertyOwner::Packet(packet))?)
}
