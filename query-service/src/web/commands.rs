//! How the portal's forms reach the command API (ADR 0015): the web pages
//! post to the query service (one origin, no JavaScript, the session in an
//! `HttpOnly` cookie), and it sends the command on — over HTTP to the
//! command service in distributed mode, or to the command API's router in
//! the same process in embedded mode. The command API decides as for any
//! client; the pages only show its answer.

use super::page::Lang;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use command_api::CommandResult;
use infra::problem::Problem;
use serde::de::DeserializeOwned;
use serde::Serialize;
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

/// A command as a page sends it: the method and the command API's path,
/// the body (one of the command API's own types, serialised here) and the
/// version it changes (`If-Match`).
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// `POST`, `PATCH`, ...
    pub method: Method,
    /// The command API's path (without `/api/v1`), its segments encoded.
    pub path: String,
    /// The body, when the command has one.
    pub body: Option<Value>,
    /// The version the command changes.
    pub if_match: Option<String>,
}

impl Command {
    /// `POST path` with `body`.
    pub fn post(path: impl Into<String>, body: &impl Serialize) -> Self {
        Self {
            method: Method::POST,
            path: path.into(),
            body: Some(serde_json::to_value(body).unwrap_or(Value::Null)),
            if_match: None,
        }
    }

    /// `POST path` without a body (a transition: open, close, approve).
    pub fn post_bare(path: impl Into<String>) -> Self {
        Self {
            method: Method::POST,
            path: path.into(),
            body: None,
            if_match: None,
        }
    }

    /// `PATCH path` with `body`, changing `version`.
    pub fn patch(path: impl Into<String>, body: &impl Serialize, version: String) -> Self {
        Self {
            method: Method::PATCH,
            if_match: Some(version),
            ..Self::post(path, body)
        }
    }
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
    /// The body of an accepted command as `T` (`None` for a refusal).
    pub fn accepted<T: DeserializeOwned>(&self) -> Option<T> {
        if !self.status.is_success() {
            return None;
        }
        serde_json::from_value(self.body.clone()).ok()
    }

    /// `transaction:position` of the change, to wait for the read models (read your writes).
    pub fn after(&self) -> Option<String> {
        self.accepted::<CommandResult>()?.after()
    }

    /// What a refusal says, in `lang`: its detail and every named field with its reason.
    pub fn refusal(&self, lang: Lang) -> String {
        self.refusal_labelled(lang, &[])
    }

    /// [`Answer::refusal`] with the fields a form shows named by their
    /// labels (`labels`: a field's path in the body, without its index, and
    /// the label): `contacts.emails[1]` → "E-maily (oddělené čárkou)". In
    /// Czech, the reasons the portal knows are said in Czech.
    pub fn refusal_labelled(&self, lang: Lang, labels: &[(&str, &str)]) -> String {
        let said = |text: &str| super::refusals::in_language(lang, text);
        let Ok(problem) = serde_json::from_value::<Problem>(self.body.clone()) else {
            return format!(
                "{} ({})",
                lang.tr("Příkaz nebyl přijat", "the command was refused"),
                self.status
            );
        };
        let label = |field: &str| {
            let path = field.split('[').next().unwrap_or(field);
            labels
                .iter()
                .find(|(f, _)| *f == path)
                .map_or(field.to_string(), |(_, l)| (*l).to_string())
        };
        if !labels.is_empty() && !problem.errors.is_empty() {
            let named: Vec<String> = problem
                .errors
                .iter()
                .map(|e| format!("{}: {}", label(&e.field), said(&e.reason)))
                .collect();
            return named.join("; ");
        }
        if !problem.errors.is_empty() {
            let named: Vec<String> = problem
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, said(&e.reason)))
                .collect();
            return named.join("; ");
        }
        said(&problem.detail.unwrap_or(problem.title))
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

    /// Sends `command` as the holder of `token`, with an `Idempotency-Key` when given.
    ///
    /// # Errors
    /// When the command API cannot be reached (not when it refuses).
    pub async fn run(
        &self,
        command: &Command,
        token: &str,
        idempotency_key: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let headers: Vec<(&str, &str)> = [
            idempotency_key.map(|k| ("Idempotency-Key", k)),
            command.if_match.as_deref().map(|v| ("If-Match", v)),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.send(
            command.method.clone(),
            &command.path,
            Some(token),
            &headers,
            command.body.as_ref(),
        )
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
        let mut headers = headers.to_vec();
        let payload = match body {
            Some(b) => {
                headers.push(("Content-Type", "application/json"));
                Payload::Bytes(serde_json::to_vec(b)?)
            }
            None => Payload::Bytes(Vec::new()),
        };
        self.exchange(method, path, token, &headers, payload).await
    }

    /// Uploads a file (`POST /files`) as the holder of `token`, streamed as it comes.
    ///
    /// # Errors
    /// When the command API cannot be reached or the body broke off (not when it refuses).
    pub async fn upload(
        &self,
        token: &str,
        name: &str,
        content_type: &str,
        body: infra::files::ByteStream,
    ) -> anyhow::Result<Answer> {
        let disposition = format!(
            "attachment; filename*=UTF-8''{}",
            infra::files::encoded(name)
        );
        let headers = [
            ("Content-Type", content_type),
            ("Content-Disposition", disposition.as_str()),
        ];
        self.exchange(
            Method::POST,
            "/files",
            Some(token),
            &headers,
            Payload::Stream(body),
        )
        .await
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        payload: Payload,
    ) -> anyhow::Result<Answer> {
        let (status, bytes) = match self {
            Self::Remote { base, client } => {
                let mut request = client.request(method, format!("{base}/api/v1{path}"));
                request = match payload {
                    Payload::Bytes(b) => request.body(b),
                    Payload::Stream(s) => request.body(reqwest::Body::wrap_stream(s)),
                };
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                for (k, v) in headers {
                    request = request.header(*k, *v);
                }
                let response = request.send().await?;
                let status = StatusCode::from_u16(response.status().as_u16())?;
                (status, response.bytes().await?)
            }
            Self::Local(router) => {
                let mut request = Request::builder()
                    .method(method)
                    .uri(format!("/api/v1{path}"));
                if let Some(token) = token {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                for (k, v) in headers {
                    request = request.header(*k, *v);
                }
                let body = match payload {
                    Payload::Bytes(b) => Body::from(b),
                    Payload::Stream(s) => Body::from_stream(s),
                };
                let response = router.clone().oneshot(request.body(body)?).await?;
                let status = response.status();
                (
                    status,
                    axum::body::to_bytes(response.into_body(), ANSWER_LIMIT).await?,
                )
            }
        };
        Ok(Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        })
    }
}

/// What a request to the command API carries.
enum Payload {
    /// Bytes in hand (JSON, or nothing).
    Bytes(Vec<u8>),
    /// A file, as it arrives.
    Stream(infra::files::ByteStream),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_refusal_names_its_fields_by_their_labels_when_a_form_has_them() {
        let answer = Answer {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "type": "x", "title": "The request is not valid", "status": 422,
                "detail": "contacts.emails[1]: is not an e-mail address",
                "errors": [{ "field": "contacts.emails[1]", "reason": "is not an e-mail address" },
                           { "field": "name", "reason": "is empty" }] }),
        };
        assert_eq!(
            answer.refusal(Lang::En),
            "contacts.emails[1]: is not an e-mail address; name: is empty"
        );
        assert_eq!(
            answer.refusal_labelled(Lang::En, &[("contacts.emails", "E-maily")]),
            "E-maily: is not an e-mail address; name: is empty"
        );
        let czech = Answer {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "type": "x", "title": "The request is not valid", "status": 422,
                "errors": [{ "field": "contacts.emails[0]", "reason": "\"jana@\" is not an e-mail address" },
                           { "field": "name", "reason": "must not be empty" }] }),
        };
        assert_eq!(
            czech.refusal_labelled(
                Lang::Cs,
                &[("contacts.emails", "E-maily"), ("name", "Název")]
            ),
            "E-maily: \"jana@\" není e-mailová adresa; Název: je třeba vyplnit"
        );
        let refused = Answer {
            status: StatusCode::CONFLICT,
            body: json!({ "type": "x", "title": "The command does not fit the record's current state",
                "status": 409, "detail": "the survey is closed" }),
        };
        assert_eq!(refused.refusal(Lang::Cs), "Anketa je uzavřená.");
        assert_eq!(refused.refusal(Lang::En), "the survey is closed");
        let not_json = Answer {
            status: StatusCode::BAD_GATEWAY,
            body: Value::Null,
        };
        assert_eq!(
            not_json.refusal_labelled(Lang::En, &[]),
            "the command was refused (502 Bad Gateway)"
        );
    }
}
