//! A connection's topic scope: the prefix under which the broker lets this
//! user publish and subscribe (FIT IoT-LAB: `iotlab/<login>/`, from an ACL
//! like `pattern readwrite iotlab/%u/#`).
//!
//! The app asks before it sends anything outside the scope, because the broker
//! mostly says nothing: mosquitto 2.0 drops a 3.1.1 publish outside its ACL
//! silently, and grants a subscription outside it (SUBACK 0) that never
//! delivers. Only a 5.0 QoS 1/2 publish is answered (PUBACK 0x87), and
//! [`publish_refused`] names the scope then.
//!
//! Plain Rust, tested natively; components/scope.rs shows it.

use webmqtt_codec::{validate_topic_name, ReasonCode};

/// A topic prefix, as the user typed it once checked: no wildcards, and it
/// ends with `/` (`iotlab/alice` is kept as `iotlab/alice/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicScope {
    prefix: String,
}

impl TopicScope {
    /// `None` for an empty field (no scope); an error says what to change.
    pub fn parse(text: &str) -> Result<Option<Self>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.contains(['+', '#']) {
            return Err(format!(
                "A topic scope is a plain prefix such as iotlab/alice/, without + or # (\"{text}\" has one)."
            ));
        }
        if text.starts_with('/') {
            return Err(format!(
                "\"{text}\" starts with /, so its first level is empty: write the prefix as the broker's ACL has it, e.g. iotlab/alice/."
            ));
        }
        let prefix = if text.ends_with('/') { text.to_owned() } else { format!("{text}/") };
        validate_topic_name(&prefix).map_err(|e| format!("\"{text}\" cannot be a topic scope: {e}."))?;
        Ok(Some(Self { prefix }))
    }

    /// The prefix, ending with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The prefix without its last `/` (the ACL's `iotlab/alice/#` covers it too).
    fn root(&self) -> &str {
        self.prefix.trim_end_matches('/')
    }

    /// Whether a topic name is inside the scope.
    pub fn allows_topic(&self, topic: &str) -> bool {
        topic == self.root() || topic.starts_with(&self.prefix)
    }

    /// Whether every topic a filter can match is inside the scope: the scope's
    /// levels must be spelt out, a wildcard in them reaches other users' topics.
    pub fn allows_filter(&self, filter: &str) -> bool {
        self.allows_topic(filter)
    }

    /// The subscription that covers the whole scope (`iotlab/alice/#`).
    pub fn everything(&self) -> String {
        format!("{}#", self.prefix)
    }

    /// What the field could hold instead of `typed` to be inside the scope, if
    /// there is an obvious completion: `temp` → `iotlab/alice/temp`, and a
    /// beginning of the prefix (`iotlab/al`) → the prefix. `None` when the text
    /// is already inside, or names another first level (it is not ours to guess).
    pub fn complete(&self, typed: &str) -> Option<String> {
        let typed = typed.trim();
        if self.allows_topic(typed) {
            return None;
        }
        if self.prefix.starts_with(typed) {
            return Some(self.prefix.clone());
        }
        let first_level = self.prefix.split('/').next().unwrap_or_default();
        let typed_first = typed.split('/').next().unwrap_or_default();
        if typed_first == first_level {
            return None;
        }
        Some(format!("{}{}", self.prefix, typed.trim_start_matches('/')))
    }

    /// Why a publish to `topic` asks first; `None` inside the scope.
    pub fn publish_warning(&self, topic: &str) -> Option<String> {
        (!self.allows_topic(topic)).then(|| {
            format!(
                "{topic} is outside this connection's topic scope {scope}: the broker accepts messages only \
                 under {scope}. It drops this one without a word over MQTT 3.1.1, or refuses it (Not \
                 authorized, 0x87) over MQTT 5.0 at QoS 1 or 2. Publish anyway?",
                scope = self.prefix
            )
        })
    }

    /// Why a subscription to `filter` asks first; `None` inside the scope.
    pub fn subscribe_warning(&self, filter: &str) -> Option<String> {
        (!self.allows_filter(filter)).then(|| {
            format!(
                "{filter} reaches outside this connection's topic scope {scope}: a broker like mosquitto \
                 grants such a subscription and then never delivers anything on it, so nothing will \
                 arrive and nothing will say why. Subscribe to {everything} to see all you may. \
                 Subscribe anyway?",
                scope = self.prefix,
                everything = self.everything()
            )
        })
    }
}

/// The words for a publish the broker refused (a 5.0 PUBACK/PUBREC with an
/// error code), naming the scope when the connection has one.
pub fn publish_refused(packet_id: u16, reason: ReasonCode, scope: &str) -> String {
    let base = format!("The broker refused message {packet_id}: {} (0x{:02X}).", reason.name(), reason.0);
    let scope = TopicScope::parse(scope).ok().flatten();
    match (reason, scope) {
        (ReasonCode::NOT_AUTHORIZED, Some(s)) => format!(
            "{base} This connection's topic scope is {p}: the broker lets this user publish only under {p}, \
             so check that the topic starts with it (and that the scope is right for this login).",
            p = s.prefix()
        ),
        (ReasonCode::NOT_AUTHORIZED, None) => format!(
            "{base} The broker does not let this user publish on that topic: its ACL allows only some \
             topics (set the connection's topic scope to be warned before sending)."
        ),
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> TopicScope {
        TopicScope::parse(s).unwrap().unwrap()
    }

    #[test]
    fn a_scope_is_a_prefix_ending_with_a_slash() {
        assert_eq!(scope("iotlab/alice").prefix(), "iotlab/alice/");
        assert_eq!(scope(" iotlab/alice/ ").prefix(), "iotlab/alice/");
        assert_eq!(TopicScope::parse("  "), Ok(None));
        assert!(TopicScope::parse("iotlab/+/").unwrap_err().contains("without + or #"));
        assert!(TopicScope::parse("iotlab/#").unwrap_err().contains("without + or #"));
        assert!(TopicScope::parse("/iotlab").unwrap_err().contains("starts with /"));
        assert!(TopicScope::parse("a\0b").is_err());
    }

    #[test]
    fn topics_and_filters_inside_and_outside() {
        let s = scope("iotlab/alice/");
        for inside in ["iotlab/alice/test", "iotlab/alice", "iotlab/alice/a/b", "iotlab/alice/#", "iotlab/alice/+/t"] {
            assert!(s.allows_topic(inside) && s.allows_filter(inside), "{inside}");
        }
        for outside in ["iotlab/bob/test", "iotlab/alicex/test", "iotlab/+/test", "#", "iotlab/#", "+/alice/x", "test", ""] {
            assert!(!s.allows_filter(outside), "{outside}");
        }
        assert_eq!(s.everything(), "iotlab/alice/#");
    }

    #[test]
    fn completion_adds_the_prefix_where_it_is_obvious() {
        let s = scope("iotlab/alice/");
        assert_eq!(s.complete("temp").as_deref(), Some("iotlab/alice/temp"));
        assert_eq!(s.complete("/temp").as_deref(), Some("iotlab/alice/temp"));
        assert_eq!(s.complete("").as_deref(), Some("iotlab/alice/"));
        assert_eq!(s.complete("iotlab/al").as_deref(), Some("iotlab/alice/"));
        assert_eq!(s.complete("iotlab/alice/x"), None);
        assert_eq!(s.complete("iotlab/bob/x"), None, "another user's topic is not completed into ours");
        assert_eq!(s.complete("#").as_deref(), Some("iotlab/alice/#"));
    }

    #[test]
    fn warnings_say_why_and_name_the_scope() {
        let s = scope("iotlab/alice/");
        assert_eq!(s.publish_warning("iotlab/alice/t"), None);
        let w = s.publish_warning("iotlab/bob/t").unwrap();
        assert!(w.contains("iotlab/bob/t") && w.contains("iotlab/alice/") && w.contains("0x87"), "{w}");
        assert_eq!(s.subscribe_warning("iotlab/alice/#"), None);
        let w = s.subscribe_warning("#").unwrap();
        assert!(w.contains("never delivers") && w.contains("iotlab/alice/#"), "{w}");
    }

    #[test]
    fn a_refused_publish_names_the_scope() {
        let m = publish_refused(3, ReasonCode::NOT_AUTHORIZED, "iotlab/alice");
        assert!(m.starts_with("The broker refused message 3: Not authorized (0x87)."), "{m}");
        assert!(m.contains("topic scope is iotlab/alice/"), "{m}");
        let m = publish_refused(3, ReasonCode::NOT_AUTHORIZED, "");
        assert!(m.contains("ACL") && m.contains("topic scope"), "{m}");
        let m = publish_refused(4, ReasonCode::QUOTA_EXCEEDED, "iotlab/alice/");
        assert_eq!(m, "The broker refused message 4: Quota exceeded (0x97).");
        // A scope that does not parse is not named, but the refusal still is.
        assert!(publish_refused(5, ReasonCode::NOT_AUTHORIZED, "a/#").contains("0x87"));
    }
}
