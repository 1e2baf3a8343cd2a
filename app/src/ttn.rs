//! The Things Network (The Things Stack v3) over MQTT: topics, downlinks and
//! uplinks, so that nobody has to hand-write JSON or base64.
//!
//! Facts from The Things Stack's MQTT integration: username
//! `{application-id}@{tenant}` (`ttn` on The Things Network; the bare
//! application id on open-source deployments), an API key as password, topics
//! under `v3/{username}/devices/{device-id}/`.

use core::fmt;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::payload::{self, PayloadError, PayloadFormat};

/// An application on a The Things Stack deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    /// `Some("ttn")` on The Things Network; `None` on open-source deployments.
    pub tenant: Option<String>,
}

impl Application {
    /// The MQTT user name, which is also the topics' second level.
    pub fn username(&self) -> String {
        match self.tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(tenant) => format!("{}@{tenant}", self.id.trim()),
            None => self.id.trim().to_owned(),
        }
    }

    /// Every message of every device of the application.
    pub fn traffic_filter(&self) -> String {
        format!("v3/{}/devices/+/#", self.username())
    }

    pub fn device_topic(&self, device_id: &str, suffix: &str) -> String {
        format!("v3/{}/devices/{}/{suffix}", self.username(), device_id.trim())
    }
}

/// LoRaWAN identifiers: lowercase letters, digits and dashes, 2 to 36 long,
/// no dash first or last (The Things Stack's rule for application and device ids).
pub fn check_id(kind: &str, id: &str) -> Result<(), String> {
    let id = id.trim();
    let ok = (2..=36).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else if id.is_empty() {
        Err(format!("Enter the {kind} id."))
    } else {
        Err(format!("\"{id}\" is not a valid {kind} id: use 2 to 36 lowercase letters, digits and dashes."))
    }
}

/// Downlink priority (The Things Stack's `priority` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    Lowest,
    Low,
    BelowNormal,
    #[default]
    Normal,
    AboveNormal,
    High,
    Highest,
}

impl Priority {
    pub const ALL: [Priority; 7] =
        [Self::Lowest, Self::Low, Self::BelowNormal, Self::Normal, Self::AboveNormal, Self::High, Self::Highest];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Lowest => "LOWEST",
            Self::Low => "LOW",
            Self::BelowNormal => "BELOW_NORMAL",
            Self::Normal => "NORMAL",
            Self::AboveNormal => "ABOVE_NORMAL",
            Self::High => "HIGH",
            Self::Highest => "HIGHEST",
        }
    }

    pub fn from_str(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Push adds to the device's downlink queue; replace swaps the queue (an empty
/// list clears it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueOperation {
    #[default]
    Push,
    Replace,
}

impl QueueOperation {
    pub const fn topic_suffix(self) -> &'static str {
        match self {
            Self::Push => "down/push",
            Self::Replace => "down/replace",
        }
    }
}

/// Why an FPort is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FPortError {
    NotANumber(String),
    MacCommands,
    MacTestProtocol,
    OutOfRange(u64),
}

impl fmt::Display for FPortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotANumber(s) if s.trim().is_empty() => f.write_str("Enter an FPort from 1 to 223."),
            Self::NotANumber(s) => write!(f, "\"{s}\" is not an FPort: enter a number from 1 to 223."),
            Self::MacCommands => {
                f.write_str("FPort 0 carries LoRaWAN MAC commands only: application data uses FPort 1 to 223.")
            }
            Self::MacTestProtocol => f.write_str(
                "FPort 224 is reserved for the LoRaWAN MAC layer test protocol: use FPort 1 to 223.",
            ),
            Self::OutOfRange(n) => write!(f, "FPort {n} does not exist: an FPort is one byte, 1 to 223 for applications."),
        }
    }
}

/// An FPort that may be sent, with a warning for the reserved range 225–255.
pub fn check_f_port(input: &str) -> Result<(u8, Option<&'static str>), FPortError> {
    let s = input.trim();
    let n: u64 = s.parse().map_err(|_| FPortError::NotANumber(input.to_owned()))?;
    match n {
        0 => Err(FPortError::MacCommands),
        1..=223 => Ok((n as u8, None)),
        224 => Err(FPortError::MacTestProtocol),
        225..=255 => Ok((n as u8, Some("FPort 225 to 255 are reserved by LoRaWAN for future use: devices may ignore them."))),
        _ => Err(FPortError::OutOfRange(n)),
    }
}

/// The most a LoRaWAN frame payload can carry at any data rate.
pub const MAX_FRM_PAYLOAD: usize = 255;
/// What fits at the slowest EU868 data rates (DR0–DR2).
pub const SLOW_DATA_RATE_PAYLOAD: usize = 51;

/// A downlink payload as typed, checked: the bytes and what to warn about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPayload {
    pub bytes: Vec<u8>,
    pub warning: Option<String>,
}

/// Why a downlink payload is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownlinkPayloadError {
    Format(PayloadError),
    TooLong(usize),
}

impl fmt::Display for DownlinkPayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(e) => e.fmt(f),
            Self::TooLong(n) => write!(
                f,
                "{n} bytes is more than a LoRaWAN frame can carry ({MAX_FRM_PAYLOAD} bytes at most)."
            ),
        }
    }
}

/// Parses a downlink payload typed as hex, base64 or text, and checks its size.
pub fn check_payload(input: &str, format: PayloadFormat) -> Result<CheckedPayload, DownlinkPayloadError> {
    let bytes = payload::parse(input, format).map_err(DownlinkPayloadError::Format)?;
    if bytes.len() > MAX_FRM_PAYLOAD {
        return Err(DownlinkPayloadError::TooLong(bytes.len()));
    }
    let warning = (bytes.len() > SLOW_DATA_RATE_PAYLOAD).then(|| {
        format!(
            "{} bytes: more than the {SLOW_DATA_RATE_PAYLOAD} bytes that fit at slow data rates (EU868 DR0–DR2); \
             the network may not be able to send it.",
            bytes.len()
        )
    });
    Ok(CheckedPayload { bytes, warning })
}

/// What a downlink carries: raw bytes, or a JSON object for the application's
/// payload formatter to encode.
#[derive(Debug, Clone, PartialEq)]
pub enum DownlinkPayload {
    Bytes(Vec<u8>),
    Decoded(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Downlink {
    pub f_port: u8,
    pub payload: DownlinkPayload,
    pub priority: Priority,
    pub confirmed: bool,
}

/// A downlink queue operation for one device: its topic and JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct DownlinkRequest {
    pub application: Application,
    pub device_id: String,
    pub operation: QueueOperation,
    /// Empty with `Replace` clears the queue.
    pub downlinks: Vec<Downlink>,
}

impl DownlinkRequest {
    pub fn topic(&self) -> String {
        self.application.device_topic(&self.device_id, self.operation.topic_suffix())
    }

    /// `{"downlinks":[{"f_port":15,"frm_payload":"vu8=","priority":"NORMAL"}]}`,
    /// fields in The Things Stack documentation's order; `confirmed` only when set.
    pub fn json(&self) -> String {
        let items: Vec<String> = self
            .downlinks
            .iter()
            .map(|d| {
                let mut fields = vec![format!("\"f_port\":{}", d.f_port)];
                fields.push(match &d.payload {
                    DownlinkPayload::Bytes(b) => format!("\"frm_payload\":{}", Value::from(payload::to_base64(b))),
                    DownlinkPayload::Decoded(v) => format!("\"decoded_payload\":{v}"),
                });
                fields.push(format!("\"priority\":\"{}\"", d.priority.as_str()));
                if d.confirmed {
                    fields.push("\"confirmed\":true".to_owned());
                }
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        format!("{{\"downlinks\":[{}]}}", items.join(","))
    }

    /// A shell command that sends the same downlink with mosquitto_pub. The
    /// credentials come from `~/.config/mosquitto_pub` (see
    /// [`mosquitto_pub_config`]), so the API key never stands on a command line
    /// or in the shell's history.
    pub fn mosquitto_pub_command(&self, cluster: &str) -> String {
        format!(
            "mosquitto_pub -h {} -p 8883 --capath /etc/ssl/certs -t {} -m {}",
            shell_quote(cluster.trim()),
            shell_quote(&self.topic()),
            shell_quote(&self.json())
        )
    }
}

/// The lines of `~/.config/mosquitto_pub` that hold the credentials.
pub fn mosquitto_pub_config(application: &Application) -> String {
    format!("-u {}\n-P YOUR_API_KEY\n", application.username())
}

/// Single quotes for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A mosquitto.conf that gives the browser a local WebSocket listener bridged
/// to The Things Stack, which has none of its own.
pub fn bridge_config(cluster: &str, application: &Application, api_key: &str, ws_port: u16) -> String {
    let key = if api_key.trim().is_empty() { "YOUR_API_KEY" } else { api_key.trim() };
    format!(
        "# WebMQTT: a local WebSocket listener bridged to The Things Stack.\n\
         # Start it with: mosquitto -c ttn-bridge.conf -v\n\
         # then connect WebMQTT to ws://127.0.0.1:{ws_port}\n\
         per_listener_settings false\n\
         allow_anonymous true\n\
         listener {ws_port} 127.0.0.1\n\
         protocol websockets\n\
         socket_domain ipv4\n\
         \n\
         connection ttn-{app}\n\
         address {cluster}:8883\n\
         bridge_capath /etc/ssl/certs\n\
         bridge_protocol_version mqttv311\n\
         # The Things Stack is not a mosquitto: no bridge extensions, no notifications.\n\
         try_private false\n\
         notifications false\n\
         cleansession true\n\
         remote_clientid webmqtt-bridge-{app}\n\
         remote_username {user}\n\
         remote_password {key}\n\
         topic v3/# both 0\n",
        app = application.id.trim(),
        cluster = cluster.trim(),
        user = application.username(),
    )
}

/// What a message on a The Things Stack topic is.
#[derive(Debug, Clone, PartialEq)]
pub struct TtnMessage {
    pub device_id: String,
    pub kind: TtnKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TtnKind {
    Uplink(Uplink),
    /// `join`, `down/queued`, `down/sent`, `down/ack`, … with a label.
    Event { label: &'static str, f_port: Option<u64>, f_cnt: Option<u64>, detail: Option<String> },
    /// A body that is not what The Things Stack sends: shown raw, never dropped.
    Unrecognised { reason: String },
}

/// The fields of an uplink a developer looks at first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uplink {
    pub received_at: Option<String>,
    pub dev_eui: Option<String>,
    pub f_port: Option<u64>,
    pub f_cnt: Option<u64>,
    pub frm_payload: Option<Vec<u8>>,
    pub decoded_payload: Option<Value>,
    pub best_rssi: Option<f64>,
    pub best_snr: Option<f64>,
    pub gateways: usize,
    pub spreading_factor: Option<u64>,
    pub bandwidth: Option<u64>,
    pub frequency: Option<String>,
    pub airtime: Option<String>,
}

fn event_label(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "join" => "Join",
        "down/queued" => "Downlink queued",
        "down/sent" => "Downlink sent",
        "down/ack" => "Downlink acknowledged",
        "down/nack" => "Downlink not acknowledged",
        "down/failed" => "Downlink failed",
        "down/invalidated" => "Downlink invalidated",
        "location/solved" => "Location solved",
        "service/data" => "Service data",
        "down/push" => "Downlink push (published by a client)",
        "down/replace" => "Downlink replace (published by a client)",
        _ => return None,
    })
}

/// The device and suffix of a The Things Stack topic, `None` for other topics.
pub fn parse_topic(topic: &str) -> Option<(&str, &str)> {
    let rest = topic.strip_prefix("v3/")?;
    let (_user, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("devices/")?;
    let (device, suffix) = rest.split_once('/')?;
    (!device.is_empty()).then_some((device, suffix))
}

/// Reads a message on a The Things Stack topic; `None` if the topic is not one.
pub fn parse_message(topic: &str, body: &[u8]) -> Option<TtnMessage> {
    let (device, suffix) = parse_topic(topic)?;
    let device_id = device.to_owned();
    let unrecognised = |reason: String| Some(TtnMessage { device_id: device_id.clone(), kind: TtnKind::Unrecognised { reason } });
    let json: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return unrecognised("the body is JSON but not an object".into()),
        Err(e) => return unrecognised(format!("the body is not JSON ({e})")),
    };
    if suffix == "up" {
        let Some(up) = json.get("uplink_message").filter(|v| v.is_object()) else {
            return unrecognised("an uplink without \"uplink_message\"".into());
        };
        return Some(TtnMessage { device_id: device_id.clone(), kind: TtnKind::Uplink(parse_uplink(&json, up)) });
    }
    let Some(label) = event_label(suffix) else {
        return unrecognised(format!("\"{suffix}\" is not a The Things Stack message type"));
    };
    // Downlink events carry the downlink under a key named after the event.
    let downlink = ["downlink_queued", "downlink_sent", "downlink_ack", "downlink_nack", "downlink_failed"]
        .iter()
        .find_map(|k| json.get(*k));
    let downlink = downlink.map(|d| d.get("downlink").unwrap_or(d));
    let f_port = downlink.and_then(|d| d.get("f_port")).and_then(Value::as_u64);
    let f_cnt = downlink.and_then(|d| d.get("f_cnt")).and_then(Value::as_u64);
    let detail = json
        .get("downlink_failed")
        .and_then(|f| f.get("error"))
        .and_then(|e| e.get("message_format").or_else(|| e.get("name")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Some(TtnMessage { device_id, kind: TtnKind::Event { label, f_port, f_cnt, detail } })
}

fn parse_uplink(root: &Value, up: &Value) -> Uplink {
    let metadata: Vec<&Value> = up.get("rx_metadata").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
    let best = metadata
        .iter()
        .filter_map(|m| m.get("rssi").or_else(|| m.get("channel_rssi")).and_then(Value::as_f64).map(|r| (r, *m)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let lora = up.get("settings").and_then(|s| s.get("data_rate")).and_then(|d| d.get("lora"));
    let text = |v: Option<&Value>| v.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    Uplink {
        received_at: text(root.get("received_at")),
        dev_eui: text(root.get("end_device_ids").and_then(|e| e.get("dev_eui"))),
        f_port: up.get("f_port").and_then(Value::as_u64),
        f_cnt: up.get("f_cnt").and_then(Value::as_u64),
        frm_payload: up.get("frm_payload").and_then(Value::as_str).and_then(|s| payload::parse_base64(s).ok()),
        decoded_payload: up.get("decoded_payload").cloned(),
        best_rssi: best.map(|(r, _)| r),
        best_snr: best.and_then(|(_, m)| m.get("snr")).and_then(Value::as_f64),
        gateways: metadata.len(),
        spreading_factor: lora.and_then(|l| l.get("spreading_factor")).and_then(Value::as_u64),
        bandwidth: lora.and_then(|l| l.get("bandwidth")).and_then(Value::as_u64),
        frequency: text(up.get("settings").and_then(|s| s.get("frequency"))),
        airtime: text(up.get("consumed_airtime")),
    }
}

/// What the device list shows for one device.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceSummary {
    pub last_seen_ms: f64,
    pub last_f_cnt: Option<u64>,
    pub last_rssi: Option<f64>,
    pub messages: u64,
}

/// Devices seen in the traffic, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceList(pub BTreeMap<String, DeviceSummary>);

impl DeviceList {
    pub fn record(&mut self, message: &TtnMessage, at_ms: f64) {
        let d = self.0.entry(message.device_id.clone()).or_default();
        d.last_seen_ms = at_ms;
        d.messages += 1;
        if let TtnKind::Uplink(up) = &message.kind {
            d.last_f_cnt = up.f_cnt.or(d.last_f_cnt);
            d.last_rssi = up.best_rssi.or(d.last_rssi);
        }
    }
}

/// How the composer's payload is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComposerFormat {
    #[default]
    Hex,
    Base64,
    Text,
    /// A JSON object for the application's payload formatter (`decoded_payload`).
    Decoded,
}

impl ComposerFormat {
    pub const ALL: [ComposerFormat; 4] = [Self::Hex, Self::Base64, Self::Text, Self::Decoded];

    pub const fn key(self) -> &'static str {
        match self {
            Self::Hex => "hex",
            Self::Base64 => "base64",
            Self::Text => "text",
            Self::Decoded => "decoded",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Hex => "Hex",
            Self::Base64 => "Base64",
            Self::Text => "Text",
            Self::Decoded => "JSON for the payload formatter",
        }
    }

    pub fn from_key(key: &str) -> Self {
        Self::ALL.into_iter().find(|f| f.key() == key).unwrap_or_default()
    }

    fn payload_format(self) -> Option<PayloadFormat> {
        match self {
            Self::Hex => Some(PayloadFormat::Hex),
            Self::Base64 => Some(PayloadFormat::Base64),
            Self::Text => Some(PayloadFormat::Text),
            Self::Decoded => None,
        }
    }
}

/// The downlink composer's fields as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposerForm {
    pub application_id: String,
    /// Empty for an open-source deployment.
    pub tenant: String,
    pub device_id: String,
    pub f_port: String,
    pub format: ComposerFormat,
    pub payload: String,
    pub priority: Priority,
    pub confirmed: bool,
    pub operation: QueueOperation,
}

impl Default for ComposerForm {
    fn default() -> Self {
        Self {
            application_id: String::new(),
            tenant: "ttn".into(),
            device_id: String::new(),
            f_port: "1".into(),
            format: ComposerFormat::Hex,
            payload: String::new(),
            priority: Priority::Normal,
            confirmed: false,
            operation: QueueOperation::Push,
        }
    }
}

/// What the composer says about its fields: the request when every field is
/// valid, an error per wrong field, warnings, and the payload in its other forms.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComposerCheck {
    pub request: Option<DownlinkRequest>,
    /// (field id, message)
    pub errors: Vec<(&'static str, String)>,
    pub warnings: Vec<(&'static str, String)>,
    /// The payload as hex, base64 and text (when it reads as text), and its size.
    pub hex: Option<String>,
    pub base64: Option<String>,
    pub text: Option<String>,
    pub byte_count: Option<usize>,
}

impl ComposerForm {
    pub fn application(&self) -> Application {
        Application {
            id: self.application_id.trim().to_owned(),
            tenant: Some(self.tenant.trim().to_owned()).filter(|t| !t.is_empty()),
        }
    }

    /// Checks every field. `clear_queue` asks for a replace with no downlinks,
    /// for which only the ids matter.
    pub fn check(&self, clear_queue: bool) -> ComposerCheck {
        let mut c = ComposerCheck::default();
        if let Err(e) = check_id("application", &self.application_id) {
            c.errors.push(("ttn-app-id", e));
        }
        if let Err(e) = check_id("device", &self.device_id) {
            c.errors.push(("ttn-device-id", e));
        }
        let downlink = if clear_queue { None } else { self.check_downlink(&mut c) };
        if c.errors.is_empty() {
            let (operation, downlinks) = match (clear_queue, downlink) {
                (true, _) => (QueueOperation::Replace, vec![]),
                (false, Some(d)) => (self.operation, vec![d]),
                (false, None) => return c,
            };
            c.request = Some(DownlinkRequest {
                application: self.application(),
                device_id: self.device_id.trim().to_owned(),
                operation,
                downlinks,
            });
        }
        c
    }

    fn check_downlink(&self, c: &mut ComposerCheck) -> Option<Downlink> {
        let f_port = match check_f_port(&self.f_port) {
            Ok((port, warning)) => {
                if let Some(w) = warning {
                    c.warnings.push(("ttn-f-port", w.to_owned()));
                }
                Some(port)
            }
            Err(e) => {
                c.errors.push(("ttn-f-port", e.to_string()));
                None
            }
        };
        let payload = match self.format.payload_format() {
            Some(format) => match check_payload(&self.payload, format) {
                Ok(checked) => {
                    c.hex = Some(payload::to_hex(&checked.bytes));
                    c.base64 = Some(payload::to_base64(&checked.bytes));
                    c.text = payload::is_text(&checked.bytes).then(|| String::from_utf8_lossy(&checked.bytes).into_owned());
                    c.byte_count = Some(checked.bytes.len());
                    if let Some(w) = checked.warning {
                        c.warnings.push(("ttn-payload", w));
                    }
                    Some(DownlinkPayload::Bytes(checked.bytes))
                }
                Err(e) => {
                    c.errors.push(("ttn-payload", e.to_string()));
                    None
                }
            },
            None => match serde_json::from_str::<Value>(&self.payload) {
                Ok(v @ Value::Object(_)) => Some(DownlinkPayload::Decoded(v)),
                Ok(_) => {
                    c.errors.push(("ttn-payload", "The payload formatter expects a JSON object, e.g. {\"led\": \"on\"}.".into()));
                    None
                }
                Err(e) => {
                    c.errors.push(("ttn-payload", format!("Not valid JSON: {e}")));
                    None
                }
            },
        };
        Some(Downlink { f_port: f_port?, payload: payload?, priority: self.priority, confirmed: self.confirmed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(tenant: Option<&str>) -> Application {
        Application { id: "app1".into(), tenant: tenant.map(str::to_owned) }
    }

    fn seed_request(tenant: Option<&str>) -> DownlinkRequest {
        let (f_port, _) = check_f_port("15").unwrap();
        let bytes = check_payload("BE EF", PayloadFormat::Hex).unwrap().bytes;
        DownlinkRequest {
            application: app(tenant),
            device_id: "dev1".into(),
            operation: QueueOperation::Push,
            downlinks: vec![Downlink {
                f_port,
                payload: DownlinkPayload::Bytes(bytes),
                priority: Priority::Normal,
                confirmed: false,
            }],
        }
    }

    /// The seed's document: ../shared/seeds/000_963a507c3e7272ca.txt.
    const SEED_JSON: &str = r#"{"downlinks":[{"f_port": 15,"frm_payload":"vu8=","priority": "NORMAL"}]}"#;

    #[test]
    fn the_seed_downlink_for_an_open_source_deployment() {
        let r = seed_request(None);
        assert_eq!(r.topic(), "v3/app1/devices/dev1/down/push");
        assert_eq!(r.json(), SEED_JSON.replace(": ", ":"));
        let ours: Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(ours, serde_json::from_str::<Value>(SEED_JSON).unwrap());
    }

    #[test]
    fn the_seed_downlink_on_the_things_network() {
        let r = seed_request(Some("ttn"));
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/push");
        assert_eq!(r.application.username(), "app1@ttn");
        assert_eq!(r.application.traffic_filter(), "v3/app1@ttn/devices/+/#");
        assert_eq!(serde_json::from_str::<Value>(&r.json()).unwrap(), serde_json::from_str::<Value>(SEED_JSON).unwrap());
    }

    #[test]
    fn replace_with_nothing_clears_the_queue() {
        let r = DownlinkRequest { operation: QueueOperation::Replace, downlinks: vec![], ..seed_request(Some("ttn")) };
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/replace");
        assert_eq!(r.json(), r#"{"downlinks":[]}"#);
    }

    #[test]
    fn decoded_payload_priority_and_confirmed() {
        let r = DownlinkRequest {
            downlinks: vec![Downlink {
                f_port: 2,
                payload: DownlinkPayload::Decoded(serde_json::json!({"led": "on"})),
                priority: Priority::Highest,
                confirmed: true,
            }],
            ..seed_request(None)
        };
        assert_eq!(
            r.json(),
            r#"{"downlinks":[{"f_port":2,"decoded_payload":{"led":"on"},"priority":"HIGHEST","confirmed":true}]}"#
        );
    }

    #[test]
    fn f_port_rules() {
        assert_eq!(check_f_port("1"), Ok((1, None)));
        assert_eq!(check_f_port(" 223 "), Ok((223, None)));
        assert_eq!(check_f_port("0"), Err(FPortError::MacCommands));
        assert_eq!(check_f_port("224"), Err(FPortError::MacTestProtocol));
        assert!(matches!(check_f_port("225"), Ok((225, Some(w))) if w.contains("reserved")));
        assert!(matches!(check_f_port("255"), Ok((255, Some(_)))));
        assert_eq!(check_f_port("256"), Err(FPortError::OutOfRange(256)));
        assert_eq!(check_f_port("300"), Err(FPortError::OutOfRange(300)));
        assert!(matches!(check_f_port("x"), Err(FPortError::NotANumber(_))));
        assert!(matches!(check_f_port("-1"), Err(FPortError::NotANumber(_))));
        assert!(check_f_port("0").unwrap_err().to_string().contains("MAC commands"));
        assert!(check_f_port("224").unwrap_err().to_string().contains("test protocol"));
    }

    #[test]
    fn payload_sizes_and_forms() {
        assert_eq!(check_payload("0xBE 0xEF", PayloadFormat::Hex).unwrap().bytes, vec![0xBE, 0xEF]);
        assert_eq!(check_payload("vu8=", PayloadFormat::Base64).unwrap().bytes, vec![0xBE, 0xEF]);
        assert_eq!(check_payload("hi", PayloadFormat::Text).unwrap().bytes, b"hi".to_vec());
        assert!(check_payload(&"00".repeat(51), PayloadFormat::Hex).unwrap().warning.is_none());
        assert!(check_payload(&"00".repeat(52), PayloadFormat::Hex).unwrap().warning.is_some());
        assert!(check_payload(&"00".repeat(255), PayloadFormat::Hex).is_ok());
        assert_eq!(check_payload(&"00".repeat(256), PayloadFormat::Hex), Err(DownlinkPayloadError::TooLong(256)));
        assert!(matches!(
            check_payload("BEX", PayloadFormat::Hex),
            Err(DownlinkPayloadError::Format(PayloadError::NotHex { character: 'X', position: 3 }))
        ));
        assert!(matches!(
            check_payload("BEE", PayloadFormat::Hex),
            Err(DownlinkPayloadError::Format(PayloadError::OddHexLength { digits: 3 }))
        ));
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("device", "dev1").is_ok());
        assert!(check_id("device", "Dev1").is_err());
        assert!(check_id("device", "").unwrap_err().contains("Enter"));
        assert!(check_id("application", "a b").is_err());
    }

    #[test]
    fn mosquitto_pub_command_keeps_the_key_off_the_command_line() {
        let r = seed_request(Some("ttn"));
        let cmd = r.mosquitto_pub_command("eu1.cloud.thethings.network");
        assert_eq!(
            cmd,
            "mosquitto_pub -h 'eu1.cloud.thethings.network' -p 8883 --capath /etc/ssl/certs \
             -t 'v3/app1@ttn/devices/dev1/down/push' \
             -m '{\"downlinks\":[{\"f_port\":15,\"frm_payload\":\"vu8=\",\"priority\":\"NORMAL\"}]}'"
        );
        assert!(!cmd.contains("-P") && !cmd.contains("-u"));
        assert_eq!(mosquitto_pub_config(&r.application), "-u app1@ttn\n-P YOUR_API_KEY\n");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn bridge_config_bridges_v3_topics_with_the_application_credentials() {
        let c = bridge_config("eu1.cloud.thethings.network", &app(Some("ttn")), "NNSXS.KEY", 9001);
        for line in [
            "listener 9001 127.0.0.1",
            "protocol websockets",
            "address eu1.cloud.thethings.network:8883",
            "remote_username app1@ttn",
            "remote_password NNSXS.KEY",
            "topic v3/# both 0",
            "try_private false",
        ] {
            assert!(c.lines().any(|l| l == line), "missing {line:?} in\n{c}");
        }
    }

    // Fixtures written from The Things Stack's documented message format.
    const UPLINK: &str = r#"{
      "end_device_ids": {"device_id": "dev1", "application_ids": {"application_id": "app1"},
                         "dev_eui": "0004A30B001C0530", "dev_addr": "00BCB929"},
      "received_at": "2026-11-23T10:00:00.123Z",
      "uplink_message": {
        "f_port": 15, "f_cnt": 42, "frm_payload": "vu8=",
        "decoded_payload": {"temperature": 21.5},
        "rx_metadata": [
          {"gateway_ids": {"gateway_id": "gw-a"}, "rssi": -97, "channel_rssi": -97, "snr": 7.5},
          {"gateway_ids": {"gateway_id": "gw-b"}, "rssi": -81, "channel_rssi": -81, "snr": 9.25}
        ],
        "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}},
                     "frequency": "868300000"},
        "consumed_airtime": "0.056576s"
      }
    }"#;

    #[test]
    fn uplink_fields() {
        let m = parse_message("v3/app1@ttn/devices/dev1/up", UPLINK.as_bytes()).unwrap();
        assert_eq!(m.device_id, "dev1");
        let TtnKind::Uplink(up) = m.kind else { panic!("{m:?}") };
        assert_eq!((up.f_port, up.f_cnt), (Some(15), Some(42)));
        assert_eq!(up.frm_payload, Some(vec![0xBE, 0xEF]));
        assert_eq!(up.decoded_payload, Some(serde_json::json!({"temperature": 21.5})));
        assert_eq!((up.best_rssi, up.best_snr, up.gateways), (Some(-81.0), Some(9.25), 2));
        assert_eq!((up.spreading_factor, up.bandwidth), (Some(7), Some(125_000)));
        assert_eq!(up.frequency.as_deref(), Some("868300000"));
        assert_eq!(up.airtime.as_deref(), Some("0.056576s"));
        assert_eq!(up.dev_eui.as_deref(), Some("0004A30B001C0530"));
    }

    #[test]
    fn join_and_downlink_events() {
        let join = r#"{"end_device_ids": {"device_id": "dev1"}, "join_accept": {"session_key_id": "AXA="}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/join", join.as_bytes()).unwrap();
        assert!(matches!(m.kind, TtnKind::Event { label: "Join", .. }));
        let queued = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_queued": {"f_port": 15, "frm_payload": "vu8=", "priority": "NORMAL"}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/queued", queued.as_bytes()).unwrap();
        assert_eq!(m.kind, TtnKind::Event { label: "Downlink queued", f_port: Some(15), f_cnt: None, detail: None });
        let sent = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_sent": {"f_port": 15, "f_cnt": 3, "frm_payload": "vu8="}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/sent", sent.as_bytes()).unwrap();
        assert_eq!(m.kind, TtnKind::Event { label: "Downlink sent", f_port: Some(15), f_cnt: Some(3), detail: None });
        let failed = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_failed": {"downlink": {"f_port": 15}, "error": {"name": "no_device_session"}}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/failed", failed.as_bytes()).unwrap();
        assert_eq!(
            m.kind,
            TtnKind::Event { label: "Downlink failed", f_port: Some(15), f_cnt: None, detail: Some("no_device_session".into()) }
        );
        for suffix in ["down/ack", "down/nack"] {
            let m = parse_message(&format!("v3/app1@ttn/devices/dev1/{suffix}"), b"{}").unwrap();
            assert!(matches!(m.kind, TtnKind::Event { .. }), "{suffix}");
        }
    }

    #[test]
    fn malformed_bodies_are_kept_with_a_note() {
        let m = parse_message("v3/app1@ttn/devices/dev1/up", b"not json").unwrap();
        assert!(matches!(m.kind, TtnKind::Unrecognised { ref reason } if reason.contains("not JSON")));
        let m = parse_message("v3/app1@ttn/devices/dev1/up", br#"{"foo": 1}"#).unwrap();
        assert!(matches!(m.kind, TtnKind::Unrecognised { .. }));
        assert!(parse_message("lab/room1", b"{}").is_none());
        assert_eq!(parse_topic("v3/app1@ttn/devices/dev1/down/push"), Some(("dev1", "down/push")));
    }

    fn composer(f_port: &str, payload: &str, format: ComposerFormat) -> ComposerForm {
        ComposerForm {
            application_id: "app1".into(),
            device_id: "dev1".into(),
            f_port: f_port.into(),
            payload: payload.into(),
            format,
            ..ComposerForm::default()
        }
    }

    #[test]
    fn composer_builds_the_seed_request_and_shows_every_form() {
        let c = composer("15", "BE EF", ComposerFormat::Hex).check(false);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let r = c.request.unwrap();
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/push");
        assert_eq!(r.json(), SEED_JSON.replace(": ", ":"));
        assert_eq!((c.hex.as_deref(), c.base64.as_deref(), c.byte_count), (Some("BE EF"), Some("vu8="), Some(2)));
        let open_source = ComposerForm { tenant: String::new(), ..composer("15", "vu8=", ComposerFormat::Base64) };
        assert_eq!(open_source.check(false).request.unwrap().topic(), "v3/app1/devices/dev1/down/push");
    }

    #[test]
    fn composer_refuses_each_invalid_field() {
        let field_errors = |c: ComposerCheck| c.errors.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        for port in ["0", "224", "300", ""] {
            let c = composer(port, "BEEF", ComposerFormat::Hex).check(false);
            assert!(c.request.is_none(), "{port}");
            assert_eq!(field_errors(c), ["ttn-f-port"], "{port}");
        }
        for (payload, format) in [
            ("BEX", ComposerFormat::Hex),
            ("BEE", ComposerFormat::Hex),
            (&*"00".repeat(256), ComposerFormat::Hex),
            ("v*8=", ComposerFormat::Base64),
            ("[1]", ComposerFormat::Decoded),
            ("{", ComposerFormat::Decoded),
        ] {
            let c = composer("15", payload, format).check(false);
            assert!(c.request.is_none(), "{payload}");
            assert_eq!(field_errors(c), ["ttn-payload"], "{payload}");
        }
        let c = ComposerForm { device_id: "Dev 1".into(), ..composer("15", "BEEF", ComposerFormat::Hex) }.check(false);
        assert_eq!(field_errors(c), ["ttn-device-id"]);
    }

    #[test]
    fn composer_warnings_do_not_block() {
        let c = composer("225", &"00".repeat(60), ComposerFormat::Hex).check(false);
        assert!(c.request.is_some());
        let fields: Vec<_> = c.warnings.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["ttn-f-port", "ttn-payload"]);
    }

    #[test]
    fn clear_queue_needs_only_the_ids() {
        let c = composer("0", "BEX", ComposerFormat::Hex).check(true);
        let r = c.request.unwrap();
        assert_eq!((r.topic().as_str(), r.json().as_str()), ("v3/app1@ttn/devices/dev1/down/replace", r#"{"downlinks":[]}"#));
    }

    #[test]
    fn device_list_keeps_the_latest() {
        let mut list = DeviceList::default();
        let m = parse_message("v3/app1@ttn/devices/dev1/up", UPLINK.as_bytes()).unwrap();
        list.record(&m, 10.0);
        let j = parse_message("v3/app1@ttn/devices/dev1/join", b"{}").unwrap();
        list.record(&j, 20.0);
        let d = &list.0["dev1"];
        assert_eq!((d.last_seen_ms, d.last_f_cnt, d.last_rssi, d.messages), (20.0, Some(42), Some(-81.0), 2));
    }
}
