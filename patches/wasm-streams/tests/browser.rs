//! The stand-in's streams in headless Chromium (scripts/test.sh runs them with
//! the app's browser tests). Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use futures_util::{stream, StreamExt};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_streams::ReadableStream;

wasm_bindgen_test_configure!(run_in_browser);

fn chunks(items: &[&str]) -> Vec<Result<JsValue, JsValue>> {
    items.iter().map(|s| Ok(JsValue::from_str(s))).collect()
}

async fn read_all(stream: ReadableStream) -> Vec<Result<String, String>> {
    let as_text = |v: JsValue| v.as_string().unwrap_or_else(|| format!("not a string: {v:?}"));
    stream.into_stream().map(|r| r.map(as_text).map_err(as_text)).collect().await
}

/// What a request body does (`from_stream`, then `into_raw`), and what a
/// response body does (`from_raw`, then `into_stream`), end to end.
#[wasm_bindgen_test]
async fn a_rust_stream_goes_through_a_web_stream_in_order() {
    let web = ReadableStream::from_stream(stream::iter(chunks(&["a", "bc", ""]))).into_raw();
    let got = read_all(ReadableStream::from_raw(web)).await;
    assert_eq!(got, [Ok("a".to_owned()), Ok("bc".to_owned()), Ok(String::new())]);
}

#[wasm_bindgen_test]
async fn an_error_errors_the_web_stream_and_ends_the_rust_one() {
    let items = vec![Ok(JsValue::from_str("first")), Err(JsValue::from_str("broken")), Ok(JsValue::from_str("never"))];
    let got = read_all(ReadableStream::from_stream(stream::iter(items))).await;
    assert_eq!(got, [Ok("first".to_owned()), Err("broken".to_owned())]);
}

#[wasm_bindgen_test]
async fn a_locked_web_stream_gives_one_error() {
    let web = ReadableStream::from_stream(stream::iter(chunks(&["x"]))).into_raw();
    let _reader = web.get_reader();
    let got = ReadableStream::from_raw(web).into_stream().collect::<Vec<_>>().await;
    assert_eq!(got.len(), 1);
    assert!(got[0].is_err());
}

struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Resolves after `ms` milliseconds (setTimeout).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set_timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into()).unwrap();
        let set_timeout: js_sys::Function = set_timeout.into();
        set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from(ms)).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Dropping the Rust side early cancels the web stream, which drops the source.
#[wasm_bindgen_test]
async fn stopping_early_drops_the_source() {
    let dropped = Rc::new(Cell::new(false));
    let flag = DropFlag(dropped.clone());
    let source = stream::iter(chunks(&["1", "2", "3"])).map(move |item| {
        let _keep = &flag;
        item
    });
    let mut rust = ReadableStream::from_stream(source).into_stream();
    assert_eq!(rust.next().await.map(|r| r.ok().and_then(|v| v.as_string())), Some(Some("1".to_owned())));
    drop(rust);
    for _ in 0..20 {
        if dropped.get() {
            break;
        }
        let tick = js_sys::Promise::resolve(&JsValue::UNDEFINED);
        wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
    }
    assert!(dropped.get(), "the source stream was not dropped after the reader cancelled");
}

/// A cancel that comes while the source is producing its next item: that item
/// is not enqueued, and the source is dropped when it comes.
#[wasm_bindgen_test]
async fn a_cancel_during_a_pull_drops_the_source_when_the_pull_ends() {
    let dropped = Rc::new(Cell::new(false));
    let produced = Rc::new(Cell::new(0));
    let flag = DropFlag(dropped.clone());
    let count = produced.clone();
    // Each item takes 30 ms: after the first is read, the web stream pulls the
    // second, and the cancel below comes while that pull waits.
    let source = stream::unfold(0u32, move |n| {
        let _keep = &flag;
        let count = count.clone();
        async move {
            sleep(30).await;
            count.set(count.get() + 1);
            Some((Ok(JsValue::from(n)), n + 1))
        }
    });
    let mut rust = ReadableStream::from_stream(source).into_stream();
    assert_eq!(rust.next().await.and_then(|r| r.ok()).and_then(|v| v.as_f64()), Some(0.0));
    // Let the second pull begin (it is started once the first pull's promise settles).
    sleep(5).await;
    drop(rust);
    assert!(!dropped.get(), "dropped before the pull under way ended");
    for _ in 0..40 {
        if dropped.get() {
            break;
        }
        sleep(10).await;
    }
    assert!(dropped.get(), "the source stream was not dropped after the pull under way ended");
    assert_eq!(produced.get(), 2, "the source was pulled again after the cancel");
}
