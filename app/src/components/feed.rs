//! The message feed: newest first, filterable, pausable; a row expands to the
//! whole payload and every MQTT 5.0 property. Everything from the broker is
//! rendered as text nodes, never as HTML.

use leptos::prelude::*;
use webmqtt_codec::Property;

use super::{clock_time, size};
use crate::client::Client;
use crate::feed::{FeedFilter, FeedMessage};
use crate::payload::{self, PayloadFormat};

/// Rows rendered at most; the buffer keeps more (see the header).
pub const MAX_ROWS: usize = 200;

#[component]
pub fn FeedPanel(client: Client) -> impl IntoView {
    let state = client.state;
    let filter = RwSignal::new(FeedFilter::default());
    let view_format = RwSignal::new(PayloadFormat::Text);
    // The newest sequence number shown while paused; reception goes on.
    let paused_at = RwSignal::new(None::<u64>);

    let rows = Memo::new(move |_| {
        let limit = paused_at.get().unwrap_or(u64::MAX);
        filter.with(|f| {
            state.feed.with(|feed| {
                feed.iter().rev().filter(|m| m.seq <= limit && f.accepts(m)).take(MAX_ROWS).cloned().collect::<Vec<_>>()
            })
        })
    });
    let header = move || {
        state.feed.with(|f| {
            format!(
                "{} received · {} in buffer (max {}) · {} dropped · {:.1} msg/s",
                f.received(),
                f.len(),
                f.capacity(),
                f.dropped(),
                state.rate.get()
            )
        })
    };
    let toggle_pause = move |_| {
        let newest = state.feed.with_untracked(|f| f.received());
        paused_at.update(|p| *p = if p.is_some() { None } else { Some(newest) });
    };

    view! {
        <section class="panel feed" aria-labelledby="feed-heading">
            <h2 id="feed-heading">"Messages"</h2>
            <p id="feed-counts" class="feed-counts" aria-live="off">{header}</p>
            <div class="row feed-controls">
                <button id="feed-pause" type="button" aria-pressed=move || paused_at.get().is_some().to_string()
                    on:click=toggle_pause>
                    {move || if paused_at.get().is_some() { "Resume" } else { "Pause" }}
                </button>
                <button id="feed-clear" type="button" on:click=move |_| state.feed.update(|f| f.clear())>"Clear"</button>
                <div class="field">
                    <label for="feed-filter-topic">"Topic filter"</label>
                    <input id="feed-filter-topic" type="search" spellcheck="false"
                        on:input=move |ev| filter.update(|f| f.topic = event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="feed-filter-text">"Text"</label>
                    <input id="feed-filter-text" type="search"
                        on:input=move |ev| filter.update(|f| f.text = event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="feed-format">"Show payloads as"</label>
                    <select id="feed-format"
                        on:change=move |ev| view_format.set(PayloadFormat::from_key(&event_target_value(&ev)).unwrap_or_default())>
                        {PayloadFormat::ALL.map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <Show when=move || paused_at.get().is_some()>
                <p class="paused-note" role="status">"Paused: messages are still received and counted."</p>
            </Show>
            <ol id="feed-list" class="feed-list">
                <For each=move || rows.get() key=|m| m.seq let:message>
                    <FeedRow message=message view_format=view_format />
                </For>
            </ol>
        </section>
    }
}

#[component]
fn FeedRow(message: FeedMessage, view_format: RwSignal<PayloadFormat>) -> impl IntoView {
    let expanded = RwSignal::new(false);
    // None: follow the global choice.
    let row_format = RwSignal::new(None::<PayloadFormat>);
    let format = move || row_format.get().unwrap_or_else(|| view_format.get());
    let payload_bytes = message.payload.clone();
    let shown = move || payload::render(&payload_bytes, format()).0;
    let properties = message.properties.clone();
    let seq = message.seq;

    view! {
        <li class="message" data-seq=seq.to_string() data-topic=message.topic.clone()>
            <button type="button" class="message-summary" aria-expanded=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|e| *e = !*e)>
                <span class="colours" aria-hidden="true">
                    {message.colours.iter().map(|c| view! { <span class=format!("swatch sub-colour-{c}")></span> }).collect_view()}
                </span>
                <time class="time">{clock_time(message.received_at_ms)}</time>
                <span class="topic">{message.topic.clone()}</span>
                <span class="qos">{format!("QoS {}", message.qos.as_u8())}</span>
                {message.retain.then(|| view! { <span class="retain" title="Retained message">"retained"</span> })}
                <span class="size">{size(message.payload.len())}</span>
                <span class="preview">{message.preview.clone()}</span>
            </button>
            <Show when=move || expanded.get()>
                <div class="message-detail">
                    <label for=format!("row-format-{seq}")>"Show as"</label>
                    <select id=format!("row-format-{seq}")
                        on:change=move |ev| row_format.set(PayloadFormat::from_key(&event_target_value(&ev)))>
                        <option value="">"(as above)"</option>
                        {PayloadFormat::ALL.map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                    </select>
                    <pre class="payload">{shown.clone()}</pre>
                    <PropertyTable properties=properties.clone() />
                </div>
            </Show>
        </li>
    }
}

/// Every MQTT 5.0 property of a message, user properties included.
#[component]
fn PropertyTable(properties: webmqtt_codec::Properties) -> impl IntoView {
    if properties.is_empty() {
        return None;
    }
    let rows: Vec<(String, String)> = properties
        .iter()
        .map(|p| {
            let value = match p {
                Property::UserProperty(k, v) => format!("{k} = {v}"),
                Property::CorrelationData(b) | Property::AuthenticationData(b) => {
                    if payload::is_text(b) {
                        String::from_utf8_lossy(b).into_owned()
                    } else {
                        payload::to_hex(b)
                    }
                }
                Property::ContentType(s) | Property::ResponseTopic(s) => s.clone(),
                Property::MessageExpiryInterval(v) => format!("{v} s"),
                Property::PayloadFormatIndicator(v) => {
                    (if *v == 1 { "UTF-8 text" } else { "unspecified bytes" }).to_owned()
                }
                other => format!("{other:?}"),
            };
            (p.id().name().to_owned(), value)
        })
        .collect();
    Some(view! {
        <table class="properties">
            <caption>"MQTT 5.0 properties"</caption>
            <tbody>
                {rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> }).collect_view()}
            </tbody>
        </table>
    })
}
