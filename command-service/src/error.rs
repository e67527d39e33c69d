//! The command API's errors and their problem+json answers: 401/403 with
//! the reason, 404, 409 with the current version, 422 naming each field,
//! 429 with `Retry-After`; 5xx logged with the cause and answered generically.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use events::DomainError;
use infra::credentials::CredentialError;
use infra::event_store::StoreError;
use infra::problem::{FieldError, Problem};

/// Everything a command handler can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The domain refused the command.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The event store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The credential store failed.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the right.
    #[error("{0}")]
    Forbidden(String),
    /// `If-Match` names another version than the current one.
    #[error("the record is at version {current}, not {expected}")]
    VersionMismatch {
        /// From `If-Match`.
        expected: u64,
        /// The stream's version.
        current: u64,
    },
    /// One invalid field outside the domain (headers, path, JSON shape).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// Too many attempts.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// A conflict outside the event store (e.g. a login taken).
    #[error("{0}")]
    Conflict(String),
    /// What this process cannot do as configured.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = match self {
            ApiError::Domain(DomainError::Invalid(errors)) => {
                let detail = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "The request is not valid",
                )
                .detail(detail)
                .with_errors(
                    errors
                        .into_iter()
                        .map(|e| FieldError {
                            field: e.field,
                            reason: e.reason,
                        })
                        .collect(),
                )
            }
            ApiError::Domain(DomainError::NotFound(what)) => {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
                    .detail(format!("{what} does not exist"))
            }
            ApiError::Domain(e @ DomainError::AlreadyExists(_)) => Problem::new(
                StatusCode::CONFLICT,
                "already-exists",
                "The record exists already",
            )
            .detail(e.to_string()),
            ApiError::Domain(DomainError::Rejected(reason)) => Problem::new(
                StatusCode::CONFLICT,
                "rejected",
                "The command does not fit the record's current state",
            )
            .detail(reason),
            ApiError::Store(e) => Problem::from(e),
            ApiError::Credentials(CredentialError::LoginTaken) => {
                Problem::invalid("login", "is taken by another account")
            }
            ApiError::Credentials(e @ CredentialError::Backend(_)) => Problem::internal(&e),
            ApiError::Unauthorized(reason) => {
                let mut response = Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Authentication is required",
                )
                .detail(reason)
                .into_response();
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return response;
            }
            ApiError::Unavailable(reason) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Not available here",
            )
            .detail(reason),
            ApiError::Forbidden(reason) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed").detail(reason)
            }
            ApiError::VersionMismatch { expected, current } => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "The record was changed by someone else",
            )
            .detail(format!(
                "If-Match names version {expected}; the record is at {current}"
            ))
            .with("current_version", current),
            ApiError::Invalid { field, reason } => Problem::invalid(field, reason),
            ApiError::TooManyRequests { retry_after_secs } => {
                let mut response = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-requests",
                    "Too many attempts",
                )
                .detail(format!("Try again in {retry_after_secs} seconds."))
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            ApiError::Conflict(reason) => {
                Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(reason)
            }
            ApiError::Internal(e) => Problem::internal(e.as_ref()),
        };
        problem.into_response()
    }
}

impl From<infra::tokens::TokenError> for ApiError {
    fn from(e: infra::tokens::TokenError) -> Self {
        ApiError::Unauthorized(e.to_string())
    }
}

impl From<std::convert::Infallible> for ApiError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
