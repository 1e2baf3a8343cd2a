//! CONNECT (MQTT 3.1.1 §3.1, 5.0 §3.1).

use bytes::Bytes;

use super::{properties_len, PacketType};
use crate::error::{DecodeError, EncodeError};
use crate::topic::validate_topic_name;
use crate::wire::{self, Reader};
use crate::{Properties, PropertyOwner, ProtocolVersion, QoS};

/// The first packet a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    pub protocol: ProtocolVersion,
    /// Clean Session (3.x) or Clean Start (5.0).
    pub clean_start: bool,
    /// Seconds; 0 turns keep alive off.
    pub keep_alive: u16,
    pub client_id: String,
    pub will: Option<Will>,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub properties: Properties,
}

/// The message the broker publishes when the client goes away without DISCONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Will {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub properties: Properties,
}

impl Connect {
    /// A CONNECT with the given client id, clean start, keep alive 60 s, nothing else.
    pub fn new(protocol: ProtocolVersion, client_id: impl Into<String>) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive: 60,
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
            properties: Properties::new(),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let name = r.string("protocol name")?;
        let level = r.u8("protocol level")?;
        let protocol = ProtocolVersion::from_name_and_level(&name, level)
            .ok_or(DecodeError::UnsupportedProtocol { name, level })?;
        let flags = r.u8("connect flags")?;
        if flags & 0x01 != 0 {
            return Err(DecodeError::ReservedConnectFlag);
        }
        let has_will = flags & 0x04 != 0;
        let will_qos = QoS::from_u8((flags >> 3) & 0x03).ok_or(DecodeError::InvalidQoS { field: "will QoS" })?;
        let will_retain = flags & 0x20 != 0;
        let has_password = flags & 0x40 != 0;
        let has_username = flags & 0x80 != 0;
        if !has_will && (will_qos != QoS::AtMostOnce || will_retain) {
            return Err(DecodeError::WillFlagsWithoutWill);
        }
        if has_password && !has_username && !protocol.is_v5() {
            return Err(DecodeError::PasswordWithoutUsername);
        }
        let keep_alive = r.u16("keep alive")?;
        let properties = if protocol.is_v5() {
            Properties::decode(r, PropertyOwner::Packet(PacketType::Connect))?
        } else {
            Properties::new()
        };
        let client_id = r.string("client identifier")?;
        let will = if has_will {
            let properties =
                if protocol.is_v5() { Properties::decode(r, PropertyOwner::Will)? } else { Properties::new() };
            let topic = r.string("will topic")?;
            validate_topic_name(&topic).map_err(DecodeError::InvalidTopicName)?;
            let payload = r.binary("will payload")?;
            Some(Will { topic, payload, qos: will_qos, retain: will_retain, properties })
        } else {
            None
        };
        let username = if has_username { Some(r.string("user name")?) } else { None };
        let password = if has_password { Some(r.binary("password")?) } else { None };
        Ok(Self { protocol, clean_start: flags & 0x02 != 0, keep_alive, client_id, will, username, password, properties })
    }

    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.clean_start {
            flags |= 0x02;
        }
        if let Some(will) = &self.will {
            flags |= 0x04 | will.qos.as_u8() << 3;
            if will.retain {
                flags |= 0x20;
            }
        }
        if self.password.is_some() {
            flags |= 0x40;
        }
        if self.username.is_some() {
            flags |= 0x80;
        }
        flags
    }

    pub(crate) fn body_len(&self, version: ProtocolVersion) -> Result<usize, EncodeError> {
        if self.protocol != version {
            return Err(EncodeError::VersionMismatch { packet: self.protocol, encoder: version });
        }
        if self.client_id.is_empty() {
            if version == ProtocolVersion::V3_1 {
                return Err(EncodeError::EmptyClientIdInV3_1);
            }
            if !self.clean_start && version == ProtocolVersion::V3_1_1 {
                return Err(EncodeError::EmptyClientIdWithoutCleanSession);
            }
        }
        if self.password.is_some() && self.username.is_none() && !version.is_v5() {
            return Err(EncodeError::PasswordWithoutUsername);
        }
        let mut len = wire::string_len(version.protocol_name(), "protocol name")? + 1 + 1 + 2;
        len += properties_len(&self.properties, version, PropertyOwner::Packet(PacketType::Connect))?;
        len += wire::string_len(&self.client_id, "client identifier")?;
        if let Some(will) = &self.will {
            validate_topic_name(&will.topic).map_err(EncodeError::InvalidTopicName)?;
            len += properties_len(&will.properties, version, PropertyOwner::Will)?;
            len += wire::string_len(&will.topic, "will topic")?;
            len += wire::binary_len(&will.payload, "will payload")?;
        }
        if let Some(username) = &self.username {
            len += wire::string_len(username, "user name")?;
        }
        if let Some(password) = &self.password {
            len += wire::binary_len(password, "password")?;
        }
        Ok(len)
    }

    pub(crate) fn write(&self, version: ProtocolVersion, out: &mut Vec<u8>) {
        wire::put_prefixed(out, version.protocol_name().as_bytes());
        out.push(version.level());
        out.push(self.flags());
        wire::put_u16(out, self.keep_alive);
        if version.is_v5() {
            self.properties.write(out);
        }
        wire::put_prefixed(out, self.client_id.as_bytes());
        if let Some(will) = &self.will {
            if version.is_v5() {
                will.properties.write(out);
            }
            wire::put_prefixed(out, will.topic.as_bytes());
            wire::put_prefixed(out, &will.payload);
        }
        if let Some(username) = &self.username {
            wire::put_prefixed(out, username.as_bytes());
        }
        if let Some(password) = &self.password {
            wire::put_prefixed(out, password);
        }
    }
}
