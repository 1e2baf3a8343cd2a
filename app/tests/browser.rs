//! Browser tests for the app, run in headless Chromium by wasm-bindgen-test-runner:
//!
//!     CHROMEDRIVER=/usr/bin/chromedriver cargo test -p webmqtt-app --target wasm32-unknown-unknown
//!
//! (scripts/test.sh does this.) Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `App` into a fresh element of the page and returns that element.
fn mount_app() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    leptos::mount::mount_to(host.clone(), webmqtt_app::App).forget();
    host
}

#[wasm_bindgen_test]
fn app_shows_its_version() {
    let host = mount_app();
    let version = host
        .query_selector("#app-version")
        .unwrap()
        .expect("an element with id app-version");
    assert_eq!(
        version.text_content().unwrap(),
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
}

#[wasm_bindgen_test]
fn app_shows_its_name() {
    let host = mount_app();
    let h1 = host.query_selector("h1").unwrap().expect("a heading");
    assert_eq!(h1.text_content().unwrap(), "WebMQTT");
}
