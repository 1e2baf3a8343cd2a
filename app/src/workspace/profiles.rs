//! Profiles: the connections a user keeps, each with its connection form,
//! its subscriptions and its last publish, and how they are
//! stored in the browser and exported as a file.
//!
//! Plain Rust, tested natively; `components::workspace` shows it and
//! `connection` runs one client per profile.

use webmqtt_codec::{ProtocolVersion, QoS, RetainHandling, SubscriptionOptions};

use crate::form::SelectKey;
use crate::iotlab::Preset;
use crate::json::{self, Object, Value};
use crate::settings::ConnectionSettings;

/// Which connection of the workspace something belongs to. Stable across
/// reloads: it is stored with the connection's profile and its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ConnectionId(pub u32);

/// Colours that mark a connection's rows in a feed of all connections
/// (CSS classes `conn-colour-0` … `-5`).
pub const CONNECTION_PALETTE: usize = 6;

/// A subscription as a profile keeps it: subscribed again after every CONNACK
/// that has no session for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSubscription {
    pub filter: String,
    pub options: SubscriptionOptions,
}

/// One connection as the user set it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: ConnectionId,
    pub name: String,
    pub colour: usize,
    pub settings: ConnectionSettings,
    /// Whether the password is kept in this browser's storage (off by default).
    pub remember_password: bool,
    pub subscriptions: Vec<SavedSubscription>,
    pub publish_topic: String,
    pub publish_payload: String,
    /// The topic prefix the broker allows this user (scope.rs); empty for none.
    pub scope: String,
    /// What the Labs panel opens on and fills in (iotlab.rs).
    pub preset: Option<Preset>,
}

impl Profile {
    pub fn new(id: ConnectionId, name: String, settings: ConnectionSettings) -> Self {
        Self {
            id,
            name,
            colour: (id.0 as usize).wrapping_sub(1) % CONNECTION_PALETTE,
            settings,
            remember_password: false,
            subscriptions: Vec::new(),
            publish_topic: String::new(),
            publish_payload: String::new(),
            scope: String::new(),
            preset: None,
        }
    }
}

/// Every profile, in the order the list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profiles {
    profiles: Vec<Profile>,
    next_id: u32,
}

/// Why stored or imported profiles could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilesError(pub String);

impl core::fmt::Display for ProfilesError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Default for Profiles {
    fn default() -> Self {
        Self { profiles: Vec::new(), next_id: 1 }
    }
}

impl Profiles {
    /// Profiles as the live connections hold them, and the next id to give.
    pub fn from_parts(profiles: Vec<Profile>, next_id: u32) -> Self {
        let max_id = profiles.iter().map(|p| p.id.0).max().unwrap_or(0);
        Self { profiles, next_id: next_id.max(max_id + 1) }
    }

    /// The id the next added profile gets.
    pub fn next_free_id(&self) -> u32 {
        self.next_id
    }

    pub fn into_vec(self) -> Vec<Profile> {
        self.profiles
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter()
    }

    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    pub fn get(&self, id: ConnectionId) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.id == id)
    }

    pub fn get_mut(&mut self, id: ConnectionId) -> Option<&mut Profile> {
        self.profiles.iter_mut().find(|p| p.id == id)
    }

    pub fn first_id(&self) -> Option<ConnectionId> {
        self.profiles.first().map(|p| p.id)
    }

    fn next_id(&mut self) -> ConnectionId {
        let id = ConnectionId(self.next_id);
        self.next_id += 1;
        id
    }

    /// A name no profile has yet: `base`, else `base 2`, `base 3`, …
    pub fn unique_name(&self, base: &str) -> String {
        let taken = |n: &str| self.profiles.iter().any(|p| p.name == n);
        if !taken(base) {
            return base.to_owned();
        }
        (2..).map(|i| format!("{base} {i}")).find(|n| !taken(n)).unwrap_or_default()
    }

    /// Adds a profile and returns its id.
    pub fn add(&mut self, name: &str, settings: ConnectionSettings) -> ConnectionId {
        let id = self.next_id();
        let name = self.unique_name(name);
        self.profiles.push(Profile::new(id, name, settings));
        id
    }

    /// A copy of `id` beside it, named "… copy"; its own id and colour.
    pub fn duplicate(&mut self, id: ConnectionId) -> Option<ConnectionId> {
        let index = self.profiles.iter().position(|p| p.id == id)?;
        let new_id = self.next_id();
        let mut copy = self.profiles[index].clone();
        copy.name = self.unique_name(&format!("{} copy", copy.name));
        copy.colour = Profile::new(new_id, String::new(), ConnectionSettings::default()).colour;
        copy.id = new_id;
        self.profiles.insert(index + 1, copy);
        Some(new_id)
    }

    /// Renames `id`; a blank name is refused.
    pub fn rename(&mut self, id: ConnectionId, name: &str) -> Result<(), String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("A connection needs a name.".into());
        }
        let p = self.get_mut(id).ok_or_else(|| "That connection no longer exists.".to_owned())?;
        p.name = name.to_owned();
        Ok(())
    }

    /// Removes `id`; returns the profile that was removed.
    pub fn remove(&mut self, id: ConnectionId) -> Option<Profile> {
        let index = self.profiles.iter().position(|p| p.id == id)?;
        Some(self.profiles.remove(index))
    }

    /// The profile a shared link describes: the one with the same broker, user
    /// name and name if there is one (focused, not duplicated), else a new one.
    pub fn find_or_add_shared(&mut self, name: &str, settings: ConnectionSettings) -> (ConnectionId, bool) {
        let same = self.profiles.iter().find(|p| {
            p.name == name && p.settings.url == settings.url && p.settings.username == settings.username
        });
        match same {
            Some(p) => (p.id, false),
            None => {
                let id = self.add(name, settings);
                (id, true)
            }
        }
    }

    /// The profile a preset link (`?preset=iotlab`, no user name) set up
    /// before: the student typed a login into it since, so the link's own
    /// fields no longer match it, but it is the same connection.
    pub fn find_preset(&self, name: &str, preset: Preset) -> Option<ConnectionId> {
        self.profiles.iter().find(|p| p.name == name && p.preset == Some(preset)).map(|p| p.id)
    }

    /// What the browser keeps: passwords only where the user ticked "Remember
    /// password on this device".
    pub fn to_storage_json(&self) -> String {
        self.to_json(true)
    }

    /// A file to move profiles to another browser: never a password.
    pub fn to_export_json(&self) -> String {
        self.to_json(false)
    }

    fn to_json(&self, keep_remembered_passwords: bool) -> String {
        let mut file = Object::new();
        file.insert("format", Value::from(FORMAT));
        file.insert("version", Value::from(1u32));
        file.insert("next_id", Value::from(self.next_id));
        let profiles = self.profiles.iter().map(|p| StoredProfile::from_profile(p, keep_remembered_passwords).to_json());
        file.insert("profiles", Value::Array(profiles.collect()));
        Value::Object(file).pretty()
    }

    /// Reads what `to_storage_json` wrote.
    pub fn from_storage_json(text: &str) -> Result<Self, ProfilesError> {
        let file = parse_file(text)?;
        let profiles: Vec<Profile> = file.profiles.into_iter().map(StoredProfile::into_profile).collect();
        let max_id = profiles.iter().map(|p| p.id.0).max().unwrap_or(0);
        Ok(Self { profiles, next_id: file.next_id.max(max_id + 1) })
    }

    /// Adds the profiles of an exported file, each under a new id (and a
    /// unique name), keeping its colour; returns the new ids.
    pub fn import_json(&mut self, text: &str) -> Result<Vec<ConnectionId>, ProfilesError> {
        let file = parse_file(text)?;
        let mut added = Vec::new();
        for stored in file.profiles {
            let mut p = stored.into_profile();
            p.id = self.next_id();
            p.name = self.unique_name(&p.name);
            // The colour stays: it is how the user knows the connection's rows.
            added.push(p.id);
            self.profiles.push(p);
        }
        Ok(added)
    }
}

/// The `format` field of our JSON: a file of anything else is refused by name.
const FORMAT: &str = "webmqtt-profiles";

fn parse_file(text: &str) -> Result<ProfilesFile, ProfilesError> {
    let value = json::parse(text)
        .map_err(|e| ProfilesError(format!("This is not a JSON file of WebMQTT connections: {e}.")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(ProfilesError(format!(
            "This JSON file is not a WebMQTT connections export (it has no \"format\": \"{FORMAT}\")."
        )));
    }
    ProfilesFile::from_json(&value).map_err(|e| ProfilesError(format!("This WebMQTT connections file is damaged: {e}.")))
}

// --- the stored form ---------------------------------------------------------
// Its own plain types, so that renaming a Rust field never silently breaks what
// a browser stored last week; unknown fields are ignored and missing ones take
// their defaults, so older and newer files both load.

struct ProfilesFile {
    next_id: u32,
    profiles: Vec<StoredProfile>,
}

impl ProfilesFile {
    /// `format` is checked before; `version` and `profiles` must be there.
    fn from_json(value: &Value) -> Result<Self, String> {
        let file = Fields::of(value, "the file")?;
        if file.0.get("version").is_none() {
            return Err("missing field `version`".to_owned());
        }
        let _version: u32 = file.number("version")?;
        let profiles = file.0.get("profiles").ok_or("missing field `profiles`")?;
        let profiles = profiles.as_array().ok_or("`profiles` is not a list")?;
        Ok(Self {
            next_id: file.number("next_id")?,
            profiles: profiles.iter().map(StoredProfile::from_json).collect::<Result<_, _>>()?,
        })
    }
}

/// The members of a stored object, read leniently where the format allows:
/// a missing field (or `null`) takes its default, a field of the wrong type is
/// an error that names it, and fields we do not know are ignored.
struct Fields<'a>(&'a Object);

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &str) -> Result<Self, String> {
        value.as_object().map(Fields).ok_or_else(|| format!("{what} is not an object"))
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn text(&self, key: &str) -> Result<String, String> {
        self.present(key).map_or(Ok(String::new()), |v| {
            v.as_str().map(str::to_owned).ok_or_else(|| format!("`{key}` is not text"))
        })
    }

    fn flag(&self, key: &str) -> Result<bool, String> {
        self.present(key).map_or(Ok(false), |v| v.as_bool().ok_or_else(|| format!("`{key}` is not true or false")))
    }

    fn number<T: TryFrom<u64> + Default>(&self, key: &str) -> Result<T, String> {
        self.present(key).map_or(Ok(T::default()), |v| {
            v.as_u64().and_then(|n| T::try_from(n).ok()).ok_or_else(|| format!("`{key}` is not a whole number in range"))
        })
    }
}

#[derive(Default)]
struct StoredProfile {
    id: u32,
    name: String,
    colour: usize,
    url: String,
    version: String,
    client_id: String,
    username: String,
    password: Option<String>,
    remember_password: bool,
    clean_start: bool,
    keep_alive: String,
    session_expiry: String,
    will_topic: String,
    will_payload: String,
    will_qos: u8,
    will_retain: bool,
    subscriptions: Vec<StoredSubscription>,
    publish_topic: String,
    publish_payload: String,
    scope: String,
    preset: String,
}

#[derive(Default)]
struct StoredSubscription {
    filter: String,
    qos: u8,
    no_local: bool,
    retain_as_published: bool,
    retain_handling: u8,
}

fn qos_from_u8(n: u8) -> QoS {
    QoS::from_u8(n).unwrap_or(QoS::AtMostOnce)
}

impl StoredSubscription {
    fn to_json(&self) -> Value {
        let mut o = Object::new();
        o.insert("filter", Value::from(self.filter.as_str()));
        o.insert("qos", Value::from(self.qos));
        o.insert("no_local", Value::from(self.no_local));
        o.insert("retain_as_published", Value::from(self.retain_as_published));
        o.insert("retain_handling", Value::from(self.retain_handling));
        Value::Object(o)
    }

    fn from_json(value: &Value) -> Result<Self, String> {
        let f = Fields::of(value, "a subscription")?;
        Ok(Self {
            filter: f.text("filter")?,
            qos: f.number("qos")?,
            no_local: f.flag("no_local")?,
            retain_as_published: f.flag("retain_as_published")?,
            retain_handling: f.number("retain_handling")?,
        })
    }
}

impl StoredProfile {
    /// Fields in this order; `password` only when kept, `scope` and `preset` only when set.
    fn to_json(&self) -> Value {
        let mut o = Object::new();
        let text = |s: &str| Value::from(s);
        o.insert("id", Value::from(self.id));
        o.insert("name", text(&self.name));
        o.insert("colour", Value::from(self.colour));
        o.insert("url", text(&self.url));
        o.insert("version", text(&self.version));
        o.insert("client_id", text(&self.client_id));
        o.insert("username", text(&self.username));
        if let Some(password) = &self.password {
            o.insert("password", text(password));
        }
        o.insert("remember_password", Value::from(self.remember_password));
        o.insert("clean_start", Value::from(self.clean_start));
        o.insert("keep_alive", text(&self.keep_alive));
        o.insert("session_expiry", text(&self.session_expiry));
        o.insert("will_topic", text(&self.will_topic));
        o.insert("will_payload", text(&self.will_payload));
        o.insert("will_qos", Value::from(self.will_qos));
        o.insert("will_retain", Value::from(self.will_retain));
        o.insert("subscriptions", Value::Array(self.subscriptions.iter().map(StoredSubscription::to_json).collect()));
        o.insert("publish_topic", text(&self.publish_topic));
        o.insert("publish_payload", text(&self.publish_payload));
        if !self.scope.is_empty() {
            o.insert("scope", text(&self.scope));
        }
        if !self.preset.is_empty() {
            o.insert("preset", text(&self.preset));
        }
        Value::Object(o)
    }

    fn from_json(value: &Value) -> Result<Self, String> {
        let f = Fields::of(value, "a profile")?;
        let subscriptions = match f.present("subscriptions") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .ok_or("`subscriptions` is not a list")?
                .iter()
                .map(StoredSubscription::from_json)
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            id: f.number("id")?,
            name: f.text("name")?,
            colour: f.number("colour")?,
            url: f.text("url")?,
            version: f.text("version")?,
            client_id: f.text("client_id")?,
            username: f.text("username")?,
            password: f.present("password").map(|_| f.text("password")).transpose()?,
            remember_password: f.flag("remember_password")?,
            clean_start: f.flag("clean_start")?,
            keep_alive: f.text("keep_alive")?,
            session_expiry: f.text("session_expiry")?,
            will_topic: f.text("will_topic")?,
            will_payload: f.text("will_payload")?,
            will_qos: f.number("will_qos")?,
            will_retain: f.flag("will_retain")?,
            subscriptions,
            publish_topic: f.text("publish_topic")?,
            publish_payload: f.text("publish_payload")?,
            scope: f.text("scope")?,
            preset: f.text("preset")?,
        })
    }

    fn from_profile(p: &Profile, keep_remembered_passwords: bool) -> Self {
        let s = &p.settings;
        Self {
            id: p.id.0,
            name: p.name.clone(),
            colour: p.colour,
            url: s.url.clone(),
            version: s.version.key().to_owned(),
            client_id: s.client_id.clone(),
            username: s.username.clone(),
            password: (keep_remembered_passwords && p.remember_password && !s.password.is_empty())
                .then(|| s.password.clone()),
            remember_password: p.remember_password,
            clean_start: s.clean_start,
            keep_alive: s.keep_alive.clone(),
            session_expiry: s.session_expiry.clone(),
            will_topic: s.will_topic.clone(),
            will_payload: s.will_payload.clone(),
            will_qos: s.will_qos.as_u8(),
            will_retain: s.will_retain,
            subscriptions: p
                .subscriptions
                .iter()
                .map(|sub| StoredSubscription {
                    filter: sub.filter.clone(),
                    qos: sub.options.qos.as_u8(),
                    no_local: sub.options.no_local,
                    retain_as_published: sub.options.retain_as_published,
                    retain_handling: sub.options.retain_handling as u8,
                })
                .collect(),
            publish_topic: p.publish_topic.clone(),
            publish_payload: p.publish_payload.clone(),
            scope: p.scope.clone(),
            preset: p.preset.map(|k| k.key().to_owned()).unwrap_or_default(),
        }
    }

    fn into_profile(self) -> Profile {
        let defaults = ConnectionSettings::default();
        let settings = ConnectionSettings {
            url: self.url,
            version: ProtocolVersion::from_key(&self.version).unwrap_or(defaults.version),
            client_id: self.client_id,
            username: self.username,
            password: self.password.unwrap_or_default(),
            clean_start: self.clean_start,
            keep_alive: if self.keep_alive.is_empty() { defaults.keep_alive } else { self.keep_alive },
            session_expiry: self.session_expiry,
            will_topic: self.will_topic,
            will_payload: self.will_payload,
            will_qos: qos_from_u8(self.will_qos),
            will_retain: self.will_retain,
        };
        Profile {
            id: ConnectionId(self.id),
            name: if self.name.trim().is_empty() { "Connection".to_owned() } else { self.name },
            colour: self.colour % CONNECTION_PALETTE,
            settings,
            remember_password: self.remember_password,
            subscriptions: self
                .subscriptions
                .into_iter()
                .filter(|s| !s.filter.is_empty())
                .map(|s| SavedSubscription {
                    filter: s.filter,
                    options: SubscriptionOptions {
                        qos: qos_from_u8(s.qos),
                        no_local: s.no_local,
                        retain_as_published: s.retain_as_published,
                        retain_handling: match s.retain_handling {
                            1 => RetainHandling::SendAtNewSubscribe,
                            2 => RetainHandling::DoNotSend,
                            _ => RetainHandling::SendAtSubscribe,
                        },
                    },
                })
                .collect(),
            publish_topic: self.publish_topic,
            publish_payload: self.publish_payload,
            scope: self.scope,
            preset: Preset::from_key(&self.preset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> ConnectionSettings {
        ConnectionSettings { url: url.into(), client_id: "me".into(), ..Default::default() }
    }

    fn sample() -> Profiles {
        let mut ps = Profiles::default();
        let a = ps.add("Lab", settings("wss://lab:8081"));
        let p = ps.get_mut(a).unwrap();
        p.settings.username = "alice".into();
        p.settings.password = "secret".into();
        p.settings.version = ProtocolVersion::V5;
        p.subscriptions.push(SavedSubscription {
            filter: "lab/#".into(),
            options: SubscriptionOptions { qos: QoS::AtLeastOnce, no_local: true, ..Default::default() },
        });
        p.publish_topic = "lab/hello".into();
        p.publish_payload = "{\"b\":1,\"a\":2}".into();
        ps.add("Local", settings("ws://127.0.0.1:9001"));
        ps
    }

    #[test]
    fn add_duplicate_rename_remove() {
        let mut ps = sample();
        let lab = ps.first_id().unwrap();
        let copy = ps.duplicate(lab).unwrap();
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Lab", "Lab copy", "Local"]);
        assert_ne!(ps.get(copy).unwrap().colour, ps.get(lab).unwrap().colour);
        assert_eq!(ps.get(copy).unwrap().subscriptions, ps.get(lab).unwrap().subscriptions);
        assert_eq!(ps.add("Local", settings("ws://x:1")), ConnectionId(4));
        assert_eq!(ps.get(ConnectionId(4)).unwrap().name, "Local 2");
        assert!(ps.rename(copy, "  ").is_err());
        ps.rename(copy, " Lab B ").unwrap();
        assert_eq!(ps.get(copy).unwrap().name, "Lab B");
        assert_eq!(ps.remove(lab).map(|p| p.name), Some("Lab".to_owned()));
        assert!(ps.get(lab).is_none());
        // Ids are never reused, so stored history never lands on another connection.
        assert_eq!(ps.add("New", settings("ws://y:1")), ConnectionId(5));
    }

    #[test]
    fn storage_keeps_everything_and_the_password_only_when_remembered() {
        let mut ps = sample();
        let lab = ps.first_id().unwrap();
        let back = Profiles::from_storage_json(&ps.to_storage_json()).unwrap();
        assert_eq!(back.get(lab).unwrap().settings.password, "", "not remembered: not stored");
        let mut expected = ps.clone();
        expected.get_mut(lab).unwrap().settings.password.clear();
        assert_eq!(back, expected);

        ps.get_mut(lab).unwrap().remember_password = true;
        let back = Profiles::from_storage_json(&ps.to_storage_json()).unwrap();
        assert_eq!(back.get(lab).unwrap().settings.password, "secret");
        assert_eq!(back, ps);
    }

    #[test]
    fn export_never_holds_a_password_and_imports_under_new_ids() {
        let mut ps = sample();
        let lab = ps.first_id().unwrap();
        ps.get_mut(lab).unwrap().remember_password = true;
        let file = ps.to_export_json();
        assert!(!file.contains("secret"), "{file}");
        let mut other = Profiles::default();
        other.add("Lab", settings("ws://elsewhere:1"));
        let added = other.import_json(&file).unwrap();
        assert_eq!(added, [ConnectionId(2), ConnectionId(3)]);
        let names: Vec<&str> = other.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Lab", "Lab 2", "Local"]);
        let imported = other.get(ConnectionId(2)).unwrap();
        assert_eq!(imported.settings.username, "alice");
        assert_eq!(imported.settings.password, "");
        assert_eq!(imported.subscriptions, ps.get(lab).unwrap().subscriptions);
        assert_eq!(imported.publish_payload, "{\"b\":1,\"a\":2}");
        assert_eq!(imported.colour, ps.get(lab).unwrap().colour);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let mut ps = Profiles::default();
        let e = |r: Result<Vec<ConnectionId>, ProfilesError>| r.unwrap_err().0;
        assert!(e(ps.import_json("not json")).contains("not a JSON file"));
        assert!(e(ps.import_json("{\"a\":1}")).contains("not a WebMQTT connections export"));
        assert!(e(ps.import_json("{\"format\":\"webmqtt-profiles\",\"version\":1,\"profiles\":3}"))
            .contains("damaged"));
        assert!(ps.is_empty(), "nothing half-imported");
        // Missing fields take their defaults; unknown QoS falls back to 0.
        let ok = "{\"format\":\"webmqtt-profiles\",\"version\":1,\"profiles\":[{\"url\":\"ws://h:1\",\
                  \"subscriptions\":[{\"filter\":\"a\",\"qos\":7}],\"future_field\":true}]}";
        let ids = ps.import_json(ok).unwrap();
        let p = ps.get(ids[0]).unwrap();
        assert_eq!((p.name.as_str(), p.settings.keep_alive.as_str()), ("Connection", "60"));
        assert_eq!(p.subscriptions[0].options.qos, QoS::AtMostOnce);
    }

    #[test]
    fn scope_and_preset_are_saved_and_exported() {
        let mut ps = sample();
        let lab = ps.first_id().unwrap();
        let p = ps.get_mut(lab).unwrap();
        p.scope = "iotlab/alice/".into();
        p.preset = Some(Preset::IotLab);
        p.remember_password = true;
        assert_eq!(Profiles::from_storage_json(&ps.to_storage_json()).unwrap().get(lab), ps.get(lab));
        let mut other = Profiles::default();
        let ids = other.import_json(&ps.to_export_json()).unwrap();
        let imported = other.get(ids[0]).unwrap();
        assert_eq!((imported.scope.as_str(), imported.preset), ("iotlab/alice/", Some(Preset::IotLab)));
        // Files from before scopes load with none; an unknown preset is dropped.
        let old = "{\"format\":\"webmqtt-profiles\",\"version\":1,\"profiles\":[{\"url\":\"ws://h:1\",\"preset\":\"mars\"}]}";
        let p = Profiles::from_storage_json(old).unwrap().into_vec().remove(0);
        assert_eq!((p.scope.as_str(), p.preset), ("", None));
    }

    #[test]
    fn a_preset_link_opened_again_finds_the_profile_it_set_up() {
        let mut ps = sample();
        assert_eq!(ps.find_preset("FIT IoT-LAB", Preset::IotLab), None);
        let id = ps.add("FIT IoT-LAB", settings("ws://127.0.0.1:9001"));
        ps.get_mut(id).unwrap().settings.username = "alice".into();
        assert_eq!(ps.find_preset("FIT IoT-LAB", Preset::IotLab), None, "not a preset profile yet");
        ps.get_mut(id).unwrap().preset = Some(Preset::IotLab);
        assert_eq!(ps.find_preset("FIT IoT-LAB", Preset::IotLab), Some(id));
    }

    #[test]
    fn a_shared_link_focuses_the_same_profile() {
        let mut ps = sample();
        let mut s = settings("wss://lab:8081");
        s.username = "alice".into();
        assert_eq!(ps.find_or_add_shared("Lab", s.clone()), (ConnectionId(1), false));
        assert_eq!(ps.find_or_add_shared("Other lab", s), (ConnectionId(3), true));
    }
}
