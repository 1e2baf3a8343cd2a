//! Received messages are shown once per animation frame, never one DOM update
//! per message: a batch collects them until the browser's next frame.

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What arrived since the last frame, and the frame callback armed for it.
pub struct FrameBatch<T> {
    pending: Vec<T>,
    frame: Option<Closure<dyn FnMut()>>,
}

impl<T> Default for FrameBatch<T> {
    fn default() -> Self {
        Self { pending: Vec::new(), frame: None }
    }
}

impl<T> FrameBatch<T> {
    /// Adds an item; the first one since the last frame arms the next frame,
    /// which runs `on_frame` (that calls [`FrameBatch::take`]).
    pub fn push(&mut self, item: T, on_frame: impl FnMut() + 'static) {
        self.pending.push(item);
        if self.frame.is_none() {
            let frame = Closure::<dyn FnMut()>::new(on_frame);
            if let Some(w) = web_sys::window() {
                let _ = w.request_animation_frame(frame.as_ref().unchecked_ref());
            }
            self.frame = Some(frame);
        }
    }

    /// The frame's items; the next push arms a new frame.
    pub fn take(&mut self) -> Vec<T> {
        if let Some(f) = self.frame.take() {
            // A Closure may not be dropped while it runs: free it on the next turn.
            let _ = Timeout::new(0, move || drop(f));
        }
        std::mem::take(&mut self.pending)
    }
}
