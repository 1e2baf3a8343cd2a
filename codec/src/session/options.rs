//! What the client asks for when it connects.

use core::time::Duration;

use bytes::Bytes;

use crate::{Connect, Disconnect, Properties, Property, ProtocolVersion, ReasonCode, Will};

/// Everything CONNECT can say, and how the engine behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    pub version: ProtocolVersion,
    /// May be empty in 3.1.1 (with a clean session) and 5.0: the broker assigns one.
    pub client_id: String,
    /// Clean Session (3.x) / Clean Start (5.0) on the first connection; later
    /// connections resume the session when the broker may still hold it.
    pub clean_start: bool,
    /// Seconds; 0 turns keep alive off.
    pub keep_alive: u16,
    pub username: Option<String>,
    pub password: Option<Bytes>,
    pub will: Option<Will>,
    /// 5.0: seconds the broker keeps the session after the connection ends.
    pub session_expiry_interval: Option<u32>,
    /// 5.0: QoS 1 and 2 messages the broker may have in flight to us.
    pub receive_maximum: Option<u16>,
    /// 5.0: the largest packet we accept; larger ones end the connection (0x95).
    pub maximum_packet_size: Option<u32>,
    /// 5.0: topic aliases the broker may use towards us.
    pub topic_alias_maximum: Option<u16>,
    pub request_problem_information: Option<bool>,
    pub user_properties: Vec<(String, String)>,
    pub authentication_method: Option<String>,
    pub authentication_data: Option<Bytes>,
    /// 5.0: give outgoing topics aliases, up to the broker's Topic Alias Maximum.
    pub use_topic_aliases: bool,
    /// How long to wait for CONNACK before declaring the connection dead.
    pub connect_timeout: Duration,
    /// When a CONNACK says the broker holds no session for us, subscribe again to
    /// what it had granted (reported in `Connected::resubscribed`). Off by default:
    /// then the engine forgets those subscriptions, as the broker did, and a clean
    /// start is clean. See the session documentation.
    pub resubscribe_on_lost_session: bool,
    /// Inbound QoS 1 and 2 messages are acknowledged (PUBACK, PUBREC) only when the
    /// caller calls `Session::ack`, once it has taken care of them: our Receive
    /// Maximum then holds the broker back until it does. Off by default: the
    /// engine acknowledges each message as it delivers it.
    pub manual_acks: bool,
}

/// What a DISCONNECT says (5.0 §3.14), for `Session::disconnect_with`. The
/// default is a Normal disconnection with no properties, all that 3.x can say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisconnectRequest {
    /// Normal disconnection (0x00), Disconnect with Will Message (0x04: the broker
    /// publishes our will), or an error a client may report.
    pub reason: ReasonCode,
    /// A new Session Expiry Interval, in seconds; non-zero only if CONNECT's was.
    pub session_expiry_interval: Option<u32>,
    pub reason_string: Option<String>,
    pub user_properties: Vec<(String, String)>,
}

impl DisconnectRequest {
    /// The DISCONNECT packet.
    pub(crate) fn packet(&self) -> Disconnect {
        let mut properties = Properties::new();
        properties.extend(self.session_expiry_interval.map(Property::SessionExpiryInterval));
        properties.extend(self.reason_string.clone().map(Property::ReasonString));
        properties.extend(self.user_properties.iter().map(|(k, v)| Property::UserProperty(k.clone(), v.clone())));
        Disconnect { reason: self.reason, properties }
    }
}

impl ConnectOptions {
    pub fn new(version: ProtocolVersion, client_id: impl Into<String>) -> Self {
        Self {
            version,
            client_id: client_id.into(),
            clean_start: true,
            keep_alive: 60,
            username: None,
            password: None,
            will: None,
            session_expiry_interval: None,
            receive_maximum: None,
            maximum_packet_size: None,
            topic_alias_maximum: None,
            request_problem_information: None,
            user_properties: Vec::new(),
            authentication_method: None,
            authentication_data: None,
            use_topic_aliases: false,
            connect_timeout: Duration::from_secs(30),
            resubscribe_on_lost_session: false,
            manual_acks: false,
        }
    }

    /// The CONNECT packet these options describe; `clean_start` is passed in
    /// because a resumed session reconnects without it.
    pub(crate) fn connect_packet(&self, clean_start: bool) -> Connect {
        let mut properties = Properties::new();
        if self.version.is_v5() {
            let opt = [
                self.session_expiry_interval.map(Property::SessionExpiryInterval),
                self.receive_maximum.map(Property::ReceiveMaximum),
                self.maximum_packet_size.map(Property::MaximumPacketSize),
                self.topic_alias_maximum.map(Property::TopicAliasMaximum),
                self.request_problem_information.map(|b| Property::RequestProblemInformation(b.into())),
                self.authentication_method.clone().map(Property::AuthenticationMethod),
                self.authentication_data.clone().map(Property::AuthenticationData),
            ];
            properties.extend(opt.into_iter().flatten());
            properties.extend(self.user_properties.iter().map(|(k, v)| Property::UserProperty(k.clone(), v.clone())));
        }
        Connect {
            protocol: self.version,
            clean_start,
            keep_alive: self.keep_alive,
            client_id: self.client_id.clone(),
            will: self.will.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            properties,
        }
    }
}
