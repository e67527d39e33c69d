//! Request extractors of the command API: a [`Command`] (who sends it, the
//! command headers `Idempotency-Key`, `If-Match`, `X-Correlation-Id`, and
//! its typed body), a JSON body whose errors name the field, the client's
//! address.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandContext;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A JSON body; a malformed one is a 422 naming the field (by its path), and
/// so is a text longer than any field takes ([`MAX_TEXT_CHARS`]).
pub struct JsonBody<T>(pub T);

/// The longest text any field of a command takes (the minutes of a meeting).
pub const MAX_TEXT_CHARS: usize = 50_000;

/// The length in bytes of the longest string literal of a JSON text (its
/// raw bytes, escapes included): a text of more characters has more bytes.
fn longest_string(json: &[u8]) -> usize {
    let (mut longest, mut current, mut inside, mut escaped) = (0, 0, false, false);
    for &b in json {
        if !inside {
            inside = b == b'"';
            current = 0;
        } else if escaped {
            escaped = false;
            current += 1;
        } else if b == b'\\' {
            escaped = true;
            current += 1;
        } else if b == b'"' {
            inside = false;
            longest = longest.max(current);
        } else {
            current += 1;
        }
    }
    longest.max(current)
}

/// The path of the first text (or key) longer than `max` characters.
fn overlong(value: &serde_json::Value, path: &str, max: usize) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(s) if s.chars().count() > max => Some(if path.is_empty() {
            "body".into()
        } else {
            path.to_string()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| overlong(v, &format!("{path}[{i}]"), max)),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.chars().count() > max {
                Some(join("(key)"))
            } else {
                overlong(v, &join(k), max)
            }
        }),
        _ => None,
    }
}

/// Refuses a body holding a text longer than [`MAX_TEXT_CHARS`].
fn check_texts(bytes: &[u8]) -> Result<(), ApiError> {
    if longest_string(bytes) <= MAX_TEXT_CHARS {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // malformed: the deserializer names the problem
    };
    match overlong(&value, "", MAX_TEXT_CHARS) {
        Some(field) => Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_TEXT_CHARS} characters"),
        )),
        None => Ok(()),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid("body", e.body_text()))?;
        check_texts(&bytes)?;
        // No body is `null`: a command that takes none ([`NoBody`]) accepts it.
        let json: &[u8] = if bytes.trim_ascii().is_empty() {
            b"null"
        } else {
            &bytes
        };
        let mut de = serde_json::Deserializer::from_slice(json);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => Ok(Self(value)),
            Err(e) => {
                let path = e.path().to_string();
                let reason = e.into_inner().to_string();
                // A missing field is reported at its parent: name the field itself.
                let missing = reason
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next());
                if json == b"null" {
                    return Err(ApiError::invalid(
                        "body",
                        "is missing: a JSON body is expected",
                    ));
                }
                let field = match (path.as_str(), missing) {
                    (".", Some(name)) => name.to_string(),
                    (_, Some(name)) => format!("{path}.{name}"),
                    (".", None) => "body".to_string(),
                    _ => path,
                };
                Err(ApiError::invalid(field, reason))
            }
        }
    }
}

/// One command as its handler receives it, the shape every command endpoint
/// shares: who sends it (`S`), the headers that steer it and its typed body
/// (`B`). The sender is a signed-in [`Principal`] (the default), an
/// `Option<Principal>` where the public may write too (the forum), or
/// [`Public`]; a command without a body takes [`NoBody`].
///
/// A handler of a signed-in command starts with
/// `let (principal, ctx, body) = command.into_parts();`.
pub struct Command<B = NoBody, S = Principal> {
    /// Who sends it.
    pub principal: S,
    /// `Idempotency-Key`, `If-Match`, `X-Correlation-Id`.
    pub headers: CommandHeaders,
    /// What it asks for.
    pub body: B,
}

impl<B, S> FromRequest<AppState> for Command<B, S>
where
    B: DeserializeOwned + Send + 'static,
    S: FromRequestParts<AppState> + Send,
    ApiError: From<S::Rejection>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (mut parts, body) = req.into_parts();
        let principal = S::from_request_parts(&mut parts, state).await?;
        let headers = CommandHeaders::from_request_parts(&mut parts, state).await?;
        let body = if std::any::TypeId::of::<B>() == std::any::TypeId::of::<NoBody>() {
            // Whatever a command without a body is sent (a form's fields, say) is not read.
            serde_json::from_slice(b"null").map_err(|e| ApiError::invalid("body", e.to_string()))?
        } else {
            JsonBody::from_request(Request::from_parts(parts, body), state)
                .await?
                .0
        };
        Ok(Self {
            principal,
            headers,
            body,
        })
    }
}

impl<B> Command<B> {
    /// The principal, the context its command is recorded in (the
    /// principal's actor, the headers) and the body.
    pub fn into_parts(self) -> (Principal, CommandContext, B) {
        let ctx = CommandContext::new(self.principal.actor(), self.headers);
        (self.principal, ctx, self.body)
    }
}

/// The body of a command that takes none: whatever is sent is not read.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBody;

impl<'de> serde::Deserialize<'de> for NoBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Self)
    }
}

/// The sender of a command anyone may send (a registration, a password
/// link): no token is read.
#[derive(Debug, Clone, Copy)]
pub struct Public;

impl<S: Send + Sync> FromRequestParts<S> for Public {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self)
    }
}

/// The headers that steer a command.
#[derive(Debug, Clone, Default)]
pub struct CommandHeaders {
    /// `Idempotency-Key`: the same key again returns the first result.
    pub idempotency_key: Option<String>,
    /// `If-Match`: the version the client expects (`"3"` or `3`).
    pub if_match: Option<u64>,
    /// `X-Correlation-Id`, or a new one.
    pub correlation_id: Uuid,
    /// The digest of the request when it carries an `Idempotency-Key`
    /// ([`fingerprint_requests`]): the same key with another request is refused.
    pub fingerprint: Option<RequestFingerprint>,
}

/// A digest (BLAKE2b-128) of a request's method, path and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestFingerprint(pub [u8; 16]);

/// Middleware: a request with an `Idempotency-Key` gets its
/// [`RequestFingerprint`], so that the key's retry can be told from a
/// different request sent under the same key.
pub async fn fingerprint_requests(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use blake2::digest::consts::U16;
    use blake2::{Blake2b, Digest};
    // An upload is its own fingerprint (the file's hash), and is never held in memory.
    let upload = request.method() == axum::http::Method::POST
        && matches!(request.uri().path(), "/files" | infra::http::FILE_UPLOADS);
    if upload || !request.headers().contains_key("idempotency-key") {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    // The body limit of the outer layers bounds this read.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::invalid("body", "could not be read (too large?)").into_response();
    };
    let digest = Blake2b::<U16>::new()
        .chain_update(parts.method.as_str())
        .chain_update([0])
        .chain_update(parts.uri.path())
        .chain_update([0])
        .chain_update(&bytes)
        .finalize();
    parts.extensions.insert(RequestFingerprint(digest.into()));
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

impl<S: Send + Sync> FromRequestParts<S> for CommandHeaders {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let text = |name: &str| -> Result<Option<String>, ApiError> {
            parts
                .headers
                .get(name)
                .map(|v| {
                    v.to_str()
                        .map(|s| s.trim().to_string())
                        .map_err(|_| ApiError::invalid(name, "must be visible ASCII"))
                })
                .transpose()
        };
        let fingerprint = parts.extensions.get::<RequestFingerprint>().copied();
        let idempotency_key = text("idempotency-key")?;
        if let Some(k) = &idempotency_key {
            if k.is_empty() || k.len() > 100 {
                return Err(ApiError::invalid(
                    "Idempotency-Key",
                    "must be 1–100 characters",
                ));
            }
        }
        let if_match = text("if-match")?
            .map(|v| {
                v.trim_start_matches("W/")
                    .trim_matches('"')
                    .parse::<u64>()
                    .map_err(|_| {
                        ApiError::invalid("If-Match", "must be the record's version, e.g. \"3\"")
                    })
            })
            .transpose()?;
        let correlation_id = text("x-correlation-id")?
            .map(|v| {
                Uuid::parse_str(&v)
                    .map_err(|_| ApiError::invalid("X-Correlation-Id", "must be a UUID"))
            })
            .transpose()?
            .unwrap_or_else(Uuid::now_v7);
        Ok(Self {
            idempotency_key,
            if_match,
            correlation_id,
            fingerprint,
        })
    }
}

/// The client's address, for limits on what one client may try: the
/// socket's peer, or the address a trusted proxy (`PORTAL_TRUSTED_PROXIES`)
/// or the web pages of this process forwarded in `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl ClientAddr {
    /// The key the limiter counts under.
    pub fn key(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    }

    /// The client of a request from `peer` (none: a call within this process)
    /// with the `X-Forwarded-For` header `forwarded`: walking the list from the
    /// right, the first address that is not a trusted proxy.
    pub fn resolve(
        peer: Option<std::net::IpAddr>,
        forwarded: Option<&str>,
        trusted: &[std::net::IpAddr],
    ) -> Self {
        let trusts = |ip: &std::net::IpAddr| trusted.contains(ip);
        if peer.as_ref().is_some_and(|p| !trusts(p)) {
            return Self(peer);
        }
        let hops: Vec<std::net::IpAddr> = forwarded
            .unwrap_or_default()
            .split(',')
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        Self(
            hops.iter()
                .rev()
                .find(|ip| !trusts(ip))
                .or(hops.first())
                .copied()
                .or(peer),
        )
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Self::resolve(peer, forwarded, &state.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::{check_texts, longest_string, ClientAddr, MAX_TEXT_CHARS};

    #[test]
    fn a_text_longer_than_any_field_takes_is_named() {
        assert_eq!(
            longest_string(br#"{"a":"xyz","b":"\"q\""}"#),
            5,
            "escapes counted raw"
        );
        let long = "ž".repeat(MAX_TEXT_CHARS);
        let ok = serde_json::json!({ "minutes": long }).to_string();
        assert!(
            check_texts(ok.as_bytes()).is_ok(),
            "50,000 characters of 2 bytes each"
        );
        let body = serde_json::json!({ "details": { "items": [{ "name": "x".repeat(MAX_TEXT_CHARS + 1) }] } });
        match check_texts(body.to_string().as_bytes()) {
            Err(crate::error::ApiError::Invalid { field, .. }) => {
                assert_eq!(field, "details.items[0].name");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_a_trusted_peer_may_name_the_client() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let proxy = [ip("10.0.0.1")];
        let client = |peer: Option<&str>, header: Option<&str>| {
            ClientAddr::resolve(peer.map(ip), header, &proxy).key()
        };
        assert_eq!(client(Some("192.0.2.7"), Some("1.1.1.1")), "192.0.2.7");
        assert_eq!(client(Some("10.0.0.1"), Some("1.1.1.1")), "1.1.1.1");
        assert_eq!(
            client(Some("10.0.0.1"), Some("6.6.6.6, 1.1.1.1, 10.0.0.1")),
            "1.1.1.1",
            "a client cannot prepend an address of its choice"
        );
        assert_eq!(client(Some("10.0.0.1"), None), "10.0.0.1");
        assert_eq!(
            client(None, Some("1.1.1.1")),
            "1.1.1.1",
            "the web pages of this process"
        );
        assert_eq!(client(None, None), "unknown");
    }
}
