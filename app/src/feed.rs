//! The message feed's model: a bounded buffer of received messages, counts that
//! never lie about what was dropped, the current rate, and filtering.

use std::collections::VecDeque;

use webmqtt_codec::{topic_matches, Bytes, Properties, QoS, TopicName};

use crate::payload;
use crate::workspace::ConnectionId;

/// One received message, as the feed shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedMessage {
    /// 1 for the first message received, counting on across clears.
    pub seq: u64,
    /// The connection of the workspace it came in on.
    pub connection: ConnectionId,
    /// Restored from the browser's stored history, not received since the page opened.
    pub from_history: bool,
    /// Wall-clock time of arrival, milliseconds since the Unix epoch.
    pub received_at_ms: f64,
    pub topic: TopicName,
    pub qos: QoS,
    pub retain: bool,
    pub payload: Bytes,
    pub properties: Properties,
    /// A short one-line preview, made once on arrival.
    pub preview: String,
    /// The colours of the subscriptions it matched when it arrived.
    pub colours: Vec<usize>,
}

/// Characters of payload a row shows before the user expands it.
pub const PREVIEW_CHARS: usize = 120;

/// The default number of messages kept.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Messages per second over the last two seconds.
#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    /// (bucket start in ms, count), oldest first; buckets are 250 ms wide.
    buckets: VecDeque<(f64, u32)>,
}

const BUCKET_MS: f64 = 250.0;
const WINDOW_MS: f64 = 2_000.0;

impl RateMeter {
    pub fn record(&mut self, now_ms: f64, count: u32) {
        let start = (now_ms / BUCKET_MS).floor() * BUCKET_MS;
        match self.buckets.back_mut() {
            Some((s, c)) if *s == start => *c += count,
            _ => self.buckets.push_back((start, count)),
        }
        self.expire(now_ms);
    }

    fn expire(&mut self, now_ms: f64) {
        while self.buckets.front().is_some_and(|(s, _)| *s + WINDOW_MS <= now_ms) {
            self.buckets.pop_front();
        }
    }

    pub fn per_second(&mut self, now_ms: f64) -> f64 {
        self.expire(now_ms);
        let total: u32 = self.buckets.iter().map(|(_, c)| c).sum();
        f64::from(total) * 1_000.0 / WINDOW_MS
    }
}

/// What the user narrowed the feed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    /// A topic filter with wildcards (`lab/+/temp`), or a part of the topic.
    pub topic: String,
    /// A part of the payload text.
    pub text: String,
}

impl FeedFilter {
    pub fn is_empty(&self) -> bool {
        self.topic.trim().is_empty() && self.text.is_empty()
    }

    pub fn accepts(&self, m: &FeedMessage) -> bool {
        let topic = self.topic.trim();
        let topic_ok = topic.is_empty()
            || if topic.contains(['+', '#']) { topic_matches(topic, &m.topic) } else { m.topic.contains(topic) };
        topic_ok && (self.text.is_empty() || String::from_utf8_lossy(&m.payload).contains(&self.text))
    }
}

/// The newest messages, up to a capacity, and honest counts.
#[derive(Debug, Clone)]
pub struct Feed {
    messages: VecDeque<FeedMessage>,
    capacity: usize,
    received: u64,
    /// How many of the `received` were restored from stored history.
    restored: u64,
    dropped: u64,
}

impl Default for Feed {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl Feed {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { messages: VecDeque::new(), capacity: capacity.max(1), received: 0, restored: 0, dropped: 0 }
    }

    /// The sequence number the next message pushed will be given.
    pub fn next_seq(&self) -> u64 {
        self.received + 1
    }

    /// Adds a message and returns the sequence number it was given
    /// ([`Feed::next_seq`]); the oldest leaves when the buffer is full, and is
    /// counted.
    pub fn push(&mut self, mut message: FeedMessage) -> u64 {
        self.received += 1;
        self.restored += u64::from(message.from_history);
        let seq = self.received;
        message.seq = seq;
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
            self.dropped += 1;
        }
        self.messages.push_back(message);
        seq
    }

    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(1);
        while self.messages.len() > self.capacity {
            self.messages.pop_front();
            self.dropped += 1;
        }
    }

    /// Empties the buffer; the received count goes on.
    pub fn clear(&mut self) {
        self.messages.clear();
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Messages added: received since the page opened, and restored.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Messages received from the broker since the page opened (not restored).
    pub fn received_live(&self) -> u64 {
        self.received - self.restored
    }

    /// Messages that left the buffer because it was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &FeedMessage> {
        self.messages.iter()
    }

    /// The `i`-th newest message (0 is the newest).
    pub fn nth_newest(&self, i: usize) -> Option<&FeedMessage> {
        self.messages.len().checked_sub(i + 1).and_then(|index| self.messages.get(index))
    }

    pub fn get(&self, seq: u64) -> Option<&FeedMessage> {
        let first = self.messages.front()?.seq;
        self.messages.get(usize::try_from(seq.checked_sub(first)?).ok()?).filter(|m| m.seq == seq)
    }
}

/// Builds the feed's record of a message.
pub fn feed_message(
    connection: ConnectionId,
    received_at_ms: f64,
    publish: webmqtt_codec::Publish,
    colours: Vec<usize>,
) -> FeedMessage {
    FeedMessage {
        seq: 0,
        connection,
        from_history: false,
        received_at_ms,
        preview: payload::preview(&publish.payload, PREVIEW_CHARS),
        topic: publish.topic,
        qos: publish.qos,
        retain: publish.retain,
        payload: publish.payload,
        properties: publish.properties,
        colours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use webmqtt_codec::Publish;

    fn msg(topic: &str, payload: &str) -> FeedMessage {
        feed_message(ConnectionId(1), 0.0, Publish::new(topic, payload.as_bytes().to_vec()), vec![])
    }

    #[test]
    fn keeps_the_newest_and_counts_the_dropped() {
        let mut feed = Feed::with_capacity(3);
        for i in 0..5 {
            feed.push(msg("t", &i.to_string()));
        }
        assert_eq!((feed.received(), feed.dropped(), feed.len()), (5, 2, 3));
        let kept: Vec<&str> = feed.iter().map(|m| m.preview.as_str()).collect();
        assert_eq!(kept, ["2", "3", "4"]);
        assert_eq!(feed.get(4).map(|m| m.preview.as_str()), Some("3"));
        assert_eq!(feed.nth_newest(0).map(|m| m.preview.as_str()), Some("4"));
        assert_eq!(feed.nth_newest(2).map(|m| m.preview.as_str()), Some("2"));
        assert!(feed.nth_newest(3).is_none());
        assert!(feed.get(1).is_none());
        feed.clear();
        feed.push(msg("t", "5"));
        assert_eq!((feed.received(), feed.iter().next().map(|m| m.seq)), (6, Some(6)));
    }

    #[test]
    fn filter_by_topic_pattern_part_or_text() {
        let m = msg("lab/room1/temp", "21.5");
        let f = |topic: &str, text: &str| FeedFilter { topic: topic.into(), text: text.into() }.accepts(&m);
        assert!(f("", ""));
        assert!(f("lab/+/temp", ""));
        assert!(!f("lab/+", ""));
        assert!(f("room1", ""));
        assert!(f("", "21"));
        assert!(!f("", "22"));
    }

    #[test]
    fn rate_over_the_last_two_seconds() {
        let mut r = RateMeter::default();
        r.record(0.0, 10);
        r.record(1_000.0, 10);
        assert_eq!(r.per_second(1_100.0), 10.0);
        assert_eq!(r.per_second(2_100.0), 5.0);
        assert_eq!(r.per_second(5_000.0), 0.0);
    }
}
