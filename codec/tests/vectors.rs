//! The encode/decode vectors of mqtt-packet 9.0.2 (the packet layer of MQTT.js, MIT), vendored
//! in `codec/tests/data/mqtt-packet/` (see its README.md and LICENSE.md), run against this codec
//! through a small mapping layer from mqtt-packet's JSON objects to our packet types.
//!
//! Every case runs, or is listed by name in [`SKIPS`] with the reason: the clause of the
//! MQTT 3.1.1 or 5.0 specification that mqtt-packet gets wrong, or why our types cannot
//! even hold the object. What our codec does instead is checked for skipped cases too,
//! and the list must name exactly the cases that were skipped, so a stale entry fails.
//!
//! Decode failures are checked for their typed variant ([`PARSE_ERRORS`],
//! [`GENERATE_ERRORS`]), not just for being failures: a vector that fails for an
//! unrelated reason tests nothing.

use std::collections::BTreeSet;

use json::Json;
use webmqtt_codec::*;

/// Relative to `CARGO_MANIFEST_DIR` (codec/): vendored with the tests, so that a clone of the
/// repository alone runs them.
const VECTORS: &str = "tests/data/mqtt-packet/vectors.json";

/// The number of cases of each kind in mqtt-packet 9.0.2's table (README.md).
const KIND_COUNTS: [(&str, usize); 6] = [
    ("parse_generate", 57),
    ("parse_only", 17),
    ("generate_only", 10),
    ("parse_error", 60),
    ("generate_error", 29),
    ("write_error", 2),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    /// mqtt-packet accepts or produces what the specification forbids.
    SpecForbids,
    /// Our types cannot hold the object (a negative number, a string for a number, …):
    /// the error the vector wants is a compile error for us.
    Unrepresentable,
    /// A stream-writer error specific to mqtt-packet's API.
    NotApplicable,
}

struct Skip {
    kind: &'static str,
    name: &'static str,
    why: Why,
    /// Checked: a substring of what our side says instead (the `Debug` of the decode or
    /// encode error, or the mapping layer's message for an object it cannot build).
    ours: &'static str,
    /// The clause of the specification, or why the object cannot be represented.
    reason: &'static str,
}

const fn skip(kind: &'static str, name: &'static str, why: Why, ours: &'static str, reason: &'static str) -> Skip {
    Skip { kind, name, why, ours, reason }
}

use Why::{NotApplicable, SpecForbids, Unrepresentable};

/// Every case that does not run as its kind says, by name.
const SKIPS: &[Skip] = &[
    // ---- mqtt-packet disagrees with the specification ----
    skip(
        "parse_generate",
        "connect MQTT bridge 131",
        SpecForbids,
        "UnsupportedProtocol { name: \"MQIsdp\", level: 131 }",
        "3.1.1 §3.1.2.2 [MQTT-3.1.2-2]: the protocol level of MQTT 3.1 is 3; 0x83 (0x80 | 3) is \
         mosquitto's bridge extension, not a level of any MQTT specification, and a server must \
         refuse an unsupported level (CONNACK 0x01)",
    ),
    skip(
        "parse_generate",
        "connect MQTT bridge 132",
        SpecForbids,
        "UnsupportedProtocol { name: \"MQIsdp\", level: 132 }",
        "3.1.1 §3.1.2.1-§3.1.2.2 [MQTT-3.1.2-1, MQTT-3.1.2-2]: 0x84 is mosquitto's bridge bit on \
         level 4, and level 4 goes with the protocol name \"MQTT\", not \"MQIsdp\"",
    ),
    skip(
        "parse_only",
        "Version 4 CONACK in Version 5 mode",
        SpecForbids,
        "InvalidReasonCode { packet: ConnAck, code: 1 }",
        "5.0 §3.2.2.2: 0x01 is not a CONNACK reason code (5.0 CONNACK codes are 0x00 and failures from 0x80), \
         and §3.2.2.3.1: a 5.0 CONNACK carries a property length",
    ),
    skip(
        "parse_only",
        "Version 5 CONNACK test 1",
        SpecForbids,
        "Truncated { packet: ConnAck, field: \"return code\" }",
        "5.0 §3.2.2: the variable header of CONNACK is Acknowledge Flags, Connect Reason Code and \
         Properties; unlike PUBACK-PUBCOMP (§3.4.2.1), DISCONNECT (§3.14.2.1) and AUTH \
         (§3.15.2.1) the reason code may not be omitted",
    ),
    skip(
        "parse_only",
        "Version 5 CONNACK test 2",
        SpecForbids,
        "Truncated { packet: ConnAck, field: \"property length\" }",
        "5.0 §3.2.2.3.1: the CONNACK variable header contains the Property Length; CONNACK has no \
         rule allowing it to be omitted",
    ),
    skip(
        "parse_generate",
        "connack MQTT 5 with properties",
        SpecForbids,
        "InvalidPropertyValue { property: MaximumQoS, value: 2 }",
        "5.0 §3.2.2.3.4: it is a Protocol Error to have a Maximum QoS other than 0 or 1 (a server \
         supporting QoS 2 omits the property); see patched_connack_vectors for the other properties",
    ),
    skip(
        "parse_generate",
        "connack MQTT 5 with properties and doubled user properties",
        SpecForbids,
        "InvalidPropertyValue { property: MaximumQoS, value: 2 }",
        "5.0 §3.2.2.3.4: it is a Protocol Error to have a Maximum QoS other than 0 or 1",
    ),
    // ---- objects our types cannot hold ----
    skip("generate_error", "Unknown command", Unrepresentable, "no cmd", "a packet without a type is not a Packet"),
    skip(
        "generate_error",
        "Invalid return code",
        Unrepresentable,
        "returnCode: expected an integer, got a string",
        "a return code is a ReasonCode(u8), not a string",
    ),
    skip(
        "generate_error",
        "Invalid protocolId",
        Unrepresentable,
        "protocolId: expected a string, got a number",
        "the protocol name is derived from ProtocolVersion; a number cannot be one",
    ),
    skip(
        "generate_error",
        "Invalid protocol version",
        Unrepresentable,
        "protocolVersion 1",
        "ProtocolVersion has only MQTT 3.1, 3.1.1 and 5.0",
    ),
    skip(
        "generate_error",
        "Invalid keepalive",
        Unrepresentable,
        "keepalive:",
        "keep alive is a u16: neither \"hello\" nor 3.1416 is one",
    ),
    skip(
        "generate_error",
        "Invalid will",
        Unrepresentable,
        "will: expected an object",
        "a will is a Will struct, not 42",
    ),
    skip(
        "generate_error",
        "Invalid will payload",
        Unrepresentable,
        "will.payload: expected bytes, got a number",
        "a will payload is Bytes, not 42",
    ),
    skip(
        "generate_error",
        "Invalid username",
        Unrepresentable,
        "username: expected a string, got a number",
        "a user name is a String, not 42",
    ),
    skip(
        "generate_error",
        "Invalid password",
        Unrepresentable,
        "password: expected bytes, got a number",
        "a password is Bytes, not 42",
    ),
    skip(
        "generate_error",
        "Invalid messageExpiryInterval: -4321",
        Unrepresentable,
        "messageExpiryInterval: -4321 does not fit",
        "Message Expiry Interval is a u32",
    ),
    skip(
        "generate_error",
        "Invalid topicAlias: -100",
        Unrepresentable,
        "topicAlias: -100 does not fit",
        "Topic Alias is a u16",
    ),
    skip(
        "generate_error",
        "Invalid subscriptionIdentifier: -120",
        Unrepresentable,
        "subscriptionIdentifier: -120 does not fit",
        "Subscription Identifier is a u32",
    ),
    skip(
        "generate_error",
        "unsubscribe with unsubscriptions not an array",
        Unrepresentable,
        "unsubscriptions: expected an array, got a number",
        "Unsubscribe::filters is a Vec<String>",
    ),
    skip(
        "generate_error",
        "unsubscribe with unsubscriptions as an object",
        Unrepresentable,
        "unsubscriptions[0]: expected a string, got a number",
        "Unsubscribe::filters is a Vec<String>, not numbers",
    ),
    skip(
        "generate_error",
        "Invalid messageId on publish",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on puback",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on pubrec",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on pubrel",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on subscribe",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on suback",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on unsubscribe",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    skip(
        "generate_error",
        "Invalid messageId on unsuback",
        Unrepresentable,
        "messageId: expected an integer",
        "a packet id is a u16",
    ),
    // ---- mqtt-packet's stream writer ----
    skip(
        "write_error",
        "Invalid command",
        NotApplicable,
        "cmd \"invalid\" is not an MQTT packet",
        "mqtt-packet's writeToStream error for an unknown cmd; our API takes a Packet",
    ),
    skip(
        "write_error",
        "Invalid protocolId",
        NotApplicable,
        "protocolId: expected a string, got an object",
        "mqtt-packet's writeToStream error; our API has no protocol name field",
    ),
];

/// The typed error each parse_error case must end in (a prefix of its `Debug`), by name.
/// Names shared by several cases share the expectation.
const PARSE_ERRORS: &[(&str, &str)] = &[
    ("Not supported", "ReservedPacketType"),
    ("Invalid variable byte integer", "MalformedRemainingLength"),
    ("Cannot parse protocolId", "Truncated { packet: Connect, field: \"protocol name\" }"),
    ("Packet too short", "Truncated { packet: Connect"),
    // The client id field is two U+0000 characters [MQTT-1.5.3-2] before the will topic is reached.
    ("Cannot parse will topic", "NullCharacter { field: \"client identifier\" }"),
    // The will topic is two U+0000 characters.
    ("Cannot parse will payload", "NullCharacter { field: \"will topic\" }"),
    ("Cannot parse username", "Truncated { packet: Connect, field: \"user name\" }"),
    // The user name is two U+0000 characters.
    ("Cannot parse password", "NullCharacter { field: \"user name\" }"),
    ("Invalid header flag bits, must be 0x0 for connect packet", "InvalidHeaderFlags { packet: Connect, flags: 2 }"),
    // The next three use protocol name "MQTT" with level 3, which is no MQTT version
    // ([MQTT-3.1.2-1, -2]): they fail on that before their flags are read. The flag
    // rules themselves are covered by tests/malformed.rs.
    ("Connect flag bit 0 must be 0, but got 1", "UnsupportedProtocol { name: \"MQTT\", level: 3 }"),
    (
        "Will Retain Flag must be set to zero when Will Flag is set to 0",
        "UnsupportedProtocol { name: \"MQTT\", level: 3 }",
    ),
    ("Will QoS must be set to zero when Will Flag is set to 0", "UnsupportedProtocol { name: \"MQTT\", level: 3 }"),
    ("Malformed subscribe, no payload specified", "Truncated { packet: Subscribe, field: \"packet identifier\" }"),
    ("Malformed suback, no payload specified", "Truncated { packet: SubAck, field: \"packet identifier\" }"),
    ("Malformed unsubscribe, no payload specified", "Truncated { packet: Unsubscribe, field: \"packet identifier\" }"),
    ("Malformed unsuback, no payload specified", "Truncated { packet: UnsubAck, field: \"packet identifier\" }"),
    ("Malformed unsuback, payload length must be 2", "Truncated { packet: UnsubAck, field: \"packet identifier\" }"),
    ("Invalid header flag bits, must be 0x0 for connack packet", "InvalidHeaderFlags { packet: ConnAck, flags: 1 }"),
    ("Invalid connack flags, bits 7-1 must be set to 0", "ReservedConnAckFlags { flags: 2 }"),
    ("Packet must not have both QoS bits set to 1", "InvalidQoS { field: \"PUBLISH QoS\" }"),
    ("Invalid header flag bits, must be 0x0 for puback packet", "InvalidHeaderFlags { packet: PubAck, flags: 1 }"),
    ("Invalid puback reason code", "InvalidReasonCode { packet: PubAck, code: 17 }"),
    ("Invalid header flag bits, must be 0x0 for pubrec packet", "InvalidHeaderFlags { packet: PubRec, flags: 1 }"),
    // 0x11 and 0x10 are PUBACK/PUBREC codes, not PUBREL codes (5.0 §3.6.2.1).
    ("Invalid pubrel reason code", "InvalidReasonCode { packet: PubRel, code: 1"),
    ("Invalid header flag bits, must be 0x2 for pubrel packet", "InvalidHeaderFlags { packet: PubRel, flags: 0 }"),
    ("Invalid header flag bits, must be 0x0 for pubcomp packet", "InvalidHeaderFlags { packet: PubComp, flags: 1 }"),
    ("Invalid pubcomp reason code", "InvalidReasonCode { packet: PubComp, code: 16 }"),
    (
        "Invalid header flag bits, must be 0x2 for subscribe packet",
        "InvalidHeaderFlags { packet: Subscribe, flags: 0 }",
    ),
    ("Invalid subscribe QoS, must be <= 2", "InvalidQoS { field: \"subscription QoS\" }"),
    ("Invalid subscribe topic flag bits, bits 7-6 must be 0", "ReservedSubscriptionOptions { options: 128 }"),
    ("Invalid retain handling, must be <= 2", "InvalidRetainHandling"),
    ("Invalid subscribe topic flag bits, bits 7-2 must be 0", "ReservedSubscriptionOptions { options: 8 }"),
    ("Invalid suback QoS, must be 0, 1, 2 or 128", "InvalidReasonCode { packet: SubAck, code: 3 }"),
    ("Invalid suback code", "InvalidReasonCode { packet: SubAck, code: 121 }"),
    (
        "Invalid header flag bits, must be 0x2 for unsubscribe packet",
        "InvalidHeaderFlags { packet: Unsubscribe, flags: 0 }",
    ),
    ("Invalid header flag bits, must be 0x0 for unsuback packet", "InvalidHeaderFlags { packet: UnsubAck, flags: 1 }"),
    ("Invalid unsuback code", "InvalidReasonCode { packet: UnsubAck, code: 132 }"),
    ("Invalid header flag bits, must be 0x0 for pingreq packet", "InvalidHeaderFlags { packet: PingReq, flags: 1 }"),
    ("Invalid header flag bits, must be 0x0 for pingresp packet", "InvalidHeaderFlags { packet: PingResp, flags: 1 }"),
    (
        "Invalid header flag bits, must be 0x0 for disconnect packet",
        "InvalidHeaderFlags { packet: Disconnect, flags: 1 }",
    ),
    ("Invalid disconnect reason code", "InvalidReasonCode { packet: Disconnect, code: 5 }"),
    ("Invalid auth reason code", "InvalidReasonCode { packet: Auth, code: 23 }"),
    ("Invalid protocolId", "UnsupportedProtocol { name: \"AAAAAA\", level: 3 }"),
    ("Invalid protocol version", "UnsupportedProtocol { name: \"MQIsdp\", level: 1 }"),
    ("Unknown property", "UnknownProperty { id: 126 }"),
    ("Not supported auth packet for this version MQTT", "AuthNotInVersion { version: V3_1_1 }"),
    // The filter's length (10) takes in the last byte, a U+0000.
    ("Malformed Subscribe Payload", "NullCharacter { field: \"topic filter\" }"),
];

/// The typed error our encoder refuses each representable generate_error object with.
const GENERATE_ERRORS: &[(&str, &str)] = &[
    ("Length var byte integer over max allowed value throws error", "PacketTooLarge { remaining_length: 268435456 }"),
    (
        "MQTT 5.0 var byte integer >24 bits throws error",
        "InvalidPropertyValue { property: SubscriptionIdentifier, value: 268435456 }",
    ),
    ("clientId must be supplied before 3.1.1", "EmptyClientIdInV3_1"),
    ("clientId must be given if cleanSession set to 0", "EmptyClientIdWithoutCleanSession"),
    // mqtt-packet treats a missing will topic as an empty one; a topic name has at least
    // one character [MQTT-4.7.3-1].
    ("Invalid will topic", "InvalidTopicName(Empty)"),
    ("Username is required to use password", "PasswordWithoutUsername"),
];

// ------------------------------------------------------------------------------------
// A minimal JSON reader that keeps the order of object keys: mqtt-packet writes
// properties in the order of its object's keys, and serde_json's Map (without the
// preserve_order feature) sorts them.

mod json {
    #[derive(Debug, Clone, PartialEq)]
    pub enum Json {
        Null,
        Bool(bool),
        /// The number as written, so integers are told from 3.1416.
        Num(String),
        Str(String),
        Arr(Vec<Json>),
        Obj(Vec<(String, Json)>),
    }

    impl Json {
        pub fn get(&self, key: &str) -> Option<&Json> {
            match self {
                Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }

        pub fn str(&self) -> Option<&str> {
            match self {
                Json::Str(s) => Some(s),
                _ => None,
            }
        }

        pub fn describe(&self) -> &'static str {
            match self {
                Json::Null => "null",
                Json::Bool(_) => "a boolean",
                Json::Num(_) => "a number",
                Json::Str(_) => "a string",
                Json::Arr(_) => "an array",
                Json::Obj(_) => "an object",
            }
        }

        /// The same value as serde_json sees it (to check this reader against serde_json).
        pub fn to_serde(&self) -> serde_json::Value {
            use serde_json::Value;
            match self {
                Json::Null => Value::Null,
                Json::Bool(b) => Value::Bool(*b),
                Json::Num(n) => serde_json::from_str(n).expect("number"),
                Json::Str(s) => Value::String(s.clone()),
                Json::Arr(a) => Value::Array(a.iter().map(Json::to_serde).collect()),
                Json::Obj(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
            }
        }
    }

    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = Parser { s: text.as_bytes(), pos: 0 };
        let v = p.value()?;
        p.ws();
        if p.pos != p.s.len() {
            return p.err("trailing characters");
        }
        Ok(v)
    }

    struct Parser<'a> {
        s: &'a [u8],
        pos: usize,
    }

    impl Parser<'_> {
        fn err<T>(&self, what: &str) -> Result<T, String> {
            Err(format!("JSON: {what} at byte {}", self.pos))
        }

        fn peek(&self) -> Option<u8> {
            self.s.get(self.pos).copied()
        }

        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.pos += 1;
            }
        }

        fn literal(&mut self, word: &str, value: Json) -> Result<Json, String> {
            if self.s[self.pos..].starts_with(word.as_bytes()) {
                self.pos += word.len();
                Ok(value)
            } else {
                self.err("unknown literal")
            }
        }

        fn value(&mut self) -> Result<Json, String> {
            self.ws();
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    let mut entries: Vec<(String, Json)> = Vec::new();
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(Json::Obj(entries));
                    }
                    loop {
                        self.ws();
                        let key = self.string()?;
                        self.ws();
                        if self.peek() != Some(b':') {
                            return self.err("expected ':'");
                        }
                        self.pos += 1;
                        let value = self.value()?;
                        if entries.iter().any(|(k, _)| *k == key) {
                            return self.err("duplicate key");
                        }
                        entries.push((key, value));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                return Ok(Json::Obj(entries));
                            }
                            _ => return self.err("expected ',' or '}'"),
                        }
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Json::Arr(items));
                    }
                    loop {
                        items.push(self.value()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                return Ok(Json::Arr(items));
                            }
                            _ => return self.err("expected ',' or ']'"),
                        }
                    }
                }
                Some(b'"') => Ok(Json::Str(self.string()?)),
                Some(b't') => self.literal("true", Json::Bool(true)),
                Some(b'f') => self.literal("false", Json::Bool(false)),
                Some(b'n') => self.literal("null", Json::Null),
                Some(b'-' | b'0'..=b'9') => {
                    let start = self.pos;
                    while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                        self.pos += 1;
                    }
                    let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?;
                    Ok(Json::Num(text.to_owned()))
                }
                _ => self.err("unexpected character"),
            }
        }

        fn hex4(&mut self) -> Result<u32, String> {
            let digits = self.s.get(self.pos..self.pos + 4).and_then(|h| std::str::from_utf8(h).ok());
            let value = digits.and_then(|h| u32::from_str_radix(h, 16).ok());
            match value {
                Some(v) => {
                    self.pos += 4;
                    Ok(v)
                }
                None => self.err("bad \\u escape"),
            }
        }

        fn string(&mut self) -> Result<String, String> {
            if self.peek() != Some(b'"') {
                return self.err("expected a string");
            }
            self.pos += 1;
            let mut out = String::new();
            loop {
                let start = self.pos;
                while !matches!(self.peek(), Some(b'"' | b'\\') | None) {
                    self.pos += 1;
                }
                out.push_str(std::str::from_utf8(&self.s[start..self.pos]).map_err(|e| e.to_string())?);
                match self.peek() {
                    Some(b'"') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some(b'\\') => {
                        self.pos += 1;
                        let escape = self.peek();
                        self.pos += 1;
                        match escape {
                            Some(b'"') => out.push('"'),
                            Some(b'\\') => out.push('\\'),
                            Some(b'/') => out.push('/'),
                            Some(b'b') => out.push('\u{8}'),
                            Some(b'f') => out.push('\u{c}'),
                            Some(b'n') => out.push('\n'),
                            Some(b'r') => out.push('\r'),
                            Some(b't') => out.push('\t'),
                            Some(b'u') => {
                                let high = self.hex4()?;
                                let code = if (0xD800..0xDC00).contains(&high) {
                                    if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                        return self.err("lone surrogate");
                                    }
                                    self.pos += 2;
                                    let low = self.hex4()?;
                                    if !(0xDC00..0xE000).contains(&low) {
                                        return self.err("bad low surrogate");
                                    }
                                    0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                                } else {
                                    high
                                };
                                match char::from_u32(code) {
                                    Some(c) => out.push(c),
                                    None => return self.err("bad code point"),
                                }
                            }
                            _ => return self.err("bad escape"),
                        }
                    }
                    _ => return self.err("unterminated string"),
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------
// The mapping layer: mqtt-packet's objects to our packets. An Err is an object our
// types cannot hold, with a message saying which field and why.

type Mapped<T> = Result<T, String>;

/// One zero-filled buffer for every `$large` payload (they are all zeros: their
/// `$head`/`$tail` say so, and their `$sha256` was checked against zeros with Python's
/// hashlib when this test was written). Sliced, never copied.
struct Zeros {
    len: usize,
    buf: Option<Bytes>,
}

impl Zeros {
    fn get(&mut self, len: usize) -> Bytes {
        assert!(len <= self.len, "a $large of {len} bytes is larger than the {} precomputed", self.len);
        let total = self.len;
        self.buf.get_or_insert_with(|| Bytes::from(vec![0u8; total])).slice(..len)
    }
}

fn hex_decode(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {hex:?}"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| format!("bad hex {hex:?}: {e}")))
        .collect()
}

fn int<T: TryFrom<i64>>(v: &Json, what: &str) -> Mapped<T> {
    match v {
        Json::Num(text) => {
            let n: i64 = text.parse().map_err(|_| format!("{what}: {text} is not an integer"))?;
            T::try_from(n).map_err(|_| format!("{what}: {n} does not fit {}", std::any::type_name::<T>()))
        }
        other => Err(format!("{what}: expected an integer, got {}", other.describe())),
    }
}

fn boolean(v: &Json, what: &str) -> Mapped<bool> {
    match v {
        Json::Bool(b) => Ok(*b),
        other => Err(format!("{what}: expected a boolean, got {}", other.describe())),
    }
}

/// A property byte that mqtt-packet gives as a boolean.
fn flag_byte(v: &Json, what: &str) -> Mapped<u8> {
    match v {
        Json::Bool(b) => Ok(u8::from(*b)),
        other => int(other, what),
    }
}

/// A string; mqtt-packet also takes a Buffer (`{"$hex"}`) holding UTF-8.
fn string(v: &Json, what: &str) -> Mapped<String> {
    match v {
        Json::Str(s) => Ok(s.clone()),
        Json::Obj(_) if v.get("$hex").is_some() => {
            let raw = hex_decode(v.get("$hex").and_then(Json::str).unwrap_or_default())?;
            String::from_utf8(raw).map_err(|_| format!("{what}: a Buffer that is not UTF-8"))
        }
        other => Err(format!("{what}: expected a string, got {}", other.describe())),
    }
}

/// Bytes: a Buffer (`{"$hex"}`), a large zero Buffer (`{"$large"}`) or a string's UTF-8.
fn binary(v: &Json, what: &str, zeros: &mut Zeros) -> Mapped<Bytes> {
    match v {
        Json::Str(s) => Ok(Bytes::from(s.clone().into_bytes())),
        Json::Obj(_) if v.get("$hex").is_some() => {
            Ok(Bytes::from(hex_decode(v.get("$hex").and_then(Json::str).unwrap_or_default())?))
        }
        Json::Obj(_) if v.get("$large").is_some() => {
            let len: usize = int(v.get("$large").unwrap_or(&Json::Null), "$large")?;
            for key in ["$head", "$tail"] {
                let hex = v.get(key).and_then(Json::str).unwrap_or_default();
                if hex.is_empty() || hex_decode(hex)?.iter().any(|&b| b != 0) {
                    return Err(format!("{what}: a $large payload that is not zeros"));
                }
            }
            Ok(zeros.get(len))
        }
        other => Err(format!("{what}: expected bytes, got {}", other.describe())),
    }
}

fn entries<'a>(v: &'a Json, what: &str) -> Mapped<&'a [(String, Json)]> {
    match v {
        Json::Obj(m) => Ok(m),
        other => Err(format!("{what}: expected an object, got {}", other.describe())),
    }
}

fn array<'a>(v: &'a Json, what: &str) -> Mapped<&'a [Json]> {
    match v {
        Json::Arr(a) => Ok(a),
        other => Err(format!("{what}: expected an array, got {}", other.describe())),
    }
}

fn only_keys(obj: &Json, what: &str, allowed: &[&str]) -> Mapped<()> {
    for (key, _) in entries(obj, what)? {
        if !allowed.contains(&key.as_str()) {
            return Err(format!("{what}: field {key:?} has no counterpart in our types"));
        }
    }
    Ok(())
}

fn properties(v: &Json, zeros: &mut Zeros) -> Mapped<Properties> {
    use Property as P;
    let mut out = Properties::new();
    for (key, v) in entries(v, "properties")? {
        let k = key.as_str();
        let p = match k {
            "payloadFormatIndicator" => P::PayloadFormatIndicator(flag_byte(v, k)?),
            "messageExpiryInterval" => P::MessageExpiryInterval(int(v, k)?),
            "contentType" => P::ContentType(string(v, k)?),
            "responseTopic" => P::ResponseTopic(string(v, k)?),
            "correlationData" => P::CorrelationData(binary(v, k, zeros)?),
            "subscriptionIdentifier" => {
                // One number, or an array of them (a PUBLISH matching several subscriptions).
                let ids: Vec<&Json> = match v {
                    Json::Arr(a) => a.iter().collect(),
                    one => vec![one],
                };
                for id in ids {
                    out.push(P::SubscriptionIdentifier(int(id, k)?));
                }
                continue;
            }
            "sessionExpiryInterval" => P::SessionExpiryInterval(int(v, k)?),
            "assignedClientIdentifier" => P::AssignedClientIdentifier(string(v, k)?),
            "serverKeepAlive" => P::ServerKeepAlive(int(v, k)?),
            "authenticationMethod" => P::AuthenticationMethod(string(v, k)?),
            "authenticationData" => P::AuthenticationData(binary(v, k, zeros)?),
            "requestProblemInformation" => P::RequestProblemInformation(flag_byte(v, k)?),
            "willDelayInterval" => P::WillDelayInterval(int(v, k)?),
            "requestResponseInformation" => P::RequestResponseInformation(flag_byte(v, k)?),
            "responseInformation" => P::ResponseInformation(string(v, k)?),
            "serverReference" => P::ServerReference(string(v, k)?),
            "reasonString" => P::ReasonString(string(v, k)?),
            "receiveMaximum" => P::ReceiveMaximum(int(v, k)?),
            "topicAliasMaximum" => P::TopicAliasMaximum(int(v, k)?),
            "topicAlias" => P::TopicAlias(int(v, k)?),
            "maximumQoS" => P::MaximumQoS(int(v, k)?),
            "retainAvailable" => P::RetainAvailable(flag_byte(v, k)?),
            "maximumPacketSize" => P::MaximumPacketSize(int(v, k)?),
            "wildcardSubscriptionAvailable" => P::WildcardSubscriptionAvailable(flag_byte(v, k)?),
            "subscriptionIdentifiersAvailable" => P::SubscriptionIdentifierAvailable(flag_byte(v, k)?),
            "sharedSubscriptionAvailable" => P::SharedSubscriptionAvailable(flag_byte(v, k)?),
            "userProperties" => {
                // A map of name to a value or an array of values, written in place.
                for (name, values) in entries(v, k)? {
                    let values: Vec<&Json> = match values {
                        Json::Arr(a) => a.iter().collect(),
                        one => vec![one],
                    };
                    for value in values {
                        out.push(P::UserProperty(name.clone(), string(value, k)?));
                    }
                }
                continue;
            }
            other => return Err(format!("properties: unknown property {other:?}")),
        };
        out.push(p);
    }
    Ok(out)
}

fn qos(v: &Json, what: &str) -> Mapped<QoS> {
    let n: u8 = int(v, what)?;
    QoS::from_u8(n).ok_or_else(|| format!("{what}: QoS {n} does not exist"))
}

fn opt_properties(obj: &Json, zeros: &mut Zeros) -> Mapped<Properties> {
    obj.get("properties").map_or(Ok(Properties::new()), |p| properties(p, zeros))
}

fn message_id(obj: &Json) -> Mapped<u16> {
    int(obj.get("messageId").ok_or("messageId: missing")?, "messageId")
}

fn reason(obj: &Json, key: &str) -> Mapped<ReasonCode> {
    obj.get(key).map_or(Ok(ReasonCode::SUCCESS), |v| int(v, key).map(ReasonCode))
}

fn reasons(obj: &Json, key: &str) -> Mapped<Vec<ReasonCode>> {
    obj.get(key).map_or(Ok(Vec::new()), |v| array(v, key)?.iter().map(|c| int(c, key).map(ReasonCode)).collect())
}

/// The protocol version of a case: `opts.protocolVersion`, else `object.protocolVersion`, else 4.
fn version_of(case: &Json) -> Mapped<ProtocolVersion> {
    let level = case
        .get("opts")
        .and_then(|o| o.get("protocolVersion"))
        .or_else(|| case.get("object").and_then(|o| o.get("protocolVersion")));
    match level.map(|l| int::<u8>(l, "protocolVersion")).transpose()? {
        None | Some(4) => Ok(ProtocolVersion::V3_1_1),
        Some(3) => Ok(ProtocolVersion::V3_1),
        Some(5) => Ok(ProtocolVersion::V5),
        Some(n) => Err(format!("protocolVersion {n} is not MQTT 3.1, 3.1.1 or 5.0")),
    }
}

const HEADER_KEYS: [&str; 7] = ["cmd", "retain", "qos", "dup", "length", "topic", "payload"];

/// mqtt-packet's object for one packet, as our `Packet`.
fn to_packet(obj: &Json, version: ProtocolVersion, zeros: &mut Zeros) -> Mapped<Packet> {
    let cmd = obj.get("cmd").ok_or("no cmd: a packet needs a type")?;
    let cmd = cmd.str().ok_or_else(|| format!("cmd: expected a string, got {}", cmd.describe()))?;
    let keys = |extra: &[&str]| -> Mapped<()> {
        let allowed: Vec<&str> = HEADER_KEYS.iter().chain(extra).copied().collect();
        only_keys(obj, cmd, &allowed)
    };
    let packet = match cmd {
        "connect" => {
            keys(&[
                "protocolId",
                "protocolVersion",
                "bridgeMode",
                "clean",
                "keepalive",
                "clientId",
                "will",
                "username",
                "password",
                "properties",
            ])?;
            let name = match obj.get("protocolId") {
                None => "MQTT".to_owned(),
                Some(Json::Str(s)) => s.clone(),
                Some(other) => return Err(format!("protocolId: expected a string, got {}", other.describe())),
            };
            let level: u8 = obj.get("protocolVersion").map_or(Ok(4), |v| int(v, "protocolVersion"))?;
            if let Some(bridge) = obj.get("bridgeMode") {
                if boolean(bridge, "bridgeMode")? {
                    return Err("bridgeMode: a bridge protocol level (0x80 | level) is no ProtocolVersion".into());
                }
            }
            let protocol = ProtocolVersion::from_name_and_level(&name, level)
                .ok_or_else(|| format!("protocolId {name:?} with protocolVersion {level} is no ProtocolVersion"))?;
            let will = match obj.get("will") {
                None => None,
                Some(w @ Json::Obj(_)) => {
                    only_keys(w, "will", &["topic", "payload", "qos", "retain", "properties"])?;
                    Some(Will {
                        // mqtt-packet treats a missing will topic as an empty one.
                        topic: w.get("topic").map_or(Ok(String::new()), |t| string(t, "will.topic"))?,
                        payload: w.get("payload").map_or(Ok(Bytes::new()), |p| binary(p, "will.payload", zeros))?,
                        qos: w.get("qos").map_or(Ok(QoS::AtMostOnce), |q| qos(q, "will.qos"))?,
                        retain: w.get("retain").map_or(Ok(false), |r| boolean(r, "will.retain"))?,
                        properties: opt_properties(w, zeros)?,
                    })
                }
                Some(other) => return Err(format!("will: expected an object, got {}", other.describe())),
            };
            Packet::Connect(Box::new(Connect {
                protocol,
                // mqtt-packet's defaults: clean session, keep alive 0, empty client id.
                clean_start: obj.get("clean").map_or(Ok(true), |c| boolean(c, "clean"))?,
                keep_alive: obj.get("keepalive").map_or(Ok(0), |k| int(k, "keepalive"))?,
                client_id: obj.get("clientId").map_or(Ok(String::new()), |c| string(c, "clientId"))?,
                will,
                username: obj.get("username").map(|u| string(u, "username")).transpose()?,
                password: obj.get("password").map(|p| binary(p, "password", zeros)).transpose()?,
                properties: opt_properties(obj, zeros)?,
            }))
        }
        "connack" => {
            keys(&["sessionPresent", "returnCode", "reasonCode", "properties"])?;
            let key = if obj.get("reasonCode").is_some() { "reasonCode" } else { "returnCode" };
            let code: u8 = int(obj.get(key).ok_or("connack: no returnCode or reasonCode")?, key)?;
            let reason = if version.is_v5() {
                ReasonCode(code)
            } else {
                ReasonCode::from_v3_connack(code).ok_or_else(|| format!("{key}: {code} is no 3.x return code"))?
            };
            Packet::ConnAck(ConnAck {
                session_present: obj.get("sessionPresent").map_or(Ok(false), |s| boolean(s, "sessionPresent"))?,
                reason,
                properties: opt_properties(obj, zeros)?,
            })
        }
        "publish" => {
            keys(&["messageId", "properties"])?;
            Packet::Publish(Publish {
                dup: obj.get("dup").map_or(Ok(false), |d| boolean(d, "dup"))?,
                qos: obj.get("qos").map_or(Ok(QoS::AtMostOnce), |q| qos(q, "qos"))?,
                retain: obj.get("retain").map_or(Ok(false), |r| boolean(r, "retain"))?,
                topic: string(obj.get("topic").ok_or("publish: no topic")?, "topic")?.into(),
                packet_id: obj.get("messageId").map_or(Ok(0), |_| message_id(obj))?,
                properties: opt_properties(obj, zeros)?,
                payload: obj.get("payload").map_or(Ok(Bytes::new()), |p| binary(p, "payload", zeros))?,
            })
        }
        "puback" | "pubrec" | "pubrel" | "pubcomp" => {
            let ack = Ack {
                packet_id: message_id(obj)?,
                reason: reason(obj, "reasonCode")?,
                properties: opt_properties(obj, zeros)?,
            };
            keys(&["messageId", "reasonCode", "properties"])?;
            match cmd {
                "puback" => Packet::PubAck(ack),
                "pubrec" => Packet::PubRec(ack),
                "pubrel" => Packet::PubRel(ack),
                _ => Packet::PubComp(ack),
            }
        }
        "subscribe" => {
            let packet_id = message_id(obj)?;
            keys(&["messageId", "subscriptions", "properties"])?;
            let mut filters = Vec::new();
            for (i, s) in array(obj.get("subscriptions").ok_or("subscribe: no subscriptions")?, "subscriptions")?
                .iter()
                .enumerate()
            {
                let what = format!("subscriptions[{i}]");
                only_keys(s, &what, &["topic", "qos", "nl", "rap", "rh"])?;
                let rh: u8 = s.get("rh").map_or(Ok(0), |r| int(r, "rh"))?;
                filters.push(SubscribeFilter {
                    filter: string(s.get("topic").ok_or("subscription without topic")?, &what)?,
                    options: SubscriptionOptions {
                        qos: s.get("qos").map_or(Ok(QoS::AtMostOnce), |q| qos(q, "qos"))?,
                        no_local: s.get("nl").map_or(Ok(false), |b| boolean(b, "nl"))?,
                        retain_as_published: s.get("rap").map_or(Ok(false), |b| boolean(b, "rap"))?,
                        retain_handling: match rh {
                            0 => RetainHandling::SendAtSubscribe,
                            1 => RetainHandling::SendAtNewSubscribe,
                            2 => RetainHandling::DoNotSend,
                            n => return Err(format!("rh: retain handling {n} does not exist")),
                        },
                    },
                });
            }
            Packet::Subscribe(Subscribe { packet_id, filters, properties: opt_properties(obj, zeros)? })
        }
        "suback" => {
            let packet_id = message_id(obj)?;
            keys(&["messageId", "granted", "properties"])?;
            Packet::SubAck(SubAck {
                packet_id,
                reasons: reasons(obj, "granted")?,
                properties: opt_properties(obj, zeros)?,
            })
        }
        "unsubscribe" => {
            let packet_id = message_id(obj)?;
            let list = array(obj.get("unsubscriptions").ok_or("unsubscribe: no unsubscriptions")?, "unsubscriptions")?;
            let filters = list
                .iter()
                .enumerate()
                .map(|(i, f)| string(f, &format!("unsubscriptions[{i}]")))
                .collect::<Mapped<_>>()?;
            keys(&["messageId", "unsubscriptions", "properties"])?;
            Packet::Unsubscribe(Unsubscribe { packet_id, filters, properties: opt_properties(obj, zeros)? })
        }
        "unsuback" => {
            let packet_id = message_id(obj)?;
            keys(&["messageId", "granted", "properties"])?;
            Packet::UnsubAck(UnsubAck {
                packet_id,
                reasons: reasons(obj, "granted")?,
                properties: opt_properties(obj, zeros)?,
            })
        }
        "pingreq" | "pingresp" => {
            keys(&[])?;
            if cmd == "pingreq" {
                Packet::PingReq
            } else {
                Packet::PingResp
            }
        }
        "disconnect" | "auth" => {
            keys(&["reasonCode", "properties"])?;
            let (reason, properties) = (reason(obj, "reasonCode")?, opt_properties(obj, zeros)?);
            if cmd == "disconnect" {
                Packet::Disconnect(Disconnect { reason, properties })
            } else {
                Packet::Auth(Auth { reason, properties })
            }
        }
        other => return Err(format!("cmd {other:?} is not an MQTT packet")),
    };
    check_header_fields(obj, &packet)?;
    Ok(packet)
}

/// Outside PUBLISH, mqtt-packet's dup/qos/retain are the fixed header's reserved flags
/// and its topic/payload are null: our types derive those, so they must agree.
fn check_header_fields(obj: &Json, packet: &Packet) -> Mapped<()> {
    if matches!(packet, Packet::Publish(_)) {
        return Ok(());
    }
    let fixed_qos = u8::from(matches!(packet, Packet::PubRel(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_)));
    if let Some(q) = obj.get("qos") {
        let q: u8 = int(q, "qos")?;
        if q != fixed_qos {
            return Err(format!("qos: {q} in the fixed header of a {:?}", packet.packet_type()));
        }
    }
    for key in ["dup", "retain"] {
        if let Some(b) = obj.get(key) {
            if boolean(b, key)? {
                return Err(format!("{key}: set in the fixed header of a {:?}", packet.packet_type()));
            }
        }
    }
    for key in ["topic", "payload"] {
        if obj.get(key).is_some_and(|v| *v != Json::Null) {
            return Err(format!("{key}: a {:?} has none", packet.packet_type()));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------
// Running the cases.

/// A case's bytes: hex, or a `$large` description (length, head, tail).
enum Wire {
    Hex(Vec<u8>),
    Large { len: usize, head: Vec<u8>, tail: Vec<u8> },
}

fn wire(case: &Json) -> Result<Wire, String> {
    let b = case.get("bytes").ok_or("case has no bytes")?;
    if let Some(hex) = b.get("$hex") {
        return Ok(Wire::Hex(hex_decode(hex.str().unwrap_or_default())?));
    }
    let len = int(b.get("$large").ok_or("bytes: neither $hex nor $large")?, "$large")?;
    let head = hex_decode(b.get("$head").and_then(Json::str).unwrap_or_default())?;
    let tail = hex_decode(b.get("$tail").and_then(Json::str).unwrap_or_default())?;
    Ok(Wire::Large { len, head, tail })
}

impl Wire {
    /// The bytes themselves. A `$large` one is its head, zeros, and its tail (its
    /// `$sha256` matches that: checked with Python's hashlib when this test was written).
    fn materialize(&self) -> Bytes {
        match self {
            Wire::Hex(b) => Bytes::from(b.clone()),
            Wire::Large { len, head, tail } => {
                let mut v = vec![0u8; *len];
                v[..head.len()].copy_from_slice(head);
                v[len - tail.len()..].copy_from_slice(tail);
                Bytes::from(v)
            }
        }
    }

    fn matches(&self, out: &[u8]) -> Result<(), String> {
        match self {
            Wire::Hex(b) if b == out => Ok(()),
            Wire::Hex(b) => Err(format!("encoded\n    {}\n  expected\n    {}", hex(out), hex(b))),
            Wire::Large { len, head, tail } => {
                if out.len() != *len {
                    return Err(format!("encoded {} bytes, expected {len}", out.len()));
                }
                if !out.starts_with(head) || !out.ends_with(tail) {
                    return Err("encoded head or tail differs from the vector's".into());
                }
                const ZERO: [u8; 4096] = [0; 4096];
                let middle = &out[head.len()..len - tail.len()];
                if !middle.chunks(ZERO.len()).all(|c| c == &ZERO[..c.len()]) {
                    return Err("encoded bytes between head and tail are not all zeros".into());
                }
                Ok(())
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A packet for a failure message, without printing a 256 MiB payload.
fn show(p: &Packet) -> String {
    match p {
        Packet::Publish(publish) if publish.payload.len() > 64 => {
            let short = Publish { payload: publish.payload.slice(..16), ..publish.clone() };
            format!("{:?} (payload cut from {} bytes)", Packet::Publish(short), publish.payload.len())
        }
        other => format!("{other:?}"),
    }
}

/// The Remaining Length in a fixed header.
fn remaining_length(bytes: &[u8]) -> Option<usize> {
    let mut len = 0usize;
    for (i, b) in bytes.iter().skip(1).take(4).enumerate() {
        len |= usize::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(len);
        }
    }
    None
}

fn check_length_field(obj: &Json, packet_bytes: &[u8]) -> Result<(), String> {
    if let Some(length) = obj.get("length") {
        let length: usize = int(length, "length")?;
        if remaining_length(packet_bytes) != Some(length) {
            return Err(format!("object's length {length} is not the remaining length of the bytes"));
        }
    }
    Ok(())
}

fn object(case: &Json) -> Result<&Json, String> {
    case.get("object").ok_or_else(|| "case has no object".to_owned())
}

/// `bytes` decode to `object`, in one piece and through the streaming decoder.
fn check_parse(case: &Json, zeros: &mut Zeros) -> Result<(), String> {
    let version = version_of(case)?;
    let obj = object(case)?;
    let expected = to_packet(obj, version, zeros).map_err(|e| format!("mapping the object: {e}"))?;
    let wire = wire(case)?;
    let input = wire.materialize();
    check_length_field(obj, &input)?;
    let decoded = Packet::decode(version, &input).map_err(|e| format!("decode failed: {e:?}"))?;
    if decoded != expected {
        return Err(format!("decoded\n    {}\n  expected\n    {}", show(&decoded), show(&expected)));
    }
    // The streaming decoder too, except for the 256 MiB case (it would copy it once more).
    if let Wire::Hex(bytes) = &wire {
        let mut decoder = Decoder::new(version);
        decoder.push(bytes).map_err(|e| format!("Decoder::push failed: {e:?}"))?;
        match decoder.next_packet() {
            Ok(Some(p)) if p == expected => {}
            other => return Err(format!("Decoder gave {other:?}")),
        }
        if !matches!(decoder.next_packet(), Ok(None)) || decoder.buffered() != 0 {
            return Err("Decoder has more after the one packet".into());
        }
    }
    Ok(())
}

/// `object` encodes to `bytes`.
fn check_generate(case: &Json, zeros: &mut Zeros) -> Result<(), String> {
    let version = version_of(case)?;
    let obj = object(case)?;
    let packet = to_packet(obj, version, zeros).map_err(|e| format!("mapping the object: {e}"))?;
    // A CONNECT is written in the version it names.
    let version = match &packet {
        Packet::Connect(c) => c.protocol,
        _ => version,
    };
    let mut out = Vec::new();
    packet.encode(version, &mut out).map_err(|e| format!("encode failed: {e:?}"))?;
    check_length_field(obj, &out)?;
    wire(case)?.matches(&out)
}

/// `bytes` must fail to decode, with the error [`PARSE_ERRORS`] names. Fed to the
/// streaming decoder as mqtt-packet's parser is fed: some vectors run on past the packet.
fn check_parse_error(case: &Json, name: &str) -> Result<(), String> {
    let version = version_of(case)?;
    let Wire::Hex(bytes) = wire(case)? else { return Err("a $large parse_error".into()) };
    let expected = PARSE_ERRORS.iter().find(|(n, _)| *n == name).map(|(_, e)| *e);
    let expected = expected.ok_or_else(|| format!("{name:?} is missing from PARSE_ERRORS"))?;
    let mut decoder = Decoder::new(version);
    let error = match decoder.push(&bytes).and_then(|()| decoder.next_packet()) {
        Err(e) => e,
        Ok(Some(p)) => return Err(format!("decoded {} instead of failing", show(&p))),
        Ok(None) => return Err("the decoder waits for more bytes instead of failing".into()),
    };
    let got = format!("{error:?}");
    if !got.starts_with(expected) {
        return Err(format!("failed with {got}, expected {expected}"));
    }
    // Once failed, the decoder stays failed.
    if decoder.next_packet() != Err(error) {
        return Err("the decoder did not stay failed".into());
    }
    Ok(())
}

/// The object must be refused by our encoder, with the error [`GENERATE_ERRORS`] names,
/// and leave the output buffer as it was.
fn check_generate_error(case: &Json, name: &str, zeros: &mut Zeros) -> Result<(), String> {
    let expected = GENERATE_ERRORS.iter().find(|(n, _)| *n == name).map(|(_, e)| *e);
    let expected = expected.ok_or_else(|| format!("{name:?} is missing from GENERATE_ERRORS (or SKIPS)"))?;
    let version = version_of(case)?;
    let packet = to_packet(object(case)?, version, zeros).map_err(|e| format!("mapping the object: {e}"))?;
    let version = match &packet {
        Packet::Connect(c) => c.protocol,
        _ => version,
    };
    let mut out = b"before".to_vec();
    match packet.encode(version, &mut out) {
        Ok(()) => Err(format!("encoded to {} bytes instead of failing", out.len() - 6)),
        Err(e) if !format!("{e:?}").starts_with(expected) => Err(format!("refused with {e:?}, expected {expected}")),
        Err(_) if out != b"before" => Err("a refused encode changed the output buffer".into()),
        Err(_) => Ok(()),
    }
}

/// A skipped case: check our side does what [`Skip::ours`] says.
fn check_skip(case: &Json, skip: &Skip, zeros: &mut Zeros) -> Result<(), String> {
    let contains = |what: &str, got: String| {
        if got.contains(skip.ours) {
            Ok(())
        } else {
            Err(format!("skipped, but {what} says {got:?}, not {:?}", skip.ours))
        }
    };
    match skip.kind {
        "parse_generate" | "parse_only" => {
            let version = version_of(case)?;
            let input = wire(case)?.materialize();
            match Packet::decode(version, &input) {
                Ok(p) => return Err(format!("skipped, but our decoder accepts it: {}", show(&p))),
                Err(e) => contains("our decoder", format!("{e:?}"))?,
            }
            if skip.kind == "parse_generate" {
                // Our side cannot produce the bytes either: the mapping or the encoder refuses.
                let produced = to_packet(object(case)?, version, zeros).ok().and_then(|p| {
                    let version = if let Packet::Connect(c) = &p { c.protocol } else { version };
                    p.to_bytes(version).ok()
                });
                if produced.is_some() {
                    return Err("skipped, but our encoder writes the object".into());
                }
            }
            Ok(())
        }
        "generate_only" | "generate_error" | "write_error" => {
            let mapped = version_of(case).and_then(|v| Ok((to_packet(object(case)?, v, zeros)?, v)));
            match mapped {
                Err(e) => contains("the mapping layer", e),
                Ok((p, v)) => match p.to_bytes(v) {
                    Ok(_) => Err("skipped, but the object maps and encodes".into()),
                    Err(e) => contains("our encoder", format!("{e:?}")),
                },
            }
        }
        other => Err(format!("cannot skip a {other} case")),
    }
}

fn load() -> Vec<Json> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}: the vendored mqtt-packet vectors are missing", path.display())
    });
    match json::parse(&text).expect("vectors.json is not JSON") {
        Json::Arr(cases) => cases,
        other => panic!("vectors.json is {}, not an array", other.describe()),
    }
}

fn case_name(case: &Json) -> &str {
    case.get("name").and_then(Json::str).expect("a case without a name")
}

fn case_kind(case: &Json) -> &str {
    case.get("kind").and_then(Json::str).expect("a case without a kind")
}

fn largest_zeros(v: &Json) -> usize {
    match v {
        Json::Obj(_) if v.get("$large").is_some() && v.get("$head").is_some() => {
            int::<usize>(v.get("$large").unwrap_or(&Json::Null), "$large").unwrap_or(0)
        }
        Json::Obj(m) => m.iter().map(|(_, v)| largest_zeros(v)).max().unwrap_or(0),
        Json::Arr(a) => a.iter().map(largest_zeros).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn mqtt_packet_vectors() {
    let cases = load();
    for (kind, count) in KIND_COUNTS {
        let n = cases.iter().filter(|c| case_kind(c) == kind).count();
        assert_eq!(n, count, "vectors.json should hold {count} {kind} cases (mqtt-packet 9.0.2), it holds {n}");
    }
    assert_eq!(cases.len(), KIND_COUNTS.iter().map(|(_, n)| n).sum::<usize>(), "cases of unknown kinds");

    // Payloads only: one zero buffer for every `$large` payload, sliced per case.
    let largest = cases.iter().filter_map(|c| c.get("object")).map(largest_zeros).max().unwrap_or(0);
    let mut zeros = Zeros { len: largest, buf: None };

    let mut failures = Vec::new();
    let mut passed = 0;
    let mut skipped: Vec<(&str, &str, Why)> = Vec::new();
    let mut parse_errors_used = BTreeSet::new();
    let mut generate_errors_used = BTreeSet::new();
    for (index, case) in cases.iter().enumerate() {
        let (kind, name) = (case_kind(case), case_name(case));
        let result = if let Some(skip) = SKIPS.iter().find(|s| s.kind == kind && s.name == name) {
            skipped.push((kind, name, skip.why));
            check_skip(case, skip, &mut zeros)
        } else {
            let result = match kind {
                "parse_generate" => check_parse(case, &mut zeros).and_then(|()| check_generate(case, &mut zeros)),
                "parse_only" => check_parse(case, &mut zeros),
                "generate_only" => check_generate(case, &mut zeros),
                "parse_error" => {
                    parse_errors_used.insert(name);
                    check_parse_error(case, name)
                }
                "generate_error" => {
                    generate_errors_used.insert(name);
                    check_generate_error(case, name, &mut zeros)
                }
                other => Err(format!("a {other} case must be listed in SKIPS")),
            };
            passed += usize::from(result.is_ok());
            result
        };
        if let Err(e) = result {
            failures.push(format!("#{index} {kind} {name:?}: {e}"));
        }
    }
    drop(zeros);

    let count = |why: Why| skipped.iter().filter(|s| s.2 == why).count();
    println!(
        "mqtt-packet vectors: {} cases, {passed} passed, {} skipped ({} disagree with the MQTT specification, \
         {} cannot be represented in our types, {} not applicable), {} failed",
        cases.len(),
        skipped.len(),
        count(SpecForbids),
        count(Unrepresentable),
        count(NotApplicable),
        failures.len()
    );
    for skip in SKIPS {
        println!("  skipped {} {:?}: {}", skip.kind, skip.name, skip.reason);
    }
    assert!(failures.is_empty(), "{} vector(s) failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(passed + skipped.len(), cases.len());

    // The lists name exactly what was used: a stale entry fails.
    let listed: BTreeSet<(&str, &str)> = SKIPS.iter().map(|s| (s.kind, s.name)).collect();
    let used: BTreeSet<(&str, &str)> = skipped.iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(listed.len(), SKIPS.len(), "SKIPS lists a case twice");
    assert_eq!(listed, used, "SKIPS must name exactly the skipped cases");
    let listed: BTreeSet<&str> = PARSE_ERRORS.iter().map(|(n, _)| *n).collect();
    assert_eq!(listed, parse_errors_used, "PARSE_ERRORS must name exactly the parse_error cases");
    let listed: BTreeSet<&str> = GENERATE_ERRORS.iter().map(|(n, _)| *n).collect();
    assert_eq!(listed, generate_errors_used, "GENERATE_ERRORS must name exactly the refused generate_error cases");
}

/// The two CONNACK vectors skipped for Maximum QoS 2 carry sixteen other properties:
/// with Maximum QoS 1 (in the bytes and the object) they must round-trip.
#[test]
fn patched_connack_vectors() {
    let cases = load();
    let mut zeros = Zeros { len: 0, buf: None };
    let mut patched = 0;
    for name in ["connack MQTT 5 with properties", "connack MQTT 5 with properties and doubled user properties"] {
        let case = cases.iter().find(|c| case_name(c) == name).expect("vector");
        let Json::Obj(mut fields) = case.clone() else { panic!("case is not an object") };
        for (key, value) in &mut fields {
            match key.as_str() {
                "bytes" => {
                    let mut bytes = hex_decode(value.get("$hex").and_then(Json::str).expect("hex")).expect("hex");
                    let at: Vec<usize> =
                        bytes.windows(2).enumerate().filter(|(_, w)| w == &[0x24, 0x02]).map(|(i, _)| i).collect();
                    assert_eq!(at.len(), 1, "Maximum QoS 2 (24 02) once in {name}");
                    bytes[at[0] + 1] = 0x01;
                    *value = Json::Obj(vec![("$hex".into(), Json::Str(hex(&bytes)))]);
                }
                "object" => {
                    let Json::Obj(obj) = value else { panic!("object") };
                    let (_, props) = obj.iter_mut().find(|(k, _)| k == "properties").expect("properties");
                    let Json::Obj(props) = props else { panic!("properties") };
                    let (_, qos) = props.iter_mut().find(|(k, _)| k == "maximumQoS").expect("maximumQoS");
                    assert_eq!(*qos, Json::Num("2".into()));
                    *qos = Json::Num("1".into());
                }
                _ => {}
            }
        }
        let case = Json::Obj(fields);
        check_parse(&case, &mut zeros).unwrap_or_else(|e| panic!("{name} with Maximum QoS 1: {e}"));
        check_generate(&case, &mut zeros).unwrap_or_else(|e| panic!("{name} with Maximum QoS 1: {e}"));
        let Packet::ConnAck(ack) = Packet::decode(ProtocolVersion::V5, &wire(&case).unwrap().materialize()).unwrap()
        else {
            panic!("not a CONNACK")
        };
        assert_eq!(ack.properties.maximum_qos(), Some(1));
        assert_eq!(ack.properties.subscription_identifier_available(), Some(1));
        assert_eq!(ack.properties.shared_subscription_available(), Some(0));
        assert_eq!(ack.properties.authentication_data(), Some(&[1u8, 2, 3, 4][..]));
        patched += 1;
    }
    assert_eq!(patched, 2);
}

/// The order-keeping JSON reader above reads the file as serde_json does.
#[test]
fn json_reader_agrees_with_serde_json() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let text = std::fs::read_to_string(&path).expect("vectors.json");
    let ours = json::parse(&text).expect("our reader");
    let theirs: serde_json::Value = serde_json::from_str(&text).expect("serde_json");
    assert_eq!(ours.to_serde(), theirs);
    // Key order is kept: mqtt-packet wrote sessionExpiryInterval first, not alphabetically.
    let connect = load().into_iter().find(|c| case_name(c) == "connect MQTT 5 w/o will properties").expect("case");
    let Some(Json::Obj(props)) = connect.get("object").and_then(|o| o.get("properties")) else { panic!("properties") };
    assert_eq!(props.first().map(|(k, _)| k.as_str()), Some("sessionExpiryInterval"));
    assert_eq!(props.last().map(|(k, _)| k.as_str()), Some("authenticationData"));
    // Surrogate pairs: the client id of "utf-8 clientId with 5.0 parse" ends in U+1F704.
    let utf8 = load().into_iter().find(|c| case_name(c) == "utf-8 clientId with 5.0 parse").expect("case");
    assert_eq!(utf8.get("object").and_then(|o| o.get("clientId")).and_then(Json::str), Some("Ŧėśt\u{1F704}"));
}
