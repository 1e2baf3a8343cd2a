//! UNSUBSCRIBE (MQTT 3.1.1 §3.10, 5.0 §3.10).

use super::{check_packet_id, properties_len, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::topic::validate_topic_filter;
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion};

/// A request to remove subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unsubscribe {
    pub packet_id: u16,
    pub filters: Vec<String>,
    pub properties: Properties,
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Unsubscribe);

impl Unsubscribe {
    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = if version.is_v5() { Properties::decode(r, OWNER)? } else { Properties::new() };
        let mut filters = Vec::new();
        while !r.is_empty() {
            let filter = r.string("topic filter")?;
            validate_topic_filter(&filter).map_err(DecodeError::InvalidTopicFilter)?;
            filters.push(filter);
        }
        if filters.is_empty() {
            return Err(DecodeError::EmptyPayload { packet: PacketType::Unsubscribe });
        }
        Ok(Self { packet_id, filters, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_packet_id(self.packet_id, PacketType::Unsubscribe)?;
        if self.filters.is_empty() {
            return Err(EncodeError::EmptyPayload { packet: PacketType::Unsubscribe });
        }
        let mut len = 2 + properties_len(&self.properties, version, OWNER)?;
        for f in &self.filters {
            validate_topic_filter(f).map_err(EncodeError::InvalidTopicFilter)?;
            len += wire::string_len(f, "topic filter")?;
        }
        Ok(len)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.write(out);
        }
        for f in &self.filters {
            wire::put_prefixed(out, f.as_bytes());
        }
    }
}
