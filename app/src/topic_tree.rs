//! Per-topic state for every topic seen, as a tree of topic levels. It is kept
//! for every topic even when the feed's buffer has dropped the messages.

use std::collections::BTreeMap;

/// What is known of one topic.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicStats {
    pub count: u64,
    pub last_preview: String,
    pub last_size: usize,
    pub last_time_ms: f64,
    /// Whether the last message was a retained one.
    pub retained: bool,
}

/// One level of the tree: `a/b` has nodes `a` and `a/b`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicNode {
    /// The full topic of this node, e.g. `lab/room1`.
    pub path: String,
    /// The last level's name (may be empty: topics like `/a` or `a//b`).
    pub name: String,
    pub depth: usize,
    /// Children by level name, in name order.
    pub children: BTreeMap<String, usize>,
    /// Messages published exactly on this topic.
    pub stats: Option<TopicStats>,
    /// Messages on this topic and every topic below it.
    pub subtree_count: u64,
}

/// All topics seen. Node 0 is the (unnamed) root.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicTree {
    nodes: Vec<TopicNode>,
    topics: usize,
}

impl Default for TopicTree {
    fn default() -> Self {
        Self { nodes: vec![TopicNode::default()], topics: 0 }
    }
}

impl TopicTree {
    pub const ROOT: usize = 0;

    /// Counts a message on `topic`.
    pub fn record(&mut self, topic: &str, preview: &str, size: usize, retained: bool, time_ms: f64) {
        let mut node = Self::ROOT;
        self.nodes[node].subtree_count += 1;
        for (depth, level) in topic.split('/').enumerate() {
            node = match self.nodes[node].children.get(level) {
                Some(&child) => child,
                None => {
                    let parent_path = &self.nodes[node].path;
                    let path = if node == Self::ROOT { level.to_owned() } else { format!("{parent_path}/{level}") };
                    let child = self.nodes.len();
                    self.nodes.push(TopicNode { path, name: level.to_owned(), depth, ..TopicNode::default() });
                    self.nodes[node].children.insert(level.to_owned(), child);
                    child
                }
            };
            self.nodes[node].subtree_count += 1;
        }
        let n = &mut self.nodes[node];
        if n.stats.is_none() {
            self.topics += 1;
        }
        let stats = n.stats.get_or_insert_with(TopicStats::default);
        stats.count += 1;
        stats.last_preview.clear();
        stats.last_preview.push_str(preview);
        stats.last_size = size;
        stats.last_time_ms = time_ms;
        stats.retained = retained;
    }

    pub fn node(&self, id: usize) -> Option<&TopicNode> {
        self.nodes.get(id)
    }

    /// Distinct topics that carried a message.
    pub fn topic_count(&self) -> usize {
        self.topics
    }

    pub fn message_count(&self) -> u64 {
        self.nodes[Self::ROOT].subtree_count
    }

    /// The node of a topic, if seen.
    pub fn find(&self, topic: &str) -> Option<usize> {
        topic.split('/').try_fold(Self::ROOT, |node, level| self.nodes.get(node)?.children.get(level).copied())
    }

    /// The nodes shown when the nodes in `expanded` are open, depth first, at
    /// most `limit` of them.
    pub fn visible(&self, expanded: &dyn Fn(usize) -> bool, limit: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.nodes[Self::ROOT].children.values().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if out.len() >= limit {
                break;
            }
            out.push(id);
            if expanded(id) {
                stack.extend(self.nodes[id].children.values().rev().copied());
            }
        }
        out
    }

    /// Topics whose path contains `needle`, at most `limit`. Letters A to Z match
    /// in either case; other characters match as typed. (Folding every Unicode
    /// letter would bring the standard library's case tables into the download,
    /// 4 KB gzipped, for topics that are almost always ASCII.)
    pub fn search(&self, needle: &str, limit: usize) -> Vec<usize> {
        self.nodes
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, n)| contains_ignoring_ascii_case(&n.path, needle))
            .map(|(id, _)| id)
            .take(limit)
            .collect()
    }
}

fn contains_ignoring_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_topic_and_per_subtree() {
        let mut t = TopicTree::default();
        t.record("lab/room1/temp", "21", 2, false, 1.0);
        t.record("lab/room1/temp", "22", 2, true, 2.0);
        t.record("lab/room2/temp", "19", 2, false, 3.0);
        t.record("lab", "hello", 5, false, 4.0);
        assert_eq!((t.topic_count(), t.message_count()), (3, 4));
        let lab = t.node(t.find("lab").unwrap()).unwrap();
        assert_eq!((lab.subtree_count, lab.stats.as_ref().unwrap().count), (4, 1));
        let temp = t.node(t.find("lab/room1/temp").unwrap()).unwrap();
        let s = temp.stats.as_ref().unwrap();
        assert_eq!((s.count, s.last_preview.as_str(), s.retained, s.last_time_ms), (2, "22", true, 2.0));
        assert_eq!(temp.path, "lab/room1/temp");
        assert!(t.node(t.find("lab/room1").unwrap()).unwrap().stats.is_none());
        assert_eq!(t.find("lab/room3"), None);
    }

    #[test]
    fn empty_levels_are_levels() {
        let mut t = TopicTree::default();
        t.record("/a", "", 0, false, 0.0);
        t.record("a//b", "", 0, false, 0.0);
        assert_eq!(t.topic_count(), 2);
        assert_eq!(t.node(t.find("/a").unwrap()).unwrap().path, "/a");
        assert_eq!(t.node(t.find("a//b").unwrap()).unwrap().depth, 2);
    }

    #[test]
    fn visible_nodes_follow_expansion_in_name_order() {
        let mut t = TopicTree::default();
        for topic in ["b/x", "a/y", "a/x", "c"] {
            t.record(topic, "", 0, false, 0.0);
        }
        let paths = |ids: Vec<usize>| ids.into_iter().map(|i| t.node(i).unwrap().path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(t.visible(&|_| false, 100)), ["a", "b", "c"]);
        let a = t.find("a").unwrap();
        assert_eq!(paths(t.visible(&|id| id == a, 100)), ["a", "a/x", "a/y", "b", "c"]);
        assert_eq!(paths(t.visible(&|_| true, 3)), ["a", "a/x", "a/y"]);
        assert_eq!(paths(t.search("X", 10)), ["b/x", "a/x"]);
    }

    #[test]
    fn search_folds_ascii_letters_and_matches_the_rest_as_typed() {
        let mut t = TopicTree::default();
        for topic in ["Lab/Sensor", "lab/température", "x"] {
            t.record(topic, "", 0, false, 0.0);
        }
        let paths = |ids: Vec<usize>| ids.into_iter().map(|i| t.node(i).unwrap().path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(t.search("lab/sENSOR", 10)), ["Lab/Sensor"]);
        assert_eq!(paths(t.search("TEMPÉ", 10)), Vec::<String>::new());
        assert_eq!(paths(t.search("TEMPé", 10)), ["lab/température"]);
        assert_eq!(paths(t.search("a much longer needle than any path", 10)), Vec::<String>::new());
        assert_eq!(t.search("", 2).len(), 2);
    }

    #[test]
    fn ten_thousand_topics() {
        let mut t = TopicTree::default();
        for i in 0..10_000 {
            t.record(&format!("site/{}/sensor{}", i % 100, i), "v", 1, false, 0.0);
        }
        assert_eq!(t.topic_count(), 10_000);
        assert_eq!(t.node(t.find("site/7").unwrap()).unwrap().subtree_count, 100);
        assert_eq!(t.visible(&|_| false, 50).len(), 1);
    }
}
