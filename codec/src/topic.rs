//! Topic names and topic filters (MQTT 3.1.1 §4.7, 5.0 §4.7 and §4.8.2).

use core::fmt;

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
    use super::ByteScan;

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
