//! Sign-in attempts per client address: a fixed window, in memory (one server process; behind
//! several processes the lockout per account still holds, see docs/decisions.md).

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, (DateTime<Utc>, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        RateLimiter { max, window, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts one attempt from `ip` at `now`; false when the address is over its allowance.
    pub fn allow(&self, ip: IpAddr, now: DateTime<Utc>) -> bool {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            // Bounded memory: forget windows that are over.
            let window = self.window;
            hits.retain(|_, (start, _)| now - *start < window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_allowance_per_window() {
        let limiter = RateLimiter::new(3, Duration::minutes(5));
        let t0 = DateTime::UNIX_EPOCH;
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "127.0.0.2".parse().expect("ip");
        assert!((0..3).all(|_| limiter.allow(a, t0)));
        assert!(!limiter.allow(a, t0 + Duration::minutes(1)));
        assert!(limiter.allow(b, t0 + Duration::minutes(1)), "other addresses are not affected");
        assert!(limiter.allow(a, t0 + Duration::minutes(5)), "a new window");
    }
}
