//! WebMQTT: the browser app's components.
//!
//! `src/main.rs` only mounts [`App`]; everything shown lives here so that the
//! components can be tested in a browser (see `tests/`).

use leptos::prelude::*;

/// The app's version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main class="app">
            <header class="app-header">
                <h1>"WebMQTT"</h1>
                <span id="app-version" class="app-version">{format!("v{VERSION}")}</span>
            </header>
            <p class="app-intro">
                "A zero-install MQTT client that runs in your browser: connect to a broker over \
                 WebSocket, subscribe to topics and publish messages."
            </p>
        </main>
    }
}
