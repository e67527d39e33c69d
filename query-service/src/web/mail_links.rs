//! The pages the links of the portal's e-mail open, and the one that sends
//! such a link: `/zapomenute-heslo` asks for a link that sets a new
//! password, `/nove-heslo?t=…` sets it (a reset or a new account's
//! invitation), `/odhlaseni-zprav?t=…` stops a kind of message. Each posts
//! to the command API (ADR 0021); a refusal shows the form again with the
//! reason in Czech.

use super::commands::Answer;
use super::page::{self, Frame, Lang};
use super::session::{commands, forwarded_for, lang_of_form, same_origin, unreachable_commands};
use crate::api::QueryState;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The token of a link.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Token {
    pub(super) t: String,
}

#[derive(askama::Template)]
#[template(path = "session/forgotten.html")]
struct ForgottenPage<'a> {
    frame: Frame<'a>,
    who: &'a str,
    problem: Option<&'a str>,
}

#[derive(askama::Template)]
#[template(path = "session/new_password.html")]
struct NewPasswordPage<'a> {
    frame: Frame<'a>,
    token: &'a str,
    problem: Option<&'a str>,
}

#[derive(askama::Template)]
#[template(path = "session/unsubscribe.html")]
struct UnsubscribePage<'a> {
    frame: Frame<'a>,
    token: &'a str,
    problem: Option<&'a str>,
}

pub(super) fn lang_of(raw: Option<&str>) -> Lang {
    Lang::from_query(raw.unwrap_or_default())
}

fn forgotten_title(lang: Lang) -> &'static str {
    lang.tr("Zapomenuté heslo", "Forgotten password")
}

fn new_password_title(lang: Lang) -> &'static str {
    lang.tr("Nové heslo", "New password")
}

fn unsubscribe_title(lang: Lang) -> &'static str {
    lang.tr("Odhlášení zpráv", "Stop messages")
}

fn forgotten(lang: Lang, status: StatusCode, who: &str, problem: Option<&str>) -> Response {
    let page = ForgottenPage {
        frame: Frame {
            lang,
            title: forgotten_title(lang),
            path: "/zapomenute-heslo",
        },
        who,
        problem,
    };
    (status, page::render(&page)).into_response()
}

fn new_password(lang: Lang, status: StatusCode, token: &str, problem: Option<&str>) -> Response {
    let page = NewPasswordPage {
        frame: Frame {
            lang,
            title: new_password_title(lang),
            path: "/nove-heslo",
        },
        token,
        problem,
    };
    (status, page::render(&page)).into_response()
}

fn unsubscribe_page(
    lang: Lang,
    status: StatusCode,
    token: &str,
    problem: Option<&str>,
) -> Response {
    let page = UnsubscribePage {
        frame: Frame {
            lang,
            title: unsubscribe_title(lang),
            path: "/odhlaseni-zprav",
        },
        token,
        problem,
    };
    (status, page::render(&page)).into_response()
}

/// `GET /zapomenute-heslo`.
pub async fn forgotten_form(RawQuery(raw): RawQuery) -> Response {
    forgotten(lang_of(raw.as_deref()), StatusCode::OK, "", None)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ForgottenForm {
    who: String,
}

/// The browser's address, as the command API's limits count it.
pub(super) type Peer = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

/// What a form posts to the command API: where, on whose behalf, for which page.
pub(super) struct Post<'a> {
    pub(super) lang: Lang,
    pub(super) title: &'a str,
    pub(super) path: &'a str,
    /// `X-Forwarded-For`: the command API limits requests per browser.
    pub(super) forwarded: String,
}

/// The command API's answer, or the page saying it cannot be reached.
async fn post(
    state: &QueryState,
    to: &Post<'_>,
    body: Option<&serde_json::Value>,
) -> Result<Answer, Response> {
    let commands = commands(state, to.lang, to.title)?;
    commands
        .send(
            Method::POST,
            to.path,
            None,
            &[("X-Forwarded-For", to.forwarded.as_str())],
            body,
        )
        .await
        .map_err(|e| unreachable_commands(to.lang, to.title, &e))
}

/// What the command API made of a form.
pub(super) enum Submitted {
    /// Accepted.
    Done,
    /// Refused: the status, and why in the page's language.
    Refused(StatusCode, String),
    /// The command API cannot be reached: the page that says so.
    Unreachable(Response),
}

/// Posts a form's request; `expected` is the status of its success, and
/// `labels` name the fields of a refusal as the form shows them.
pub(super) async fn submit(
    state: &QueryState,
    to: Post<'_>,
    body: Option<&serde_json::Value>,
    expected: StatusCode,
    labels: &[(&str, &str)],
) -> Submitted {
    let answer = match post(state, &to, body).await {
        Ok(a) => a,
        Err(page) => return Submitted::Unreachable(page),
    };
    if answer.status == expected {
        return Submitted::Done;
    }
    let text = match answer.status {
        StatusCode::TOO_MANY_REQUESTS => to.lang.texts().too_many_attempts.to_string(),
        _ => answer.refusal_labelled(to.lang, labels),
    };
    Submitted::Refused(answer.status, text)
}

pub(super) fn forwarded(headers: &HeaderMap, peer: Peer) -> String {
    forwarded_for(headers, peer.map(|p| p.0 .0.ip()))
}

/// `POST /zapomenute-heslo`: a login or an e-mail; the same answer whether or not an account has it.
pub async fn forgotten_post(
    State(state): State<QueryState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    let form: ForgottenForm = serde_html_form::from_bytes(&body).unwrap_or_default();
    let who = form.who.trim();
    if who.is_empty() {
        let text = lang.tr(
            "Napište přihlašovací jméno, nebo e-mail.",
            "Type a login or an e-mail.",
        );
        return forgotten(lang, StatusCode::UNPROCESSABLE_ENTITY, who, Some(text));
    }
    let request = if who.contains('@') {
        command_api::accounts::PasswordResetBody {
            email: Some(who.to_string()),
            login: None,
        }
    } else {
        command_api::accounts::PasswordResetBody {
            login: Some(who.to_string()),
            email: None,
        }
    };
    let json = serde_json::to_value(&request).unwrap_or_default();
    let to = Post {
        lang,
        title: forgotten_title(lang),
        path: "/auth/password-reset",
        forwarded: forwarded(&headers, peer),
    };
    match submit(&state, to, Some(&json), StatusCode::ACCEPTED, &[]).await {
        Submitted::Done => {}
        Submitted::Refused(status, text) => return forgotten(lang, status, who, Some(&text)),
        Submitted::Unreachable(page) => return page,
    }
    super::alert(
        StatusCode::OK,
        lang,
        forgotten_title(lang),
        "/zapomenute-heslo",
        lang.tr(
            "Pokud jméno nebo e-mail patří k účtu, posíláme na e-mail účtu odkaz, kterým si nastavíte nové heslo. Odkaz platí jednu hodinu a lze ho použít jednou.",
            "If the login or e-mail belongs to an account, a link that sets a new password is on its way to the account's e-mail. It works once, for one hour.",
        ),
    )
}

/// `GET /nove-heslo?t=…`: the form that sets a password by the link.
pub async fn new_password_form(RawQuery(raw): RawQuery, Query(token): Query<Token>) -> Response {
    new_password(lang_of(raw.as_deref()), StatusCode::OK, &token.t, None)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct NewPasswordForm {
    t: String,
    password: String,
    again: String,
}

/// `POST /nove-heslo`: sets the password; then the sign-in page.
pub async fn new_password_post(
    State(state): State<QueryState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    let form: NewPasswordForm = serde_html_form::from_bytes(&body).unwrap_or_default();
    if form.password != form.again {
        let text = lang.tr(
            "Hesla se neshodují; napište je prosím znovu.",
            "The passwords differ; type them again.",
        );
        return new_password(lang, StatusCode::UNPROCESSABLE_ENTITY, &form.t, Some(text));
    }
    let json = serde_json::to_value(command_api::accounts::PasswordResetConfirmBody {
        token: form.t.clone(),
        new_password: form.password,
    })
    .unwrap_or_default();
    let title = new_password_title(lang);
    let to = Post {
        lang,
        title,
        path: "/auth/password-reset/confirm",
        forwarded: forwarded(&headers, peer),
    };
    let labels = [
        ("token", lang.tr("Odkaz", "The link")),
        ("new_password", lang.tr("Nové heslo", "The new password")),
    ];
    match submit(&state, to, Some(&json), StatusCode::OK, &labels).await {
        Submitted::Done => {}
        Submitted::Refused(status, text) => {
            return new_password(lang, status, &form.t, Some(&text))
        }
        Submitted::Unreachable(page) => return page,
    }
    super::alert(
        StatusCode::OK,
        lang,
        title,
        "/nove-heslo",
        lang.tr(
            "Heslo je nastavené. Přihlaste se jím na stránce Přihlášení.",
            "The password is set. Sign in with it on the sign-in page.",
        ),
    )
}

/// `GET /odhlaseni-zprav?t=…`: the page with the button that stops a kind of message.
pub async fn unsubscribe_form(RawQuery(raw): RawQuery, Query(token): Query<Token>) -> Response {
    unsubscribe_page(lang_of(raw.as_deref()), StatusCode::OK, &token.t, None)
}

/// `POST /odhlaseni-zprav`: stops the kind of message the link names.
pub async fn unsubscribe_post(
    State(state): State<QueryState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    let form: Token = serde_html_form::from_bytes(&body).unwrap_or_default();
    let title = unsubscribe_title(lang);
    let path = format!(
        "/notifications/unsubscribe?{}",
        serde_urlencoded::to_string([("t", form.t.as_str())]).unwrap_or_default()
    );
    let to = Post {
        lang,
        title,
        path: &path,
        forwarded: forwarded(&headers, peer),
    };
    let labels = [("t", lang.tr("Odkaz", "The link"))];
    match submit(&state, to, None, StatusCode::OK, &labels).await {
        Submitted::Done => {}
        Submitted::Refused(status, text) => {
            return unsubscribe_page(lang, status, &form.t, Some(&text))
        }
        Submitted::Unreachable(page) => return page,
    }
    super::alert(
        StatusCode::OK,
        lang,
        title,
        "/odhlaseni-zprav",
        lang.tr(
            "Hotovo: zprávy tohoto druhu už vám neposíláme.",
            "Done: messages of this kind are no longer sent to you.",
        ),
    )
}
