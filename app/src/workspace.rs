//! The workspace: the connections a user keeps, each with its own broker,
//! subscriptions, feed and topic tree.

/// Which connection of the workspace something belongs to. Stable across
/// reloads: it is stored with the connection's profile and its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ConnectionId(pub u32);
