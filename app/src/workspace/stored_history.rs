//! Received messages kept in the browser (IndexedDB), per connection, bounded
//! by count and by bytes, restored (and marked as history) when the page opens.
//!
//! Each batch the feed shows is written at once, except in a flood: after a
//! write of [`FLOOD_RECORDS`] or more, writes are gathered and made at most once
//! per [`FLUSH_MS`], keeping only the newest messages that the bound lets stay:
//! in a flood of 30,000 messages a second with a bound of 5,000, that is 5,000
//! records written a second, not 30,000 written and 25,000 deleted (see
//! [`flush_delay_ms`]). Not waiting otherwise matters: the write started when the
//! page is hidden or closed may not finish, and a user who reloads right after a
//! message arrived must still find it.
//!
//! The store's keys are (connection, key) with keys that keep rising across
//! reloads (the ledger's last key + 1), not the feed's sequence numbers,
//! which start again at every page load.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use crate::connection::{remaining_ms, Connection};
use crate::feed::FeedMessage;
use crate::history::{HistoryLedger, HistoryLimits, HistoryRecord, HistoryUsage};
use crate::idb::HistoryStore;
use crate::workspace::ConnectionId;

const ENABLED_KEY: &str = "webmqtt.history.enabled";
const LIMITS_KEY: &str = "webmqtt.history.limits";
/// The longest a received message waits to be written.
pub const FLUSH_MS: u32 = 1_000;

/// A write this large means a flood: the next one waits for [`FLUSH_MS`].
pub const FLOOD_RECORDS: usize = 500;

/// The workspace's stored history, as the header shows and sets it.
#[derive(Clone, Copy)]
pub struct StoredHistory {
    pub enabled: RwSignal<bool>,
    pub limits: RwSignal<HistoryLimits>,
    /// Every connection's stored messages and bytes, added up.
    pub usage: RwSignal<HistoryUsage>,
    /// Why history does not work in this browser, if it does not.
    pub unavailable: RwSignal<Option<String>>,
    inner: StoredValue<Rc<RefCell<Inner>>, LocalStorage>,
}

struct Inner {
    store: Option<HistoryStore>,
    ledgers: HashMap<ConnectionId, HistoryLedger>,
    /// Received, not written yet, per connection (oldest first).
    pending: HashMap<ConnectionId, VecDeque<HistoryRecord>>,
    flush_timer: Option<Timeout>,
    /// When the last write was started (`js_sys::Date::now()`).
    last_flush_ms: f64,
    /// How many records it wrote.
    last_flush_records: usize,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            store: None,
            ledgers: HashMap::new(),
            pending: HashMap::new(),
            flush_timer: None,
            last_flush_ms: f64::NEG_INFINITY,
            last_flush_records: 0,
        }
    }
}

/// How long what arrives `since_last_ms` after the last write, which wrote
/// `last_records`, waits to be written: nothing, unless that write was a
/// flood's, and then the rest of [`FLUSH_MS`].
fn flush_delay_ms(since_last_ms: f64, last_records: usize) -> u32 {
    if last_records >= FLOOD_RECORDS {
        remaining_ms(since_last_ms, f64::from(FLUSH_MS))
    } else {
        0
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

impl StoredHistory {
    pub fn new() -> Self {
        let s = storage();
        let get = |k: &str| s.as_ref().and_then(|s| s.get_item(k).ok().flatten());
        let limits = get(LIMITS_KEY)
            .and_then(|v| {
                let (m, b) = v.split_once(' ')?;
                Some(HistoryLimits { max_messages: m.parse().ok()?, max_bytes: b.parse().ok()? })
            })
            .unwrap_or_default();
        let this = Self {
            enabled: RwSignal::new(get(ENABLED_KEY).as_deref() != Some("off")),
            limits: RwSignal::new(limits),
            usage: RwSignal::new(HistoryUsage::default()),
            unavailable: RwSignal::new(None),
            inner: StoredValue::new_local(Rc::new(RefCell::new(Inner::default()))),
        };
        Effect::new(move |_| {
            let (on, l) = (this.enabled.get(), this.limits.get());
            if let Some(s) = storage() {
                let _ = s.set_item(ENABLED_KEY, if on { "on" } else { "off" });
                let _ = s.set_item(LIMITS_KEY, &format!("{} {}", l.max_messages, l.max_bytes));
            }
        });
        this
    }

    fn inner(&self) -> Rc<RefCell<Inner>> {
        self.inner.get_value()
    }

    /// Opens the store and restores each connection's messages; then every
    /// connection's batches are stored as they arrive.
    pub fn start(self, connections: Vec<Connection>) {
        for c in &connections {
            self.attach(*c);
        }
        // Closing or reloading the page writes what is still pending.
        let on_hide = window_event_listener(leptos::ev::pagehide, move |_| {
            if self.inner.try_get_value().is_some() {
                self.flush();
            }
        });
        on_cleanup(move || on_hide.remove());
        wasm_bindgen_futures::spawn_local(async move {
            let store = match HistoryStore::open().await {
                Ok(s) => s,
                Err(e) => {
                    self.unavailable.set(Some(e));
                    return;
                }
            };
            self.inner().borrow_mut().store = Some(store.clone());
            for c in connections {
                self.restore(&store, c).await;
            }
        });
    }

    async fn restore(self, store: &HistoryStore, conn: Connection) {
        let records = match store.load(conn.id).await {
            Ok(r) => r,
            Err(e) => {
                self.unavailable.set(Some(e));
                return;
            }
        };
        let ledger = HistoryLedger::from_records(&records);
        self.inner().borrow_mut().ledgers.insert(conn.id, ledger);
        self.refresh_usage();
        if !records.is_empty() {
            conn.restore_history(records.iter().map(HistoryRecord::to_feed).collect());
        }
    }

    /// Stores `conn`'s received batches from now on.
    pub fn attach(self, conn: Connection) {
        conn.on_batch(Rc::new(move |id, batch| self.append(id, batch)));
    }

    fn append(self, id: ConnectionId, batch: &[FeedMessage]) {
        if !self.enabled.get_untracked() || batch.is_empty() {
            return;
        }
        let max = self.limits.get_untracked().max_messages;
        let inner = self.inner();
        let mut inner = inner.borrow_mut();
        if inner.store.is_none() {
            return;
        }
        let pending = inner.pending.entry(id).or_default();
        // More than the bound in one go: only the newest can stay anyway.
        pending.extend(batch[batch.len().saturating_sub(max)..].iter().map(HistoryRecord::from_feed));
        while pending.len() > max {
            pending.pop_front();
        }
        if inner.flush_timer.is_none() {
            let delay = flush_delay_ms(js_sys::Date::now() - inner.last_flush_ms, inner.last_flush_records);
            inner.flush_timer = Some(Timeout::new(delay, move || self.flush()));
        }
    }

    /// Writes what is pending: per connection one append, then the trim
    /// that keeps the bounds.
    pub fn flush(self) {
        let limits = self.limits.get_untracked();
        let inner = self.inner();
        let mut inner = inner.borrow_mut();
        inner.flush_timer = None;
        let Some(store) = inner.store.clone() else { return };
        inner.last_flush_ms = js_sys::Date::now();
        let pending: Vec<(ConnectionId, VecDeque<HistoryRecord>)> = inner.pending.drain().collect();
        inner.last_flush_records = pending.iter().map(|(_, records)| records.len()).sum();
        let mut writes = Vec::new();
        for (id, records) in pending {
            let ledger = inner.ledgers.entry(id).or_default();
            let mut key = ledger.last_seq().unwrap_or(0);
            let records: Vec<HistoryRecord> = records
                .into_iter()
                .map(|r| {
                    key += 1;
                    HistoryRecord { seq: key, ..r }
                })
                .collect();
            records.iter().for_each(|r| ledger.add(r));
            writes.push((id, records, ledger.trim(&limits).up_to_seq));
        }
        drop(inner);
        self.refresh_usage();
        let unavailable = self.unavailable;
        wasm_bindgen_futures::spawn_local(async move {
            for (id, records, trim) in writes {
                // Both are readwrite transactions on one store: IndexedDB runs
                // them in the order they were made, so the trim follows the append.
                let appended = store.append(&records).await;
                let trimmed = match trim {
                    Some(seq) => store.delete_oldest(id, seq).await,
                    None => Ok(()),
                };
                if let Err(e) = appended.and(trimmed) {
                    unavailable.set(Some(e));
                }
            }
        });
    }

    fn refresh_usage(&self) {
        let total: HistoryUsage = self.inner().borrow().ledgers.values().map(HistoryLedger::usage).sum();
        self.usage.set(total);
    }

    /// Applies new limits now (trimming what is stored).
    pub fn set_limits(self, limits: HistoryLimits) {
        self.limits.set(limits);
        let inner = self.inner();
        let mut inner = inner.borrow_mut();
        let Some(store) = inner.store.clone() else { return };
        let trims: Vec<(ConnectionId, u64)> = inner
            .ledgers
            .iter_mut()
            .filter_map(|(id, l)| l.trim(&limits).up_to_seq.map(|s| (*id, s)))
            .collect();
        drop(inner);
        self.refresh_usage();
        wasm_bindgen_futures::spawn_local(async move {
            for (id, seq) in trims {
                let _ = store.delete_oldest(id, seq).await;
            }
        });
    }

    /// Deletes what is stored for `id` (the connection was removed, or the user asked).
    pub fn clear(self, id: ConnectionId) {
        let inner = self.inner();
        let store = {
            let mut inner = inner.borrow_mut();
            inner.pending.remove(&id);
            if let Some(l) = inner.ledgers.get_mut(&id) {
                l.clear();
            }
            inner.store.clone()
        };
        self.refresh_usage();
        if let Some(store) = store {
            let unavailable = self.unavailable;
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = store.clear(id).await {
                    unavailable.set(Some(e));
                }
            });
        }
    }
}

impl Default for StoredHistory {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_written_at_once_a_flood_once_a_second() {
        assert_eq!(flush_delay_ms(f64::INFINITY, 0), 0, "the first write (none before) starts at once");
        assert_eq!(flush_delay_ms(0.0, 1), 0, "a stream's batches are written as they come");
        assert_eq!(flush_delay_ms(100.0, FLOOD_RECORDS - 1), 0);
        assert_eq!(flush_delay_ms(0.0, FLOOD_RECORDS), FLUSH_MS, "after a flood's write, the next waits");
        assert_eq!(flush_delay_ms(250.0, 5_000), 750);
        assert_eq!(flush_delay_ms(999.5, 5_000), 1);
        assert_eq!(flush_delay_ms(f64::from(FLUSH_MS), 5_000), 0);
        assert_eq!(flush_delay_ms(5_000.0, 5_000), 0, "a message after a flood and a pause is written at once");
        assert_eq!(flush_delay_ms(-3_600_000.0, 5_000), 0, "a clock set back is no reason to wait");
}
}
