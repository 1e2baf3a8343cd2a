//! The status bar: always visible, with the problem to act on and the
//! reconnect countdown.

use gloo_timers::callback::Interval;
use leptos::prelude::*;

use super::clock_time;
use crate::connection::{Connection, Status};

#[component]
pub fn StatusBar(conn: Connection) -> impl IntoView {
    let state = conn;
    // Ticks once a second while reconnecting, for the countdown.
    let now = RwSignal::new(js_sys::Date::now());
    // Kept (and dropped, which stops it) with the component.
    StoredValue::new_local(Interval::new(1_000, move || now.set(js_sys::Date::now())));

    let text = move || match state.status.get() {
        Status::Disconnected => "Disconnected".to_owned(),
        Status::Connecting { url } => format!("Connecting to {url}…"),
        Status::Connected { url, since_ms } => format!("Connected to {url} since {}", clock_time(since_ms)),
        Status::Reconnecting { url, attempt, at_ms } => {
            let secs = crate::number_text::whole(((at_ms - now.get()) / 1_000.0).ceil().max(0.0));
            format!("Reconnecting to {url} in {secs} s (attempt {attempt})")
        }
    };
    let kind = move || format!("status {}", state.status.with(Status::kind));
    let reconnecting = move || matches!(state.status.get(), Status::Reconnecting { .. });

    view! {
        <section class="status-bar" aria-label="Connection status">
            <p id="status" class=kind role="status" aria-live="polite">{text}</p>
            <Show when=reconnecting>
                <button id="reconnect-now" type="button" on:click=move |_| conn.reconnect_now()>
                    "Reconnect now"
                </button>
                <button id="cancel-reconnect" type="button" on:click=move |_| conn.cancel_reconnect()>
                    "Cancel"
                </button>
            </Show>
            {move || state.diagnostics.with(|(n, last)| (*n > 0).then(|| view! {
                <p id="diagnostics" class="note">{format!("The broker sent {n} thing{} the app let pass (last: {last}).", if *n == 1 { "" } else { "s" })}</p>
            }))}
            {move || state.problem.get().map(|p| view! {
                <div id="problem" class="problem" role="alert">
                    <p class="problem-message">{p.message}</p>
                    <p class="problem-hint">{p.hint}</p>
                    {p.link.map(|href| view! {
                        <a id="problem-link" href=href.clone() target="_blank" rel="noopener noreferrer">
                            {format!("Open {href}")}
                        </a>
                    })}
                </div>
            })}
        </section>
    }
}
