//! The topic tree: every topic seen, level by level, with its message count,
//! last value and time. Choosing a node narrows the feed to it (`node/#`).

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::clock_time;
use crate::connection::Connection;
use crate::feed::FeedFilter;
use crate::topic_tree::TopicTree;

/// Rows shown at most; the rest stay reachable by expanding less or by search.
const MAX_ROWS: usize = 500;

/// One row as shown, computed from the tree.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: usize,
    path: String,
    name: String,
    depth: usize,
    has_children: bool,
    open: bool,
    subtree_count: u64,
    /// (last preview, time, retained) when messages came on exactly this topic.
    last: Option<(String, f64, bool)>,
}

fn row(tree: &TopicTree, id: usize, open: bool) -> Option<Row> {
    let n = tree.node(id)?;
    Some(Row {
        id,
        path: n.path.clone(),
        name: if n.name.is_empty() { "(empty level)".to_owned() } else { n.name.clone() },
        depth: n.depth,
        has_children: !n.children.is_empty(),
        open,
        subtree_count: n.subtree_count,
        last: n.stats.as_ref().map(|s| (s.last_preview.clone(), s.last_time_ms, s.retained)),
    })
}

#[component]
pub fn TopicTreePanel(
    conn: Connection,
    filter: RwSignal<FeedFilter>,
    /// Brings the feed into view (a node was chosen).
    show_feed: Callback<()>,
) -> impl IntoView {
    let topics = conn.topics;
    let expanded = RwSignal::new(BTreeSet::<usize>::new());
    let search = RwSignal::new(String::new());

    let rows = Memo::new(move |_| {
        let needle = search.get();
        topics.with(|tree| {
            expanded.with(|open| {
                let ids = if needle.trim().is_empty() {
                    tree.visible(&|id| open.contains(&id), MAX_ROWS)
                } else {
                    tree.search(needle.trim(), MAX_ROWS)
                };
                ids.into_iter().filter_map(|id| row(tree, id, open.contains(&id))).collect::<Vec<_>>()
            })
        })
    });
    let searching = move || !search.with(|s| s.trim().is_empty());

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
                <For each=move || rows.get() key=|r| (r.id, r.subtree_count, r.open) let:r>
                    <li class="topic-node" role="treeitem" data-path=r.path.clone()
                        style:padding-left=format!("{}rem", if searching() { 0 } else { r.depth })
                        aria-expanded=r.has_children.then(|| r.open.to_string())>
                        {r.has_children.then(|| {
                            let (id, open) = (r.id, r.open);
                            view! {
                                <button type="button" class="topic-toggle"
                                    aria-label=format!("{} {}", if open { "Collapse" } else { "Expand" }, r.path)
                                    on:click=move |_| expanded.update(|e| if !e.remove(&id) { e.insert(id); })>
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
                            {if searching() { r.path.clone() } else { r.name.clone() }}
                        </button>
                        <span class="topic-count">{r.subtree_count}</span>
                        {r.last.clone().map(|(preview, at, retained)| view! {
                            <span class="topic-last">{preview}</span>
                            <time class="time">{clock_time(at)}</time>
                            {retained.then(|| view! { <span class="retain" title="Retained message">"retained"</span> })}
                        })}
                    </li>
                </For>
            </ul>
        </section>
    }
}
