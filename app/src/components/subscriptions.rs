//! Subscriptions: added and removed while connected, each with its result and colour.

use leptos::prelude::*;
use webmqtt_codec::{RetainHandling, SubscriptionOptions};

use super::connection::qos_from_key;
use crate::client::{Client, SubscriptionState};

#[component]
pub fn SubscriptionsPanel(client: Client, initial_filter: String) -> impl IntoView {
    let state = client.state;
    let filter = RwSignal::new(initial_filter);
    let options = RwSignal::new(SubscriptionOptions::default());
    let error = RwSignal::new(None::<String>);
    let is_v5 = move || state.version.get().is_v5();

    let subscribe = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match client.subscribe(filter.get_untracked().trim().to_owned(), options.get_untracked()) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e)),
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
                            on:change=move |ev| options.update(|o| o.qos = qos_from_key(&event_target_value(&ev)))>
                            <option value="0">"0"</option>
                            <option value="1">"1"</option>
                            <option value="2">"2"</option>
                        </select>
                    </div>
                </div>
                <Show when=is_v5>
                    <div class="row">
                        <div class="field checkbox">
                            <input id="subscribe-no-local" type="checkbox"
                                on:change=move |ev| options.update(|o| o.no_local = event_target_checked(&ev)) />
                            <label for="subscribe-no-local">"No local"</label>
                        </div>
                        <div class="field checkbox">
                            <input id="subscribe-rap" type="checkbox"
                                on:change=move |ev| options.update(|o| o.retain_as_published = event_target_checked(&ev)) />
                            <label for="subscribe-rap">"Retain as published"</label>
                        </div>
                        <div class="field">
                            <label for="subscribe-retain-handling">"Retained messages"</label>
                            <select id="subscribe-retain-handling"
                                on:change=move |ev| options.update(|o| o.retain_handling = match event_target_value(&ev).as_str() {
                                    "1" => RetainHandling::SendAtNewSubscribe,
                                    "2" => RetainHandling::DoNotSend,
                                    _ => RetainHandling::SendAtSubscribe,
                                })>
                                <option value="0">"Send on subscribe"</option>
                                <option value="1">"Send if new subscription"</option>
                                <option value="2">"Do not send"</option>
                            </select>
                        </div>
                    </div>
                </Show>
                {move || error.get().map(|e| view! { <p class="field-error" id="subscribe-error" role="alert">{e}</p> })}
                <button id="subscribe" type="submit">"Subscribe"</button>
            </form>
            <ul id="subscription-list" class="subscription-list">
                <For each=move || state.subscriptions.get() key=|s| (s.filter.clone(), s.state.clone()) let:sub>
                    <li class="subscription" data-filter=sub.filter.clone()>
                        <span class=format!("swatch sub-colour-{}", sub.colour) aria-hidden="true"></span>
                        <code class="filter">{sub.filter.clone()}</code>
                        <span class="sub-state">{match &sub.state {
                            SubscriptionState::Pending => "waiting for the broker…".to_owned(),
                            SubscriptionState::Granted(q) => format!("granted QoS {}", q.as_u8()),
                            SubscriptionState::Refused(why) => format!("refused: {why}"),
                        }}</span>
                        <button type="button" class="unsubscribe"
                            aria-label=format!("Unsubscribe from {}", sub.filter)
                            on:click={
                                let f = sub.filter.clone();
                                move |_| { let _ = client.unsubscribe(f.clone()); }
                            }>"Unsubscribe"</button>
                    </li>
                </For>
            </ul>
        </section>
    }
}
