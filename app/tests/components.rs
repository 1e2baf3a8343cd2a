//! The app's components driven like a user drives them, in headless Chromium:
//! values typed into inputs (the `input`/`change` events the browser fires),
//! buttons clicked, and what the page then shows.
//!
//! The tests that connect need the mosquitto that scripts/test.sh (suite "app
//! tests in headless Chromium") starts: its WebSocket port reaches them at
//! compile time as WEBMQTT_TEST_WS_PORT; without it they fail and say so.
//! Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use std::any::Any;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn ws_port() -> u16 {
    let Some(value) = option_env!("WEBMQTT_TEST_WS_PORT") else {
        panic!(
            "WEBMQTT_TEST_WS_PORT was not set when this test was compiled: run scripts/test.sh \
             (its suite \"app tests in headless Chromium\" starts mosquitto and exports the port)"
        )
    };
    value.parse().unwrap_or_else(|_| panic!("WEBMQTT_TEST_WS_PORT={value:?} is not a port number"))
}

// --- the page -------------------------------------------------------------------

/// The app mounted into a fresh element; unmounted (which closes its
/// connection) and removed when dropped.
struct Page {
    host: HtmlElement,
    mounted: Option<Box<dyn Any>>,
}

impl Drop for Page {
    fn drop(&mut self) {
        drop(self.mounted.take());
        self.host.remove();
    }
}

fn mount_app_now() -> Page {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().dyn_into().unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), webmqtt_app::App);
    Page { host, mounted: Some(Box::new(handle)) }
}

/// The app mounted and drawn: the connection form at once, the rest of the
/// page once the browser has shown the form.
async fn mount_app() -> Page {
    let page = mount_app_now();
    until("the rest of the page", 5_000.0, || page.find("#publish-topic"), || page.summary()).await;
    page
}

impl Page {
    fn find(&self, selector: &str) -> Option<Element> {
        self.host.query_selector(selector).expect("a valid selector")
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector).unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn text(&self, selector: &str) -> Option<String> {
        self.find(selector).and_then(|e| e.text_content())
    }

    /// Types `value` into an input, textarea or select, and fires the events
    /// the browser fires: `input`, then `change`.
    fn set_value(&self, selector: &str, value: &str) {
        let element = self.get(selector);
        js_sys::Reflect::set(&element, &JsValue::from_str("value"), &JsValue::from_str(value)).unwrap();
        let read_back = js_sys::Reflect::get(&element, &JsValue::from_str("value")).unwrap();
        assert_eq!(read_back.as_string().as_deref(), Some(value), "{selector} took the value");
        for kind in ["input", "change"] {
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            let event = web_sys::Event::new_with_event_init_dict(kind, &init).unwrap();
            element.dispatch_event(&event).unwrap();
        }
    }

    fn click(&self, selector: &str) {
        self.get(selector).dyn_into::<HtmlElement>().expect("an HTML element").click();
    }

    /// What a user sees, for failure messages.
    fn summary(&self) -> String {
        let status = self.text("#status").unwrap_or_default();
        let problem = self.text("#problem").unwrap_or_default();
        let alerts: Vec<String> = self.all("[role=alert]").iter().filter_map(|e| e.text_content()).collect();
        format!("status: {status:?}; problem: {problem:?}; alerts: {alerts:?}")
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.host.query_selector_all(selector).expect("a valid selector");
        (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
    }

    /// Waits (bounded) until `selector` exists and its text passes `check`; returns the text.
    async fn until_text(&self, what: &str, selector: &str, check: impl Fn(&str) -> bool) -> String {
        until(what, 5_000.0, || self.text(selector).filter(|t| check(t)), || self.summary()).await
    }
}

// --- bounded waiting ----------------------------------------------------------

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("the timer promise resolves");
}

/// Polls `check` every 20 ms (Leptos updates the DOM asynchronously, the feed
/// once per animation frame) until it gives a value; panics after `limit_ms`.
async fn until<T>(what: &str, limit_ms: f64, mut check: impl FnMut() -> Option<T>, context: impl Fn() -> String) -> T {
    let start = js_sys::Date::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        if js_sys::Date::now() - start > limit_ms {
            panic!("timed out after {limit_ms} ms waiting for {what}; {}", context());
        }
        sleep(20).await;
    }
}

fn nonce() -> String {
    format!("{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32)
}

// --- the first frame -------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_connection_form_is_drawn_first_and_the_rest_of_the_page_after_it() {
    let page = mount_app_now();
    // In the mount itself: a slow phone shows a usable Connect button first.
    let connect = page.get("#connect");
    assert!(!connect.has_attribute("disabled"), "Connect is enabled: {}", page.summary());
    assert!(page.find("#broker-url").is_some(), "the broker URL field is there");
    assert!(page.find("#publish-topic").is_none(), "the publish form waits for the next frame");
    assert!(page.find("#feed-list").is_none(), "the feed waits for the next frame");
    // Then the rest: the feed, the subscriptions and the publish form.
    until("the publish form", 5_000.0, || page.find("#publish-topic"), || page.summary()).await;
    until("the feed", 5_000.0, || page.find("#feed-list"), || page.summary()).await;
    assert!(page.find("#subscribe-topic").is_some(), "the subscriptions panel is there: {}", page.summary());
}

// --- the broker URL field -------------------------------------------------------

#[wasm_bindgen_test]
async fn broker_url_field_explains_a_port_that_does_not_exist() {
    let page = mount_app().await;
    assert!(page.find("#broker-url-error").is_none(), "the default address is valid: {}", page.summary());

    page.set_value("#broker-url", "ws://localhost:99999");
    let error = page.until_text("the URL error", "#broker-url-error", |_| true).await;
    assert_eq!(error, "Port 99999 does not exist: ports go from 1 to 65535");
    assert_eq!(page.get("#broker-url-error").get_attribute("role").as_deref(), Some("alert"));

    // Connect does nothing with it.
    page.click("#connect");
    sleep(100).await;
    assert_eq!(page.text("#status").as_deref(), Some("Disconnected"), "{}", page.summary());

    // Fixing the address removes the message.
    page.set_value("#broker-url", "ws://localhost:9001");
    until("the URL error to go", 5_000.0, || page.find("#broker-url-error").is_none().then_some(()), || page.summary())
        .await;
}

#[wasm_bindgen_test]
async fn broker_url_field_explains_that_mqtt_urls_do_not_work_in_a_browser() {
    let page = mount_app().await;
    page.set_value("#broker-url", "mqtt://x");
    let error = page.until_text("the URL error", "#broker-url-error", |_| true).await;
    assert_eq!(error, "A browser can only reach MQTT brokers over WebSocket: use ws:// or wss:// instead of mqtt://");
}

// --- the publish form (no connection needed: it checks before sending) ----------

#[wasm_bindgen_test]
async fn publish_form_refuses_a_wildcard_in_the_topic() {
    let page = mount_app().await;
    page.set_value("#publish-topic", "lab/#");
    page.set_value("#publish-payload", "hello");
    page.click("#publish");
    let error = page.until_text("the topic error", "#publish-topic-error", |_| true).await;
    assert_eq!(error, "Topic: '+' and '#' are wildcards for subscriptions and cannot be used in a topic to publish to");
    assert!(page.find("#publish-payload-error").is_none(), "{}", page.summary());
    assert_eq!(page.text("#publish-outcome").as_deref(), Some(""), "nothing was sent");
}

#[wasm_bindgen_test]
async fn publish_form_refuses_bad_hex_and_says_where() {
    let page = mount_app().await;
    page.set_value("#publish-topic", "lab/x");
    page.set_value("#publish-format", "hex");
    page.set_value("#publish-payload", "BEX");
    page.click("#publish");
    let error = page.until_text("the payload error", "#publish-payload-error", |_| true).await;
    assert_eq!(error, "'X' at position 3 is not a hex digit (0-9, A-F)");
    assert!(page.find("#publish-topic-error").is_none(), "the topic is fine: {}", page.summary());
    assert_eq!(page.text("#publish-outcome").as_deref(), Some(""), "nothing was sent");
}

// --- against the real broker ----------------------------------------------------

/// Connects through the form and waits for the status bar to say so.
async fn connect_via_form(page: &Page) {
    let port = ws_port();
    page.set_value("#broker-url", &format!("ws://127.0.0.1:{port}"));
    page.click("#connect");
    let want = format!("Connected to ws://127.0.0.1:{port}/");
    let status = page.until_text(&format!("\"{want}\" in #status"), "#status", |t| t.starts_with(&want)).await;
    assert!(status.starts_with(&format!("{want} since ")), "{status}");
    assert_eq!(page.get("#status").get_attribute("class").as_deref(), Some("status connected"));
    assert!(page.find("#problem").is_none(), "no problem shown: {}", page.summary());
}

async fn subscribe_via_form(page: &Page, filter: &str) {
    page.set_value("#subscribe-topic", filter);
    page.click("#subscribe");
    let selector = format!("#subscription-list li.subscription[data-filter=\"{filter}\"] .sub-state");
    let state = page.until_text(&format!("the SUBACK for {filter}"), &selector, |t| t.starts_with("granted")).await;
    assert_eq!(state, "granted QoS 0");
    assert!(page.find("#subscribe-error").is_none(), "{}", page.summary());
}

/// Publishes from the form and returns the feed row that shows it (found by its preview).
async fn publish_and_find_row(page: &Page, topic: &str, payload: &str) -> Element {
    page.set_value("#publish-topic", topic);
    page.set_value("#publish-payload", payload);
    page.click("#publish");
    until(
        &format!("the message {payload:?} in #feed-list"),
        5_000.0,
        || {
            page.all("#feed-list li.message").into_iter().find(|row| {
                row.query_selector(".preview").ok().flatten().and_then(|p| p.text_content()).as_deref() == Some(payload)
            })
        },
        || {
            let rows: Vec<String> = page.all("#feed-list li.message").iter().filter_map(|r| r.text_content()).collect();
            format!("{}; feed rows: {rows:?}", page.summary())
        },
    )
    .await
}

fn row_text(row: &Element, selector: &str) -> String {
    row.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_else(|| panic!("no {selector} in the row"))
}

#[wasm_bindgen_test]
async fn connect_subscribe_and_publish_through_the_forms() {
    let page = mount_app().await;
    connect_via_form(&page).await;
    subscribe_via_form(&page, "lab/#").await;

    let payload = format!("hello from the form {}", nonce());
    let row = publish_and_find_row(&page, "lab/x", &payload).await;
    assert_eq!(page.text("#publish-outcome").as_deref(), Some("Sent to lab/x."));
    assert_eq!(row.get_attribute("data-topic").as_deref(), Some("lab/x"));
    assert_eq!(row_text(&row, ".topic"), "lab/x");
    assert_eq!(row_text(&row, ".qos"), "QoS 0");
    assert_eq!(row_text(&row, ".size"), format!("{} B", payload.len()));
    assert_eq!(swatches(&row), ["swatch sub-colour-0"], "the row carries the colour of the one subscription it matched");
    assert_eq!(page.text("#feed-received").as_deref(), Some("1"), "the counter shows the one message");

    page.click("#disconnect");
    page.until_text("Disconnected", "#status", |t| t == "Disconnected").await;
}

/// The class of each colour swatch of a feed row.
fn swatches(row: &Element) -> Vec<String> {
    let list = row.query_selector_all(".colours > *").unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()?.get_attribute("class")).collect()
}

#[wasm_bindgen_test]
async fn a_row_shows_the_colour_of_every_subscription_its_message_matched() {
    let page = mount_app().await;
    connect_via_form(&page).await;
    subscribe_via_form(&page, "lab/#").await;
    subscribe_via_form(&page, "lab/two/#").await;

    let both = format!("both {}", nonce());
    let row = publish_and_find_row(&page, "lab/two/x", &both).await;
    assert_eq!(swatches(&row), ["swatch sub-colour-0", "swatch sub-colour-1"], "{}", page.summary());
    // The next message takes the row's place (rows are recycled): one swatch again.
    let one = format!("one {}", nonce());
    let row = publish_and_find_row(&page, "lab/one", &one).await;
    assert_eq!(swatches(&row), ["swatch sub-colour-0"]);
    let again = format!("both again {}", nonce());
    let row = publish_and_find_row(&page, "lab/two/y", &again).await;
    assert_eq!(swatches(&row), ["swatch sub-colour-0", "swatch sub-colour-1"]);
}

#[wasm_bindgen_test]
async fn markup_in_a_payload_is_shown_as_text() {
    let page = mount_app().await;
    connect_via_form(&page).await;
    subscribe_via_form(&page, "lab/#").await;

    let payload = "<img src=x onerror=alert(1)>";
    let row = publish_and_find_row(&page, "lab/x", payload).await;
    let feed = page.get("#feed-list");
    assert!(feed.query_selector("img").unwrap().is_none(), "no <img> element in the feed: {}", feed.inner_html());
    assert_eq!(row_text(&row, ".preview"), payload, "the markup is shown as it was typed");

    // Selecting the row shows the whole payload in the detail panel, as text too.
    let summary: HtmlElement = row.query_selector(".message-summary").unwrap().unwrap().dyn_into().unwrap();
    summary.click();
    let shown = page.until_text("the selected message's payload", "#message-detail #detail-payload", |_| true).await;
    assert_eq!(shown, payload);
    let detail = page.get("#message-detail");
    assert!(detail.query_selector("img").unwrap().is_none(), "no <img> in the detail: {}", detail.inner_html());
    assert!(page.host.query_selector("img").unwrap().is_none(), "no <img> anywhere in the app");

    page.click("#disconnect");
    page.until_text("Disconnected", "#status", |t| t == "Disconnected").await;
}
