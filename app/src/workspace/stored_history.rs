//! Received messages kept in the browser (IndexedDB), per connection, bounded
//! by count and by bytes: written once per frame after the models took the
//! batch, restored (and marked as history) when the page opens.
//!
//! The store's keys are (connection, key) with keys that keep rising across
//! reloads (the ledger's last key + 1), not the feed's sequence numbers,
//! which start again at every page load.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;

use crate::connection::Connection;
use crate::feed::FeedMessage;
use crate::history::{HistoryLedger, HistoryLimits, HistoryRecord, HistoryUsage};
use crate::idb::HistoryStore;
use crate::workspace::ConnectionId;

const ENABLED_KEY: &str = "webmqtt.history.enabled";
const LIMITS_KEY: &str = "webmqtt.history.limits";

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

#[derive(Default)]
struct Inner {
    store: Option<HistoryStore>,
    ledgers: HashMap<ConnectionId, HistoryLedger>,
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
        let limits = self.limits.get_untracked();
        let inner = self.inner();
        let mut inner = inner.borrow_mut();
        let Some(store) = inner.store.clone() else { return };
        let ledger = inner.ledgers.entry(id).or_default();
        // More than the limit in one frame: only the newest can stay anyway.
        let skip = batch.len().saturating_sub(limits.max_messages);
        let mut key = ledger.last_seq().unwrap_or(0);
        let records: Vec<HistoryRecord> = batch[skip..]
            .iter()
            .map(|m| {
                key += 1;
                HistoryRecord { seq: key, ..HistoryRecord::from_feed(m) }
            })
            .collect();
        records.iter().for_each(|r| ledger.add(r));
        let trim = ledger.trim(&limits);
        drop(inner);
        self.refresh_usage();
        let unavailable = self.unavailable;
        wasm_bindgen_futures::spawn_local(async move {
            // Both are readwrite transactions on one store: IndexedDB runs them
            // in the order they were made, so the trim follows the append.
            let appended = store.append(&records).await;
            let trimmed = match trim.up_to_seq {
                Some(seq) => store.delete_oldest(id, seq).await,
                None => Ok(()),
            };
            if let Err(e) = appended.and(trimmed) {
                unavailable.set(Some(e));
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
