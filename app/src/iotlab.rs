//! FIT IoT-LAB, as a preset: its broker (mqtt.iot-lab.info) takes MQTT over
//! TLS on port 8883 only, with each user's IoT-LAB login and password, and
//! lets a user use only `iotlab/<login>/…`. So the login is all it takes to
//! fill a profile in: the user name, the topic scope `iotlab/<login>/`, the
//! subscription `iotlab/<login>/#`, and the bridge (bridge.rs) a browser needs.
//!
//! A teacher's link carries the preset (`?preset=iotlab`, see
//! workspace/share_link.rs): students then type only their login and password.

/// A profile's preset: what its Labs panel opens on and fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    IotLab,
}

impl Preset {
    /// Its value in share links and stored profiles.
    pub fn key(self) -> &'static str {
        match self {
            Self::IotLab => "iotlab",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        (key.trim() == "iotlab").then_some(Self::IotLab)
    }

    /// The name of a connection a link sets up with no name of its own.
    pub fn connection_name(self) -> &'static str {
        match self {
            Self::IotLab => "FIT IoT-LAB",
        }
    }
}

/// The broker, for commands run where TLS over TCP is possible.
pub const HOST: &str = "mqtt.iot-lab.info";
pub const PORT: u16 = 8883;
/// Where the seed's instructions have the CA file: beside the bridge config
/// (relative to the folder mosquitto starts in) by default.
pub const CA_FILE: &str = "iot-lab-ca.pem";

/// A login: what the broker's ACL puts into `iotlab/%u/#`, so it must be one
/// topic level.
pub fn check_login(login: &str) -> Result<&str, String> {
    let login = login.trim();
    if login.is_empty() {
        return Err("Enter your IoT-LAB login (the user name you log in to IoT-LAB with).".into());
    }
    if let Some(c) = login.chars().find(|c| matches!(c, '/' | '+' | '#') || c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "\"{login}\" cannot be an IoT-LAB login: it holds {}, and the login is one level of your topics (iotlab/<login>/…).",
            if c.is_whitespace() { "a space".to_owned() } else { format!("\"{c}\"") }
        ));
    }
    Ok(login)
}

pub fn scope_for(login: &str) -> String {
    format!("iotlab/{}/", login.trim())
}

pub fn subscription_for(login: &str) -> String {
    format!("iotlab/{}/#", login.trim())
}

/// What typing a login changes in a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginChange {
    pub username: String,
    pub scope: String,
    /// The preset's subscriptions of another login (`iotlab/<other>/#`).
    pub unsubscribe: Vec<String>,
    /// The preset's subscription for this login, unless it is there already.
    pub subscribe: Option<String>,
}

/// The change a login makes to a profile whose subscriptions are `filters`.
pub fn login_change(login: &str, filters: &[String]) -> Result<LoginChange, String> {
    let login = check_login(login)?;
    let mine = subscription_for(login);
    let is_preset_default = |f: &str| {
        f.strip_prefix("iotlab/")
            .and_then(|rest| rest.strip_suffix("/#"))
            .is_some_and(|who| !who.is_empty() && !who.contains('/'))
    };
    Ok(LoginChange {
        username: login.to_owned(),
        scope: scope_for(login),
        unsubscribe: filters.iter().filter(|f| is_preset_default(f) && **f != mine).cloned().collect(),
        subscribe: (!filters.contains(&mine)).then_some(mine),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_fills_the_user_name_scope_and_subscription() {
        let c = login_change(" alice ", &[]).unwrap();
        assert_eq!(c.username, "alice");
        assert_eq!(c.scope, "iotlab/alice/");
        assert_eq!(c.subscribe.as_deref(), Some("iotlab/alice/#"));
        assert!(c.unsubscribe.is_empty());
    }

    #[test]
    fn a_corrected_login_replaces_the_previous_default_only() {
        let subs = vec!["iotlab/alic/#".to_owned(), "iotlab/alic/sensors/+".to_owned(), "iotlab/alice/#".to_owned()];
        let c = login_change("alice", &subs).unwrap();
        assert_eq!(c.unsubscribe, ["iotlab/alic/#"]);
        assert_eq!(c.subscribe, None, "already subscribed");
    }

    #[test]
    fn a_login_is_one_topic_level() {
        assert!(check_login("").unwrap_err().contains("Enter your IoT-LAB login"));
        assert!(check_login("a/b").unwrap_err().contains("\"/\""));
        assert!(check_login("a b").unwrap_err().contains("a space"));
        assert!(check_login("a#").is_err() && check_login("a+").is_err());
        assert!(login_change("a/b", &[]).is_err());
        assert_eq!(check_login("bob42"), Ok("bob42"));
    }

    #[test]
    fn preset_keys() {
        assert_eq!(Preset::from_key("iotlab"), Some(Preset::IotLab));
        assert_eq!(Preset::from_key(Preset::IotLab.key()), Some(Preset::IotLab));
        assert_eq!(Preset::from_key("ttn"), None);
    }
}
