//! Problem details for HTTP APIs (RFC 9457): the one error body every
//! service answers with, `application/problem+json`, naming each offending
//! field and the reason. Server errors are logged with their cause chain and
//! answered with a generic message.

use crate::event_store::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field, as a JSON pointer-like path (`stream_id`, `forms[0].capacity`).
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The invalid fields, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension members (RFC 9457 §3.2), e.g. `current_version` of a conflict.
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with a status, a type slug (`validation`, `conflict`, ...) and a title.
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("https://portal.example/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds the detail.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A 422 naming one field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let error = FieldError {
            field: field.into(),
            reason: reason.into(),
        };
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "The request is not valid",
        )
        .detail(format!("{}: {}", error.field, error.reason))
        .with_errors(vec![error])
    }

    /// Adds an extension member.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.extensions.insert(name.into(), value.into());
        self
    }

    /// Adds field errors.
    #[must_use]
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// A 500 with a generic message; logs the cause chain.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(cause = %chain, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
        .detail("The server could not complete the request; it has been logged.")
    }

    /// A 503 with a generic message; logs the cause.
    pub fn unavailable(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(cause = %cause, "dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service temporarily unavailable",
        )
        .detail("A backing service is not reachable; try again shortly.")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Invalid(err) => Self::invalid(err.field, err.reason.clone()),
            StoreError::WrongExpectedVersion { actual, .. } => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "The record was changed by someone else",
            )
            .detail(e.to_string())
            .with("current_version", actual.unwrap_or(0)),
            StoreError::IdempotencyKeyReused { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "The idempotency key was used for another request",
            )
            .detail(e.to_string()),
            StoreError::Unavailable(_) => Self::unavailable(&e),
            StoreError::Backend(_) => Self::internal(&e),
        }
    }
}

/// An answer of an OpenAPI document that is a problem (`application/problem+json`
/// with the document's `Problem` schema), for the answers a document adds to
/// many operations at once.
#[cfg(feature = "openapi")]
pub fn documented(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use events::{EnvelopeError, ExpectedVersion, StreamRef};

    #[test]
    fn store_errors_map_to_statuses_and_name_the_field() {
        let p = Problem::from(StoreError::Invalid(EnvelopeError {
            field: "stream_id",
            reason: "must not be empty".into(),
        }));
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "stream_id");
        let p = Problem::from(StoreError::WrongExpectedVersion {
            stream: StreamRef::new("provider", "1"),
            expected: ExpectedVersion::Exact(3),
            actual: Some(4),
        });
        assert_eq!(p.status, 409);
        let p = Problem::from(StoreError::Backend(anyhow::anyhow!("secret detail")));
        assert_eq!(p.status, 500);
        assert!(!p.detail.unwrap().contains("secret"));
    }

    #[tokio::test]
    async fn the_body_is_problem_json() {
        let response = Problem::invalid("payload", "must be a JSON object").into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
