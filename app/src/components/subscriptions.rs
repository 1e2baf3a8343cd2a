//! Subscriptions: added and removed while connected, each with its result and colour.

use leptos::prelude::*;
use webmqtt_codec::{QoS, RetainHandling, SubscriptionOptions};

use super::fields::{options, selected};
use super::scope::{subscribe_warning, ScopeConfirm, ScopeHint};
use crate::connection::{Connection, SubscriptionState};

#[component]
pub fn SubscriptionsPanel(conn: Connection) -> impl IntoView {
    let state = conn;
    let filter = RwSignal::new(String::new());
    let sub_options = RwSignal::new(SubscriptionOptions::default());
    let error = RwSignal::new(None::<String>);
    let is_v5 = move || state.settings.with(|s| s.version.is_v5());

    // Set while the in-page question about a filter outside the scope is open.
    let confirm = RwSignal::new(None::<String>);
    let send = move || match conn.subscribe(filter.get_untracked().trim().to_owned(), sub_options.get_untracked()) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(e)),
    };
    let subscribe = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = filter.get_untracked();
        // An invalid filter gets its own message from subscribe(), not a scope question.
        let valid = webmqtt_codec::validate_topic_filter(typed.trim()).is_ok();
        match valid.then(|| subscribe_warning(conn, &typed)).flatten() {
            Some(warning) => confirm.set(Some(warning)),
            None => send(),
        }
    };

    view! {
        <section class="panel subscriptions" aria-labelledby="subscriptions-heading">
            <h2 id="subscriptions-heading">"Subscriptions"</h2>
            <form on:submit=subscribe novalidate>
                <div class="row">
                    <div class="field grow">
                        <label for="subscribe-topic">"Topic filter"</label>
                        <input id="subscribe-topic" type="text" spellcheck="false" placeholder="lab/#"
                            prop:value=move || filter.get()
                            on:input=move |ev| filter.set(event_target_value(&ev))
                            aria-describedby="subscribe-error" />
                    </div>
                    <div class="field">
                        <label for="subscribe-qos">"QoS"</label>
                        <select id="subscribe-qos"
                            on:change=move |ev| { if let Some(q) = selected::<QoS>(&ev) { sub_options.update(|o| o.qos = q) } }>
                            {options::<QoS>()}
                        </select>
                    </div>
                </div>
                <Show when=is_v5>
                    <div class="row">
                        <div class="field checkbox">
                            <input id="subscribe-no-local" type="checkbox"
                                on:change=move |ev| sub_options.update(|o| o.no_local = event_target_checked(&ev)) />
                            <label for="subscribe-no-local">"No local"</label>
                        </div>
                        <div class="field checkbox">
                            <input id="subscribe-rap" type="checkbox"
                                on:change=move |ev| sub_options.update(|o| o.retain_as_published = event_target_checked(&ev)) />
                            <label for="subscribe-rap">"Retain as published"</label>
                        </div>
                        <div class="field">
                            <label for="subscribe-retain-handling">"Retained messages"</label>
                            <select id="subscribe-retain-handling"
                                on:change=move |ev| { if let Some(r) = selected::<RetainHandling>(&ev) { sub_options.update(|o| o.retain_handling = r) } }>
                                {options::<RetainHandling>()}
                            </select>
                        </div>
                    </div>
                </Show>
                <ScopeHint conn=conn field="subscribe-topic" value=filter set=Callback::new(move |f| filter.set(f)) />
                {move || error.get().map(|e| view! { <p class="field-error" id="subscribe-error" role="alert">{e}</p> })}
                <ScopeConfirm id="subscribe-scope-confirm" warning=confirm yes_label="Subscribe anyway" on_yes=Callback::new(move |()| send()) />
                <button id="subscribe" type="submit">"Subscribe"</button>
            </form>
            <ul id="subscription-list" class="subscription-list">
                // Drawn anew when a subscription comes, goes or changes state
                // (a keyed <For> costs the download some 5 KB of code per list).
                {move || state.subscriptions.get().into_iter().map(|sub| view! {
                    <li class="subscription" data-filter=sub.filter.clone()>
                        <span class=format!("swatch sub-colour-{}", sub.colour) aria-hidden="true"></span>
                        <code class="filter">{sub.filter.clone()}</code>
                        <span class="sub-state">{match &sub.state {
                            SubscriptionState::NotSubscribed => "subscribes when connected".to_owned(),
                            SubscriptionState::Pending => "waiting for the broker…".to_owned(),
                            SubscriptionState::KeptBySession => "kept by the broker's session".to_owned(),
                            SubscriptionState::Granted(q) => format!("granted QoS {}", q.as_u8()),
                            SubscriptionState::Refused(why) => format!("refused: {why}"),
                        }}</span>
                        <button type="button" class="unsubscribe"
                            aria-label=format!("Unsubscribe from {}", sub.filter)
                            on:click={
                                let f = sub.filter.clone();
                                move |_| { let _ = conn.unsubscribe(f.clone()); }
                            }>"Unsubscribe"</button>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
