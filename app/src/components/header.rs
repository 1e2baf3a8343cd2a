//! The header: the app's name and version, the theme, and the workspace's
//! file actions (export and import of connections); and the workspace's notice.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::download;
use crate::history::{format_bytes, group_thousands, HistoryLimits};
use crate::theme::Theme;
use crate::workspace::use_workspace;

#[component]
pub fn AppHeader() -> impl IntoView {
    let ws = use_workspace();
    let theme = RwSignal::new(Theme::load());
    Effect::new(move |_| theme.get().apply());

    let export = move |_| {
        if let Err(e) = download("webmqtt-connections.json", "application/json", &ws.export_profiles()) {
            ws.notice.set(Some(e));
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        let read = wasm_bindgen_futures::JsFuture::from(file.text());
        wasm_bindgen_futures::spawn_local(async move {
            let message = match read.await.ok().and_then(|t| t.as_string()) {
                None => "The file could not be read.".to_owned(),
                Some(text) => match ws.import_profiles(&text) {
                    Ok(0) => "The file holds no connections.".to_owned(),
                    Ok(n) => format!("Imported {n} connection{} (passwords are never in the file).", if n == 1 { "" } else { "s" }),
                    Err(e) => e,
                },
            };
            ws.notice.set(Some(message));
        });
    };

    view! {
        <header class="app-header">
            <h1>"WebMQTT"</h1>
            <span id="app-version" class="app-version">{format!("v{}", crate::VERSION)}</span>
            <HistorySettings />
            <div class="header-actions">
                <button type="button" id="profiles-export" on:click=export>"Export connections"</button>
                <label class="button" for="profiles-import">"Import connections"</label>
                <input id="profiles-import" class="visually-hidden" type="file" accept="application/json,.json" on:change=import />
                <button type="button" id="theme-toggle" aria-label=move || format!("Theme: {} (change)", theme.get().label())
                    on:click=move |_| theme.update(|t| *t = t.next())>
                    {move || format!("Theme: {}", theme.get().label())}
                </button>
            </div>
        </header>
    }
}

/// The workspace's message (a link's bad values, an import, storage trouble).
#[component]
pub fn WorkspaceNotice() -> impl IntoView {
    let ws = use_workspace();
    move || {
        ws.notice.get().map(|text| {
            view! {
                <div id="workspace-notice" class="notice" role="status">
                    <p>{text}</p>
                    <button type="button" on:click=move |_| ws.notice.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}

/// Stored history: how much is kept, the bounds, on or off, and Clear.
#[component]
fn HistorySettings() -> impl IntoView {
    let ws = use_workspace();
    let history = ws.history;
    let messages = RwSignal::new(history.limits.get_untracked().max_messages.to_string());
    let size = RwSignal::new(format_bytes(history.limits.get_untracked().max_bytes));
    let error = RwSignal::new(None::<String>);
    let summary = move || {
        let (u, l) = (history.usage.get(), history.limits.get());
        let state = if history.enabled.get() { "on" } else { "off" };
        format!(
            "History {state}: {} of {} messages · {} of {}",
            group_thousands(u.messages as u64), group_thousands(l.max_messages as u64),
            format_bytes(u.bytes), format_bytes(l.max_bytes)
        )
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match HistoryLimits::parse(&messages.get_untracked(), &size.get_untracked()) {
            Ok(l) => {
                error.set(None);
                history.set_limits(l);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let clear = move |_| {
        for c in ws.connections.get_untracked() {
            history.clear(c.id);
        }
    };
    view! {
        <details class="history-settings">
            <summary id="history-summary">{summary}</summary>
            <form on:submit=apply novalidate>
                <div class="field checkbox">
                    <input id="history-enabled" type="checkbox" prop:checked=move || history.enabled.get()
                        on:change=move |ev| history.enabled.set(event_target_checked(&ev)) />
                    <label for="history-enabled">"Keep received messages in this browser"</label>
                </div>
                <div class="row">
                    <div class="field">
                        <label for="history-max-messages">"At most (messages, per connection)"</label>
                        <input id="history-max-messages" type="text" inputmode="numeric" size="9"
                            prop:value=move || messages.get() on:input=move |ev| messages.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="history-max-bytes">"At most (size, per connection)"</label>
                        <input id="history-max-bytes" type="text" size="9"
                            prop:value=move || size.get() on:input=move |ev| size.set(event_target_value(&ev)) />
                    </div>
                </div>
                {move || error.get().map(|e| view! { <p class="field-error" id="history-limits-error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" id="history-apply">"Apply"</button>
                    <button type="button" id="history-clear" on:click=clear>"Clear stored history"</button>
                </div>
                {move || history.unavailable.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </form>
        </details>
    }
}
