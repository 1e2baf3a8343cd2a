//! The app's components. They show the models and forward what the user does;
//! the logic lives in the models (`workspace`, `connection`, `feed`, …).

mod connection;
mod connections;
mod feed;
mod fields;
mod header;
mod labs;
mod publish;
mod scope;
mod status;
mod subscriptions;
mod topic_tree;
mod ttn;

pub use connection::ConnectionPanel;
pub use connections::ConnectionList;
pub use feed::FeedPanel;
pub use header::{AppHeader, WorkspaceNotice};
pub use labs::LabsPanel;
pub use publish::PublishPanel;
pub use status::StatusBar;
pub use subscriptions::SubscriptionsPanel;
pub use topic_tree::TopicTreePanel;
pub use ttn::TtnPanel;

use leptos::prelude::*;

use crate::number_text::one_decimal;

/// A list that keeps its rows while it changes (Leptos's keyed `<For>`), for
/// every such list of the app: the feed's rows, the topic tree, the TTN log.
/// Each `<For>` brings its own copy of the keyed diff into the download (some
/// 8 KB of code each); made once here, keyed by a number and drawing rows as
/// `AnyView`s, the lists share one. `row` draws the row of a key when the key
/// first appears; a key that stays keeps its row.
#[component]
pub(crate) fn KeyedRows(keys: Signal<Vec<u64>>, row: Callback<u64, AnyView>) -> impl IntoView {
    view! { <For each=move || keys.get() key=|k| *k children=move |k| row.run(k) /> }
}

/// `HH:MM:SS.mmm` in local time.
pub(crate) fn clock_time(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:02}:{:02}:{:02}.{:03}", d.get_hours(), d.get_minutes(), d.get_seconds(), d.get_milliseconds())
}

/// A byte count as people read it.
pub(crate) fn size(bytes: usize) -> String {
    match bytes {
        0..=1023 => format!("{bytes} B"),
        1024..=1_048_575 => format!("{} KiB", one_decimal(bytes as f64 / 1024.0)),
        _ => format!("{} MiB", one_decimal(bytes as f64 / 1_048_576.0)),
    }
}

/// Whether the page came over https (it may then open only wss://).
pub(crate) fn page_is_https() -> bool {
    web_sys::window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:")
}

/// Offers `text` as a file download (a Blob behind a temporary link).
pub(crate) fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "The browser could not make the file.")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "The browser could not make the file.")?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("No document.")?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|_| "No link.")?.dyn_into().map_err(|_| "No link.")?;
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
