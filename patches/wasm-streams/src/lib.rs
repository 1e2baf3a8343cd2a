//! WebMQTT's stand-in for [wasm-streams](https://crates.io/crates/wasm-streams)
//! 0.5: the part of its API that Leptos's server functions (`server_fn`, a
//! dependency of `leptos` that the app never calls) compile against.
//!
//! Why: wasm-streams makes its underlying sources and sinks JavaScript classes
//! (`#[wasm_bindgen]` exports). An export is a root that neither the linker nor
//! wasm-opt may remove, so those classes and the futures behind them stayed in
//! the browser build of an app that streams nothing: 6.9 KB of `dist/` gzipped.
//! Here a Rust stream becomes a `ReadableStream` through an underlying-source
//! object with a `pull` closure, and a `ReadableStream` is read through its
//! default reader: the same behaviour for what `server_fn` does with it
//! (`from_stream` → `into_raw` for a request body, `from_raw` → `into_stream`
//! for a response body), with nothing exported. `tests/browser.rs` checks both
//! ways in Chromium.

pub mod readable;

pub use readable::ReadableStream;
