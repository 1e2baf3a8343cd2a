//! The one step from received messages to every model that shows them: the
//! feed, the topic tree and The Things Stack log. Each message is read once,
//! here, on receipt (one frame's batch at a time), never again in a view.

use crate::feed::{Feed, FeedMessage};
use crate::topic_tree::TopicTree;
use crate::ttn::TtnLog;

/// The models of one connection that received messages update.
pub struct Models<'a> {
    pub feed: &'a mut Feed,
    pub topics: &'a mut TopicTree,
    pub ttn: &'a mut TtnLog,
}

/// Fans one frame's messages out to every model, oldest first.
pub fn ingest(batch: impl IntoIterator<Item = FeedMessage>, models: Models<'_>) {
    for m in batch {
        models.topics.record(&m.topic, &m.preview, m.payload.len(), m.retain, m.received_at_ms);
        // Read before the feed takes the message: no copy of its topic and payload.
        models.ttn.record(models.feed.next_seq(), m.received_at_ms, &m.topic, &m.payload);
        models.feed.push(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::feed_message;
    use crate::workspace::ConnectionId;
    use webmqtt_codec::Publish;

    #[test]
    fn every_model_sees_every_message_once() {
        let (mut feed, mut topics, mut ttn) = (Feed::with_capacity(2), TopicTree::default(), TtnLog::default());
        let up = br#"{"uplink_message":{"f_port":2}}"#.to_vec();
        let batch = [
            Publish::new("lab/a", b"0".to_vec()),
            Publish::new("v3/app@ttn/devices/d1/up", up.clone()),
            Publish::new("lab/a", b"1".to_vec()),
            Publish::new("lab/a", b"2".to_vec()),
        ]
        .into_iter()
        .map(|p| feed_message(ConnectionId(1), 5.0, p, vec![]))
        .collect::<Vec<_>>();
        ingest(batch, Models { feed: &mut feed, topics: &mut topics, ttn: &mut ttn });
        assert_eq!((feed.received(), feed.len(), feed.dropped()), (4, 2, 2));
        assert_eq!((topics.topic_count(), topics.message_count()), (2, 4));
        // The uplink (the feed's second message) left the feed's buffer; the
        // TTN log and its devices keep it, under the feed's number for it.
        assert_eq!(ttn.events().map(|e| e.seq).collect::<Vec<_>>(), [2]);
        assert!(ttn.devices.0.contains_key("d1"));
    }
}
