//! The feed exported as a file: NDJSON, CSV or JSON.
//!
//! Every format carries the same fields for each message, in this order:
//! `connection` (the name the caller gives it), `topic`, `time` (ISO 8601,
//! UTC, milliseconds), `qos`, `retain`, `properties` (MQTT 5.0 properties as a
//! JSON object, `{}` when there are none), `payload` and `payload_encoding`
//! (`"utf8"` when the payload is valid UTF-8 and is written as that text,
//! otherwise `"base64"`). So a file can be read back byte-exact: a binary
//! payload is never passed through a lossy text conversion.
//!
//! Pure Rust (no `js_sys`): the time is computed here from the message's
//! milliseconds, so all of it is tested natively.

use crate::form::SelectKey;
use core::borrow::Borrow;

use crate::base64;
use webmqtt_codec::{Properties, Property, PropertyId, PropertyValue};

use crate::feed::FeedMessage;
use crate::json::{self, Object, Value};
use crate::workspace::ConnectionId;

/// The file formats the feed can be exported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExportFormat {
    /// One JSON object per line: streams well, `jq` and log tools read it.
    #[default]
    Ndjson,
    /// A header row and one row per message (RFC 4180), for spreadsheets.
    Csv,
    /// One JSON array of objects.
    Json,
}

impl SelectKey for ExportFormat {
    const ALL: &'static [Self] = &[Self::Ndjson, Self::Csv, Self::Json];

    fn label(self) -> &'static str {
        match self {
            Self::Ndjson => "NDJSON",
            Self::Csv => "CSV",
            Self::Json => "JSON",
        }
    }

    /// Also the file name's extension.
    fn key(self) -> &'static str {
        match self {
            Self::Ndjson => "ndjson",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

impl ExportFormat {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.key()
    }

    /// The MIME type for the download's Blob.
    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson",
            Self::Csv => "text/csv;charset=utf-8",
            Self::Json => "application/json",
        }
    }
}

/// How an exported payload is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadEncoding {
    /// The payload is valid UTF-8 and written as that text.
    Utf8,
    /// The payload is not valid UTF-8 and written as standard base64 with padding.
    Base64,
}

impl PayloadEncoding {
    pub const fn key(self) -> &'static str {
        match self {
            Self::Utf8 => "utf8",
            Self::Base64 => "base64",
        }
    }
}

/// A payload as exported: the text when it is valid UTF-8, otherwise base64.
pub fn encode_payload(payload: &[u8]) -> (String, PayloadEncoding) {
    match core::str::from_utf8(payload) {
        Ok(text) => (text.to_owned(), PayloadEncoding::Utf8),
        Err(_) => (base64::encode(payload), PayloadEncoding::Base64),
    }
}

/// The column names, in the order every format writes the fields.
pub const FIELDS: [&str; 8] =
    ["connection", "topic", "time", "qos", "retain", "properties", "payload", "payload_encoding"];

/// One message as it is exported.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub connection: String,
    pub topic: String,
    /// ISO 8601, UTC, with milliseconds: `2024-05-01T12:30:05.123Z`.
    pub time: String,
    pub qos: u8,
    pub retain: bool,
    /// The MQTT 5.0 properties as a JSON object (see [`properties_json`]).
    pub properties: Value,
    pub payload: String,
    pub payload_encoding: PayloadEncoding,
}

impl ExportRow {
    pub fn new(message: &FeedMessage, connection: &str) -> Self {
        let (payload, payload_encoding) = encode_payload(&message.payload);
        Self {
            connection: connection.to_owned(),
            topic: message.topic.as_str().to_owned(),
            time: iso8601_utc(message.received_at_ms),
            qos: message.qos.as_u8(),
            retain: message.retain,
            properties: properties_json(&message.properties),
            payload,
            payload_encoding,
        }
    }
}

/// The messages (oldest first, as given) as a file in `format`.
/// `connection_name` names each message's connection, e.g. from the workspace.
/// `messages` may be `&[FeedMessage]`, a `Vec<&FeedMessage>` (a filtered view),
/// `slice.iter().copied()` of a `&[&FeedMessage]`, or owned messages.
pub fn export<M: Borrow<FeedMessage>, N: AsRef<str>>(
    format: ExportFormat,
    messages: impl IntoIterator<Item = M>,
    mut connection_name: impl FnMut(ConnectionId) -> N,
) -> String {
    let rows = messages.into_iter().map(|m| {
        let m = m.borrow();
        ExportRow::new(m, connection_name(m.connection).as_ref())
    });
    let mut out = String::new();
    match format {
        ExportFormat::Ndjson => {
            for row in rows {
                write_json_row(&mut out, &row);
                out.push('\n');
            }
        }
        ExportFormat::Json => {
            // One object per line inside the array: still one JSON value, and a
            // file a person can read and diff.
            out.push('[');
            for (i, row) in rows.enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                write_json_row(&mut out, &row);
            }
            out.push_str("\n]\n");
        }
        ExportFormat::Csv => {
            write_csv_record(&mut out, FIELDS);
            for row in rows {
                write_csv_row(&mut out, &row);
            }
        }
    }
    out
}

/// The download's file name: `webmqtt-2024-05-01T12-30-05Z.csv`. No colons,
/// which Windows does not allow in file names.
pub fn file_name(format: ExportFormat, now_ms: f64) -> String {
    let time = iso8601_utc(now_ms);
    // "2024-05-01T12:30:05.123Z" -> "2024-05-01T12-30-05Z"
    let seconds = time.get(..19).unwrap_or(&time).replace(':', "-");
    format!("webmqtt-{seconds}Z.{}", format.extension())
}

// --- time ---------------------------------------------------------------------

/// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years ISO 8601
/// writes with four digits. Times outside are clamped to them.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;
const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds since the Unix epoch as ISO 8601 in UTC with milliseconds,
/// e.g. `1970-01-01T00:00:00.000Z`. A fraction of a millisecond is dropped;
/// a time that is not a number counts as the epoch.
pub fn iso8601_utc(ms: f64) -> String {
    let ms = if ms.is_nan() { 0 } else { (ms.floor() as i64).clamp(MIN_MS, MAX_MS) };
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1_000 % 60, in_day % 1_000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`: exact for every day, no tables, no loops).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March, so the leap day is the year's last day.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// --- properties ---------------------------------------------------------------

/// A property's value as JSON: numbers as numbers, strings as strings, binary
/// data (Correlation Data, Authentication Data) as base64, and a user property
/// as its `[name, value]` pair.
pub fn property_value_json(property: &Property) -> Value {
    match property.value() {
        PropertyValue::Byte(v) => Value::from(v),
        PropertyValue::TwoByte(v) => Value::from(v),
        PropertyValue::FourByte(v) | PropertyValue::VarInt(v) => Value::from(v),
        PropertyValue::Str(s) => Value::from(s),
        PropertyValue::Binary(b) => Value::from(base64::encode(b)),
        PropertyValue::Pair(k, v) => Value::from(vec![k, v]),
    }
}

/// The properties as one JSON object keyed by the specification's names:
/// `{"Content Type": "text/plain", "User Property": [["k", "v"], …]}`.
/// User properties and subscription identifiers, which may repeat in a
/// PUBLISH, are always arrays, in the order received. Any other property is a
/// single value; should one repeat anyway, all its values are kept, as an array.
pub fn properties_json(properties: &Properties) -> Value {
    let mut object = Object::new();
    for property in properties {
        let id = property.id();
        let value = property_value_json(property);
        let repeats = matches!(id, PropertyId::UserProperty | PropertyId::SubscriptionIdentifier);
        match object.get_mut(id.name()) {
            None if repeats => {
                object.insert(id.name().to_owned(), Value::Array(vec![value]));
            }
            None => {
                object.insert(id.name().to_owned(), value);
            }
            // Scalars never are arrays, so an array here is a repeat already seen.
            Some(Value::Array(values)) => values.push(value),
            Some(first) => *first = Value::Array(vec![first.take(), value]),
        }
    }
    Value::Object(object)
}

// --- writers ------------------------------------------------------------------

fn write_json_row(out: &mut String, row: &ExportRow) {
    out.push_str("{\"connection\":");
    json::push_string(out, &row.connection);
    out.push_str(",\"topic\":");
    json::push_string(out, &row.topic);
    out.push_str(",\"time\":");
    json::push_string(out, &row.time);
    out.push_str(&format!(",\"qos\":{},\"retain\":{},\"properties\":", row.qos, row.retain));
    out.push_str(&row.properties.to_string());
    out.push_str(",\"payload\":");
    json::push_string(out, &row.payload);
    out.push_str(",\"payload_encoding\":");
    json::push_string(out, row.payload_encoding.key());
    out.push('}');
}


fn write_csv_row(out: &mut String, row: &ExportRow) {
    let qos = row.qos.to_string();
    let properties = row.properties.to_string();
    write_csv_record(
        out,
        [
            row.connection.as_str(),
            row.topic.as_str(),
            row.time.as_str(),
            qos.as_str(),
            if row.retain { "true" } else { "false" },
            properties.as_str(),
            row.payload.as_str(),
            row.payload_encoding.key(),
        ],
    );
}

/// One CSV record ended by CRLF, as RFC 4180 asks.
fn write_csv_record<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_csv_field(out, field);
    }
    out.push_str("\r\n");
}

/// A field is quoted when it holds a comma, a quote, CR or LF; quotes inside
/// are doubled (RFC 4180 §2.6, §2.7).
fn push_csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::feed_message;
    use serde_json::{Map, Value};
    use std::collections::HashMap;
    use webmqtt_codec::{Bytes, Publish, QoS};

    /// Our JSON value as serde_json's, the reference the rows are read back with.
    fn reference(v: &json::Value) -> Value {
        serde_json::from_str(&v.to_string()).expect("our JSON reads back")
    }

    fn message(connection: u32, at_ms: f64, topic: &str, payload: &[u8], properties: Properties) -> FeedMessage {
        let mut publish = Publish::new(topic, payload.to_vec());
        publish.qos = QoS::AtLeastOnce;
        publish.retain = connection == 2;
        publish.properties = properties;
        feed_message(ConnectionId(connection), at_ms, publish, vec![])
    }

    fn names() -> HashMap<ConnectionId, String> {
        HashMap::from([(ConnectionId(1), "local, \"lab\"".to_owned()), (ConnectionId(2), "TTN".to_owned())])
    }

    fn sample() -> Vec<FeedMessage> {
        let props = Properties::new()
            .with(Property::ContentType("text/plain".into()))
            .with(Property::UserProperty("b".into(), "2".into()))
            .with(Property::CorrelationData(Bytes::from_static(&[0, 255, 1])))
            .with(Property::UserProperty("a".into(), "1".into()))
            .with(Property::SubscriptionIdentifier(7))
            .with(Property::MessageExpiryInterval(60));
        vec![
            message(1, 1_714_566_605_123.0, "lab/temp", b"21.5", Properties::new()),
            message(2, 1_714_566_606_000.0, "bin/\u{e9}", &[0, 159, 146, 150, 255, b'"', b'\n'], props),
            message(1, 0.0, "quote", b"say \"hi\", then\r\nleave\n", Properties::new()),
            message(1, 1.0, "empty", b"", Properties::new()),
        ]
    }

    /// What a message should read back as, from its own fields.
    fn expected(m: &FeedMessage, names: &HashMap<ConnectionId, String>) -> Value {
        let (payload, encoding) = match core::str::from_utf8(&m.payload) {
            Ok(s) => (s.to_owned(), "utf8"),
            Err(_) => (base64::encode(&m.payload), "base64"),
        };
        serde_json::json!({
            "connection": names[&m.connection],
            "topic": m.topic.as_str(),
            "time": iso8601_utc(m.received_at_ms),
            "qos": m.qos.as_u8(),
            "retain": m.retain,
            "properties": reference(&properties_json(&m.properties)),
            "payload": payload,
            "payload_encoding": encoding,
        })
    }

    fn run(format: ExportFormat, messages: &[FeedMessage]) -> String {
        let names = names();
        export(format, messages, |id| names.get(&id).map(String::as_str).unwrap_or("?"))
    }

    /// The payload bytes a read-back row stands for.
    fn payload_bytes(row: &Value) -> Vec<u8> {
        let text = row["payload"].as_str().expect("payload is a string");
        match row["payload_encoding"].as_str() {
            Some("utf8") => text.as_bytes().to_vec(),
            Some("base64") => base64::decode(text.as_bytes()).expect("valid base64"),
            other => panic!("unknown payload_encoding {other:?}"),
        }
    }

    #[test]
    fn ndjson_round_trip() {
        let messages = sample();
        let out = run(ExportFormat::Ndjson, &messages);
        let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
        assert_eq!(rows.len(), messages.len());
        assert!(out.ends_with('\n'));
        for (row, m) in rows.iter().zip(&messages) {
            assert_eq!(row, &expected(m, &names()));
            assert_eq!(payload_bytes(row), m.payload.to_vec());
        }
        // The keys come in the documented order.
        let first = out.lines().next().unwrap_or_default();
        let positions: Vec<usize> = FIELDS.iter().filter_map(|f| first.find(&format!("\"{f}\":"))).collect();
        assert!(positions.len() == FIELDS.len() && positions.windows(2).all(|w| w[0] < w[1]), "{first}");
    }

    #[test]
    fn json_round_trip() {
        let messages = sample();
        let parsed: Value = serde_json::from_str(&run(ExportFormat::Json, &messages)).expect("one JSON value");
        let rows = parsed.as_array().expect("an array");
        let want: Vec<Value> = messages.iter().map(|m| expected(m, &names())).collect();
        assert_eq!(rows, &want);
        assert_eq!(payload_bytes(&rows[1]), vec![0, 159, 146, 150, 255, b'"', b'\n']);
        let empty: Value = serde_json::from_str(&run(ExportFormat::Json, &[])).expect("one JSON value");
        assert_eq!(empty, Value::Array(vec![]));
        // A filtered view, as references.
        let view: Vec<&FeedMessage> = messages.iter().filter(|m| m.connection == ConnectionId(2)).collect();
        let out = export(ExportFormat::Json, view, |_| "TTN");
        let parsed: Value = serde_json::from_str(&out).expect("one JSON value");
        assert_eq!(parsed, Value::Array(vec![expected(&messages[1], &names())]));
    }

    /// A small RFC 4180 reader: quoted fields with doubled quotes, CRLF records.
    fn read_csv(text: &str) -> Vec<Vec<String>> {
        let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CR without LF"),
                (false, '\n') => panic!("a record ends with CRLF, not a bare LF"),
                (false, c) => field.push(c),
            }
            if !quoted && c == '\r' {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
        }
        assert!(field.is_empty() && record.is_empty(), "the last record ends with CRLF");
        records
    }

    #[test]
    fn csv_round_trip_with_quotes_commas_and_line_breaks() {
        let messages = sample();
        let out = run(ExportFormat::Csv, &messages);
        let records = read_csv(&out);
        assert_eq!(records[0], FIELDS);
        assert_eq!(records.len(), messages.len() + 1);
        for (record, m) in records[1..].iter().zip(&messages) {
            let mut row: Map<String, Value> =
                FIELDS.iter().zip(record).map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str()))).collect();
            // Cells are text: the typed ones are read back by their column.
            row["qos"] = serde_json::from_str(record[3].as_str()).expect("qos is a number");
            row["retain"] = serde_json::from_str(record[4].as_str()).expect("retain is true or false");
            row["properties"] = serde_json::from_str(record[5].as_str()).expect("properties is JSON");
            let row = Value::Object(row);
            assert_eq!(row, expected(m, &names()));
            assert_eq!(payload_bytes(&row), m.payload.to_vec());
        }
        // The quoting itself, as RFC 4180 writes it.
        assert!(out.contains("\"say \"\"hi\"\", then\r\nleave\n\""), "{out}");
        assert!(out.contains("\"local, \"\"lab\"\"\""), "{out}");
        assert!(out.contains(",lab/temp,"), "plain fields are not quoted: {out}");
    }

    #[test]
    fn properties_by_name_with_user_properties_in_order() {
        let m = &sample()[1];
        assert_eq!(
            reference(&properties_json(&m.properties)),
            serde_json::json!({
                "Content Type": "text/plain",
                "User Property": [["b", "2"], ["a", "1"]],
                "Correlation Data": "AP8B",
                "Subscription Identifier": [7],
                "Message Expiry Interval": 60,
            })
        );
        assert_eq!(reference(&properties_json(&Properties::new())), serde_json::json!({}));
        // A repeat the codec would refuse is still not lost.
        let twice = Properties::new().with(Property::ContentType("a".into())).with(Property::ContentType("b".into()));
        assert_eq!(reference(&properties_json(&twice)), serde_json::json!({"Content Type": ["a", "b"]}));
    }

    #[test]
    fn payload_text_or_base64() {
        assert_eq!(encode_payload(b"caf\xc3\xa9"), ("caf\u{e9}".to_owned(), PayloadEncoding::Utf8));
        assert_eq!(encode_payload(&[0xff, 0x00]), ("/wA=".to_owned(), PayloadEncoding::Base64));
        assert_eq!(encode_payload(b""), (String::new(), PayloadEncoding::Utf8));
    }

    #[test]
    fn iso_times_in_utc_with_milliseconds() {
        assert_eq!(iso8601_utc(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(1_714_566_605_123.0), "2024-05-01T12:30:05.123Z");
        assert_eq!(iso8601_utc(951_825_600_000.0), "2000-02-29T12:00:00.000Z");
        assert_eq!(iso8601_utc(4_107_542_399_999.0), "2100-02-28T23:59:59.999Z");
        assert_eq!(iso8601_utc(4_107_542_400_000.0), "2100-03-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(-1.0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601_utc(1.9), "1970-01-01T00:00:00.001Z");
        assert_eq!(iso8601_utc(f64::NAN), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(f64::INFINITY), "9999-12-31T23:59:59.999Z");
        assert_eq!(iso8601_utc(f64::NEG_INFINITY), "0000-01-01T00:00:00.000Z");
    }

    #[test]
    fn every_day_of_four_centuries_follows_the_one_before() {
        // From 1970 to 2370: each date is the day after the previous one.
        let mut previous = civil_from_days(-1);
        for day in 0..146_097 {
            let date = civil_from_days(day);
            let (y, m, d) = previous;
            let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
            let month_len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
            let next = if d < month_len {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            assert_eq!(date, next, "day {day}");
            previous = date;
        }
    }

    #[test]
    fn file_names_and_types() {
        assert_eq!(file_name(ExportFormat::Csv, 1_714_566_605_123.0), "webmqtt-2024-05-01T12-30-05Z.csv");
        assert_eq!(file_name(ExportFormat::Ndjson, 0.0), "webmqtt-1970-01-01T00-00-00Z.ndjson");
        assert_eq!(file_name(ExportFormat::Json, 0.0), "webmqtt-1970-01-01T00-00-00Z.json");
        for &f in ExportFormat::ALL {
            assert_eq!(ExportFormat::from_key(f.key()), Some(f));
            assert!(!f.mime_type().is_empty());
        }
        assert_eq!(ExportFormat::from_key("xml"), None);
    }

    #[test]
    fn control_characters_in_json_strings() {
        let m = message(1, 0.0, "t", "a\u{1}b\u{1f}\t\\".as_bytes(), Properties::new());
        let out = run(ExportFormat::Ndjson, std::slice::from_ref(&m));
        assert!(out.contains(r#""payload":"a\u0001b\u001f\t\\""#), "{out}");
        let row: Value = serde_json::from_str(out.trim_end()).expect("JSON");
        assert_eq!(payload_bytes(&row), m.payload.to_vec());
    }
}
