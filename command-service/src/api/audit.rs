//! The audit API (auditors and administrators): the history of any record
//! from the log with who did what and when, its state at a time or version
//! by replaying it, the difference between two versions, the chain of a
//! grant decision (call, application, evaluations, decision, amendments),
//! a provider's record with its services and vacancies, a search over the
//! log, and signed exports (JSON or CSV) with their verification.

use super::answers::Problem;
use crate::audit;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use audit::{Change, Entry};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use command_api::audit::History;
use events::accounts::Role;
use events::{RecordedEvent, StreamRef};
use infra::event_store::LogPosition;
use infra::params::Query;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history))
        .routes(routes!(state_at))
        .routes(routes!(diff))
        .routes(routes!(export))
        .routes(routes!(verify))
        .routes(routes!(log))
        .routes(routes!(grant_chain))
        .routes(routes!(provider))
}

fn require_auditor(principal: &Principal) -> Result<(), ApiError> {
    if principal.has_any(&[Role::Auditor, Role::Administrator]) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the history is for auditors and administrators".into(),
        ))
    }
}

async fn read_stream(state: &AppState, stream: &StreamRef) -> Result<Vec<RecordedEvent>, ApiError> {
    stream
        .validate()
        .map_err(|e| ApiError::invalid(e.field, e.reason))?;
    let mut all = Vec::new();
    loop {
        let page = state
            .store
            .read_stream(stream, all.len() as u64 + 1, 1000)
            .await?;
        let done = page.len() < 1000;
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

async fn existing(state: &AppState, stream: &StreamRef) -> Result<Vec<RecordedEvent>, ApiError> {
    let events = read_stream(state, stream).await?;
    if events.is_empty() {
        return Err(ApiError::Domain(events::DomainError::NotFound(format!(
            "the record {stream}"
        ))));
    }
    Ok(events)
}

/// `format=json` (default) or `csv`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Format {
    /// `json` or `csv`.
    pub format: Option<String>,
}

fn csv_of(entries: &[Entry], name: &str) -> Response {
    let mut w = infra::spreadsheet::SafeCsv::new();
    w.row([
        "stream_type",
        "stream_id",
        "version",
        "global_position",
        "occurred_at",
        "recorded_at",
        "actor_id",
        "actor_role",
        "correlation_id",
        "event_type",
        "description",
        "payload",
    ]);
    for e in entries {
        w.row([
            e.stream_type.clone(),
            e.stream_id.clone(),
            e.version.to_string(),
            e.global_position.to_string(),
            e.occurred_at.clone(),
            e.recorded_at.clone(),
            e.actor.account_id.clone(),
            e.actor.role.clone(),
            e.correlation_id.to_string(),
            e.event_type.clone(),
            e.description.clone(),
            e.payload.to_string(),
        ]);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        w.into_bytes(),
    )
        .into_response()
}

#[utoipa::path(
    get, path = "/audit/streams/{stream_type}/{id}", tag = "audit",
    params(("stream_type" = String, Path, description = "e.g. service, provider, grant_application"), ("id" = String, Path, description = "The record"), Format),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ stream, events: [{ version, occurred_at, actor, correlation_id, causation_id, event_type, description, payload, … }] }`, or CSV", body = History),
        (status = 403, description = "Not an auditor", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ),
)]
pub(crate) async fn history(
    State(state): State<AppState>,
    principal: Principal,
    Path((stream_type, id)): Path<(String, String)>,
    Query(f): Query<Format>,
) -> Result<Response, ApiError> {
    require_auditor(&principal)?;
    let stream = StreamRef::new(stream_type, id);
    let events: Vec<Entry> = existing(&state, &stream)
        .await?
        .iter()
        .map(audit::entry)
        .collect();
    match f.format.as_deref().unwrap_or("json") {
        "csv" => Ok(csv_of(&events, &stream.to_string().replace('/', "-"))),
        "json" => Ok(Json(History {
            stream: stream.to_string(),
            events,
        })
        .into_response()),
        other => Err(ApiError::invalid(
            "format",
            format!("{other:?} is not json or csv"),
        )),
    }
}

/// A record as it was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StateAt {
    /// The record (`type/id`).
    pub stream: String,
    /// The version it had (0: it did not exist yet).
    pub version: u64,
    /// When that version was recorded (RFC 3339).
    pub recorded_at: Option<String>,
    /// Its state, replayed from its events (null: it did not exist yet).
    pub state: Value,
}

/// What changed between two versions of a record.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    /// The record (`type/id`).
    pub stream: String,
    /// The earlier version.
    pub from: u64,
    /// The later version.
    pub to: u64,
    /// Every value that differs.
    pub changes: Vec<Change>,
}

/// A signed export: a JWS (RFC 7515) in the flattened JSON serialisation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedExport {
    /// The protected header (base64url): `alg` EdDSA, `kid`, `cty`.
    pub protected: String,
    /// The export (base64url of its JSON).
    pub payload: String,
    /// The Ed25519 signature (base64url).
    pub signature: String,
}

/// Whether an export is as this portal made it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// It is.
    pub valid: bool,
    /// What is wrong with it, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The record it is of (signed exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// When it was made (signed exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported_at: Option<String>,
    /// Who made it (signed exports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exported_by: Option<String>,
}

/// A page of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogPage {
    /// Events found in all pages.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// Events per page.
    pub per_page: usize,
    /// The events of this page, in log order.
    pub items: Vec<Entry>,
}

/// Everything that led to a grant decision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrantChain {
    /// The application.
    pub application_id: String,
    /// Its call.
    pub call_id: String,
    /// The call, replayed (as of the time asked).
    pub call: Option<Value>,
    /// The events of the call and the application, in log order.
    pub chain: Vec<Entry>,
    /// The application, replayed (null: it did not exist yet).
    pub state: Value,
    /// The application's version.
    pub version: u64,
}

/// A provider's record with its services.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderAudit {
    /// The IČO.
    pub ico: String,
    /// The provider, replayed.
    pub state: Value,
    /// Its events.
    pub events: Vec<Entry>,
    /// Its services.
    pub services: Vec<ServiceAudit>,
}

/// A service of a provider, for the audit.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceAudit {
    /// Id.
    pub id: String,
    /// The service, replayed.
    pub state: Option<Value>,
    /// Its events, vacancy reports included.
    pub events: Vec<Entry>,
}

/// A point in a record's history.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct At {
    /// As it was at this time (RFC 3339).
    pub at: Option<String>,
    /// As it was at this version.
    pub version: Option<u64>,
}

fn parse_time(field: &str, value: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(value, &Rfc3339)
        .map_err(|_| ApiError::invalid(field, format!("{value:?} is not an RFC 3339 time")))
}

/// The events up to a time or version.
fn up_to(events: &[RecordedEvent], at: &At) -> Result<Vec<RecordedEvent>, ApiError> {
    let time = at.at.as_deref().map(|a| parse_time("at", a)).transpose()?;
    Ok(events
        .iter()
        .filter(|e| time.is_none_or(|t| e.recorded_at <= t))
        .filter(|e| at.version.is_none_or(|v| e.stream_version <= v))
        .cloned()
        .collect())
}

fn replay(stream_type: &str, events: &[RecordedEvent]) -> Result<Value, ApiError> {
    audit::state(stream_type, events).map_err(|reason| ApiError::invalid("stream_type", reason))
}

#[utoipa::path(
    get, path = "/audit/streams/{stream_type}/{id}/state", tag = "audit",
    params(("stream_type" = String, Path, description = "Record type"), ("id" = String, Path, description = "The record"), At),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ version, recorded_at, state }`: the record as it was, replayed from its events", body = StateAt),
        (status = 403, description = "Not an auditor", body = Problem),
        (status = 404, description = "No such record", body = Problem),
    ),
)]
pub(crate) async fn state_at(
    State(state): State<AppState>,
    principal: Principal,
    Path((stream_type, id)): Path<(String, String)>,
    Query(at): Query<At>,
) -> Result<Json<StateAt>, ApiError> {
    require_auditor(&principal)?;
    let stream = StreamRef::new(stream_type.clone(), id);
    let events = up_to(&existing(&state, &stream).await?, &at)?;
    let last = events.last();
    Ok(Json(StateAt {
        stream: stream.to_string(),
        version: last.map_or(0, |e| e.stream_version),
        recorded_at: last.map(|e| audit::rfc3339(e.recorded_at)),
        state: if events.is_empty() {
            Value::Null
        } else {
            replay(&stream_type, &events)?
        },
    }))
}

/// Two versions.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Versions {
    /// The earlier version (0: before the record existed).
    pub from: u64,
    /// The later version (default: the current one).
    pub to: Option<u64>,
}

#[utoipa::path(
    get, path = "/audit/streams/{stream_type}/{id}/diff", tag = "audit",
    params(("stream_type" = String, Path, description = "Record type"), ("id" = String, Path, description = "The record"), Versions),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ from, to, changes: [{ path, before, after }] }`", body = VersionDiff),
        (status = 403, description = "Not an auditor", body = Problem),
    ),
)]
pub(crate) async fn diff(
    State(state): State<AppState>,
    principal: Principal,
    Path((stream_type, id)): Path<(String, String)>,
    Query(v): Query<Versions>,
) -> Result<Json<VersionDiff>, ApiError> {
    require_auditor(&principal)?;
    let stream = StreamRef::new(stream_type.clone(), id);
    let events = existing(&state, &stream).await?;
    let to = v.to.unwrap_or(events.len() as u64);
    if v.from > to {
        return Err(ApiError::invalid("from", "is after to"));
    }
    let at = |n: u64| -> Result<Value, ApiError> {
        let upto: Vec<RecordedEvent> = events
            .iter()
            .filter(|e| e.stream_version <= n)
            .cloned()
            .collect();
        if upto.is_empty() {
            Ok(Value::Null)
        } else {
            replay(&stream_type, &upto)
        }
    };
    let changes = audit::diff(&at(v.from)?, &at(to)?);
    Ok(Json(VersionDiff {
        stream: stream.to_string(),
        from: v.from,
        to,
        changes,
    }))
}

#[utoipa::path(
    get, path = "/audit/streams/{stream_type}/{id}/export", tag = "audit",
    params(("stream_type" = String, Path, description = "Record type"), ("id" = String, Path, description = "The record")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A signed export: a JWS (RFC 7515, flattened JSON: `protected`, `payload`, `signature`), EdDSA over Ed25519 by a key of `/.well-known/jwks.json`; its payload holds `stream`, the `entries` each with its link of a BLAKE2b-256 chain, the `digest`, `exported_at` and `exported_by`", body = SignedExport),
        (status = 403, description = "Not an auditor", body = Problem),
    ),
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Path((stream_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    require_auditor(&principal)?;
    let stream = StreamRef::new(stream_type, id);
    let entries: Vec<Value> = existing(&state, &stream)
        .await?
        .iter()
        .map(|e| serde_json::to_value(audit::entry(e)).unwrap_or_default())
        .collect();
    // Who exported it and when are signed with the history.
    let mut doc = audit::chained(&stream.to_string(), entries);
    doc["exported_at"] = json!(audit::rfc3339(OffsetDateTime::now_utc()));
    doc["exported_by"] = json!(principal.account_id);
    let jws = state.signing.sign(&doc);
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}.audit.jws.json\"",
                stream.to_string().replace('/', "-")
            ),
        )],
        Json(jws),
    )
        .into_response())
}

#[utoipa::path(
    operation_id = "verify_export", post, path = "/audit/verify", tag = "audit",
    request_body = Object, security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ valid, problem, stream, exported_at, exported_by }`: whether the export (signed, or sealed by an earlier version) is as this portal made it", body = Verification),
        (status = 403, description = "Not an auditor", body = Problem),
    ),
)]
pub(crate) async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(export): JsonBody<Value>,
) -> Result<Json<Verification>, ApiError> {
    require_auditor(&principal)?;
    // A signed export (JWS), or one of the first form with its seal.
    let checked = if export.get("signature").is_some() {
        state.signing.verify(&export).and_then(|doc| {
            audit::verify_chain(&doc)?;
            Ok(Some(doc))
        })
    } else {
        audit::verify(&state.audit_key, &export).map(|()| None)
    };
    let text = |doc: &Value, key: &str| doc[key].as_str().map(str::to_string);
    let valid = Verification {
        valid: true,
        problem: None,
        stream: None,
        exported_at: None,
        exported_by: None,
    };
    Ok(Json(match checked {
        Ok(Some(doc)) => Verification {
            stream: text(&doc, "stream"),
            exported_at: text(&doc, "exported_at"),
            exported_by: text(&doc, "exported_by"),
            ..valid
        },
        Ok(None) => valid,
        Err(problem) => Verification {
            valid: false,
            problem: Some(problem.to_string()),
            ..valid
        },
    }))
}

/// A search over the log.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Account id of the actor.
    pub actor: Option<String>,
    /// Record type.
    pub stream_type: Option<String>,
    /// Event type.
    pub event_type: Option<String>,
    /// Recorded at or after (RFC 3339).
    pub from: Option<String>,
    /// Recorded before (RFC 3339).
    pub to: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Page size (default 100, at most 1000).
    pub per_page: Option<usize>,
}

#[utoipa::path(
    get, path = "/audit/log", tag = "audit", params(LogQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ total, page, per_page, items }`: events in log order", body = LogPage),
        (status = 403, description = "Not an auditor", body = Problem),
        (status = 422, description = "A bad parameter, named", body = Problem),
    ),
)]
pub(crate) async fn log(
    State(state): State<AppState>,
    principal: Principal,
    Query(q): Query<LogQuery>,
) -> Result<Json<LogPage>, ApiError> {
    require_auditor(&principal)?;
    let from = q
        .from
        .as_deref()
        .map(|v| parse_time("from", v))
        .transpose()?;
    let to = q.to.as_deref().map(|v| parse_time("to", v)).transpose()?;
    let per_page = q.per_page.unwrap_or(100);
    if per_page == 0 || per_page > 1000 {
        return Err(ApiError::invalid("per_page", "must be 1–1000"));
    }
    let page = q.page.unwrap_or(1).max(1);
    let (mut total, mut items, mut position) = (0usize, Vec::new(), LogPosition::START);
    loop {
        let batch = state.store.read_all(position, 2000).await?;
        let Some(last) = batch.last() else { break };
        position = last.log_position();
        for e in &batch {
            let keep = q.actor.as_deref().is_none_or(|a| e.actor.account_id == a)
                && q.stream_type
                    .as_deref()
                    .is_none_or(|t| e.stream.stream_type == t)
                && q.event_type.as_deref().is_none_or(|t| e.event_type == t)
                && from.is_none_or(|f| e.recorded_at >= f)
                && to.is_none_or(|t| e.recorded_at < t);
            if keep {
                total += 1;
                if total > page.saturating_sub(1).saturating_mul(per_page) && items.len() < per_page
                {
                    items.push(audit::entry(e));
                }
            }
        }
    }
    Ok(Json(LogPage {
        total,
        page,
        per_page,
        items,
    }))
}

fn merged(mut events: Vec<RecordedEvent>) -> Vec<Entry> {
    events.sort_by_key(RecordedEvent::log_position);
    events.iter().map(audit::entry).collect()
}

#[utoipa::path(
    get, path = "/audit/grants/applications/{id}", tag = "audit",
    params(("id" = String, Path, description = "The application"), At),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ call, application, chain, state }`: everything that led to the decision in log order, who did what and when, and the application's state (at `at`/`version` when given)", body = GrantChain),
        (status = 403, description = "Not an auditor", body = Problem),
        (status = 404, description = "No such application", body = Problem),
    ),
)]
pub(crate) async fn grant_chain(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Result<Json<GrantChain>, ApiError> {
    require_auditor(&principal)?;
    let app = existing(&state, &StreamRef::new("grant_application", id.clone())).await?;
    let call_id = app[0].payload["details"]["call_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let call = read_stream(&state, &StreamRef::new("grant_call", call_id.clone())).await?;
    let upto = up_to(&app, &at)?;
    // As of `at` (or the version): nothing recorded later is in the chain, nor in the call.
    let time = at.at.as_deref().map(|a| parse_time("at", a)).transpose()?;
    let last = upto.last().map(RecordedEvent::log_position);
    let cut = |e: &RecordedEvent| {
        time.is_none_or(|t| e.recorded_at <= t)
            && (at.version.is_none() || last.is_some_and(|l| e.log_position() <= l))
    };
    let call: Vec<RecordedEvent> = call.into_iter().filter(|e| cut(e)).collect();
    let chain = call.iter().chain(upto.iter()).cloned().collect();
    Ok(Json(GrantChain {
        application_id: id,
        call: replay("grant_call", &call).ok(),
        call_id,
        chain: merged(chain),
        state: if upto.is_empty() {
            Value::Null
        } else {
            replay("grant_application", &upto)?
        },
        version: upto.last().map_or(0, |e| e.stream_version),
    }))
}

#[utoipa::path(
    get, path = "/audit/providers/{ico}", tag = "audit",
    params(("ico" = String, Path, description = "The provider's IČO")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ provider, services: [{ id, events }] }`: the registry record and every service of the provider with its vacancy reports", body = ProviderAudit),
        (status = 403, description = "Not an auditor", body = Problem),
        (status = 404, description = "No such provider", body = Problem),
    ),
)]
pub(crate) async fn provider(
    State(state): State<AppState>,
    principal: Principal,
    Path(ico): Path<String>,
) -> Result<Json<ProviderAudit>, ApiError> {
    require_auditor(&principal)?;
    let provider = existing(&state, &StreamRef::new("provider", ico.clone())).await?;
    // The provider's services: those registered for its IČO.
    let mut ids = Vec::new();
    let mut position = LogPosition::START;
    loop {
        let batch = state.store.read_all(position, 2000).await?;
        let Some(last) = batch.last() else { break };
        position = last.log_position();
        ids.extend(
            batch
                .iter()
                .filter(|e| {
                    e.event_type == "ServiceRegistered" && e.payload["provider_ico"] == ico.as_str()
                })
                .map(|e| e.stream.stream_id.clone()),
        );
    }
    let mut services = Vec::new();
    for id in ids {
        let events = read_stream(&state, &StreamRef::new("service", id.clone())).await?;
        services.push(ServiceAudit {
            id,
            state: replay("service", &events).ok(),
            events: events.iter().map(audit::entry).collect(),
        });
    }
    Ok(Json(ProviderAudit {
        ico,
        state: replay("provider", &provider)?,
        events: provider.iter().map(audit::entry).collect(),
        services,
    }))
}
