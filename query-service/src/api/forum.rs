//! The forum, read side: threads by section and a thread with its posts.
//! The public section is open to all; the professional section answers
//! signed-in accounts only. Each post is opened with its author's key as the
//! answer is made: a post of an erased author shows no name, title or text
//! (`erased: true`), a hidden post only the moderator's reason.

use super::answers::Page;
use super::params::Query;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use events::forum::{PostText, Section};
use infra::personal::{open, DynPersonalKeyStore, PersonKey};
use infra::problem::Problem;
use infra::tokens::{AccountCheck, CheckError};
use read_models::forum::{PostView, ThreadView};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// What the forum's read side needs besides the index.
#[derive(Clone)]
pub struct ForumAccess {
    /// The authors' keys.
    pub keys: DynPersonalKeyStore,
    /// Admits accounts to the professional section.
    pub accounts: Option<AccountCheck>,
}

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/forum/threads", get(threads))
        .route("/forum/threads/{id}", get(thread))
}

/// Filters of the thread list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadParams {
    /// `public` (default) or `professional` (signed-in accounts).
    pub section: Option<Section>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Threads per page (default 20, at most 100).
    pub per_page: Option<usize>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

/// Wait for a change, as a thread's page.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AfterParam {
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

/// A post as answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostOut {
    /// Id.
    pub id: Uuid,
    /// The author (the id that erases them).
    pub author_id: Uuid,
    /// Written by a signed-in account.
    pub registered: bool,
    /// The author's name (none when hidden or erased).
    pub name: Option<String>,
    /// The text (none when hidden or erased).
    pub body: Option<String>,
    /// Written.
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    /// Last edited.
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    /// The moderator's reason, when hidden.
    pub hidden: Option<String>,
    /// The author was erased: nothing of what they wrote can be read.
    pub erased: bool,
    /// Files that go with it (none when hidden or erased).
    pub attachments: Vec<events::files::Attachment>,
}

/// A thread in the list of a section.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadSummary {
    /// Id.
    pub id: String,
    /// Its section.
    pub section: Section,
    /// Its title (none when its opener was erased).
    pub title: Option<String>,
    /// Its opener's name (none when the first post is hidden or erased).
    pub name: Option<String>,
    /// Visible posts.
    pub posts: usize,
    /// Locked, with the reason.
    pub locked: Option<String>,
    /// Latest activity.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A thread with its posts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadDetail {
    /// Id.
    pub id: String,
    /// Its section.
    pub section: Section,
    /// Its title (none when its opener was erased).
    pub title: Option<String>,
    /// Locked, with the reason.
    pub locked: Option<String>,
    /// Posts, first first.
    pub posts: Vec<PostOut>,
}

fn forum(state: &QueryState) -> Result<&ForumAccess, Problem> {
    state.forum.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The forum is not served here",
        )
        .detail("this query service was started without the personal key store")
    })
}

/// Admits the request to a section.
async fn admit(
    state: &QueryState,
    access: &ForumAccess,
    section: Section,
    headers: &HeaderMap,
) -> Result<(), Problem> {
    if section == Section::Public {
        return Ok(());
    }
    let refused = |detail: String| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required",
        )
        .detail(detail)
    };
    let check = access.accounts.as_ref().ok_or_else(|| {
        refused(
            "the professional section is for registered accounts; this service checks none".into(),
        )
    })?;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match check.admitted(authorization).await {
        Ok((_, account)) => {
            let index = state.indexer.read();
            let verified = |ico: &str| {
                index
                    .providers
                    .get(ico)
                    .is_some_and(|p| p.verified_at.is_some())
            };
            if account.reaches_professional_section(verified) {
                Ok(())
            } else {
                Err(
                    Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed").detail(
                        "the professional section is for verified accounts: a self-registered \
                     provider's account reaches it once an administrator verifies the provider",
                    ),
                )
            }
        }
        Err(CheckError::Token(e)) => Err(refused(format!(
            "the professional section is for registered accounts: {e}"
        ))),
        Err(CheckError::Store(e)) => Err(Problem::unavailable(&e)),
    }
}

async fn keys(
    access: &ForumAccess,
    posts: impl Iterator<Item = &PostView>,
) -> Result<HashMap<Uuid, PersonKey>, Problem> {
    let mut persons: Vec<Uuid> = posts.map(|p| p.author.person).collect();
    persons.sort_unstable();
    persons.dedup();
    access
        .keys
        .keys(&persons)
        .await
        .map_err(|e| Problem::unavailable(&e))
}

/// The post's text, when its author's key still exists.
fn text(keys: &HashMap<Uuid, PersonKey>, p: &PostView) -> Option<PostText> {
    keys.get(&p.author.person)
        .and_then(|k| open::<PostText>(k, p.author.person, &p.content))
}

fn post_out(keys: &HashMap<Uuid, PersonKey>, p: &PostView) -> PostOut {
    let text = text(keys, p);
    let erased = text.is_none();
    let shown = text.filter(|_| p.hidden.is_none());
    PostOut {
        id: p.id,
        author_id: p.author.person,
        registered: p.author.account.is_some(),
        name: shown.as_ref().map(|t| t.name.clone()),
        attachments: shown
            .as_ref()
            .map(|t| t.attachments.clone())
            .unwrap_or_default(),
        body: shown.map(|t| t.body),
        written_at: p.written_at,
        edited_at: p.edited_at,
        hidden: p.hidden.clone(),
        erased,
    }
}

#[utoipa::path(get, path = "/api/v1/forum/threads", tag = "forum", params(ThreadParams), security((), ("bearer" = [])), responses((status = 200, description = "`{ total, page, per_page, items }`: visible threads, latest activity first, each with its title, its opener's name, the number of visible posts and whether it is locked", body = Page<ThreadSummary>), (status = 401, description = "The professional section needs a signed-in account", body = crate::api::openapi::Problem), (status = 403, description = "The professional section needs a verified account", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn threads(
    State(state): State<QueryState>,
    headers: HeaderMap,
    Query(p): Query<ThreadParams>,
) -> Result<Json<Page<ThreadSummary>>, Problem> {
    let access = forum(&state)?;
    let section = p.section.unwrap_or(Section::Public);
    // After the wait: the verification of a provider may be the change waited for.
    wait_after(&state, p.after.as_deref()).await?;
    admit(&state, access, section, &headers).await?;
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let page = p.page.unwrap_or(1).max(1);
    let (total, chosen) = {
        let index = state.indexer.read();
        let mut all: Vec<&ThreadView> = index
            .forum_threads
            .values()
            .filter(|t| t.section == section && t.hidden.is_none())
            .collect();
        all.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        let chosen: Vec<ThreadView> = all
            .iter()
            .skip(crate::api::search::offset(page, per_page))
            .take(per_page)
            .map(|t| (*t).clone())
            .collect();
        (all.len(), chosen)
    };
    let keys = keys(access, chosen.iter().filter_map(|t| t.posts.first())).await?;
    let items: Vec<ThreadSummary> = chosen
        .iter()
        .map(|t| {
            let opening = t.posts.first();
            let first = opening.and_then(|f| text(&keys, f));
            // A hidden first post keeps the thread's title, not its author's name.
            let shown = opening.is_some_and(|f| f.hidden.is_none());
            ThreadSummary {
                id: t.id.clone(),
                section: t.section,
                title: first.as_ref().and_then(|f| f.title.clone()),
                name: first.as_ref().filter(|_| shown).map(|f| f.name.clone()),
                posts: t.posts.iter().filter(|p| p.hidden.is_none()).count(),
                locked: t.locked.clone(),
                updated_at: t.updated_at,
            }
        })
        .collect();
    Ok(Json(Page {
        total,
        page,
        per_page,
        items,
    }))
}

#[utoipa::path(get, path = "/api/v1/forum/threads/{id}", tag = "forum", params(("id" = String, Path, description = "The thread"), AfterParam), security((), ("bearer" = [])), responses((status = 200, description = "The thread with its posts, first first: hidden posts show only the moderator's reason, posts of erased authors only `erased: true`", body = ThreadDetail), (status = 401, description = "A professional thread needs a signed-in account", body = crate::api::openapi::Problem), (status = 403, description = "A professional thread needs a verified account", body = crate::api::openapi::Problem), (status = 404, description = "No such thread (or hidden)", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn thread(
    State(state): State<QueryState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<AfterParam>,
) -> Result<Json<ThreadDetail>, Problem> {
    let access = forum(&state)?;
    wait_after(&state, p.after.as_deref()).await?;
    let view = state
        .indexer
        .read()
        .forum_threads
        .get(&id)
        .filter(|t| t.hidden.is_none())
        .cloned()
        .ok_or_else(|| {
            Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
                .detail("the thread does not exist")
        })?;
    admit(&state, access, view.section, &headers).await?;
    let keys = keys(access, view.posts.iter()).await?;
    let title = view
        .posts
        .first()
        .and_then(|f| text(&keys, f))
        .and_then(|t| t.title);
    let posts: Vec<PostOut> = view.posts.iter().map(|p| post_out(&keys, p)).collect();
    Ok(Json(ThreadDetail {
        id: view.id,
        section: view.section,
        title,
        locked: view.locked,
        posts,
    }))
}
