//! The portal's content, read side: regional news, the calendar (also as
//! iCalendar, RFC 5545, for any calendar application), the job postings
//! still open, documents (with versions; archived ones on request), links
//! and awards.

use super::answers::{List, WithProvider};
use super::params::Query;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use infra::problem::Problem;
use read_models::content::{AwardView, DocumentView, EventView, JobView, LinkView, NewsView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/news", get(news))
        .route("/news/{id}", get(article))
        .route("/calendar", get(calendar))
        .route("/calendar.ics", get(ical))
        .route("/jobs", get(jobs))
        .route("/documents", get(documents))
        .route("/documents/{id}", get(document))
        .route("/links", get(links))
        .route("/awards", get(awards))
}

/// Filters of the content lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentParams {
    /// News of a kraj; events of a territory (code).
    pub kraj: Option<String>,
    /// Events of a territory (code).
    pub territory: Option<String>,
    /// Postings of a provider.
    pub provider_ico: Option<String>,
    /// Events ending at or after (RFC 3339; default: now).
    pub from: Option<String>,
    /// Documents: `true` for the archive.
    pub archived: Option<bool>,
    /// Links of a category.
    pub category: Option<String>,
    /// Awards of a year.
    pub year: Option<i32>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/news", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`, newest first", body = List<NewsView>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn news(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<NewsView>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let t = index.territory();
    let kraj = p.kraj.as_deref().map(|k| {
        t.kraj_by_any_code(k)
            .map_or(k.to_string(), |x| x.nuts.clone())
    });
    let mut items: Vec<NewsView> = index
        .news
        .values()
        .filter(|n| kraj.as_deref().is_none_or(|k| n.article.kraj == k))
        .cloned()
        .collect();
    items.sort_by(|a, b| {
        b.published_at
            .cmp(&a.published_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(items.into()))
}

#[utoipa::path(get, path = "/api/v1/news/{id}", tag = "content", params(("id" = String, Path, description = "The article")), responses((status = 200, description = "The article", body = NewsView), (status = 404, description = "No such article", body = crate::api::openapi::Problem)))]
pub(crate) async fn article(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<NewsView>, Problem> {
    let index = state.indexer.read();
    let n = index.news.get(&id).ok_or_else(|| {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
            .detail("the article does not exist")
    })?;
    Ok(Json(n.clone()))
}

fn events(state: &QueryState, p: &ContentParams) -> Result<Vec<EventView>, Problem> {
    let from = match p.from.as_deref() {
        None => OffsetDateTime::now_utc(),
        Some(f) => OffsetDateTime::parse(f, &time::format_description::well_known::Rfc3339)
            .map_err(|_| Problem::invalid("from", "must be an RFC 3339 time"))?,
    };
    let index = state.indexer.read();
    let territory = p.territory.as_deref().or(p.kraj.as_deref());
    let mut items: Vec<EventView> = index
        .calendar
        .values()
        .filter(|e| e.entry.ends_at >= from && territory.is_none_or(|t| e.entry.territory == t))
        .cloned()
        .collect();
    items.sort_by(|a, b| {
        a.entry
            .starts_at
            .cmp(&b.entry.starts_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(items)
}

#[utoipa::path(get, path = "/api/v1/calendar", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`: events not yet over, soonest first (cancelled ones marked)", body = List<EventView>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn calendar(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<EventView>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    Ok(Json(events(&state, &p)?.into()))
}

/// Escapes text for iCalendar (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The events as an iCalendar document.
pub fn to_ical(items: &[EventView]) -> String {
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Portal socialnich sluzeb//CS\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    for e in items {
        let x = &e.entry;
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&fold(&format!("UID:{}@portal-socialnich-sluzeb", e.id)));
        out.push_str(&fold(&format!("DTSTAMP:{}", stamp(e.updated_at))));
        out.push_str(&fold(&format!("DTSTART:{}", stamp(x.starts_at))));
        out.push_str(&fold(&format!("DTEND:{}", stamp(x.ends_at))));
        out.push_str(&fold(&format!("SEQUENCE:{}", e.version.saturating_sub(1))));
        out.push_str(&fold(&format!("SUMMARY:{}", escape(&x.title))));
        if !x.body.is_empty() {
            out.push_str(&fold(&format!("DESCRIPTION:{}", escape(&x.body))));
        }
        if !x.place.is_empty() {
            out.push_str(&fold(&format!("LOCATION:{}", escape(&x.place))));
        }
        let category = serde_json::to_value(x.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_uppercase))
            .unwrap_or_default();
        out.push_str(&fold(&format!("CATEGORIES:{category}")));
        out.push_str(if e.cancelled.is_some() {
            "STATUS:CANCELLED\r\n"
        } else {
            "STATUS:CONFIRMED\r\n"
        });
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[utoipa::path(get, path = "/api/v1/calendar.ics", tag = "content", params(ContentParams), responses((status = 200, description = "The calendar as iCalendar (text/calendar)", content_type = "text/calendar"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn ical(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Response, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let items = events(&state, &p)?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        to_ical(&items),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`: postings not expired, newest first", body = List<WithProvider<JobView>>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn jobs(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<WithProvider<JobView>>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let today = OffsetDateTime::now_utc().date();
    let mut open: Vec<&JobView> = index
        .jobs
        .values()
        .filter(|j| {
            j.posting.expires_on >= today
                && p.provider_ico
                    .as_deref()
                    .is_none_or(|i| j.posting.provider_ico == i)
        })
        .collect();
    open.sort_by(|a, b| b.posted_at.cmp(&a.posted_at).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<_> = open
        .into_iter()
        .map(|j| WithProvider {
            record: j.clone(),
            provider_name: index.provider_name(&j.posting.provider_ico),
        })
        .collect();
    Ok(Json(items.into()))
}

#[utoipa::path(get, path = "/api/v1/documents", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`: documents of a territory with their versions (`archived=true`: the archive)", body = List<DocumentView>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn documents(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<DocumentView>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let archived = p.archived.unwrap_or(false);
    let territory = p.territory.as_deref().or(p.kraj.as_deref());
    let mut items: Vec<DocumentView> = index
        .documents
        .values()
        .filter(|d| d.archived == archived && territory.is_none_or(|t| d.info.territory == t))
        .cloned()
        .collect();
    items.sort_by(|a, b| {
        b.updated_at
            .cmp(&a.updated_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(Json(items.into()))
}

/// A document with the number of its current version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentDetail {
    /// The document.
    #[serde(flatten)]
    pub document: DocumentView,
    /// The number of the latest version (versions are numbered from 1).
    pub current_version: usize,
}

#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "content", params(("id" = String, Path, description = "The document")), responses((status = 200, description = "The document, every version numbered from 1, the latest last", body = DocumentDetail), (status = 404, description = "No such document", body = crate::api::openapi::Problem)))]
pub(crate) async fn document(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<DocumentDetail>, Problem> {
    let index = state.indexer.read();
    let d = index.documents.get(&id).ok_or_else(|| {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
            .detail("the document does not exist")
    })?;
    Ok(Json(DocumentDetail {
        document: d.clone(),
        current_version: d.versions.len(),
    }))
}

#[utoipa::path(get, path = "/api/v1/links", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`", body = List<LinkView>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn links(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<LinkView>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<LinkView> = index
        .links
        .values()
        .filter(|l| p.category.as_deref().is_none_or(|c| l.info.category == c))
        .cloned()
        .collect();
    items.sort_by(|a, b| a.info.title.cmp(&b.info.title));
    Ok(Json(items.into()))
}

#[utoipa::path(get, path = "/api/v1/awards", tag = "content", params(ContentParams), responses((status = 200, description = "`{ total, items }`: awards with the provider's name", body = List<WithProvider<AwardView>>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn awards(
    State(state): State<QueryState>,
    Query(p): Query<ContentParams>,
) -> Result<Json<List<WithProvider<AwardView>>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<WithProvider<AwardView>> = index
        .awards
        .values()
        .filter(|a| {
            p.year.is_none_or(|y| a.info.year == y)
                && p.provider_ico
                    .as_deref()
                    .is_none_or(|i| a.info.provider_ico == i)
        })
        .map(|a| WithProvider {
            record: a.clone(),
            provider_name: index.provider_name(&a.info.provider_ico),
        })
        .collect();
    items.sort_by(|a, b| {
        (b.record.info.year, &a.record.id).cmp(&(a.record.info.year, &b.record.id))
    });
    Ok(Json(items.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_long_lines_folded() {
        assert_eq!(escape("a,b;c\nd\\"), "a\\,b\\;c\\nd\\\\");
        let folded = fold(&format!("SUMMARY:{}", "ž".repeat(60)));
        assert!(folded.split("\r\n").all(|l| l.len() <= 75), "{folded}");
        assert_eq!(
            folded.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "ž".repeat(60))
        );
        assert_eq!(
            stamp(time::macros::datetime!(2026-12-01 09:30 +01:00)),
            "20261201T083000Z"
        );
    }
}
