//! Readable streams: a JavaScript `ReadableStream` and a Rust [`Stream`] of
//! `Result<JsValue, JsValue>`, each made from the other.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// The raw web types, as wasm-streams names them.
pub mod sys {
    pub use web_sys::{ReadableStream, ReadableStreamDefaultController, ReadableStreamDefaultReader};
}

#[wasm_bindgen]
extern "C" {
    /// A `ReadableStream` seen through the binding below.
    #[wasm_bindgen(extends = js_sys::Object)]
    type Lockable;

    /// `getReader()`, which throws when the stream is locked already
    /// (web-sys's binding does not catch that).
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn try_get_reader(this: &Lockable) -> Result<sys::ReadableStreamDefaultReader, JsValue>;
}

/// A JavaScript `ReadableStream`.
pub struct ReadableStream {
    raw: sys::ReadableStream,
}

/// The Rust side of a stream made by [`ReadableStream::from_stream`].
enum Source {
    /// Waiting for the next pull.
    Ready(Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>),
    /// A pull has the stream and awaits its next item.
    Pulling,
    /// Ended, errored or cancelled: the stream has been dropped.
    Done,
}

impl ReadableStream {
    /// Wraps a JavaScript `ReadableStream`.
    pub fn from_raw(raw: sys::ReadableStream) -> Self {
        Self { raw }
    }

    /// The JavaScript `ReadableStream`.
    pub fn into_raw(self) -> sys::ReadableStream {
        self.raw
    }

    /// A `ReadableStream` whose chunks are `stream`'s items: each `Ok` is
    /// enqueued, the first `Err` errors the stream, the end closes it. The
    /// stream is polled only when the reader pulls (one item per pull), and is
    /// dropped when the reader cancels.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let source = Rc::new(RefCell::new(Source::Ready(Box::pin(stream))));
        let pulled = source.clone();
        let pull = Closure::<dyn FnMut(sys::ReadableStreamDefaultController) -> js_sys::Promise>::new(
            move |controller: sys::ReadableStreamDefaultController| {
                let source = pulled.clone();
                future_to_promise(async move {
                    // A `ReadableStream` never calls `pull` again before the last
                    // pull's promise settles, so the stream is here unless it ended.
                    let taken = std::mem::replace(&mut *source.borrow_mut(), Source::Pulling);
                    let Source::Ready(mut stream) = taken else {
                        *source.borrow_mut() = taken;
                        return Ok(JsValue::UNDEFINED);
                    };
                    let next = stream.next().await;
                    let cancelled = matches!(*source.borrow(), Source::Done);
                    *source.borrow_mut() = match next {
                        Some(Ok(_)) if !cancelled => Source::Ready(stream),
                        _ => Source::Done,
                    };
                    match next {
                        Some(Ok(chunk)) if !cancelled => controller.enqueue_with_chunk(&chunk)?,
                        Some(Err(error)) if !cancelled => controller.error_with_e(&error),
                        None if !cancelled => controller.close()?,
                        _ => {}
                    }
                    Ok(JsValue::UNDEFINED)
                })
            },
        );
        // The reader gave up: drop the stream now, or when the pull under way ends.
        let cancel = Closure::<dyn FnMut(JsValue)>::new(move |_reason: JsValue| {
            *source.borrow_mut() = Source::Done;
        });
        let underlying = js_sys::Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&underlying, &"pull".into(), &pull.into_js_value());
        let _ = js_sys::Reflect::set(&underlying, &"cancel".into(), &cancel.into_js_value());
        let raw = sys::ReadableStream::new_with_underlying_source(&underlying)
            .expect_throw("a ReadableStream from a plain underlying source");
        Self { raw }
    }

    /// A Rust stream of this stream's chunks. It locks the stream to a reader;
    /// a stream already locked gives one error and ends.
    pub fn into_stream(self) -> IntoStream<'static> {
        match self.raw.unchecked_ref::<Lockable>().try_get_reader() {
            Ok(reader) => IntoStream { reader: Some(reader), read: None, locked_error: None, lifetime: PhantomData },
            Err(error) => IntoStream { reader: None, read: None, locked_error: Some(error), lifetime: PhantomData },
        }
    }
}

/// The [`Stream`] of a `ReadableStream`'s chunks ([`ReadableStream::into_stream`]).
/// Dropped before the end, it cancels the web stream.
pub struct IntoStream<'reader> {
    reader: Option<sys::ReadableStreamDefaultReader>,
    read: Option<JsFuture>,
    locked_error: Option<JsValue>,
    lifetime: PhantomData<&'reader ()>,
}

impl IntoStream<'_> {
    fn finish(&mut self) {
        self.read = None;
        if let Some(reader) = self.reader.take() {
            reader.release_lock();
        }
    }
}

impl Stream for IntoStream<'_> {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.locked_error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        let Some(reader) = &this.reader else { return Poll::Ready(None) };
        let read = this.read.get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = match Pin::new(read).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        self.read = None;
        match result {
            Ok(result) => {
                let done = js_sys::Reflect::get(&result, &"done".into()).is_ok_and(|d| d.is_truthy());
                if done {
                    self.finish();
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(js_sys::Reflect::get(&result, &"value".into())))
                }
            }
            Err(error) => {
                self.finish();
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

impl Drop for IntoStream<'_> {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            // Nobody will read the rest: tell the source, as wasm-streams does.
            let _ = reader.cancel();
        }
    }
}
