//! WebMQTT: the browser app.
//!
//! `src/main.rs` only mounts [`App`]. Data walks one way: WebSocket bytes
//! ([`transport`]) → the codec's session → [`connection`] → one [`ingest`]
//! step into the models ([`feed`], [`topic_tree`], [`ttn`]) → the
//! [`components`] that show them. The [`workspace`] holds every connection and
//! what is saved of it; the forms' checks live in [`settings`],
//! [`publish_form`], [`payload`], [`broker_url`] and [`form`], tested natively.

pub mod base64;
pub mod bridge;
pub mod broker_url;
pub mod commands;
pub mod components;
pub mod connection;
pub mod export;
pub mod feed;
pub mod feed_listing;
pub mod form;
pub mod history;
pub mod idb;
pub mod ingest;
pub mod iotlab;
pub mod json;
pub mod number_text;
pub mod payload;
pub mod problem;
pub mod publish_form;
pub mod scope;
pub mod settings;
pub mod theme;
pub mod topic_tree;
pub mod transport;
pub mod ttn;
pub mod workspace;

use leptos::prelude::*;

use components::{
    AppHeader, ConnectionList, ConnectionPanel, FeedPanel, LabsPanel, PublishPanel, StatusBar, SubscriptionsPanel, TopicTreePanel,
    TtnPanel, WorkspaceNotice,
};
use connection::Connection;
use feed::FeedFilter;
use workspace::Workspace;

/// The app's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The panels beside the feed, one open at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Messages,
    Topics,
    Ttn,
    Labs,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Messages, Tab::Topics, Tab::Ttn, Tab::Labs];

    fn id(self) -> &'static str {
        match self {
            Tab::Messages => "tab-messages",
            Tab::Topics => "tab-topics",
            Tab::Ttn => "tab-ttn",
            Tab::Labs => "tab-labs",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Messages => "Messages",
            Tab::Topics => "Topics",
            Tab::Ttn => "The Things Network",
            Tab::Labs => "Labs and bridges",
        }
    }
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let ws = Workspace::provide(&search);
    // A link with a preset (a teacher's ?preset=iotlab) opens on its form.
    let link_has_preset = workspace::share_link::SharedSetup::parse(&search).0.preset.is_some();
    let tab = RwSignal::new(if link_has_preset { Tab::Labs } else { Tab::Messages });
    // What the feed shows; the topic tree narrows it too.
    let filter = RwSignal::new(FeedFilter::default());
    // The panels are drawn again only when another connection is chosen.
    let current = Memo::new(move |_| ws.selected_connection().map(|c| c.id));
    // The connection form is drawn first, and the rest of the page (status,
    // subscriptions, feed, publish form) once the browser has shown it: on a slow
    // phone the Connect button is there sooner, and a returning user's first
    // move is to press it. (After the next frame, not in it: a frame callback
    // runs before that frame is painted.)
    let page_drawn = RwSignal::new(false);
    request_animation_frame(move || set_timeout(move || page_drawn.set(true), std::time::Duration::ZERO));
    let connection = move || current.get().and_then(|id| untrack(|| ws.get(id)));

    view! {
        <AppHeader />
        <WorkspaceNotice />
        <div class="workspace">
            <aside class="sidebar">
                <ConnectionList />
                {move || connection().map(|conn| view! { <ConnectionPanel conn=conn /> })}
            </aside>
            <main class="main">
                {move || {
                    page_drawn.get().then(connection).flatten().map(|conn| view! { <ConnectionView conn=conn filter=filter tab=tab /> })
                }}
            </main>
        </div>
    }
}

/// The selected connection: its status, subscriptions, the feed (or the
/// topic tree, or The Things Network) and the publish form docked below.
#[component]
fn ConnectionView(conn: Connection, filter: RwSignal<FeedFilter>, tab: RwSignal<Tab>) -> impl IntoView {
    view! {
        <StatusBar conn=conn />
        <SubscriptionsPanel conn=conn />
        <div class="tabs" role="tablist" aria-label="Views">
            {Tab::ALL.map(|t| view! {
                <button type="button" role="tab" id=t.id() aria-controls=format!("{}-panel", t.id())
                    aria-selected=move || (tab.get() == t).to_string()
                    tabindex=move || if tab.get() == t { "0" } else { "-1" }
                    on:click=move |_| tab.set(t)
                    on:keydown=move |ev| {
                        let i = Tab::ALL.iter().position(|x| *x == t).unwrap_or(0);
                        let next = match ev.key().as_str() {
                            "ArrowRight" => Some(Tab::ALL[(i + 1) % Tab::ALL.len()]),
                            "ArrowLeft" => Some(Tab::ALL[(i + Tab::ALL.len() - 1) % Tab::ALL.len()]),
                            _ => None,
                        };
                        if let Some(n) = next {
                            tab.set(n);
                            if let Some(el) = document().get_element_by_id(n.id()) {
                                let _ = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).focus();
                            }
                        }
                    }>
                    {t.label()}
                </button>
            }).collect_view()}
        </div>
        <div class="tab-panel" role="tabpanel" id=move || format!("{}-panel", tab.get().id())
            aria-labelledby=move || tab.get().id()>
            {move || match tab.get() {
                Tab::Messages => view! { <FeedPanel conn=conn filter=filter /> }.into_any(),
                Tab::Topics => view! {
                    <TopicTreePanel conn=conn filter=filter show_feed=Callback::new(move |()| tab.set(Tab::Messages)) />
                }.into_any(),
                Tab::Ttn => view! { <TtnPanel conn=conn /> }.into_any(),
                Tab::Labs => view! { <LabsPanel conn=conn /> }.into_any(),
            }}
        </div>
        <PublishPanel conn=conn />
    }
}
