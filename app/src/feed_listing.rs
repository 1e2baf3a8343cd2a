//! Which rows the feed's list holds, newest first: one connection's messages
//! or every connection's merged by time, narrowed by the filter, frozen by
//! Pause or held while the user reads. The list draws only the rows in view;
//! this says what row `i` is.

use crate::feed::{Feed, FeedFilter, FeedMessage};
use crate::workspace::ConnectionId;

/// Where the feed was frozen: each connection's newest sequence number then.
/// Messages that arrived after it are counted but not listed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PausedAt(pub Vec<(ConnectionId, u64)>);

impl PausedAt {
    fn limit(&self, id: ConnectionId) -> u64 {
        // A connection added after the pause shows nothing until Resume.
        self.0.iter().find(|(c, _)| *c == id).map_or(0, |(_, seq)| *seq)
    }
}

/// Keeps the rows where they are while the user reads them. The list shows the
/// newest message first, so in a stream every batch moves each row down: the
/// line being read, or the row under the pointer about to be clicked, shows
/// another message a moment later. While the list is scrolled away from its
/// top, a mouse rests on it or the keyboard is on one of its rows, a hold
/// freezes it where it was (as Pause does) and what arrives is counted
/// instead; it lets go when none of these is true any more, or when the user
/// asks for the newest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hold {
    scrolled: bool,
    pointer: bool,
    keyboard: bool,
    at: Option<PausedAt>,
}

impl Hold {
    /// The list was scrolled `away` from its top, or back to it. `now` tells
    /// where the feeds are now, asked only when a hold begins.
    pub fn scrolled(&mut self, away: bool, now: impl FnOnce() -> PausedAt) {
        self.scrolled = away;
        self.settle(now);
    }

    /// A mouse came `over` the list, or left it.
    pub fn pointer(&mut self, over: bool, now: impl FnOnce() -> PausedAt) {
        self.pointer = over;
        self.settle(now);
    }

    /// The keyboard's focus came to a row (not by a click), or left the list.
    pub fn keyboard(&mut self, on_a_row: bool, now: impl FnOnce() -> PausedAt) {
        self.keyboard = on_a_row;
        self.settle(now);
    }

    /// "Show the newest": the list goes back to its top. A pointer or the
    /// keyboard still on it holds the rows it shows from now on.
    pub fn to_newest(&mut self, now: impl FnOnce() -> PausedAt) {
        self.scrolled = false;
        self.at = None;
        self.settle(now);
    }

    /// Where the list is frozen, while it is held.
    pub fn at(&self) -> Option<&PausedAt> {
        self.at.as_ref()
    }

    fn settle(&mut self, now: impl FnOnce() -> PausedAt) {
        if !(self.scrolled || self.pointer || self.keyboard) {
            self.at = None;
        } else if self.at.is_none() {
            self.at = Some(now());
        }
    }
}

/// Where a row's message is in its connection's feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAt {
    /// The `n`-th newest message (0 is the newest).
    NthNewest(usize),
    Seq(u64),
}

impl RowAt {
    pub fn find(self, feed: &Feed) -> Option<&FeedMessage> {
        match self {
            Self::NthNewest(n) => feed.nth_newest(n),
            Self::Seq(seq) => feed.get(seq),
        }
    }
}

/// The rows of the list.
#[derive(Debug, Clone, PartialEq)]
pub enum Listing {
    /// One connection, unfiltered: every buffered message but the `skip` newest.
    Newest { connection: ConnectionId, skip: usize, len: usize },
    /// The (connection, sequence number) of each row.
    Rows(Vec<(ConnectionId, u64)>),
}

/// A message that may be listed: (time, connection, sequence number).
pub type Candidate = (f64, ConnectionId, u64);

impl Listing {
    /// One connection's feed.
    pub fn one(id: ConnectionId, feed: &Feed, filter: &FeedFilter, paused: Option<&PausedAt>) -> Self {
        if !filter.is_empty() {
            return Self::merge([Self::candidates(id, feed, filter, paused)]);
        }
        let limit = paused.map_or(u64::MAX, |p| p.limit(id));
        let newer = usize::try_from(feed.received().saturating_sub(limit)).unwrap_or(usize::MAX).min(feed.len());
        Self::Newest { connection: id, skip: newer, len: feed.len() - newer }
    }

    /// The messages of one feed that the filter and the pause let through.
    pub fn candidates(id: ConnectionId, feed: &Feed, filter: &FeedFilter, paused: Option<&PausedAt>) -> Vec<Candidate> {
        let limit = paused.map_or(u64::MAX, |p| p.limit(id));
        feed.iter().filter(|m| m.seq <= limit && filter.accepts(m)).map(|m| (m.received_at_ms, id, m.seq)).collect()
    }

    /// How many of a feed's messages a freeze keeps out of the list: those
    /// that arrived after it and that the filter lets through.
    pub fn held_back(id: ConnectionId, feed: &Feed, filter: &FeedFilter, frozen: &PausedAt) -> usize {
        let limit = frozen.limit(id);
        let newer = feed.iter().rev().take_while(|m| m.seq > limit);
        if filter.is_empty() {
            newer.count()
        } else {
            newer.filter(|m| filter.accepts(m)).count()
        }
    }

    /// Several feeds' candidates as one list, newest first; within a connection
    /// the sequence decides (several messages share a millisecond), and
    /// between connections at the same time and sequence, the lower id first.
    /// A total order, so the unstable sort (smaller in the browser build than
    /// a stable one) gives the same list every time.
    pub fn merge(parts: impl IntoIterator<Item = Vec<Candidate>>) -> Self {
        let mut rows: Vec<Candidate> = parts.into_iter().flatten().collect();
        rows.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)));
        Self::Rows(rows.into_iter().map(|(_, id, seq)| (id, seq)).collect())
    }

    pub fn len(&self) -> usize {
        match self {
            Self::Newest { len, .. } => *len,
            Self::Rows(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the filter narrowed it (the header then says how many match).
    pub fn is_filtered(&self) -> bool {
        matches!(self, Self::Rows(_))
    }

    /// Row `i` (0 is the newest): its connection, and where it is in that feed.
    pub fn row(&self, i: usize) -> Option<(ConnectionId, RowAt)> {
        match self {
            Self::Newest { connection, skip, len } => (i < *len).then(|| (*connection, RowAt::NthNewest(skip + i))),
            Self::Rows(rows) => rows.get(i).map(|(id, seq)| (*id, RowAt::Seq(*seq))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::feed_message;
    use webmqtt_codec::Publish;

    fn feed(id: u32, items: &[(&str, f64)]) -> (ConnectionId, Feed) {
        let mut f = Feed::with_capacity(100);
        for (topic, at) in items {
            f.push(feed_message(ConnectionId(id), *at, Publish::new(*topic, topic.as_bytes().to_vec()), vec![]));
        }
        (ConnectionId(id), f)
    }

    fn topics(listing: &Listing, feeds: &[(ConnectionId, &Feed)]) -> Vec<String> {
        let feed_of = |id| feeds.iter().find(|(c, _)| *c == id).map(|(_, f)| *f);
        (0..listing.len())
            .filter_map(|i| listing.row(i))
            .filter_map(|(id, at)| at.find(feed_of(id)?))
            .map(|m| m.topic.to_string())
            .collect()
    }

    fn listing(feeds: &[(ConnectionId, &Feed)], filter: &FeedFilter, paused: Option<&PausedAt>) -> Listing {
        match feeds {
            [(id, f)] => Listing::one(*id, f, filter, paused),
            _ => Listing::merge(feeds.iter().map(|(id, f)| Listing::candidates(*id, f, filter, paused))),
        }
    }

    #[test]
    fn one_connection_newest_first_and_paused() {
        let (a, fa) = feed(1, &[("a/1", 1.0), ("a/2", 2.0), ("a/3", 3.0)]);
        let feeds = [(a, &fa)];
        let all = listing(&feeds, &FeedFilter::default(), None);
        assert_eq!(topics(&all, &feeds), ["a/3", "a/2", "a/1"]);
        let paused = PausedAt(vec![(a, 2)]);
        let frozen = listing(&feeds, &FeedFilter::default(), Some(&paused));
        assert_eq!(topics(&frozen, &feeds), ["a/2", "a/1"]);
        let filter = FeedFilter { topic: "a/+".into(), text: "3".into() };
        assert_eq!(topics(&listing(&feeds, &filter, None), &feeds), ["a/3"]);
    }

    #[test]
    fn all_connections_merge_by_time_and_keep_each_row_on_its_connection() {
        let (a, fa) = feed(1, &[("a/1", 1.0), ("a/2", 4.0)]);
        let (b, fb) = feed(2, &[("b/1", 2.0), ("b/2", 3.0), ("b/3", 4.0)]);
        let feeds = [(a, &fa), (b, &fb)];
        let merged = listing(&feeds, &FeedFilter::default(), None);
        // a/2 and b/3 share a millisecond: the higher sequence number is taken as newer.
        assert_eq!(topics(&merged, &feeds), ["b/3", "a/2", "b/2", "b/1", "a/1"]);
        let Listing::Rows(rows) = &merged else { panic!("merged rows") };
        assert_eq!(rows[..2], [(b, 3), (a, 2)]);
        // Paused before b's third message; a connection unknown to the pause shows nothing.
        let paused = PausedAt(vec![(b, 2)]);
        assert_eq!(topics(&listing(&feeds, &FeedFilter::default(), Some(&paused)), &feeds), ["b/2", "b/1"]);
    }

    #[test]
    fn a_hold_freezes_the_rows_while_scrolled_away_or_under_the_mouse() {
        let (a, mut fa) = feed(1, &[("a/1", 1.0), ("a/2", 2.0)]);
        let now = |f: &Feed| PausedAt(vec![(a, f.received())]);
        let mut hold = Hold::default();
        assert_eq!(hold.at(), None);
        hold.scrolled(true, || now(&fa));
        assert_eq!(hold.at(), Some(&PausedAt(vec![(a, 2)])));
        fa.push(feed_message(a, 3.0, Publish::new("a/3", b"3".to_vec()), vec![]));
        fa.push(feed_message(a, 4.0, Publish::new("b/4", b"4".to_vec()), vec![]));
        // The mouse comes too: the hold keeps the place it took first.
        hold.pointer(true, || now(&fa));
        let at = hold.at().cloned().expect("held");
        assert_eq!(at, PausedAt(vec![(a, 2)]));
        let feeds = [(a, &fa)];
        assert_eq!(topics(&listing(&feeds, &FeedFilter::default(), Some(&at)), &feeds), ["a/2", "a/1"]);
        assert_eq!(Listing::held_back(a, &fa, &FeedFilter::default(), &at), 2);
        let only_a = FeedFilter { topic: "a/#".into(), text: String::new() };
        assert_eq!(Listing::held_back(a, &fa, &only_a, &at), 1, "the filter's count");
        // Back at the top, the mouse still holds; when it leaves, the list is live.
        hold.scrolled(false, || now(&fa));
        assert!(hold.at().is_some());
        hold.pointer(false, || now(&fa));
        assert_eq!(hold.at(), None);
        // The keyboard on a row holds it as well.
        hold.keyboard(true, || now(&fa));
        assert_eq!(hold.at(), Some(&PausedAt(vec![(a, 4)])));
        hold.keyboard(false, || now(&fa));
        assert_eq!(hold.at(), None);
    }

    #[test]
    fn showing_the_newest_holds_them_while_the_mouse_stays() {
        let (a, mut fa) = feed(1, &[("a/1", 1.0)]);
        let now = |f: &Feed| PausedAt(vec![(a, f.received())]);
        let mut hold = Hold::default();
        hold.pointer(true, || now(&fa));
        hold.scrolled(true, || now(&fa));
        fa.push(feed_message(a, 2.0, Publish::new("a/2", b"2".to_vec()), vec![]));
        hold.to_newest(|| now(&fa));
        assert_eq!(hold.at(), Some(&PausedAt(vec![(a, 2)])));
        assert_eq!(Listing::held_back(a, &fa, &FeedFilter::default(), hold.at().unwrap()), 0);
        hold.pointer(false, || now(&fa));
        assert_eq!(hold.at(), None, "nothing holds it any more");
        // Scrolled only: Show newest lets go.
        hold.scrolled(true, || now(&fa));
        hold.to_newest(|| now(&fa));
        assert_eq!(hold.at(), None);
    }
}
