//! The mosquitto.conf of a local bridge, for every broker a browser cannot
//! reach: a browser speaks MQTT only over WebSocket, and The Things Stack,
//! FIT IoT-LAB and many TLS brokers have only MQTT over TLS (port 8883). A
//! mosquitto on the user's computer listens for the browser on
//! ws://127.0.0.1:PORT and carries messages to and from the remote broker.
//!
//! [`BridgeForm`] is what the user types (or a preset fills in), checked into
//! a [`Bridge`], whose [`Bridge::config`] is the file: every directive with a
//! comment saying why. app/tests/bridge_configs.rs starts each preset's file
//! with the real mosquitto.
//!
//! Facts the file is built on (mosquitto 2.0.11, tried here): 2.0.x will not
//! start with a websockets listener alone ("Unable to start any listening
//! sockets", eclipse/mosquitto#2284), so a plain listener on 127.0.0.1 stands
//! beside it; a websockets listener needs `socket_domain ipv4`; a missing
//! bridge CA file does not stop mosquitto from starting, the bridge then
//! logs "Error: Unable to load CA certificates, check bridge_cafile".

use webmqtt_codec::{validate_topic_filter, ProtocolVersion, QoS};

use crate::form::{Field, FieldError, SelectKey};

/// Which broker the bridge is for: each kind is a preset of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BridgeKind {
    #[default]
    IotLab,
    Ttn,
    Custom,
}

impl SelectKey for BridgeKind {
    const ALL: &'static [Self] = &[Self::IotLab, Self::Ttn, Self::Custom];
    fn key(self) -> &'static str {
        match self {
            Self::IotLab => "iotlab",
            Self::Ttn => "ttn",
            Self::Custom => "custom",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::IotLab => "FIT IoT-LAB",
            Self::Ttn => "The Things Network",
            Self::Custom => "Another TLS broker",
        }
    }
}

/// The MQTT version the bridge speaks to the remote broker, as mosquitto's
/// `bridge_protocol_version` spells it.
pub fn bridge_protocol_version(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "mqttv31",
        ProtocolVersion::V3_1_1 => "mqttv311",
        ProtocolVersion::V5 => "mqttv50",
    }
}

/// Where the bridge's own ports default to: 9001 is the usual MQTT WebSocket
/// port; 1884 rather than 1883 for the plain listener, so that the bridge
/// starts beside a system mosquitto (Debian's package runs one on 1883).
pub const DEFAULT_WS_PORT: u16 = 9001;
pub const DEFAULT_MQTT_PORT: u16 = 1884;

/// The folder of the system's CA certificates (Debian, Ubuntu, Fedora with
/// ca-certificates): enough for a broker whose certificate a public CA signed.
pub const SYSTEM_CA_PATH: &str = "/etc/ssl/certs";

/// What the bridge's form holds, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeForm {
    pub kind: BridgeKind,
    /// The remote broker's host name.
    pub host: String,
    pub port: String,
    /// The CA certificate that signed the remote broker's certificate; empty
    /// for the system's CA folder (not allowed for IoT-LAB, whose CA file the
    /// user downloads).
    pub ca_file: String,
    pub username: String,
    pub password: String,
    /// Topic patterns, one per line (or separated by spaces or commas):
    /// `in` comes from the remote broker, `out` goes to it.
    pub topics_in: String,
    pub topics_out: String,
    pub qos: QoS,
    pub version: ProtocolVersion,
    pub ws_port: String,
    pub mqtt_port: String,
}

impl Default for BridgeForm {
    fn default() -> Self {
        Self {
            kind: BridgeKind::Custom,
            host: String::new(),
            port: "8883".into(),
            ca_file: String::new(),
            username: String::new(),
            password: String::new(),
            topics_in: String::new(),
            topics_out: String::new(),
            qos: QoS::AtLeastOnce,
            version: ProtocolVersion::V3_1_1,
            ws_port: DEFAULT_WS_PORT.to_string(),
            mqtt_port: DEFAULT_MQTT_PORT.to_string(),
        }
    }
}

/// How the bridge checks the remote broker's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    CaFile(String),
    CaPath(String),
}

/// One `topic` line: a pattern and the way messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRule {
    pub pattern: String,
    /// `in`, `out` or `both`, as mosquitto spells it.
    pub direction: &'static str,
}

/// A checked bridge, ready to be written as a mosquitto.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    pub kind: BridgeKind,
    pub host: String,
    pub port: u16,
    pub trust: Trust,
    pub username: String,
    pub password: String,
    pub topics: Vec<TopicRule>,
    pub qos: QoS,
    pub version: ProtocolVersion,
    pub ws_port: u16,
    pub mqtt_port: u16,
}

impl BridgeForm {
    /// FIT IoT-LAB: mqtt.iot-lab.info, TLS on 8883 only, the user's IoT-LAB
    /// login and password, its CA file, and only `iotlab/<login>/#`. The CA
    /// file is looked for beside the config by default (relative paths start
    /// where mosquitto is started; both files usually land in Downloads).
    pub fn iotlab(login: &str, password: &str) -> Self {
        let scope = format!("iotlab/{}/#", login.trim());
        Self {
            kind: BridgeKind::IotLab,
            host: "mqtt.iot-lab.info".into(),
            ca_file: "iot-lab-ca.pem".into(),
            username: login.trim().to_owned(),
            password: password.to_owned(),
            topics_in: scope.clone(),
            topics_out: scope,
            ..Self::default()
        }
    }

    /// The Things Stack: the cluster's port 8883 (a public CA), the
    /// application's user name and an API key, the application's `v3/` topics,
    /// MQTT 3.1.1 at QoS 0 (what The Things Stack supports).
    pub fn ttn(cluster: &str, username: &str, api_key: &str) -> Self {
        let topics = format!("v3/{}/#", username.trim());
        Self {
            kind: BridgeKind::Ttn,
            host: cluster.trim().to_owned(),
            username: username.trim().to_owned(),
            password: api_key.trim().to_owned(),
            topics_in: topics.clone(),
            topics_out: topics,
            qos: QoS::AtMostOnce,
            ..Self::default()
        }
    }

    /// Every field checked; each problem keyed by its field.
    pub fn check(&self) -> Result<Bridge, Vec<FieldError>> {
        let mut errors = Vec::new();
        let host = keep(&mut errors, check_host(&self.host));
        let port = keep(&mut errors, check_port(Field::BridgePort, "The broker's port", &self.port, 1));
        let trust = keep(&mut errors, self.trust());
        let username = keep(&mut errors, check_line(Field::BridgeUsername, "The user name", &self.username));
        let password = keep(&mut errors, check_line(Field::BridgePassword, "The password", &self.password));
        let topics = keep(&mut errors, topic_rules(&self.topics_in, &self.topics_out));
        let ws_port = keep(&mut errors, check_port(Field::BridgeWsPort, "The WebSocket port", &self.ws_port, 1024));
        let mqtt_port = keep(&mut errors, check_port(Field::BridgeMqttPort, "The plain MQTT port", &self.mqtt_port, 1024));
        if let (Some(ws), Some(mqtt)) = (ws_port, mqtt_port) {
            if ws == mqtt {
                errors.push(FieldError::new(
                    Field::BridgeMqttPort,
                    format!("The plain MQTT port must differ from the WebSocket port ({ws}): two listeners cannot share a port."),
                ));
            }
        }
        if self.kind == BridgeKind::IotLab && self.username.trim().is_empty() {
            errors.push(FieldError::new(Field::BridgeUsername, "Enter your IoT-LAB login."));
        }
        match (host, port, trust, username, password, topics, ws_port, mqtt_port) {
            (Some(host), Some(port), Some(trust), Some(username), Some(password), Some(topics), Some(ws_port), Some(mqtt_port))
                if errors.is_empty() =>
            {
                Ok(Bridge { kind: self.kind, host, port, trust, username, password, topics, qos: self.qos, version: self.version, ws_port, mqtt_port })
            }
            _ => Err(errors),
        }
    }

    fn trust(&self) -> Result<Trust, FieldError> {
        let path = self.ca_file.trim();
        let error = |m: String| FieldError::new(Field::BridgeCaFile, m);
        if path.is_empty() {
            return match self.kind {
                BridgeKind::IotLab => Err(error(
                    "Enter where you saved iot-lab-ca.pem (the IoT-LAB CA certificate), e.g. /home/you/Downloads/iot-lab-ca.pem.".into(),
                )),
                _ => Ok(Trust::CaPath(SYSTEM_CA_PATH.into())),
            };
        }
        if path.starts_with('~') {
            return Err(error(format!(
                "mosquitto does not expand ~ in \"{path}\": write the full path, e.g. /home/you/{}.",
                path.trim_start_matches('~').trim_start_matches('/')
            )));
        }
        if path.contains(['\n', '\r']) {
            return Err(error("The CA file path must be on one line.".into()));
        }
        Ok(Trust::CaFile(path.to_owned()))
    }
}

/// The value, or `None` with its error kept.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn check_host(host: &str) -> Result<String, FieldError> {
    let host = host.trim();
    let error = |m: String| Err(FieldError::new(Field::BridgeHost, m));
    if host.is_empty() {
        return error("Enter the broker's host name, e.g. mqtt.example.org.".into());
    }
    if let Some((scheme, _)) = host.split_once("://") {
        return error(format!("Enter only the host name, without {scheme}:// (the bridge always uses MQTT over TLS)."));
    }
    if host.contains(':') {
        return error(format!("Enter the host name without a port (\"{host}\"): the port has its own field."));
    }
    let valid = host.split('.').all(|label| {
        !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !valid {
        return error(format!("\"{host}\" is not a host name: letters, digits, dashes and dots only."));
    }
    Ok(host.to_owned())
}

fn check_port(field: Field, what: &str, text: &str, lowest: u16) -> Result<u16, FieldError> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(n) if n >= lowest && n >= 1 => Ok(n),
        Ok(n) if n >= 1 => Err(FieldError::new(
            field,
            format!("{what} {n} needs administrator rights to listen on (below 1024): use 1024 to 65535, e.g. 9001."),
        )),
        _ => Err(FieldError::new(field, format!("{what} is a number from {lowest} to 65535, not \"{text}\"."))),
    }
}

/// A value mosquitto reads as the rest of its line: no line breaks, and no
/// spaces at either end (mosquitto would drop them).
fn check_line(field: Field, what: &str, text: &str) -> Result<String, FieldError> {
    if text.contains(['\n', '\r']) {
        return Err(FieldError::new(field, format!("{what} cannot hold a line break: a mosquitto.conf value is one line.")));
    }
    if text != text.trim() {
        return Err(FieldError::new(
            field,
            format!("{what} starts or ends with a space, which mosquitto.conf cannot keep: remove it."),
        ));
    }
    Ok(text.to_owned())
}

fn patterns(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == ',').filter(|p| !p.is_empty())
}

/// The `topic` lines: a pattern in both lists becomes one `both` line.
fn topic_rules(topics_in: &str, topics_out: &str) -> Result<Vec<TopicRule>, FieldError> {
    for (field, text) in [(Field::BridgeTopicsIn, topics_in), (Field::BridgeTopicsOut, topics_out)] {
        for p in patterns(text) {
            validate_topic_filter(p).map_err(|e| FieldError::new(field, format!("\"{p}\" is not a topic pattern: {e}.")))?;
        }
    }
    let ins: Vec<&str> = patterns(topics_in).collect();
    let outs: Vec<&str> = patterns(topics_out).collect();
    let mut rules: Vec<TopicRule> = Vec::new();
    for p in &ins {
        let direction = if outs.contains(p) { "both" } else { "in" };
        if !rules.iter().any(|r| r.pattern == *p) {
            rules.push(TopicRule { pattern: (*p).to_owned(), direction });
        }
    }
    for p in outs.iter().filter(|p| !ins.contains(p)) {
        if !rules.iter().any(|r| r.pattern == *p) {
            rules.push(TopicRule { pattern: (*p).to_owned(), direction: "out" });
        }
    }
    if rules.is_empty() {
        return Err(FieldError::new(
            Field::BridgeTopicsIn,
            "Enter at least one topic pattern to bridge, e.g. lab/# (the topics your user may use).",
        ));
    }
    Ok(rules)
}

/// Only letters, digits and dashes: a client id every broker accepts.
fn client_id_part(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let trimmed: String = cleaned.trim_matches('-').chars().take(40).collect();
    if trimmed.is_empty() { "webmqtt".to_owned() } else { trimmed }
}

impl Bridge {
    /// The address the browser connects to.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.ws_port)
    }

    /// A name for the downloaded file.
    pub fn file_name(&self) -> String {
        match self.kind {
            BridgeKind::IotLab => "iotlab-bridge.conf".to_owned(),
            BridgeKind::Ttn => "ttn-bridge.conf".to_owned(),
            BridgeKind::Custom => format!("{}-bridge.conf", client_id_part(&self.host)),
        }
    }

    fn title(&self) -> String {
        let name = match self.kind {
            BridgeKind::IotLab => "FIT IoT-LAB",
            BridgeKind::Ttn => "The Things Stack",
            BridgeKind::Custom => "a TLS broker",
        };
        format!("{name} ({}:{})", self.host, self.port)
    }

    /// The bridge's name in mosquitto's log and its client id at the remote broker.
    fn connection_name(&self) -> String {
        let who = if self.username.is_empty() { self.host.as_str() } else { self.username.as_str() };
        format!("webmqtt-bridge-{}", client_id_part(who))
    }

    /// The whole mosquitto.conf: a header that says how to start it and what
    /// its errors mean, then each directive under a comment saying why.
    pub fn config(&self) -> String {
        let mut out = self.header();
        for (why, directive) in self.directives() {
            out.push('\n');
            for line in why.lines() {
                out.push_str("# ");
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&directive);
            out.push('\n');
        }
        out
    }

    fn header(&self) -> String {
        let file = self.file_name();
        let (ws, mqtt) = (self.ws_port, self.mqtt_port);
        let ca_line = match self.trust {
            Trust::CaFile(_) => "bridge_cafile",
            Trust::CaPath(_) => "bridge_capath",
        };
        format!(
            "# WebMQTT: a bridge to {title} for the browser.\n\
             # A browser speaks MQTT only over WebSocket and this broker has MQTT over TLS only,\n\
             # so this mosquitto, on your computer, carries messages between the two.\n\
             #\n\
             # This file holds your password: keep it to yourself, e.g. chmod 600 {file}\n\
             # Start it from the folder that holds it: mosquitto -c {file} -v\n\
             # then connect WebMQTT to ws://127.0.0.1:{ws} (no password needed there).\n\
             #\n\
             # If it goes wrong, mosquitto -v says why:\n\
             # - \"Error: Unable to load CA certificates, check {ca_line}\" (mosquitto_sub and\n\
             #   mosquitto_pub say \"Error: Problem setting TLS options\"): the CA file cannot be\n\
             #   found or is not a certificate. Check the path on the {ca_line} line; a relative\n\
             #   path starts from the folder you start mosquitto in.\n\
             # - \"Connection Refused: not authorised\": the remote broker refused the login on the\n\
             #   remote_username and remote_password lines. The bridge is what logs in, so that\n\
             #   is where to correct them, not in WebMQTT.\n\
             # - \"Error: Address already in use\": another program has port {ws} or {mqtt}: change\n\
             #   the listener lines, and connect WebMQTT to the new WebSocket port.\n",
            title = self.title()
        )
    }

    fn directives(&self) -> Vec<(String, String)> {
        let mut d: Vec<(String, String)> = vec![
            ("Every listener below shares these settings.".into(), "per_listener_settings false".into()),
            (
                "The listeners answer only this computer (127.0.0.1), so they need no login;\n\
                 the bridge logs in to the remote broker for you."
                    .into(),
                "allow_anonymous true".into(),
            ),
            ("The browser's listener: MQTT over WebSocket, on this computer only.".into(), format!("listener {} 127.0.0.1", self.ws_port)),
            ("It speaks WebSocket, which is all a browser can open.".into(), "protocol websockets".into()),
            (
                "IPv4 only: without it, mosquitto 2.0's WebSocket listener may fail to start\nor listen on every interface."
                    .into(),
                "socket_domain ipv4".into(),
            ),
            (
                "A plain MQTT listener too: mosquitto 2.0 will not start with a WebSocket listener\n\
                 alone (\"Unable to start any listening sockets\", eclipse/mosquitto#2284).\n\
                 mosquitto_sub -p this port also shows what the bridge carries."
                    .into(),
                format!("listener {} 127.0.0.1", self.mqtt_port),
            ),
            ("IPv4 only, like the WebSocket listener.".into(), "socket_domain ipv4".into()),
            ("The bridge to the remote broker starts here; its name shows in the log.".into(), format!("connection {}", self.connection_name())),
            ("The remote broker: MQTT over TLS.".into(), format!("address {}:{}", self.host, self.port)),
        ];
        d.push(match &self.trust {
            Trust::CaFile(path) => (
                "The CA certificate that signed the broker's certificate. If the log says\n\
                 \"Unable to load CA certificates\", this path is wrong."
                    .into(),
                format!("bridge_cafile {path}"),
            ),
            Trust::CaPath(path) => (
                "The system's CA certificates: the broker's certificate is signed by a public CA.\n\
                 If the log says \"Unable to load CA certificates\", this folder is missing."
                    .into(),
                format!("bridge_capath {path}"),
            ),
        });
        d.extend([
            ("The MQTT version the bridge speaks to the remote broker.".into(), format!("bridge_protocol_version {}", bridge_protocol_version(self.version))),
            (
                "No mosquitto-only bridge extensions: they work with any broker this way.".into(),
                "try_private false".into(),
            ),
            (
                "No status messages on $SYS/broker/connection/…: an ACL like this broker's\nrefuses topics outside yours."
                    .into(),
                "notifications false".into(),
            ),
            ("Start clean at every connection: nothing is queued for the bridge while it is away.".into(), "cleansession true".into()),
            ("The bridge's client id at the remote broker.".into(), format!("remote_clientid {}", self.connection_name())),
        ]);
        if !self.username.is_empty() {
            d.push(("The login at the remote broker.".into(), format!("remote_username {}", self.username)));
        }
        if !self.password.is_empty() {
            let what = if self.kind == BridgeKind::Ttn { "The API key, which is the password" } else { "The password" };
            d.push((format!("{what}: this is why the file must stay private."), format!("remote_password {}", self.password)));
        }
        for rule in &self.topics {
            let why = match rule.direction {
                "in" => "from the remote broker to the browser",
                "out" => "from the browser to the remote broker",
                _ => "both ways between the browser and the remote broker",
            };
            d.push((
                format!("Messages on {} go {why}, at QoS {} at most.", rule.pattern, self.qos.as_u8()),
                format!("topic {} {} {}", rule.pattern, rule.direction, self.qos.as_u8()),
            ));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(config: &str) -> Vec<&str> {
        config.lines().collect()
    }

    fn has(config: &str, line: &str) -> bool {
        config.lines().any(|l| l == line)
    }

    #[test]
    fn iotlab_bridges_the_users_scope_over_tls_with_the_ca_file() {
        let b = BridgeForm::iotlab("alice", "s3cret").check().unwrap();
        let c = b.config();
        for line in [
            "listener 9001 127.0.0.1",
            "protocol websockets",
            "socket_domain ipv4",
            "listener 1884 127.0.0.1",
            "address mqtt.iot-lab.info:8883",
            "bridge_cafile iot-lab-ca.pem",
            "bridge_protocol_version mqttv311",
            "remote_username alice",
            "remote_password s3cret",
            "topic iotlab/alice/# both 1",
            "notifications false",
        ] {
            assert!(has(&c, line), "missing {line:?} in\n{c}");
        }
        assert_eq!(b.ws_url(), "ws://127.0.0.1:9001");
        assert_eq!(b.file_name(), "iotlab-bridge.conf");
        assert!(c.contains("chmod 600 iotlab-bridge.conf"), "{c}");
        assert!(c.contains("Problem setting TLS options") && c.contains("Connection Refused: not authorised"));
    }

    #[test]
    fn a_plain_listener_stands_beside_the_websocket_one() {
        for form in [BridgeForm::iotlab("alice", "p"), BridgeForm::ttn("eu1.cloud.thethings.network", "app1@ttn", "K")] {
            let c = form.check().unwrap().config();
            let listeners: Vec<&str> = lines(&c).into_iter().filter(|l| l.starts_with("listener ")).collect();
            assert_eq!(listeners.len(), 2, "{c}");
            assert!(listeners.iter().all(|l| l.ends_with(" 127.0.0.1")), "{listeners:?}");
        }
    }

    #[test]
    fn every_directive_is_explained_by_a_comment() {
        let mut custom = BridgeForm { host: "broker.example.org".into(), topics_in: "a/#".into(), topics_out: "b/#".into(), ..Default::default() };
        custom.version = ProtocolVersion::V5;
        for form in [BridgeForm::iotlab("alice", "p"), BridgeForm::ttn("eu1.cloud.thethings.network", "app1@ttn", "K"), custom] {
            let c = form.check().unwrap().config();
            let ls = lines(&c);
            for (i, l) in ls.iter().enumerate() {
                if !l.is_empty() && !l.starts_with('#') {
                    assert!(i > 0 && ls[i - 1].starts_with("# "), "no comment above {l:?} in\n{c}");
                }
            }
        }
    }

    #[test]
    fn ttn_uses_the_system_cas_and_the_application_topics() {
        let c = BridgeForm::ttn("eu1.cloud.thethings.network", "app1@ttn", "NNSXS.KEY").check().unwrap().config();
        for line in [
            "address eu1.cloud.thethings.network:8883",
            "bridge_capath /etc/ssl/certs",
            "remote_username app1@ttn",
            "remote_password NNSXS.KEY",
            "topic v3/app1@ttn/# both 0",
            "try_private false",
        ] {
            assert!(has(&c, line), "missing {line:?} in\n{c}");
        }
        assert!(c.contains("The API key, which is the password"));
    }

    #[test]
    fn custom_topics_in_out_and_both() {
        let form = BridgeForm {
            host: "broker.example.org".into(),
            port: "8884".into(),
            ca_file: "/etc/ca.pem".into(),
            topics_in: "sensors/#, shared/+\nsensors/#".into(),
            topics_out: "shared/+ cmd/x".into(),
            qos: QoS::ExactlyOnce,
            version: ProtocolVersion::V5,
            ..Default::default()
        };
        let b = form.check().unwrap();
        let rules: Vec<(&str, &str)> = b.topics.iter().map(|r| (r.pattern.as_str(), r.direction)).collect();
        assert_eq!(rules, [("sensors/#", "in"), ("shared/+", "both"), ("cmd/x", "out")]);
        let c = b.config();
        assert!(has(&c, "topic cmd/x out 2") && has(&c, "bridge_protocol_version mqttv50") && has(&c, "address broker.example.org:8884"));
        assert!(has(&c, "bridge_cafile /etc/ca.pem"));
        assert!(!c.lines().any(|l| l.starts_with("remote_username")), "no login line without a user name");
        assert_eq!(b.file_name(), "broker-example-org-bridge.conf");
    }

    #[test]
    fn every_bad_field_says_what_to_do() {
        let errors = |f: BridgeForm| f.check().unwrap_err();
        let field_of = |f: BridgeForm| errors(f).into_iter().map(|e| e.field).collect::<Vec<_>>();
        let base = BridgeForm { host: "h.example".into(), topics_in: "a/#".into(), ..Default::default() };
        assert_eq!(field_of(BridgeForm { host: "mqtts://h:8883".into(), ..base.clone() }), [Field::BridgeHost]);
        assert_eq!(field_of(BridgeForm { host: "h:8883".into(), ..base.clone() }), [Field::BridgeHost]);
        assert_eq!(field_of(BridgeForm { host: "".into(), ..base.clone() }), [Field::BridgeHost]);
        assert_eq!(field_of(BridgeForm { port: "99999".into(), ..base.clone() }), [Field::BridgePort]);
        assert_eq!(field_of(BridgeForm { ws_port: "80".into(), ..base.clone() }), [Field::BridgeWsPort]);
        assert_eq!(field_of(BridgeForm { mqtt_port: "9001".into(), ..base.clone() }), [Field::BridgeMqttPort]);
        assert_eq!(field_of(BridgeForm { ca_file: "~/ca.pem".into(), ..base.clone() }), [Field::BridgeCaFile]);
        assert_eq!(field_of(BridgeForm { password: "a\nb".into(), ..base.clone() }), [Field::BridgePassword]);
        assert_eq!(field_of(BridgeForm { password: " pw".into(), ..base.clone() }), [Field::BridgePassword]);
        assert_eq!(field_of(BridgeForm { topics_in: "a/#/b".into(), ..base.clone() }), [Field::BridgeTopicsIn]);
        assert_eq!(field_of(BridgeForm { topics_in: "".into(), ..base.clone() }), [Field::BridgeTopicsIn]);
        assert_eq!(field_of(BridgeForm::iotlab("", "")), [Field::BridgeUsername]);
        assert_eq!(field_of(BridgeForm { ca_file: " ".into(), ..BridgeForm::iotlab("alice", "") }), [Field::BridgeCaFile]);
        assert!(errors(BridgeForm { ca_file: "~/ca.pem".into(), ..base.clone() })[0].message.contains("full path"));
        assert!(errors(BridgeForm { ws_port: "80".into(), ..base })[0].message.contains("1024"));
        // A password with spaces and # inside is one mosquitto.conf value.
        let ok = BridgeForm { host: "h".into(), topics_in: "a".into(), password: "a b#c".into(), ..Default::default() };
        assert!(has(&ok.check().unwrap().config(), "remote_password a b#c"));
    }

    #[test]
    fn kinds_map_to_select_values() {
        for k in BridgeKind::ALL {
            assert_eq!(BridgeKind::from_key(k.key()), Some(*k));
        }
    }
}
