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
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(TopicError::Empty);
    }
    if bytes.len() > MAX_FIELD_LEN {
        return Err(TopicError::TooLong { len: bytes.len() });
    }
    let scan = ByteScan::of(bytes);
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
/// (`"lab/a".into()`), valid or not; [`TopicName::check`] gives the verdict. A decoded
/// topic shares the packet's buffer.
#[derive(Clone)]
pub struct TopicName {
    text: ByteString,
    verdict: Verdict,
}

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

impl TopicName {
    /// The empty topic: invalid on its own, sent in 5.0 with a topic alias.
    pub fn empty() -> Self {
        Self { text: ByteString::new(), verdict: Verdict::Invalid(Invalid::Empty) }
    }

    /// A topic whose verdict is already known (the decoder has just checked it).
    pub(crate) fn with_verdict(text: ByteString, verdict: Result<(), TopicError>) -> Self {
        let verdict = match verdict {
            Ok(()) => Verdict::Valid,
            Err(TopicError::Empty) => Verdict::Invalid(Invalid::Empty),
            Err(TopicError::TooLong { .. }) => Verdict::Invalid(Invalid::TooLong),
            Err(TopicError::NullCharacter) => Verdict::Invalid(Invalid::NullCharacter),
            // Only the errors of `validate_topic_name` reach here.
            Err(_) => Verdict::Invalid(Invalid::WildcardInName),
        };
        Self { text, verdict }
    }

    /// What [`validate_topic_name`] says of this topic.
    #[inline]
    pub fn check(&self) -> Result<(), TopicError> {
        match self.verdict {
            Verdict::Valid => Ok(()),
            Verdict::Invalid(Invalid::Empty) => Err(TopicError::Empty),
            Verdict::Invalid(Invalid::TooLong) => Err(TopicError::TooLong { len: self.text.len() }),
            Verdict::Invalid(Invalid::NullCharacter) => Err(TopicError::NullCharacter),
            Verdict::Invalid(Invalid::WildcardInName) => Err(TopicError::WildcardInName),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text as a `ByteString`, sharing its storage.
    pub fn as_byte_string(&self) -> &ByteString {
        &self.text
    }
}

impl From<ByteString> for TopicName {
    fn from(text: ByteString) -> Self {
        let verdict = validate_topic_name(&text);
        Self::with_verdict(text, verdict)
    }
}

impl From<String> for TopicName {
    fn from(text: String) -> Self {
        ByteString::from(text).into()
    }
}

impl From<&str> for TopicName {
    fn from(text: &str) -> Self {
        ByteString::from(text).into()
    }
}

impl From<TopicName> for ByteString {
    fn from(topic: TopicName) -> Self {
        topic.text
    }
}

impl Default for TopicName {
    fn default() -> Self {
        Self::empty()
    }
}

impl core::ops::Deref for TopicName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl AsRef<str> for TopicName {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl core::borrow::Borrow<str> for TopicName {
    fn borrow(&self) -> &str {
        &self.text
    }
}

// Equality, order and hash are the text's: the verdict follows from it.
impl PartialEq for TopicName {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for TopicName {}

impl PartialEq<str> for TopicName {
    fn eq(&self, other: &str) -> bool {
        *self.text == *other
    }
}

impl PartialEq<&str> for TopicName {
    fn eq(&self, other: &&str) -> bool {
        *self.text == **other
    }
}

impl PartialEq<String> for TopicName {
    fn eq(&self, other: &String) -> bool {
        *self.text == **other
    }
}

impl PartialOrd for TopicName {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TopicName {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl core::hash::Hash for TopicName {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl fmt::Debug for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.text, f)
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
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
        let mut add = |word: u64| {
            nul |= zero_byte_bits(word);
            wildcard |= zero_byte_bits((word & !BIT_3) ^ HASH);
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
        Self { nul: nul & HIGH_BITS != 0, wildcard: wildcard & HIGH_BITS != 0 }
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

    fn naive(bytes: &[u8]) -> ByteScan {
        ByteScan { nul: bytes.contains(&0), wildcard: bytes.iter().any(|&b| b == b'+' || b == b'#') }
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
