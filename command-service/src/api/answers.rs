//! What a command answers: a [`CommandResponse`] (201 for a new record,
//! 200 otherwise, the record's version as `ETag`), the [`Refusals`] every
//! signed-in command documents, and the [`Problem`] of the document.

use crate::execute::CommandResult;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// How a command ended, with its answer `T`.
#[derive(Debug)]
pub enum CommandResponse<T = CommandResult> {
    /// A new record: 201.
    Created(T),
    /// Events recorded: 200.
    Changed(T),
    /// Nothing to record (the record is already as asked): 200, `events: 0`.
    Unchanged(T),
    /// A retry under the same `Idempotency-Key`: the first result again, 200.
    Deduplicated(T),
}

/// An answer that names its record's version (sent as `ETag`).
pub trait Versioned {
    /// The record's version after the command.
    fn version(&self) -> u64;
}

impl Versioned for CommandResult {
    fn version(&self) -> u64 {
        self.version
    }
}

impl CommandResponse {
    /// The answer of a command that creates its record.
    pub fn created(result: CommandResult) -> Self {
        match Self::changed(result) {
            Self::Changed(result) => Self::Created(result),
            other => other,
        }
    }

    /// The answer of a command on an existing record.
    pub fn changed(result: CommandResult) -> Self {
        if result.deduplicated {
            Self::Deduplicated(result)
        } else if result.events == 0 {
            Self::Unchanged(result)
        } else {
            Self::Changed(result)
        }
    }
}

impl<T> CommandResponse<T> {
    /// The answer itself.
    pub fn into_answer(self) -> T {
        match self {
            Self::Created(a) | Self::Changed(a) | Self::Unchanged(a) | Self::Deduplicated(a) => a,
        }
    }

    /// The same outcome with another answer (one that adds to the result).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> CommandResponse<U> {
        match self {
            Self::Created(a) => CommandResponse::Created(f(a)),
            Self::Changed(a) => CommandResponse::Changed(f(a)),
            Self::Unchanged(a) => CommandResponse::Unchanged(f(a)),
            Self::Deduplicated(a) => CommandResponse::Deduplicated(f(a)),
        }
    }

    /// Its status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Created(_) => StatusCode::CREATED,
            _ => StatusCode::OK,
        }
    }
}

impl<T: Serialize + Versioned> IntoResponse for CommandResponse<T> {
    fn into_response(self) -> Response {
        let status = self.status();
        let answer = self.into_answer();
        let etag = format!("\"{}\"", answer.version());
        (status, [(header::ETAG, etag)], Json(answer)).into_response()
    }
}

/// An RFC 9457 problem (`application/problem+json`), as documented.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// A URI naming the kind of problem.
    r#type: String,
    /// A short summary.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong this time.
    detail: Option<String>,
    /// For 422: each invalid field and why.
    errors: Option<Vec<FieldErrorDoc>>,
    /// For 409: the record's current version.
    current_version: Option<u64>,
}

/// An invalid field.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FieldErrorDoc {
    /// Its path in the request body, e.g. `details.facilities[1].location.lat`.
    field: String,
    /// Why it is refused.
    reason: String,
}

/// What a signed-in command may answer instead of its result, as its
/// `responses(…)` names them; an operation that says more of one of them
/// lists that status after this set (e.g. 403 "Not a moderator").
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// No or a bad token.
    #[response(
        status = 401,
        description = "Not authenticated, or a token that is not valid",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    /// A token without the right.
    #[response(
        status = 403,
        description = "Not allowed",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    /// The record named does not exist.
    #[response(
        status = 404,
        description = "No such record",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    /// A stale `If-Match`, a concurrent change, or a rule of the record's state.
    #[response(
        status = 409,
        description = "Conflict: stale If-Match, concurrent change or a state rule",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    /// Fields, parameters or headers refused, each named.
    #[response(
        status = 422,
        description = "Invalid fields, parameters or headers, each named",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(events: u64, deduplicated: bool) -> CommandResult {
        CommandResult {
            stream_type: "service".into(),
            stream_id: "s".into(),
            version: 4,
            events,
            global_position: None,
            transaction_id: None,
            deduplicated,
        }
    }

    #[test]
    fn only_a_new_record_answers_201_and_every_answer_names_its_version() {
        let created = CommandResponse::created(result(1, false));
        assert!(matches!(created, CommandResponse::Created(_)));
        let response = created.into_response();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[header::ETAG], "\"4\"");
        for (response, expected) in [
            (CommandResponse::created(result(1, true)), "deduplicated"),
            (CommandResponse::created(result(0, false)), "unchanged"),
            (CommandResponse::changed(result(2, false)), "changed"),
            (CommandResponse::changed(result(2, true)), "deduplicated"),
        ] {
            let outcome = match &response {
                CommandResponse::Created(_) => "created",
                CommandResponse::Changed(_) => "changed",
                CommandResponse::Unchanged(_) => "unchanged",
                CommandResponse::Deduplicated(_) => "deduplicated",
            };
            assert_eq!(outcome, expected);
            assert_eq!(response.into_response().status(), StatusCode::OK);
        }
    }
}
