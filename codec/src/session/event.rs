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
    /// Only within the authentication CONNECT asked for: see [`ProtocolViolation::UnexpectedAuth`].
    AuthReceived(Auth),
    /// The broker did something the engine tolerated: the connection stays up.
    /// For counting and logs, not for an error banner.
    Diagnostic(Diagnostic),
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
    /// Filters the engine subscribed again because the broker had no session for
    /// us, with [`super::ConnectOptions::resubscribe_on_lost_session`]; empty without it.
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

/// A refused CONNACK. Its words for a user are the front end's: the codec gives
/// the code (a 3.x return code stands as its 5.0 equivalent, see [`ReasonCode::from_v3_connack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: ReasonCode,
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
    /// The protocol obliged us to send `packet` (an acknowledgement, PINGREQ, a
    /// resent PUBREL, …) and it could not be sent: `error` says why, e.g. the
    /// broker's Maximum Packet Size is smaller. Going on would leave the broker
    /// waiting for it, so the connection ends at once (nothing more is sent).
    SendFailed { packet: PacketType, error: SessionError },
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
            Self::SendFailed { packet, error } => write!(f, "could not send {packet}: {error}"),
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
    /// An acknowledgement for a message in flight that is at another step of its
    /// flow: PUBACK for a QoS 2 message, PUBREC for a QoS 1 one, PUBCOMP before
    /// PUBREC, PUBREL before we sent PUBREC. (An identifier not in flight at all
    /// is tolerated: [`Diagnostic::UnknownPacketId`].)
    AckOutOfStep { packet: PacketType, packet_id: u16 },
    /// SUBACK or UNSUBACK with a different number of results than filters asked for.
    ResultCountMismatch { packet: PacketType, expected: usize, received: usize },
    /// A topic alias used before it was set.
    TopicAliasNotSet(u16),
    /// A topic alias of 0 or above our Topic Alias Maximum.
    TopicAliasInvalid(u16),
    /// More unacknowledged QoS 1 and 2 messages than our Receive Maximum (5.0 §3.3.4).
    ReceiveMaximumExceeded,
    /// Session present on a connection that asked for a clean start [MQTT-3.2.2-2].
    SessionPresentOnCleanStart,
    /// AUTH although CONNECT carried no Authentication Method (5.0 §4.12 [MQTT-4.12.0-6]).
    UnexpectedAuth,
    /// AUTH with another Authentication Method than CONNECT's, or none (5.0 §4.12 [MQTT-4.12.0-5]).
    AuthMethodMismatch { expected: String, received: Option<String> },
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
            Self::AckOutOfStep { packet, packet_id } => {
                write!(f, "{packet} for packet identifier {packet_id}, which is at another step of its flow")
            }
            Self::ResultCountMismatch { packet, expected, received } => {
                write!(f, "{packet} with {received} results for {expected} topic filters")
            }
            Self::TopicAliasNotSet(a) => write!(f, "topic alias {a} used before it was set"),
            Self::TopicAliasInvalid(a) => write!(f, "topic alias {a} is outside the allowed range"),
            Self::ReceiveMaximumExceeded => {
                f.write_str("more unacknowledged QoS 1 and 2 messages than our receive maximum")
            }
            Self::SessionPresentOnCleanStart => f.write_str("session present on a clean start"),
            Self::UnexpectedAuth => f.write_str("AUTH without an authentication method in CONNECT"),
            Self::AuthMethodMismatch { expected, received } => match received {
                Some(m) => write!(f, "AUTH with authentication method \"{m}\" instead of \"{expected}\""),
                None => write!(f, "AUTH without authentication method \"{expected}\""),
            },
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
    /// Subscribing, unsubscribing and acknowledging need a connection.
    NotConnected,
    /// `connect` while a connection is being made or is up.
    AlreadyConnected,
    /// A non-zero Session Expiry Interval in DISCONNECT after CONNECT said 0 (or
    /// nothing): a Protocol Error (5.0 §3.14.2.2.2), so not sent.
    SessionExpiryNotAllowed { requested: u32 },
    /// A DISCONNECT reason code only a server may send (5.0 §3.14.2.1).
    ReasonNotForClient(ReasonCode),
    /// `ack` for a packet identifier that is not waiting for the caller's
    /// acknowledgement (never received, already acknowledged, or its session lost).
    NotAwaitingAck { packet_id: u16 },
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
            Self::AlreadyConnected => f.write_str("already connecting or connected"),
            Self::SessionExpiryNotAllowed { requested } => {
                write!(f, "session expiry interval {requested} at DISCONNECT after 0 in CONNECT")
            }
            Self::ReasonNotForClient(reason) => write!(f, "{reason} is a DISCONNECT reason only a server sends"),
            Self::NotAwaitingAck { packet_id } => {
                write!(f, "packet identifier {packet_id} is not waiting for an acknowledgement")
            }
        }
    }
}

impl std::error::Error for SessionError {}

/// A broker deviation the engine tolerated: what it did, and the connection went
/// on. The policy for each is in the session's documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnostic {
    /// An acknowledgement for a packet identifier that is not in flight: PUBACK,
    /// PUBCOMP, SUBACK or UNSUBACK (ignored), or PUBREC (answered with PUBREL,
    /// 0x92 in 5.0, unless it reports a failure).
    UnknownPacketId { packet: PacketType, packet_id: u16 },
    /// A 5.0 UNSUBACK with no reason codes: taken as Success for each filter.
    UnsubAckWithoutReasonCodes { packet_id: u16 },
    /// A 5.0 UNSUBACK reason code outside the table of §3.11.3: taken as 0x80
    /// Unspecified error for that filter.
    UnsubAckInvalidReasonCode { packet_id: u16, code: u8 },
    /// Bytes after a 5.0 CONNACK's properties: ignored.
    ConnAckTrailingBytes { count: usize },
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownPacketId { packet, packet_id } => {
                write!(f, "{packet} for packet identifier {packet_id}, which is not in flight")
            }
            Self::UnsubAckWithoutReasonCodes { packet_id } => {
                write!(f, "UNSUBACK {packet_id} without reason codes, taken as success")
            }
            Self::UnsubAckInvalidReasonCode { packet_id, code } => {
                write!(f, "UNSUBACK {packet_id} with reason code {code:#04x}, taken as unspecified error")
            }
            Self::ConnAckTrailingBytes { count } => write!(f, "{count} bytes after CONNACK's properties, ignored"),
        }
    }
}
