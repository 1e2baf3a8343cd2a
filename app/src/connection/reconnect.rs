//! When to try again after a connection drops or an attempt fails.
//!
//! A broker that worked a moment ago is most likely restarting: try again
//! quickly (every 1–2 s) for a while, so the app is back within about 2 s of
//! the broker, then back off to 30 s so a broker that is gone for good is not
//! hammered. Every delay carries a random factor in [0.5, 1] so that a class of
//! students does not reconnect in lockstep after a broker restart.

/// Attempts made at the quick pace before backing off.
pub const QUICK_ATTEMPTS: u32 = 30;
/// The quick pace's delay before the random factor.
const QUICK_MS: f64 = 2_000.0;
/// The longest wait between attempts.
const MAX_MS: f64 = 30_000.0;

/// Milliseconds before reconnect attempt `attempt` (0-based), with `random` in [0, 1].
pub fn reconnect_delay_ms(attempt: u32, random: f64) -> f64 {
    let base = match attempt {
        0 => 1_000.0,
        a if a < QUICK_ATTEMPTS => QUICK_MS,
        a => (QUICK_MS * 2f64.powi((a - QUICK_ATTEMPTS + 1).min(5) as i32)).min(MAX_MS),
    };
    base * (0.5 + 0.5 * random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_while_the_broker_is_likely_restarting_then_backs_off_to_thirty_seconds() {
        assert_eq!(reconnect_delay_ms(0, 1.0), 1_000.0);
        assert_eq!(reconnect_delay_ms(0, 0.0), 500.0);
        // Never more than 2 s between attempts during the quick phase: the app is
        // back within ~2 s of a restarted broker.
        for a in 1..QUICK_ATTEMPTS {
            assert!(reconnect_delay_ms(a, 1.0) <= 2_000.0);
            assert!(reconnect_delay_ms(a, 0.0) >= 1_000.0);
        }
        assert_eq!(reconnect_delay_ms(QUICK_ATTEMPTS, 1.0), 4_000.0);
        assert_eq!(reconnect_delay_ms(QUICK_ATTEMPTS + 10, 1.0), 30_000.0);
        assert_eq!(reconnect_delay_ms(u32::MAX, 0.0), 15_000.0);
    }
}
