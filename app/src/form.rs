//! What every form shares: one way to map a `<select>`'s value to a type
//! ([`SelectKey`]), and the fields an error can belong to ([`Field`]), so an
//! error is keyed by what it is about rather than by a DOM id typed twice.

use webmqtt_codec::{ProtocolVersion, QoS, RetainHandling};

/// A type a `<select>` chooses: every value, its `value=` key and its label.
pub trait SelectKey: Sized + Copy + PartialEq + 'static {
    /// In the order the options are listed.
    const ALL: &'static [Self];
    fn key(self) -> &'static str;
    fn label(self) -> &'static str {
        self.key()
    }
    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.key() == key)
    }
}

impl SelectKey for ProtocolVersion {
    const ALL: &'static [Self] = &[ProtocolVersion::V3_1_1, ProtocolVersion::V5, ProtocolVersion::V3_1];
    fn key(self) -> &'static str {
        match self {
            ProtocolVersion::V3_1 => "3.1",
            ProtocolVersion::V3_1_1 => "3.1.1",
            ProtocolVersion::V5 => "5.0",
        }
    }
}

impl SelectKey for QoS {
    const ALL: &'static [Self] = &[QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];
    fn key(self) -> &'static str {
        match self {
            QoS::AtMostOnce => "0",
            QoS::AtLeastOnce => "1",
            QoS::ExactlyOnce => "2",
        }
    }
}

impl SelectKey for RetainHandling {
    const ALL: &'static [Self] =
        &[RetainHandling::SendAtSubscribe, RetainHandling::SendAtNewSubscribe, RetainHandling::DoNotSend];
    fn key(self) -> &'static str {
        match self {
            RetainHandling::SendAtSubscribe => "0",
            RetainHandling::SendAtNewSubscribe => "1",
            RetainHandling::DoNotSend => "2",
        }
    }
    fn label(self) -> &'static str {
        match self {
            RetainHandling::SendAtSubscribe => "Send on subscribe",
            RetainHandling::SendAtNewSubscribe => "Send if new subscription",
            RetainHandling::DoNotSend => "Do not send",
        }
    }
}

/// Every input an error message can belong to. Its DOM id is derived, so the
/// message lands beside its input and `aria-describedby` can name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    BrokerUrl,
    ClientId,
    KeepAlive,
    SessionExpiry,
    WillTopic,
    SubscribeTopic,
    PublishTopic,
    PublishPayload,
    PublishResponseTopic,
    PublishExpiry,
    PublishUserProperties,
    FeedCapacity,
    HistoryLimits,
    ConnectionName,
    ProfilesFile,
    TtnAppId,
    TtnDeviceId,
    TtnFPort,
    TtnPayload,
    BridgeHost,
    BridgePort,
    BridgeCaFile,
    BridgeUsername,
    BridgePassword,
    BridgeTopicsIn,
    BridgeTopicsOut,
    BridgeWsPort,
    BridgeMqttPort,
    CommandHost,
    CommandPort,
    CommandCaFile,
}

impl Field {
    /// The id of the input.
    pub const fn id(self) -> &'static str {
        match self {
            Self::BrokerUrl => "broker-url",
            Self::ClientId => "client-id",
            Self::KeepAlive => "keep-alive",
            Self::SessionExpiry => "session-expiry",
            Self::WillTopic => "will-topic",
            Self::SubscribeTopic => "subscribe",
            Self::PublishTopic => "publish-topic",
            Self::PublishPayload => "publish-payload",
            Self::PublishResponseTopic => "publish-response-topic",
            Self::PublishExpiry => "publish-expiry",
            Self::PublishUserProperties => "publish-user-properties",
            Self::FeedCapacity => "feed-capacity",
            Self::HistoryLimits => "history-limits",
            Self::ConnectionName => "connection-name",
            Self::ProfilesFile => "profiles-file",
            Self::TtnAppId => "ttn-app-id",
            Self::TtnDeviceId => "ttn-device-id",
            Self::TtnFPort => "ttn-f-port",
            Self::TtnPayload => "ttn-payload",
            Self::BridgeHost => "bridge-host",
            Self::BridgePort => "bridge-port",
            Self::BridgeCaFile => "bridge-ca-file",
            Self::BridgeUsername => "bridge-username",
            Self::BridgePassword => "bridge-password",
            Self::BridgeTopicsIn => "bridge-topics-in",
            Self::BridgeTopicsOut => "bridge-topics-out",
            Self::BridgeWsPort => "bridge-ws-port",
            Self::BridgeMqttPort => "bridge-mqtt-port",
            Self::CommandHost => "command-host",
            Self::CommandPort => "command-port",
            Self::CommandCaFile => "command-ca-file",
        }
    }

    /// The id of the message shown beside the input.
    pub fn error_id(self) -> String {
        format!("{}-error", self.id())
    }
}

/// A message about one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: SelectKey + core::fmt::Debug>() {
        for v in T::ALL {
            assert_eq!(T::from_key(v.key()), Some(*v));
        }
        assert_eq!(T::from_key("no such key"), None);
    }

    #[test]
    fn every_select_value_maps_back_to_its_type() {
        round_trips::<ProtocolVersion>();
        round_trips::<QoS>();
        round_trips::<RetainHandling>();
        round_trips::<crate::payload::PayloadFormat>();
    }
}
