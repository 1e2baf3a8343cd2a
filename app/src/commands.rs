//! "Copy as command": `mosquitto_sub` and `mosquitto_pub` lines that do what
//! the app does for a connection (its subscriptions, the publish form), for a
//! terminal or a lab's SSH frontend.
//!
//! Credentials never go on the command line (anyone on a shared machine sees
//! it with `ps`): they go in `~/.config/mosquitto_sub` and
//! `~/.config/mosquitto_pub`, which the clients read by themselves, as the
//! IoT-LAB instructions advise; [`credentials_file`] is that file's text.
//!
//! The app speaks MQTT over WebSocket; the commands speak it over TCP, to the
//! broker's MQTT port, which the user can change ([`CommandTarget`]). For an
//! IoT-LAB profile, which reaches the lab through a local bridge, they target
//! the lab itself (mqtt.iot-lab.info, 8883, `--cafile`).

use webmqtt_codec::{Property, ProtocolVersion, Publish, QoS};

use crate::bridge::SYSTEM_CA_PATH;
use crate::broker_url::BrokerUrl;
use crate::form::{Field, FieldError};
use crate::iotlab::{self, Preset};
use crate::publish_form::PublishForm;

/// Where the commands connect, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandTarget {
    pub host: String,
    pub port: String,
    pub tls: bool,
    /// For TLS: the CA file (`--cafile`); empty for the system's CAs (`--capath`).
    pub ca_file: String,
}

impl CommandTarget {
    /// The broker behind a connection's WebSocket address: the same host on
    /// the usual MQTT port (1883, or 8883 with TLS for wss://); the lab itself
    /// for an IoT-LAB profile.
    pub fn for_connection(url: &str, preset: Option<Preset>) -> Self {
        if preset == Some(Preset::IotLab) {
            return Self { host: iotlab::HOST.into(), port: iotlab::PORT.to_string(), tls: true, ca_file: iotlab::CA_FILE.into() };
        }
        match BrokerUrl::parse(url) {
            Ok(u) if u.secure => Self { host: u.host, port: "8883".into(), tls: true, ca_file: String::new() },
            Ok(u) => Self { host: u.host, port: "1883".into(), tls: false, ca_file: String::new() },
            Err(_) => Self { host: "127.0.0.1".into(), port: "1883".into(), tls: false, ca_file: String::new() },
        }
    }

    /// `-h … -p … [--cafile …]`, checked.
    pub fn options(&self) -> Result<String, Vec<FieldError>> {
        let mut errors = Vec::new();
        let host = self.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) {
            errors.push(FieldError::new(Field::CommandHost, "Enter the broker's host name, e.g. mqtt.example.org."));
        }
        let port = self.port.trim();
        if !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
            errors.push(FieldError::new(
                Field::CommandPort,
                format!("The MQTT port is a number from 1 to 65535 (usually 1883, or 8883 with TLS), not \"{port}\"."),
            ));
        }
        let ca = self.ca_file.trim();
        if self.tls && ca.starts_with('~') {
            errors.push(FieldError::new(Field::CommandCaFile, "Write the CA file's full path: --cafile does not expand ~ inside quotes."));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut out = format!("-h {} -p {port}", shell_quote(host));
        if self.tls {
            if ca.is_empty() {
                out.push_str(&format!(" --capath {SYSTEM_CA_PATH}"));
            } else {
                out.push_str(&format!(" --cafile {}", shell_quote(ca)));
            }
        }
        Ok(out)
    }
}

/// `-V` as mosquitto's clients spell the versions.
pub fn version_option(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::V3_1 => "mqttv31",
        ProtocolVersion::V3_1_1 => "mqttv311",
        ProtocolVersion::V5 => "mqttv5",
    }
}

/// Single quotes for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One `mosquitto_sub` per QoS (its `-q` is one for every `-t`), each printing
/// the topic before the payload (`-v`), like the app's feed.
pub fn subscribe_commands(target: &str, version: ProtocolVersion, subscriptions: &[(String, QoS)]) -> Vec<String> {
    let mut lines = Vec::new();
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let topics: Vec<String> =
            subscriptions.iter().filter(|(_, q)| *q == qos).map(|(f, _)| format!("-t {}", shell_quote(f))).collect();
        if !topics.is_empty() {
            lines.push(format!("mosquitto_sub {target} -V {} -q {} {} -v", version_option(version), qos.as_u8(), topics.join(" ")));
        }
    }
    lines
}

/// The `mosquitto_pub` line that sends what the publish form would send:
/// `-m` for text, a file (`-f`) written by `printf` for bytes that are not
/// text, `-l` fed by `printf` for one message per line; MQTT 5.0 properties
/// with `-D publish …`.
pub fn publish_command(target: &str, version: ProtocolVersion, form: &PublishForm) -> Result<String, FieldError> {
    let messages = form.messages(version)?;
    let Some(first) = messages.first() else {
        return Err(FieldError::new(Field::PublishPayload, "There is no line to send: type a payload."));
    };
    let mut args = format!("mosquitto_pub {target} -V {} -q {}", version_option(version), first.qos.as_u8());
    if first.retain {
        args.push_str(" -r");
    }
    args.push_str(&format!(" -t {}", shell_quote(&first.topic)));
    args.push_str(&property_options(first));
    if form.line_per_message {
        return lines_command(&args, &messages);
    }
    let payload = &first.payload[..];
    Ok(match core::str::from_utf8(payload) {
        Ok("") => format!("{args} -n"),
        Ok(text) if !text.contains('\0') => format!("{args} -m {}", shell_quote(text)),
        _ => format!("printf '{}' > payload.bin && {args} -f payload.bin", printf_escape(payload)),
    })
}

/// `-l` sends each line of its input; a message holding a line break or a NUL
/// cannot be one line.
fn lines_command(args: &str, messages: &[Publish]) -> Result<String, FieldError> {
    let mut input = String::new();
    for (i, m) in messages.iter().enumerate() {
        if m.payload.iter().any(|b| *b == b'\n' || *b == b'\r' || *b == 0) {
            return Err(FieldError::new(
                Field::PublishPayload,
                format!("Message {} holds a line break or a zero byte, which mosquitto_pub -l cannot send: send it on its own.", i + 1),
            ));
        }
        input.push_str(&printf_escape(&m.payload));
        input.push_str("\\n");
    }
    Ok(format!("printf '{input}' | {args} -l"))
}

fn property_options(m: &Publish) -> String {
    let mut out = String::new();
    for p in m.properties.iter() {
        let option = match p {
            Property::ContentType(v) => format!("content-type {}", shell_quote(v)),
            Property::ResponseTopic(v) => format!("response-topic {}", shell_quote(v)),
            Property::CorrelationData(v) => format!("correlation-data {}", shell_quote(&String::from_utf8_lossy(v))),
            Property::MessageExpiryInterval(v) => format!("message-expiry-interval {v}"),
            Property::PayloadFormatIndicator(v) => format!("payload-format-indicator {v}"),
            Property::UserProperty(k, v) => format!("user-property {} {}", shell_quote(k), shell_quote(v)),
            _ => continue,
        };
        out.push_str(&format!(" -D publish {option}"));
    }
    out
}

/// Bytes as a printf format inside single quotes: printable ASCII as is,
/// everything else (and `\`, `'`, `%`) as an octal escape, which every
/// POSIX printf reads.
fn printf_escape(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'\\' | b'\'' | b'%' => format!("\\{b:03o}"),
            0x20..=0x7e => char::from(b).to_string(),
            _ => format!("\\{b:03o}"),
        })
        .collect()
}

/// The text of `~/.config/mosquitto_sub` and `~/.config/mosquitto_pub`: one
/// option per line, which both clients read before their command line.
/// `None` without a user name.
pub fn credentials_file(username: &str, password: &str) -> Result<Option<String>, String> {
    if username.is_empty() {
        return Ok(None);
    }
    if username.contains(['\n', '\r']) || password.contains(['\n', '\r']) {
        return Err("A user name or password with a line break cannot go in ~/.config/mosquitto_sub: each option is one line.".into());
    }
    let mut text = format!("-u {username}\n");
    if !password.is_empty() {
        text.push_str(&format!("-P {password}\n"));
    }
    Ok(Some(text))
}

/// Who may read the credentials files: only their owner.
pub const CHMOD_LINE: &str = "chmod 600 ~/.config/mosquitto_sub ~/.config/mosquitto_pub";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::PayloadFormat;

    fn target(host: &str, port: &str) -> String {
        CommandTarget { host: host.into(), port: port.into(), ..Default::default() }.options().unwrap()
    }

    fn form(topic: &str, payload: &str, format: PayloadFormat) -> PublishForm {
        PublishForm { topic: topic.into(), payload: payload.into(), format, ..Default::default() }
    }

    #[test]
    fn the_seeds_iotlab_commands() {
        let t = CommandTarget::for_connection("ws://127.0.0.1:9001", Some(Preset::IotLab)).options().unwrap();
        assert_eq!(t, "-h 'mqtt.iot-lab.info' -p 8883 --cafile 'iot-lab-ca.pem'");
        let sub = subscribe_commands(&t, ProtocolVersion::V3_1_1, &[("iotlab/alice/test".into(), QoS::AtMostOnce)]);
        assert_eq!(sub, ["mosquitto_sub -h 'mqtt.iot-lab.info' -p 8883 --cafile 'iot-lab-ca.pem' -V mqttv311 -q 0 -t 'iotlab/alice/test' -v"]);
        let publish = publish_command(&t, ProtocolVersion::V3_1_1, &form("iotlab/alice/test", "Hello FIT IoT-LAB", PayloadFormat::Text)).unwrap();
        assert_eq!(
            publish,
            "mosquitto_pub -h 'mqtt.iot-lab.info' -p 8883 --cafile 'iot-lab-ca.pem' -V mqttv311 -q 0 -t 'iotlab/alice/test' -m 'Hello FIT IoT-LAB'"
        );
    }

    #[test]
    fn the_target_follows_the_websocket_address() {
        assert_eq!(CommandTarget::for_connection("ws://broker.lan:9001", None).options().unwrap(), "-h 'broker.lan' -p 1883");
        assert_eq!(
            CommandTarget::for_connection("wss://broker.example.org:8081/mqtt", None).options().unwrap(),
            "-h 'broker.example.org' -p 8883 --capath /etc/ssl/certs"
        );
        assert_eq!(CommandTarget::for_connection("not a url", None).host, "127.0.0.1");
        let bad = CommandTarget { host: "".into(), port: "x".into(), tls: true, ca_file: "~/ca.pem".into() };
        let fields: Vec<Field> = bad.options().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, [Field::CommandHost, Field::CommandPort, Field::CommandCaFile]);
    }

    #[test]
    fn credentials_stay_off_the_command_line() {
        let t = target("h", "1883");
        let mut f = form("a/b", "x", PayloadFormat::Text);
        f.qos = QoS::AtLeastOnce;
        f.retain = true;
        let c = publish_command(&t, ProtocolVersion::V5, &f).unwrap();
        assert!(!c.contains(" -u ") && !c.contains(" -P "), "{c}");
        assert_eq!(c, "mosquitto_pub -h 'h' -p 1883 -V mqttv5 -q 1 -r -t 'a/b' -D publish payload-format-indicator 1 -m 'x'");
        assert_eq!(credentials_file("alice", "s3 cret").unwrap().as_deref(), Some("-u alice\n-P s3 cret\n"));
        assert_eq!(credentials_file("alice", "").unwrap().as_deref(), Some("-u alice\n"));
        assert_eq!(credentials_file("", "x").unwrap(), None);
        assert!(credentials_file("a", "b\nc").unwrap_err().contains("line break"));
    }

    #[test]
    fn subscriptions_are_grouped_by_qos() {
        let subs = [("a/#".to_owned(), QoS::AtLeastOnce), ("b".to_owned(), QoS::AtMostOnce), ("it's".to_owned(), QoS::AtLeastOnce)];
        let lines = subscribe_commands(&target("h", "1"), ProtocolVersion::V3_1_1, &subs);
        assert_eq!(lines, [
            "mosquitto_sub -h 'h' -p 1 -V mqttv311 -q 0 -t 'b' -v",
            r"mosquitto_sub -h 'h' -p 1 -V mqttv311 -q 1 -t 'a/#' -t 'it'\''s' -v",
        ]);
        assert!(subscribe_commands("", ProtocolVersion::V5, &[]).is_empty());
    }

    #[test]
    fn bytes_lines_and_empty_payloads() {
        let t = target("h", "1883");
        let v = ProtocolVersion::V3_1_1;
        assert_eq!(
            publish_command(&t, v, &form("a", "BE EF 25 27", PayloadFormat::Hex)).unwrap(),
            r"printf '\276\357\045\047' > payload.bin && mosquitto_pub -h 'h' -p 1883 -V mqttv311 -q 0 -t 'a' -f payload.bin"
        );
        assert!(publish_command(&t, v, &form("a", "", PayloadFormat::Text)).unwrap().ends_with(" -n"));
        let mut lines = form("a", "one\n\n50%\nit's", PayloadFormat::Text);
        lines.line_per_message = true;
        assert_eq!(
            publish_command(&t, v, &lines).unwrap(),
            r"printf 'one\n50\045\nit\047s\n' | mosquitto_pub -h 'h' -p 1883 -V mqttv311 -q 0 -t 'a' -l"
        );
        let mut binary_lines = form("a", "0A\n01", PayloadFormat::Hex);
        binary_lines.line_per_message = true;
        assert!(publish_command(&t, v, &binary_lines).unwrap_err().message.contains("-l cannot send"));
        assert_eq!(publish_command(&t, v, &form("a/#", "x", PayloadFormat::Text)).unwrap_err().field, Field::PublishTopic);
    }

    #[test]
    fn mqtt5_properties_become_d_options() {
        let f = PublishForm {
            content_type: "application/json".into(),
            user_properties: "k=v w".into(),
            message_expiry: "60".into(),
            ..form("a", "{}", PayloadFormat::Json)
        };
        let c = publish_command(&target("h", "1"), ProtocolVersion::V5, &f).unwrap();
        for part in ["-D publish content-type 'application/json'", "-D publish message-expiry-interval 60", "-D publish user-property 'k' 'v w'"] {
            assert!(c.contains(part), "{part} in {c}");
        }
        let c3 = publish_command(&target("h", "1"), ProtocolVersion::V3_1_1, &f).unwrap();
        assert!(!c3.contains("-D"), "no properties before 5.0: {c3}");
    }
}
