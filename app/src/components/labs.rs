//! Labs and bridges: the bridge a browser needs for a broker it cannot reach
//! (FIT IoT-LAB, The Things Network, any TLS broker), connected in one click;
//! the IoT-LAB preset, filled in from a login; the connection as
//! mosquitto_sub / mosquitto_pub commands; and what their errors mean.
//! The models are bridge.rs, iotlab.rs and commands.rs.

use leptos::prelude::*;
use webmqtt_codec::{ProtocolVersion, QoS, SubscriptionOptions};

use super::fields::{options, selected};
use super::{download, page_is_https};
use crate::bridge::{Bridge, BridgeForm, BridgeKind};
use crate::commands::{self, CommandTarget, CHMOD_LINE};
use crate::connection::{Connection, Status};
use crate::form::{Field, FieldError, SelectKey};
use crate::iotlab::{self, Preset};

#[component]
pub fn LabsPanel(conn: Connection) -> impl IntoView {
    view! {
        <section class="panel labs" aria-labelledby="labs-heading">
            <h2 id="labs-heading">"Labs and bridges"</h2>
            <BridgeSection conn=conn />
            <CommandsSection conn=conn />
            <BridgeHelp />
        </section>
    }
}

/// The TTN cluster a new TTN bridge points at.
const TTN_CLUSTER: &str = "eu1.cloud.thethings.network";

/// A fresh form for `kind`, keeping the local ports the user chose.
fn form_for(kind: BridgeKind, keep: &BridgeForm) -> BridgeForm {
    let fresh = match kind {
        BridgeKind::IotLab => BridgeForm::iotlab("", ""),
        BridgeKind::Ttn => BridgeForm::ttn(TTN_CLUSTER, "", ""),
        BridgeKind::Custom => BridgeForm::default(),
    };
    BridgeForm { ws_port: keep.ws_port.clone(), mqtt_port: keep.mqtt_port.clone(), ..fresh }
}

#[component]
fn BridgeSection(conn: Connection) -> impl IntoView {
    let kind = RwSignal::new(BridgeKind::IotLab);
    let form = RwSignal::new(BridgeForm::iotlab("", ""));
    // The lab's password lives only here and in the generated file: the app
    // itself logs in to the local bridge, which needs none.
    let lab_password = RwSignal::new(String::new());
    let login_error = RwSignal::new(None::<String>);
    let login = move || conn.settings.with(|s| s.username.clone());

    let bridge = Signal::derive(move || {
        let f = form.get();
        match kind.get() {
            BridgeKind::IotLab => BridgeForm {
                ca_file: f.ca_file,
                ws_port: f.ws_port,
                mqtt_port: f.mqtt_port,
                ..BridgeForm::iotlab(&login(), &lab_password.get())
            }
            .check(),
            _ => f.check(),
        }
    });

    // A login fills in the profile: user name, scope, preset at once; the
    // subscription when the field is left (not one SUBSCRIBE per keystroke).
    let apply_login = move |text: String, with_subscription: bool| {
        let filters: Vec<String> = conn.subscriptions.with_untracked(|s| s.iter().map(|e| e.filter.clone()).collect());
        match iotlab::login_change(&text, &filters) {
            Ok(change) => {
                login_error.set(None);
                conn.settings.update(|s| s.username = change.username.clone());
                conn.scope.set(change.scope);
                conn.preset.set(Some(Preset::IotLab));
                if with_subscription {
                    for f in change.unsubscribe {
                        let _ = conn.unsubscribe(f);
                    }
                    if let Some(f) = change.subscribe {
                        let _ = conn.subscribe(f, SubscriptionOptions { qos: QoS::AtLeastOnce, ..Default::default() });
                    }
                }
            }
            Err(e) => {
                conn.settings.update(|s| s.username = text.trim().to_owned());
                login_error.set(Some(e));
            }
        }
    };
    let before_connect = Callback::new(move |()| {
        if kind.get_untracked() == BridgeKind::IotLab {
            apply_login(untrack(login), true);
        }
    });
    let set = move |f: fn(&mut BridgeForm, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
        }
    };

    view! {
        <div class="bridge">
            <h3>"A bridge for a broker the browser cannot reach"</h3>
            <p class="note">
                "A browser speaks MQTT only over WebSocket. FIT IoT-LAB, The Things Network and many brokers \
                 have MQTT over TLS only (port 8883): a mosquitto on your computer, started with the file \
                 below, listens for the browser on ws://127.0.0.1 and carries messages to and from them."
            </p>
            <div class="field">
                <label for="bridge-kind">"Broker"</label>
                <select id="bridge-kind" prop:value=move || kind.get().key()
                    on:change=move |ev| {
                        if let Some(k) = selected::<BridgeKind>(&ev) {
                            kind.set(k);
                            form.update(|f| *f = form_for(k, f));
                        }
                    }>
                    {options::<BridgeKind>()}
                </select>
            </div>
            <Show when=move || kind.get() == BridgeKind::IotLab
                fallback=move || view! { <GenericFields form=form /> }>
                <div class="row">
                    <div class="field grow">
                        <label for="iotlab-login">"IoT-LAB login"</label>
                        <input id="iotlab-login" type="text" autocomplete="username" spellcheck="false"
                            prop:value=login
                            on:input=move |ev| apply_login(event_target_value(&ev), false)
                            on:change=move |ev| apply_login(event_target_value(&ev), true)
                            aria-describedby="iotlab-login-error" />
                        {move || login_error.get().map(|e| view! { <p class="field-error" id="iotlab-login-error" role="alert">{e}</p> })}
                    </div>
                    <div class="field grow">
                        <label for="iotlab-password">"IoT-LAB password"</label>
                        <input id="iotlab-password" type="password" autocomplete="current-password"
                            prop:value=move || lab_password.get()
                            on:input=move |ev| lab_password.set(event_target_value(&ev)) />
                    </div>
                </div>
                <p class="note" id="iotlab-fills">{move || {
                    let l = login();
                    if l.trim().is_empty() {
                        "Your login sets the user name, the topic scope iotlab/<login>/ and the subscription iotlab/<login>/#.".to_owned()
                    } else {
                        format!("User name {l} · topic scope {} · subscription {}", iotlab::scope_for(&l), iotlab::subscription_for(&l))
                    }
                }}</p>
                <label for="bridge-ca-file">"Where you saved iot-lab-ca.pem"</label>
                <input id="bridge-ca-file" type="text" spellcheck="false"
                    prop:value=move || form.with(|f| f.ca_file.clone()) on:input=set(|f, v| f.ca_file = v) />
                <p class="note">"Download it from the IoT-LAB MQTT documentation. A bare file name means: beside the \
                    config, when mosquitto is started from that folder."</p>
            </Show>
            <div class="row">
                <div class="field">
                    <label for="bridge-ws-port">"Local WebSocket port"</label>
                    <input id="bridge-ws-port" type="text" inputmode="numeric" size="6"
                        prop:value=move || form.with(|f| f.ws_port.clone()) on:input=set(|f, v| f.ws_port = v) />
                </div>
                <div class="field">
                    <label for="bridge-mqtt-port">"Local MQTT port"</label>
                    <input id="bridge-mqtt-port" type="text" inputmode="numeric" size="6"
                        prop:value=move || form.with(|f| f.mqtt_port.clone()) on:input=set(|f, v| f.mqtt_port = v) />
                </div>
            </div>
            <BridgeOutput conn=conn bridge=bridge id="bridge" before_connect=before_connect />
        </div>
    }
}

/// The fields of a TTN or custom bridge.
#[component]
fn GenericFields(form: RwSignal<BridgeForm>) -> impl IntoView {
    let set = move |f: fn(&mut BridgeForm, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            form.update(|s| f(s, v));
        }
    };
    let text = move |get: fn(&BridgeForm) -> String| move || form.with(get);
    view! {
        <div class="row">
            <div class="field grow">
                <label for="bridge-host">"Broker host"</label>
                <input id="bridge-host" type="text" spellcheck="false" placeholder="mqtt.example.org"
                    prop:value=text(|f| f.host.clone()) on:input=set(|f, v| f.host = v) />
            </div>
            <div class="field">
                <label for="bridge-port">"TLS port"</label>
                <input id="bridge-port" type="text" inputmode="numeric" size="6"
                    prop:value=text(|f| f.port.clone()) on:input=set(|f, v| f.port = v) />
            </div>
        </div>
        <label for="bridge-ca-file">"CA file (empty: the system's CAs, for a public certificate)"</label>
        <input id="bridge-ca-file" type="text" spellcheck="false" placeholder="/home/you/ca.pem"
            prop:value=text(|f| f.ca_file.clone()) on:input=set(|f, v| f.ca_file = v) />
        <div class="row">
            <div class="field grow">
                <label for="bridge-username">"User name"</label>
                <input id="bridge-username" type="text" spellcheck="false" autocomplete="off"
                    prop:value=text(|f| f.username.clone())
                    on:input=set(|f, v| {
                        // TTN's topics are under the user name (v3/<app>@<tenant>/…).
                        if f.kind == BridgeKind::Ttn {
                            f.topics_in = format!("v3/{}/#", v.trim());
                            f.topics_out = f.topics_in.clone();
                        }
                        f.username = v;
                    }) />
            </div>
            <div class="field grow">
                <label for="bridge-password">"Password (or API key)"</label>
                <input id="bridge-password" type="password" autocomplete="off"
                    prop:value=text(|f| f.password.clone()) on:input=set(|f, v| f.password = v) />
            </div>
        </div>
        <div class="row">
            <div class="field grow">
                <label for="bridge-topics-in">"Topics in (from the broker), one per line"</label>
                <textarea id="bridge-topics-in" rows="2" spellcheck="false"
                    prop:value=text(|f| f.topics_in.clone()) on:input=set(|f, v| f.topics_in = v)></textarea>
            </div>
            <div class="field grow">
                <label for="bridge-topics-out">"Topics out (to the broker), one per line"</label>
                <textarea id="bridge-topics-out" rows="2" spellcheck="false"
                    prop:value=text(|f| f.topics_out.clone()) on:input=set(|f, v| f.topics_out = v)></textarea>
            </div>
        </div>
        <div class="row">
            <div class="field">
                <label for="bridge-version">"MQTT version of the bridge"</label>
                <select id="bridge-version" prop:value=move || form.with(|f| f.version.key())
                    on:change=move |ev| { if let Some(v) = selected::<ProtocolVersion>(&ev) { form.update(|f| f.version = v) } }>
                    {options::<ProtocolVersion>()}
                </select>
            </div>
            <div class="field">
                <label for="bridge-qos">"Bridge QoS"</label>
                <select id="bridge-qos" prop:value=move || form.with(|f| f.qos.key())
                    on:change=move |ev| { if let Some(q) = selected::<QoS>(&ev) { form.update(|f| f.qos = q) } }>
                    {options::<QoS>()}
                </select>
            </div>
        </div>
    }
}

/// A generated config: its problems or its text, Copy, Download, and Connect
/// (the connection's URL set to the bridge's listener, then connected).
/// Ids: `{id}-config`, `{id}-errors`, `{id}-copy`, `{id}-download`,
/// `{id}-connect`, `{id}-outcome`.
#[component]
pub(crate) fn BridgeOutput(
    conn: Connection,
    bridge: Signal<Result<Bridge, Vec<FieldError>>>,
    id: &'static str,
    /// Runs before Connect (a preset fills the connection in).
    #[prop(optional)]
    before_connect: Option<Callback<()>>,
) -> impl IntoView {
    let outcome = RwSignal::new(String::new());
    let config = move || bridge.with(|b| b.as_ref().map(Bridge::config).unwrap_or_default());
    let file_name = move || bridge.with(|b| b.as_ref().map(Bridge::file_name).unwrap_or_else(|_| "mosquitto.conf".into()));
    let ws_url = move || bridge.with(|b| b.as_ref().map(Bridge::ws_url).ok());
    let errors = move || bridge.with(|b| b.as_ref().err().cloned().unwrap_or_default());

    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&config());
            outcome.set("Copied.".into());
        }
    };
    let save = move |_| match download(&file_name(), "text/plain", &config()) {
        Ok(()) => outcome.set(format!("Saved as {}: chmod 600 it, it holds your password.", file_name())),
        Err(e) => outcome.set(e),
    };
    let connect = move |_| {
        let Some(url) = ws_url() else { return };
        if let Some(cb) = before_connect {
            cb.run(());
        }
        if !matches!(conn.status.get_untracked(), Status::Disconnected) {
            conn.disconnect();
        }
        conn.settings.update(|s| s.url = url.clone());
        match conn.connect(page_is_https()) {
            Ok(()) => outcome.set(format!("Connecting to the bridge at {url}…")),
            Err(e) => outcome.set(e.to_string()),
        }
    };

    view! {
        <div class="bridge-output">
            <Show when=move || !errors().is_empty()>
                <ul id=format!("{id}-errors") class="field-errors" role="alert">
                    {move || errors().into_iter().map(|e| view! { <li class="field-error" data-field=e.field.id()>{e.message}</li> }).collect_view()}
                </ul>
            </Show>
            <p class="note" id=format!("{id}-secret")>
                {move || format!(
                    "This file holds your password: keep it to yourself (chmod 600 {}). Start it from the folder you \
                     saved it in with mosquitto -c {} -v, then Connect.",
                    file_name(), file_name()
                )}
            </p>
            <textarea id=format!("{id}-config") class="code" readonly rows="20" aria-label="Bridge configuration (mosquitto.conf)"
                prop:value=config></textarea>
            <div class="actions">
                <button type="button" id=format!("{id}-copy") on:click=copy disabled=move || ws_url().is_none()>"Copy"</button>
                <button type="button" id=format!("{id}-download") on:click=save disabled=move || ws_url().is_none()>
                    "Download mosquitto.conf"
                </button>
                <button type="button" id=format!("{id}-connect") on:click=connect disabled=move || ws_url().is_none()>
                    {move || ws_url().map_or_else(|| "Connect to the bridge".to_owned(), |u| format!("Connect to the bridge ({u})"))}
                </button>
            </div>
            <p id=format!("{id}-outcome") class="note" role="status">{move || outcome.get()}</p>
        </div>
    }
}

/// The connection as mosquitto_sub / mosquitto_pub commands, with the
/// credentials file beside them.
#[component]
fn CommandsSection(conn: Connection) -> impl IntoView {
    let target = RwSignal::new(CommandTarget::default());
    // The target follows the connection's address (and preset) until edited again.
    let url = Memo::new(move |_| conn.settings.with(|s| s.url.clone()));
    Effect::new(move |_| {
        target.set(CommandTarget::for_connection(&url.get(), conn.preset.get()));
    });
    let show_password = RwSignal::new(false);
    let version = move || conn.settings.with(|s| s.version);
    let options = move || target.with(CommandTarget::options);
    let sub_lines = move || {
        let opts = options().ok()?;
        let subs: Vec<(String, QoS)> = conn.subscriptions.with(|s| s.iter().map(|e| (e.filter.clone(), e.options.qos)).collect());
        Some(commands::subscribe_commands(&opts, version(), &subs).join("\n"))
    };
    let pub_line = move || {
        let opts = options().ok()?;
        Some(conn.publish_form.with(|f| commands::publish_command(&opts, version(), f)))
    };
    let credentials = move || {
        let (user, password) = conn.settings.with(|s| (s.username.clone(), s.password.clone()));
        // An IoT-LAB profile's app password is empty (the bridge holds the lab's).
        let password = if password.is_empty() && conn.preset.get() == Some(Preset::IotLab) { "YOUR_IOTLAB_PASSWORD".to_owned() } else { password };
        commands::credentials_file(&user, &password).map(|t| t.map(|text| (text, password)))
    };
    let shown_credentials = move || match credentials() {
        Ok(Some((text, password))) if !show_password.get() && !password.is_empty() => text.replace(&password, "••••••"),
        Ok(Some((text, _))) => text,
        Ok(None) => "(This connection has no user name: the commands need no credentials file.)".to_owned(),
        Err(e) => e,
    };
    let copy = move |text: Option<String>| {
        if let (Some(text), Some(w)) = (text, web_sys::window()) {
            let _ = w.navigator().clipboard().write_text(&text);
        }
    };
    let set = move |f: fn(&mut CommandTarget, String)| {
        move |ev| {
            let v = event_target_value(&ev);
            target.update(|t| f(t, v));
        }
    };
    let target_error = move |field: Field| {
        move || {
            options().err().and_then(|es| es.into_iter().find(|e| e.field == field)).map(|e| {
                view! { <p class="field-error" id=field.error_id() role="alert">{e.message}</p> }
            })
        }
    };

    view! {
        <div class="commands">
            <h3 id="commands-heading">"The same with mosquitto_sub and mosquitto_pub"</h3>
            <p class="note">
                "The app speaks MQTT over WebSocket; these commands speak it over TCP, to the broker's MQTT port \
                 (not its WebSocket port). For an IoT-LAB connection they go to the lab itself, as from an SSH frontend."
            </p>
            <div class="row">
                <div class="field grow">
                    <label for="command-host">"Host"</label>
                    <input id="command-host" type="text" spellcheck="false"
                        prop:value=move || target.with(|t| t.host.clone()) on:input=set(|t, v| t.host = v) />
                    {target_error(Field::CommandHost)}
                </div>
                <div class="field">
                    <label for="command-port">"MQTT port"</label>
                    <input id="command-port" type="text" inputmode="numeric" size="6"
                        prop:value=move || target.with(|t| t.port.clone()) on:input=set(|t, v| t.port = v) />
                    {target_error(Field::CommandPort)}
                </div>
                <div class="field checkbox">
                    <input id="command-tls" type="checkbox" prop:checked=move || target.with(|t| t.tls)
                        on:change=move |ev| target.update(|t| t.tls = event_target_checked(&ev)) />
                    <label for="command-tls">"TLS"</label>
                </div>
                <div class="field grow">
                    <label for="command-ca-file">"CA file (--cafile)"</label>
                    <input id="command-ca-file" type="text" spellcheck="false" placeholder="empty: --capath /etc/ssl/certs"
                        prop:value=move || target.with(|t| t.ca_file.clone()) on:input=set(|t, v| t.ca_file = v) />
                    {target_error(Field::CommandCaFile)}
                </div>
            </div>
            <h4>"Subscriptions"</h4>
            <pre id="command-sub" class="payload">{move || sub_lines().filter(|s| !s.is_empty()).unwrap_or_else(|| "(no subscriptions)".into())}</pre>
            <button type="button" id="command-copy-sub" on:click=move |_| copy(sub_lines())>"Copy mosquitto_sub"</button>
            <h4>"The publish form"</h4>
            {move || match pub_line() {
                Some(Err(e)) => view! { <p id="command-pub-error" class="field-error">{e.message}</p> }.into_any(),
                Some(Ok(line)) => view! { <pre id="command-pub" class="payload">{line}</pre> }.into_any(),
                None => ().into_any(),
            }}
            <button type="button" id="command-copy-pub"
                on:click=move |_| copy(pub_line().and_then(Result::ok))>"Copy mosquitto_pub"</button>
            <h4>"Credentials, never on the command line"</h4>
            <p class="note">
                "Anyone on a shared machine sees a command line (ps). Put these lines in both "
                <code>"~/.config/mosquitto_sub"</code> " and " <code>"~/.config/mosquitto_pub"</code>
                ": the commands read them by themselves. Then make them private:"
            </p>
            <pre id="command-credentials" class="payload">{shown_credentials}</pre>
            <div class="actions">
                <button type="button" id="command-credentials-show" aria-pressed=move || show_password.get().to_string()
                    on:click=move |_| show_password.update(|v| *v = !*v)>
                    {move || if show_password.get() { "Hide password" } else { "Show password" }}
                </button>
                <button type="button" id="command-copy-credentials"
                    on:click=move |_| copy(credentials().ok().flatten().map(|(t, _)| t))>"Copy the file's text"</button>
            </div>
            <pre id="command-chmod" class="payload">{format!("mkdir -p ~/.config\n{CHMOD_LINE}")}</pre>
        </div>
    }
}

/// What mosquitto's errors mean, after the IoT-LAB instructions.
#[component]
fn BridgeHelp() -> impl IntoView {
    view! {
        <details id="bridge-help" class="bridge-help">
            <summary>"When it does not work"</summary>
            <dl>
                <dt>"\"Error: Problem setting TLS options\" (mosquitto_sub, mosquitto_pub), \"Error: Unable to load CA certificates, check bridge_cafile\" (the bridge)"</dt>
                <dd>"The CA file cannot be found or is not a CA certificate: check the path after --cafile, or on \
                     the bridge_cafile line. A relative path starts from the folder mosquitto is started in, and \
                     mosquitto does not expand ~."</dd>
                <dt>"\"Connection Refused: not authorised\""</dt>
                <dd>"The login or password is wrong. With a bridge, the bridge is what logs in: correct \
                     remote_username and remote_password in its file and start it again. With the commands, \
                     correct -u and -P in ~/.config/mosquitto_sub and ~/.config/mosquitto_pub."</dd>
                <dt>"\"Error: Unable to start any listening sockets\" or \"Address already in use\""</dt>
                <dd>"Another program has the bridge's port: choose other local ports above and connect to the new one."</dd>
                <dt>"Connected, but nothing arrives"</dt>
                <dd>"A broker with an ACL grants a subscription outside your scope (iotlab/<login>/… on IoT-LAB) \
                     and never delivers anything on it, and drops what you publish outside it: keep to the topic \
                     scope. The bridge's log (mosquitto -v) shows whether it is connected."</dd>
            </dl>
        </details>
    }
}
