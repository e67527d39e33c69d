//! The command API under `/api/v1`: one endpoint per command. Each answers
//! 200/201 with a [`CommandResult`] and an `ETag` of the new version.

pub mod accounts;
pub mod admin;
pub mod answers;
pub mod audit;
pub mod content;
pub mod directory;
pub mod files;
pub mod forum;
pub mod grants;
pub mod groups;
pub mod library;
pub mod notifications;
pub mod openapi;
pub mod plans;
pub mod providers;
pub mod regional_contacts;
pub mod services;
pub mod statistics;
pub mod surveys;

use crate::state::AppState;
use axum::Router;
pub use command_api::ReasonBody;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every command route with its OpenAPI entry, registered together.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(providers::routes())
        .merge(services::routes())
        .merge(directory::routes())
        .merge(files::routes())
        .merge(grants::routes())
        .merge(plans::routes())
        .merge(content::routes())
        .merge(forum::routes())
        .merge(groups::routes())
        .merge(library::routes())
        .merge(regional_contacts::routes())
        .merge(accounts::routes())
        .merge(notifications::routes())
        .merge(statistics::routes())
        .merge(surveys::routes())
        .merge(audit::routes())
        .merge(admin::routes())
}

/// Every command route, and `/openapi.json` the document of them all.
pub fn routes() -> Router<AppState> {
    let (router, doc) = documented().split_for_parts();
    router.merge(openapi::routes(&openapi::finish(doc)))
}

/// The OpenAPI document of the command API.
pub fn document() -> utoipa::openapi::OpenApi {
    openapi::finish(documented().split_for_parts().1)
}
