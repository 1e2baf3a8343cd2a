//! Stored history (`app/src/idb.rs`) in headless Chromium's real IndexedDB:
//! what is appended loads back the same, trims and clears touch only the
//! records they name, and connections stay apart.
//!
//! Each test uses its own connection ids and clears them first, so the tests
//! neither depend on their order nor on what an earlier run left behind.
//! Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
use webmqtt_app::feed::{feed_message, FeedMessage};
use webmqtt_app::history::{HistoryLedger, HistoryLimits, HistoryRecord};
use webmqtt_app::idb::HistoryStore;
use webmqtt_app::workspace::ConnectionId;
use webmqtt_codec::{Bytes, Properties, Property, Publish, QoS};

wasm_bindgen_test_configure!(run_in_browser);

async fn store() -> HistoryStore {
    match HistoryStore::open().await {
        Ok(store) => store,
        Err(e) => panic!("opening the history store: {e}"),
    }
}

async fn fresh(store: &HistoryStore, connections: &[ConnectionId]) {
    for &c in connections {
        store.clear(c).await.unwrap_or_else(|e| panic!("clearing connection {c:?}: {e}"));
    }
}

async fn load(store: &HistoryStore, connection: ConnectionId) -> Vec<HistoryRecord> {
    store.load(connection).await.unwrap_or_else(|e| panic!("loading connection {connection:?}: {e}"))
}

async fn append(store: &HistoryStore, records: &[HistoryRecord]) {
    store.append(records).await.unwrap_or_else(|e| panic!("appending {} records: {e}", records.len()));
}

/// A received message as the feed has it: every third one binary, every
/// other one with MQTT 5.0 properties.
fn message(connection: ConnectionId, seq: u64) -> FeedMessage {
    let payload: Vec<u8> = if seq.is_multiple_of(3) {
        // Not UTF-8; every byte value once, rotated so each record differs.
        (0..=255u8).map(|b| b.wrapping_add(seq as u8)).collect()
    } else {
        format!("{{\"seq\":{seq},\"text\":\"caf\u{e9} \\\"quoted\\\"\"}}").into_bytes()
    };
    let mut publish = Publish::new(format!("lab/{}/temp", connection.0), payload);
    publish.qos = QoS::from_u8((seq % 3) as u8).unwrap_or(QoS::AtMostOnce);
    publish.retain = seq.is_multiple_of(2);
    if seq % 2 == 1 {
        publish.properties = Properties::new()
            .with(Property::ContentType("application/json".into()))
            .with(Property::UserProperty("unit".into(), "\u{b0}C".into()))
            .with(Property::CorrelationData(Bytes::from(vec![0, 255, seq as u8])))
            .with(Property::UserProperty("unit".into(), "K".into()))
            .with(Property::SubscriptionIdentifier(7));
    }
    let mut m = feed_message(connection, 1_714_566_605_123.0 + seq as f64 * 1_000.5, publish, vec![1]);
    m.seq = seq;
    m
}

fn records(connection: ConnectionId, seqs: impl IntoIterator<Item = u64>) -> Vec<HistoryRecord> {
    seqs.into_iter().map(|s| HistoryRecord::from_feed(&message(connection, s))).collect()
}

fn seqs(records: &[HistoryRecord]) -> Vec<u64> {
    records.iter().map(|r| r.seq).collect()
}

#[wasm_bindgen_test]
async fn three_batches_load_back_the_same() {
    let c = ConnectionId(101);
    let store = store().await;
    fresh(&store, &[c]).await;
    let batches = [records(c, 1..=4), records(c, 5..=5), records(c, 6..=12)];
    for batch in &batches {
        append(&store, batch).await;
    }
    let want: Vec<HistoryRecord> = batches.concat();
    let got = load(&store, c).await;
    assert_eq!(got, want);
    // Binary payloads byte-exact, properties as received.
    let binary = got.iter().find(|r| r.seq == 3).map(|r| r.payload.to_vec());
    assert_eq!(binary, Some((0..=255u8).map(|b| b.wrapping_add(3)).collect::<Vec<u8>>()));
    // And back into the feed: the same message, marked as history.
    for (record, seq) in got.iter().zip(1..) {
        let original = message(c, seq);
        assert_eq!(record.to_feed(), FeedMessage { from_history: true, colours: vec![], ..original });
    }
    // Appending nothing is no transaction and no error.
    append(&store, &[]).await;
    assert_eq!(load(&store, c).await.len(), 12);
}

#[wasm_bindgen_test]
async fn delete_oldest_deletes_up_to_and_including_the_seq() {
    let c = ConnectionId(102);
    let store = store().await;
    fresh(&store, &[c]).await;
    append(&store, &records(c, 1..=6)).await;
    store.delete_oldest(c, 2).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seqs(&load(&store, c).await), [3, 4, 5, 6]);
    // A seq below every stored one deletes nothing; one above all deletes all.
    store.delete_oldest(c, 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seqs(&load(&store, c).await), [3, 4, 5, 6]);
    store.delete_oldest(c, 1_000).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(load(&store, c).await.is_empty());
}

#[wasm_bindgen_test]
async fn clear_empties_one_connection() {
    let c = ConnectionId(103);
    let store = store().await;
    fresh(&store, &[c]).await;
    append(&store, &records(c, 1..=3)).await;
    store.clear(c).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(load(&store, c).await.is_empty());
    // Clearing what is empty is fine too.
    store.clear(c).await.unwrap_or_else(|e| panic!("{e}"));
}

#[wasm_bindgen_test]
async fn connections_are_kept_apart() {
    // Neighbouring ids, and the largest id, share seqs: their key ranges must not overlap.
    let (a, b, last) = (ConnectionId(104), ConnectionId(105), ConnectionId(u32::MAX));
    let store = store().await;
    fresh(&store, &[a, b, last]).await;
    let mut mixed = records(a, 1..=5);
    mixed.extend(records(b, 1..=5));
    append(&store, &mixed).await;
    append(&store, &records(last, 1..=2)).await;

    assert_eq!(load(&store, a).await, records(a, 1..=5));
    assert_eq!(load(&store, b).await, records(b, 1..=5));
    store.delete_oldest(a, 3).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seqs(&load(&store, a).await), [4, 5]);
    assert_eq!(seqs(&load(&store, b).await), [1, 2, 3, 4, 5]);
    store.clear(b).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(load(&store, b).await.is_empty());
    assert_eq!(seqs(&load(&store, a).await), [4, 5]);
    assert_eq!(seqs(&load(&store, last).await), [1, 2]);
    assert!(load(&store, ConnectionId(106)).await.is_empty());
}

#[wasm_bindgen_test]
async fn the_count_bound_holds_through_plan_trim_and_delete_oldest() {
    let c = ConnectionId(107);
    let store = store().await;
    fresh(&store, &[c]).await;
    let limits = HistoryLimits { max_messages: 10, ..HistoryLimits::default() };
    let mut ledger = HistoryLedger::from_records(&load(&store, c).await);
    // Five frames of five messages; after each, trim as the app does.
    for frame in 0..5u64 {
        let batch = records(c, frame * 5 + 1..=frame * 5 + 5);
        append(&store, &batch).await;
        batch.iter().for_each(|r| ledger.add(r));
        if let Some(up_to_seq) = ledger.trim(&limits).up_to_seq {
            store.delete_oldest(c, up_to_seq).await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(ledger.usage().messages <= 10);
    }
    let stored = load(&store, c).await;
    assert_eq!(seqs(&stored), (16..=25).collect::<Vec<u64>>());
    // The ledger's running totals are what a reload would count.
    assert_eq!(HistoryLedger::from_records(&stored), ledger);
}

#[wasm_bindgen_test]
async fn the_byte_bound_holds_too() {
    let c = ConnectionId(108);
    let store = store().await;
    fresh(&store, &[c]).await;
    let batch = records(c, 1..=12);
    let limits = HistoryLimits { max_messages: 1_000, max_bytes: batch[6..].iter().map(|r| r.stored_bytes()).sum() };
    append(&store, &batch).await;
    let mut ledger = HistoryLedger::from_records(&batch);
    let plan = ledger.trim(&limits);
    assert_eq!(plan.up_to_seq, Some(6));
    store.delete_oldest(c, 6).await.unwrap_or_else(|e| panic!("{e}"));
    let stored = load(&store, c).await;
    assert_eq!(seqs(&stored), (7..=12).collect::<Vec<u64>>());
    assert!(stored.iter().map(|r| r.stored_bytes()).sum::<usize>() <= limits.max_bytes);
}

#[wasm_bindgen_test]
async fn a_frame_of_a_thousand_messages_is_one_cheap_append() {
    let c = ConnectionId(109);
    let store = store().await;
    fresh(&store, &[c]).await;
    let batch = records(c, 1..=1_000);
    let start = js_sys::Date::now();
    append(&store, &batch).await;
    let elapsed = js_sys::Date::now() - start;
    console_log!("appending 1,000 records in one transaction took {elapsed} ms");
    let loaded = load(&store, c).await;
    assert_eq!(loaded.len(), 1_000);
    assert_eq!(loaded.first().map(|r| r.seq), Some(1));
    assert_eq!(loaded.last().map(|r| r.seq), Some(1_000));
    // Generous: the point is that it does not scale with a wait per record.
    assert!(elapsed < 5_000.0, "appending 1,000 records took {elapsed} ms");
    store.clear(c).await.unwrap_or_else(|e| panic!("{e}"));
}
