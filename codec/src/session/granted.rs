//! The subscriptions the broker granted, by topic filter.
//!
//! A list kept in filter order rather than a `BTreeMap<String, _>`: a client
//! holds tens of subscriptions, not thousands, so a binary search and a shift
//! do the work, and in the browser build a B-tree of its own key and value
//! types brought some 4 KB of insertion and rebalancing code.

use crate::SubscriptionOptions;

#[derive(Debug, Clone, Default)]
pub(crate) struct GrantedSubscriptions {
    /// Sorted by filter, each filter once.
    by_filter: Vec<(String, SubscriptionOptions)>,
}

impl GrantedSubscriptions {
    fn find(&self, filter: &str) -> Result<usize, usize> {
        self.by_filter.binary_search_by(|(f, _)| f.as_str().cmp(filter))
    }

    /// Records `filter` as granted with `options`, replacing what it had.
    pub(crate) fn insert(&mut self, filter: String, options: SubscriptionOptions) {
        match self.find(&filter) {
            Ok(i) => self.by_filter[i].1 = options,
            Err(i) => self.by_filter.insert(i, (filter, options)),
        }
    }

    /// Forgets `filter`, if it was granted.
    pub(crate) fn remove(&mut self, filter: &str) {
        if let Ok(i) = self.find(filter) {
            self.by_filter.remove(i);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.by_filter.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_filter.is_empty()
    }

    /// In filter order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &SubscriptionOptions)> {
        self.by_filter.iter().map(|(f, o)| (f, o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QoS;
    use std::collections::BTreeMap;

    fn options(qos: QoS) -> SubscriptionOptions {
        SubscriptionOptions { qos, ..SubscriptionOptions::default() }
    }

    /// The same operations on a `BTreeMap` give the same contents, in the same order.
    #[test]
    fn behaves_as_a_map_in_filter_order() {
        let mut granted = GrantedSubscriptions::default();
        let mut reference = BTreeMap::new();
        let filters = ["b/#", "a/+", "", "a", "z/x/y", "a/+/c", "#"];
        let mut state = 7u32;
        for step in 0..400 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let filter = filters[(state >> 16) as usize % filters.len()];
            let qos = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce][step % 3];
            if state & 0x8000_0000 == 0 {
                granted.insert(filter.to_owned(), options(qos));
                reference.insert(filter.to_owned(), options(qos));
            } else {
                granted.remove(filter);
                reference.remove(filter);
            }
            assert!(granted.iter().map(|(f, o)| (f.clone(), *o)).eq(reference.iter().map(|(f, o)| (f.clone(), *o))));
            assert_eq!(granted.is_empty(), reference.is_empty());
        }
        granted.clear();
        assert!(granted.is_empty() && granted.iter().next().is_none());
    }
}
