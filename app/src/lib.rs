//! WebMQTT: the browser app.
//!
//! `src/main.rs` only mounts [`App`]. The components live in [`components`];
//! the codec's session engine over a WebSocket in [`transport`]; the running
//! client in [`client`]; what the forms hold and check, natively testable, in
//! [`settings`], [`publish_form`], [`payload`], [`broker_url`] and [`feed`].

pub mod broker_url;
pub mod client;
pub mod components;
pub mod feed;
pub mod payload;
pub mod problem;
pub mod publish_form;
pub mod settings;
pub mod transport;
pub mod topic_tree;
pub mod ttn;

use leptos::prelude::*;

use client::Client;
use components::{
    ConnectionPanel, FeedPanel, PublishPanel, StatusBar, SubscriptionsPanel, TopicTreePanel, TtnPanel,
};
use feed::FeedFilter;
use settings::{random_client_id, ConnectionSettings, LinkPrefill};

/// The app's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What `?url=…&topic=…` in the page's address pre-fills.
fn link_prefill() -> LinkPrefill {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else { return LinkPrefill::default() };
    let get = |k: &str| params.get(k);
    let pairs: Vec<(&str, String)> =
        ["url", "topic", "username", "version"].into_iter().filter_map(|k| get(k).map(|v| (k, v))).collect();
    LinkPrefill::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let client = Client::new();
    let prefill = link_prefill();
    let mut initial = ConnectionSettings { client_id: random_client_id(js_sys::Math::random), ..Default::default() };
    if let Some(url) = prefill.url {
        initial.url = url;
    }
    if let Some(username) = prefill.username {
        initial.username = username;
    }
    if let Some(version) = prefill.version {
        initial.version = version;
    }
    let settings = RwSignal::new(initial);
    let initial_filter = prefill.topic.unwrap_or_default();
    // What the feed shows; the topic tree narrows it too.
    let feed_filter = RwSignal::new(FeedFilter::default());

    view! {
        <header class="app-header">
            <h1>"WebMQTT"</h1>
            <span id="app-version" class="app-version">{format!("v{VERSION}")}</span>
        </header>
        <StatusBar client=client />
        <main class="app">
            <div class="column">
                <ConnectionPanel client=client settings=settings />
                <SubscriptionsPanel client=client initial_filter=initial_filter />
                <PublishPanel client=client />
            </div>
            <div class="column wide">
                <FeedPanel client=client filter=feed_filter />
                <TopicTreePanel client=client filter=feed_filter />
                <TtnPanel client=client settings=settings />
            </div>
        </main>
    }
}
