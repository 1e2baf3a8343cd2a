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

/// Dropping the Rust side early cancels the web stream, which drops the source.
#[wasm_bindgen_test]
async fn stopping_early_drops_the_source() {
    struct DropFlag(Rc<Cell<bool>>);
    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
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
