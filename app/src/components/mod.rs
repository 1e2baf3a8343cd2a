//! The app's components: connection, status, subscriptions, feed and publish.

mod connection;
mod feed;
mod publish;
mod status;
mod subscriptions;
mod topic_tree;
mod ttn;

pub use connection::ConnectionPanel;
pub use feed::FeedPanel;
pub use publish::PublishPanel;
pub use status::StatusBar;
pub use subscriptions::SubscriptionsPanel;
pub use topic_tree::TopicTreePanel;
pub use ttn::TtnPanel;

/// `HH:MM:SS.mmm` in local time.
pub(crate) fn clock_time(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:02}:{:02}:{:02}.{:03}", d.get_hours(), d.get_minutes(), d.get_seconds(), d.get_milliseconds())
}

/// A byte count as people read it.
pub(crate) fn size(bytes: usize) -> String {
    match bytes {
        0..=1023 => format!("{bytes} B"),
        1024..=1_048_575 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
