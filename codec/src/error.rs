//! Typed errors. Every malformed input and every packet the encoder cannot write
//! faithfully ends in one of these, with enough detail to say what is wrong.

use core::fmt;

use crate::packet::PacketType;
use crate::property::{PropertyId, PropertyOwner};
use crate::topic::TopicError;
use crate::ProtocolVersion;

/// Why bytes are not a valid MQTT packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The Remaining Length runs over four bytes, or over more bytes than its value
    /// needs (`80 00` for 0) [MQTT-1.5.5-1].
    MalformedRemainingLength,
    /// The packet, fixed header included, is larger than the receiver accepts.
    PacketTooLarge { size: usize, maximum: usize },
    /// The fixed header says the packet is longer or shorter than the bytes given.
    LengthMismatch { declared: usize, actual: usize },
    /// The bytes end inside the fixed header.
    TruncatedFixedHeader,
    /// Packet type 0 is reserved.
    ReservedPacketType,
    /// AUTH (type 15) exists only in MQTT 5.0.
    AuthNotInVersion { version: ProtocolVersion },
    /// Reserved bits of the fixed header are not what the specification requires [MQTT-2.2.2-1].
    InvalidHeaderFlags { packet: PacketType, flags: u8 },
    /// A QoS field holds 3 [MQTT-3.3.1-4].
    InvalidQoS { field: &'static str },
    /// DUP is set on a QoS 0 PUBLISH [MQTT-3.3.1-2].
    DupWithQoS0,
    /// The packet ends in the middle of a field.
    Truncated { packet: PacketType, field: &'static str },
    /// Bytes are left over after the last field of the packet.
    TrailingBytes { packet: PacketType, count: usize },
    /// A string field is not valid UTF-8 [MQTT-1.5.4-1].
    InvalidUtf8 { field: &'static str },
    /// A string field contains U+0000 [MQTT-1.5.4-2].
    NullCharacter { field: &'static str },
    /// A Variable Byte Integer (other than the Remaining Length) runs over four bytes,
    /// or over more bytes than its value needs [MQTT-1.5.5-1].
    MalformedVariableByteInteger { field: &'static str },
    /// CONNECT names a protocol or level this codec does not speak [MQTT-3.1.2-1, -2].
    UnsupportedProtocol { name: String, level: u8 },
    /// CONNECT's reserved flag bit is set [MQTT-3.1.2-3].
    ReservedConnectFlag,
    /// Will QoS or Will Retain is set without the Will Flag [MQTT-3.1.2-11, -13, -15].
    WillFlagsWithoutWill,
    /// The password flag is set without the user name flag, before 5.0 [MQTT-3.1.2-22].
    PasswordWithoutUsername,
    /// CONNACK's reserved flag bits are set [MQTT-3.2.2-1].
    ReservedConnAckFlags { flags: u8 },
    /// CONNACK refuses the connection but says a session is present [MQTT-3.2.2-4].
    SessionPresentOnRefusal,
    /// A packet identifier is 0 where one is required [MQTT-2.3.1-1].
    ZeroPacketId { packet: PacketType },
    /// A reason or return code the specification does not allow in this packet.
    InvalidReasonCode { packet: PacketType, code: u8 },
    /// A PUBLISH or will topic is not a valid topic name (wildcards, U+0000, …).
    InvalidTopicName(TopicError),
    /// A SUBSCRIBE or UNSUBSCRIBE topic filter is not valid.
    InvalidTopicFilter(TopicError),
    /// A PUBLISH has an empty topic and no topic alias [MQTT-3.3.2-... 5.0 §3.3.2.3.4].
    EmptyTopicWithoutAlias,
    /// SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK without a single entry [MQTT-3.8.3-3, 3.10.3-2].
    EmptyPayload { packet: PacketType },
    /// Reserved bits of a subscription options byte are set [MQTT-3.8.3-5].
    ReservedSubscriptionOptions { options: u8 },
    /// Retain Handling is 3 [MQTT-3.8.3-... 5.0 §3.8.3.1].
    InvalidRetainHandling,
    /// No Local is set on a shared subscription [MQTT-3.8.3-4].
    NoLocalOnSharedSubscription,
    /// A property identifier the specification does not define.
    UnknownProperty { id: u32 },
    /// A property that may not appear where it does [MQTT 5.0 §2.2.2.2].
    PropertyNotAllowed { property: PropertyId, owner: PropertyOwner },
    /// A property given twice where it may appear once.
    DuplicateProperty { property: PropertyId },
    /// A property with a value the specification forbids (e.g. Receive Maximum 0).
    InvalidPropertyValue { property: PropertyId, value: u32 },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedRemainingLength => {
                f.write_str("remaining length is encoded in more than 4 bytes or in more bytes than its value needs")
            }
            Self::PacketTooLarge { size, maximum } => {
                write!(f, "packet of {size} bytes is larger than the maximum of {maximum} bytes")
            }
            Self::LengthMismatch { declared, actual } => {
                write!(f, "fixed header declares {declared} bytes but {actual} were given")
            }
            Self::TruncatedFixedHeader => f.write_str("the bytes end inside the fixed header"),
            Self::ReservedPacketType => f.write_str("packet type 0 is reserved"),
            Self::AuthNotInVersion { version } => write!(f, "AUTH packets do not exist in {version}"),
            Self::InvalidHeaderFlags { packet, flags } => {
                write!(f, "reserved fixed-header flags of {packet} are {flags:#06b}, which the specification forbids")
            }
            Self::InvalidQoS { field } => write!(f, "{field} is QoS 3, which does not exist"),
            Self::DupWithQoS0 => f.write_str("DUP flag set on a QoS 0 PUBLISH"),
            Self::Truncated { packet, field } => write!(f, "{packet} ends before its {field}"),
            Self::TrailingBytes { packet, count } => write!(f, "{count} unexpected bytes after the end of {packet}"),
            Self::InvalidUtf8 { field } => write!(f, "{field} is not valid UTF-8"),
            Self::NullCharacter { field } => write!(f, "{field} contains the null character U+0000"),
            Self::MalformedVariableByteInteger { field } => {
                write!(f, "{field} is a variable byte integer longer than 4 bytes or than its value needs")
            }
            Self::UnsupportedProtocol { name, level } => {
                write!(f, "unsupported protocol \"{name}\" level {level} (expected MQIsdp 3, MQTT 4 or MQTT 5)")
            }
            Self::ReservedConnectFlag => f.write_str("reserved CONNECT flag (bit 0) is set"),
            Self::WillFlagsWithoutWill => f.write_str("will QoS or will retain is set without the will flag"),
            Self::PasswordWithoutUsername => f.write_str("password flag is set without the user name flag"),
            Self::ReservedConnAckFlags { flags } => write!(f, "reserved CONNACK flag bits are set ({flags:#010b})"),
            Self::SessionPresentOnRefusal => f.write_str("CONNACK refuses the connection but sets session present"),
            Self::ZeroPacketId { packet } => write!(f, "{packet} has packet identifier 0"),
            Self::InvalidReasonCode { packet, code } => write!(f, "{code:#04x} is not a valid {packet} reason code"),
            Self::InvalidTopicName(e) => write!(f, "invalid topic name: {e}"),
            Self::InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            Self::EmptyTopicWithoutAlias => f.write_str("PUBLISH has an empty topic and no topic alias"),
            Self::EmptyPayload { packet } => write!(f, "{packet} has no entries in its payload"),
            Self::ReservedSubscriptionOptions { options } => {
                write!(f, "reserved bits of subscription options are set ({options:#010b})")
            }
            Self::InvalidRetainHandling => f.write_str("retain handling is 3, which is reserved"),
            Self::NoLocalOnSharedSubscription => f.write_str("no local is set on a shared subscription"),
            Self::UnknownProperty { id } => write!(f, "unknown property identifier {id:#04x}"),
            Self::PropertyNotAllowed { property, owner } => write!(f, "{property} is not allowed in {owner}"),
            Self::DuplicateProperty { property } => write!(f, "{property} appears more than once"),
            Self::InvalidPropertyValue { property, value } => write!(f, "{property} has the invalid value {value}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a packet cannot be encoded without changing what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// A UTF-8 string field is longer than 65,535 bytes.
    StringTooLong { field: &'static str, len: usize },
    /// A binary field is longer than 65,535 bytes.
    BinaryTooLong { field: &'static str, len: usize },
    /// A string field contains U+0000 [MQTT-1.5.4-2].
    NullCharacter { field: &'static str },
    /// The packet's remaining length would exceed 268,435,455 bytes.
    PacketTooLarge { remaining_length: usize },
    /// QoS 1 and 2 PUBLISH and every acknowledgement need a non-zero packet identifier.
    ZeroPacketId { packet: PacketType },
    /// DUP must be 0 on a QoS 0 PUBLISH [MQTT-3.3.1-2].
    DupWithQoS0,
    /// A PUBLISH or will topic is not a valid topic name.
    InvalidTopicName(TopicError),
    /// A SUBSCRIBE or UNSUBSCRIBE topic filter is not valid.
    InvalidTopicFilter(TopicError),
    /// An empty PUBLISH topic needs a topic alias (5.0 only).
    EmptyTopicWithoutAlias,
    /// SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK (5.0) must carry at least one entry.
    EmptyPayload { packet: PacketType },
    /// The packet uses something this protocol version cannot express.
    NotInVersion { what: &'static str, version: ProtocolVersion },
    /// A reason code the packet may not carry.
    InvalidReasonCode { packet: PacketType, code: u8 },
    /// A property that may not appear in this packet.
    PropertyNotAllowed { property: PropertyId, owner: PropertyOwner },
    /// A property given twice where it may appear once.
    DuplicateProperty { property: PropertyId },
    /// A property value the specification forbids.
    InvalidPropertyValue { property: PropertyId, value: u32 },
    /// MQTT 3.1 needs a client id of at least one character.
    EmptyClientIdInV3_1,
    /// An empty client id needs a clean session [MQTT-3.1.3-7].
    EmptyClientIdWithoutCleanSession,
    /// Before 5.0 a password needs a user name [MQTT-3.1.2-22].
    PasswordWithoutUsername,
    /// No Local on a shared subscription [MQTT-3.8.3-4].
    NoLocalOnSharedSubscription,
    /// CONNECT names one version and the packet is being encoded for another.
    VersionMismatch { packet: ProtocolVersion, encoder: ProtocolVersion },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StringTooLong { field, len } => {
                write!(f, "{field} is {len} bytes long; MQTT strings hold at most 65535 bytes")
            }
            Self::BinaryTooLong { field, len } => {
                write!(f, "{field} is {len} bytes long; MQTT binary fields hold at most 65535 bytes")
            }
            Self::NullCharacter { field } => write!(f, "{field} contains the null character U+0000"),
            Self::PacketTooLarge { remaining_length } => write!(
                f,
                "packet body of {remaining_length} bytes exceeds the MQTT limit of 268435455 bytes"
            ),
            Self::ZeroPacketId { packet } => write!(f, "{packet} needs a packet identifier from 1 to 65535"),
            Self::DupWithQoS0 => f.write_str("DUP cannot be set on a QoS 0 message"),
            Self::InvalidTopicName(e) => write!(f, "invalid topic name: {e}"),
            Self::InvalidTopicFilter(e) => write!(f, "invalid topic filter: {e}"),
            Self::EmptyTopicWithoutAlias => f.write_str("an empty topic is only allowed with a topic alias"),
            Self::EmptyPayload { packet } => write!(f, "{packet} needs at least one entry"),
            Self::NotInVersion { what, version } => write!(f, "{what} cannot be expressed in {version}"),
            Self::InvalidReasonCode { packet, code } => write!(f, "{code:#04x} is not a valid {packet} reason code"),
            Self::PropertyNotAllowed { property, owner } => write!(f, "{property} is not allowed in {owner}"),
            Self::DuplicateProperty { property } => write!(f, "{property} may appear only once"),
            Self::InvalidPropertyValue { property, value } => write!(f, "{property} cannot be {value}"),
            Self::EmptyClientIdInV3_1 => f.write_str("MQTT 3.1 needs a client id of 1 to 23 characters"),
            Self::EmptyClientIdWithoutCleanSession => {
                f.write_str("an empty client id is only allowed with a clean session")
            }
            Self::PasswordWithoutUsername => f.write_str("a password needs a user name before MQTT 5.0"),
            Self::NoLocalOnSharedSubscription => f.write_str("no local cannot be set on a shared subscription"),
            Self::VersionMismatch { packet, encoder } => {
                write!(f, "CONNECT is for {packet} but the encoder speaks {encoder}")
            }
        }
    }
}

impl std::error::Error for EncodeError {}
