//! Received messages are shown in batches, never one DOM update per message: a
//! batch collects them until the browser's next frame, and in a steady stream
//! until at least [`MIN_INTERVAL_MS`] after the last batch was shown
//! ([`FLOOD_INTERVAL_MS`] in a flood). Until then a timer waits, not the frame
//! callback: asking for a frame on every frame to find the wait not over would
//! make the browser render (if only to find nothing changed) 60 times a second.

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
/// messages: at 4x CPU, two renders a second instead of four took the page's
/// layout time in a flood from 193 to 128 ms per 100,000 messages (BENCHMARKS.md).
pub const FLOOD_INTERVAL_MS: f64 = 500.0;

/// A batch this large (in [`MIN_INTERVAL_MS`]) means a flood.
pub const FLOOD_BATCH: usize = 500;

/// What arrived since the last batch was shown, and the frame callback armed for it.
pub struct FrameBatch<T> {
    pending: Vec<T>,
    frame: Option<Closure<dyn FnMut()>>,
    /// The timer that asks for the frame once the interval is over.
    wait: Option<Timeout>,
    /// When the last batch was taken (a clock in milliseconds).
    last_taken_ms: f64,
    /// How many messages it held.
    last_len: usize,
}

impl<T> Default for FrameBatch<T> {
    fn default() -> Self {
        Self { pending: Vec::new(), frame: None, wait: None, last_taken_ms: f64::NEG_INFINITY, last_len: 0 }
    }
}

impl<T> FrameBatch<T> {
    /// Adds an item; the first one since the last batch arms the next frame,
    /// which runs `on_frame` (that calls [`FrameBatch::take_due`]).
    pub fn push(&mut self, item: T, on_frame: impl FnMut() + 'static) {
        self.pending.push(item);
        if self.frame.is_none() {
            let frame = Closure::<dyn FnMut()>::new(on_frame);
            request_frame(frame.as_ref().unchecked_ref());
            self.frame = Some(frame);
        }
    }

    /// The batch, once the interval (see [`wait_ms`]) has passed since the last
    /// one was taken (`now_ms` on the same clock); before that, `None`, and a
    /// timer asks for the frame again when the interval is over. The next push
    /// after a batch is taken arms a new frame.
    pub fn take_due(&mut self, now_ms: f64) -> Option<Vec<T>> {
        let wait = wait_ms(now_ms - self.last_taken_ms, self.last_len);
        if wait > 0 {
            if let Some(frame) = &self.frame {
                let frame: js_sys::Function = frame.as_ref().unchecked_ref::<js_sys::Function>().clone();
                self.wait = Some(Timeout::new(wait, move || request_frame(&frame)));
            }
            return None;
        }
        self.last_taken_ms = now_ms;
        // Dropped while it runs: wasm-bindgen's wrapper counts the call and frees
        // the closure when it returns.
        self.frame = None;
        self.last_len = self.pending.len();
        // The next batch is likely as large: room for it now, rather than
        // growing the list a dozen times over a flood's batch.
        let next = Vec::with_capacity(self.last_len);
        Some(std::mem::replace(&mut self.pending, next))
    }
}

/// How long a batch still waits, `elapsed_ms` after the last one was shown
/// (which held `last_len` messages): 0 when it may be shown now.
fn wait_ms(elapsed_ms: f64, last_len: usize) -> u32 {
    let interval = if last_len >= FLOOD_BATCH { FLOOD_INTERVAL_MS } else { MIN_INTERVAL_MS };
    remaining_ms(elapsed_ms, interval)
}

/// What is left of an interval of `interval_ms`, `elapsed_ms` after it began
/// (rounded up: never 0 before it is over). A clock set back (the wall clock
/// can be) counts as time passed, never as a wait.
pub fn remaining_ms(elapsed_ms: f64, interval_ms: f64) -> u32 {
    if (0.0..interval_ms).contains(&elapsed_ms) {
        (interval_ms - elapsed_ms).ceil() as u32
    } else {
        0
    }
}

fn request_frame(frame: &js_sys::Function) {
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_waits_for_the_interval_then_shows() {
        assert_eq!(wait_ms(f64::INFINITY, 0), 0, "the first batch (none shown before) shows at once");
        assert_eq!(wait_ms(0.0, 1), 100);
        assert_eq!(wait_ms(MIN_INTERVAL_MS - 1.0, 1), 1);
        assert_eq!(wait_ms(MIN_INTERVAL_MS - 0.25, 1), 1, "never a wait of 0 before the interval is over");
        assert_eq!(wait_ms(MIN_INTERVAL_MS, 1), 0);
        assert_eq!(wait_ms(60_000.0, 1), 0, "a message after a pause shows on the next frame");
    }

    #[test]
    fn in_a_flood_batches_are_shown_less_often() {
        assert_eq!(wait_ms(MIN_INTERVAL_MS, FLOOD_BATCH - 1), 0);
        assert_eq!(wait_ms(MIN_INTERVAL_MS, FLOOD_BATCH), 400);
        assert_eq!(wait_ms(FLOOD_INTERVAL_MS - 1.0, 10_000), 1);
        assert_eq!(wait_ms(FLOOD_INTERVAL_MS, 10_000), 0);
        assert_eq!(wait_ms(60_000.0, 10_000), 0, "a message after a flood and a pause shows on the next frame");
    }

    #[test]
    fn a_clock_set_back_does_not_hold_messages() {
        assert_eq!(wait_ms(-1.0, 0), 0);
        assert_eq!(wait_ms(-3_600_000.0, FLOOD_BATCH), 0);
    }
}
