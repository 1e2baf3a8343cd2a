//! WebMQTT's MQTT codec: every control packet of MQTT 3.1, 3.1.1 and 5.0, a
//! streaming decoder, and topic matching.
//!
//! No I/O, no clock, no panics on any input: malformed bytes are a typed
//! [`DecodeError`], and a packet that cannot be written faithfully is a typed
//! [`EncodeError`], never a silent truncation. Builds natively and for wasm32.

#![deny(unsafe_code)]

mod decoder;
mod error;
pub mod packet;
mod property;
mod reason;
pub mod session;
pub mod topic;
mod version;
#[cfg(feature = "js")]
mod wasm;
mod wire;

pub use bytes::Bytes;
pub use bytestring::ByteString;
pub use decoder::{Decoder, MAX_PACKET_SIZE};
pub use error::{DecodeError, EncodeError};
pub use packet::{
    Ack, Auth, ConnAck, Connect, Disconnect, FixedHeader, Packet, PacketType, Publish, RetainHandling, SubAck,
    Subscribe, SubscribeFilter, SubscriptionOptions, UnsubAck, Unsubscribe, Will,
};
pub use property::{Properties, Property, PropertyId, PropertyOwner, PropertyValue};
pub use reason::ReasonCode;
pub use topic::{topic_matches, validate_topic_filter, validate_topic_name, TopicError, TopicName};
pub use version::{ProtocolVersion, QoS};
pub use wire::{MAX_FIELD_LEN, MAX_VAR_INT};
