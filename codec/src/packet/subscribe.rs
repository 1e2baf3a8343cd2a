//! SUBSCRIBE (MQTT 3.1.1 §3.8, 5.0 §3.8).

use super::{check_packet_id, properties_len, read_packet_id, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::topic::{shared_subscription, validate_topic_filter};
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, QoS};

/// A request for one or more subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscribe {
    pub packet_id: u16,
    pub filters: Vec<SubscribeFilter>,
    pub properties: Properties,
}

/// One topic filter and its options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubscribeFilter {
    pub filter: String,
    pub options: SubscriptionOptions,
}

/// Subscription options (5.0 §3.8.3.1); before 5.0 only `qos` exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionOptions {
    pub qos: QoS,
    pub no_local: bool,
    pub retain_as_published: bool,
    pub retain_handling: RetainHandling,
}

/// When the broker sends retained messages for a new subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RetainHandling {
    #[default]
    SendAtSubscribe = 0,
    SendAtNewSubscribe = 1,
    DoNotSend = 2,
}

impl SubscribeFilter {
    pub fn new(filter: impl Into<String>, qos: QoS) -> Self {
        Self { filter: filter.into(), options: SubscriptionOptions { qos, ..SubscriptionOptions::default() } }
    }
}

impl SubscriptionOptions {
    fn decode(byte: u8, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let reserved = if version.is_v5() { 0xC0 } else { 0xFC };
        if byte & reserved != 0 {
            return Err(DecodeError::ReservedSubscriptionOptions { options: byte });
        }
        Ok(Self {
            qos: QoS::from_u8(byte & 0x03).ok_or(DecodeError::InvalidQoS { field: "subscription QoS" })?,
            no_local: byte & 0x04 != 0,
            retain_as_published: byte & 0x08 != 0,
            retain_handling: match (byte >> 4) & 0x03 {
                0 => RetainHandling::SendAtSubscribe,
                1 => RetainHandling::SendAtNewSubscribe,
                2 => RetainHandling::DoNotSend,
                _ => return Err(DecodeError::InvalidRetainHandling),
            },
        })
    }

    fn byte(self) -> u8 {
        self.qos.as_u8()
            | u8::from(self.no_local) << 2
            | u8::from(self.retain_as_published) << 3
            | (self.retain_handling as u8) << 4
    }
}

const OWNER: PropertyOwner = PropertyOwner::Packet(PacketType::Subscribe);

impl Subscribe {
    pub fn new(packet_id: u16, filters: Vec<SubscribeFilter>) -> Self {
        Self { packet_id, filters, properties: Properties::new() }
    }

    pub(crate) fn decode(r: &mut Reader<'_>, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = if version.is_v5() { Properties::decode(r, OWNER)? } else { Properties::new() };
        let mut filters = Vec::new();
        while !r.is_empty() {
            let filter = r.string("topic filter")?;
            validate_topic_filter(&filter).map_err(DecodeError::InvalidTopicFilter)?;
            let options = SubscriptionOptions::decode(r.u8("subscription options")?, version)?;
            if options.no_local && shared_subscription(&filter).is_some() {
                return Err(DecodeError::NoLocalOnSharedSubscription);
            }
            filters.push(SubscribeFilter { filter, options });
        }
        if filters.is_empty() {
            return Err(DecodeError::EmptyPayload { packet: PacketType::Subscribe });
        }
        Ok(Self { packet_id, filters, properties })
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        check_packet_id(self.packet_id, PacketType::Subscribe)?;
        if self.filters.is_empty() {
            return Err(EncodeError::EmptyPayload { packet: PacketType::Subscribe });
        }
        let mut len = 2 + properties_len(&self.properties, version, OWNER)?;
        for f in &self.filters {
            validate_topic_filter(&f.filter).map_err(EncodeError::InvalidTopicFilter)?;
            let o = f.options;
            if !version.is_v5() && (o.no_local || o.retain_as_published || o.retain_handling != RetainHandling::default()) {
                return Err(EncodeError::NotInVersion { what: "subscription options other than QoS", version });
            }
            if o.no_local && shared_subscription(&f.filter).is_some() {
                return Err(EncodeError::NoLocalOnSharedSubscription);
            }
            len += wire::string_len(&f.filter, "topic filter")? + 1;
        }
        Ok(len)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_u16(out, self.packet_id);
        if version.is_v5() {
            self.properties.write(out);
        }
        for f in &self.filters {
            wire::put_prefixed(out, f.filter.as_bytes());
            out.push(f.options.byte());
        }
    }
}
