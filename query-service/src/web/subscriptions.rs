//! The public's subscriptions: `/odber` subscribes an e-mail to a weekly
//! digest of a kraj's news or of new free places of a kind of service in
//! an ORP; `/odber/potvrdit?t=…` (the link of the confirmation message)
//! confirms it with a button — a link alone changes nothing, since mail
//! scanners open links. Both post to the command API (ADR 0021); a refusal
//! shows the form again with the reason in Czech and what was typed.

use super::mail_links::{forwarded, lang_of, submit, Peer, Post, Submitted, Token};
use super::page::{self, Frame, Lang};
use super::session::{lang_of_form, same_origin};
use crate::api::QueryState;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use events::values::codes::{ServiceKind, VACANCY_KINDS};
use serde::Deserialize;

/// What the subscription form holds (also what was typed, shown again after a refusal).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SubscribeForm {
    /// `kraj_news` or `vacancies`.
    topic: String,
    email: String,
    kraj: String,
    orp: String,
    kind: String,
}

#[derive(askama::Template)]
#[template(path = "subscriptions/subscribe.html")]
struct SubscribePage<'a> {
    frame: Frame<'a>,
    form: &'a SubscribeForm,
    kraje: Vec<(String, String)>,
    orp: Vec<(String, String)>,
    kinds: Vec<(String, &'static str)>,
    problem: Option<&'a str>,
}

#[derive(askama::Template)]
#[template(path = "subscriptions/confirm.html")]
struct ConfirmPage<'a> {
    frame: Frame<'a>,
    token: &'a str,
    problem: Option<&'a str>,
}

fn subscribe_title(lang: Lang) -> &'static str {
    lang.tr("Odběr novinek e-mailem", "News by e-mail")
}

fn confirm_title(lang: Lang) -> &'static str {
    lang.tr("Potvrzení odběru", "Confirm the subscription")
}

fn subscribe_page(
    state: &QueryState,
    lang: Lang,
    status: StatusCode,
    form: &SubscribeForm,
    problem: Option<&str>,
) -> Response {
    let territory = state.indexer.read().territory_arc();
    let mut orp: Vec<(String, String)> = territory
        .orp
        .values()
        .map(|o| (o.csu_code.clone(), o.name.clone()))
        .collect();
    orp.sort_by(|a, b| a.1.cmp(&b.1));
    let page = SubscribePage {
        frame: Frame {
            lang,
            title: subscribe_title(lang),
            path: "/odber",
        },
        form,
        kraje: territory
            .kraje
            .values()
            .map(|k| (k.nuts.clone(), k.name.clone()))
            .collect(),
        orp,
        kinds: VACANCY_KINDS
            .iter()
            .filter_map(|k| ServiceKind::from_code(*k).ok())
            .map(|k| (k.code().to_string(), k.name()))
            .collect(),
        problem,
    };
    (status, page::render(&page)).into_response()
}

/// `GET /odber`: the form (`?kraj=…`, or `?orp=…&kind=…`, choose beforehand).
pub async fn subscribe_form(
    State(state): State<QueryState>,
    RawQuery(raw): RawQuery,
    Query(form): Query<SubscribeForm>,
) -> Response {
    let lang = lang_of(raw.as_deref());
    subscribe_page(&state, lang, StatusCode::OK, &form, None)
}

/// `POST /odber`: asks for the subscription; the command API sends the confirmation.
pub async fn subscribe_post(
    State(state): State<QueryState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refused) = same_origin(&state, &headers) {
        return refused;
    }
    let lang = lang_of_form(&body);
    let form: SubscribeForm = serde_html_form::from_bytes(&body).unwrap_or_default();
    let given = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let request = if form.topic == "vacancies" {
        let Some(kind) = given(&form.kind).map(|k| k.parse::<u16>()) else {
            let text = lang.tr("Vyberte druh služby.", "Choose a kind of service.");
            return subscribe_page(
                &state,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                Some(text),
            );
        };
        command_api::subscriptions::SubscribeBody {
            email: form.email.trim().to_string(),
            kraj: None,
            orp: given(&form.orp),
            kind: Some(kind.unwrap_or(0)),
        }
    } else {
        command_api::subscriptions::SubscribeBody {
            email: form.email.trim().to_string(),
            kraj: given(&form.kraj),
            orp: None,
            kind: None,
        }
    };
    let json = serde_json::to_value(&request).unwrap_or_default();
    let title = subscribe_title(lang);
    let to = Post {
        lang,
        title,
        path: "/subscriptions",
        forwarded: forwarded(&headers, peer),
    };
    let labels = [
        ("email", "E-mail"),
        ("kraj", "Kraj"),
        ("orp", "ORP"),
        ("kind", lang.tr("Druh služby", "Kind of service")),
    ];
    match submit(&state, to, Some(&json), StatusCode::ACCEPTED, &labels).await {
        Submitted::Done => {}
        Submitted::Refused(status, text) => {
            return subscribe_page(&state, lang, status, &form, Some(&text))
        }
        Submitted::Unreachable(page) => return page,
    }
    super::alert(
        StatusCode::OK,
        lang,
        title,
        "/odber",
        lang.tr(
            "Děkujeme. Na zadaný e-mail jsme poslali odkaz, kterým odběr potvrdíte; platí sedm dní. Bez potvrzení vám nic dalšího nepošleme a adresu smažeme.",
            "Thank you. A link that confirms the subscription is on its way to the e-mail; it works for seven days. Without the confirmation nothing else is sent and the address is erased.",
        ),
    )
}

fn confirm_page(lang: Lang, status: StatusCode, token: &str, problem: Option<&str>) -> Response {
    let page = ConfirmPage {
        frame: Frame {
            lang,
            title: confirm_title(lang),
            path: "/odber/potvrdit",
        },
        token,
        problem,
    };
    (status, page::render(&page)).into_response()
}

/// `GET /odber/potvrdit?t=…`: the page with the button that confirms.
pub async fn confirm_form(RawQuery(raw): RawQuery, Query(token): Query<Token>) -> Response {
    confirm_page(lang_of(raw.as_deref()), StatusCode::OK, &token.t, None)
}

/// `POST /odber/potvrdit`: confirms the subscription the link names.
pub async fn confirm_post(
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
    let json = serde_json::to_value(command_api::subscriptions::ConfirmSubscriptionBody {
        token: form.t.clone(),
    })
    .unwrap_or_default();
    let title = confirm_title(lang);
    let to = Post {
        lang,
        title,
        path: "/subscriptions/confirm",
        forwarded: forwarded(&headers, peer),
    };
    let labels = [("token", lang.tr("Odkaz", "The link"))];
    match submit(&state, to, Some(&json), StatusCode::OK, &labels).await {
        Submitted::Done => {}
        Submitted::Refused(status, text) => {
            return confirm_page(lang, status, &form.t, Some(&text))
        }
        Submitted::Unreachable(page) => return page,
    }
    super::alert(
        StatusCode::OK,
        lang,
        title,
        "/odber/potvrdit",
        lang.tr(
            "Odběr je potvrzený. Jednou týdně vám pošleme přehled, když bude co hlásit; každý přehled má odkaz, kterým odběr jedním kliknutím zrušíte.",
            "The subscription is confirmed. A digest comes weekly when there is news; each has a link that ends the subscription in one click.",
        ),
    )
}
