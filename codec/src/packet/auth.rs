//! AUTH (MQTT 5.0 §3.15): extended authentication exchanges.

use super::disconnect::{decode_reason_and_properties, reason_and_properties_len};
use super::PacketType;
use crate::error::{DecodeError, EncodeError};
use crate::wire::Reader;
use crate::{Properties, PropertyOwner, ProtocolVersion, ReasonCode};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    pub reason: ReasonCode,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Auth);

impl Auth {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        decode_reason_and_properties(r, true, OWNER).map(|(reason, properties)| Self { reason, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        if !version.is_v5() {
            return Err(EncodeError::NotInVersion { what: "AUTH", version });
        }
        reason_and_properties_len(self.reason, &self.properties, PacketType::Auth)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(self.reason.0);
        self.properties.write(out);
    }
}
