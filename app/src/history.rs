//! Stored history's model: what a stored message holds, the bounds on how much
//! is kept, and which of the oldest records to delete to stay within them.
//!
//! The browser glue (IndexedDB) is in [`crate::idb`]; everything here is plain
//! Rust and tested natively.
//!
//! Records are bounded per connection, by count and by bytes, both at once.
//! [`HistoryLedger`] keeps the (seq, bytes) of one connection's stored records
//! in memory, so trimming after each append costs no read from the database:
//! the app appends a frame's records, asks the ledger what to trim, and deletes
//! the oldest up to that seq with one key-range delete.

use core::fmt;
use std::collections::VecDeque;

use crate::base64;
use webmqtt_codec::{Bytes, Properties, Property, PropertyId, QoS, TopicName};

use crate::export::property_value_json;
use crate::feed::{FeedMessage, PREVIEW_CHARS};
use crate::json::{self, Value};
use crate::payload;
use crate::workspace::ConnectionId;

// --- limits -------------------------------------------------------------------

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;
const GIB: usize = 1024 * MIB;

/// How much history one connection keeps; the oldest records go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    pub max_messages: usize,
    /// Bytes as [`HistoryRecord::stored_bytes`] counts them.
    pub max_bytes: usize,
}

impl HistoryLimits {
    pub const DEFAULT_MAX_MESSAGES: usize = 5_000;
    pub const DEFAULT_MAX_BYTES: usize = 20 * MIB;
    /// The bounds a user may set. The upper ones keep a mistyped zero from
    /// filling the disk; browsers give a site far less than that anyway.
    pub const MESSAGES_RANGE: (usize, usize) = (1, 1_000_000);
    pub const BYTES_RANGE: (usize, usize) = (64 * KIB, 2 * GIB);

    /// The limits from the two fields the user typed: a count of messages and a
    /// size (`20`, `20 MiB`, `512 KiB`, `1.5 GiB`; a number alone means MiB).
    pub fn parse(max_messages: &str, max_size: &str) -> Result<Self, LimitError> {
        Ok(Self { max_messages: parse_max_messages(max_messages)?, max_bytes: parse_max_bytes(max_size)? })
    }
}

impl Default for HistoryLimits {
    fn default() -> Self {
        Self { max_messages: Self::DEFAULT_MAX_MESSAGES, max_bytes: Self::DEFAULT_MAX_BYTES }
    }
}

/// Which limit field is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitField {
    Messages,
    Size,
}

/// Why a typed limit is not accepted; its text says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitError {
    Empty(LimitField),
    /// Not a number of that kind, as typed.
    NotANumber(LimitField, String),
    UnknownUnit(String),
    TooSmall(LimitField),
    TooLarge(LimitField),
}

impl LimitError {
    /// The field to show the message next to.
    pub fn field(&self) -> LimitField {
        match self {
            Self::Empty(f) | Self::NotANumber(f, _) | Self::TooSmall(f) | Self::TooLarge(f) => *f,
            Self::UnknownUnit(_) => LimitField::Size,
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (min_messages, max_messages) = HistoryLimits::MESSAGES_RANGE;
        let (min_bytes, max_bytes) = HistoryLimits::BYTES_RANGE;
        match self {
            Self::Empty(LimitField::Messages) => f.write_str("Enter how many messages to keep, e.g. 5000"),
            Self::Empty(LimitField::Size) => f.write_str("Enter how much to keep, e.g. 20 MiB"),
            Self::NotANumber(LimitField::Messages, input) => {
                write!(f, "'{input}' is not a whole number of messages; type digits, e.g. 5000")
            }
            Self::NotANumber(LimitField::Size, input) => {
                write!(f, "'{input}' is not a size; type a number and a unit, e.g. 20 MiB or 512 KiB")
            }
            Self::UnknownUnit(unit) => {
                write!(f, "'{unit}' is not a unit here: use B, KiB, MiB or GiB (a number alone means MiB)")
            }
            Self::TooSmall(LimitField::Messages) => write!(f, "Keep at least {min_messages} message"),
            Self::TooLarge(LimitField::Messages) => {
                write!(f, "Keep at most {} messages", group_thousands(max_messages as u64))
            }
            Self::TooSmall(LimitField::Size) => write!(f, "Keep at least {}", format_bytes(min_bytes)),
            Self::TooLarge(LimitField::Size) => write!(f, "Keep at most {}", format_bytes(max_bytes)),
        }
    }
}

/// A count of messages: digits, optionally grouped by thousands with `,`,
/// `_`, `'` or spaces (`5,000`, `5 000`).
pub fn parse_max_messages(input: &str) -> Result<usize, LimitError> {
    let field = LimitField::Messages;
    let input = input.trim();
    if input.is_empty() {
        return Err(LimitError::Empty(field));
    }
    let digits = ungroup(input).ok_or_else(|| LimitError::NotANumber(field, input.to_owned()))?;
    // Only digits are left, so the only failure is overflow: too large.
    let count: usize = digits.parse().map_err(|_| LimitError::TooLarge(field))?;
    check_range(count, HistoryLimits::MESSAGES_RANGE, field)
}

/// A size: a number (a decimal point allowed) and a unit, B, KiB, MiB or GiB,
/// case-insensitive, `KB`/`K` read as KiB and so on (as the browsers' own
/// storage pages count); a number alone means MiB, the unit the header shows.
pub fn parse_max_bytes(input: &str) -> Result<usize, LimitError> {
    let field = LimitField::Size;
    let input = input.trim();
    if input.is_empty() {
        return Err(LimitError::Empty(field));
    }
    let split =
        input.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '_' | '\'' | ' '))).unwrap_or(input.len());
    let (number, unit) = input.split_at(split);
    let unit_bytes = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "" | "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        _ => return Err(LimitError::UnknownUnit(unit.trim().to_owned())),
    };
    let not_a_number = || LimitError::NotANumber(field, input.to_owned());
    let (whole, fraction) = number.trim().split_once('.').unwrap_or((number.trim(), ""));
    let whole = if whole.is_empty() && !fraction.is_empty() {
        "0".to_owned()
    } else {
        ungroup(whole).ok_or_else(not_a_number)?
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(not_a_number());
    }
    // f64 is exact far beyond the largest size accepted; rounding to whole bytes.
    let value = json::parse_f64(&format!("{whole}.{fraction}0")).ok_or_else(not_a_number)?;
    let bytes = (value * unit_bytes as f64).round();
    if bytes > HistoryLimits::BYTES_RANGE.1 as f64 {
        return Err(LimitError::TooLarge(field));
    }
    check_range(bytes as usize, HistoryLimits::BYTES_RANGE, field)
}

/// The digits of a whole number written with optional thousands separators,
/// each group after the first exactly three digits; None if it is not one.
fn ungroup(input: &str) -> Option<String> {
    let groups: Vec<&str> = input.split([',', '_', '\'', ' ']).collect();
    let well_grouped = groups.iter().enumerate().all(|(i, g)| {
        g.chars().all(|c| c.is_ascii_digit())
            && if i == 0 { !g.is_empty() && g.len() <= 3 || groups.len() == 1 } else { g.len() == 3 }
    });
    (well_grouped && !groups[0].is_empty()).then(|| groups.concat())
}

fn check_range(value: usize, (min, max): (usize, usize), field: LimitField) -> Result<usize, LimitError> {
    if value < min {
        Err(LimitError::TooSmall(field))
    } else if value > max {
        Err(LimitError::TooLarge(field))
    } else {
        Ok(value)
    }
}

/// A size for people: `532 B`, `1.5 KiB`, `20 MiB`, `1.2 GiB`.
pub fn format_bytes(bytes: usize) -> String {
    let (value, unit) = match bytes {
        b if b >= GIB => (b as f64 / GIB as f64, "GiB"),
        b if b >= MIB => (b as f64 / MIB as f64, "MiB"),
        b if b >= KIB => (b as f64 / KIB as f64, "KiB"),
        b => return format!("{b} B"),
    };
    let text = crate::number_text::one_decimal(value);
    format!("{} {unit}", text.strip_suffix(".0").unwrap_or(&text))
}

/// `5000` as `5,000`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// --- usage and trimming -------------------------------------------------------

/// How much history is stored: what the header shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistoryUsage {
    pub messages: usize,
    pub bytes: usize,
}

impl HistoryUsage {
    /// Within both bounds.
    pub fn fits(&self, limits: &HistoryLimits) -> bool {
        self.messages <= limits.max_messages && self.bytes <= limits.max_bytes
    }

    /// For the header: `1,234 messages · 3.4 MiB`.
    pub fn summary(&self) -> String {
        let noun = if self.messages == 1 { "message" } else { "messages" };
        format!("{} {noun} · {}", group_thousands(self.messages as u64), format_bytes(self.bytes))
    }
}

impl core::ops::Add for HistoryUsage {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self { messages: self.messages.saturating_add(other.messages), bytes: self.bytes.saturating_add(other.bytes) }
    }
}

impl core::iter::Sum for HistoryUsage {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |a, b| a + b)
    }
}

/// What to delete to get back within the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrimPlan {
    /// How many of the oldest records to delete.
    pub delete: usize,
    /// The seq of the newest record to delete: delete every record up to it.
    /// None when nothing needs deleting.
    pub up_to_seq: Option<u64>,
    /// What is left afterwards.
    pub remaining: HistoryUsage,
}

/// Which oldest records to delete so both the count and the byte bound hold.
/// `oldest_first` gives each stored record's (seq, bytes), oldest first;
/// `usage` is their total. It stops at the first record that may stay, so the
/// cost is the number deleted, not the number stored.
///
/// A record larger than `max_bytes` on its own is deleted too: the bound is a
/// promise about the storage used.
pub fn plan_trim(
    oldest_first: impl IntoIterator<Item = (u64, usize)>,
    usage: HistoryUsage,
    limits: &HistoryLimits,
) -> TrimPlan {
    let mut plan = TrimPlan { delete: 0, up_to_seq: None, remaining: usage };
    for (seq, bytes) in oldest_first {
        if plan.remaining.fits(limits) {
            break;
        }
        plan.delete += 1;
        plan.up_to_seq = Some(seq);
        plan.remaining.messages = plan.remaining.messages.saturating_sub(1);
        plan.remaining.bytes = plan.remaining.bytes.saturating_sub(bytes);
    }
    plan
}

/// One connection's stored records as (seq, bytes), oldest first, with their
/// running total: what the app knows about the store without reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryLedger {
    entries: VecDeque<(u64, usize)>,
    usage: HistoryUsage,
}

impl HistoryLedger {
    /// The ledger of records loaded from the store (oldest first).
    pub fn from_records(records: &[HistoryRecord]) -> Self {
        let mut ledger = Self::default();
        for r in records {
            ledger.add(r);
        }
        ledger
    }

    /// Notes a record appended to the store.
    pub fn add(&mut self, record: &HistoryRecord) {
        let bytes = record.stored_bytes();
        self.entries.push_back((record.seq, bytes));
        self.usage = self.usage + HistoryUsage { messages: 1, bytes };
    }

    /// Plans the trim and forgets the records it deletes; the caller then
    /// deletes up to the returned seq in the store.
    pub fn trim(&mut self, limits: &HistoryLimits) -> TrimPlan {
        let plan = plan_trim(self.entries.iter().copied(), self.usage, limits);
        self.entries.drain(..plan.delete.min(self.entries.len()));
        self.usage = plan.remaining;
        plan
    }

    pub fn usage(&self) -> HistoryUsage {
        self.usage
    }

    /// The seq of the newest stored record: numbering after a reload goes on
    /// from here, so keys stay in arrival order.
    pub fn last_seq(&self) -> Option<u64> {
        self.entries.back().map(|&(seq, _)| seq)
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

// --- records ------------------------------------------------------------------

/// One stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    pub connection: ConnectionId,
    /// Increases with arrival within a connection: with the connection, the key.
    pub seq: u64,
    pub received_at_ms: f64,
    /// A topic of up to 37 bytes is held in the value: a flood's records then
    /// cost no allocation for it.
    pub topic: TopicName,
    pub qos: QoS,
    pub retain: bool,
    pub payload: Bytes,
    /// The MQTT 5.0 properties as [`encode_properties`] writes them; empty for none.
    pub properties: Vec<u8>,
}

/// What a record costs beyond its topic, payload and properties: the key, the
/// numbers and the field names. An estimate; the browser's own overhead is
/// not visible to a page.
pub const RECORD_OVERHEAD_BYTES: usize = 64;

impl HistoryRecord {
    pub fn from_feed(message: &FeedMessage) -> Self {
        Self {
            connection: message.connection,
            seq: message.seq,
            received_at_ms: message.received_at_ms,
            topic: message.topic.clone(),
            qos: message.qos,
            retain: message.retain,
            payload: message.payload.clone(),
            properties: encode_properties(&message.properties),
        }
    }

    /// The feed's message, marked as restored from history. Its subscription
    /// colours are left empty: they belong to the subscriptions of now, which
    /// the caller knows. Properties that do not read back are left out.
    pub fn to_feed(&self) -> FeedMessage {
        FeedMessage {
            seq: self.seq,
            connection: self.connection,
            from_history: true,
            received_at_ms: self.received_at_ms,
            topic: self.topic.clone(),
            qos: self.qos,
            retain: self.retain,
            payload: self.payload.clone(),
            properties: decode_properties(&self.properties).unwrap_or_default(),
            preview: payload::preview(&self.payload, PREVIEW_CHARS),
            colours: Vec::new(),
        }
    }

    /// The bytes the record counts for against [`HistoryLimits::max_bytes`].
    pub fn stored_bytes(&self) -> usize {
        RECORD_OVERHEAD_BYTES + self.topic.len() + self.payload.len() + self.properties.len()
    }
}

// --- chunks -------------------------------------------------------------------
// What the browser stores: one chunk per write (a second's worth of messages of
// one connection), its records packed into one byte string. One object per
// write costs the page one structured clone, where one object per message cost
// tens of thousands a second in a flood.

/// The chunk format's version: its first byte.
const CHUNK_FORMAT: u8 = 1;

/// Packs records (of one connection, seqs rising) into a chunk's bytes: per
/// record its seq, time, QoS, retain and the lengths and bytes of its topic,
/// payload and properties, little-endian.
pub fn encode_chunk(records: &[HistoryRecord]) -> Vec<u8> {
    let size: usize = records.iter().map(|r| 8 + 8 + 2 + 12 + r.topic.len() + r.payload.len() + r.properties.len()).sum();
    let mut out = Vec::with_capacity(1 + size);
    out.push(CHUNK_FORMAT);
    for r in records {
        out.extend_from_slice(&r.seq.to_le_bytes());
        out.extend_from_slice(&r.received_at_ms.to_le_bytes());
        out.push(r.qos.as_u8());
        out.push(u8::from(r.retain));
        for part in [r.topic.as_bytes(), r.payload.as_ref(), r.properties.as_slice()] {
            out.extend_from_slice(&(part.len() as u32).to_le_bytes());
            out.extend_from_slice(part);
        }
    }
    out
}

/// How many of a chunk's first bytes [`chunk_first_seq`] reads.
pub const CHUNK_HEAD_LEN: usize = 9;

/// The seq of a chunk's first record, from the chunk's first bytes alone
/// ([`CHUNK_HEAD_LEN`] of them): a trim asks it of every write's chunk, and
/// decoding the whole chunk for it cost a flood thousands of records a second.
/// None for an empty chunk or one of another format.
pub fn chunk_first_seq(head: &[u8]) -> Option<u64> {
    let (&format, rest) = head.split_first()?;
    let seq = rest.get(..8)?.try_into().ok()?;
    (format == CHUNK_FORMAT).then(|| u64::from_le_bytes(seq))
}

/// The records of a chunk's bytes; an error names what is wrong (a chunk
/// written by something else, or cut short).
pub fn decode_chunk(connection: ConnectionId, bytes: &[u8]) -> Result<Vec<HistoryRecord>, String> {
    let (&format, mut rest) = bytes.split_first().ok_or("an empty chunk")?;
    if format != CHUNK_FORMAT {
        return Err(format!("a chunk of format {format}, not {CHUNK_FORMAT}"));
    }
    fn take<'a>(rest: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], String> {
        if rest.len() < n {
            return Err(format!("a chunk cut short in a record's {what}"));
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head)
    }
    fn array<const N: usize>(rest: &mut &[u8], what: &str) -> Result<[u8; N], String> {
        take(rest, N, what)?.try_into().map_err(|_| format!("a chunk cut short in a record's {what}"))
    }
    fn part<'a>(rest: &mut &'a [u8], what: &str) -> Result<&'a [u8], String> {
        let len = u32::from_le_bytes(array(rest, what)?) as usize;
        take(rest, len, what)
    }
    let mut records = Vec::new();
    while !rest.is_empty() {
        let seq = u64::from_le_bytes(array(&mut rest, "seq")?);
        let received_at_ms = f64::from_le_bytes(array(&mut rest, "time")?);
        let [qos, retain] = array(&mut rest, "flags")?;
        let qos = QoS::from_u8(qos).ok_or_else(|| format!("a record with QoS {qos}"))?;
        let topic = TopicName::from(core::str::from_utf8(part(&mut rest, "topic")?).map_err(|_| "a topic that is not UTF-8")?);
        let payload = Bytes::copy_from_slice(part(&mut rest, "payload")?);
        let properties = part(&mut rest, "properties")?.to_vec();
        records.push(HistoryRecord { connection, seq, received_at_ms, topic, qos, retain: retain != 0, payload, properties });
    }
    Ok(records)
}

/// The properties as compact JSON: `[[id, value], …]` in their order, with the
/// values of [`property_value_json`] (binary as base64, a user property as its
/// pair). The codec keeps its wire encoding of properties to itself, and JSON
/// is plain in the browser's storage inspector. No properties: no bytes.
pub fn encode_properties(properties: &Properties) -> Vec<u8> {
    if properties.is_empty() {
        return Vec::new();
    }
    let list: Vec<Value> =
        properties.iter().map(|p| Value::Array(vec![Value::from(p.id() as u8), property_value_json(p)])).collect();
    Value::Array(list).to_string().into_bytes()
}

/// Reads what [`encode_properties`] wrote; says which entry is wrong if any.
pub fn decode_properties(bytes: &[u8]) -> Result<Properties, String> {
    if bytes.is_empty() {
        return Ok(Properties::new());
    }
    let list: Value = json::parse_bytes(bytes).map_err(|e| format!("stored properties are not JSON: {e}"))?;
    let entries = list.as_array().ok_or("stored properties are not a list")?;
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            property_from_json(entry).ok_or_else(|| format!("stored property {} is not readable: {entry}", i + 1))
        })
        .collect()
}

fn property_from_json(entry: &Value) -> Option<Property> {
    let [id, value] = entry.as_array()?.as_slice() else { return None };
    let id = PropertyId::from_u32(u32::try_from(id.as_u64()?).ok()?)?;
    let byte = || value.as_u64().and_then(|v| u8::try_from(v).ok());
    let two = || value.as_u64().and_then(|v| u16::try_from(v).ok());
    let four = || value.as_u64().and_then(|v| u32::try_from(v).ok());
    let text = || value.as_str().map(str::to_owned);
    let binary = || value.as_str().and_then(|s| base64::decode(s.as_bytes()).ok()).map(Bytes::from);
    use PropertyId as I;
    Some(match id {
        I::PayloadFormatIndicator => Property::PayloadFormatIndicator(byte()?),
        I::MessageExpiryInterval => Property::MessageExpiryInterval(four()?),
        I::ContentType => Property::ContentType(text()?),
        I::ResponseTopic => Property::ResponseTopic(text()?),
        I::CorrelationData => Property::CorrelationData(binary()?),
        I::SubscriptionIdentifier => Property::SubscriptionIdentifier(four()?),
        I::SessionExpiryInterval => Property::SessionExpiryInterval(four()?),
        I::AssignedClientIdentifier => Property::AssignedClientIdentifier(text()?),
        I::ServerKeepAlive => Property::ServerKeepAlive(two()?),
        I::AuthenticationMethod => Property::AuthenticationMethod(text()?),
        I::AuthenticationData => Property::AuthenticationData(binary()?),
        I::RequestProblemInformation => Property::RequestProblemInformation(byte()?),
        I::WillDelayInterval => Property::WillDelayInterval(four()?),
        I::RequestResponseInformation => Property::RequestResponseInformation(byte()?),
        I::ResponseInformation => Property::ResponseInformation(text()?),
        I::ServerReference => Property::ServerReference(text()?),
        I::ReasonString => Property::ReasonString(text()?),
        I::ReceiveMaximum => Property::ReceiveMaximum(two()?),
        I::TopicAliasMaximum => Property::TopicAliasMaximum(two()?),
        I::TopicAlias => Property::TopicAlias(two()?),
        I::MaximumQoS => Property::MaximumQoS(byte()?),
        I::RetainAvailable => Property::RetainAvailable(byte()?),
        I::UserProperty => {
            let [k, v] = value.as_array()?.as_slice() else { return None };
            Property::UserProperty(k.as_str()?.to_owned(), v.as_str()?.to_owned())
        }
        I::MaximumPacketSize => Property::MaximumPacketSize(four()?),
        I::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(byte()?),
        I::SubscriptionIdentifierAvailable => Property::SubscriptionIdentifierAvailable(byte()?),
        I::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(byte()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_pack_and_unpack_every_field() {
        let c = ConnectionId(3);
        let records: Vec<HistoryRecord> = (1..=4u64)
            .map(|seq| HistoryRecord {
                connection: c,
                seq,
                received_at_ms: 1_714_566_605_123.5 + seq as f64,
                topic: format!("lab/é/{seq}").into(),
                qos: QoS::from_u8((seq % 3) as u8).unwrap(),
                retain: seq % 2 == 0,
                payload: Bytes::from((0..=255u8).map(|b| b.wrapping_add(seq as u8)).collect::<Vec<u8>>()),
                properties: if seq == 2 { b"[[3,\"text/plain\"]]".to_vec() } else { Vec::new() },
            })
            .collect();
        let bytes = encode_chunk(&records);
        assert_eq!(decode_chunk(c, &bytes), Ok(records.clone()));
        assert_eq!(decode_chunk(c, &encode_chunk(&[])), Ok(vec![]));
        // Cut anywhere, or of another format: an error, never a panic.
        for cut in 0..bytes.len() {
            let r = decode_chunk(c, &bytes[..cut]);
            assert!(r.is_err() || r.as_ref().is_ok_and(|v| v.len() < records.len()), "cut at {cut}");
        }
        assert!(decode_chunk(c, &[9]).unwrap_err().contains("format 9"));
        // The first seq, from the head alone.
        assert_eq!(chunk_first_seq(&bytes[..CHUNK_HEAD_LEN]), Some(1));
        assert_eq!(chunk_first_seq(&bytes), Some(1));
        assert_eq!(chunk_first_seq(&encode_chunk(&records[2..])[..CHUNK_HEAD_LEN]), Some(3));
        assert_eq!(chunk_first_seq(&encode_chunk(&[])), None, "an empty chunk has no first record");
        assert_eq!(chunk_first_seq(&bytes[..CHUNK_HEAD_LEN - 1]), None);
        let mut other = bytes[..CHUNK_HEAD_LEN].to_vec();
        other[0] = 9;
        assert_eq!(chunk_first_seq(&other), None, "a chunk of another format");
    }
    use crate::feed::feed_message;
    use webmqtt_codec::Publish;

    /// One of every property, with values at the edges of their types.
    fn every_property() -> Properties {
        Properties::new()
            .with(Property::PayloadFormatIndicator(1))
            .with(Property::MessageExpiryInterval(u32::MAX))
            .with(Property::ContentType("application/json; charset=\"utf-8\"".into()))
            .with(Property::ResponseTopic("reply/\u{e9}".into()))
            .with(Property::CorrelationData(Bytes::from_static(&[0, 255, 128])))
            .with(Property::UserProperty("k".into(), "v1".into()))
            .with(Property::SubscriptionIdentifier(268_435_455))
            .with(Property::SessionExpiryInterval(0))
            .with(Property::AssignedClientIdentifier("id".into()))
            .with(Property::ServerKeepAlive(u16::MAX))
            .with(Property::AuthenticationMethod("SCRAM".into()))
            .with(Property::AuthenticationData(Bytes::new()))
            .with(Property::RequestProblemInformation(0))
            .with(Property::WillDelayInterval(5))
            .with(Property::RequestResponseInformation(1))
            .with(Property::ResponseInformation("ri".into()))
            .with(Property::ServerReference("other".into()))
            .with(Property::ReasonString("why".into()))
            .with(Property::ReceiveMaximum(10))
            .with(Property::TopicAliasMaximum(3))
            .with(Property::TopicAlias(2))
            .with(Property::MaximumQoS(1))
            .with(Property::RetainAvailable(0))
            .with(Property::UserProperty("k".into(), "v2".into()))
            .with(Property::MaximumPacketSize(1))
            .with(Property::WildcardSubscriptionAvailable(1))
            .with(Property::SubscriptionIdentifierAvailable(1))
            .with(Property::SharedSubscriptionAvailable(0))
            .with(Property::SubscriptionIdentifier(1))
    }

    #[test]
    fn properties_round_trip_in_order() {
        let props = every_property();
        assert_eq!(props.len(), PropertyId::ALL.len() + 2, "every property, two repeated");
        let bytes = encode_properties(&props);
        assert_eq!(decode_properties(&bytes), Ok(props));
        assert!(encode_properties(&Properties::new()).is_empty());
        assert_eq!(decode_properties(b""), Ok(Properties::new()));
    }

    #[test]
    fn unreadable_properties_are_an_error_not_a_panic() {
        for bad in [
            &b"{"[..],
            b"{}",
            b"[1]",
            b"[[1]]",
            b"[[1, 256]]",
            b"[[99, 1]]",
            b"[[9, \"*\"]]",
            b"[[38, [\"k\"]]]",
            b"[[-1, 0]]",
        ] {
            assert!(decode_properties(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(decode_properties(b"[[1, 1], [3, 4]]").unwrap_err().contains("property 2"));
    }

    fn message(seq: u64, payload: &[u8], properties: Properties) -> FeedMessage {
        let mut publish = Publish::new("lab/\u{e9}", payload.to_vec());
        publish.qos = QoS::ExactlyOnce;
        publish.retain = true;
        publish.properties = properties;
        let mut m = feed_message(ConnectionId(7), 1_714_566_605_123.5, publish, vec![2]);
        m.seq = seq;
        m
    }

    #[test]
    fn feed_message_round_trip_is_marked_as_history() {
        let m = message(42, &[0, 1, 254, 255], every_property());
        let record = HistoryRecord::from_feed(&m);
        assert_eq!(
            (record.connection, record.seq, record.payload.as_ref()),
            (ConnectionId(7), 42, &[0, 1, 254, 255][..])
        );
        let back = record.to_feed();
        assert_eq!(back, FeedMessage { from_history: true, colours: vec![], ..m });
        assert_eq!(record.stored_bytes(), RECORD_OVERHEAD_BYTES + "lab/\u{e9}".len() + 4 + record.properties.len());
    }

    #[test]
    fn a_record_with_broken_properties_still_restores() {
        let mut record = HistoryRecord::from_feed(&message(1, b"x", Properties::new()));
        record.properties = b"not json".to_vec();
        assert!(record.to_feed().properties.is_empty());
    }

    #[test]
    fn trim_by_count() {
        let limits = HistoryLimits { max_messages: 3, max_bytes: usize::MAX };
        let entries: Vec<(u64, usize)> = (1..=5).map(|s| (s, 10)).collect();
        let plan = plan_trim(entries.iter().copied(), HistoryUsage { messages: 5, bytes: 50 }, &limits);
        assert_eq!(
            plan,
            TrimPlan { delete: 2, up_to_seq: Some(2), remaining: HistoryUsage { messages: 3, bytes: 30 } }
        );
    }

    #[test]
    fn trim_by_bytes_and_nothing_when_within() {
        let limits = HistoryLimits { max_messages: 100, max_bytes: 100 };
        let entries = [(1, 60), (2, 30), (3, 30), (4, 20)];
        let plan = plan_trim(entries, HistoryUsage { messages: 4, bytes: 140 }, &limits);
        assert_eq!(
            plan,
            TrimPlan { delete: 1, up_to_seq: Some(1), remaining: HistoryUsage { messages: 3, bytes: 80 } }
        );
        let plan = plan_trim(entries[1..].iter().copied(), plan.remaining, &limits);
        assert_eq!(plan, TrimPlan { delete: 0, up_to_seq: None, remaining: HistoryUsage { messages: 3, bytes: 80 } });
        // Both bounds: the stricter one decides.
        let both = HistoryLimits { max_messages: 2, max_bytes: 1_000 };
        assert_eq!(plan_trim(entries, HistoryUsage { messages: 4, bytes: 140 }, &both).up_to_seq, Some(2));
    }

    #[test]
    fn a_record_larger_than_the_byte_bound_goes_too() {
        let limits = HistoryLimits { max_messages: 10, max_bytes: 100 };
        let plan = plan_trim([(1, 10), (2, 500)], HistoryUsage { messages: 2, bytes: 510 }, &limits);
        assert_eq!(plan, TrimPlan { delete: 2, up_to_seq: Some(2), remaining: HistoryUsage::default() });
        // Totals that do not match the entries never panic nor loop.
        let plan = plan_trim([(1, 10)], HistoryUsage { messages: 9, bytes: 9_999 }, &limits);
        assert_eq!(plan.delete, 1);
        assert_eq!(
            plan_trim([], HistoryUsage { messages: 9, bytes: 0 }, &HistoryLimits { max_messages: 0, max_bytes: 0 })
                .delete,
            0
        );
    }

    #[test]
    fn ledger_keeps_running_totals() {
        let limits = HistoryLimits { max_messages: 3, max_bytes: usize::MAX };
        let records: Vec<HistoryRecord> =
            (1..=2).map(|s| HistoryRecord::from_feed(&message(s, b"abc", Properties::new()))).collect();
        let mut ledger = HistoryLedger::from_records(&records);
        let each = records[0].stored_bytes();
        assert_eq!(ledger.usage(), HistoryUsage { messages: 2, bytes: 2 * each });
        for s in 3..=5 {
            ledger.add(&HistoryRecord::from_feed(&message(s, b"abc", Properties::new())));
        }
        let plan = ledger.trim(&limits);
        assert_eq!((plan.delete, plan.up_to_seq), (2, Some(2)));
        assert_eq!(ledger.usage(), HistoryUsage { messages: 3, bytes: 3 * each });
        assert_eq!(ledger.last_seq(), Some(5));
        assert_eq!(ledger.trim(&limits).up_to_seq, None);
        ledger.clear();
        assert_eq!((ledger.usage(), ledger.last_seq()), (HistoryUsage::default(), None));
    }

    #[test]
    fn usage_summary_for_the_header() {
        let total: HistoryUsage =
            [HistoryUsage { messages: 1_000, bytes: 3 * MIB }, HistoryUsage { messages: 234, bytes: MIB / 2 }]
                .into_iter()
                .sum();
        assert_eq!(total.summary(), "1,234 messages · 3.5 MiB");
        assert_eq!(HistoryUsage { messages: 1, bytes: 532 }.summary(), "1 message · 532 B");
    }

    #[test]
    fn sizes_for_people() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1_536), "1.5 KiB");
        assert_eq!(format_bytes(20 * MIB), "20 MiB");
        assert_eq!(format_bytes(GIB + GIB / 5), "1.2 GiB");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn limits_from_what_the_user_typed() {
        assert_eq!(HistoryLimits::parse("5000", "20"), Ok(HistoryLimits::default()));
        assert_eq!(parse_max_messages(" 5,000 "), Ok(5_000));
        assert_eq!(parse_max_messages("10 000"), Ok(10_000));
        assert_eq!(parse_max_messages("1_000_000"), Ok(1_000_000));
        assert_eq!(parse_max_bytes("20 MiB"), Ok(20 * MIB));
        assert_eq!(parse_max_bytes("20mb"), Ok(20 * MIB));
        assert_eq!(parse_max_bytes("512 KiB"), Ok(512 * KIB));
        assert_eq!(parse_max_bytes("1.5 GiB"), Ok(GIB + GIB / 2));
        assert_eq!(parse_max_bytes(".5G"), Ok(GIB / 2));
        assert_eq!(parse_max_bytes("65536 B"), Ok(64 * KIB));
        assert_eq!(parse_max_bytes("1,024 K"), Ok(MIB));
    }

    #[test]
    fn limits_that_are_wrong_say_why() {
        use LimitError as E;
        use LimitField::{Messages, Size};
        assert_eq!(parse_max_messages(""), Err(E::Empty(Messages)));
        assert_eq!(parse_max_messages("abc"), Err(E::NotANumber(Messages, "abc".into())));
        assert_eq!(parse_max_messages("-5"), Err(E::NotANumber(Messages, "-5".into())));
        assert_eq!(parse_max_messages("2.5"), Err(E::NotANumber(Messages, "2.5".into())));
        // "1,5" is one and a half in much of Europe: not silently fifteen.
        assert_eq!(parse_max_messages("1,5"), Err(E::NotANumber(Messages, "1,5".into())));
        assert_eq!(parse_max_messages("0"), Err(E::TooSmall(Messages)));
        assert_eq!(parse_max_messages("1000001"), Err(E::TooLarge(Messages)));
        assert_eq!(parse_max_messages("99999999999999999999999"), Err(E::TooLarge(Messages)));
        assert_eq!(parse_max_bytes("  "), Err(E::Empty(Size)));
        assert_eq!(parse_max_bytes("20 TB"), Err(E::UnknownUnit("TB".into())));
        assert_eq!(parse_max_bytes("MiB"), Err(E::NotANumber(Size, "MiB".into())));
        assert_eq!(parse_max_bytes("1.2.3 MiB"), Err(E::NotANumber(Size, "1.2.3 MiB".into())));
        assert_eq!(parse_max_bytes("1 KiB"), Err(E::TooSmall(Size)));
        assert_eq!(parse_max_bytes("3 GiB"), Err(E::TooLarge(Size)));
        assert_eq!(parse_max_bytes("1e300"), Err(E::UnknownUnit("e300".into())));
        assert_eq!(parse_max_bytes(&"9".repeat(400)), Err(E::TooLarge(Size)));
        assert_eq!(HistoryLimits::parse("5000", "x").map_err(|e| e.field()), Err(Size));
        // The words.
        assert_eq!(E::TooLarge(Messages).to_string(), "Keep at most 1,000,000 messages");
        assert_eq!(E::TooSmall(Size).to_string(), "Keep at least 64 KiB");
        assert_eq!(E::TooLarge(Size).to_string(), "Keep at most 2 GiB");
        assert!(E::UnknownUnit("TB".into()).to_string().contains("a number alone means MiB"));
    }
}
