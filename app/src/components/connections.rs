//! The list of connections: add, duplicate, rename, remove, connect and
//! disconnect each one, copy its share link; a status dot each. A sidebar on
//! wide screens, a menu on phones.

use leptos::prelude::*;

use crate::connection::{Connection, Status};
use crate::workspace::{use_workspace, ConnectionId};

#[component]
pub fn ConnectionList() -> impl IntoView {
    let ws = use_workspace();
    // Phones: the list folds away behind a button.
    let open = RwSignal::new(false);
    let count = move || ws.connections.with(Vec::len);
    let selected_name = move || ws.selected_connection().map(|c| c.name.get()).unwrap_or_default();

    view! {
        <nav class="connections" aria-labelledby="connections-heading" class:open=move || open.get()>
            <div class="connections-head">
                <h2 id="connections-heading">"Connections"</h2>
                <button type="button" id="connections-menu" class="menu-toggle"
                    aria-expanded=move || open.get().to_string() aria-controls="connection-list"
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {move || format!("{} ({}) ▾", selected_name(), count())}
                </button>
            </div>
            <ul id="connection-list" class="connection-list">
                // A short list that changes only when the user adds or removes
                // a connection: drawn anew then (a keyed <For> costs the download
                // some 5 KB of code per list).
                {move || ws.connections.get().into_iter()
                    .map(|conn| view! { <ConnectionItem conn=conn on_pick=move || open.set(false) /> })
                    .collect_view()}
            </ul>
            <button type="button" id="connection-add" class="add" on:click=move |_| { ws.add(); open.set(false); }>
                "+ New connection"
            </button>
        </nav>
    }
}

#[component]
fn ConnectionItem(conn: Connection, on_pick: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let ws = use_workspace();
    let id: ConnectionId = conn.id;
    let is_selected = move || ws.selected.get() == id;
    let renaming = RwSignal::new(false);
    let rename_error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let confirm_remove = RwSignal::new(false);
    let up = move || !matches!(conn.status.get(), Status::Disconnected);
    let status_text = move || conn.status.with(|s| s.kind());

    let toggle = move |_| {
        if up() {
            conn.disconnect();
        } else {
            ws.select(id);
            if let Err(e) = conn.connect(crate::components::page_is_https()) {
                conn.problem.set(Some(crate::problem::Problem::new(e.to_string(), "Correct it in the form.")));
            }
        }
    };
    let copy_link = move |_| {
        if let (Some(link), Some(w)) = (ws.share_link(id), web_sys::window()) {
            let _ = w.navigator().clipboard().write_text(&link);
            copied.set(true);
        }
    };
    let finish_rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = event_target::<web_sys::HtmlFormElement>(&ev)
            .elements()
            .named_item("name")
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok())
            .map(|i| i.value())
            .unwrap_or_default();
        match ws.rename(id, &input) {
            Ok(()) => {
                renaming.set(false);
                rename_error.set(None);
            }
            Err(e) => rename_error.set(Some(e)),
        }
    };

    view! {
        <li class="connection-item" class:selected=is_selected data-connection=id.0.to_string()>
            <div class="connection-line">
                <span class=move || format!("dot {}", status_text()) role="img"
                    aria-label=move || format!("status: {}", status_text())></span>
                <span class=format!("conn-swatch conn-colour-{}", conn.colour) aria-hidden="true"></span>
                <button type="button" class="connection-pick" aria-current=move || is_selected().then_some("true")
                    on:click=move |_| { ws.select(id); on_pick(); }>
                    {move || conn.name.get()}
                </button>
                <button type="button" class="connection-toggle"
                    aria-label=move || format!("{} {}", if up() { "Disconnect" } else { "Connect" }, conn.name.get())
                    on:click=toggle>
                    {move || if up() { "Disconnect" } else { "Connect" }}
                </button>
            </div>
            <Show when=is_selected>
                <div class="connection-actions">
                    <button type="button" class="connection-rename" on:click=move |_| renaming.update(|r| *r = !*r)>"Rename"</button>
                    <button type="button" class="connection-duplicate" on:click=move |_| ws.duplicate(id)>"Duplicate"</button>
                    <button type="button" class="connection-copy-link" on:click=copy_link>
                        {move || if copied.get() { "Link copied" } else { "Copy link" }}
                    </button>
                    <button type="button" class="connection-remove" on:click=move |_| confirm_remove.set(true)>"Remove"</button>
                </div>
                <Show when=move || confirm_remove.get()>
                    <p class="confirm" role="alert">
                        {move || format!("Remove \"{}\" and its stored history? ", conn.name.get())}
                        <button type="button" class="connection-remove-yes" on:click=move |_| ws.remove(id)>"Remove"</button>
                        <button type="button" on:click=move |_| confirm_remove.set(false)>"Keep"</button>
                    </p>
                </Show>
                <Show when=move || renaming.get()>
                    <form class="rename" on:submit=finish_rename>
                        <label for="connection-name">"Name"</label>
                        <input id="connection-name" name="name" type="text" prop:value=move || conn.name.get_untracked() />
                        <button type="submit">"Save"</button>
                        {move || rename_error.get().map(|e| view! { <p class="field-error" id="connection-name-error" role="alert">{e}</p> })}
                    </form>
                </Show>
                {move || ws.share_link(id).filter(|_| copied.get()).map(|link| view! {
                    <p class="note share-link">"Share link: " <code id="share-link">{link}</code></p>
                })}
            </Show>
        </li>
    }
}
