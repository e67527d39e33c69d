//! Limits on what one client may try: failed logins per address and per
//! (address, login), the public's forum posts, self-registrations and
//! erasures of forum authors per address. Each limiter keeps a hash of its
//! keys, never the keys, in a bounded map whose entries expire, and asks for
//! growing delays once its allowance is used up.

use crate::error::ApiError;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys a limiter keeps at most; past it, the half least recently used go.
const MAX_KEYS: usize = 20_000;
/// Attempts past the allowance remembered per key (the delay doubles with each, up to the window).
const MAX_EXCESS: u32 = 12;

/// Refuses a key that used up `allowance` attempts within `window`: after
/// that, each further attempt waits twice as long as the one before (1 s,
/// 2 s, 4 s, … at most the window) after the key's last attempt.
pub struct RateLimiter {
    attempts: Mutex<HashMap<u64, VecDeque<Instant>>>,
    hasher: std::collections::hash_map::RandomState,
    allowance: usize,
    window: Duration,
}

impl RateLimiter {
    /// At most `allowance` attempts per key within `window` before delays grow.
    pub fn new(allowance: usize, window: Duration) -> Self {
        Self {
            attempts: Mutex::new(HashMap::new()),
            hasher: std::collections::hash_map::RandomState::new(),
            allowance: allowance.max(1),
            window,
        }
    }

    fn prune(queue: &mut VecDeque<Instant>, window: Duration, now: Instant) {
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            queue.pop_front();
        }
    }

    /// How long the key must still wait, if at all.
    fn wait(&self, queue: &VecDeque<Instant>, now: Instant) -> Option<Duration> {
        let excess = queue.len().checked_sub(self.allowance)?;
        let delay = Duration::from_secs(1u64 << excess.min(MAX_EXCESS as usize)).min(self.window);
        let since = now.duration_since(*queue.back()?);
        delay.checked_sub(since).filter(|d| !d.is_zero())
    }

    fn refused(wait: Duration) -> ApiError {
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, HashMap<u64, VecDeque<Instant>>> {
        self.attempts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuses when the key must wait.
    ///
    /// # Errors
    /// 429 with the seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let hash = self.hasher.hash_one(key);
        let mut map = self.locked();
        if let Some(queue) = map.get_mut(&hash) {
            Self::prune(queue, self.window, now);
            if let Some(wait) = self.wait(queue, now) {
                return Err(Self::refused(wait));
            }
        }
        Ok(())
    }

    /// Counts an attempt.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let hash = self.hasher.hash_one(key);
        let mut map = self.locked();
        self.make_room(&mut map, now);
        let queue = map.entry(hash).or_default();
        queue.push_back(now);
        while queue.len() > self.allowance + MAX_EXCESS as usize {
            queue.pop_front();
        }
    }

    /// Checks and counts in one step, so that concurrent attempts cannot all pass.
    ///
    /// # Errors
    /// 429 with the seconds to wait; nothing is counted then.
    pub fn acquire(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let hash = self.hasher.hash_one(key);
        let mut map = self.locked();
        self.make_room(&mut map, now);
        let queue = map.entry(hash).or_default();
        Self::prune(queue, self.window, now);
        if let Some(wait) = self.wait(queue, now) {
            return Err(Self::refused(wait));
        }
        queue.push_back(now);
        Ok(())
    }

    /// [`Self::acquire`] as a permit that gives the attempt back when dropped
    /// unless kept: an attempt that wrote nothing costs nothing.
    ///
    /// # Errors
    /// 429 with the seconds to wait.
    pub fn permit(&self, key: String) -> Result<Permit<'_>, ApiError> {
        self.acquire(&key)?;
        Ok(Permit {
            limiter: self,
            key,
            kept: false,
        })
    }

    /// Gives back the last attempt counted (one that wrote nothing).
    pub fn release(&self, key: &str) {
        let hash = self.hasher.hash_one(key);
        if let Some(queue) = self.locked().get_mut(&hash) {
            queue.pop_back();
        }
    }

    /// Forgets the attempts (a successful login).
    pub fn forget(&self, key: &str) {
        let hash = self.hasher.hash_one(key);
        self.locked().remove(&hash);
    }

    /// Keys it remembers now.
    pub fn len(&self) -> usize {
        self.locked().len()
    }

    /// Remembers no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, map: &mut HashMap<u64, VecDeque<Instant>>, now: Instant) {
        if map.len() < MAX_KEYS {
            return;
        }
        let window = self.window;
        map.retain(|_, q| {
            Self::prune(q, window, now);
            !q.is_empty()
        });
        if map.len() >= MAX_KEYS {
            let mut last: Vec<Instant> = map.values().filter_map(|q| q.back().copied()).collect();
            last.sort_unstable();
            let cut = last[last.len() / 2];
            map.retain(|_, q| q.back().is_some_and(|t| *t > cut));
        }
    }
}

/// An attempt counted by [`RateLimiter::permit`], given back on drop unless kept.
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    key: String,
    kept: bool,
}

impl Permit<'_> {
    /// The attempt wrote something: it stays counted.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.limiter.release(&self.key);
        }
    }
}

/// Failed logins allowed per (address, login) before delays grow.
pub const LOGIN_ATTEMPTS: usize = 5;
/// Failed logins allowed per address (any login) before delays grow: password spraying.
pub const LOGIN_ATTEMPTS_PER_ADDRESS: usize = 30;
/// The window of the login limiters.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Forum posts allowed per client address without an account within [`FORUM_WINDOW`].
pub const FORUM_POSTS: usize = 5;
/// The window of the forum's limiter.
pub const FORUM_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Self-registrations and erasures of forum authors allowed per address within [`PUBLIC_WINDOW`].
pub const PUBLIC_ACTIONS: usize = 10;
/// The window of the self-registration and author-erasure limiters.
pub const PUBLIC_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Every limiter of the command API.
pub struct Limits {
    /// Failed logins per (address, login): a wrong password from elsewhere locks nobody out.
    pub login_pairs: RateLimiter,
    /// Failed logins per address, whatever the login.
    pub login_addresses: RateLimiter,
    /// The public's forum posts per address.
    pub forum_posts: RateLimiter,
    /// Self-registrations per address (each costs a password hash).
    pub self_registrations: RateLimiter,
    /// Erasures of forum authors by secret per address.
    pub author_erasures: RateLimiter,
    /// Requests of password links per address (each sends an e-mail).
    pub password_links: RateLimiter,
    /// Subscriptions per address and per e-mail (each sends a confirmation).
    pub subscriptions: RateLimiter,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_pairs: RateLimiter::new(LOGIN_ATTEMPTS, LOGIN_WINDOW),
            login_addresses: RateLimiter::new(LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW),
            forum_posts: RateLimiter::new(FORUM_POSTS, FORUM_WINDOW),
            self_registrations: RateLimiter::new(PUBLIC_ACTIONS, PUBLIC_WINDOW),
            author_erasures: RateLimiter::new(PUBLIC_ACTIONS, PUBLIC_WINDOW),
            password_links: RateLimiter::new(PUBLIC_ACTIONS, PUBLIC_WINDOW),
            subscriptions: RateLimiter::new(PUBLIC_ACTIONS, PUBLIC_WINDOW),
        }
    }
}

/// The key of a login attempt from an address.
pub fn login_key(address: &str, login: &str) -> String {
    format!("{address}\u{0}{login}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_key_waits_longer_with_each_attempt() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            limiter.check("jana").unwrap();
            limiter.record("jana");
        }
        let wait = |l: &RateLimiter| match l.check("jana") {
            Err(ApiError::TooManyRequests { retry_after_secs }) => retry_after_secs,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&limiter), 1);
        limiter.record("jana");
        assert_eq!(wait(&limiter), 2);
        limiter.record("jana");
        assert_eq!(wait(&limiter), 4);
        for _ in 0..20 {
            limiter.record("jana");
        }
        assert_eq!(wait(&limiter), 60, "never more than the window");
        limiter.check("petr").unwrap();
        limiter.forget("jana");
        limiter.check("jana").unwrap();
    }

    #[test]
    fn acquire_counts_at_once_and_release_gives_back() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        limiter.acquire("1.2.3.4").unwrap();
        limiter.acquire("1.2.3.4").unwrap();
        assert!(limiter.acquire("1.2.3.4").is_err());
        limiter.release("1.2.3.4");
        limiter.acquire("1.2.3.4").unwrap();
        let other = || "5.6.7.8".to_string();
        drop(limiter.permit(other()).unwrap());
        limiter.permit(other()).unwrap().keep();
        limiter.permit(other()).unwrap().keep();
        assert!(
            limiter.permit(other()).is_err(),
            "two kept, the dropped one given back"
        );
    }

    #[test]
    fn memory_is_bounded_whatever_the_keys() {
        let limiter = RateLimiter::new(5, Duration::from_secs(60));
        let long = "x".repeat(1 << 20);
        for i in 0..(MAX_KEYS * 2) {
            limiter.record(&format!("{i}{}", &long[..(i % 7) * 1000]));
        }
        assert!(limiter.len() <= MAX_KEYS, "{}", limiter.len());
        // The newest keys are still counted.
        for _ in 0..5 {
            limiter.record("last");
        }
        assert!(limiter.check("last").is_err());
    }
}
