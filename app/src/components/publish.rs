//! The publish form: topic, payload as text, JSON, hex or base64, and the
//! MQTT 5.0 properties.

use leptos::prelude::*;
use webmqtt_codec::QoS;

use super::fields::{field_error, options, selected};
use super::scope::{publish_warning, ScopeConfirm, ScopeHint};
use crate::connection::{Connection, PublishCounts, PublishOutcome};
use crate::form::{Field, FieldError};
use crate::payload::PayloadFormat;
use crate::publish_form::PublishForm;

#[component]
pub fn PublishPanel(conn: Connection) -> impl IntoView {
    let state = conn;
    let form = conn.publish_form;
    let error = RwSignal::new(None::<FieldError>);
    let version = move || conn.settings.with(|s| s.version);
    let is_v5 = move || version().is_v5();

    // Set while the in-page question about a topic outside the scope is open.
    let confirm = RwSignal::new(None::<String>);
    let send = move || {
        let result = form
            .with_untracked(|f| f.messages(untrack(version)))
            .and_then(|messages| conn.publish(messages).map_err(|m| FieldError::new(Field::PublishTopic, m)));
        error.set(result.err());
    };
    let publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A form that is wrong says so first; then a topic outside the scope asks.
        let checked = form.with_untracked(|f| f.messages(untrack(version)).map(|_| publish_warning(conn, &f.topic)));
        match checked {
            Err(e) => error.set(Some(e)),
            Ok(Some(warning)) => confirm.set(Some(warning)),
            Ok(None) => send(),
        }
    };
    let set = move |f: fn(&mut PublishForm, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
        }
    };
    let field_error = move |field: Field| field_error(field, move || error.get());

    view! {
        <form class="panel publish" aria-labelledby="publish-heading" on:submit=publish novalidate>
            <h2 id="publish-heading">"Publish"</h2>
            <label for="publish-topic">"Topic"</label>
            <input id="publish-topic" type="text" spellcheck="false" placeholder="lab/hello"
                prop:value=move || form.with(|f| f.topic.clone()) on:input=set(|f, v| f.topic = v) />
            {field_error(Field::PublishTopic)}
            <ScopeHint conn=conn field="publish-topic" value=Signal::derive(move || form.with(|f| f.topic.clone()))
                set=Callback::new(move |t| form.update(|f| f.topic = t)) />
            <div class="row">
                <div class="field">
                    <label for="publish-format">"Payload as"</label>
                    <select id="publish-format"
                        on:change=move |ev| { if let Some(p) = selected::<PayloadFormat>(&ev) { form.update(|f| f.format = p) } }>
                        {options::<PayloadFormat>()}
                    </select>
                </div>
                <div class="field">
                    <label for="publish-qos">"QoS"</label>
                    <select id="publish-qos" on:change=move |ev| { if let Some(q) = selected::<QoS>(&ev) { form.update(|f| f.qos = q) } }>
                        {options::<QoS>()}
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
            {field_error(Field::PublishPayload)}
            <Show when=is_v5>
                <details class="mqtt5-properties">
                    <summary>"MQTT 5.0 properties"</summary>
                    <label for="publish-content-type">"Content type"</label>
                    <input id="publish-content-type" type="text" on:input=set(|f, v| f.content_type = v) />
                    <label for="publish-response-topic">"Response topic"</label>
                    <input id="publish-response-topic" type="text" on:input=set(|f, v| f.response_topic = v) />
                    {field_error(Field::PublishResponseTopic)}
                    <label for="publish-correlation">"Correlation data"</label>
                    <input id="publish-correlation" type="text" on:input=set(|f, v| f.correlation_data = v) />
                    <label for="publish-expiry">"Message expiry (s)"</label>
                    <input id="publish-expiry" type="text" inputmode="numeric" on:input=set(|f, v| f.message_expiry = v) />
                    {field_error(Field::PublishExpiry)}
                    <label for="publish-user-properties">"User properties (key=value, one per line)"</label>
                    <textarea id="publish-user-properties" rows="2" on:input=set(|f, v| f.user_properties = v)></textarea>
                    {field_error(Field::PublishUserProperties)}
                </details>
            </Show>
            <ScopeConfirm id="publish-scope-confirm" warning=confirm yes_label="Publish anyway" on_yes=Callback::new(move |()| send()) />
            <button id="publish" type="submit">"Publish"</button>
            <p id="publish-outcome" class="outcome" role="status">{move || match state.last_publish.get() {
                None => String::new(),
                Some(PublishOutcome::Sent { topic, count: 1 }) => format!("Sent to {topic}."),
                Some(PublishOutcome::Sent { topic, count }) => format!("Sent {count} messages to {topic}."),
                Some(PublishOutcome::Acknowledged { packet_id }) => format!("Message {packet_id} acknowledged by the broker."),
                Some(PublishOutcome::Failed(why)) => why,
            }}</p>
            <p id="publish-acks" class="note" role="status">{move || acks_text(state.publish_counts.get())}</p>
        </form>
    }
}

/// "12 of 12 QoS 1/2 messages acknowledged": what a user checks after sending many.
fn acks_text(c: PublishCounts) -> String {
    let total = c.acknowledged + c.refused + c.awaiting_ack;
    if total == 0 {
        return String::new();
    }
    let refused = if c.refused > 0 { format!(", {} refused", c.refused) } else { String::new() };
    format!("{} of {total} QoS 1/2 messages acknowledged{refused}.", c.acknowledged)
}
