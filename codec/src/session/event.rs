//! What the engine tells its caller.

use core::fmt;

use crate::{Auth, DecodeError, EncodeError, PacketType, Properties, Publish, QoS, ReasonCode, TopicName};

/// Something the caller should know about, from [`super::Session::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// CONNACK accepted the connection.
    Connected(Connected),
    /// CONNACK refused the connection. The transport should be closed.
    ConnectionRefused(Refusal),
    /// An application message from the broker, delivered once (QoS 2 duplicates are dropped).
    Message(Publish),
    /// An outgoing QoS 1 or 2 message completed its flow (PUBACK or PUBCOMP), or was
    /// refused by the broker with a 5.0 reason code of 0x80 or more in PUBACK/PUBREC.
    PublishAcknowledged { packet_id: u16, reason: ReasonCode },
    /// An outgoing message could not be sent; nothing of it reached the broker.
    PublishFailed { packet_id: u16, topic: TopicName, error: SessionError },
    /// SUBACK: one result per filter, in the order they were asked for.
    Subscribed { packet_id: u16, results: Vec<SubscriptionResult> },
    /// UNSUBACK: one reason per filter (Success for each, before 5.0).
    Unsubscribed { packet_id: u16, results: Vec<(String, ReasonCode)> },
    /// An AUTH packet from the broker (5.0 extended authentication), passed through.
    AuthReceived(Auth),
    /// The connection is over: the transport should be closed, and may reconnect.
    ConnectionClosed(CloseReason),
}

/// An accepted connection and what the broker said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    pub session_present: bool,
    /// The client id the broker assigned, when we connected with an empty one.
    pub assigned_client_id: Option<String>,
    pub server: ServerLimits,
    /// Filters the engine subscribed again because the broker had no session for us.
    pub resubscribed: Vec<String>,
    /// QoS 1 and 2 messages (and PUBRELs) sent again because the session was resumed.
    pub resent: usize,
}

/// The limits the broker announced in CONNACK, with the specification's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// The keep alive in force: the broker's Server Keep Alive, else ours.
    pub keep_alive: u16,
    pub receive_maximum: u16,
    pub maximum_packet_size: Option<u32>,
    pub topic_alias_maximum: u16,
    pub maximum_qos: QoS,
    pub retain_available: bool,
    pub wildcard_subscription_available: bool,
    pub subscription_identifiers_available: bool,
    pub shared_subscription_available: bool,
    /// Every CONNACK property as received.
    pub properties: Properties,
}

impl ServerLimits {
    pub(crate) fn defaults(keep_alive: u16) -> Self {
        Self {
            keep_alive,
            receive_maximum: u16::MAX,
            maximum_packet_size: None,
            topic_alias_maximum: 0,
            maximum_qos: QoS::ExactlyOnce,
            retain_available: true,
            wildcard_subscription_available: true,
            subscription_identifiers_available: true,
            shared_subscription_available: true,
            properties: Properties::new(),
        }
    }
}

/// A refused CONNACK, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: ReasonCode,
    /// mosquitto_sub's words: "Connection Refused: not authorised." (3.x), "Not authorized" (5.0).
    pub message: &'static str,
    /// What to try next, e.g. "Check the user name and password."
    pub hint: &'static str,
    /// 5.0 Reason String, if the broker gave one.
    pub reason_string: Option<String>,
}

/// The outcome for one filter of a SUBSCRIBE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionResult {
    pub filter: String,
    /// Granted QoS, or the failure reason.
    pub result: Result<QoS, ReasonCode>,
}

/// Why the connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The caller asked for it with `disconnect`.
    ClientDisconnect,
    /// The transport reported the connection closed.
    TransportClosed,
    /// No CONNACK within the connect timeout.
    ConnectTimeout,
    /// No PINGRESP within half a keep-alive interval of PINGREQ.
    KeepAliveTimeout,
    /// The broker sent DISCONNECT (5.0).
    ServerDisconnect { reason: ReasonCode, reason_string: Option<String>, server_reference: Option<String> },
    /// The broker broke the protocol; in 5.0 we sent DISCONNECT with `violation.reason_code()`.
    ProtocolViolation(ProtocolViolation),
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientDisconnect => f.write_str("disconnected"),
            Self::TransportClosed => f.write_str("the connection was closed"),
            Self::ConnectTimeout => f.write_str("the broker did not answer CONNECT in time"),
            Self::KeepAliveTimeout => f.write_str("the broker stopped answering (keep alive timeout)"),
            Self::ServerDisconnect { reason, reason_string, .. } => {
                write!(f, "the broker disconnected: {}", reason.name_in(PacketType::Disconnect))?;
                if let Some(s) = reason_string {
                    write!(f, " ({s})")?;
                }
                Ok(())
            }
            Self::ProtocolViolation(v) => write!(f, "the broker broke the MQTT protocol: {v}"),
        }
    }
}

/// A broker misbehaving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolViolation {
    /// Bytes that are not a valid packet.
    Malformed(DecodeError),
    /// A packet other than CONNACK (or AUTH) before CONNACK.
    PacketBeforeConnAck(PacketType),
    /// A second CONNACK.
    ConnAckTwice,
    /// A packet a broker never sends to a client, or DISCONNECT before 5.0.
    UnexpectedPacket(PacketType),
    /// An acknowledgement for a packet identifier we have not got in flight.
    UnknownPacketId { packet: PacketType, packet_id: u16 },
    /// SUBACK or UNSUBACK with a different number of results than filters asked for.
    ResultCountMismatch { packet: PacketType, expected: usize, received: usize },
    /// A topic alias used before it was set.
    TopicAliasNotSet(u16),
    /// A topic alias of 0 or above our Topic Alias Maximum.
    TopicAliasInvalid(u16),
    /// More unacknowledged QoS 2 messages than our Receive Maximum.
    ReceiveMaximumExceeded,
    /// Session present on a connection that asked for a clean start [MQTT-3.2.2-2].
    SessionPresentOnCleanStart,
}

impl ProtocolViolation {
    /// The 5.0 DISCONNECT reason code that reports this violation to the broker.
    pub fn reason_code(&self) -> ReasonCode {
        match self {
            Self::Malformed(DecodeError::PacketTooLarge { .. }) => ReasonCode::PACKET_TOO_LARGE,
            Self::Malformed(_) => ReasonCode::MALFORMED_PACKET,
            Self::TopicAliasInvalid(_) => ReasonCode::TOPIC_ALIAS_INVALID,
            Self::ReceiveMaximumExceeded => ReasonCode::RECEIVE_MAXIMUM_EXCEEDED,
            _ => ReasonCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed packet: {e}"),
            Self::PacketBeforeConnAck(p) => write!(f, "{p} before CONNACK"),
            Self::ConnAckTwice => f.write_str("a second CONNACK"),
            Self::UnexpectedPacket(p) => write!(f, "{p} sent to a client"),
            Self::UnknownPacketId { packet, packet_id } => {
                write!(f, "{packet} for packet identifier {packet_id}, which is not in flight")
            }
            Self::ResultCountMismatch { packet, expected, received } => {
                write!(f, "{packet} with {received} results for {expected} topic filters")
            }
            Self::TopicAliasNotSet(a) => write!(f, "topic alias {a} used before it was set"),
            Self::TopicAliasInvalid(a) => write!(f, "topic alias {a} is outside the allowed range"),
            Self::ReceiveMaximumExceeded => f.write_str("more QoS 2 messages in flight than our receive maximum"),
            Self::SessionPresentOnCleanStart => f.write_str("session present on a clean start"),
        }
    }
}

/// Why the engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The packet cannot be encoded (invalid topic, string too long, …).
    Encode(EncodeError),
    /// Larger than the broker's Maximum Packet Size.
    PacketTooLarge { size: usize, maximum: usize },
    /// The broker's Maximum QoS is lower.
    QoSNotSupported { requested: QoS, maximum: QoS },
    /// The broker said it does not keep retained messages.
    RetainNotSupported,
    /// Every packet identifier is in flight.
    NoPacketIdAvailable,
    /// Subscribing and unsubscribing need a connection.
    NotConnected,
}

impl From<EncodeError> for SessionError {
    fn from(e: EncodeError) -> Self {
        Self::Encode(e)
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Encode(e) => e.fmt(f),
            Self::PacketTooLarge { size, maximum } => {
                write!(f, "the packet is {size} bytes; the broker accepts at most {maximum}")
            }
            Self::QoSNotSupported { requested, maximum } => {
                write!(f, "the broker supports at most {maximum}; {requested} was asked for")
            }
            Self::RetainNotSupported => f.write_str("the broker does not support retained messages"),
            Self::NoPacketIdAvailable => f.write_str("all 65535 packet identifiers are in use"),
            Self::NotConnected => f.write_str("not connected"),
        }
    }
}

impl std::error::Error for SessionError {}
