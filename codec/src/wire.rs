//! The primitive data types of MQTT §1.5: reading them from a packet without ever
//! indexing past its end, and writing them.
//!
//! Writing is two passes: every packet first computes its length (which is where
//! limits are checked and typed errors come from), then writes without checks.

use bytes::Bytes;
use bytestring::ByteString;

use crate::error::{DecodeError, EncodeError};
use crate::packet::PacketType;
use crate::topic::{TopicError, TopicName};

/// The largest Remaining Length and Variable Byte Integer: 268,435,455.
pub const MAX_VAR_INT: u32 = 268_435_455;
/// The largest UTF-8 string or binary field: 65,535 bytes.
pub const MAX_FIELD_LEN: usize = 65_535;

/// A cursor over one packet's body. Every read is checked; a read past the end is
/// [`DecodeError::Truncated`] naming the field.
pub(crate) struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
    packet: PacketType,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a Bytes, packet: PacketType) -> Self {
        Self { buf, pos: 0, end: buf.len(), packet }
    }

    pub(crate) fn packet(&self) -> PacketType {
        self.packet
    }

    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    fn truncated(&self, field: &'static str) -> DecodeError {
        DecodeError::Truncated { packet: self.packet, field }
    }

    /// The next `len` bytes, borrowed.
    pub(crate) fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(field));
        }
        let start = self.pos;
        self.pos += len;
        self.buf.get(start..self.pos).ok_or_else(|| self.truncated(field))
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let b = self.take(1, field)?;
        b.first().copied().ok_or_else(|| self.truncated(field))
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        match *self.take(2, field)? {
            [a, b] => Ok(u16::from_be_bytes([a, b])),
            _ => Err(self.truncated(field)),
        }
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        match *self.take(4, field)? {
            [a, b, c, d] => Ok(u32::from_be_bytes([a, b, c, d])),
            _ => Err(self.truncated(field)),
        }
    }

    pub(crate) fn var_int(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for i in 0..4 {
            let byte = self.u8(field)?;
            value |= u32::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                // [MQTT-1.5.5-1]: the fewest bytes that hold the value.
                if byte == 0 && i > 0 {
                    break;
                }
                return Ok(value);
            }
        }
        Err(DecodeError::MalformedVariableByteInteger { field })
    }

    /// A two-byte length followed by that many bytes, borrowed.
    fn prefixed(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = self.u16(field)?;
        self.take(usize::from(len), field)
    }

    /// A PUBLISH topic: UTF-8, checked as a topic name (an empty topic is returned
    /// for the caller to judge: 5.0 allows it with a topic alias). A short topic is
    /// copied into the `TopicName`, a long one shares the packet's buffer.
    ///
    /// The decoder reads most topics without this: see
    /// `Publish::decode_common_head`.
    pub(crate) fn topic_name(&mut self) -> Result<TopicName, DecodeError> {
        const FIELD: &str = "topic name";
        let len = usize::from(self.u16(FIELD)?);
        let topic = if len <= TopicName::INLINE_CAPACITY {
            let text = core::str::from_utf8(self.take(len, FIELD)?).map_err(|_| DecodeError::InvalidUtf8 { field: FIELD })?;
            TopicName::from(text)
        } else {
            let text = ByteString::try_from(self.bytes(len, FIELD)?).map_err(|_| DecodeError::InvalidUtf8 { field: FIELD })?;
            TopicName::from(text)
        };
        match topic.check() {
            Ok(()) | Err(TopicError::Empty) => Ok(topic),
            // Reported as for every other string.
            Err(TopicError::NullCharacter) => Err(DecodeError::NullCharacter { field: FIELD }),
            Err(e) => Err(DecodeError::InvalidTopicName(e)),
        }
    }

    /// A UTF-8 Encoded String (§1.5.4): valid UTF-8 without U+0000.
    pub(crate) fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let raw = self.prefixed(field)?;
        let s = core::str::from_utf8(raw).map_err(|_| DecodeError::InvalidUtf8 { field })?;
        if contains_nul(raw) {
            return Err(DecodeError::NullCharacter { field });
        }
        Ok(s.to_owned())
    }

    /// Binary Data (§1.5.6), shared with the packet's buffer rather than copied.
    pub(crate) fn binary(&mut self, field: &'static str) -> Result<Bytes, DecodeError> {
        let len = usize::from(self.u16(field)?);
        self.bytes(len, field)
    }

    /// The next `len` bytes, shared with the packet's buffer.
    #[inline]
    pub(crate) fn bytes(&mut self, len: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(field));
        }
        let start = self.pos;
        self.pos += len;
        Ok(self.buf.slice(start..self.pos))
    }

    /// Bytes read so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// A reader over the next `len` bytes only (a property list); this one skips them.
    pub(crate) fn sub(&mut self, len: usize, field: &'static str) -> Result<Reader<'a>, DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(field));
        }
        let sub = Reader { buf: self.buf, pos: self.pos, end: self.pos + len, packet: self.packet };
        self.pos += len;
        Ok(sub)
    }

    /// Trailing bytes are an error: a packet must end where its last field ends.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { packet: self.packet, count }),
        }
    }
}

/// Whether `bytes` holds a 0 byte (U+0000 in a UTF-8 string), eight bytes at a
/// time: cheaper on MQTT's short strings than `contains(&0)`, whose out-of-line
/// `memchr` dominated the check.
pub(crate) fn contains_nul(bytes: &[u8]) -> bool {
    crate::topic::ByteScan::of(bytes).nul
}

/// Bytes a Variable Byte Integer takes.
pub(crate) const fn var_int_len(value: usize) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Bytes a UTF-8 string field takes, after checking it can be written faithfully.
pub(crate) fn string_len(s: &str, field: &'static str) -> Result<usize, EncodeError> {
    if s.len() > MAX_FIELD_LEN {
        return Err(EncodeError::StringTooLong { field, len: s.len() });
    }
    if contains_nul(s.as_bytes()) {
        return Err(EncodeError::NullCharacter { field });
    }
    Ok(2 + s.len())
}

/// Bytes a binary field takes, after checking its length.
pub(crate) fn binary_len(b: &[u8], field: &'static str) -> Result<usize, EncodeError> {
    if b.len() > MAX_FIELD_LEN {
        return Err(EncodeError::BinaryTooLong { field, len: b.len() });
    }
    Ok(2 + b.len())
}

pub(crate) fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Writes a Variable Byte Integer; callers have checked `value <= MAX_VAR_INT`.
pub(crate) fn put_var_int(out: &mut Vec<u8>, value: usize) {
    let (bytes, len) = var_int_bytes(value);
    out.extend_from_slice(bytes.get(..len).unwrap_or_default());
}

/// A Variable Byte Integer's bytes and how many of them it takes; callers have
/// checked `value <= MAX_VAR_INT`. Built on the stack so that it is written with
/// one copy rather than a push per byte.
#[inline]
pub(crate) fn var_int_bytes(value: usize) -> ([u8; 4], usize) {
    // Every packet up to 129 bytes long, then up to 16,386: no loop.
    if value < 0x80 {
        return ([value as u8, 0, 0, 0], 1);
    }
    if value < 0x4000 {
        return ([value as u8 | 0x80, (value >> 7) as u8, 0, 0], 2);
    }
    let mut bytes = [0; 4];
    let mut x = value;
    let mut len = 0;
    for byte in &mut bytes {
        *byte = (x % 128) as u8;
        x /= 128;
        len += 1;
        if x == 0 {
            break;
        }
        *byte |= 0x80;
    }
    (bytes, len)
}

/// Writes a length-prefixed field; callers have checked the length with
/// [`string_len`] or [`binary_len`].
pub(crate) fn put_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}
