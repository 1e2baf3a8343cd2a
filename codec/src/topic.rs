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
    if s.as_bytes().contains(&0) {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// Checks a topic name, the topic a message is published to.
///
/// Every PUBLISH goes through this twice (encode and decode), so it looks at
/// each byte once, in a loop without early exit that the compiler vectorises.
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(TopicError::Empty);
    }
    if bytes.len() > MAX_FIELD_LEN {
        return Err(TopicError::TooLong { len: bytes.len() });
    }
    let (nul, wildcard) =
        bytes.iter().fold((false, false), |(nul, wild), &b| (nul | (b == 0), wild | (b == b'+') | (b == b'#')));
    if nul {
        return Err(TopicError::NullCharacter);
    }
    if wildcard {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
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
