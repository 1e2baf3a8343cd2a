//! The message feed: newest first, one connection's or every connection's,
//! filterable, pausable, and virtualised: only the rows in view exist in the
//! DOM, however many messages the buffer keeps. Selecting a row shows the
//! whole payload and every MQTT 5.0 property in a detail pane whose width the
//! user sets. Everything from the broker is rendered as text, never as HTML.

use leptos::html::{Div, Li, Ol};
use leptos::prelude::*;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;
use webmqtt_codec::{Property, PropertyValue};

use super::fields::{options, selected as selected_value};
use super::{clock_time, size};
use super::download;
use super::KeyedRows;
use crate::connection::Connection;
use crate::export::{export, file_name, ExportFormat};
use crate::feed::{Feed, FeedFilter, FeedMessage, DEFAULT_CAPACITY};
use crate::feed_listing::{Hold, Listing, PausedAt};
use crate::form::{Field, SelectKey};
use crate::number_text::{one_decimal, whole};
use crate::payload::{self, PayloadFormat};
use crate::workspace::{use_workspace, ConnectionId, FeedScope};

/// Rows rendered above and below the visible ones, for smooth scrolling. Every
/// row drawn costs each frame of a flood.
const OVERSCAN: usize = 4;
/// The detail pane's width in pixels: its bounds and the keyboard's step.
const DETAIL_MIN: f64 = 240.0;
const DETAIL_MAX: f64 = 900.0;
const DETAIL_STEP: f64 = 40.0;

/// The rows drawn for a viewport: those in view and the overscan.
fn window_rows(viewport_height: f64, row_height: f64) -> usize {
    (viewport_height / row_height).ceil() as usize + 2 * OVERSCAN
}

/// A row as drawn: the message and, in the merged view, its connection's
/// name and colour.
type Row = (usize, FeedMessage, Option<(String, usize)>);

#[component]
pub fn FeedPanel(conn: Connection, filter: RwSignal<FeedFilter>) -> impl IntoView {
    let ws = use_workspace();
    let view_format = RwSignal::new(PayloadFormat::Text);
    let paused = RwSignal::new(None::<PausedAt>);
    let hold = RwSignal::new(Hold::default());
    let selected = RwSignal::new(None::<(ConnectionId, u64)>);
    let scroll_top = RwSignal::new(0.0_f64);
    let viewport_height = RwSignal::new(600.0_f64);
    // Measured from a drawn row: CSS sets it (taller on phones, where a row
    // shows its topic and preview on lines of their own).
    let row_height = RwSignal::new(52.0_f64);
    let detail_width = RwSignal::new(420.0_f64);
    let capacity_error = RwSignal::new(None::<String>);
    let viewport = NodeRef::<Div>::new();
    let list = NodeRef::<Ol>::new();
    let merged = move || ws.feed_scope.get() == FeedScope::All;

    // The connections whose messages are listed.
    let shown = move || if merged() { ws.connections.get() } else { vec![conn] };

    Effect::new(move |_| {
        if let Some(el) = viewport.get() {
            viewport_height.set(f64::from(el.client_height().max(1)));
        }
    });

    // Where the list is frozen: by Pause, else by a hold while the user reads.
    let frozen = Memo::new(move |_| paused.get().or_else(|| hold.with(|h| h.at().cloned())));
    let rows = Memo::new(move |_| {
        let paused = frozen.get();
        filter.with(|f| {
            if merged() {
                let parts: Vec<_> = ws.connections.get().iter()
                    .map(|c| c.feed.with(|feed| Listing::candidates(c.id, feed, f, paused.as_ref())))
                    .collect();
                Listing::merge(parts)
            } else {
                conn.feed.with(|feed| Listing::one(conn.id, feed, f, paused.as_ref()))
            }
        })
    });
    let window = Memo::new(move |_| {
        let h = row_height.get();
        let first = ((scroll_top.get() / h).floor() as usize).saturating_sub(OVERSCAN);
        let count = window_rows(viewport_height.get(), h);
        let labels = merged();
        rows.with(|listing| {
            (first..first + count)
                .map_while(|i| listing.row(i).map(|at| (i, at)))
                .filter_map(|(i, (id, at))| {
                    let c = if id == conn.id { Some(conn) } else { ws.get(id) }?;
                    let m = c.feed.with(|feed| at.find(feed).cloned())?;
                    Some((i, m, labels.then(|| (c.name.get_untracked(), c.colour))))
                })
                .collect::<Vec<Row>>()
        })
    });
    // How many places (rows) are drawn: as many as the viewport shows, made
    // when the panel opens (or the viewport's size changes), whether or not
    // there are messages to fill them. A place without a message is a hidden
    // spare row, so the first messages of a flood only fill rows in, and never
    // pay for making them (on a slow phone, making a screenful of rows in the
    // first frame of a flood was its longest task).
    let places = Memo::new(move |_| window_rows(viewport_height.get(), row_height.get()));
    // A drawn row tells the row height CSS gave it (taller on phones). It is
    // read when the list's size changes (the first rows drawn, a resize: the
    // height changes with the width), from a ResizeObserver, which runs once
    // the browser has laid the page out: reading offsetHeight anywhere else
    // would force a layout of its own. Recycled rows keep the list's size, so
    // a flood triggers none.
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(ol) = list.get() else { return };
        let on_size = Closure::<dyn FnMut()>::new({
            let ol = ol.clone();
            move || {
                let height = ol
                    .first_element_child()
                    .map(|li| f64::from(li.unchecked_ref::<web_sys::HtmlElement>().offset_height()))
                    .filter(|h| *h > 0.0);
                if let Some(h) = height {
                    if row_height.try_get_untracked().is_some_and(|old| (h - old).abs() > 0.5) {
                        row_height.try_set(h);
                    }
                }
            }
        });
        if let Ok(ro) = web_sys::ResizeObserver::new(on_size.as_ref().unchecked_ref()) {
            ro.observe(&ol);
            if let Some((old, _)) = observer.try_update_value(|o| o.replace((ro, on_size))).flatten() {
                old.disconnect();
            }
        }
    });
    on_cleanup(move || {
        observer.try_with_value(|o| o.as_ref().map(|(ro, _)| ro.disconnect()));
    });
    // Set through the CSSOM (style:…), which the Content-Security-Policy allows;
    // a style attribute would be inline style, which it forbids.
    let total_height = move || format!("{}px", whole(rows.with(Listing::len) as f64 * row_height.get()));
    let offset = move || {
        let first = window.with(|w| w.first().map_or(0, |(i, _, _)| *i));
        format!("translateY({}px)", whole(first as f64 * row_height.get()))
    };

    // Every connection's newest message now: a freeze taken in one scope still
    // lists the others' when the user switches to all connections.
    let feeds_now = move || {
        PausedAt(ws.connections.with_untracked(|cs| cs.iter().map(|c| (c.id, c.feed.with_untracked(Feed::received))).collect()))
    };
    // Pause keeps the rows a hold shows, rather than jumping to the newest.
    let toggle_pause = move |_| {
        let now = frozen.get_untracked().unwrap_or_else(feeds_now);
        paused.update(|p| *p = if p.is_some() { None } else { Some(now) });
    };
    let update_hold = move |f: &dyn Fn(&mut Hold)| {
        hold.maybe_update(|h| {
            let before = h.clone();
            f(h);
            *h != before
        });
    };
    // Messages that arrived while the list is held (and that it would list).
    let held_back = Memo::new(move |_| {
        if paused.with(Option::is_some) {
            return 0;
        }
        let Some(at) = hold.with(|h| h.at().cloned()) else { return 0 };
        filter.with(|f| shown().iter().map(|c| c.feed.with(|feed| Listing::held_back(c.id, feed, f, &at))).sum::<usize>())
    });
    let show_newest = move |_| {
        update_hold(&|h| h.to_newest(feeds_now));
        if let Some(el) = viewport.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    };
    let set_capacity = move |ev| {
        let v = event_target_value(&ev);
        match v.trim().parse::<usize>() {
            Ok(n) if (100..=1_000_000).contains(&n) => {
                capacity_error.set(None);
                for c in untrack(shown) {
                    c.feed.update(|f| f.set_capacity(n));
                }
            }
            _ => capacity_error.set(Some(format!("Keep between 100 and 1000000 messages, not \"{v}\"."))),
        }
    };
    let counts = move || {
        shown().iter().fold((0u64, 0usize, 0u64, 0.0f64, 0usize), |acc, c| {
            let (received, buffered, dropped, history) = c.feed.with(|f| {
                (f.received_live(), f.len(), f.dropped(), f.iter().take_while(|m| m.from_history).count())
            });
            (acc.0 + received, acc.1 + buffered, acc.2 + dropped, acc.3 + c.rate.get(), acc.4 + history)
        })
    };
    let matching = move || {
        rows.with(|l| if l.is_filtered() { format!(" · {} match the filter", l.len()) } else { String::new() })
    };
    let export_format = RwSignal::new(ExportFormat::Ndjson);
    // `view`: the rows the list shows (filter and pause applied); else every buffered message.
    let export_messages = move |view: bool| {
        let format = export_format.get_untracked();
        let connections = untrack(shown);
        let name_of = |id: ConnectionId| {
            connections.iter().find(|c| c.id == id).map(|c| c.name.get_untracked()).unwrap_or_default()
        };
        let messages: Vec<FeedMessage> = if view {
            rows.with_untracked(|l| {
                (0..l.len())
                    .filter_map(|i| l.row(i))
                    .filter_map(|(id, at)| connections.iter().find(|c| c.id == id)?.feed.with_untracked(|f| at.find(f).cloned()))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect()
            })
        } else {
            let mut all: Vec<FeedMessage> =
                connections.iter().flat_map(|c| c.feed.with_untracked(|f| f.iter().cloned().collect::<Vec<_>>())).collect();
            // Oldest first; ties by connection and sequence, a total order.
            all.sort_unstable_by(|a, b| {
                a.received_at_ms.total_cmp(&b.received_at_ms).then(a.connection.cmp(&b.connection)).then(a.seq.cmp(&b.seq))
            });
            all
        };
        let text = export(format, &messages, name_of);
        if let Err(e) = download(&file_name(format, js_sys::Date::now()), format.mime_type(), &text) {
            ws.notice.set(Some(e));
        }
    };
    let resize = move |delta: f64| detail_width.update(|w| *w = (*w + delta).clamp(DETAIL_MIN, DETAIL_MAX));
    let dragging = RwSignal::new(None::<(f64, f64)>);
    // Window listeners outlive the panel unless removed with it.
    let on_move = window_event_listener(leptos::ev::pointermove, move |ev| {
        if let Some((start_x, start_w)) = dragging.try_get_untracked().flatten() {
            detail_width.try_set((start_w - (f64::from(ev.client_x()) - start_x)).clamp(DETAIL_MIN, DETAIL_MAX));
        }
    });
    let on_up = window_event_listener(leptos::ev::pointerup, move |_| {
        dragging.try_set(None);
    });
    on_cleanup(move || {
        on_move.remove();
        on_up.remove();
    });

    view! {
        <section class="panel feed" aria-labelledby="feed-heading">
            <div class="feed-head">
                <h2 id="feed-heading">"Messages"</h2>
                <div class="scope" role="group" aria-label="Which connections">
                    <button type="button" id="feed-scope-selected" aria-pressed=move || (!merged()).to_string()
                        on:click=move |_| ws.feed_scope.set(FeedScope::Selected)>
                        {move || conn.name.get()}
                    </button>
                    <button type="button" id="feed-scope-all" aria-pressed=move || merged().to_string()
                        on:click=move |_| ws.feed_scope.set(FeedScope::All)>"All connections"</button>
                </div>
            </div>
            <p id="feed-counts" class="feed-counts">
                <span id="feed-received">{move || counts().0}</span>" received · "
                <span id="feed-buffered">{move || counts().1}</span>" in buffer · "
                <span id="feed-dropped">{move || counts().2}</span>" dropped from it · "
                <span id="feed-rate">{move || one_decimal(counts().3)}</span>" msg/s"
                {move || match counts().4 { 0 => String::new(), n => format!(" · {n} from stored history") }}
                {matching}
            </p>
            <div class="row feed-controls">
                <button id="feed-pause" type="button" aria-pressed=move || paused.get().is_some().to_string()
                    on:click=toggle_pause>
                    {move || if paused.get().is_some() { "Resume" } else { "Pause" }}
                </button>
                <button id="feed-clear" type="button"
                    on:click=move |_| { for c in untrack(shown) { c.feed.update(Feed::clear); } selected.set(None); }>"Clear"</button>
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
                        on:change=move |ev| { if let Some(f) = selected_value::<PayloadFormat>(&ev) { view_format.set(f) } }>
                        {options::<PayloadFormat>()}
                    </select>
                </div>
                <div class="field">
                    <label for=Field::FeedCapacity.id()>"Keep messages"</label>
                    <input id=Field::FeedCapacity.id() type="text" inputmode="numeric" size="8"
                        value=DEFAULT_CAPACITY.to_string() on:change=set_capacity />
                </div>
            </div>
            <div class="row export">
                <div class="field">
                    <label for="export-format">"Export as"</label>
                    <select id="export-format"
                        on:change=move |ev| { if let Some(f) = selected_value::<ExportFormat>(&ev) { export_format.set(f) } }>
                        {options::<ExportFormat>()}
                    </select>
                </div>
                <button type="button" id="export-all" on:click=move |_| export_messages(false)>"Export all"</button>
                <button type="button" id="export-view" on:click=move |_| export_messages(true)>"Export this view"</button>
            </div>
            {move || capacity_error.get().map(|e| view! { <p class="field-error" id=Field::FeedCapacity.error_id() role="alert">{e}</p> })}
            <Show when=move || paused.get().is_some()>
                <p class="paused-note" role="status">"Paused: messages are still received and counted."</p>
            </Show>
            <div class="feed-body" class:has-detail=move || selected.get().is_some()>
                <div class="feed-main">
                    <Show when=move || held_back.get() != 0>
                        <button type="button" id="feed-newer" class="feed-newer" on:click=show_newest>
                            {move || match held_back.get() {
                                1 => "↑ 1 new message".to_owned(),
                                n => format!("↑ {n} new messages"),
                            }}
                        </button>
                    </Show>
                    <div id="feed-viewport" class="feed-viewport" node_ref=viewport tabindex="0"
                        role="region" aria-label="Received messages"
                        on:scroll=move |ev| {
                            let el = event_target::<web_sys::HtmlElement>(&ev);
                            let top = f64::from(el.scroll_top());
                            scroll_top.set(top);
                            viewport_height.set(f64::from(el.client_height().max(1)));
                            update_hold(&|h| h.scrolled(top >= 1.0, feeds_now));
                        }
                        // A finger has no hover: a tap takes the message it pressed (FeedRow).
                        on:pointerenter=move |ev| {
                            if ev.pointer_type() != "touch" {
                                update_hold(&|h| h.pointer(true, feeds_now));
                            }
                        }
                        on:pointerleave=move |_| update_hold(&|h| h.pointer(false, feeds_now))
                        // A row reached with the keyboard (a clicked one shows no focus ring).
                        on:focusin=move |ev| {
                            let on_row = event_target::<web_sys::Element>(&ev).matches(".message-summary:focus-visible").unwrap_or(false);
                            update_hold(&|h| h.keyboard(on_row, feeds_now));
                        }
                        // From row to row, focus leaves one before it comes to the next:
                        // letting go between the two would move the rows.
                        on:focusout=move |ev| {
                            let within = ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()).is_some_and(|to| {
                                viewport.get_untracked().is_some_and(|v| v.contains(Some(&to)))
                            });
                            if !within {
                                update_hold(&|h| h.keyboard(false, feeds_now));
                            }
                        }>
                        <div class="feed-spacer" style:height=total_height>
                            <ol id="feed-list" class="feed-list" node_ref=list style:transform=offset>
                                // Rows are recycled: keyed by their place in the window, each
                                // shows whichever message is there now. In a flood every row
                                // shows a new message each frame, and changing a row's text
                                // costs far less than making and removing its elements.
                                <KeyedRows keys=Signal::derive(move || (0..places.get() as u64).collect())
                                    row=Callback::new(move |place| {
                                        view! { <FeedRow place=place as usize window=window selected=selected /> }.into_any()
                                    }) />
                            </ol>
                        </div>
                    </div>
                </div>
                <Show when=move || selected.get().is_some()>
                    <div class="splitter" role="separator" tabindex="0" aria-orientation="vertical"
                        aria-label="Width of the message detail (arrow keys)"
                        aria-valuemin=whole(DETAIL_MIN) aria-valuemax=whole(DETAIL_MAX) aria-valuenow=move || whole(detail_width.get())
                        on:keydown=move |ev| {
                            let step = match ev.key().as_str() {
                                "ArrowLeft" => DETAIL_STEP,
                                "ArrowRight" => -DETAIL_STEP,
                                _ => return,
                            };
                            ev.prevent_default();
                            resize(step);
                        }
                        on:pointerdown=move |ev| dragging.set(Some((f64::from(ev.client_x()), detail_width.get_untracked())))>
                    </div>
                    <div class="detail-pane" style:width=move || format!("{}px", whole(detail_width.get()))>
                        <MessageDetail selected=selected view_format=view_format />
                    </div>
                </Show>
            </div>
        </section>
    }
}

/// One place in the window of rows: it shows the message that is there now.
///
/// The row's elements are made once; after that one effect writes the texts,
/// swatches and attributes that changed, straight to the DOM. In a flood every
/// row shows another message ten times a second, and a reactive node per part
/// (there were fifteen a row) cost the page more than the text it wrote. The
/// parts that come and go (the connection's name, the tags) are views behind
/// signals that change only when what they show does.
#[component]
fn FeedRow(place: usize, window: Memo<Vec<Row>>, selected: RwSignal<Option<(ConnectionId, u64)>>) -> impl IntoView {
    let li = NodeRef::<Li>::new();
    // Which message the row shows, for the click.
    let key = StoredValue::new(None::<(ConnectionId, u64)>);
    // Which message it showed when pressed: a click takes that one, even if a
    // batch moved another into the row before the finger or button came up.
    let pressed = StoredValue::new(None::<(ConnectionId, u64)>);
    let retain = RwSignal::new(false);
    let from_history = RwSignal::new(false);
    let label = RwSignal::new(None::<(String, usize)>);
    let shown = StoredValue::new_local(None::<ShownRow>);
    Effect::new(move |_| {
        let selected = selected.get();
        window.with(|w| {
            let entry = w.get(place);
            let message = entry.map(|(_, m, _)| m);
            let now_key = message.map(|m| (m.connection, m.seq));
            key.set_value(now_key);
            change(retain, message.is_some_and(|m| m.retain));
            change(from_history, message.is_some_and(|m| m.from_history));
            change(label, entry.and_then(|(_, _, label)| label.clone()));
            shown.update_value(|shown| {
                if shown.is_none() {
                    *shown = li.get_untracked().and_then(|li| ShownRow::find(&li));
                }
                if let Some(row) = shown {
                    row.show(message, now_key.is_some() && now_key == selected);
                }
            });
        });
    });
    view! {
        <li node_ref=li class="feed-spare">
            <button type="button" class="message-summary" aria-pressed="false"
                on:pointerdown=move |_| pressed.set_value(key.get_value())
                on:click=move |ev| {
                    // A click from the keyboard (detail 0) takes what the row shows.
                    let key = if ev.detail() > 0 { pressed.get_value().or_else(|| key.get_value()) } else { key.get_value() };
                    selected.update(|s| *s = if *s == key { None } else { key });
                }>
                // A message matches one subscription, mostly: one swatch is made
                // with the row, and ShownRow adds more when a message needs them.
                <span class="colours" aria-hidden="true"><span class="swatch"></span></span>
                {move || label.get().map(|(name, colour)| view! { <span class=format!("conn-tag conn-colour-{colour}")>{name}</span> })}
                <time class="time"></time>
                <span class="topic"></span>
                <span class="qos"></span>
                {move || retain.get().then(|| view! { <span class="retain" title="Retained message">"retained"</span> })}
                {move || from_history.get().then(|| view! { <span class="history" title="Stored in this browser before the page was opened">"history"</span> })}
                <span class="size"></span>
                <span class="preview"></span>
            </button>
        </li>
    }
}

/// Sets a signal only when the value differs, so that what shows it runs only then.
fn change<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    signal.maybe_update(|v| {
        let changed = *v != value;
        if changed {
            *v = value;
        }
        changed
    });
}

/// A feed row's elements and what each shows now: a text or attribute is
/// written only when it changes (in a one-topic flood, the topic, QoS and size
/// of a row stay as they are).
struct ShownRow {
    li: web_sys::Element,
    button: web_sys::Element,
    /// The text node of each part (time, topic, QoS, size, preview) and its text.
    texts: [(web_sys::Node, String); 5],
    /// The swatches' parent, and the subscription colour each shows.
    colours: web_sys::Element,
    swatches: Vec<usize>,
    attributes: [String; 4],
    pressed: Option<bool>,
    received_at_ms: f64,
}

impl ShownRow {
    const TEXTS: [&'static str; 5] = [".time", ".topic", ".qos", ".size", ".preview"];
    const ATTRIBUTES: [&'static str; 4] = ["data-seq", "data-topic", "data-connection", "class"];

    fn find(li: &web_sys::Element) -> Option<Self> {
        let part = |selector: &str| li.query_selector(selector).ok().flatten();
        let document = li.owner_document()?;
        // Each part gets a text node of its own, whose value is then set: it
        // costs the browser less than setting the element's textContent.
        // A place without a message holds a space in each part, so that its
        // text is laid out already: the first messages of a flood then only
        // change texts, as every later batch does, rather than adding them.
        let text_in = |el: web_sys::Element| {
            let text = document.create_text_node(SPARE_TEXT);
            el.append_child(&text).ok().map(|node| (node, SPARE_TEXT.to_owned()))
        };
        let texts = Self::TEXTS.map(|selector| part(selector).and_then(text_in));
        let [Some(a), Some(b), Some(c), Some(d), Some(e)] = texts else { return None };
        Some(Self {
            li: li.clone(),
            button: part("button")?,
            texts: [a, b, c, d, e],
            colours: part(".colours")?,
            swatches: Vec::new(),
            attributes: Default::default(),
            pressed: None,
            received_at_ms: f64::NAN,
        })
    }

    fn show(&mut self, message: Option<&FeedMessage>, is_selected: bool) {
        let texts = match message {
            Some(m) => {
                // The clock text asks the browser for the local time: only when the time changed.
                let time = if m.received_at_ms == self.received_at_ms {
                    self.texts[0].1.clone()
                } else {
                    clock_time(m.received_at_ms)
                };
                self.received_at_ms = m.received_at_ms;
                [time, m.topic.to_string(), format!("QoS {}", m.qos.as_u8()), size(m.payload.len()), m.preview.clone()]
            }
            None => [(); 5].map(|()| SPARE_TEXT.to_owned()),
        };
        if let Some(m) = message {
            self.show_colours(&m.colours);
        }
        for ((node, shown), text) in self.texts.iter_mut().zip(texts) {
            if *shown != text {
                node.set_node_value(Some(&text));
                *shown = text;
            }
        }
        let class = match (is_selected, message.is_some_and(|m| m.from_history)) {
            _ if message.is_none() => "feed-spare",
            (false, false) => "message feed-row",
            (true, false) => "message feed-row selected",
            (false, true) => "message feed-row from-history",
            (true, true) => "message feed-row selected from-history",
        };
        let attributes = [
            message.map(|m| m.seq.to_string()).unwrap_or_default(),
            message.map(|m| m.topic.to_string()).unwrap_or_default(),
            message.map(|m| m.connection.0.to_string()).unwrap_or_default(),
            class.to_owned(),
        ];
        for ((name, shown), value) in Self::ATTRIBUTES.iter().zip(&mut self.attributes).zip(attributes) {
            if *shown != value {
                let _ = self.li.set_attribute(name, &value);
                *shown = value;
            }
        }
        if self.pressed != Some(is_selected) {
            let _ = self.button.set_attribute("aria-pressed", if is_selected { "true" } else { "false" });
            self.pressed = Some(is_selected);
        }
    }

    /// One swatch per subscription the message matched, each in its colour:
    /// the swatches there are recoloured, and only a change in their number
    /// adds or removes one.
    fn show_colours(&mut self, colours: &[usize]) {
        if self.swatches == colours {
            return;
        }
        let children = self.colours.children();
        for (i, c) in colours.iter().enumerate() {
            let swatch = match children.item(i as u32) {
                Some(el) => el,
                None => match self.colours.owner_document().and_then(|d| d.create_element("span").ok()) {
                    Some(el) if self.colours.append_child(&el).is_ok() => el,
                    _ => return,
                },
            };
            let _ = swatch.set_attribute("class", &format!("swatch sub-colour-{c}"));
        }
        while let Some(extra) = children.item(colours.len() as u32) {
            extra.remove();
        }
        self.swatches = colours.to_vec();
    }
}

/// What each part of a place without a message holds (a no-break space: a
/// plain one would collapse to nothing).
const SPARE_TEXT: &str = "\u{a0}";

/// The selected message in full: the whole payload (never cut) and every property.
#[component]
fn MessageDetail(selected: RwSignal<Option<(ConnectionId, u64)>>, view_format: RwSignal<PayloadFormat>) -> impl IntoView {
    let ws = use_workspace();
    // None: follow the feed's choice.
    let own_format = RwSignal::new(None::<PayloadFormat>);
    let message = Memo::new(move |_| {
        let (id, seq) = selected.get()?;
        ws.get(id)?.feed.with(|f| f.get(seq).cloned())
    });
    move || {
        let (_, seq) = selected.get()?;
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
            <div id="message-detail" class="message-detail" role="region" aria-label="Selected message">
                <h3>{m.topic.to_string()}</h3>
                <p class="note">{format!(
                    "{} · QoS {}{}{} · {} ({} bytes)",
                    clock_time(m.received_at_ms), m.qos.as_u8(), if m.retain { " · retained" } else { "" },
                    if m.from_history { " · from stored history" } else { "" },
                    size(m.payload.len()), m.payload.len()
                )}</p>
                <label for="detail-format">"Show as"</label>
                <select id="detail-format" on:change=move |ev| own_format.set(PayloadFormat::from_key(&event_target_value(&ev)))>
                    <option value="">"(as the feed)"</option>
                    {options::<PayloadFormat>()}
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
        Property::PayloadFormatIndicator(1) => "UTF-8 text".to_owned(),
        Property::PayloadFormatIndicator(_) => "unspecified bytes".to_owned(),
        Property::MessageExpiryInterval(s) => format!("{s} s"),
        other => match other.value() {
            PropertyValue::Byte(n) => n.to_string(),
            PropertyValue::TwoByte(n) => n.to_string(),
            PropertyValue::FourByte(n) | PropertyValue::VarInt(n) => n.to_string(),
            PropertyValue::Str(s) => s.to_owned(),
            PropertyValue::Binary(b) if payload::is_text(b) => String::from_utf8_lossy(b).into_owned(),
            PropertyValue::Binary(b) => payload::to_hex(b),
            PropertyValue::Pair(k, v) => format!("{k} = {v}"),
        },
    }
}
