//! The topic scope on screen: its field in the connection form, the hint
//! beside the subscribe and publish topics (with a completion), and the
//! in-page question asked before sending outside it (never window.confirm,
//! which blocks the page and which some browsers and test harnesses dismiss).

use leptos::prelude::*;

use crate::connection::Connection;
use crate::scope::TopicScope;

/// The connection's scope, if it has a valid one.
pub(crate) fn scope_of(conn: Connection) -> Option<TopicScope> {
    conn.scope.with(|s| TopicScope::parse(s).ok().flatten())
}

/// Why publishing to `topic` should be asked about first (outside the scope).
pub(crate) fn publish_warning(conn: Connection, topic: &str) -> Option<String> {
    untrack(|| scope_of(conn)).and_then(|s| s.publish_warning(topic.trim()))
}

/// Why subscribing to `filter` should be asked about first.
pub(crate) fn subscribe_warning(conn: Connection, filter: &str) -> Option<String> {
    untrack(|| scope_of(conn)).and_then(|s| s.subscribe_warning(filter.trim()))
}

/// The "Topic scope" field of the connection form.
#[component]
pub fn ScopeField(conn: Connection) -> impl IntoView {
    let error = move || conn.scope.with(|s| TopicScope::parse(s).err());
    view! {
        <div class="field scope-field">
            <label for="topic-scope">"Topic scope (optional)"</label>
            <input id="topic-scope" type="text" spellcheck="false" placeholder="iotlab/yourlogin/"
                prop:value=move || conn.scope.get()
                on:input=move |ev| conn.scope.set(event_target_value(&ev))
                aria-describedby="topic-scope-note topic-scope-error" />
            <p id="topic-scope-note" class="note">
                "The prefix this broker lets you use. The app completes topics with it and asks before \
                 sending outside it: brokers mostly drop such messages without a word."
            </p>
            {move || error().map(|e| view! { <p class="field-error" id="topic-scope-error" role="alert">{e}</p> })}
        </div>
    }
}

/// Beside a topic field: the scope, and a button that completes the typed
/// topic into it when there is an obvious completion.
#[component]
pub fn ScopeHint(
    conn: Connection,
    /// The id of the field it is about (`publish-topic`, `subscribe-topic`).
    field: &'static str,
    #[prop(into)] value: Signal<String>,
    set: Callback<String>,
) -> impl IntoView {
    let scope = move || scope_of(conn);
    move || {
        scope().map(|s| {
            let typed = value.get();
            let inside = s.allows_filter(typed.trim());
            let completion = s.complete(&typed);
            let prefix = s.prefix().to_owned();
            view! {
                <p class="note scope-hint" id=format!("{field}-scope") class:outside=move || !inside && !typed.trim().is_empty()>
                    "Scope: " <code>{prefix}</code>
                    {(!inside && !typed.trim().is_empty()).then_some(" · outside it: the broker will not deliver this")}
                    {completion.map(|c| {
                        let label = format!("Use {c}");
                        view! {
                            " "
                            <button type="button" class="link" id=format!("{field}-scope-complete")
                                on:click=move |_| set.run(c.clone())>{label}</button>
                        }
                    })}
                </p>
            }
        })
    }
}

/// The question asked before sending outside the scope: the reason, then
/// "… anyway" or Cancel.
#[component]
pub fn ScopeConfirm(
    /// The element's id; the buttons are `{id}-yes` and `{id}-no`.
    id: &'static str,
    warning: RwSignal<Option<String>>,
    yes_label: &'static str,
    on_yes: Callback<()>,
) -> impl IntoView {
    move || {
        warning.get().map(|text| {
            view! {
                <div id=id class="confirm scope-confirm" role="alertdialog" aria-labelledby=format!("{id}-text")>
                    <p id=format!("{id}-text")>{text}</p>
                    <button type="button" id=format!("{id}-yes") on:click=move |_| { warning.set(None); on_yes.run(()); }>
                        {yes_label}
                    </button>
                    <button type="button" id=format!("{id}-no") on:click=move |_| warning.set(None)>"Cancel"</button>
                </div>
            }
        })
    }
}
