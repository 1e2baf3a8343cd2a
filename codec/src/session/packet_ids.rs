//! What the session keeps by packet identifier, other than the messages in
//! flight: which identifiers are taken, which inbound flows are open, and the
//! (un)subscribe requests awaiting their acknowledgement.
//!
//! These were `BTreeSet<u16>` and `BTreeMap<u16, _>`. A bit per identifier and
//! a short list do the same work in constant or small time, and they are a
//! fraction of a B-tree's code in the browser build, where every key and value
//! type brings its own copy of the tree's insertion and rebalancing.

/// A set of packet identifiers: a bit each, in words added as larger
/// identifiers come (8 KB at most, for 65,535).
#[derive(Debug, Clone, Default)]
pub(crate) struct PacketIdSet {
    words: Vec<u64>,
    len: usize,
}

impl PacketIdSet {
    fn place(id: u16) -> (usize, u64) {
        (usize::from(id) / 64, 1 << (id % 64))
    }

    /// Adds `id`; false if it was there already.
    pub(crate) fn insert(&mut self, id: u16) -> bool {
        let (word, bit) = Self::place(id);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let fresh = self.words[word] & bit == 0;
        self.words[word] |= bit;
        self.len += usize::from(fresh);
        fresh
    }

    /// Takes `id` out; false if it was not there.
    pub(crate) fn remove(&mut self, id: u16) -> bool {
        let (word, bit) = Self::place(id);
        let Some(w) = self.words.get_mut(word) else { return false };
        let present = *w & bit != 0;
        *w &= !bit;
        self.len -= usize::from(present);
        present
    }

    pub(crate) fn contains(&self, id: u16) -> bool {
        let (word, bit) = Self::place(id);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn clear(&mut self) {
        self.words.clear();
        self.len = 0;
    }
}

/// Requests awaiting their acknowledgement, by packet identifier: few at a
/// time (a SUBSCRIBE or UNSUBSCRIBE each), so a list searched from the start.
#[derive(Debug, Clone)]
pub(crate) struct PendingById<V> {
    entries: Vec<(u16, V)>,
}

impl<V> Default for PendingById<V> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<V> PendingById<V> {
    /// Keeps `value` for `id`, in place of what was kept for it.
    pub(crate) fn insert(&mut self, id: u16, value: V) {
        match self.entries.iter_mut().find(|(k, _)| *k == id) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((id, value)),
        }
    }

    pub(crate) fn get(&self, id: u16) -> Option<&V> {
        self.entries.iter().find(|(k, _)| *k == id).map(|(_, v)| v)
    }

    pub(crate) fn remove(&mut self, id: u16) -> Option<V> {
        let at = self.entries.iter().position(|(k, _)| *k == id)?;
        Some(self.entries.remove(at).1)
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.entries.iter().map(|(k, _)| *k)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// The same operations on the set and on a `BTreeSet`, from a small
    /// deterministic generator, give the same answers.
    #[test]
    fn the_set_answers_as_a_btree_set_does() {
        let mut ours = PacketIdSet::default();
        let mut reference = BTreeSet::new();
        let mut state: u32 = 0x9e37_79b9;
        for step in 0..200_000u32 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            // Mostly a small range, so that ids meet again; now and then anywhere.
            let id = if state % 16 == 0 { (state >> 8) as u16 } else { (state >> 8) as u16 % 300 };
            match state % 7 {
                0..=2 => assert_eq!(ours.insert(id), reference.insert(id), "insert {id} at step {step}"),
                3..=4 => assert_eq!(ours.remove(id), reference.remove(&id), "remove {id} at step {step}"),
                5 => assert_eq!(ours.contains(id), reference.contains(&id), "contains {id} at step {step}"),
                _ if step % 5_000 == 6 => {
                    ours.clear();
                    reference.clear();
                }
                _ => {}
            }
            assert_eq!(ours.len(), reference.len(), "len at step {step}");
        }
        for id in [0, 1, 63, 64, 65_535] {
            assert_eq!(ours.contains(id), reference.contains(&id));
        }
    }

    #[test]
    fn the_ends_of_the_range_are_identifiers_like_the_others() {
        let mut set = PacketIdSet::default();
        assert!(!set.contains(u16::MAX));
        assert!(!set.remove(u16::MAX), "removing from an empty set");
        assert!(set.insert(u16::MAX));
        assert!(set.insert(1));
        assert!(!set.insert(u16::MAX));
        assert_eq!(set.len(), 2);
        assert!(set.remove(u16::MAX));
        assert!(set.contains(1) && !set.contains(u16::MAX));
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn pending_requests_answer_as_a_btree_map_does() {
        let mut ours = PendingById::default();
        let mut reference = BTreeMap::new();
        for (i, id) in [5u16, 9, 5, 1, 9, 65_535, 2].into_iter().enumerate() {
            ours.insert(id, i);
            reference.insert(id, i);
        }
        assert_eq!(ours.get(5), reference.get(&5));
        assert_eq!(ours.get(7), None);
        assert_eq!(ours.remove(9), reference.remove(&9));
        assert_eq!(ours.remove(9), None);
        let mut ids: Vec<u16> = ours.ids().collect();
        ids.sort_unstable();
        assert_eq!(ids, reference.keys().copied().collect::<Vec<_>>());
        ours.clear();
        assert_eq!(ours.ids().count(), 0);
    }
}
