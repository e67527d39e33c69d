//! The command API under `/api/v1`: one endpoint per command. Each answers
//! 200/201 with a [`CommandResult`] and an `ETag` of the new version.

pub mod accounts;
pub mod admin;
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

use crate::execute::CommandResult;
use crate::state::AppState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
pub use command_api::ReasonBody;

/// Every command route.
pub fn routes() -> Router<AppState> {
    Router::new()
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
        .merge(openapi::routes())
}

/// 200 (or 201 when `created` and something was recorded) with the result and its version as `ETag`.
pub fn respond(result: CommandResult, created: bool) -> Response {
    let status = if created && result.events > 0 && !result.deduplicated {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let etag = format!("\"{}\"", result.version);
    (status, [(header::ETAG, etag)], Json(result)).into_response()
}
