//! The connection form's values, checked, and turned into the engine's options.

use webmqtt_codec::session::ConnectOptions;
use webmqtt_codec::{validate_topic_name, Bytes, ProtocolVersion, QoS, Will};

use crate::broker_url::{BrokerUrl, UrlError};
use crate::form::Field;

/// What the user typed into the connection form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub url: String,
    pub version: ProtocolVersion,
    pub client_id: String,
    pub username: String,
    pub password: String,
    pub clean_start: bool,
    pub keep_alive: String,
    /// 5.0 only; empty for none.
    pub session_expiry: String,
    pub will_topic: String,
    pub will_payload: String,
    pub will_qos: QoS,
    pub will_retain: bool,
}

/// The first field that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    Url(UrlError),
    KeepAlive(String),
    SessionExpiry(String),
    WillTopic(String),
    ClientId(String),
}

impl core::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Url(e) => e.fmt(f),
            Self::KeepAlive(s) | Self::SessionExpiry(s) | Self::WillTopic(s) | Self::ClientId(s) => f.write_str(s),
        }
    }
}

impl SettingsError {
    /// The input the message is shown beside.
    pub fn field(&self) -> Field {
        match self {
            Self::Url(_) => Field::BrokerUrl,
            Self::KeepAlive(_) => Field::KeepAlive,
            Self::SessionExpiry(_) => Field::SessionExpiry,
            Self::WillTopic(_) => Field::WillTopic,
            Self::ClientId(_) => Field::ClientId,
        }
    }
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            url: "ws://127.0.0.1:9001".into(),
            version: ProtocolVersion::V3_1_1,
            client_id: String::new(),
            username: String::new(),
            password: String::new(),
            clean_start: true,
            keep_alive: "60".into(),
            session_expiry: String::new(),
            will_topic: String::new(),
            will_payload: String::new(),
            will_qos: QoS::AtMostOnce,
            will_retain: false,
        }
    }
}

/// A client id like `webmqtt-3f9a1c`: short enough for MQTT 3.1's 23 characters.
pub fn random_client_id(random: impl FnMut() -> f64) -> String {
    let mut random = random;
    let hex: String = (0..8)
        .map(|_| char::from_digit((random() * 16.0).floor().clamp(0.0, 15.0) as u32, 16).unwrap_or('0'))
        .collect();
    format!("webmqtt-{hex}")
}

impl ConnectionSettings {
    pub fn broker_url(&self) -> Result<BrokerUrl, SettingsError> {
        BrokerUrl::parse(&self.url).map_err(SettingsError::Url)
    }

    pub fn keep_alive_secs(&self) -> Result<u16, SettingsError> {
        let s = self.keep_alive.trim();
        s.parse::<u16>().map_err(|_| {
            SettingsError::KeepAlive(format!("Keep alive is a number of seconds from 0 to 65535, not \"{s}\""))
        })
    }

    pub fn session_expiry_secs(&self) -> Result<Option<u32>, SettingsError> {
        let s = self.session_expiry.trim();
        if s.is_empty() || !self.version.is_v5() {
            return Ok(None);
        }
        s.parse::<u32>().map(Some).map_err(|_| {
            SettingsError::SessionExpiry(format!("Session expiry is a number of seconds (0 to 4294967295), not \"{s}\""))
        })
    }

    pub fn will(&self) -> Result<Option<Will>, SettingsError> {
        if self.will_topic.is_empty() {
            return Ok(None);
        }
        validate_topic_name(&self.will_topic).map_err(|e| SettingsError::WillTopic(format!("Will topic: {e}")))?;
        Ok(Some(Will {
            topic: self.will_topic.clone(),
            payload: Bytes::from(self.will_payload.clone().into_bytes()),
            qos: self.will_qos,
            retain: self.will_retain,
            properties: Default::default(),
        }))
    }

    fn check_client_id(&self) -> Result<(), SettingsError> {
        let id = &self.client_id;
        if self.version == ProtocolVersion::V3_1 && (id.is_empty() || id.chars().count() > 23) {
            return Err(SettingsError::ClientId("MQTT 3.1 needs a client id of 1 to 23 characters".into()));
        }
        if id.is_empty() && !self.clean_start && self.version == ProtocolVersion::V3_1_1 {
            return Err(SettingsError::ClientId(
                "A persistent session (clean session off) needs a client id".into(),
            ));
        }
        Ok(())
    }

    /// Everything checked, as the engine's options.
    pub fn to_options(&self) -> Result<(BrokerUrl, ConnectOptions), SettingsError> {
        let url = self.broker_url()?;
        self.check_client_id()?;
        let mut o = ConnectOptions::new(self.version, self.client_id.clone());
        o.clean_start = self.clean_start;
        o.keep_alive = self.keep_alive_secs()?;
        o.session_expiry_interval = self.session_expiry_secs()?;
        o.will = self.will()?;
        if !self.username.is_empty() {
            o.username = Some(self.username.clone());
        }
        if !self.password.is_empty() {
            o.password = Some(Bytes::from(self.password.clone().into_bytes()));
        }
        // Lets brokers shorten long topics (TTN's are) on the way to us.
        if self.version.is_v5() {
            o.topic_alias_maximum = Some(64);
        }
        Ok((url, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_connect_to_the_local_broker() {
        let s = ConnectionSettings { client_id: "me".into(), ..Default::default() };
        let (url, o) = s.to_options().unwrap();
        assert_eq!(url.to_string(), "ws://127.0.0.1:9001/");
        assert_eq!((o.keep_alive, o.clean_start, o.client_id.as_str()), (60, true, "me"));
        assert!(o.username.is_none() && o.password.is_none() && o.will.is_none());
    }

    #[test]
    fn bad_fields_say_what_is_wrong() {
        let bad = |f: fn(&mut ConnectionSettings)| {
            let mut s = ConnectionSettings { client_id: "me".into(), ..Default::default() };
            f(&mut s);
            s.to_options().unwrap_err().to_string()
        };
        assert!(bad(|s| s.url = "ws://localhost:99999".into()).contains("65535"));
        assert!(bad(|s| s.keep_alive = "70000".into()).contains("Keep alive"));
        assert!(bad(|s| s.will_topic = "lab/#".into()).contains("Will topic"));
        assert!(bad(|s| {
            s.version = ProtocolVersion::V5;
            s.session_expiry = "-1".into()
        })
        .contains("Session expiry"));
        assert!(bad(|s| {
            s.version = ProtocolVersion::V3_1;
            s.client_id = "a-client-id-far-longer-than-23".into()
        })
        .contains("23"));
    }

    #[test]
    fn random_ids_fit_mqtt_3_1() {
        let mut x = 0.0;
        let id = random_client_id(|| {
            x += 0.1;
            x % 1.0
        });
        assert!(id.starts_with("webmqtt-") && id.len() <= 23, "{id}");
    }
}
