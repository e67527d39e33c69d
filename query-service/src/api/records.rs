//! Details: a service, a provider with its services, the supplementary
//! directory, the regional contacts.

use super::answers::List;
use super::params::Query;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::registry::regional_contact::ContactRole;
use events::registry::service::{ServiceDetails, ServiceStatus};
use infra::problem::Problem;
use read_models::registry::{ChangeNote, ContactView, DirectoryView, ProviderView, VacancyView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/services/verification-overdue", get(verification_overdue))
        .route("/services/{id}", get(service))
        .route("/providers/{ico}", get(provider))
        .route("/directory", get(directory))
        .route("/directory/{id}", get(directory_entry))
        .route("/regional-contacts", get(regional_contacts))
}

/// The read-your-writes parameter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct After {
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "records", params(("id" = String, Path, description = "Id"), After), responses((status = 200, description = "The service with its provider, territory and vacancies (age, stale)", body = ServiceDetail), (status = 404, description = "No such record", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<ServiceDetail>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let doc = service_detail(&index, &id, OffsetDateTime::now_utc())
        .ok_or_else(|| not_found("the service"))?;
    Ok(Json(doc))
}

/// A service as the read API answers it: its record with the provider's
/// name, its territory, the free places now and each vacancy's age.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceDetail {
    /// Id.
    pub id: String,
    /// The provider's IČO.
    pub provider_ico: String,
    /// The provider's name.
    pub provider_name: String,
    /// The description.
    pub details: ServiceDetails,
    /// The kind's name.
    pub kind_name: String,
    /// The kind's § of Act 108/2006 Sb.
    pub paragraph: Option<String>,
    /// Status.
    pub status: ServiceStatus,
    /// Last verification.
    pub last_verified_on: Option<time::Date>,
    /// The day the service ended, when it has.
    pub ended_on: Option<time::Date>,
    /// While it is suspended: the day the provider expects to provide it again, when announced.
    pub suspended_until: Option<time::Date>,
    /// Kraje (NUTS) it is located in or serves.
    pub kraje: Vec<String>,
    /// ORP (ČSÚ codes) it is located in or serves.
    pub orp: Vec<String>,
    /// Free places reported in the last 7 days.
    pub free_places_now: i64,
    /// The current vacancies, each with its age.
    pub vacancies: Vec<VacancyAge>,
    /// The last changes of the record, oldest first.
    pub history: Vec<ChangeNote>,
    /// Version of its stream.
    pub version: u64,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A vacancy report with its age.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VacancyAge {
    /// The report.
    #[serde(flatten)]
    pub vacancy: VacancyView,
    /// Whole days since it was reported.
    pub age_days: i64,
    /// Older than 7 days.
    pub stale: bool,
}

/// A service as the read API answers it, as of `now`.
pub fn service_detail(
    index: &crate::index::Index,
    id: &str,
    now: OffsetDateTime,
) -> Option<ServiceDetail> {
    let e = index.service(id)?;
    let v = &e.view;
    Some(ServiceDetail {
        id: v.id.clone(),
        provider_ico: v.provider_ico.clone(),
        provider_name: e.provider_name.clone(),
        details: v.details.clone(),
        kind_name: v.kind_name.clone(),
        paragraph: v.paragraph.clone(),
        status: v.status,
        last_verified_on: v.last_verified_on,
        ended_on: v.ended_on,
        suspended_until: v.suspended_until,
        kraje: e.kraje.iter().cloned().collect(),
        orp: e.orp.iter().cloned().collect(),
        free_places_now: e.free_now(now),
        vacancies: v
            .vacancies
            .iter()
            .map(|x| VacancyAge {
                vacancy: x.clone(),
                age_days: (now - x.reported_at).whole_days(),
                stale: now - x.reported_at > crate::index::STALE_AFTER,
            })
            .collect(),
        history: v.history.clone(),
        version: v.version,
        updated_at: v.updated_at,
    })
}

/// A provider with its services.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderDetail {
    /// The provider.
    #[serde(flatten)]
    pub provider: ProviderView,
    /// Its services, by name.
    pub services: Vec<ProviderService>,
}

/// A service in its provider's list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProviderService {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// The kind's name.
    pub kind_name: String,
    /// Status.
    pub status: ServiceStatus,
}

#[utoipa::path(get, path = "/api/v1/providers/{ico}", tag = "records", params(("ico" = String, Path, description = "Id"), After), responses((status = 200, description = "The provider with its services", body = ProviderDetail), (status = 404, description = "No such record", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn provider(
    State(state): State<QueryState>,
    Path(ico): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<ProviderDetail>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let p = index
        .providers
        .get(&ico)
        .ok_or_else(|| not_found("the provider"))?;
    let mut services: Vec<ProviderService> = index
        .services()
        .filter(|s| s.view.provider_ico == ico)
        .map(|s| ProviderService {
            id: s.view.id.clone(),
            name: s.view.details.name.clone(),
            kind: s.view.details.kind,
            kind_name: s.view.kind_name.clone(),
            status: s.view.status,
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(ProviderDetail {
        provider: p.clone(),
        services,
    }))
}

#[utoipa::path(get, path = "/api/v1/directory", tag = "records", params(After), responses((status = 200, description = "`{ total, items }`: the supplementary directory", body = List<DirectoryView>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn directory(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<List<DirectoryView>>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<DirectoryView> = index.directory.values().cloned().collect();
    items.sort_by(|a, b| a.details.name.cmp(&b.details.name));
    Ok(Json(items.into()))
}

#[utoipa::path(get, path = "/api/v1/directory/{id}", tag = "records", params(("id" = String, Path, description = "Id"), After), responses((status = 200, description = "One entry", body = DirectoryView), (status = 404, description = "No such record", body = crate::api::openapi::Problem)))]
async fn directory_entry(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<DirectoryView>, Problem> {
    let index = state.indexer.read();
    let entry = index
        .directory
        .get(&id)
        .ok_or_else(|| not_found("the directory entry"))?;
    Ok(Json(entry.clone()))
}

/// Which contacts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// `methodologist` or `social_curator`.
    pub role: Option<String>,
    /// A kraj, in any of its codes.
    pub kraj: Option<String>,
    /// An ORP, in any of its codes.
    pub orp: Option<String>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/regional-contacts", tag = "records", params(ContactParams), responses((status = 200, description = "`{ total, items }`: published contacts of methodologists and social curators", body = List<ContactView>), (status = 422, description = "A bad role", body = crate::api::openapi::Problem)))]
async fn regional_contacts(
    State(state): State<QueryState>,
    Query(p): Query<ContactParams>,
) -> Result<Json<List<ContactView>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let role = match p.role.as_deref() {
        None => None,
        Some(r) => Some(
            serde_json::from_value::<ContactRole>(r.into()).map_err(|_| {
                Problem::invalid(
                    "role",
                    format!("{r:?} is not methodologist or social_curator"),
                )
            })?,
        ),
    };
    let index = state.indexer.read();
    let t = index.territory();
    let kraj = |code: &str| {
        t.kraj_by_any_code(code)
            .map_or_else(|| code.to_string(), |k| k.nuts.clone())
    };
    let orp = |code: &str| {
        t.orp_by_any_code(code)
            .map_or_else(|| code.to_string(), |o| o.csu_code.clone())
    };
    let mut items: Vec<ContactView> = index
        .contacts()
        .filter(|c| role.is_none_or(|r| c.details.role == r))
        .filter(|c| {
            p.kraj
                .as_deref()
                .is_none_or(|k| kraj(k) == kraj(&c.details.kraj))
        })
        .filter(|c| {
            p.orp
                .as_deref()
                .is_none_or(|o| c.details.orp.as_deref().is_some_and(|x| orp(x) == orp(o)))
        })
        .cloned()
        .collect();
    items.sort_by(|a, b| (a.details.role, &a.details.name).cmp(&(b.details.role, &b.details.name)));
    Ok(Json(items.into()))
}

/// Which records are overdue for verification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueParams {
    /// Not verified for this many days (365 by default, the reminders' `PORTAL_VERIFICATION_AFTER`).
    pub days: Option<u32>,
    /// The page, from 1.
    pub page: Option<usize>,
    /// Items per page (at most 100, 50 by default).
    pub per_page: Option<usize>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

/// An active service whose record waits for its verification.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverdueVerification {
    /// The service's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The provider's IČO.
    pub provider_ico: String,
    /// The provider's name.
    pub provider_name: String,
    /// The last verification (none: never verified).
    pub last_verified_on: Option<time::Date>,
    /// Days since the last verification, or since the record was made.
    pub days: i64,
}

#[utoipa::path(get, path = "/api/v1/services/verification-overdue", tag = "records", params(OverdueParams), responses((status = 200, description = "`{ total, page, per_page, items }`: active services not verified for `days`, the longest overdue first (the records the verification reminders go to)", body = crate::api::answers::Page<OverdueVerification>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn verification_overdue(
    State(state): State<QueryState>,
    Query(p): Query<OverdueParams>,
) -> Result<Json<crate::api::answers::Page<OverdueVerification>>, Problem> {
    let (page, per_page) = super::search::paging(p.page, p.per_page, 50, 100)?;
    wait_after(&state, p.after.as_deref()).await?;
    let days = i64::from(p.days.unwrap_or(365));
    let now = OffsetDateTime::now_utc();
    let index = state.indexer.read();
    let mut items: Vec<OverdueVerification> = index
        .services()
        .filter(|e| e.view.status == ServiceStatus::Active)
        .filter_map(|e| {
            let made = e
                .view
                .history
                .iter()
                .find(|n| n.action == "create")
                .map_or(e.view.updated_at, |n| n.at)
                .date();
            let since = e.view.last_verified_on.unwrap_or(made);
            let age = (now.date() - since).whole_days();
            (age >= days).then(|| OverdueVerification {
                id: e.view.id.clone(),
                name: e.view.details.name.clone(),
                provider_ico: e.view.provider_ico.clone(),
                provider_name: index
                    .provider_name(&e.view.provider_ico)
                    .unwrap_or_default(),
                last_verified_on: e.view.last_verified_on,
                days: age,
            })
        })
        .collect();
    items.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.id.cmp(&b.id)));
    let total = items.len();
    let items = items
        .into_iter()
        .skip(super::search::offset(page, per_page))
        .take(per_page)
        .collect();
    Ok(Json(crate::api::answers::Page {
        total,
        page,
        per_page,
        items,
    }))
}
