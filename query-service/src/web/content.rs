//! The content pages of community planning, from templates over the read
//! API's typed answers (its handlers are called, so forum posts are opened
//! the same way, and erased authors stay erased): the calendar, documents,
//! news, job postings and the forum.

use super::format::day_time;
use super::format::filters;
use super::page::{render, Frame};
use super::planning::territory_name;
use crate::api::answers::{List, Page, WithProvider};
use crate::api::content::ContentParams;
use crate::api::forum::{AfterParam, ThreadDetail, ThreadParams, ThreadSummary};
use crate::api::QueryState;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use events::forum::Section;
use read_models::content::JobView;

/// The read API's content lists, with no filter.
fn all() -> crate::api::params::Query<ContentParams> {
    crate::api::params::Query(ContentParams::default())
}

/// The paragraphs of a text (blank lines between them).
pub fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// A calendar event as listed.
struct EventItem {
    starts: String,
    ends: String,
    title: String,
    cancelled: Option<String>,
    place: String,
    territory: String,
    body: String,
    files: Vec<super::uploads::FileLink>,
}

#[derive(Template)]
#[template(path = "content/calendar.html")]
struct CalendarPage<'a> {
    frame: Frame<'a>,
    events: Vec<EventItem>,
}

/// `GET /kalendar`: events not yet over.
pub async fn calendar(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let title = lang.texts().calendar;
    let Json(list) = match crate::api::content::calendar(State(state.clone()), all()).await {
        Ok(a) => a,
        Err(p) => return super::failed(lang, title, "/kalendar", &p),
    };
    let index = state.indexer.read();
    let events = list
        .items
        .into_iter()
        .map(|e| EventItem {
            starts: day_time(e.entry.starts_at),
            ends: day_time(e.entry.ends_at),
            territory: territory_name(&index, &e.entry.territory),
            title: e.entry.title,
            cancelled: e.cancelled,
            place: e.entry.place,
            files: super::uploads::links(&e.entry.attachments),
            body: e.entry.body,
        })
        .collect();
    render(&CalendarPage {
        frame: Frame {
            lang,
            title,
            path: "/kalendar",
        },
        events,
    })
}

/// A document as listed.
struct DocumentItem {
    title: String,
    kind: String,
    territory: String,
    latest_url: Option<String>,
    versions: usize,
    body: String,
}

#[derive(Template)]
#[template(path = "content/documents.html")]
struct DocumentsPage<'a> {
    frame: Frame<'a>,
    documents: Vec<DocumentItem>,
}

/// `GET /dokumenty`: documents with their versions.
pub async fn documents(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let title = lang.texts().documents;
    let Json(list) = match crate::api::content::documents(State(state.clone()), all()).await {
        Ok(a) => a,
        Err(p) => return super::failed(lang, title, "/dokumenty", &p),
    };
    let index = state.indexer.read();
    let documents = list
        .items
        .into_iter()
        .map(|d| DocumentItem {
            kind: super::content_forms::doc_kind_name(lang, &d.info.kind),
            territory: territory_name(&index, &d.info.territory),
            latest_url: d.versions.last().map(|v| match &v.file {
                Some(f) => infra::files::url(
                    &f.sha256,
                    &format!(
                        "{}.{}",
                        d.info.title.trim(),
                        infra::files::kinds::extension(&f.content_type)
                    ),
                ),
                None => v.url.clone(),
            }),
            versions: d.versions.len(),
            title: d.info.title,
            body: d.info.body,
        })
        .collect();
    render(&DocumentsPage {
        frame: Frame {
            lang,
            title,
            path: "/dokumenty",
        },
        documents,
    })
}

/// An article as listed.
struct NewsItem {
    id: String,
    title: String,
    published: String,
    territory: String,
}

#[derive(Template)]
#[template(path = "content/news.html")]
struct NewsPage<'a> {
    frame: Frame<'a>,
    news: Vec<NewsItem>,
}

/// `GET /aktuality`: news, newest first.
pub async fn news(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let title = lang.texts().news;
    let Json(list) = match crate::api::content::news(State(state.clone()), all()).await {
        Ok(a) => a,
        Err(p) => return super::failed(lang, title, "/aktuality", &p),
    };
    let index = state.indexer.read();
    let news = list
        .items
        .into_iter()
        .map(|n| NewsItem {
            published: day_time(n.published_at),
            territory: territory_name(&index, &n.article.kraj),
            title: n.article.title,
            id: n.id,
        })
        .collect();
    render(&NewsPage {
        frame: Frame {
            lang,
            title,
            path: "/aktuality",
        },
        news,
    })
}

#[derive(Template)]
#[template(path = "content/article.html")]
struct ArticlePage<'a> {
    frame: Frame<'a>,
    published: String,
    paragraphs: Vec<&'a str>,
    files: Vec<super::uploads::FileLink>,
}

/// `GET /aktuality/{id}`: one article.
pub async fn article(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let Json(n) = match crate::api::content::article(State(state), Path(id.clone())).await {
        Ok(a) => a,
        Err(p) => return super::failed(lang, lang.texts().news, "/aktuality", &p),
    };
    let path = format!("/aktuality/{id}");
    render(&ArticlePage {
        frame: Frame {
            lang,
            title: &n.article.title,
            path: &path,
        },
        published: day_time(n.published_at),
        paragraphs: paragraphs(&n.article.body),
        files: super::uploads::links(&n.article.attachments),
    })
}

#[derive(Template)]
#[template(path = "content/jobs.html")]
struct JobsPage<'a> {
    frame: Frame<'a>,
    jobs: Vec<WithProvider<JobView>>,
}

/// `GET /prace`: open job postings of providers.
pub async fn jobs(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let title = lang.texts().jobs;
    let Json(List { items, .. }) = match crate::api::content::jobs(State(state), all()).await {
        Ok(a) => a,
        Err(p) => return super::failed(lang, title, "/prace", &p),
    };
    render(&JobsPage {
        frame: Frame {
            lang,
            title,
            path: "/prace",
        },
        jobs: items,
    })
}

/// The request's headers with the signed-in visitor's token as a bearer
/// token, so that the read API admits it to the professional section.
async fn as_visitor(state: &QueryState, headers: &HeaderMap) -> (HeaderMap, bool) {
    let mut out = HeaderMap::new();
    let visitor = super::session::visitor(state, headers).await;
    if let Some(v) = &visitor {
        if let Ok(value) = format!("Bearer {}", v.token).parse() {
            out.insert(axum::http::header::AUTHORIZATION, value);
        }
    }
    (out, visitor.is_some())
}

/// The forum's section chosen.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ForumParams {
    sekce: Option<String>,
}

#[derive(Template)]
#[template(path = "forum/threads.html")]
struct ThreadsPage<'a> {
    frame: Frame<'a>,
    threads: Page<ThreadSummary>,
    professional: bool,
    signed_in: bool,
    /// The section, as the command API names it.
    section: &'a str,
    /// Where the form comes back to.
    back: &'a str,
}

/// `GET /forum`: the threads of the public section, or of the professional
/// one (`?sekce=profesni`) for signed-in accounts; a signed-in visitor opens threads here.
pub async fn forum(
    State(state): State<QueryState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    params: Result<Query<ForumParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let t = lang.texts();
    let professional = params
        .ok()
        .and_then(|Query(p)| p.sekce)
        .is_some_and(|s| s == "profesni");
    let (headers, signed_in) = as_visitor(&state, &headers).await;
    let (section, path) = if professional {
        (Section::Professional, "/forum?sekce=profesni")
    } else {
        (Section::Public, "/forum")
    };
    let params = ThreadParams {
        section: Some(section),
        ..ThreadParams::default()
    };
    let answer =
        crate::api::forum::threads(State(state), headers, crate::api::params::Query(params)).await;
    let Json(threads) = match answer {
        Ok(a) => a,
        Err(p) if p.status == 401 => {
            return super::alert(
                StatusCode::UNAUTHORIZED,
                lang,
                t.forum,
                "/forum",
                t.professional_for_accounts,
            )
        }
        Err(p) => return super::failed(lang, t.forum, "/forum", &p),
    };
    render(&ThreadsPage {
        frame: Frame {
            lang,
            title: t.forum,
            path,
        },
        threads,
        professional,
        signed_in,
        section: if professional {
            "professional"
        } else {
            "public"
        },
        back: path,
    })
}

#[derive(Template)]
#[template(path = "forum/thread.html")]
struct ThreadPage<'a> {
    frame: Frame<'a>,
    thread: ThreadDetail,
    signed_in: bool,
}

impl ThreadPage<'_> {
    fn paragraphs<'b>(&self, text: &'b str) -> Vec<&'b str> {
        paragraphs(text)
    }

    fn files(&self, post: &crate::api::forum::PostOut) -> Vec<super::uploads::FileLink> {
        super::uploads::links(&post.attachments)
    }
}

/// `GET /forum/{id}`: a thread's posts.
pub async fn thread(
    State(state): State<QueryState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let t = lang.texts();
    let (headers, signed_in) = as_visitor(&state, &headers).await;
    let answer = crate::api::forum::thread(
        State(state),
        headers,
        Path(id.clone()),
        crate::api::params::Query(AfterParam::default()),
    )
    .await;
    let Json(thread) = match answer {
        Ok(a) => a,
        Err(p) => return super::failed(lang, t.forum, "/forum", &p),
    };
    let path = format!("/forum/{id}");
    let title = thread.title.clone();
    render(&ThreadPage {
        frame: Frame {
            lang,
            title: title.as_deref().unwrap_or(t.thread),
            path: &path,
        },
        thread,
        signed_in,
    })
}
