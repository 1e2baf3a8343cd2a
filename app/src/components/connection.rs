//! The connection ("login") form.

use leptos::prelude::*;
use webmqtt_codec::{ProtocolVersion, QoS};

use crate::client::{Client, Status};
use crate::settings::{random_client_id, ConnectionSettings, SettingsError};

fn version_key(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::V3_1 => "3.1",
        ProtocolVersion::V3_1_1 => "3.1.1",
        ProtocolVersion::V5 => "5.0",
    }
}

fn version_from_key(key: &str) -> ProtocolVersion {
    match key {
        "3.1" => ProtocolVersion::V3_1,
        "5.0" => ProtocolVersion::V5,
        _ => ProtocolVersion::V3_1_1,
    }
}

fn page_is_https() -> bool {
    web_sys::window().and_then(|w| w.location().protocol().ok()).is_some_and(|p| p == "https:")
}

/// Which input an error belongs to, so it is shown beside it.
fn field_of(e: &SettingsError) -> &'static str {
    match e {
        SettingsError::Url(_) => "broker-url",
        SettingsError::KeepAlive(_) => "keep-alive",
        SettingsError::SessionExpiry(_) => "session-expiry",
        SettingsError::WillTopic(_) => "will-topic",
        SettingsError::ClientId(_) => "client-id",
    }
}

#[component]
pub fn ConnectionPanel(client: Client, settings: RwSignal<ConnectionSettings>) -> impl IntoView {
    let error = RwSignal::new(None::<(&'static str, String)>);
    let show_password = RwSignal::new(false);
    let busy = move || !matches!(client.state.status.get(), Status::Disconnected);

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
        let s = settings.get_untracked();
        let checked = s.to_options().and_then(|(url, o)| {
            url.check_page(page_is_https()).map_err(SettingsError::Url)?;
            Ok((url, o))
        });
        match checked {
            Ok((url, options)) => {
                error.set(None);
                client.connect(url, options);
            }
            Err(e) => error.set(Some((field_of(&e), e.to_string()))),
        }
    };
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| *f == field).map(|(_, m)| {
                view! { <p class="field-error" id=format!("{field}-error") role="alert">{m}</p> }
            })
        }
    };
    let set = move |f: fn(&mut ConnectionSettings, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            settings.update(|s| f(s, v));
        }
    };
    let is_v5 = move || settings.with(|s| s.version.is_v5());

    view! {
        <form class="panel connection" aria-labelledby="connection-heading" on:submit=connect novalidate>
            <h2 id="connection-heading">"Broker"</h2>
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
                        prop:value=move || version_key(settings.with(|s| s.version)).to_owned()
                        on:change=set(|s, v| s.version = version_from_key(&v))>
                        <option value="3.1.1">"3.1.1"</option>
                        <option value="5.0">"5.0"</option>
                        <option value="3.1">"3.1"</option>
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
                    {field_error("client-id")}
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

            <div class="row">
                <div class="field">
                    <label for="keep-alive">"Keep alive (s)"</label>
                    <input id="keep-alive" type="text" inputmode="numeric"
                        prop:value=move || settings.with(|s| s.keep_alive.clone())
                        on:input=set(|s, v| s.keep_alive = v) />
                    {field_error("keep-alive")}
                </div>
                <Show when=is_v5>
                    <div class="field">
                        <label for="session-expiry">"Session expiry (s)"</label>
                        <input id="session-expiry" type="text" inputmode="numeric" placeholder="0"
                            prop:value=move || settings.with(|s| s.session_expiry.clone())
                            on:input=set(|s, v| s.session_expiry = v) />
                        {field_error("session-expiry")}
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
                {field_error("will-topic")}
                <label for="will-payload">"Will payload"</label>
                <input id="will-payload" type="text"
                    prop:value=move || settings.with(|s| s.will_payload.clone())
                    on:input=set(|s, v| s.will_payload = v) />
                <div class="row">
                    <div class="field">
                        <label for="will-qos">"Will QoS"</label>
                        <select id="will-qos" on:change=set(|s, v| s.will_qos = qos_from_key(&v))>
                            <option value="0">"0"</option>
                            <option value="1">"1"</option>
                            <option value="2">"2"</option>
                        </select>
                    </div>
                    <div class="field checkbox">
                        <input id="will-retain" type="checkbox"
                            on:change=move |ev| settings.update(|s| s.will_retain = event_target_checked(&ev)) />
                        <label for="will-retain">"Retain will"</label>
                    </div>
                </div>
            </details>

            <div class="actions">
                <button id="connect" type="submit" disabled=busy>"Connect"</button>
                <button id="disconnect" type="button" disabled=move || !busy()
                    on:click=move |_| client.disconnect()>"Disconnect"</button>
            </div>
        </form>
    }
}

pub(crate) fn qos_from_key(key: &str) -> QoS {
    match key {
        "1" => QoS::AtLeastOnce,
        "2" => QoS::ExactlyOnce,
        _ => QoS::AtMostOnce,
    }
}
