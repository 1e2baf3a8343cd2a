//! The connection ("login") form.

use leptos::prelude::*;
use webmqtt_codec::{ProtocolVersion, QoS};

use super::fields::{field_error, options, selected};
use super::page_is_https;
use super::scope::ScopeField;
use crate::connection::{Connection, Status};
use crate::form::{Field, FieldError, SelectKey};
use crate::settings::{random_client_id, ConnectionSettings, SettingsError};

#[component]
pub fn ConnectionPanel(conn: Connection) -> impl IntoView {
    let settings = conn.settings;
    let error = RwSignal::new(None::<FieldError>);
    let show_password = RwSignal::new(false);
    let busy = move || !matches!(conn.status.get(), Status::Disconnected);

    // The URL field is checked as the user types, so a typo shows before Connect.
    let url_error = move || {
        settings.with(|s| {
            s.broker_url()
                .and_then(|u| u.check_page(page_is_https()).map_err(SettingsError::Url))
                .err()
                .map(|e| e.to_string())
        })
    };

    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let result = conn.connect(page_is_https()).map_err(|e: SettingsError| FieldError::new(e.field(), e.to_string()));
        error.set(result.err());
    };
    let field_error = move |field: Field| field_error(field, move || error.get());
    let set = move |f: fn(&mut ConnectionSettings, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            settings.update(|s| f(s, v));
        }
    };
    let is_v5 = move || settings.with(|s| s.version.is_v5());
    let disconnect_expiry = RwSignal::new(String::new());
    let disconnect_error = RwSignal::new(None::<String>);
    let disconnect_with = move |send_will: bool| {
        let text = disconnect_expiry.get_untracked();
        let expiry = match text.trim() {
            "" => Ok(None),
            t => t.parse::<u32>().map(Some).map_err(|_| {
                format!("Session expiry is a number of seconds (0 to 4294967295), not \"{t}\".")
            }),
        };
        let result = expiry.and_then(|e| conn.disconnect_with(send_will, e));
        disconnect_error.set(result.err());
    };

    view! {
        <form class="panel connection" aria-labelledby="connection-heading" on:submit=connect novalidate>
            <h2 id="connection-heading">{move || format!("Broker · {}", conn.name.get())}</h2>
            <label for="broker-url">"Broker URL (ws:// or wss://)"</label>
            <input id="broker-url" name="url" type="text" inputmode="url" autocomplete="url"
                spellcheck="false" placeholder="ws://localhost:9001"
                prop:value=move || settings.with(|s| s.url.clone())
                on:input=set(|s, v| s.url = v)
                aria-describedby="broker-url-error" />
            {move || url_error().map(|m| view! { <p class="field-error" id="broker-url-error" role="alert">{m}</p> })}

            <div class="row">
                <div class="field">
                    <label for="protocol-version">"MQTT version"</label>
                    <select id="protocol-version"
                        prop:value=move || settings.with(|s| s.version.key())
                        on:change=move |ev| { if let Some(v) = selected::<ProtocolVersion>(&ev) { settings.update(|s| s.version = v) } }>
                        {options::<ProtocolVersion>()}
                    </select>
                </div>
                <div class="field grow">
                    <label for="client-id">"Client id"</label>
                    <div class="inline">
                        <input id="client-id" type="text" spellcheck="false"
                            prop:value=move || settings.with(|s| s.client_id.clone())
                            on:input=set(|s, v| s.client_id = v) />
                        <button type="button" id="client-id-regenerate" aria-label="New random client id"
                            on:click=move |_| settings.update(|s| s.client_id = random_client_id(js_sys::Math::random))>
                            "New"
                        </button>
                    </div>
                    {field_error(Field::ClientId)}
                </div>
            </div>

            <div class="row">
                <div class="field grow">
                    <label for="username">"Username"</label>
                    <input id="username" type="text" autocomplete="username" spellcheck="false"
                        prop:value=move || settings.with(|s| s.username.clone())
                        on:input=set(|s, v| s.username = v) />
                </div>
                <div class="field grow">
                    <label for="password">"Password"</label>
                    <div class="inline">
                        <input id="password" autocomplete="current-password"
                            type=move || if show_password.get() { "text" } else { "password" }
                            prop:value=move || settings.with(|s| s.password.clone())
                            on:input=set(|s, v| s.password = v) />
                        <button type="button" id="password-toggle"
                            aria-pressed=move || show_password.get().to_string()
                            on:click=move |_| show_password.update(|v| *v = !*v)>
                            {move || if show_password.get() { "Hide" } else { "Show" }}
                        </button>
                    </div>
                </div>
            </div>

            <ScopeField conn=conn />

            <div class="field checkbox remember">
                <input id="remember-password" type="checkbox" prop:checked=move || conn.remember_password.get()
                    on:change=move |ev| conn.remember_password.set(event_target_checked(&ev))
                    aria-describedby="remember-password-note" />
                <label for="remember-password">"Remember password on this device"</label>
            </div>
            <p id="remember-password-note" class="note">
                "Off: the password is never stored. On: anyone using this browser profile can read it."
            </p>

            <div class="row">
                <div class="field">
                    <label for="keep-alive">"Keep alive (s)"</label>
                    <input id="keep-alive" type="text" inputmode="numeric"
                        prop:value=move || settings.with(|s| s.keep_alive.clone())
                        on:input=set(|s, v| s.keep_alive = v) />
                    {field_error(Field::KeepAlive)}
                </div>
                <Show when=is_v5>
                    <div class="field">
                        <label for="session-expiry">"Session expiry (s)"</label>
                        <input id="session-expiry" type="text" inputmode="numeric" placeholder="0"
                            prop:value=move || settings.with(|s| s.session_expiry.clone())
                            on:input=set(|s, v| s.session_expiry = v) />
                        {field_error(Field::SessionExpiry)}
                    </div>
                </Show>
                <div class="field checkbox">
                    <input id="clean-start" type="checkbox"
                        prop:checked=move || settings.with(|s| s.clean_start)
                        on:change=move |ev| settings.update(|s| s.clean_start = event_target_checked(&ev)) />
                    <label for="clean-start">{move || if is_v5() { "Clean start" } else { "Clean session" }}</label>
                </div>
            </div>

            <details class="will">
                <summary>"Last will"</summary>
                <label for="will-topic">"Will topic"</label>
                <input id="will-topic" type="text" spellcheck="false"
                    prop:value=move || settings.with(|s| s.will_topic.clone())
                    on:input=set(|s, v| s.will_topic = v) />
                {field_error(Field::WillTopic)}
                <label for="will-payload">"Will payload"</label>
                <input id="will-payload" type="text"
                    prop:value=move || settings.with(|s| s.will_payload.clone())
                    on:input=set(|s, v| s.will_payload = v) />
                <div class="row">
                    <div class="field">
                        <label for="will-qos">"Will QoS"</label>
                        <select id="will-qos" prop:value=move || settings.with(|s| s.will_qos.key())
                            on:change=move |ev| { if let Some(q) = selected::<QoS>(&ev) { settings.update(|s| s.will_qos = q) } }>
                            {options::<QoS>()}
                        </select>
                    </div>
                    <div class="field checkbox">
                        <input id="will-retain" type="checkbox" prop:checked=move || settings.with(|s| s.will_retain)
                            on:change=move |ev| settings.update(|s| s.will_retain = event_target_checked(&ev)) />
                        <label for="will-retain">"Retain will"</label>
                    </div>
                </div>
            </details>

            <div class="actions">
                <button id="connect" type="submit" disabled=busy>"Connect"</button>
                <button id="disconnect" type="button" disabled=move || !busy()
                    on:click=move |_| conn.disconnect()>"Disconnect"</button>
            </div>
            <Show when=move || is_v5() && matches!(conn.status.get(), Status::Connected { .. })>
                <details class="disconnect-options">
                    <summary>"Disconnect options (MQTT 5.0)"</summary>
                    <label for="disconnect-session-expiry">"Session expiry from now on (s, empty: unchanged)"</label>
                    <input id="disconnect-session-expiry" type="text" inputmode="numeric"
                        prop:value=move || disconnect_expiry.get()
                        on:input=move |ev| disconnect_expiry.set(event_target_value(&ev))
                        aria-describedby="disconnect-error" />
                    <div class="actions">
                        <button id="disconnect-with-will" type="button" on:click=move |_| disconnect_with(true)>
                            "Disconnect and send will"
                        </button>
                        <button id="disconnect-with-expiry" type="button" on:click=move |_| disconnect_with(false)>
                            "Disconnect"
                        </button>
                    </div>
                    {move || disconnect_error.get().map(|e| view! { <p class="field-error" id="disconnect-error" role="alert">{e}</p> })}
                </details>
            </Show>
        </form>
    }
}
