//! The publish form: topic, payload as text, JSON, hex or base64, and the
//! MQTT 5.0 properties.

use leptos::prelude::*;

use super::connection::qos_from_key;
use crate::client::{Client, PublishOutcome};
use crate::payload::PayloadFormat;
use crate::publish_form::{FieldError, PublishForm};

#[component]
pub fn PublishPanel(client: Client) -> impl IntoView {
    let state = client.state;
    let form = RwSignal::new(PublishForm::default());
    let error = RwSignal::new(None::<FieldError>);
    let is_v5 = move || state.version.get().is_v5();

    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let result = form
            .with_untracked(|f| f.messages(state.version.get_untracked()))
            .and_then(|messages| {
                client.publish(messages).map_err(|message| FieldError { field: "publish-topic", message })
            });
        error.set(result.err());
    };
    let set = move |f: fn(&mut PublishForm, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
        }
    };
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|e| e.field == field).map(|e| {
                view! { <p class="field-error" id=format!("{field}-error") role="alert">{e.message}</p> }
            })
        }
    };

    view! {
        <form class="panel publish" aria-labelledby="publish-heading" on:submit=publish novalidate>
            <h2 id="publish-heading">"Publish"</h2>
            <label for="publish-topic">"Topic"</label>
            <input id="publish-topic" type="text" spellcheck="false" placeholder="lab/hello"
                prop:value=move || form.with(|f| f.topic.clone()) on:input=set(|f, v| f.topic = v) />
            {field_error("publish-topic")}
            <div class="row">
                <div class="field">
                    <label for="publish-format">"Payload as"</label>
                    <select id="publish-format"
                        on:change=set(|f, v| f.format = PayloadFormat::from_key(&v).unwrap_or_default())>
                        {PayloadFormat::ALL.map(|p| view! { <option value=p.key()>{p.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="publish-qos">"QoS"</label>
                    <select id="publish-qos" on:change=set(|f, v| f.qos = qos_from_key(&v))>
                        <option value="0">"0"</option>
                        <option value="1">"1"</option>
                        <option value="2">"2"</option>
                    </select>
                </div>
                <div class="field checkbox">
                    <input id="publish-retain" type="checkbox"
                        on:change=move |ev| form.update(|f| f.retain = event_target_checked(&ev)) />
                    <label for="publish-retain">"Retain"</label>
                </div>
                <div class="field checkbox">
                    <input id="publish-lines" type="checkbox"
                        on:change=move |ev| form.update(|f| f.line_per_message = event_target_checked(&ev)) />
                    <label for="publish-lines">"One message per line"</label>
                </div>
            </div>
            <label for="publish-payload">"Payload"</label>
            <textarea id="publish-payload" rows="4" spellcheck="false"
                prop:value=move || form.with(|f| f.payload.clone()) on:input=set(|f, v| f.payload = v)></textarea>
            {field_error("publish-payload")}
            <Show when=is_v5>
                <details class="mqtt5-properties">
                    <summary>"MQTT 5.0 properties"</summary>
                    <label for="publish-content-type">"Content type"</label>
                    <input id="publish-content-type" type="text" on:input=set(|f, v| f.content_type = v) />
                    <label for="publish-response-topic">"Response topic"</label>
                    <input id="publish-response-topic" type="text" on:input=set(|f, v| f.response_topic = v) />
                    {field_error("publish-response-topic")}
                    <label for="publish-correlation">"Correlation data"</label>
                    <input id="publish-correlation" type="text" on:input=set(|f, v| f.correlation_data = v) />
                    <label for="publish-expiry">"Message expiry (s)"</label>
                    <input id="publish-expiry" type="text" inputmode="numeric" on:input=set(|f, v| f.message_expiry = v) />
                    {field_error("publish-expiry")}
                    <label for="publish-user-properties">"User properties (key=value, one per line)"</label>
                    <textarea id="publish-user-properties" rows="2" on:input=set(|f, v| f.user_properties = v)></textarea>
                    {field_error("publish-user-properties")}
                </details>
            </Show>
            <button id="publish" type="submit">"Publish"</button>
            <p id="publish-outcome" class="outcome" role="status">{move || match state.last_publish.get() {
                None => String::new(),
                Some(PublishOutcome::Sent { topic, count: 1 }) => format!("Sent to {topic}."),
                Some(PublishOutcome::Sent { topic, count }) => format!("Sent {count} messages to {topic}."),
                Some(PublishOutcome::Acknowledged { packet_id }) => format!("Message {packet_id} acknowledged by the broker."),
                Some(PublishOutcome::Failed(why)) => why,
            }}</p>
        </form>
    }
}
