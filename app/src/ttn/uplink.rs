//! Uplinks and events: what The Things Stack publishes, read once on receipt,
//! and the devices seen in it.

use std::collections::{BTreeMap, VecDeque};

use crate::json::{self, Value};

use super::ids::parse_topic;
use crate::payload;

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

/// Reads a message on a The Things Stack topic; `None` if the topic is not one.
pub fn parse_message(topic: &str, body: &[u8]) -> Option<TtnMessage> {
    let (device, suffix) = parse_topic(topic)?;
    let device_id = device.to_owned();
    let unrecognised = |reason: String| Some(TtnMessage { device_id: device_id.clone(), kind: TtnKind::Unrecognised { reason } });
    let json: Value = match json::parse_bytes(body) {
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


/// Events the log keeps, newest first.
pub const MAX_EVENTS: usize = 100;

/// One The Things Stack message as the panel lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct TtnEvent {
    /// The feed's sequence number of the message.
    pub seq: u64,
    pub at_ms: f64,
    pub topic: String,
    pub message: TtnMessage,
    /// The body as text, shown when it is not what The Things Stack sends.
    pub raw: String,
}

/// The Things Stack traffic of one connection, read once as it arrives: the
/// newest events, and every device seen (kept when the feed drops old messages).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TtnLog {
    events: VecDeque<TtnEvent>,
    pub devices: DeviceList,
}

impl TtnLog {
    /// Reads one received message; other topics cost one prefix check.
    pub fn record(&mut self, seq: u64, at_ms: f64, topic: &str, body: &[u8]) {
        let Some(message) = parse_message(topic, body) else { return };
        self.devices.record(&message, at_ms);
        if self.events.len() == MAX_EVENTS {
            self.events.pop_back();
        }
        let raw = match &message.kind {
            TtnKind::Unrecognised { .. } => String::from_utf8_lossy(body).into_owned(),
            _ => String::new(),
        };
        self.events.push_front(TtnEvent { seq, at_ms, topic: topic.to_owned(), message, raw });
    }

    /// Newest first.
    pub fn events(&self) -> impl Iterator<Item = &TtnEvent> {
        self.events.iter()
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_devices_after_its_events_are_gone() {
        let mut log = TtnLog::default();
        let up = br#"{"uplink_message":{"f_port":1,"f_cnt":7}}"#;
        log.record(1, 10.0, "v3/app@ttn/devices/dev-a/up", up);
        log.record(2, 11.0, "lab/other", b"x");
        for i in 0..MAX_EVENTS as u64 {
            log.record(3 + i, 20.0, "v3/app@ttn/devices/dev-b/up", up);
        }
        assert_eq!(log.events().count(), MAX_EVENTS);
        assert!(log.events().all(|e| e.message.device_id == "dev-b"));
        assert_eq!(log.events().next().map(|e| e.seq), Some(2 + MAX_EVENTS as u64));
        let devices: Vec<&str> = log.devices.0.keys().map(String::as_str).collect();
        assert_eq!(devices, ["dev-a", "dev-b"], "dev-a's only event left the log, not the device list");
        assert_eq!(log.devices.0["dev-a"].last_f_cnt, Some(7));
    }
}
