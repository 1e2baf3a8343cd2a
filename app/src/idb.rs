//! Stored history in the browser's IndexedDB.
//!
//! One database, `webmqtt`, with one object store, `chunks`, keyed by
//! `["c", "s"]`: the connection id and the seq of the chunk's LAST record. A
//! chunk is one write's records of one connection, packed into one byte string
//! ([`crate::history::encode_chunk`]): `{c, s, d: Uint8Array}`. One object per
//! write, not per message, so a flood costs the page one structured clone a
//! second. Keyed by the last seq, the chunks a trim removes whole ("every
//! record up to seq N") are exactly one key range; the one chunk that holds
//! records on both sides of N is rewritten without the older ones.
//!
//! The IndexedDB callbacks are awaited through a `Promise` whose `resolve` and
//! `reject` are set as the event handlers themselves: no Rust closure is made
//! per request, so none can leak. Every failure is a `String` a user can act
//! on; nothing here panics or unwraps a JS value.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbObjectStoreParameters, IdbOpenDbRequest,
    IdbRequest, IdbTransaction, IdbTransactionMode, IdbVersionChangeEvent,
};

use crate::history::{chunk_first_seq, decode_chunk, encode_chunk, HistoryRecord, CHUNK_HEAD_LEN};
use crate::workspace::ConnectionId;

pub const DATABASE_NAME: &str = "webmqtt";
/// Version 2: the `chunks` store. Version 1 (never released) stored one object
/// per message in `messages`, which the upgrade deletes.
pub const DATABASE_VERSION: u32 = 2;
pub const STORE_NAME: &str = "chunks";
const VERSION_1_STORE: &str = "messages";

/// What was being done when something failed: it starts the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    Opening,
    Saving,
    Reading,
    Deleting,
}

impl Doing {
    const fn words(self) -> &'static str {
        match self {
            Self::Opening => "Opening the stored history",
            Self::Saving => "Saving the history",
            Self::Reading => "Reading the stored history",
            Self::Deleting => "Deleting stored history",
        }
    }
}

/// A failure in words a user can act on, from the DOMException's name and
/// message (https://w3c.github.io/IndexedDB/#exceptions).
pub fn describe_failure(doing: Doing, name: &str, message: &str) -> String {
    let doing_words = doing.words();
    let detail = if message.is_empty() { name.to_owned() } else { format!("{name}: {message}") };
    match name {
        "QuotaExceededError" => format!(
            "{doing_words} failed: the browser's storage for this site is full. Lower the history limits, \
             clear the history of a connection, or free some disk space."
        ),
        // Firefox's and Safari's private windows, and a setting that blocks
        // site data, refuse IndexedDB with one of these.
        "SecurityError" | "InvalidStateError" if doing == Doing::Opening => format!(
            "{doing_words} failed: this browser does not let the page store data (a private window or \
             blocked site data does this), so history cannot be kept ({detail})."
        ),
        "UnknownError" if doing == Doing::Opening => format!(
            "{doing_words} failed: the browser could not open its storage ({detail}). A private window, \
             blocked site data or a full disk can do this."
        ),
        "VersionError" => {
            format!("{doing_words} failed: a newer version of WebMQTT wrote this history. Reload the page to get it.")
        }
        "Blocked" => format!(
            "{doing_words} is waiting for another WebMQTT tab that holds an older version open: close or \
             reload the other tabs."
        ),
        "AbortError" => format!("{doing_words} was stopped by the browser before it finished; try again ({detail})."),
        _ => format!("{doing_words} failed ({detail})."),
    }
}

/// A JS error (a DOMException, an Error or anything thrown) in words.
fn js_failure(doing: Doing, error: &JsValue) -> String {
    let (name, message) = crate::problem::js_error_parts(error);
    describe_failure(doing, &name, &message)
}

/// The browser's stored history: a handle on the open database. Cloning it
/// shares the one connection to the database.
#[derive(Debug, Clone)]
pub struct HistoryStore {
    db: IdbDatabase,
}

impl HistoryStore {
    /// Opens (and on the first visit creates) the database.
    pub async fn open() -> Result<HistoryStore, String> {
        let doing = Doing::Opening;
        let window = web_sys::window().ok_or_else(|| describe_failure(doing, "NoWindow", "not in a browser page"))?;
        let factory = match window.indexed_db() {
            Ok(Some(factory)) => factory,
            Ok(None) => return Err(describe_failure(doing, "SecurityError", "IndexedDB is not available")),
            Err(e) => return Err(js_failure(doing, &e)),
        };
        let request = factory.open_with_u32(DATABASE_NAME, DATABASE_VERSION).map_err(|e| js_failure(doing, &e))?;
        // Lives until the request settles, then is dropped with the handler unset.
        let on_upgrade = upgrade_handler(request.clone());
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let settled = settle(|resolve, reject| {
            request.set_onsuccess(Some(resolve));
            request.set_onerror(Some(reject));
            request.set_onblocked(Some(reject));
        })
        .await;
        request.set_onupgradeneeded(None);
        request.set_onsuccess(None);
        request.set_onerror(None);
        request.set_onblocked(None);
        drop(on_upgrade);
        if let Err(event) = settled {
            let blocked = event.dyn_ref::<Event>().is_some_and(|e| e.type_() == "blocked");
            return Err(if blocked {
                describe_failure(doing, "Blocked", "")
            } else {
                request_failure(doing, &request)
            });
        }
        let db = request.result().map_err(|e| js_failure(doing, &e))?;
        let db = db.dyn_into::<IdbDatabase>().map_err(|_| describe_failure(doing, "TypeError", "not a database"))?;
        Ok(HistoryStore { db })
    }

    /// Stores records, one chunk per connection among them, in one
    /// transaction (the requests are queued without waiting on each; only the
    /// transaction's end is awaited). Within a connection the seqs must rise
    /// and be above every stored one.
    pub async fn append(&self, records: &[HistoryRecord]) -> Result<(), String> {
        if records.is_empty() {
            return Ok(());
        }
        let fields = Fields::new();
        self.write(Doing::Saving, |store| {
            for run in records.chunk_by(|a, b| a.connection == b.connection) {
                store.put(&fields.chunk(run)?)?;
            }
            Ok(())
        })
        .await
    }

    /// One connection's records, oldest first. Chunks that do not read back
    /// (written by something else) are skipped.
    pub async fn load(&self, connection: ConnectionId) -> Result<Vec<HistoryRecord>, String> {
        let doing = Doing::Reading;
        let request = self
            .transaction(IdbTransactionMode::Readonly)
            .and_then(|(_, store)| store.get_all_with_key(&key_range(connection, None, None)?))
            .map_err(|e| js_failure(doing, &e))?;
        let values = await_request(doing, &request).await?;
        let fields = Fields::new();
        Ok(Array::from(&values).iter().filter_map(|v| fields.records_of(connection, &v)).flatten().collect())
    }

    /// Deletes a connection's records up to and including `up_to_seq`: the
    /// oldest ones, as [`crate::history::plan_trim`] says.
    pub async fn delete_oldest(&self, connection: ConnectionId, up_to_seq: u64) -> Result<(), String> {
        // The first chunk that ends after the cut may begin before it.
        let doing = Doing::Deleting;
        let request = self
            .transaction(IdbTransactionMode::Readonly)
            .and_then(|(_, store)| {
                store.get_all_with_key_and_limit(&key_range(connection, Some(up_to_seq.saturating_add(1)), None)?, 1)
            })
            .map_err(|e| js_failure(doing, &e))?;
        let fields = Fields::new();
        // Only a chunk that straddles the cut is read whole (in a flood, the cut
        // usually falls between chunks).
        let straddling = Array::from(&await_request(doing, &request).await?)
            .iter()
            .next()
            .filter(|v| fields.first_seq_of(v).is_some_and(|first| first <= up_to_seq))
            .and_then(|v| fields.records_of(connection, &v));
        self.write(doing, |store| {
            store.delete(&key_range(connection, None, Some(up_to_seq))?)?;
            if let Some(records) = straddling {
                let kept: Vec<HistoryRecord> = records.into_iter().filter(|r| r.seq > up_to_seq).collect();
                store.put(&fields.chunk(&kept)?)?;
            }
            Ok(())
        })
        .await
    }

    /// Deletes all of a connection's records.
    pub async fn clear(&self, connection: ConnectionId) -> Result<(), String> {
        self.write(Doing::Deleting, |store| store.delete(&key_range(connection, None, None)?).map(drop)).await
    }

    /// Deletes every connection's records.
    pub async fn clear_all(&self) -> Result<(), String> {
        self.write(Doing::Deleting, |store| store.clear().map(drop)).await
    }

    /// Closes the connection to the database once pending transactions end.
    pub fn close(&self) {
        self.db.close();
    }

    fn transaction(&self, mode: IdbTransactionMode) -> Result<(IdbTransaction, IdbObjectStore), JsValue> {
        let transaction = self.db.transaction_with_str_and_mode(STORE_NAME, mode)?;
        let store = transaction.object_store(STORE_NAME)?;
        Ok((transaction, store))
    }

    /// Runs `queue` (which places requests) in one read-write transaction and
    /// waits until the transaction has committed, or says why it did not.
    async fn write(
        &self,
        doing: Doing,
        queue: impl FnOnce(&IdbObjectStore) -> Result<(), JsValue>,
    ) -> Result<(), String> {
        let (transaction, store) =
            self.transaction(IdbTransactionMode::Readwrite).map_err(|e| js_failure(doing, &e))?;
        if let Err(e) = queue(&store) {
            // Nothing of a half-queued batch is kept.
            let _ = transaction.abort();
            return Err(js_failure(doing, &e));
        }
        // Handlers set before control returns to the browser see every event.
        let settled = settle(|resolve, reject| {
            transaction.set_oncomplete(Some(resolve));
            transaction.set_onerror(Some(reject));
            transaction.set_onabort(Some(reject));
        })
        .await;
        transaction.set_oncomplete(None);
        transaction.set_onerror(None);
        transaction.set_onabort(None);
        settled.map(drop).map_err(|event| transaction_failure(doing, &transaction, &event))
    }
}

/// Creates the store when the database is new, and drops version 1's.
fn upgrade_handler(request: IdbOpenDbRequest) -> Closure<dyn FnMut(IdbVersionChangeEvent)> {
    Closure::new(move |event: IdbVersionChangeEvent| {
        if event.old_version() >= f64::from(DATABASE_VERSION) {
            return;
        }
        let created = request.result().and_then(|db| {
            let db: IdbDatabase = db.unchecked_into();
            if db.object_store_names().contains(VERSION_1_STORE) {
                db.delete_object_store(VERSION_1_STORE)?;
            }
            let parameters = IdbObjectStoreParameters::new();
            parameters.set_key_path(&Array::of2(&JsValue::from_str("c"), &JsValue::from_str("s")));
            db.create_object_store_with_optional_parameters(STORE_NAME, &parameters)
        });
        // A store that cannot be made: abort, and the open request fails with why.
        if created.is_err() {
            if let Some(transaction) = request.transaction() {
                let _ = transaction.abort();
            }
        }
    })
}

/// Waits for one of a request's or a transaction's events: `set_handlers`
/// gets the `resolve` and `reject` functions of a Promise and sets them as the
/// handlers. Ok with the success event, Err with the failure event.
async fn settle(set_handlers: impl FnOnce(&Function, &Function)) -> Result<JsValue, JsValue> {
    let mut set_handlers = Some(set_handlers);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(set) = set_handlers.take() {
            set(&resolve, &reject);
        }
    });
    JsFuture::from(promise).await
}

/// A request's result, or why it failed.
async fn await_request(doing: Doing, request: &IdbRequest) -> Result<JsValue, String> {
    let settled = settle(|resolve, reject| {
        request.set_onsuccess(Some(resolve));
        request.set_onerror(Some(reject));
    })
    .await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match settled {
        Ok(_) => request.result().map_err(|e| js_failure(doing, &e)),
        Err(_) => Err(request_failure(doing, request)),
    }
}

fn request_failure(doing: Doing, request: &IdbRequest) -> String {
    match request.error() {
        Ok(Some(e)) => describe_failure(doing, &e.name(), &e.message()),
        Ok(None) => describe_failure(doing, "UnknownError", ""),
        Err(e) => js_failure(doing, &e),
    }
}

/// The transaction's error, or else that of the request whose error event
/// reached the transaction (the transaction's is set only once it aborts).
fn transaction_failure(doing: Doing, transaction: &IdbTransaction, event: &JsValue) -> String {
    if let Some(e) = transaction.error() {
        return describe_failure(doing, &e.name(), &e.message());
    }
    let request = event.dyn_ref::<Event>().and_then(Event::target).and_then(|t| t.dyn_into::<IdbRequest>().ok());
    match request {
        Some(request) => request_failure(doing, &request),
        None => describe_failure(doing, "AbortError", "the transaction was aborted"),
    }
}

/// One connection's keys from `from_seq` to `up_to_seq` (each open when
/// None). IndexedDB orders array keys element by element, so these bounds
/// hold exactly that connection's keys.
fn key_range(connection: ConnectionId, from_seq: Option<u64>, up_to_seq: Option<u64>) -> Result<JsValue, JsValue> {
    let c = JsValue::from(connection.0);
    let lower = from_seq.map_or(f64::NEG_INFINITY, |s| s as f64);
    let upper = up_to_seq.map_or(f64::INFINITY, |s| s as f64);
    IdbKeyRange::bound(&Array::of2(&c, &JsValue::from(lower)), &Array::of2(&c, &JsValue::from(upper))).map(JsValue::from)
}

/// The stored objects' field names as JS strings, made once per call.
struct Fields {
    connection: JsValue,
    last_seq: JsValue,
    data: JsValue,
}

impl Fields {
    fn new() -> Self {
        let s = JsValue::from_str;
        Self { connection: s("c"), last_seq: s("s"), data: s("d") }
    }

    /// A chunk of one connection's records (seqs rising).
    fn chunk(&self, records: &[HistoryRecord]) -> Result<JsValue, JsValue> {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            return Err(JsValue::from_str("an empty chunk"));
        };
        let object = Object::new();
        let set = |key: &JsValue, value: JsValue| Reflect::set(&object, key, &value).map(drop);
        set(&self.connection, JsValue::from(first.connection.0))?;
        // Seqs stay far below 2^53, where f64 is exact.
        set(&self.last_seq, JsValue::from(last.seq as f64))?;
        // One copy into JS memory of the packed records.
        set(&self.data, Uint8Array::from(encode_chunk(records).as_slice()).into())?;
        Ok(object.into())
    }

    /// The seq of a stored chunk's first record, read from its first bytes
    /// only; None when it is not a chunk.
    fn first_seq_of(&self, value: &JsValue) -> Option<u64> {
        let data = Reflect::get(value, &self.data).ok()?.dyn_into::<Uint8Array>().ok()?;
        chunk_first_seq(&data.subarray(0, CHUNK_HEAD_LEN as u32).to_vec())
    }

    /// A stored chunk's records; None when it is not a chunk.
    fn records_of(&self, connection: ConnectionId, value: &JsValue) -> Option<Vec<HistoryRecord>> {
        let data = Reflect::get(value, &self.data).ok()?.dyn_into::<Uint8Array>().ok()?.to_vec();
        decode_chunk(connection, &data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_in_words_a_user_can_act_on() {
        let full = describe_failure(Doing::Saving, "QuotaExceededError", "quota");
        assert!(full.starts_with("Saving the history failed") && full.contains("storage for this site is full"));
        let private = describe_failure(Doing::Opening, "InvalidStateError", "A mutation operation was attempted");
        assert!(private.contains("private window"), "{private}");
        assert!(describe_failure(Doing::Opening, "Blocked", "").contains("close or reload the other tabs"));
        assert!(describe_failure(Doing::Opening, "VersionError", "").contains("Reload the page"));
        let other = describe_failure(Doing::Deleting, "DataError", "bad key");
        assert_eq!(other, "Deleting stored history failed (DataError: bad key).");
        assert_eq!(describe_failure(Doing::Reading, "X", ""), "Reading the stored history failed (X).");
    }
}
