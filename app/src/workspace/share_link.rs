//! Share links: a URL that sets up a connection in someone else's browser
//! (a teacher's link for a class): the broker, the version, the user name, a
//! client id prefix, the subscriptions with their QoS and the profile's name,
//! never a password.
//!
//! `scope=iotlab%2Falice%2F` carries the topic scope (scope.rs) and
//! `preset=iotlab` a preset (iotlab.rs): a teacher's `?preset=iotlab` link
//! opens the IoT-LAB form, so students type only their login and password.
//!
//! `?name=Lab&url=wss%3A%2F%2Fbroker%3A8081&version=5.0&username=alice&client_id_prefix=lab-&topic=lab%2F%23&qos=1&topic=x&qos=0`
//! The k-th `qos` belongs to the k-th `topic` (0 where it is missing), so the
//! older `?url=…&topic=…` links still work. A `+` in a value is a `+` (topic
//! filters are full of them), not a space as in HTML forms.

use webmqtt_codec::{validate_topic_filter, ProtocolVersion, QoS, SubscriptionOptions};

use super::profiles::{Profile, SavedSubscription};
use crate::broker_url::BrokerUrl;
use crate::form::SelectKey;
use crate::iotlab::Preset;
use crate::scope::TopicScope;
use crate::settings::{random_client_id, ConnectionSettings};

/// What a link sets up. Every field is optional: a link may only name a broker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedSetup {
    pub name: Option<String>,
    pub url: Option<String>,
    pub version: Option<ProtocolVersion>,
    pub username: Option<String>,
    pub client_id_prefix: Option<String>,
    pub subscriptions: Vec<SavedSubscription>,
    pub scope: Option<String>,
    pub preset: Option<Preset>,
}

/// The keys a link may carry; others are reported, not silently dropped.
const KEYS: [&str; 9] = ["name", "url", "version", "username", "client_id_prefix", "topic", "qos", "scope", "preset"];

impl SharedSetup {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Reads a page's query string (`?…`, as `location.search` gives it). Values
    /// that cannot be used are left out, each with a sentence saying why.
    pub fn parse(search: &str) -> (Self, Vec<String>) {
        let mut setup = Self::default();
        let mut problems = Vec::new();
        let mut topics: Vec<String> = Vec::new();
        let mut qos: Vec<String> = Vec::new();
        for (key, value) in parse_query(search) {
            let value = value.trim().to_owned();
            match key.as_str() {
                "name" if !value.is_empty() => setup.name = Some(value),
                "url" => match BrokerUrl::parse(&value) {
                    Ok(_) => setup.url = Some(value),
                    Err(e) => problems.push(format!("The link's broker address \"{value}\" was not used: {e}.")),
                },
                "version" => match ProtocolVersion::from_key(&value).or(if value == "5" { Some(ProtocolVersion::V5) } else { None }) {
                    Some(v) => setup.version = Some(v),
                    None => problems.push(format!(
                        "The link's MQTT version \"{value}\" was not used: it is 3.1, 3.1.1 or 5.0."
                    )),
                },
                "username" => setup.username = Some(value),
                "client_id_prefix" => setup.client_id_prefix = Some(value),
                "topic" => topics.push(value),
                "scope" => match TopicScope::parse(&value) {
                    Ok(scope) => setup.scope = scope.map(|s| s.prefix().to_owned()),
                    Err(e) => problems.push(format!("The link's topic scope was not used: {e}")),
                },
                "preset" => match Preset::from_key(&value) {
                    Some(p) => setup.preset = Some(p),
                    None => problems.push(format!("The link's preset \"{value}\" was not used: WebMQTT knows only \"iotlab\".")),
                },
                "qos" => qos.push(value),
                "password" => problems.push(
                    "The link carries a password, which was ignored: links never hold passwords. Type it in the form."
                        .into(),
                ),
                k if !KEYS.contains(&k) => problems.push(format!("The link's \"{k}\" is not something WebMQTT reads.")),
                _ => {}
            }
        }
        for (i, filter) in topics.into_iter().enumerate() {
            let q = qos.get(i).map(String::as_str).unwrap_or("0");
            let Some(q) = QoS::from_key(q) else {
                problems.push(format!("The link's QoS \"{q}\" for {filter} was not used: it is 0, 1 or 2."));
                continue;
            };
            if let Err(e) = validate_topic_filter(&filter) {
                problems.push(format!("The link's topic filter \"{filter}\" was not used: {e}."));
                continue;
            }
            if !setup.subscriptions.iter().any(|s| s.filter == filter) {
                setup
                    .subscriptions
                    .push(SavedSubscription { filter, options: SubscriptionOptions { qos: q, ..Default::default() } });
            }
        }
        (setup, problems)
    }

    /// The query string of a profile's link (with the leading `?`).
    pub fn query_of(profile: &Profile) -> String {
        let s = &profile.settings;
        let mut pairs = vec![("name", profile.name.clone()), ("url", s.url.trim().to_owned()), ("version", s.version.key().to_owned())];
        if !s.username.is_empty() {
            pairs.push(("username", s.username.clone()));
        }
        pairs.push(("client_id_prefix", client_id_prefix(&s.client_id)));
        if !profile.scope.trim().is_empty() {
            pairs.push(("scope", profile.scope.trim().to_owned()));
        }
        if let Some(preset) = profile.preset {
            pairs.push(("preset", preset.key().to_owned()));
        }
        for sub in &profile.subscriptions {
            pairs.push(("topic", sub.filter.clone()));
            pairs.push(("qos", sub.options.qos.key().to_owned()));
        }
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encode_component(v))).collect();
        format!("?{}", query.join("&"))
    }

    /// The name, settings and subscriptions of the profile the link sets up,
    /// on top of the app's defaults; every student gets a client id of their
    /// own (the prefix plus random hex), so they do not disconnect each other.
    pub fn into_profile_parts(self, random: impl FnMut() -> f64) -> (String, ConnectionSettings, Vec<SavedSubscription>) {
        let mut settings = ConnectionSettings::default();
        if let Some(url) = self.url {
            settings.url = url;
        }
        if let Some(v) = self.version {
            settings.version = v;
        }
        if let Some(u) = self.username {
            settings.username = u;
        }
        let suffix = random_client_id(random);
        let suffix = suffix.trim_start_matches("webmqtt-");
        settings.client_id = match self.client_id_prefix.filter(|p| !p.is_empty()) {
            Some(prefix) => format!("{prefix}{suffix}"),
            None => format!("webmqtt-{suffix}"),
        };
        if settings.version == ProtocolVersion::V3_1 {
            // MQTT 3.1 allows 23 characters: keep the random end, which makes it unique.
            let chars: Vec<char> = settings.client_id.chars().collect();
            settings.client_id = chars[chars.len().saturating_sub(23)..].iter().collect();
        }
        let default_name = self.preset.map_or("Shared connection", Preset::connection_name);
        (self.name.unwrap_or_else(|| default_name.to_owned()), settings, self.subscriptions)
    }
}

/// The part of a client id that a class shares: up to its last `-`
/// (`webmqtt-3f9a1c07` → `webmqtt-`), or the whole id and a `-`.
pub fn client_id_prefix(client_id: &str) -> String {
    match client_id.rfind('-') {
        Some(i) => client_id[..=i].to_owned(),
        None if client_id.is_empty() => "webmqtt-".to_owned(),
        None => format!("{client_id}-"),
    }
}

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as
/// `%XX` of its UTF-8 bytes.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The decoded `key=value` pairs of a query string, in order. Broken `%`
/// escapes are kept as typed; bytes that are not UTF-8 become U+FFFD.
pub fn parse_query(search: &str) -> Vec<(String, String)> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |j: usize| bytes.get(j).and_then(|b| char::from(*b).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::profiles::Profiles;

    fn lab_profile() -> Profile {
        let mut ps = Profiles::default();
        let id = ps.add(
            "Lab 3 & 4",
            ConnectionSettings {
                url: "wss://broker.example.org:8081/mqtt".into(),
                version: ProtocolVersion::V5,
                username: "alice".into(),
                password: "secret".into(),
                client_id: "lab-3f9a1c07".into(),
                ..Default::default()
            },
        );
        let p = ps.get_mut(id).unwrap();
        for (f, q) in [("lab/#", QoS::AtLeastOnce), ("lab/+/temp", QoS::AtMostOnce), ("a b/ü", QoS::ExactlyOnce)] {
            p.subscriptions.push(SavedSubscription { filter: f.into(), options: SubscriptionOptions { qos: q, ..Default::default() } });
        }
        p.clone()
    }

    #[test]
    fn a_link_carries_the_setup_and_never_the_password() {
        let p = lab_profile();
        let query = SharedSetup::query_of(&p);
        assert!(!query.contains("secret") && !query.contains("password"), "{query}");
        let (setup, problems) = SharedSetup::parse(&query);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(setup.name.as_deref(), Some("Lab 3 & 4"));
        assert_eq!(setup.url.as_deref(), Some("wss://broker.example.org:8081/mqtt"));
        assert_eq!(setup.version, Some(ProtocolVersion::V5));
        assert_eq!(setup.username.as_deref(), Some("alice"));
        assert_eq!(setup.subscriptions, p.subscriptions);
        let mut x = 0.0;
        let (name, settings, subs) = setup.into_profile_parts(|| {
            x += 0.07;
            x
        });
        assert_eq!(name, "Lab 3 & 4");
        assert!(settings.client_id.starts_with("lab-") && settings.client_id != "lab-3f9a1c07", "{}", settings.client_id);
        assert_eq!((settings.password.as_str(), subs.len()), ("", 3));
    }

    #[test]
    fn bad_values_in_a_link_are_left_out_with_a_reason() {
        let (setup, problems) = SharedSetup::parse(
            "?url=mqtt://broker:1883&version=4&topic=lab/%23/x&topic=ok/+&qos=1&qos=1&password=x&colour=red",
        );
        assert_eq!(setup.url, None);
        assert_eq!(setup.version, None);
        // The first topic is refused; the second keeps the second qos.
        assert_eq!(setup.subscriptions.len(), 1);
        assert_eq!((setup.subscriptions[0].filter.as_str(), setup.subscriptions[0].options.qos), ("ok/+", QoS::AtLeastOnce));
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(problems[0].contains("ws:// or wss://"));
        assert!(problems[1].contains("3.1, 3.1.1 or 5.0"));
        assert!(problems[2].contains("never hold passwords"));
        assert!(problems[3].contains("colour"));
        assert!(problems[4].contains("lab/#/x"));
    }

    #[test]
    fn old_links_and_hand_typed_ones_still_work() {
        let (setup, problems) = SharedSetup::parse("?url=ws://lab:9001&topic=lab/%23&version=5");
        assert!(problems.is_empty());
        assert_eq!(setup.subscriptions[0].options.qos, QoS::AtMostOnce);
        assert_eq!(setup.version, Some(ProtocolVersion::V5));
        assert!(SharedSetup::parse("").0.is_empty());
        assert_eq!(parse_query("?a=%E2%9C%93&b=%zz&c"), [("a".into(), "✓".into()), ("b".into(), "%zz".into()), ("c".into(), String::new())]);
        assert_eq!(client_id_prefix("webmqtt-3f9a"), "webmqtt-");
        assert_eq!(client_id_prefix("sensor"), "sensor-");
    }

    #[test]
    fn a_link_carries_the_scope_and_the_preset() {
        let mut p = lab_profile();
        p.scope = "iotlab/alice/".into();
        p.preset = Some(Preset::IotLab);
        let query = SharedSetup::query_of(&p);
        assert!(query.contains("&scope=iotlab%2Falice%2F&preset=iotlab"), "{query}");
        let (setup, problems) = SharedSetup::parse(&query);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((setup.scope.as_deref(), setup.preset), (Some("iotlab/alice/"), Some(Preset::IotLab)));

        // A teacher's link: the preset alone names the connection.
        let (setup, problems) = SharedSetup::parse("?preset=iotlab");
        assert!(problems.is_empty() && !setup.is_empty());
        assert_eq!(setup.into_profile_parts(|| 0.5).0, "FIT IoT-LAB");

        let (setup, problems) = SharedSetup::parse("?preset=mars&scope=lab/%23&scope=lab");
        assert_eq!((setup.preset, setup.scope.as_deref()), (None, Some("lab/")));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("\"mars\"") && problems[1].contains("without + or #"), "{problems:?}");
    }

    #[test]
    fn mqtt_3_1_ids_stay_within_23_characters() {
        let setup = SharedSetup {
            version: Some(ProtocolVersion::V3_1),
            client_id_prefix: Some("a-very-long-class-prefix-".into()),
            ..Default::default()
        };
        let (_, s, _) = setup.into_profile_parts(|| 0.5);
        assert!(s.client_id.chars().count() <= 23, "{}", s.client_id);
    }
}
