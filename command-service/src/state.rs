//! What every handler shares: the stores, the token keys, the login limiter.

use crate::auth::{RateLimiter, Tokens};
use crate::execute::AggregateCache;
use infra::credentials::DynCredentialStore;
use infra::event_store::DynEventStore;
use std::sync::Arc;

/// The command API's state.
#[derive(Clone)]
pub struct AppState {
    /// The event store.
    pub store: DynEventStore,
    /// Personal data of accounts.
    pub credentials: DynCredentialStore,
    /// Token keys.
    pub tokens: Arc<Tokens>,
    /// Login attempts.
    pub limiter: Arc<RateLimiter>,
    /// Keys sealing what each forum author wrote.
    pub personal_keys: infra::personal::DynPersonalKeyStore,
    /// Forum posts of the public, per client address.
    pub forum_limiter: Arc<RateLimiter>,
    /// Recently loaded aggregates.
    pub cache: Arc<AggregateCache>,
    /// The key that seals audit exports (derived from the token secret).
    pub audit_key: Arc<Vec<u8>>,
    /// The projections, for administrators (when this process can reach their stores).
    pub projections: Option<infra::projections::DynProjectionAdmin>,
    /// The territory (which kraj a provider's registered office is in).
    pub territory: Arc<infra::territory::Territory>,
}
