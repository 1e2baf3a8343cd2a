//! The workspace: every connection the user keeps, the one on screen, and
//! what is saved in the browser. Provided to the components as a Leptos
//! context ([`Workspace::provide`], [`use_workspace`]).
//!
//! The list operations themselves (add, duplicate, rename, remove, import)
//! are [`profiles::Profiles`]'s, tested natively; this module applies them to
//! the live connections and saves the result.

pub mod profiles;
pub mod share_link;
pub mod stored_history;

use leptos::prelude::*;

use crate::connection::Connection;
use crate::settings::{random_client_id, ConnectionSettings};
pub use profiles::ConnectionId;
use profiles::{Profile, Profiles};
use share_link::SharedSetup;
use stored_history::StoredHistory;

/// localStorage keys.
const PROFILES_KEY: &str = "webmqtt.profiles";
const SELECTED_KEY: &str = "webmqtt.selected";
/// How long the profiles must be still before they are saved.
const SAVE_DELAY_MS: u32 = 300;

/// Which messages the feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedScope {
    /// The connection on screen.
    #[default]
    Selected,
    /// Every connection's, each row marked with its connection.
    All,
}

/// The workspace's live state. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Workspace {
    pub connections: RwSignal<Vec<Connection>>,
    pub selected: RwSignal<ConnectionId>,
    pub feed_scope: RwSignal<FeedScope>,
    /// A message about the workspace itself (a link's bad values, an import,
    /// storage that failed), shown above everything until dismissed.
    pub notice: RwSignal<Option<String>>,
    /// Received messages kept in the browser.
    pub history: StoredHistory,
    next_id: StoredValue<u32>,
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn random() -> f64 {
    js_sys::Math::random()
}

/// The workspace the components share.
pub fn use_workspace() -> Workspace {
    expect_context::<Workspace>()
}

impl Workspace {
    /// The saved workspace (or a first connection to the local broker), with
    /// the page's share link applied; provided as context and saved on change.
    pub fn provide(search: &str) -> Self {
        let storage = local_storage();
        let stored = storage.as_ref().and_then(|s| s.get_item(PROFILES_KEY).ok().flatten());
        let mut notices = Vec::new();
        let mut profiles = match stored.map(|text| Profiles::from_storage_json(&text)) {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                notices.push(format!("Your saved connections could not be read and were not loaded ({e})."));
                Profiles::default()
            }
            None => Profiles::default(),
        };
        if profiles.is_empty() {
            let settings = ConnectionSettings { client_id: random_client_id(random), ..Default::default() };
            profiles.add("Local broker", settings);
        }
        let mut selected = storage
            .as_ref()
            .and_then(|s| s.get_item(SELECTED_KEY).ok().flatten())
            .and_then(|id| id.parse().ok())
            .map(ConnectionId)
            .filter(|id| profiles.get(*id).is_some())
            .or_else(|| profiles.first_id())
            .unwrap_or_default();

        let (setup, problems) = SharedSetup::parse(search);
        notices.extend(problems);
        if !setup.is_empty() {
            let (scope, preset) = (setup.scope.clone(), setup.preset);
            let link_has_username = setup.username.is_some();
            let (name, settings, subscriptions) = setup.into_profile_parts(random);
            // A preset link opened again finds the profile the login was typed into.
            let earlier = preset.filter(|_| !link_has_username).and_then(|p| profiles.find_preset(&name, p));
            let (id, added) = match earlier {
                Some(id) => (id, false),
                None => profiles.find_or_add_shared(&name, settings),
            };
            if let Some(p) = profiles.get_mut(id) {
                p.scope = scope.unwrap_or_else(|| p.scope.clone());
                p.preset = preset.or(p.preset);
                for s in subscriptions {
                    p.subscriptions.retain(|kept| kept.filter != s.filter);
                    p.subscriptions.push(s);
                }
            }
            if !added {
                notices.push(format!("The link's connection \"{name}\" was already saved: it is selected."));
            }
            selected = id;
        }

        let next_id = profiles.next_free_id();
        let connections: Vec<Connection> = profiles.into_vec().into_iter().map(Connection::from_profile).collect();
        let ws = Self {
            connections: RwSignal::new(connections),
            selected: RwSignal::new(selected),
            feed_scope: RwSignal::new(FeedScope::default()),
            notice: RwSignal::new((!notices.is_empty()).then(|| notices.join(" "))),
            history: StoredHistory::new(),
            next_id: StoredValue::new(next_id),
        };
        provide_context(ws);
        ws.save_on_change();
        ws.history.start(ws.connections.get_untracked());
        ws
    }

    /// Saves the profiles whenever any of their fields changes: once things
    /// have been still for a moment, not on every keystroke (a pasted payload
    /// of 10,000 lines fires an input event per line when typed by a tool).
    fn save_on_change(self) {
        let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
        Effect::new(move |_| {
            self.connections.with(|cs| cs.iter().for_each(|c| drop(c.profile())));
            self.selected.track();
            let save = gloo_timers::callback::Timeout::new(SAVE_DELAY_MS, move || self.save());
            // Replacing the timer cancels the one before.
            pending.set_value(Some(save));
        });
        // A reload right after a change still keeps it.
        let flush = window_event_listener(leptos::ev::pagehide, move |_| {
            if pending.try_update_value(|p| p.take()).flatten().is_some() {
                self.save();
            }
        });
        on_cleanup(move || flush.remove());
    }

    fn save(self) {
        let json = self.profiles_untracked().to_storage_json();
        let selected = self.selected.get_untracked().0.to_string();
        let Some(storage) = local_storage() else { return };
        if storage.set_item(PROFILES_KEY, &json).is_err() || storage.set_item(SELECTED_KEY, &selected).is_err() {
            self.notice.set(Some(
                "This browser did not let WebMQTT save your connections (storage full, or disabled for \
                 this site): they will be gone after a reload."
                    .into(),
            ));
        }
    }

    fn profiles_tracked(&self) -> Profiles {
        let list: Vec<Profile> = self.connections.with(|cs| cs.iter().map(Connection::profile).collect());
        Profiles::from_parts(list, self.next_id.get_value())
    }

    fn profiles_untracked(&self) -> Profiles {
        untrack(|| self.profiles_tracked())
    }

    /// Applies a change to the list and brings the live connections in line:
    /// new profiles get a connection, removed ones are shut down.
    fn apply<R>(&self, change: impl FnOnce(&mut Profiles) -> R) -> R {
        let mut profiles = self.profiles_untracked();
        let result = change(&mut profiles);
        self.next_id.set_value(profiles.next_free_id());
        let old = self.connections.get_untracked();
        let mut next = Vec::new();
        for p in profiles.into_vec() {
            match old.iter().find(|c| c.id == p.id) {
                Some(c) => {
                    if c.name.get_untracked() != p.name {
                        c.name.set(p.name);
                    }
                    next.push(*c);
                }
                None => {
                    let c = Connection::from_profile(p);
                    self.history.attach(c);
                    next.push(c);
                }
            }
        }
        for c in old.iter().filter(|c| !next.iter().any(|n| n.id == c.id)) {
            c.shut_down();
            self.history.clear(c.id);
        }
        self.connections.set(next);
        result
    }

    pub fn get(&self, id: ConnectionId) -> Option<Connection> {
        self.connections.with(|cs| cs.iter().find(|c| c.id == id).copied())
    }

    /// The connection on screen (tracked).
    pub fn selected_connection(&self) -> Option<Connection> {
        let id = self.selected.get();
        self.get(id)
    }

    pub fn select(&self, id: ConnectionId) {
        self.selected.set(id);
    }

    /// A new connection to the local broker, selected.
    pub fn add(&self) -> ConnectionId {
        let settings = ConnectionSettings { client_id: random_client_id(random), ..Default::default() };
        let id = self.apply(|ps| ps.add("New connection", settings));
        self.select(id);
        id
    }

    /// A copy beside it, with a client id of its own, selected.
    pub fn duplicate(&self, id: ConnectionId) {
        if let Some(new_id) = self.apply(|ps| {
            let new_id = ps.duplicate(id)?;
            if let Some(p) = ps.get_mut(new_id) {
                // Two clients with one id would keep disconnecting each other.
                p.settings.client_id = random_client_id(random);
            }
            Some(new_id)
        }) {
            self.select(new_id);
        }
    }

    pub fn rename(&self, id: ConnectionId, name: &str) -> Result<(), String> {
        self.apply(|ps| ps.rename(id, name))
    }

    /// Removes a connection (disconnecting it); the list always keeps one.
    pub fn remove(&self, id: ConnectionId) {
        self.apply(|ps| {
            ps.remove(id);
            if ps.is_empty() {
                let settings = ConnectionSettings { client_id: random_client_id(random), ..Default::default() };
                ps.add("Local broker", settings);
            }
        });
        if self.get(self.selected.get_untracked()).is_none() {
            if let Some(first) = self.connections.with_untracked(|cs| cs.first().map(|c| c.id)) {
                self.select(first);
            }
        }
    }

    /// Every profile as a file, without passwords.
    pub fn export_profiles(&self) -> String {
        self.profiles_untracked().to_export_json()
    }

    /// Adds the profiles of an exported file; says how many.
    pub fn import_profiles(&self, text: &str) -> Result<usize, String> {
        self.apply(|ps| ps.import_json(text)).map(|ids| ids.len()).map_err(|e| e.0)
    }

    /// The share link of a connection: this page's address with the query.
    pub fn share_link(&self, id: ConnectionId) -> Option<String> {
        let profile = self.get(id)?.profile_untracked();
        let location = web_sys::window()?.location();
        let base = format!("{}{}", location.origin().ok()?, location.pathname().ok()?);
        Some(format!("{base}{}", SharedSetup::query_of(&profile)))
    }
}
