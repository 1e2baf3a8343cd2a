//! Downlinks: FPort, payload and priority checked, the JSON The Things Stack
//! expects, and the same request as a mosquitto_pub command.

use core::fmt;

use crate::json::{self, Value};

use super::ids::{check_id, Application};
use crate::form::{Field, SelectKey};
use crate::payload::{self, PayloadError, PayloadFormat};

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

impl SelectKey for Priority {
    const ALL: &'static [Self] =
        &[Self::Lowest, Self::Low, Self::BelowNormal, Self::Normal, Self::AboveNormal, Self::High, Self::Highest];

    /// The value The Things Stack's JSON takes.
    fn key(self) -> &'static str {
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
}

/// Push adds to the device's downlink queue; replace swaps the queue (an empty
/// list clears it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueOperation {
    #[default]
    Push,
    Replace,
}

impl SelectKey for QueueOperation {
    const ALL: &'static [Self] = &[Self::Push, Self::Replace];

    fn key(self) -> &'static str {
        match self {
            Self::Push => "push",
            Self::Replace => "replace",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Push => "Push (add to the queue)",
            Self::Replace => "Replace the queue",
        }
    }
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
                fields.push(format!("\"priority\":\"{}\"", d.priority.key()));
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

impl SelectKey for ComposerFormat {
    const ALL: &'static [Self] = &[Self::Hex, Self::Base64, Self::Text, Self::Decoded];

    fn key(self) -> &'static str {
        match self {
            Self::Hex => "hex",
            Self::Base64 => "base64",
            Self::Text => "text",
            Self::Decoded => "decoded",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Hex => "Hex",
            Self::Base64 => "Base64",
            Self::Text => "Text",
            Self::Decoded => "JSON for the payload formatter",
        }
    }
}

impl ComposerFormat {
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
    pub errors: Vec<(Field, String)>,
    pub warnings: Vec<(Field, String)>,
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
            c.errors.push((Field::TtnAppId, e));
        }
        if let Err(e) = check_id("device", &self.device_id) {
            c.errors.push((Field::TtnDeviceId, e));
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
                    c.warnings.push((Field::TtnFPort, w.to_owned()));
                }
                Some(port)
            }
            Err(e) => {
                c.errors.push((Field::TtnFPort, e.to_string()));
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
                        c.warnings.push((Field::TtnPayload, w));
                    }
                    Some(DownlinkPayload::Bytes(checked.bytes))
                }
                Err(e) => {
                    c.errors.push((Field::TtnPayload, e.to_string()));
                    None
                }
            },
            None => match json::parse(&self.payload) {
                Ok(v @ Value::Object(_)) => Some(DownlinkPayload::Decoded(v)),
                Ok(_) => {
                    c.errors.push((Field::TtnPayload, "The payload formatter expects a JSON object, e.g. {\"led\": \"on\"}.".into()));
                    None
                }
                Err(e) => {
                    c.errors.push((Field::TtnPayload, format!("Not valid JSON: {e}")));
                    None
                }
            },
        };
        Some(Downlink { f_port: f_port?, payload: payload?, priority: self.priority, confirmed: self.confirmed })
    }
}

