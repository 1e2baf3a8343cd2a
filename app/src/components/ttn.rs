//! The Things Network: a connection preset (with the bridge The Things Stack
//! needs), an uplink viewer, the devices seen, and a downlink composer.

use crate::number_text::decimal;
use leptos::prelude::*;
use webmqtt_codec::{Publish, SubscriptionOptions};

use super::fields::{options, selected};
use super::{clock_time, size, KeyedRows};
use crate::connection::Connection;
use crate::form::{Field, SelectKey};
use crate::payload;
use super::labs::BridgeOutput;
use crate::bridge::{Bridge, BridgeForm, DEFAULT_WS_PORT};
use crate::ttn::{
    mosquitto_pub_config, ComposerCheck, ComposerForm, ComposerFormat, Priority, QueueOperation,
    TtnKind, TtnMessage,
};

/// The local bridge's WebSocket port in the generated configuration.
const BRIDGE_WS_PORT: u16 = DEFAULT_WS_PORT;

#[component]
pub fn TtnPanel(conn: Connection) -> impl IntoView {
    let settings = conn.settings;
    let cluster = RwSignal::new("eu1.cloud.thethings.network".to_owned());
    let api_key = RwSignal::new(String::new());
    let form = RwSignal::new(ComposerForm::default());
    let subscribe_error = RwSignal::new(None::<String>);

    let use_preset = move |_| {
        let app = form.with_untracked(ComposerForm::application);
        settings.update(|s| {
            s.url = format!("ws://127.0.0.1:{BRIDGE_WS_PORT}");
            s.username = app.username();
            s.password = api_key.get_untracked();
        });
    };
    let subscribe_traffic = move |_| {
        let app = form.with_untracked(ComposerForm::application);
        let result = crate::ttn::check_id("application", &app.id)
            .and_then(|()| conn.subscribe(app.traffic_filter(), SubscriptionOptions::default()));
        subscribe_error.set(result.err());
    };
    // The one bridge generator (bridge.rs), with TTN's preset.
    let bridge = Signal::derive(move || -> Result<Bridge, _> {
        BridgeForm::ttn(&cluster.get(), &form.with(|f| f.application().username()), &api_key.get()).check()
    });
    let fill_login = Callback::new(move |()| {
        let app = form.with_untracked(ComposerForm::application);
        settings.update(|s| s.username = app.username());
    });

    view! {
        <section class="panel ttn" aria-labelledby="ttn-heading">
            <h2 id="ttn-heading">"The Things Network"</h2>
            <div class="row">
                <div class="field grow">
                    <label for="ttn-cluster">"Cluster address"</label>
                    <input id="ttn-cluster" type="text" spellcheck="false" prop:value=move || cluster.get()
                        on:input=move |ev| cluster.set(event_target_value(&ev)) />
                </div>
            </div>
            <div class="row">
                <div class="field grow">
                    <label for="ttn-app-id">"Application id"</label>
                    <input id="ttn-app-id" type="text" spellcheck="false"
                        prop:value=move || form.with(|f| f.application_id.clone())
                        on:input=move |ev| form.update(|f| f.application_id = event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="ttn-tenant">"Tenant (empty for open source)"</label>
                    <input id="ttn-tenant" type="text" spellcheck="false"
                        prop:value=move || form.with(|f| f.tenant.clone())
                        on:input=move |ev| form.update(|f| f.tenant = event_target_value(&ev)) />
                </div>
            </div>
            <label for="ttn-api-key">"API key (the password)"</label>
            <input id="ttn-api-key" type="password" autocomplete="off" spellcheck="false"
                prop:value=move || api_key.get() on:input=move |ev| api_key.set(event_target_value(&ev)) />
            <p class="note">
                "User name: " <code id="ttn-username">{move || form.with(|f| f.application().username())}</code>
            </p>
            <details class="ttn-bridge">
                <summary>"The Things Stack has no WebSocket listener: run a bridge"</summary>
                <p>
                    "A browser can only speak MQTT over WebSocket. Save this as "
                    <code>"ttn-bridge.conf"</code> " and start a local mosquitto with "
                    <code>"mosquitto -c ttn-bridge.conf -v"</code>
                    "; it bridges the application's " <code>"v3/#"</code> " topics to the cluster's port 8883."
                </p>
                <BridgeOutput conn=conn bridge=bridge id="ttn-bridge" before_connect=fill_login />
            </details>
            <div class="actions">
                <button id="ttn-use" type="button" on:click=use_preset>"Fill the connection form"</button>
                <button id="ttn-subscribe" type="button" on:click=subscribe_traffic>"Subscribe to application traffic"</button>
            </div>
            {move || subscribe_error.get().map(|e| view! { <p class="field-error" id="ttn-subscribe-error" role="alert">{e}</p> })}
            <DeviceListView conn=conn form=form />
            <UplinkViewer conn=conn />
            <DownlinkComposer conn=conn form=form cluster=cluster />
        </section>
    }
}

#[component]
fn DeviceListView(conn: Connection, form: RwSignal<ComposerForm>) -> impl IntoView {
    // The list is drawn anew only when a new device appears (a keyed <For>
    // costs the download some 5 KB of code per list); each row then reads
    // what it says from the log as uplinks come. A row made anew at every
    // uplink would lose a click pressed on it just before.
    let ids = Memo::new(move |_| conn.ttn.with(|log| log.devices.0.keys().cloned().collect::<Vec<_>>()));
    view! {
        <h3>"Devices seen"</h3>
        <ul id="ttn-devices" class="ttn-devices">
            {move || ids.get().into_iter().map(|id| {
                let seen = {
                    let id = id.clone();
                    move || conn.ttn.with(|log| log.devices.0.get(&id).map(|d| format!(
                        " last seen {}{}{}",
                        clock_time(d.last_seen_ms),
                        d.last_f_cnt.map(|c| format!(", f_cnt {c}")).unwrap_or_default(),
                        d.last_rssi.map(|r| format!(", RSSI {} dBm", decimal(r, 3))).unwrap_or_default(),
                    )))
                };
                view! {
                    <li>
                        <button type="button" class="ttn-device" data-device=id.clone()
                            on:click={
                                let id = id.clone();
                                move |_| form.update(|f| f.device_id = id.clone())
                            }>
                            {id.clone()}
                        </button>
                        {seen}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn UplinkViewer(conn: Connection) -> impl IntoView {
    let seqs = Signal::derive(move || conn.ttn.with(|log| log.events().map(|e| e.seq).collect::<Vec<u64>>()));
    let row = Callback::new(move |seq| {
        let event = conn.ttn.with_untracked(|log| log.events().find(|e| e.seq == seq).cloned());
        event.map(|e| view! { <TtnEventRow at_ms=e.at_ms topic=e.topic message=e.message raw=e.raw /> }).into_any()
    });
    view! {
        <h3>"Uplinks and events"</h3>
        <ol id="ttn-events" class="ttn-events">
            <KeyedRows keys=seqs row=row />
        </ol>
    }
}

#[component]
fn TtnEventRow(at_ms: f64, topic: String, message: TtnMessage, raw: String) -> impl IntoView {
    let device = message.device_id.clone();
    let body = match message.kind {
        TtnKind::Uplink(up) => {
            let mut facts = vec![];
            if let Some(p) = up.f_port {
                facts.push(format!("f_port {p}"));
            }
            if let Some(c) = up.f_cnt {
                facts.push(format!("f_cnt {c}"));
            }
            if let Some(r) = up.best_rssi {
                facts.push(format!("RSSI {} dBm", decimal(r, 3)));
            }
            if let Some(s) = up.best_snr {
                facts.push(format!("SNR {} dB", decimal(s, 3)));
            }
            facts.push(format!("{} gateway{}", up.gateways, if up.gateways == 1 { "" } else { "s" }));
            if let (Some(sf), Some(bw)) = (up.spreading_factor, up.bandwidth) {
                facts.push(format!("SF{sf} BW{}", bw / 1000));
            }
            if let Some(f) = &up.frequency {
                facts.push(format!("{f} Hz"));
            }
            if let Some(a) = &up.airtime {
                facts.push(format!("airtime {a}"));
            }
            let payload_line = up.frm_payload.as_ref().map(|b| {
                let text = payload::is_text(b).then(|| format!(" \"{}\"", String::from_utf8_lossy(b)));
                format!("frm_payload {} ({}){}", payload::to_hex(b), size(b.len()), text.unwrap_or_default())
            });
            let decoded = up.decoded_payload.as_ref().map(crate::json::Value::pretty);
            view! {
                <span class="ttn-label">"Uplink"</span>
                <span class="ttn-facts">{facts.join(" · ")}</span>
                {payload_line.map(|l| view! { <code class="ttn-frm-payload">{l}</code> })}
                {decoded.map(|d| view! { <pre class="ttn-decoded">{d}</pre> })}
                {up.received_at.map(|t| view! { <span class="ttn-received-at">{format!("received_at {t}")}</span> })}
            }
            .into_any()
        }
        TtnKind::Event { label, f_port, f_cnt, detail } => {
            let facts: Vec<String> = [
                f_port.map(|p| format!("f_port {p}")),
                f_cnt.map(|c| format!("f_cnt {c}")),
                detail,
            ]
            .into_iter()
            .flatten()
            .collect();
            view! {
                <span class="ttn-label">{label}</span>
                <span class="ttn-facts">{facts.join(" · ")}</span>
            }
            .into_any()
        }
        TtnKind::Unrecognised { reason } => view! {
            <span class="ttn-label">"Not a The Things Stack message"</span>
            <span class="ttn-note">{format!("Shown as received: {reason}.")}</span>
            <pre class="ttn-raw">{raw}</pre>
        }
        .into_any(),
    };
    view! {
        <li class="ttn-event" data-device=message.device_id data-topic=topic>
            <time class="time">{clock_time(at_ms)}</time>
            <span class="ttn-device-id">{device}</span>
            {body}
        </li>
    }
}

#[component]
fn DownlinkComposer(conn: Connection, form: RwSignal<ComposerForm>, cluster: RwSignal<String>) -> impl IntoView {
    let check = Memo::new(move |_| form.with(|f| f.check(false)));
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // Errors wait until the user has typed into the composer or tried to send.
    let touched = RwSignal::new(false);
    let set = move |f: fn(&mut ComposerForm, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            touched.set(true);
            form.update(|s| f(s, v));
        }
    };
    let message_for = move |field: Field, c: &ComposerCheck| {
        let error = c.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone());
        let warning = c.warnings.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone());
        (error, warning)
    };
    let notes = move |field: Field| {
        move || {
            let (error, warning) = check.with(|c| message_for(field, c));
            let error = error.filter(|_| touched.get());
            view! {
                {error.map(|e| view! { <p class="field-error" id=field.error_id() role="alert">{e}</p> })}
                {warning.map(|w| view! { <p class="field-warning" id=format!("{}-warning", field.id())>{w}</p> })}
            }
        }
    };
    let send = move |clear_queue: bool| {
        touched.set(true);
        let c = form.with_untracked(|f| f.check(clear_queue));
        let Some(request) = c.request else {
            outcome.set(Some(Err("Nothing was sent: correct the fields marked above.".into())));
            return;
        };
        let topic = request.topic();
        let result = conn.publish(vec![Publish::new(topic.clone(), request.json().into_bytes())]);
        outcome.set(Some(result.map(|()| format!("Published to {topic}."))));
    };
    let command = move || {
        check.with(|c| c.request.as_ref().map(|r| r.mosquitto_pub_command(&cluster.get())))
    };
    let copy = move |_| {
        if let (Some(cmd), Some(w)) = (command(), web_sys::window()) {
            let _ = w.navigator().clipboard().write_text(&cmd);
        }
    };

    view! {
        <form class="ttn-composer" aria-labelledby="ttn-composer-heading" novalidate
            on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); send(false); }>
            <h3 id="ttn-composer-heading">"Downlink"</h3>
            <div class="row">
                <div class="field grow">
                    <label for="ttn-device-id">"Device id"</label>
                    <input id="ttn-device-id" type="text" spellcheck="false"
                        prop:value=move || form.with(|f| f.device_id.clone()) on:input=set(|f, v| f.device_id = v) />
                </div>
                <div class="field">
                    <label for="ttn-f-port">"FPort"</label>
                    <input id="ttn-f-port" type="text" inputmode="numeric"
                        prop:value=move || form.with(|f| f.f_port.clone()) on:input=set(|f, v| f.f_port = v) />
                </div>
            </div>
            {notes(Field::TtnAppId)}
            {notes(Field::TtnDeviceId)}
            {notes(Field::TtnFPort)}
            <div class="row">
                <div class="field">
                    <label for="ttn-payload-format">"Payload as"</label>
                    <select id="ttn-payload-format"
                        on:change=move |ev| { if let Some(f) = selected::<ComposerFormat>(&ev) { touched.set(true); form.update(|s| s.format = f) } }>
                        {options::<ComposerFormat>()}
                    </select>
                </div>
                <div class="field">
                    <label for="ttn-priority">"Priority"</label>
                    <select id="ttn-priority" prop:value=move || form.with(|f| f.priority.key())
                        on:change=move |ev| { if let Some(p) = selected::<Priority>(&ev) { form.update(|s| s.priority = p) } }>
                        {options::<Priority>()}
                    </select>
                </div>
                <div class="field checkbox">
                    <input id="ttn-confirmed" type="checkbox"
                        on:change=move |ev| form.update(|f| f.confirmed = event_target_checked(&ev)) />
                    <label for="ttn-confirmed">"Confirmed"</label>
                </div>
                <div class="field">
                    <label for="ttn-operation">"Queue"</label>
                    <select id="ttn-operation"
                        on:change=move |ev| { if let Some(o) = selected::<QueueOperation>(&ev) { form.update(|s| s.operation = o) } }>
                        {options::<QueueOperation>()}
                    </select>
                </div>
            </div>
            <label for="ttn-payload">"Payload"</label>
            <input id="ttn-payload" type="text" spellcheck="false" placeholder="BE EF"
                prop:value=move || form.with(|f| f.payload.clone()) on:input=set(|f, v| f.payload = v) />
            {notes(Field::TtnPayload)}
            <p id="ttn-payload-forms" class="note">{move || check.with(|c| match (&c.hex, &c.base64, c.byte_count) {
                (Some(hex), Some(b64), Some(n)) => format!(
                    "hex {hex} · base64 {b64}{} · {n} byte{}",
                    c.text.as_ref().map(|t| format!(" · text \"{t}\"")).unwrap_or_default(),
                    if n == 1 { "" } else { "s" }
                ),
                _ => String::new(),
            })}</p>
            <h4>"What will be sent"</h4>
            <p>"Topic: " <code id="ttn-preview-topic">{move || check.with(|c| c.request.as_ref().map(|r| r.topic()).unwrap_or_default())}</code></p>
            <pre id="ttn-preview-json" class="payload">{move || check.with(|c| c.request.as_ref().map(|r| r.json()).unwrap_or_default())}</pre>
            <div class="actions">
                <button id="ttn-send" type="submit">"Send downlink"</button>
                <button id="ttn-clear-queue" type="button" on:click=move |_| send(true)>"Clear queue"</button>
                <button id="ttn-copy-command" type="button" on:click=copy disabled=move || command().is_none()>
                    "Copy as mosquitto_pub command"
                </button>
            </div>
            {move || command().map(|cmd| view! {
                <details class="ttn-command">
                    <summary>"mosquitto_pub command"</summary>
                    <pre id="ttn-command" class="payload">{cmd}</pre>
                    <p>"It reads the credentials from " <code>"~/.config/mosquitto_pub"</code> ", so the API key stays off the command line:"</p>
                    <pre class="payload">{form.with(|f| mosquitto_pub_config(&f.application()))}</pre>
                </details>
            })}
            <p id="ttn-outcome" role="status">{move || match outcome.get() {
                None => String::new(),
                Some(Ok(m)) | Some(Err(m)) => m,
            }}</p>
        </form>
    }
}
