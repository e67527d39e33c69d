//! Signing in and out of the portal's pages: the login form posts to the
//! query service, which asks the command API for a session token and keeps
//! it in an `HttpOnly`, `SameSite=Strict` cookie; every page after that
//! checks the token and the account (disabled or erased accounts are out at
//! once) the way the read API checks a bearer token. Forms that change
//! something are refused when their `Origin` is another site's.

use super::commands::{Command, Commands};
use super::page::{self, Lang};
use crate::api::QueryState;
use axum::body::Bytes;
use axum::extract::{FromRequest, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use command_api::accounts::{LoginBody, TokenResponse};
use events::accounts::account::Account;
use events::accounts::role::{Role, Scope};
use serde::de::DeserializeOwned;

/// The session cookie's name.
pub const COOKIE: &str = "portal_session";

/// Who is signed in.
pub struct Visitor {
    /// The account's id.
    pub account_id: uuid::Uuid,
    /// The account's state (roles).
    pub account: Account,
    /// The session token, to send commands as the account.
    pub token: String,
}

impl Visitor {
    /// IČOs of the providers the account administers.
    pub fn providers(&self) -> Vec<String> {
        self.account
            .roles
            .iter()
            .filter_map(|g| match (&g.role, &g.scope) {
                (Role::Provider, Scope::Provider(ico)) => Some(ico.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The session token in the request's cookies.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// The signed-in visitor, when the cookie holds a token the account still admits.
pub async fn visitor(state: &QueryState, headers: &HeaderMap) -> Option<Visitor> {
    let token = token(headers)?;
    let check = state.forum.as_ref()?.accounts.as_ref()?;
    match check.admitted(Some(&format!("Bearer {token}"))).await {
        Ok((account_id, account)) => Some(Visitor {
            account_id,
            account,
            token,
        }),
        Err(e) => {
            tracing::debug!(error = %e, "a session cookie was refused");
            None
        }
    }
}

/// Refuses a form posted from another site (`Origin` not this host).
pub fn same_origin(state: &QueryState, headers: &HeaderMap) -> Result<(), Response> {
    same_origin_as(state.public_url.as_deref(), headers)
}

/// The origin (`scheme://host:port`) of a URL, the port written out.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let with_port = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(']'))
    {
        host
    } else {
        format!("{host}:{default_port}")
    };
    Some(format!("{scheme}://{with_port}"))
}

/// A form's `Origin` must be the portal's public URL (`PORTAL_PUBLIC_URL`:
/// scheme, host and port), or, when none is configured, the request's host.
fn same_origin_as(public_url: Option<&str>, headers: &HeaderMap) -> Result<(), Response> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let same = match public_url {
        Some(public) => origin_of(origin).is_some() && origin_of(origin) == origin_of(public),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            origin.split_once("://").map_or(origin, |(_, h)| h) == host
        }
    };
    if same {
        Ok(())
    } else {
        Err((
            StatusCode::FORBIDDEN,
            "the form was posted from another site",
        )
            .into_response())
    }
}

/// The command API, or a page saying the portal was started without it.
pub fn commands(state: &QueryState, lang: Lang, title: &str) -> Result<Commands, Response> {
    state.commands.clone().ok_or_else(|| {
        super::alert(
            StatusCode::SERVICE_UNAVAILABLE,
            lang,
            title,
            "/prihlaseni",
            lang.texts().no_sign_in_here,
        )
    })
}

/// The login form, again with what was typed and why it failed.
#[derive(askama::Template)]
#[template(path = "session/login.html")]
struct LoginPage<'a> {
    frame: page::Frame<'a>,
    login: &'a str,
    problem: Option<&'a str>,
}

fn login_page_of(lang: Lang, status: StatusCode, login: &str, problem: Option<&str>) -> Response {
    let page = LoginPage {
        frame: page::Frame {
            lang,
            title: title(lang),
            path: "/prihlaseni",
        },
        login,
        problem,
    };
    (status, page::render(&page)).into_response()
}

fn title(lang: Lang) -> &'static str {
    lang.texts().sign_in_title
}

/// `GET /prihlaseni`: the login form.
pub async fn login_page(RawQuery(raw): RawQuery) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    login_page_of(lang, StatusCode::OK, "", None)
}

/// The `X-Forwarded-For` to send on: what came in, then the peer.
pub fn forwarded_for(headers: &HeaderMap, peer: Option<std::net::IpAddr>) -> String {
    let came = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_hexdigit() || ".:, ".contains(c))
        });
    let peer = peer.map(|p| p.to_string());
    [came.map(str::to_string), peer]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The login form as it is posted.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct LoginForm {
    login: String,
    password: String,
}

/// `POST /prihlaseni`: asks the command API for a session and keeps it in the cookie.
pub async fn login(
    State(state): State<QueryState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    let commands = match commands(&state, lang, title(lang)) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let form: LoginForm = serde_html_form::from_bytes(&body).unwrap_or_default();
    let LoginForm { login, password } = form;
    // The command API limits failed logins per client: it is told the browser's address.
    let forwarded = forwarded_for(&headers, peer.map(|p| p.0 .0.ip()));
    let body = serde_json::to_value(LoginBody {
        login: login.clone(),
        password,
    })
    .unwrap_or_default();
    let answer = match commands
        .send(
            axum::http::Method::POST,
            "/auth/login",
            None,
            &[("X-Forwarded-For", forwarded.as_str())],
            Some(&body),
        )
        .await
    {
        Ok(a) => a,
        Err(e) => return unreachable_commands(lang, title(lang), &e),
    };
    let refused = |status: StatusCode, text: &str| login_page_of(lang, status, &login, Some(text));
    if answer.status != StatusCode::OK {
        let text = match answer.status {
            StatusCode::UNAUTHORIZED => lang.texts().wrong_login.to_string(),
            StatusCode::TOO_MANY_REQUESTS => lang.texts().too_many_attempts.to_string(),
            _ => answer.refusal(lang),
        };
        return refused(answer.status, &text);
    }
    let Some(session) = answer.accepted::<TokenResponse>() else {
        return refused(StatusCode::BAD_GATEWAY, "no token in the answer");
    };
    let max_age = (session.expires_at - time::OffsetDateTime::now_utc())
        .whole_seconds()
        .max(0);
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!(
                    "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}",
                    session.token
                ),
            ),
            (header::LOCATION, format!("/moje?lang={}", lang.code())),
        ],
    )
        .into_response()
}

/// `POST /odhlaseni`: ends the session at the command API (a copy of the
/// cookie no longer works) and forgets the cookie.
pub async fn logout(State(state): State<QueryState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    if let (Some(token), Some(commands)) = (token(&headers), state.commands.as_ref()) {
        match commands
            .run(&Command::post_bare("/auth/logout"), &token, None)
            .await
        {
            Ok(a) if a.status == StatusCode::OK || a.status == StatusCode::UNAUTHORIZED => {}
            Ok(a) => tracing::warn!(status = %a.status, "the session could not be ended"),
            Err(e) => return unreachable_commands(lang, title(lang), &e),
        }
    }
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to(&format!("/?lang={}", lang.code())),
    )
        .into_response()
}

/// The page when the command API cannot be reached.
pub fn unreachable_commands(lang: Lang, title: &str, e: &anyhow::Error) -> Response {
    tracing::warn!(error = %e, "the command API could not be reached");
    super::alert(
        StatusCode::BAD_GATEWAY,
        lang,
        title,
        "/",
        lang.texts().commands_unreachable,
    )
}

/// A form posted by a signed-in visitor, checked: from this site, read as
/// `T` (its fields by name; a name may repeat for a list), with its
/// language, the visitor and the command API. Another site's form is
/// refused (403), a visitor not signed in goes to the login form, a portal
/// without the command API says so, and a form that is not a `T` is
/// refused (422) naming what is wrong.
pub struct SignedIn<T> {
    /// The form.
    pub form: T,
    /// Its language.
    pub lang: Lang,
    /// Who posted it.
    pub visitor: Visitor,
    /// Where its command goes.
    pub commands: Commands,
}

/// The field every form of the portal carries: the page's language.
#[derive(serde::Deserialize)]
struct FormLang {
    #[serde(default)]
    lang: Option<String>,
}

/// The language of a posted form (its `lang` field).
pub fn lang_of_form(body: &[u8]) -> Lang {
    match serde_html_form::from_bytes::<FormLang>(body) {
        Ok(FormLang { lang: Some(l) }) if l == "en" => Lang::En,
        _ => Lang::Cs,
    }
}

impl<T: DeserializeOwned> FromRequest<QueryState> for SignedIn<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &QueryState) -> Result<Self, Response> {
        let headers = request.headers().clone();
        same_origin(state, &headers)?;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if content_type.starts_with("multipart/form-data") {
            // A form with files: the visitor first, as whom the files are sent on.
            let Some(visitor) = visitor(state, &headers).await else {
                return Err(to_login(Lang::Cs));
            };
            let commands = commands(state, Lang::Cs, super::self_service::title(Lang::Cs))?;
            let body =
                super::uploads::read(&commands, &visitor.token, &content_type, request.into_body())
                    .await
                    .ok_or_else(|| {
                        super::alert(
                            StatusCode::BAD_REQUEST,
                            Lang::Cs,
                            super::self_service::title(Lang::Cs),
                            "/moje",
                            "Formulář nedorazil celý, nebo byly jeho soubory dohromady příliš velké; odešlete jej prosím znovu.",
                        )
                    })?;
            let lang = lang_of_form(&body);
            return Self::of(&body, lang, visitor, commands);
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let lang = lang_of_form(&body);
        let Some(visitor) = visitor(state, &headers).await else {
            return Err(to_login(lang));
        };
        let title = super::self_service::title(lang);
        let commands = commands(state, lang, title)?;
        Self::of(&body, lang, visitor, commands)
    }
}

impl<T: DeserializeOwned> SignedIn<T> {
    /// The form read from its urlencoded `body`.
    fn of(body: &[u8], lang: Lang, visitor: Visitor, commands: Commands) -> Result<Self, Response> {
        let title = super::self_service::title(lang);
        let form = serde_html_form::from_bytes(body).map_err(|e| {
            super::alert(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                title,
                "/moje",
                &e.to_string(),
            )
        })?;
        Ok(Self {
            form,
            lang,
            visitor,
            commands,
        })
    }
}

/// Waits until the read models hold an accepted command, so that the next
/// page shows it (read your writes); a timeout is logged, not shown.
pub async fn settle(state: &QueryState, answer: &super::commands::Answer) {
    if let Err(problem) = crate::api::wait_after(state, answer.after().as_deref()).await {
        tracing::warn!(detail = ?problem.detail, "the change is not in the read models yet");
    }
}

/// Sends the visitor to the login form.
pub fn to_login(lang: Lang) -> Response {
    Redirect::to(&format!("/prihlaseni?lang={}", lang.code())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_and_the_origin_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; portal_session=abc.def; b=2".parse().unwrap(),
        );
        assert_eq!(token(&h).as_deref(), Some("abc.def"));
        h.insert(header::COOKIE, "portal_session=".parse().unwrap());
        assert_eq!(token(&h), None);
        h.insert(header::HOST, "127.0.0.1:8082".parse().unwrap());
        assert!(
            same_origin_as(None, &h).is_ok(),
            "no Origin: a form of this site or not a browser"
        );
        h.insert(header::ORIGIN, "http://127.0.0.1:8082".parse().unwrap());
        assert!(same_origin_as(None, &h).is_ok());
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert_eq!(
            same_origin_as(None, &h).unwrap_err().status(),
            StatusCode::FORBIDDEN
        );
        // With a public URL, its scheme, host and port decide, not the Host header.
        let public = Some("https://socialni.mesto.cz/");
        for (origin, ok) in [
            ("https://socialni.mesto.cz", true),
            ("https://SOCIALNI.mesto.cz:443", true),
            ("http://socialni.mesto.cz", false),
            ("https://socialni.mesto.cz:8443", false),
            ("https://127.0.0.1:8082", false),
            ("null", false),
        ] {
            h.insert(header::ORIGIN, origin.parse().unwrap());
            h.insert(header::HOST, "socialni.mesto.cz".parse().unwrap());
            assert_eq!(same_origin_as(public, &h).is_ok(), ok, "{origin}");
        }
        assert_eq!(lang_of_form(b"q=a&lang=en&q=b+c"), Lang::En);
        for other in [&b"lang=cs"[..], b"", b"lang=en&lang=cs", b"%ff=\xff"] {
            assert_eq!(lang_of_form(other), Lang::Cs);
        }
    }
}
