//! The topic tree: every topic seen, level by level, with its message count,
//! last value and time. Choosing a node narrows the feed to it (`node/#`).

use leptos::prelude::*;

use super::{clock_time, KeyedRows};
use crate::connection::Connection;
use crate::feed::FeedFilter;
use crate::topic_tree::TopicTree;

/// Rows shown at most; the rest stay reachable by expanding less or by search.
const MAX_ROWS: usize = 500;

/// One row as laid out, computed from the tree: where it is and what it is,
/// not what arrives on it. Its count and last message are read from the tree
/// by the row itself, so that a stream changes texts in the rows, never the
/// rows: a row made anew between a press and its release would lose the click
/// (and the keyboard's focus), and on a busy topic that was every batch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    id: usize,
    path: String,
    /// What the row is labelled with: the level's name, or the whole path in
    /// search results.
    label: String,
    /// Indentation in rem (none in search results).
    indent: usize,
    has_children: bool,
    open: bool,
    /// Laid out as a search result (the whole path, no indentation).
    by_path: bool,
}

impl Row {
    /// What the row is kept by while the tree changes: everything it is drawn
    /// from. (A node's path and depth never change: the tree only grows.)
    fn key(&self) -> u64 {
        ((self.id as u64) << 3) | (u64::from(self.by_path) << 2) | (u64::from(self.has_children) << 1) | u64::from(self.open)
    }
}

fn row(tree: &TopicTree, id: usize, open: bool, by_path: bool) -> Option<Row> {
    let n = tree.node(id)?;
    let label = match () {
        _ if by_path => n.path.clone(),
        _ if n.name.is_empty() => "(empty level)".to_owned(),
        _ => n.name.clone(),
    };
    Some(Row {
        id,
        path: n.path.clone(),
        label,
        indent: if by_path { 0 } else { n.depth },
        has_children: !n.children.is_empty(),
        open,
        by_path,
    })
}

/// The last message on exactly this topic (none on a level that only has
/// topics below it), as it arrives.
#[component]
fn LastMessage(topics: RwSignal<TopicTree>, id: usize) -> impl IntoView {
    let last = Memo::new(move |_| {
        topics.with(|t| t.node(id)?.stats.as_ref().map(|s| (s.last_preview.clone(), s.last_time_ms, s.retained)))
    });
    let has_last = Memo::new(move |_| last.with(Option::is_some));
    let part = move |f: fn(&(String, f64, bool)) -> String| move || last.with(|l| l.as_ref().map(f).unwrap_or_default());
    move || {
        has_last.get().then(|| {
            view! {
                <span class="topic-last">{part(|l| l.0.clone())}</span>
                <time class="time">{part(|l| clock_time(l.1))}</time>
                {move || last.with(|l| l.as_ref().is_some_and(|l| l.2))
                    .then(|| view! { <span class="retain" title="Retained message">"retained"</span> })}
            }
        })
    }
}

#[component]
pub fn TopicTreePanel(
    conn: Connection,
    filter: RwSignal<FeedFilter>,
    /// Brings the feed into view (a node was chosen).
    show_feed: Callback<()>,
) -> impl IntoView {
    let topics = conn.topics;
    // The expanded nodes, sorted: a list rather than a `BTreeSet`, whose own
    // copy of the tree's code weighed about 4 KB of the download.
    let expanded = RwSignal::new(Vec::<usize>::new());
    let is_open = |open: &[usize], id: usize| open.binary_search(&id).is_ok();
    let search = RwSignal::new(String::new());

    let rows = Memo::new(move |_| {
        let needle = search.get();
        let by_path = !needle.trim().is_empty();
        topics.with(|tree| {
            expanded.with(|open| {
                let ids = if by_path { tree.search(needle.trim(), MAX_ROWS) } else { tree.visible(&|id| is_open(open, id), MAX_ROWS) };
                ids.into_iter().filter_map(|id| row(tree, id, is_open(open, id), by_path)).collect::<Vec<_>>()
            })
        })
    });

    view! {
        <section class="panel topic-tree" aria-labelledby="topic-tree-heading">
            <h2 id="topic-tree-heading">"Topics"</h2>
            <p id="topic-tree-counts" class="feed-counts">{move || topics.with(|t| format!(
                "{} topics · {} messages", t.topic_count(), t.message_count()
            ))}</p>
            <div class="row">
                <div class="field grow">
                    <label for="topic-search">"Find a topic"</label>
                    <input id="topic-search" type="search" spellcheck="false"
                        on:input=move |ev| search.set(event_target_value(&ev)) />
                </div>
                <button id="topic-tree-all" type="button" on:click=move |_| filter.update(|f| f.topic.clear())>
                    "Show all topics"
                </button>
            </div>
            <ul id="topic-tree-list" class="topic-tree-list" role="tree">
                <KeyedRows keys=Signal::derive(move || rows.with(|rows| rows.iter().map(Row::key).collect()))
                    row=Callback::new(move |key| rows.with_untracked(|rows| rows.iter().find(|r| r.key() == key).cloned()).map(|r| view! {
                    <li class="topic-node" role="treeitem" data-path=r.path.clone()
                        style:padding-left=format!("{}rem", r.indent)
                        aria-expanded=r.has_children.then(|| r.open.to_string())>
                        {r.has_children.then(|| {
                            let (id, open) = (r.id, r.open);
                            view! {
                                <button type="button" class="topic-toggle"
                                    aria-label=format!("{} {}", if open { "Collapse" } else { "Expand" }, r.path)
                                    on:click=move |_| expanded.update(|e| match e.binary_search(&id) {
                                        Ok(i) => { e.remove(i); }
                                        Err(i) => e.insert(i, id),
                                    })>
                                    {if open { "▾" } else { "▸" }}
                                </button>
                            }
                        })}
                        <button type="button" class="topic-name" title=format!("Show {}/# in the feed", r.path)
                            on:click={
                                let path = r.path.clone();
                                move |_| {
                                    filter.update(|f| f.topic = format!("{path}/#"));
                                    show_feed.run(());
                                }
                            }>
                            {r.label.clone()}
                        </button>
                        <span class="topic-count">{move || topics.with(|t| t.node(r.id).map_or(0, |n| n.subtree_count))}</span>
                        <LastMessage topics=topics id=r.id />
                    </li>
                }).into_any()) />
            </ul>
        </section>
    }
}
