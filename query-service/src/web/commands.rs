//! How the portal's forms reach the command API (ADR 0015): the web pages
//! post to the query service (one origin, no JavaScript, the session in an
//! `HttpOnly` cookie), and it sends the command on — over HTTP to the
//! command service in distributed mode, or to the command API's router in
//! the same process in embedded mode. The command API decides as for any
//! client; the pages only show its answer.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

/// Where commands go.
#[derive(Clone)]
pub enum Commands {
    /// The command service at this base address (`PORTAL_COMMAND_URL`), distributed mode.
    Remote {
        /// E.g. `http://127.0.0.1:8081`.
        base: String,
        /// The HTTP client.
        client: reqwest::Client,
    },
    /// The command API's router (mounted at `/api/v1`) in this process, embedded mode.
    Local(axum::Router),
}

/// The command API's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its body (problem+json or the result), `null` when empty.
    pub body: Value,
}

impl Answer {
    /// `transaction:position` of the change, to wait for the read models (read your writes).
    pub fn after(&self) -> Option<String> {
        let tx = self.body.get("transaction_id")?;
        let position = self.body.get("global_position")?;
        Some(format!("{tx}:{position}"))
    }

    /// What a refusal says: its detail and every named field with its reason.
    pub fn refusal(&self) -> String {
        let mut text = self.body["detail"]
            .as_str()
            .or_else(|| self.body["title"].as_str())
            .unwrap_or("the command was refused")
            .to_string();
        for e in self.body["errors"].as_array().into_iter().flatten() {
            let field = e["field"].as_str().unwrap_or_default();
            let reason = e["reason"].as_str().unwrap_or_default();
            let named = format!("{field}: {reason}");
            // The detail often is the one error already.
            if !text.contains(&named) {
                text.push_str(&format!("; {named}"));
            }
        }
        text
    }
}

/// Longest answer read back from the command API.
const ANSWER_LIMIT: usize = 1 << 20;

impl Commands {
    /// The command service at `base`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn remote(base: &str) -> anyhow::Result<Self> {
        Ok(Self::Remote {
            base: base.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
        })
    }

    /// POSTs `body` to the command API's `path` (without `/api/v1`), as the
    /// holder of `token`, with an `Idempotency-Key` when given.
    ///
    /// # Errors
    /// When the command API cannot be reached (not when it refuses).
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        idempotency_key: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Answer> {
        let headers: Vec<(&str, &str)> = idempotency_key
            .map(|k| ("Idempotency-Key", k))
            .into_iter()
            .collect();
        self.send(Method::POST, path, token, &headers, Some(body))
            .await
    }

    /// Sends a request to the command API's `path` (without `/api/v1`) as the
    /// holder of `token`, with these headers and JSON body.
    ///
    /// # Errors
    /// When the command API cannot be reached (not when it refuses).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<Answer> {
        match self {
            Self::Remote { base, client } => {
                let mut request = client.request(method, format!("{base}/api/v1{path}"));
                if let Some(body) = body {
                    request = request.json(body);
                }
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                for (k, v) in headers {
                    request = request.header(*k, *v);
                }
                let response = request.send().await?;
                let status = StatusCode::from_u16(response.status().as_u16())?;
                let bytes = response.bytes().await?;
                Ok(Answer {
                    status,
                    body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                })
            }
            Self::Local(router) => {
                let mut request = Request::builder()
                    .method(method)
                    .uri(format!("/api/v1{path}"))
                    .header(header::CONTENT_TYPE, "application/json");
                if let Some(token) = token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                for (k, v) in headers {
                    request = request.header(*k, *v);
                }
                let bytes = match body {
                    Some(b) => serde_json::to_vec(b)?,
                    None => Vec::new(),
                };
                let response = router
                    .clone()
                    .oneshot(request.body(Body::from(bytes))?)
                    .await?;
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), ANSWER_LIMIT).await?;
                Ok(Answer {
                    status,
                    body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                })
            }
        }
    }
}
