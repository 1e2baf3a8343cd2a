//! The publish form's values, checked, and turned into messages.

use webmqtt_codec::{validate_topic_name, Bytes, Properties, Property, ProtocolVersion, Publish, QoS, TopicName};

use crate::form::{Field, FieldError};
use crate::payload::{self, PayloadFormat};

/// What the user typed into the publish form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PublishForm {
    pub topic: String,
    pub payload: String,
    pub format: PayloadFormat,
    pub qos: QoS,
    pub retain: bool,
    /// Like `mosquitto_pub -l`: every line of the payload is a message of its own.
    pub line_per_message: bool,
    // MQTT 5.0 only.
    pub content_type: String,
    pub response_topic: String,
    /// Correlation data, typed as text.
    pub correlation_data: String,
    /// Seconds; empty for none.
    pub message_expiry: String,
    /// One `key=value` per line.
    pub user_properties: String,
}

fn error(field: Field, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

impl PublishForm {
    /// The messages to send, or the first field that is wrong.
    pub fn messages(&self, version: ProtocolVersion) -> Result<Vec<Publish>, FieldError> {
        // Checked once and shared by every message (one per line can be many).
        let topic = TopicName::from(self.topic.as_str());
        topic.check().map_err(|e| error(Field::PublishTopic, format!("Topic: {e}")))?;
        let properties = self.properties(version)?;
        let payloads: Vec<&str> = if self.line_per_message {
            self.payload.lines().filter(|l| !l.is_empty()).collect()
        } else {
            vec![self.payload.as_str()]
        };
        payloads
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let bytes = payload::parse(text, self.format).map_err(|e| {
                    let line = if self.line_per_message { format!("Line {}: ", i + 1) } else { String::new() };
                    error(Field::PublishPayload, format!("{line}{e}"))
                })?;
                Ok(Publish {
                    qos: self.qos,
                    retain: self.retain,
                    properties: properties.clone(),
                    ..Publish::new(topic.clone(), Bytes::from(bytes))
                })
            })
            .collect()
    }

    fn properties(&self, version: ProtocolVersion) -> Result<Properties, FieldError> {
        let mut p = Properties::new();
        if !version.is_v5() {
            return Ok(p);
        }
        if !self.content_type.is_empty() {
            p.push(Property::ContentType(self.content_type.clone()));
        }
        if !self.response_topic.is_empty() {
            validate_topic_name(&self.response_topic)
                .map_err(|e| error(Field::PublishResponseTopic, format!("Response topic: {e}")))?;
            p.push(Property::ResponseTopic(self.response_topic.clone()));
        }
        if !self.correlation_data.is_empty() {
            p.push(Property::CorrelationData(Bytes::from(self.correlation_data.clone().into_bytes())));
        }
        let expiry = self.message_expiry.trim();
        if !expiry.is_empty() {
            let secs = expiry.parse::<u32>().map_err(|_| {
                error(Field::PublishExpiry, format!("Message expiry is a number of seconds, not \"{expiry}\""))
            })?;
            p.push(Property::MessageExpiryInterval(secs));
        }
        if self.format == PayloadFormat::Json || self.format == PayloadFormat::Text {
            // Tells receivers the payload is UTF-8 (5.0 §3.3.2.3.2).
            p.push(Property::PayloadFormatIndicator(1));
        }
        for (n, line) in self.user_properties.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let (k, v) = line.split_once('=').ok_or_else(|| {
                error(Field::PublishUserProperties, format!("User property line {} needs the form key=value", n + 1))
            })?;
            p.push(Property::UserProperty(k.trim().to_owned(), v.trim().to_owned()));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(topic: &str, payload: &str, format: PayloadFormat) -> PublishForm {
        PublishForm { topic: topic.into(), payload: payload.into(), format, ..Default::default() }
    }

    #[test]
    fn hex_payload_becomes_bytes() {
        let m = form("lab/a", "BE EF", PayloadFormat::Hex).messages(ProtocolVersion::V3_1_1).unwrap();
        assert_eq!(&m[0].payload[..], &[0xBE, 0xEF]);
        assert!(m[0].properties.is_empty(), "no properties before 5.0");
    }

    #[test]
    fn invalid_input_names_the_field() {
        let v = ProtocolVersion::V5;
        assert_eq!(form("lab/#", "x", PayloadFormat::Text).messages(v).unwrap_err().field, Field::PublishTopic);
        assert_eq!(form("", "x", PayloadFormat::Text).messages(v).unwrap_err().field, Field::PublishTopic);
        let e = form("lab/a", "BEX", PayloadFormat::Hex).messages(v).unwrap_err();
        assert_eq!(e.field, Field::PublishPayload);
        assert!(e.message.contains("position 3"), "{}", e.message);
        assert_eq!(form("lab/a", "{oops", PayloadFormat::Json).messages(v).unwrap_err().field, Field::PublishPayload);
        let mut f = form("lab/a", "x", PayloadFormat::Text);
        f.user_properties = "novalue".into();
        assert_eq!(f.messages(v).unwrap_err().field, Field::PublishUserProperties);
    }

    #[test]
    fn one_message_per_line() {
        let mut f = form("lab/a", "1\n\n2\n3", PayloadFormat::Text);
        f.line_per_message = true;
        let payloads: Vec<Vec<u8>> =
            f.messages(ProtocolVersion::V3_1_1).unwrap().into_iter().map(|m| m.payload.to_vec()).collect();
        assert_eq!(payloads, [b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
        f.format = PayloadFormat::Hex;
        f.payload = "01\nZZ".into();
        assert!(f.messages(ProtocolVersion::V3_1_1).unwrap_err().message.starts_with("Line 2"));
    }

    #[test]
    fn mqtt5_properties() {
        let f = PublishForm {
            content_type: "application/json".into(),
            response_topic: "lab/reply".into(),
            correlation_data: "req-1".into(),
            message_expiry: "60".into(),
            user_properties: "a=1\nb = 2".into(),
            ..form("lab/a", "{}", PayloadFormat::Json)
        };
        let m = f.messages(ProtocolVersion::V5).unwrap();
        let p = &m[0].properties;
        assert_eq!(p.content_type(), Some("application/json"));
        assert_eq!(p.response_topic(), Some("lab/reply"));
        assert_eq!(p.correlation_data(), Some(&b"req-1"[..]));
        assert_eq!(p.message_expiry_interval(), Some(60));
        assert_eq!(p.payload_format_indicator(), Some(1));
        assert_eq!(p.user_properties().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    }
}
