//! Running a command against an aggregate: the idempotency key first, then
//! load (fold the stream), `If-Match`, authorise on the state, `decide`,
//! append with the expected version. The answer names the stream, the new
//! version and the log position, so a client can wait to read its write.

use crate::error::ApiError;
use crate::extract::CommandHeaders;
use crate::state::AppState;
use events::aggregate::{from_recorded, to_new_event};
use events::{Actor, Aggregate, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::StoreError;
use prometheus::IntCounterVec;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// Events read per round trip while loading.
const PAGE: usize = 1000;

/// Times a command without `If-Match` is decided again after a concurrent change.
const CONFLICT_RETRIES: usize = 5;

/// Most aggregates kept in memory; beyond it the cache starts afresh.
const CACHE_CAPACITY: usize = 10_000;

/// The last loaded state of recently used aggregates. Streams only grow, so
/// a cached state is brought up to date by reading the events after its
/// version; it never needs invalidating, only bounding. Each state remembers
/// when it was last known to be the latest (read from the store, or written
/// by this process), for [`load_recent`].
#[derive(Default)]
pub struct AggregateCache {
    entries: Mutex<HashMap<StreamRef, CachedState>>,
}

struct CachedState {
    version: u64,
    state: Arc<dyn Any + Send + Sync>,
    checked: Instant,
}

impl AggregateCache {
    fn get<A: Clone + 'static>(&self, stream: &StreamRef) -> Option<(A, u64)> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let cached = entries.get(stream)?;
        cached
            .state
            .downcast_ref::<A>()
            .map(|a| (a.clone(), cached.version))
    }

    /// What `f` answers of the cached state, when that was known to be the
    /// latest within `within` (looked at in place, not copied).
    fn with_recent<A: 'static, T>(
        &self,
        stream: &StreamRef,
        within: Duration,
        f: impl FnOnce(&A) -> T,
    ) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let cached = entries.get(stream)?;
        if cached.checked.elapsed() > within {
            return None;
        }
        cached.state.downcast_ref::<A>().map(f)
    }

    /// Keeps `state` at `version`, known to be the latest just now.
    fn put<A: Send + Sync + 'static>(&self, stream: StreamRef, state: A, version: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CACHE_CAPACITY && !entries.contains_key(&stream) {
            entries.clear();
        }
        let checked = Instant::now();
        match entries.get_mut(&stream) {
            Some(cached) if cached.version > version => {}
            Some(cached) if cached.version == version => cached.checked = checked,
            _ => {
                entries.insert(
                    stream,
                    CachedState {
                        version,
                        state: Arc::new(state),
                        checked,
                    },
                );
            }
        }
    }
}

/// The state of an aggregate as last seen by this process, when that was
/// within `within` and `accept` takes it; otherwise (or when `accept`
/// refuses it) read afresh, as [`load`]. Changes written through this
/// process are seen at once; changes written through another instance within
/// `within`. `accept` is asked again of a fresh state: a refusal is only
/// trusted on the latest state.
///
/// # Errors
/// As [`load`], and what `accept` answers for the latest state.
pub async fn load_recent<A, T>(
    app: &AppState,
    stream_id: &str,
    within: Duration,
    accept: impl Fn(&A) -> Result<T, ApiError>,
) -> Result<T, ApiError>
where
    A: Aggregate + Clone + Send + Sync + 'static,
{
    let stream = StreamRef::new(A::STREAM_TYPE, stream_id);
    if let Some(Ok(accepted)) = app.cache.with_recent(&stream, within, &accept) {
        return Ok(accepted);
    }
    let (state, _) = load::<A>(app, stream_id).await?;
    accept(&state)
}

/// The state of an aggregate and its version (0: no stream).
///
/// # Errors
/// Store failures, or a stored event that no longer reads (a missing upcaster).
pub async fn load<A>(app: &AppState, stream_id: &str) -> Result<(A, u64), ApiError>
where
    A: Aggregate + Clone + Send + Sync + 'static,
{
    let store = &app.store;
    let stream = StreamRef::new(A::STREAM_TYPE, stream_id);
    stream
        .validate()
        .map_err(|e| ApiError::invalid(e.field, e.reason))?;
    let (mut state, mut version) = app.cache.get::<A>(&stream).unwrap_or_default();
    let loaded = loop {
        let batch = store.read_stream(&stream, version + 1, PAGE).await?;
        for recorded in &batch {
            let event: A::Event = from_recorded(recorded).map_err(|e| {
                anyhow::anyhow!(
                    "event {} of {stream} ({}) does not read: {e}",
                    recorded.stream_version,
                    recorded.event_type
                )
            })?;
            state.apply(&event);
            version = recorded.stream_version;
        }
        if batch.len() < PAGE {
            break (state, version);
        }
    };
    if loaded.1 > 0 {
        app.cache.put(stream, loaded.0.clone(), loaded.1);
    }
    Ok(loaded)
}

pub use command_api::CommandResult;

/// Who sends a command and how.
pub struct CommandContext {
    /// Who.
    pub actor: Actor,
    /// The headers.
    pub headers: CommandHeaders,
}

impl CommandContext {
    /// A context for an actor.
    pub fn new(actor: Actor, headers: CommandHeaders) -> Self {
        Self { actor, headers }
    }

    /// The command's id, the causation of its events: for a request with an
    /// idempotency key, derived (UUIDv5) from the key and the request's
    /// fingerprint, so that a retry names the same command and another
    /// request under the same key does not.
    fn command_id(&self) -> Uuid {
        match (self.scoped_key(), self.headers.fingerprint) {
            (Some(key), Some(fp)) => {
                let mut name = key.into_bytes();
                name.push(0);
                name.extend_from_slice(&fp.0);
                Uuid::new_v5(&COMMAND_NAMESPACE, &name)
            }
            _ => Uuid::now_v7(),
        }
    }

    /// The idempotency key as stored: scoped to the actor, so clients cannot collide.
    fn scoped_key(&self) -> Option<String> {
        self.headers
            .idempotency_key
            .as_ref()
            .map(|k| format!("{}:{k}", self.actor.account_id))
    }
}

/// The id of the stream of `A`'s type that this request's idempotency key was
/// first used for: a creation whose id the server chooses reuses it, so that a
/// retry lands on the same record instead of a new one.
///
/// # Errors
/// Store failures.
pub async fn replayed_stream_id<A: Aggregate>(
    app: &AppState,
    ctx: &CommandContext,
) -> Result<Option<String>, ApiError> {
    let store = &app.store;
    let Some(key) = ctx.scoped_key() else {
        return Ok(None);
    };
    Ok(store
        .idempotency_result(&key)
        .await?
        .map(|(stream, _)| stream)
        .filter(|s| s.stream_type == A::STREAM_TYPE)
        .map(|s| s.stream_id))
}

/// The stream id of a record to create: the one the client chose, else the
/// one its idempotency key was first used for (a retry lands on the same
/// record), else a new UUIDv7.
///
/// # Errors
/// Store failures.
pub async fn creation_id<A: Aggregate>(
    app: &AppState,
    ctx: &CommandContext,
    chosen: Option<Uuid>,
) -> Result<String, ApiError> {
    Ok(match chosen {
        Some(id) => id.to_string(),
        None => replayed_stream_id::<A>(app, ctx)
            .await?
            .unwrap_or_else(|| Uuid::now_v7().to_string()),
    })
}

/// The namespace of derived command ids.
const COMMAND_NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_7a0e_2b64_4d8e_9a31_c0de_1d00_0001);

/// Refuses a request that reuses an idempotency key for another request
/// (another body or path): the first event recorded under the key names
/// the command it came from. Events recorded before command ids were
/// derived (random UUIDv7) are not compared.
async fn same_request(
    app: &AppState,
    stream: &StreamRef,
    first_version: u64,
    ctx: &CommandContext,
) -> Result<(), ApiError> {
    if ctx.headers.fingerprint.is_none() {
        return Ok(());
    }
    let first = app.store.read_stream(stream, first_version, 1).await?;
    let recorded = first.first().and_then(|e| e.causation_id);
    match recorded {
        Some(id) if id.get_version_num() == 5 && id != ctx.command_id() => Err(ApiError::invalid(
            "Idempotency-Key",
            "was used for another request (another body or path); use a new key",
        )),
        _ => Ok(()),
    }
}

/// Commands decided, by stream type and outcome.
static COMMANDS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    infra::metrics::counter_vec(
        "portal_commands_total",
        "Commands by stream type and outcome (recorded, unchanged, deduplicated, refused, failed)",
        &["stream_type", "outcome"],
    )
});

/// Events recorded by commands, by type (e.g. `VacancyReported`: the vacancy reports).
static RECORDED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    infra::metrics::counter_vec(
        "portal_events_recorded_total",
        "Events recorded by commands, by event type",
        &["type"],
    )
});

fn outcome(result: &Result<CommandResult, ApiError>) -> &'static str {
    match result {
        Ok(r) if r.deduplicated => "deduplicated",
        Ok(r) if r.events == 0 => "unchanged",
        Ok(_) => "recorded",
        Err(
            ApiError::Store(_)
            | ApiError::Internal(_)
            | ApiError::Unavailable(_)
            | ApiError::Credentials(infra::credentials::CredentialError::Backend(_)),
        ) => "failed",
        Err(_) => "refused",
    }
}

/// Runs `command` on the aggregate `stream_id` after `authorise` accepts its state.
///
/// # Errors
/// 422 for invalid fields or a reused key, 404/409 from the domain, 409 on a
/// version conflict, 403 from `authorise`; nothing is written then.
pub async fn execute<A>(
    app: &AppState,
    stream_id: &str,
    command: A::Command,
    ctx: &CommandContext,
    authorise: impl Fn(&A, u64) -> Result<(), ApiError>,
) -> Result<CommandResult, ApiError>
where
    A: Aggregate + Clone + Send + Sync + 'static,
{
    let result = decide_and_append::<A>(app, stream_id, command, ctx, authorise).await;
    COMMANDS
        .with_label_values(&[A::STREAM_TYPE, outcome(&result)])
        .inc();
    result
}

async fn decide_and_append<A>(
    app: &AppState,
    stream_id: &str,
    command: A::Command,
    ctx: &CommandContext,
    authorise: impl Fn(&A, u64) -> Result<(), ApiError>,
) -> Result<CommandResult, ApiError>
where
    A: Aggregate + Clone + Send + Sync + 'static,
{
    let store = &app.store;
    let stream = StreamRef::new(A::STREAM_TYPE, stream_id);
    let key = ctx.scoped_key();
    if let Some(key) = &key {
        if let Some((first_stream, first)) = store.idempotency_result(key).await? {
            if first_stream != stream {
                return Err(ApiError::Store(StoreError::IdempotencyKeyReused {
                    key: ctx.headers.idempotency_key.clone().unwrap_or_default(),
                    first_stream,
                }));
            }
            same_request(app, &stream, first.first_version, ctx).await?;
            return Ok(CommandResult {
                stream_type: stream.stream_type,
                stream_id: stream.stream_id,
                version: first.last_version,
                events: first.last_version - first.first_version + 1,
                global_position: Some(first.last_position.global_position),
                transaction_id: Some(first.last_position.transaction_id),
                deduplicated: true,
            });
        }
    }
    // The command is decided on the state kept in the cache, unverified: the
    // append names the version it was decided on, so a state that was not the
    // latest is refused by the store, and the command is then decided again
    // on the state read afresh (a few times, unless the client sent
    // `If-Match`, which is checked on a fresh state only). A refusal or a
    // decision to record nothing is only trusted on a fresh state.
    let mut fresh = ctx.headers.if_match.is_some();
    let mut attempts = 0;
    let appended = loop {
        attempts += 1;
        let cached = if fresh {
            None
        } else {
            app.cache.get::<A>(&stream)
        };
        let verified = cached.is_none();
        let (state, version) = match cached {
            Some(hit) => hit,
            None => load::<A>(app, stream_id).await?,
        };
        let now = OffsetDateTime::now_utc();
        let decided = authorise(&state, version).and_then(|()| match ctx.headers.if_match {
            Some(expected) if expected != version => Err(ApiError::VersionMismatch {
                expected,
                current: version,
            }),
            _ => state.decide(&command, now).map_err(ApiError::from),
        });
        let events = match decided {
            Ok(events) => events,
            // A refusal is only trusted on a fresh state, like a decision to record nothing.
            Err(_) if !verified => {
                fresh = true;
                continue;
            }
            Err(e) => return Err(e),
        };
        if events.is_empty() {
            if !verified {
                fresh = true;
                continue;
            }
            return Ok(CommandResult {
                stream_type: stream.stream_type,
                stream_id: stream.stream_id,
                version,
                events: 0,
                global_position: None,
                transaction_id: None,
                deduplicated: false,
            });
        }
        let new_events: Vec<_> = events.iter().map(|e| to_new_event(e, now)).collect();
        let types: Vec<String> = new_events.iter().map(|e| e.event_type.clone()).collect();
        let metadata = EventMetadata {
            actor: ctx.actor.clone(),
            correlation_id: ctx.headers.correlation_id,
            causation_id: Some(ctx.command_id()),
            idempotency_key: key.clone(),
        };
        let expected = if version == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(version)
        };
        match store.append(&stream, expected, new_events, &metadata).await {
            Ok(appended) => {
                if !appended.deduplicated {
                    for t in &types {
                        RECORDED.with_label_values(&[t]).inc();
                    }
                    let mut next = state;
                    for e in &events {
                        next.apply(e);
                    }
                    app.cache.put(stream.clone(), next, appended.last_version);
                }
                break appended;
            }
            Err(StoreError::WrongExpectedVersion { .. })
                if !verified || (ctx.headers.if_match.is_none() && attempts < CONFLICT_RETRIES) =>
            {
                fresh = true;
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(CommandResult {
        stream_type: stream.stream_type,
        stream_id: stream.stream_id,
        version: appended.last_version,
        events: appended.last_version - appended.first_version + 1,
        global_position: Some(appended.last_position.global_position),
        transaction_id: Some(appended.last_position.transaction_id),
        deduplicated: appended.deduplicated,
    })
}
