//! The message feed: newest first, filterable, pausable, and virtualised: only
//! the rows in view exist in the DOM, however many messages the buffer keeps.
//! Selecting a row shows the whole payload and every MQTT 5.0 property.
//! Everything from the broker is rendered as text nodes, never as HTML.

use leptos::html::Div;
use leptos::prelude::*;
use webmqtt_codec::Property;

use super::{clock_time, size};
use crate::client::Client;
use crate::feed::{Feed, FeedFilter, FeedMessage, DEFAULT_CAPACITY};
use crate::payload::{self, PayloadFormat};

/// Height of one row in pixels; `.feed-row` in style/main.css has the same.
pub const ROW_HEIGHT: f64 = 52.0;
/// Rows rendered above and below the visible ones, for smooth scrolling.
const OVERSCAN: usize = 8;

/// The rows the list holds, newest first.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    /// Every buffered message but the `skip` newest (those arrived after Pause).
    All { skip: usize, len: usize },
    /// The sequence numbers of the messages the filter accepts.
    Matching(Vec<u64>),
}

impl Listing {
    fn len(&self) -> usize {
        match self {
            Self::All { len, .. } => *len,
            Self::Matching(seqs) => seqs.len(),
        }
    }

    fn row<'a>(&self, feed: &'a Feed, i: usize) -> Option<&'a FeedMessage> {
        match self {
            Self::All { skip, .. } => feed.nth_newest(skip + i),
            Self::Matching(seqs) => seqs.get(i).and_then(|s| feed.get(*s)),
        }
    }
}

fn listing(feed: &Feed, filter: &FeedFilter, paused_at: Option<u64>) -> Listing {
    let limit = paused_at.unwrap_or(u64::MAX);
    if filter.is_empty() {
        let newer = usize::try_from(feed.received().saturating_sub(limit)).unwrap_or(usize::MAX).min(feed.len());
        return Listing::All { skip: newer, len: feed.len() - newer };
    }
    Listing::Matching(feed.iter().rev().filter(|m| m.seq <= limit && filter.accepts(m)).map(|m| m.seq).collect())
}

#[component]
pub fn FeedPanel(client: Client, filter: RwSignal<FeedFilter>) -> impl IntoView {
    let state = client.state;
    let view_format = RwSignal::new(PayloadFormat::Text);
    // The newest sequence number shown while paused; reception goes on.
    let paused_at = RwSignal::new(None::<u64>);
    let selected = RwSignal::new(None::<u64>);
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport_height = RwSignal::new(600.0_f64);
    let capacity_error = RwSignal::new(None::<String>);
    let viewport = NodeRef::<Div>::new();

    Effect::new(move |_| {
        if let Some(el) = viewport.get() {
            viewport_height.set(f64::from(el.client_height().max(1)));
        }
    });

    let rows = Memo::new(move |_| {
        let paused = paused_at.get();
        filter.with(|f| state.feed.with(|feed| listing(feed, f, paused)))
    });
    let window = Memo::new(move |_| {
        let first = ((scroll_top.get() / ROW_HEIGHT).floor() as usize).saturating_sub(OVERSCAN);
        let count = (viewport_height.get() / ROW_HEIGHT).ceil() as usize + 2 * OVERSCAN;
        rows.with(|listing| {
            state.feed.with(|feed| {
                (first..first + count)
                    .map_while(|i| listing.row(feed, i).map(|m| (i, m.clone())))
                    .collect::<Vec<_>>()
            })
        })
    });
    // Set through the CSSOM (style:…), which the Content-Security-Policy allows;
    // a style attribute would be inline style, which it forbids.
    let total_height = move || format!("{}px", rows.with(Listing::len) as f64 * ROW_HEIGHT);
    let offset = move || {
        let first = window.with(|w| w.first().map_or(0, |(i, _)| *i));
        format!("translateY({}px)", first as f64 * ROW_HEIGHT)
    };

    let toggle_pause = move |_| {
        let newest = state.feed.with_untracked(Feed::received);
        paused_at.update(|p| *p = if p.is_some() { None } else { Some(newest) });
    };
    let set_capacity = move |ev| {
        let v = event_target_value(&ev);
        match v.trim().parse::<usize>() {
            Ok(n) if (100..=1_000_000).contains(&n) => {
                capacity_error.set(None);
                state.feed.update(|f| f.set_capacity(n));
            }
            _ => capacity_error.set(Some(format!("Keep between 100 and 1000000 messages, not \"{v}\"."))),
        }
    };
    let matching = move || {
        rows.with(|l| match l {
            Listing::Matching(seqs) => format!(" · {} match the filter", seqs.len()),
            Listing::All { .. } => String::new(),
        })
    };

    view! {
        <section class="panel feed" aria-labelledby="feed-heading">
            <h2 id="feed-heading">"Messages"</h2>
            <p id="feed-counts" class="feed-counts">
                <span id="feed-received">{move || state.feed.with(Feed::received)}</span>" received · "
                <span id="feed-buffered">{move || state.feed.with(Feed::len)}</span>" in buffer · "
                <span id="feed-dropped">{move || state.feed.with(Feed::dropped)}</span>" dropped from it · "
                <span id="feed-rate">{move || format!("{:.1}", state.rate.get())}</span>" msg/s"
                {matching}
            </p>
            <div class="row feed-controls">
                <button id="feed-pause" type="button" aria-pressed=move || paused_at.get().is_some().to_string()
                    on:click=toggle_pause>
                    {move || if paused_at.get().is_some() { "Resume" } else { "Pause" }}
                </button>
                <button id="feed-clear" type="button"
                    on:click=move |_| { state.feed.update(Feed::clear); selected.set(None); }>"Clear"</button>
                <div class="field">
                    <label for="feed-filter-topic">"Topic filter"</label>
                    <input id="feed-filter-topic" type="search" spellcheck="false" placeholder="lab/+/temp"
                        prop:value=move || filter.with(|f| f.topic.clone())
                        on:input=move |ev| filter.update(|f| f.topic = event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="feed-filter-text">"Text"</label>
                    <input id="feed-filter-text" type="search"
                        prop:value=move || filter.with(|f| f.text.clone())
                        on:input=move |ev| filter.update(|f| f.text = event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="feed-format">"Show payloads as"</label>
                    <select id="feed-format"
                        on:change=move |ev| view_format.set(PayloadFormat::from_key(&event_target_value(&ev)).unwrap_or_default())>
                        {PayloadFormat::ALL.map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="feed-capacity">"Keep messages"</label>
                    <input id="feed-capacity" type="text" inputmode="numeric" size="8"
                        value=DEFAULT_CAPACITY.to_string() on:change=set_capacity />
                </div>
            </div>
            {move || capacity_error.get().map(|e| view! { <p class="field-error" id="feed-capacity-error" role="alert">{e}</p> })}
            <Show when=move || paused_at.get().is_some()>
                <p class="paused-note" role="status">"Paused: messages are still received and counted."</p>
            </Show>
            <div id="feed-viewport" class="feed-viewport" node_ref=viewport tabindex="0" aria-label="Received messages"
                on:scroll=move |ev| {
                    let el = event_target::<web_sys::HtmlElement>(&ev);
                    scroll_top.set(f64::from(el.scroll_top()));
                    viewport_height.set(f64::from(el.client_height().max(1)));
                }>
                <div class="feed-spacer" style:height=total_height>
                    <ol id="feed-list" class="feed-list" style:transform=offset>
                        <For each=move || window.get() key=|(_, m)| m.seq let:row>
                            <FeedRow message=row.1 selected=selected />
                        </For>
                    </ol>
                </div>
            </div>
            <MessageDetail client=client selected=selected view_format=view_format />
        </section>
    }
}

#[component]
fn FeedRow(message: FeedMessage, selected: RwSignal<Option<u64>>) -> impl IntoView {
    let seq = message.seq;
    view! {
        <li class="message feed-row" data-seq=seq.to_string() data-topic=message.topic.to_string()
            class:selected=move || selected.get() == Some(seq)>
            <button type="button" class="message-summary" aria-pressed=move || (selected.get() == Some(seq)).to_string()
                on:click=move |_| selected.update(|s| *s = if *s == Some(seq) { None } else { Some(seq) })>
                <span class="colours" aria-hidden="true">
                    {message.colours.iter().map(|c| view! { <span class=format!("swatch sub-colour-{c}")></span> }).collect_view()}
                </span>
                <time class="time">{clock_time(message.received_at_ms)}</time>
                <span class="topic">{message.topic.to_string()}</span>
                <span class="qos">{format!("QoS {}", message.qos.as_u8())}</span>
                {message.retain.then(|| view! { <span class="retain" title="Retained message">"retained"</span> })}
                <span class="size">{size(message.payload.len())}</span>
                <span class="preview">{message.preview.clone()}</span>
            </button>
        </li>
    }
}

/// The selected message in full: the whole payload (never cut) and every property.
#[component]
fn MessageDetail(client: Client, selected: RwSignal<Option<u64>>, view_format: RwSignal<PayloadFormat>) -> impl IntoView {
    // None: follow the feed's choice.
    let own_format = RwSignal::new(None::<PayloadFormat>);
    let message = Memo::new(move |_| selected.get().and_then(|seq| client.state.feed.with(|f| f.get(seq).cloned())));
    move || {
        let seq = selected.get()?;
        let Some(m) = message.get() else {
            return Some(view! {
                <div id="message-detail" class="message-detail">
                    <p>{format!("Message {seq} is no longer in the buffer.")}</p>
                </div>
            }.into_any());
        };
        let format = move || own_format.get().unwrap_or_else(|| view_format.get());
        let bytes = m.payload.clone();
        let shown = move || payload::render(&bytes, format()).0;
        Some(view! {
            <div id="message-detail" class="message-detail" aria-label="Selected message">
                <h3>{m.topic.to_string()}</h3>
                <p class="note">{format!(
                    "{} · QoS {}{} · {} ({} bytes)",
                    clock_time(m.received_at_ms), m.qos.as_u8(), if m.retain { " · retained" } else { "" },
                    size(m.payload.len()), m.payload.len()
                )}</p>
                <label for="detail-format">"Show as"</label>
                <select id="detail-format" on:change=move |ev| own_format.set(PayloadFormat::from_key(&event_target_value(&ev)))>
                    <option value="">"(as the feed)"</option>
                    {PayloadFormat::ALL.map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                </select>
                <pre id="detail-payload" class="payload">{shown}</pre>
                <PropertyTable properties=m.properties.clone() />
            </div>
        }.into_any())
    }
}

/// Every MQTT 5.0 property of a message, user properties included.
#[component]
fn PropertyTable(properties: webmqtt_codec::Properties) -> impl IntoView {
    if properties.is_empty() {
        return None;
    }
    let rows: Vec<(String, String)> = properties.iter().map(|p| (p.id().name().to_owned(), property_value(p))).collect();
    Some(view! {
        <table class="properties">
            <caption>"MQTT 5.0 properties"</caption>
            <tbody>
                {rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{k}</th><td>{v}</td></tr> }).collect_view()}
            </tbody>
        </table>
    })
}

fn property_value(p: &Property) -> String {
    match p {
        Property::UserProperty(k, v) => format!("{k} = {v}"),
        Property::CorrelationData(b) | Property::AuthenticationData(b) => {
            if payload::is_text(b) {
                String::from_utf8_lossy(b).into_owned()
            } else {
                payload::to_hex(b)
            }
        }
        Property::PayloadFormatIndicator(1) => "UTF-8 text".to_owned(),
        Property::PayloadFormatIndicator(_) => "unspecified bytes".to_owned(),
        Property::MessageExpiryInterval(s) => format!("{s} s"),
        Property::ContentType(s) | Property::ResponseTopic(s) => s.clone(),
        Property::SubscriptionIdentifier(n) => n.to_string(),
        Property::TopicAlias(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}
