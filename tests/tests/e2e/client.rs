//! A small HTTP client for the command API: JSON in, status and JSON out,
//! with an optional bearer token and extra headers.

use reqwest::Method;
use serde_json::Value;

/// An answer: status, headers we look at, and the JSON body (or `Null`).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub etag: Option<String>,
    pub body: Value,
}

impl Answer {
    /// `after=` for a read that must see this command's change.
    pub fn after(&self) -> String {
        format!(
            "{}:{}",
            self.body["transaction_id"], self.body["global_position"]
        )
    }

    /// The `field`s named by a problem+json 422.
    pub fn fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A client of one running portal or command service.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    pub fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    /// The same token sent to another server (another instance).
    pub fn with_base(&self, base: &str) -> Self {
        Self {
            base: base.to_string(),
            ..self.clone()
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let etag = header("etag");
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            etag,
            body,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// Logs in and returns a client with the session token.
    pub async fn login(&self, login: &str, password: &str) -> Client {
        let answer = self
            .post(
                "/auth/login",
                serde_json::json!({ "login": login, "password": password }),
            )
            .await;
        assert_eq!(answer.status, 200, "login of {login}: {:?}", answer.body);
        self.with_token(answer.body["token"].as_str().unwrap())
    }
}
