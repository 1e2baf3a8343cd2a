//! The header: the app's name and version, the theme, and the workspace's
//! file actions (export and import of connections); and the workspace's notice.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::download;
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
