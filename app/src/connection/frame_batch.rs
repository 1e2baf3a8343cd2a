//! Received messages are shown in batches, never one DOM update per message: a
//! batch collects them until the browser's next frame, and in a steady stream
//! until at least [`MIN_INTERVAL_MS`] after the last batch was shown
//! ([`FLOOD_INTERVAL_MS`] in a flood).

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The shortest time between two batches shown. Showing a batch costs the
/// page a render (the feed's rows, style, layout, paint) whatever its size: in
/// a flood, ten renders a second instead of sixty leave the time to the
/// messages. A message after a pause is still shown on the next frame.
pub const MIN_INTERVAL_MS: f64 = 100.0;

/// The shortest time between two batches in a flood: after a batch of at least
/// [`FLOOD_BATCH`] messages (5,000 a second and more). Nobody reads a feed that
/// moves this fast, and each render costs a phone's page as much as thousands of
/// messages: four a second leave it the time to keep up with the broker.
pub const FLOOD_INTERVAL_MS: f64 = 250.0;

/// A batch this large (in [`MIN_INTERVAL_MS`]) means a flood.
pub const FLOOD_BATCH: usize = 500;

/// What arrived since the last batch was shown, and the frame callback armed for it.
pub struct FrameBatch<T> {
    pending: Vec<T>,
    frame: Option<Closure<dyn FnMut()>>,
    /// When the last batch was taken (a clock in milliseconds).
    last_taken_ms: f64,
    /// How many messages it held.
    last_len: usize,
}

impl<T> Default for FrameBatch<T> {
    fn default() -> Self {
        Self { pending: Vec::new(), frame: None, last_taken_ms: f64::NEG_INFINITY, last_len: 0 }
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

    /// The batch, once the interval (see [`is_due`]) has passed since the last
    /// one was taken (`now_ms` on the same clock); before that, `None`, and the
    /// frame callback runs again on the next frame. The next push after a batch
    /// is taken arms a new frame.
    pub fn take_due(&mut self, now_ms: f64) -> Option<Vec<T>> {
        if !is_due(now_ms - self.last_taken_ms, self.last_len) {
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
        self.last_len = self.pending.len();
        Some(std::mem::take(&mut self.pending))
    }
}

/// Whether a batch may be shown `elapsed_ms` after the last one, which held
/// `last_len` messages. A clock set back (the wall clock can be) counts as time
/// passed, never as a wait.
fn is_due(elapsed_ms: f64, last_len: usize) -> bool {
    let interval = if last_len >= FLOOD_BATCH { FLOOD_INTERVAL_MS } else { MIN_INTERVAL_MS };
    !(0.0..interval).contains(&elapsed_ms)
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
        assert!(is_due(f64::INFINITY, 0), "the first batch (none shown before) shows at once");
        assert!(!is_due(0.0, 1));
        assert!(!is_due(MIN_INTERVAL_MS - 1.0, 1));
        assert!(is_due(MIN_INTERVAL_MS, 1));
        assert!(is_due(60_000.0, 1), "a message after a pause shows on the next frame");
    }

    #[test]
    fn in_a_flood_batches_are_shown_less_often() {
        assert!(is_due(MIN_INTERVAL_MS, FLOOD_BATCH - 1));
        assert!(!is_due(MIN_INTERVAL_MS, FLOOD_BATCH));
        assert!(!is_due(FLOOD_INTERVAL_MS - 1.0, 10_000));
        assert!(is_due(FLOOD_INTERVAL_MS, 10_000));
        assert!(is_due(60_000.0, 10_000), "a message after a flood and a pause shows on the next frame");
    }

    #[test]
    fn a_clock_set_back_does_not_hold_messages() {
        assert!(is_due(-1.0, 0));
        assert!(is_due(-3_600_000.0, FLOOD_BATCH));
    }
}
