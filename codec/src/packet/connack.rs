//! CONNACK (MQTT 3.1.1 §3.2, 5.0 §3.2).

use super::{properties_len, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::wire::Reader;
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

/// The broker's answer to CONNECT.
///
/// `reason` is a 5.0 reason code in every version: 3.x return codes 1–5 stand as
/// their 5.0 equivalents (0x84, 0x85, 0x88, 0x86, 0x87), so callers check one thing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnAck {
    pub session_present: bool,
    pub reason: ReasonCode,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::ConnAck);

impl ConnAck {
    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let flags = r.u8("acknowledge flags")?;
        // 3.1 predates the session-present flag: its whole first byte is reserved
        // (and the encoder cannot write session present in 3.1).
        let reserved = if version == ProtocolVersion::V3_1 { 0xFF } else { 0xFE };
        if flags & reserved != 0 {
            return Err(DecodeError::ReservedConnAckFlags { flags });
        }
        let code = r.u8("return code")?;
        let invalid = DecodeError::InvalidReasonCode { packet: PacketType::ConnAck, code };
        let reason = if version.is_v5() {
            Some(ReasonCode(code)).filter(|c| c.allowed_in(PacketType::ConnAck)).ok_or(invalid)?
        } else {
            ReasonCode::from_v3_connack(code).ok_or(invalid)?
        };
        let session_present = flags & 0x01 != 0;
        // 3.1.1 and 5.0 forbid session present on refusal [MQTT-3.2.2-4].
        if session_present && reason.is_error() {
            return Err(DecodeError::SessionPresentOnRefusal);
        }
        let properties = if version.is_v5() { Properties::decode(r, OWNER)? } else { Properties::new() };
        Ok(Self { session_present, reason, properties })
    }

    fn code_byte(&self, version: ProtocolVersion) -> Result<u8, EncodeError> {
        let invalid = EncodeError::InvalidReasonCode { packet: PacketType::ConnAck, code: self.reason.0 };
        if version.is_v5() {
            if self.reason.allowed_in(PacketType::ConnAck) { Ok(self.reason.0) } else { Err(invalid) }
        } else {
            self.reason.to_v3_connack().ok_or(invalid)
        }
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        self.code_byte(version)?;
        if self.session_present && version == ProtocolVersion::V3_1 {
            return Err(EncodeError::NotInVersion { what: "session present", version });
        }
        Ok(2 + properties_len(&self.properties, version, OWNER)?)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        out.push(u8::from(self.session_present));
        out.push(self.code_byte(version).unwrap_or(0x80));
        if version.is_v5() {
            self.properties.write(out);
        }
    }
}
