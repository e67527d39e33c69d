//! `Query`: the query string as typed parameters. A parameter that does not
//! parse is answered as problem+json naming it (422), as a bad body is,
//! instead of axum's plain-text 400; used by the read and the command API.

use crate::problem::Problem;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The query string's parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// Parses a query string; the error names the parameter and the reason.
///
/// # Errors
/// A 422 problem naming the parameter.
// The problem is the answer itself, built once per refused request.
#[allow(clippy::result_large_err)]
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "query".to_string()
        } else {
            path
        };
        Problem::invalid(field, e.inner().to_string())
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parse(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct P {
        kind: Option<u16>,
        #[serde(default)]
        free_now: bool,
    }

    #[test]
    fn a_bad_parameter_is_named() {
        let p: P = parse("kind=20&free_now=true&other=x").unwrap();
        assert_eq!((p.kind, p.free_now), (Some(20), true));
        let problem = parse::<P>("kind=abc").unwrap_err();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "kind");
        assert!(
            problem.errors[0].reason.contains("invalid digit"),
            "{:?}",
            problem.errors
        );
        assert_eq!(
            parse::<P>("free_now=maybe").unwrap_err().errors[0].field,
            "free_now"
        );
    }
}
