//! Received messages are shown in batches, never one DOM update per message: a
//! batch collects them until the browser's next frame, and in a steady stream
//! until at least [`MIN_INTERVAL_MS`] after the last batch was shown.

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The shortest time between two batches shown. Showing a batch costs the
/// page a render (the feed's rows, style, layout, paint) whatever its size: in
/// a flood, ten renders a second instead of sixty leave the time to the
/// messages. A message after a pause is still shown on the next frame.
pub const MIN_INTERVAL_MS: f64 = 100.0;

/// What arrived since the last batch was shown, and the frame callback armed for it.
pub struct FrameBatch<T> {
    pending: Vec<T>,
    frame: Option<Closure<dyn FnMut()>>,
    /// When the last batch was taken (a clock in milliseconds).
    last_taken_ms: f64,
}

impl<T> Default for FrameBatch<T> {
    fn default() -> Self {
        Self { pending: Vec::new(), frame: None, last_taken_ms: f64::NEG_INFINITY }
    }
}

impl<T> FrameBatch<T> {
    /// Adds an item; the first one since the last batch arms the next frame,
    /// which runs `on_frame` (that calls [`FrameBatch::take_due`]).
    pub fn push(&mut self, item: T, on_frame: impl FnMut() + 'static) {
        self.pending.push(item);
        if self.frame.is_none() {
            let frame = Closure::<dyn FnMut()>::new(on_frame);
            request_frame(&frame);
            self.frame = Some(frame);
        }
    }

    /// The batch, once [`MIN_INTERVAL_MS`] have passed since the last one was
    /// taken (`now_ms` on the same clock); before that, `None`, and the frame
    /// callback runs again on the next frame. The next push after a batch is
    /// taken arms a new frame.
    pub fn take_due(&mut self, now_ms: f64) -> Option<Vec<T>> {
        if !is_due(now_ms - self.last_taken_ms) {
            if let Some(frame) = &self.frame {
                request_frame(frame);
            }
            return None;
        }
        self.last_taken_ms = now_ms;
        if let Some(f) = self.frame.take() {
            // A Closure may not be dropped while it runs: free it on the next turn.
            let _ = Timeout::new(0, move || drop(f));
        }
        Some(std::mem::take(&mut self.pending))
    }
}

/// Whether a batch may be shown `elapsed_ms` after the last one. A clock set
/// back (the wall clock can be) counts as time passed, never as a wait.
fn is_due(elapsed_ms: f64) -> bool {
    !(0.0..MIN_INTERVAL_MS).contains(&elapsed_ms)
}

fn request_frame(frame: &Closure<dyn FnMut()>) {
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(frame.as_ref().unchecked_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_waits_for_the_interval_then_shows() {
        assert!(is_due(f64::INFINITY), "the first batch (none shown before) shows at once");
        assert!(!is_due(0.0));
        assert!(!is_due(MIN_INTERVAL_MS - 1.0));
        assert!(is_due(MIN_INTERVAL_MS));
        assert!(is_due(60_000.0), "a message after a pause shows on the next frame");
    }

    #[test]
    fn a_clock_set_back_does_not_hold_messages() {
        assert!(is_due(-1.0));
        assert!(is_due(-3_600_000.0));
    }
}
