//! Topic names and topic filters (MQTT 3.1.1 §4.7, 5.0 §4.7 and §4.8.2).

use core::fmt;

use bytestring::ByteString;

use crate::wire::MAX_FIELD_LEN;

/// Why a string is not a valid topic name or filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TopicError {
    /// Topic names and filters are at least one character long [MQTT-4.7.3-1].
    Empty,
    /// Longer than the 65,535 bytes a string can hold.
    TooLong { len: usize },
    /// U+0000 is not allowed [MQTT-4.7.3-2].
    NullCharacter,
    /// `+` and `#` are for filters, not for the topic a message is published to [MQTT-3.3.2-2].
    WildcardInName,
    /// `#` must be the last level and stand alone in it [MQTT-4.7.1-2].
    MisplacedMultiLevelWildcard,
    /// `+` must stand alone in its level [MQTT-4.7.1-3].
    MisplacedSingleLevelWildcard,
    /// `$share/{name}/{filter}` needs a name without wildcards and a filter [MQTT-4.8.2-1, -2].
    InvalidSharedSubscription,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty; a topic needs at least one character"),
            Self::TooLong { len } => write!(f, "it is {len} bytes long; the limit is 65535"),
            Self::NullCharacter => f.write_str("it contains the null character U+0000"),
            Self::WildcardInName => {
                f.write_str("'+' and '#' are wildcards for subscriptions and cannot be used in a topic to publish to")
            }
            Self::MisplacedMultiLevelWildcard => {
                f.write_str("'#' must be the last level on its own, as in 'a/b/#'")
            }
            Self::MisplacedSingleLevelWildcard => {
                f.write_str("'+' must fill a whole level on its own, as in 'a/+/c'")
            }
            Self::InvalidSharedSubscription => {
                f.write_str("a shared subscription is '$share/<name>/<filter>' with a name without '+', '#' or '/'")
            }
        }
    }
}

impl std::error::Error for TopicError {}

fn check_common(s: &str) -> Result<(), TopicError> {
    if s.is_empty() {
        return Err(TopicError::Empty);
    }
    if s.len() > MAX_FIELD_LEN {
        return Err(TopicError::TooLong { len: s.len() });
    }
    if ByteScan::of(s.as_bytes()).nul {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Checks a topic name, the topic a message is published to.
///
/// Every PUBLISH goes through this twice (encode and decode), so it looks at the
/// topic eight bytes at a time (see [`ByteScan`]) rather than byte by byte.
#[inline]
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    topic_name_verdict(name.len(), ByteScan::of(name.as_bytes()))
}

/// [`validate_topic_name`] on a text of `len` bytes that `scan` has looked at.
#[inline(always)]
fn topic_name_verdict(len: usize, scan: ByteScan) -> Result<(), TopicError> {
    if len == 0 {
        return Err(TopicError::Empty);
    }
    if len > MAX_FIELD_LEN {
        return Err(TopicError::TooLong { len });
    }
    if scan.nul {
        return Err(TopicError::NullCharacter);
    }
    if scan.wildcard {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
}

/// A topic name, with the verdict of [`validate_topic_name`] on it worked out once,
/// when it is made.
///
/// A `Publish` may be encoded many times (a resend, the same message to several
/// brokers); the encoder reads the verdict instead of scanning the topic again, and
/// refuses an invalid topic with it. Text and verdict cannot drift apart: a
/// `TopicName` cannot be changed. Make one from a `&str`, `String` or `ByteString`
/// (`"lab/a".into()`), valid or not; [`TopicName::check`] gives the verdict.
///
/// A topic of up to [`TopicName::INLINE_CAPACITY`] bytes is kept in the value
/// itself; a longer one is a `ByteString`, which a decoded topic shares with the
/// packet's buffer.
#[derive(Clone)]
pub struct TopicName {
    text: Text,
}

/// Where the text is. Copying a short topic costs less than sharing it: sharing is
/// a locked increment of the buffer's reference count when the packet is decoded
/// and a locked decrement when it is dropped, each an indirect call that waits for
/// the stores before it to drain, and checking its UTF-8 again on the way into a
/// `ByteString`. Decoding a 64-byte PUBLISH with the topic shared took ~8% more
/// instructions (527 against 489) and 10-20% more time; cloning a shared topic
/// costs the two locked operations again.
#[derive(Clone)]
enum Text {
    /// `bytes[..len]` is the text, valid UTF-8 (what `as_str` relies on); the
    /// bytes after it are whatever was copied with it and mean nothing.
    Inline { verdict: Verdict, len: u8, bytes: [u8; INLINE_CAPACITY] },
    Shared { verdict: Verdict, text: ByteString },
}

/// As much as fits beside the tag, the verdict and the length in the 40 bytes the
/// shared form takes (a test holds `TopicName` to that size).
const INLINE_CAPACITY: usize = 37;

/// [`validate_topic_name`]'s answer in one byte (`TooLong`'s length is the text's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid(Invalid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invalid {
    Empty,
    TooLong,
    NullCharacter,
    WildcardInName,
}

impl Verdict {
    fn of(verdict: Result<(), TopicError>) -> Self {
        match verdict {
            Ok(()) => Verdict::Valid,
            Err(TopicError::Empty) => Verdict::Invalid(Invalid::Empty),
            Err(TopicError::TooLong { .. }) => Verdict::Invalid(Invalid::TooLong),
            Err(TopicError::NullCharacter) => Verdict::Invalid(Invalid::NullCharacter),
            // Only the errors of `validate_topic_name` reach here.
            Err(_) => Verdict::Invalid(Invalid::WildcardInName),
        }
    }
}

impl TopicName {
    /// Topics up to this many bytes long are stored inline, not shared.
    pub const INLINE_CAPACITY: usize = INLINE_CAPACITY;

    /// The empty topic: invalid on its own, sent in 5.0 with a topic alias.
    pub fn empty() -> Self {
        let verdict = Verdict::Invalid(Invalid::Empty);
        Self { text: Text::Inline { verdict, len: 0, bytes: [0; INLINE_CAPACITY] } }
    }

    /// The first `len` bytes of `window`, received in a PUBLISH, if they are ASCII
    /// (which is valid UTF-8), with their verdict; `None` if they are not, or if
    /// `len` is over the inline capacity. The decoder copies a fixed-size window
    /// rather than exactly the topic: a copy of known size is a few register
    /// moves, where one of variable size is a call whose stores the next read of
    /// the value then stalls on.
    #[inline(always)] // on PUBLISH's hot path (see Publish::decode_common_head)
    pub(crate) fn decode_ascii(window: &[u8; INLINE_CAPACITY], len: usize) -> Option<Self> {
        let scan = ByteScan::of(window.get(..len)?);
        if scan.non_ascii {
            return None;
        }
        let verdict = Verdict::of(topic_name_verdict(len, scan));
        Some(Self { text: Text::Inline { verdict, len: len as u8, bytes: *window } })
    }

    /// `text` stored inline, if it fits; `verdict` is `validate_topic_name(text)`.
    fn inline(text: &str, verdict: Result<(), TopicError>) -> Option<Self> {
        let mut bytes = [0; INLINE_CAPACITY];
        bytes.get_mut(..text.len())?.copy_from_slice(text.as_bytes());
        Some(Self { text: Text::Inline { verdict: Verdict::of(verdict), len: text.len() as u8, bytes } })
    }

    fn shared(text: ByteString, verdict: Result<(), TopicError>) -> Self {
        Self { text: Text::Shared { verdict: Verdict::of(verdict), text } }
    }

    /// What [`validate_topic_name`] says of this topic.
    #[inline]
    pub fn check(&self) -> Result<(), TopicError> {
        let (Text::Inline { verdict, .. } | Text::Shared { verdict, .. }) = &self.text;
        match verdict {
            Verdict::Valid => Ok(()),
            Verdict::Invalid(Invalid::Empty) => Err(TopicError::Empty),
            Verdict::Invalid(Invalid::TooLong) => Err(TopicError::TooLong { len: self.len() }),
            Verdict::Invalid(Invalid::NullCharacter) => Err(TopicError::NullCharacter),
            Verdict::Invalid(Invalid::WildcardInName) => Err(TopicError::WildcardInName),
        }
    }

    /// The inline buffer, if the text is stored inline: the text is its first
    /// `len()` bytes, and what follows means nothing.
    #[inline]
    pub(crate) fn inline_bytes(&self) -> Option<&[u8; INLINE_CAPACITY]> {
        match &self.text {
            Text::Inline { bytes, .. } => Some(bytes),
            Text::Shared { .. } => None,
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.text {
            Text::Inline { len, bytes, .. } => inline_str(bytes.get(..usize::from(*len)).unwrap_or_default()),
            Text::Shared { text, .. } => text,
        }
    }
}

/// The text of an inline topic.
///
/// The codec's one `unsafe`. Checking the bytes again here, on every read of the
/// topic, would cost more than decoding the packet did.
#[allow(unsafe_code)]
#[inline(always)]
fn inline_str(text: &[u8]) -> &str {
    debug_assert!(core::str::from_utf8(text).is_ok());
    // SAFETY: `text` is `bytes[..len]` of a `Text::Inline`, and every `Text::Inline`
    // is made by `TopicName::inline` (copied from a `&str`, so UTF-8) or by
    // `TopicName::decode_ascii` (checked to be ASCII, so UTF-8); it cannot be
    // changed afterwards (the fields are private and nothing writes them).
    unsafe { core::str::from_utf8_unchecked(text) }
}

/// A short text is copied inline; a long one is kept as it is.
impl From<ByteString> for TopicName {
    fn from(text: ByteString) -> Self {
        let verdict = validate_topic_name(&text);
        Self::inline(&text, verdict).unwrap_or_else(|| Self::shared(text, verdict))
    }
}

impl From<String> for TopicName {
    fn from(text: String) -> Self {
        ByteString::from(text).into()
    }
}

impl From<&str> for TopicName {
    fn from(text: &str) -> Self {
        let verdict = validate_topic_name(text);
        Self::inline(text, verdict).unwrap_or_else(|| Self::shared(ByteString::from(text), verdict))
    }
}

impl Default for TopicName {
    fn default() -> Self {
        Self::empty()
    }
}

impl core::ops::Deref for TopicName {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl core::borrow::Borrow<str> for TopicName {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

// Equality, order and hash are the text's: the verdict follows from it, and where
// the text is stored is not part of what it is.
impl PartialEq for TopicName {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TopicName {}

impl PartialEq<str> for TopicName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TopicName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for TopicName {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialOrd for TopicName {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TopicName {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl core::hash::Hash for TopicName {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the bytes a topic name may not hold occur in a string: U+0000 and the
/// wildcards `+` and `#`.
///
/// It reads the string as 64-bit words and tests all eight bytes of a word at once
/// (the "has a zero byte" bit trick), OR-ing the per-word results and looking at
/// them once at the end: a topic of 25 bytes is four words instead of 25
/// iterations of a per-byte loop (which the compiler only widened to four bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteScan {
    pub(crate) nul: bool,
    pub(crate) wildcard: bool,
    /// A byte of 0x80 or above: not ASCII (possibly still UTF-8).
    pub(crate) non_ascii: bool,
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
/// `#` is 0x23 and `+` is 0x2B: they differ only in bit 3, so clearing that bit
/// turns both into 0x23, and no other byte becomes 0x23.
const BIT_3: u64 = u64::from_ne_bytes([0x08; 8]);
const HASH: u64 = u64::from_ne_bytes([b'#'; 8]);
/// Seven bytes of neither class above a byte of the string's tail.
const PADDING: u64 = u64::from_le_bytes([0, b'a', b'a', b'a', b'a', b'a', b'a', b'a']);

impl ByteScan {
    #[inline(always)] // a call costs about as much as scanning a short topic
    pub(crate) fn of(bytes: &[u8]) -> Self {
        let mut nul = 0;
        let mut wildcard = 0;
        let mut high = 0;
        let mut add = |word: u64| {
            nul |= zero_byte_bits(word);
            wildcard |= zero_byte_bits((word & !BIT_3) ^ HASH);
            high |= word;
        };
        match bytes.last_chunk::<8>() {
            Some(last) => {
                for word in bytes.as_chunks::<8>().0 {
                    add(u64::from_ne_bytes(*word));
                }
                // The last eight bytes, overlapping the words already read (a byte
                // read twice changes nothing): the tail without a loop of its own.
                add(u64::from_ne_bytes(*last));
            }
            // Shorter than a word: one padded word per byte.
            None => bytes.iter().for_each(|&b| add(u64::from(b) | PADDING)),
        }
        Self { nul: nul & HIGH_BITS != 0, wildcard: wildcard & HIGH_BITS != 0, non_ascii: high & HIGH_BITS != 0 }
    }
}

/// Has the high bit of some byte set if, and only if, `word` has a zero byte (a
/// borrow can only set bits above a real zero byte, so the yes/no is exact).
#[inline]
const fn zero_byte_bits(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word
}

/// Checks a topic filter, a subscription's pattern, shared subscriptions included.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_common(filter)?;
    let filter = match shared_subscription(filter) {
        Some(Ok((_, inner))) => inner,
        Some(Err(e)) => return Err(e),
        None => filter,
    };
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(TopicError::MisplacedMultiLevelWildcard);
        }
        if level.contains('+') && level != "+" {
            return Err(TopicError::MisplacedSingleLevelWildcard);
        }
    }
    Ok(())
}

/// For `$share/{name}/{filter}`, the share name and the filter; `None` for other filters.
pub fn shared_subscription(filter: &str) -> Option<Result<(&str, &str), TopicError>> {
    let rest = filter.strip_prefix("$share/")?;
    Some(match rest.split_once('/') {
        Some((name, inner))
            if !name.is_empty() && !inner.is_empty() && !name.contains(['+', '#']) =>
        {
            Ok((name, inner))
        }
        _ => Err(TopicError::InvalidSharedSubscription),
    })
}

/// Whether a message on `topic` matches `filter`, as a broker decides it.
///
/// `+` matches exactly one level (never across `/`), `#` matches the parent level
/// and everything below it, and a filter starting with a wildcard does not match
/// topics starting with `$` [MQTT-4.7.2-1]. A shared subscription matches as its
/// inner filter does. Invalid filters match nothing.
pub fn topic_matches(filter: &str, topic: &str) -> bool {
    if validate_topic_filter(filter).is_err() || validate_topic_name(topic).is_err() {
        return false;
    }
    let filter = match shared_subscription(filter) {
        Some(Ok((_, inner))) => inner,
        _ => filter,
    };
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut filter_levels = filter.split('/');
    let mut topic_levels = topic.split('/');
    loop {
        match (filter_levels.next(), topic_levels.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(f), Some(t)) if f == t => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{validate_topic_name, ByteScan, TopicError, TopicName};

    /// A `TopicName` carries exactly what `validate_topic_name` says of its text,
    /// however it was made, and compares, orders and hashes as its text.
    #[test]
    fn topic_name_verdicts_are_validate_topic_name() {
        let long = "a".repeat(65_536);
        for text in ["lab/a", "", "a/+/b", "#", "a\0b", "a\u{0}+", long.as_str(), "€/ü", "$SYS/x"] {
            let want = validate_topic_name(text);
            assert_eq!(TopicName::from(text).check(), want, "{text:?}");
            assert_eq!(TopicName::from(text.to_owned()).check(), want, "{text:?}");
            assert_eq!(TopicName::from(text), text);
        }
        assert_eq!(TopicName::from("a\0+").check(), Err(TopicError::NullCharacter));
        assert_eq!(TopicName::from(long.as_str()).check(), Err(TopicError::TooLong { len: 65_536 }));
        assert_eq!(TopicName::empty().check(), Err(TopicError::Empty));
        assert!(TopicName::from("a/b") < TopicName::from("a/c"));
        assert_eq!(format!("{:?} {}", TopicName::from("a/b"), TopicName::from("a/b")), "\"a/b\" a/b");
    }

    /// Topics on both sides of the inline capacity, made every way, are the same
    /// text with the same verdict, equal and hashed alike whichever way each is
    /// stored; and the inline form costs no size over the shared one.
    #[test]
    fn topic_names_are_their_text_however_they_are_stored() {
        use std::collections::HashSet;
        let cap = TopicName::INLINE_CAPACITY;
        for len in [0, 1, cap - 1, cap, cap + 1, 2 * cap, 65_535] {
            for text in ["a".repeat(len), format!("{}+", "a".repeat(len.saturating_sub(1))), "é".repeat(len / 2)] {
                let want = validate_topic_name(&text);
                let made = [
                    TopicName::from(text.as_str()),
                    TopicName::from(text.clone()),
                    TopicName::from(crate::ByteString::from(text.clone())),
                ];
                let hashed: HashSet<TopicName> = made.iter().cloned().collect();
                assert_eq!(hashed.len(), 1, "len {len}");
                for topic in &made {
                    assert_eq!(topic.as_str(), text);
                    assert_eq!(topic.check(), want, "len {len}");
                    assert_eq!(topic.clone(), made[0]);
                    assert!(hashed.contains(text.as_str()));
                }
            }
        }
        assert_eq!(std::mem::size_of::<TopicName>(), 40);
    }

    fn naive(bytes: &[u8]) -> ByteScan {
        ByteScan {
            nul: bytes.contains(&0),
            wildcard: bytes.iter().any(|&b| b == b'+' || b == b'#'),
            non_ascii: !bytes.is_ascii(),
        }
    }

    /// Every byte value at every position of strings of 0 to 24 bytes (whole words,
    /// a tail, both), over backgrounds of bytes near the classes (0x01, 0x22, 0x2A, 0x80, 0xFF).
    #[test]
    fn byte_scan_agrees_with_a_byte_by_byte_search() {
        for background in [b'a', 0x01, 0x22, 0x2A, 0x2C, 0x80, 0xA3, 0xFF] {
            for len in 0..=24 {
                let base = vec![background; len];
                assert_eq!(ByteScan::of(&base), naive(&base), "{base:?}");
                for at in 0..len {
                    for byte in 0..=255u8 {
                        let mut s = base.clone();
                        s[at] = byte;
                        assert_eq!(ByteScan::of(&s), naive(&s), "{s:?}");
                        // A second special byte after the first: a borrow from a
                        // zero byte must not hide or invent the other class.
                        for second in [0u8, b'+', b'#'] {
                            if at + 1 < len {
                                s[at + 1] = second;
                                assert_eq!(ByteScan::of(&s), naive(&s), "{s:?}");
                                s[at + 1] = background;
                            }
                        }
                    }
                }
            }
        }
    }
}
