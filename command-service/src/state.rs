//! What every handler shares: the stores, the token keys, the limits.

use crate::auth::Tokens;
use crate::execute::AggregateCache;
use crate::limits::Limits;
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
    /// What one client may try (logins, the public's posts, registrations).
    pub limits: Arc<Limits>,
    /// Proxies whose `X-Forwarded-For` names the client (`PORTAL_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// Keys sealing what each forum author wrote.
    pub personal_keys: infra::personal::DynPersonalKeyStore,
    /// Recently loaded aggregates.
    pub cache: Arc<AggregateCache>,
    /// The key of anonymous survey streams and of the seals of exports made
    /// before they were signed (derived from the token secret).
    pub audit_key: Arc<Vec<u8>>,
    /// The keys that sign audit exports.
    pub signing: Arc<crate::signing::SigningKeys>,
    /// The projections, for administrators (when this process can reach their stores).
    pub projections: Option<infra::projections::DynProjectionAdmin>,
    /// The territory (which kraj a provider's registered office is in).
    pub territory: Arc<infra::territory::Territory>,
    /// The outbox of messages, for administrators (when this process sends e-mail).
    pub mail_outbox: Option<infra::mail::outbox::DynMailOutbox>,
    /// Where uploaded files go (when this process keeps files).
    pub files: Option<FileKeeping>,
}

/// The file store and the largest file it takes.
#[derive(Clone)]
pub struct FileKeeping {
    /// The store.
    pub store: infra::files::DynFileStore,
    /// `PORTAL_FILE_LIMIT_BYTES`.
    pub limit: u64,
}
