//! Reason codes (MQTT 5.0 §2.4) and the return codes of MQTT 3.1 / 3.1.1.
//!
//! One type, [`ReasonCode`], serves every version: the 3.x CONNACK return codes map
//! onto their 5.0 equivalents (the table in MQTT 5.0 §3.2.2.2 and the 3.1.1 names),
//! and SUBACK's 3.x return codes already are 5.0 reason codes.

use core::fmt;

use crate::packet::PacketType;

/// An MQTT reason code: success below 0x80, failure from 0x80.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ReasonCode(pub u8);

impl ReasonCode {
    pub const SUCCESS: Self = Self(0x00);
    pub const NORMAL_DISCONNECTION: Self = Self(0x00);
    pub const GRANTED_QOS_0: Self = Self(0x00);
    pub const GRANTED_QOS_1: Self = Self(0x01);
    pub const GRANTED_QOS_2: Self = Self(0x02);
    pub const DISCONNECT_WITH_WILL_MESSAGE: Self = Self(0x04);
    pub const NO_MATCHING_SUBSCRIBERS: Self = Self(0x10);
    pub const NO_SUBSCRIPTION_EXISTED: Self = Self(0x11);
    pub const CONTINUE_AUTHENTICATION: Self = Self(0x18);
    pub const RE_AUTHENTICATE: Self = Self(0x19);
    pub const UNSPECIFIED_ERROR: Self = Self(0x80);
    pub const MALFORMED_PACKET: Self = Self(0x81);
    pub const PROTOCOL_ERROR: Self = Self(0x82);
    pub const IMPLEMENTATION_SPECIFIC_ERROR: Self = Self(0x83);
    pub const UNSUPPORTED_PROTOCOL_VERSION: Self = Self(0x84);
    pub const CLIENT_IDENTIFIER_NOT_VALID: Self = Self(0x85);
    pub const BAD_USER_NAME_OR_PASSWORD: Self = Self(0x86);
    pub const NOT_AUTHORIZED: Self = Self(0x87);
    pub const SERVER_UNAVAILABLE: Self = Self(0x88);
    pub const SERVER_BUSY: Self = Self(0x89);
    pub const BANNED: Self = Self(0x8A);
    pub const SERVER_SHUTTING_DOWN: Self = Self(0x8B);
    pub const BAD_AUTHENTICATION_METHOD: Self = Self(0x8C);
    pub const KEEP_ALIVE_TIMEOUT: Self = Self(0x8D);
    pub const SESSION_TAKEN_OVER: Self = Self(0x8E);
    pub const TOPIC_FILTER_INVALID: Self = Self(0x8F);
    pub const TOPIC_NAME_INVALID: Self = Self(0x90);
    pub const PACKET_IDENTIFIER_IN_USE: Self = Self(0x91);
    pub const PACKET_IDENTIFIER_NOT_FOUND: Self = Self(0x92);
    pub const RECEIVE_MAXIMUM_EXCEEDED: Self = Self(0x93);
    pub const TOPIC_ALIAS_INVALID: Self = Self(0x94);
    pub const PACKET_TOO_LARGE: Self = Self(0x95);
    pub const MESSAGE_RATE_TOO_HIGH: Self = Self(0x96);
    pub const QUOTA_EXCEEDED: Self = Self(0x97);
    pub const ADMINISTRATIVE_ACTION: Self = Self(0x98);
    pub const PAYLOAD_FORMAT_INVALID: Self = Self(0x99);
    pub const RETAIN_NOT_SUPPORTED: Self = Self(0x9A);
    pub const QOS_NOT_SUPPORTED: Self = Self(0x9B);
    pub const USE_ANOTHER_SERVER: Self = Self(0x9C);
    pub const SERVER_MOVED: Self = Self(0x9D);
    pub const SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: Self = Self(0x9E);
    pub const CONNECTION_RATE_EXCEEDED: Self = Self(0x9F);
    pub const MAXIMUM_CONNECT_TIME: Self = Self(0xA0);
    pub const SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: Self = Self(0xA1);
    pub const WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: Self = Self(0xA2);

    /// Codes from 0x80 up report failure.
    pub const fn is_error(self) -> bool {
        self.0 >= 0x80
    }

    /// The specification's name of the code, in the sense it has in `packet`
    /// (0x00 is "Success", "Normal disconnection" or "Granted QoS 0").
    pub fn name_in(self, packet: PacketType) -> &'static str {
        match (self.0, packet) {
            (0x00, PacketType::Disconnect) => "Normal disconnection",
            (0x00, PacketType::SubAck) => "Granted QoS 0",
            _ => self.name(),
        }
    }

    /// The specification's name of the code.
    pub fn name(self) -> &'static str {
        describe(self.0).map_or("Unknown reason code", |(name, _)| name)
    }

    /// One line saying what the code means, after the specification (§2.4 and the
    /// packets' tables). Words for people (what to do about it, in a UI's language)
    /// are the front end's business, not the codec's.
    pub fn meaning(self) -> &'static str {
        describe(self.0).map_or("The broker sent a reason code the MQTT 5.0 specification does not define.", |(_, meaning)| meaning)
    }

    /// Whether MQTT 5.0 allows this code in `packet` (the tables of §3.x.2.x).
    pub fn allowed_in(self, packet: PacketType) -> bool {
        allowed_codes(packet).contains(&self.0)
    }

    /// The 3.1 / 3.1.1 CONNACK return code for this reason, if it has one.
    pub fn to_v3_connack(self) -> Option<u8> {
        V3_CONNACK.iter().find(|(_, code)| *code == self).map(|(rc, _)| *rc)
    }

    /// The reason code standing for a 3.1 / 3.1.1 CONNACK return code (0–5).
    pub fn from_v3_connack(return_code: u8) -> Option<Self> {
        V3_CONNACK.iter().find(|(rc, _)| *rc == return_code).map(|(_, code)| *code)
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:02X} {}", self.0, self.name())
    }
}

/// 3.x CONNACK return code (3.1.1 §3.2.2.3) and the 5.0 reason code it maps to.
const V3_CONNACK: [(u8, ReasonCode); 6] = [
    (0, ReasonCode::SUCCESS),
    (1, ReasonCode::UNSUPPORTED_PROTOCOL_VERSION),
    (2, ReasonCode::CLIENT_IDENTIFIER_NOT_VALID),
    (3, ReasonCode::SERVER_UNAVAILABLE),
    (4, ReasonCode::BAD_USER_NAME_OR_PASSWORD),
    (5, ReasonCode::NOT_AUTHORIZED),
];

fn describe(code: u8) -> Option<(&'static str, &'static str)> {
    Some(match code {
        0x00 => ("Success", "The operation completed successfully."),
        0x01 => ("Granted QoS 1", "The subscription was accepted with maximum QoS 1."),
        0x02 => ("Granted QoS 2", "The subscription was accepted with maximum QoS 2."),
        0x04 => ("Disconnect with Will Message", "The client disconnects and wants its will message published."),
        0x10 => ("No matching subscribers", "The message was accepted but nobody is subscribed to its topic."),
        0x11 => ("No subscription existed", "There was no subscription with that topic filter to remove."),
        0x18 => ("Continue authentication", "Authentication goes on with another exchange."),
        0x19 => ("Re-authenticate", "The client starts a new authentication."),
        0x80 => ("Unspecified error", "The sender does not say why, or no other reason code applies."),
        0x81 => ("Malformed Packet", "A packet could not be parsed as the specification requires."),
        0x82 => ("Protocol Error", "A packet broke the protocol's rules."),
        0x83 => ("Implementation specific error", "The request is valid but the broker does not accept it."),
        0x84 => ("Unsupported Protocol Version", "The broker does not support the requested MQTT version."),
        0x85 => ("Client Identifier not valid", "The client identifier is valid UTF-8 but the broker does not allow it."),
        0x86 => ("Bad User Name or Password", "The broker does not accept the user name or password."),
        0x87 => ("Not authorized", "The client is not allowed to do this."),
        0x88 => ("Server unavailable", "The broker cannot take connections right now."),
        0x89 => ("Server busy", "The broker is busy."),
        0x8A => ("Banned", "This client has been banned by the broker's administrator."),
        0x8B => ("Server shutting down", "The broker is shutting down."),
        0x8C => ("Bad authentication method", "The broker does not support the authentication method."),
        0x8D => ("Keep Alive timeout", "The broker heard nothing within 1.5 times the keep alive interval."),
        0x8E => ("Session taken over", "Another connection logged in with the same client id."),
        0x8F => ("Topic Filter invalid", "The topic filter is well formed but the broker does not accept it."),
        0x90 => ("Topic Name invalid", "The topic name is well formed but the broker does not accept it."),
        0x91 => ("Packet Identifier in use", "The packet identifier is already in use."),
        0x92 => ("Packet Identifier not found", "The packet identifier is not known to the receiver."),
        0x93 => ("Receive Maximum exceeded", "More QoS 1 and 2 messages were in flight than the receiver allows."),
        0x94 => ("Topic Alias invalid", "The topic alias is zero or above the allowed maximum."),
        0x95 => ("Packet too large", "The packet is larger than the receiver's maximum packet size."),
        0x96 => ("Message rate too high", "Messages are arriving faster than the broker accepts."),
        0x97 => ("Quota exceeded", "An administrative quota has been exceeded."),
        0x98 => ("Administrative action", "The connection was closed by an administrator."),
        0x99 => ("Payload format invalid", "The payload does not match the payload format indicator."),
        0x9A => ("Retain not supported", "The broker does not support retained messages."),
        0x9B => ("QoS not supported", "The broker does not support that QoS."),
        0x9C => ("Use another server", "The client should temporarily use another broker (see the server reference)."),
        0x9D => ("Server moved", "The client should permanently use another broker (see the server reference)."),
        0x9E => ("Shared Subscriptions not supported", "The broker does not support shared subscriptions."),
        0x9F => ("Connection rate exceeded", "The broker's limit on the connection rate has been exceeded."),
        0xA0 => ("Maximum connect time", "The connection reached the longest time the broker allows."),
        0xA1 => ("Subscription Identifiers not supported", "The broker does not support subscription identifiers."),
        0xA2 => ("Wildcard Subscriptions not supported", "The broker does not support wildcard subscriptions."),
        _ => return None,
    })
}

/// The codes MQTT 5.0 allows in each packet that carries one.
fn allowed_codes(packet: PacketType) -> &'static [u8] {
    match packet {
        PacketType::ConnAck => &[
            0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99,
            0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
        ],
        PacketType::PubAck | PacketType::PubRec => &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
        PacketType::PubRel | PacketType::PubComp => &[0x00, 0x92],
        PacketType::SubAck => &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2],
        PacketType::UnsubAck => &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91],
        PacketType::Disconnect => &[
            0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96,
            0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
        ],
        PacketType::Auth => &[0x00, 0x18, 0x19],
        _ => &[],
    }
}

/// The SUBACK return codes of MQTT 3.1 and 3.1.1.
pub(crate) fn allowed_in_v3_suback(code: ReasonCode) -> bool {
    matches!(code.0, 0x00 | 0x01 | 0x02 | 0x80)
}
