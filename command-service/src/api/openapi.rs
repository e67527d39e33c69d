//! The OpenAPI document of the command API, served at `/api/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// An RFC 9457 problem (`application/problem+json`), as documented.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// A URI naming the kind of problem.
    r#type: String,
    /// A short summary.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong this time.
    detail: Option<String>,
    /// For 422: each invalid field and why.
    errors: Option<Vec<FieldErrorDoc>>,
    /// For 409: the record's current version.
    current_version: Option<u64>,
}

/// An invalid field.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FieldErrorDoc {
    /// Its path in the request body, e.g. `details.facilities[1].location.lat`.
    field: String,
    /// Why it is refused.
    reason: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portal of social services — command API",
        description = "Writes: one endpoint per command. Send `Idempotency-Key` to make a retry \
            safe, `If-Match: \"<version>\"` to refuse a change of a record changed meanwhile (409 \
            with `current_version`). Every answer names the record, its new version and the log \
            position of the change.",
    ),
    modifiers(&BearerAuth),
    paths(
        super::providers::register, super::providers::self_register, super::providers::verify,
        super::providers::change, super::providers::suspend, super::providers::resume,
        super::providers::end,
        super::services::register, super::services::change, super::services::suspend,
        super::services::resume, super::services::end, super::services::verify,
        super::services::report_vacancy,
        super::directory::add, super::directory::change, super::directory::remove,
        super::regional_contacts::publish, super::regional_contacts::change,
        super::regional_contacts::withdraw, super::statistics::set_norm,
        super::grants::announce, super::grants::cancel, super::grants::submit,
        super::grants::withdraw, super::grants::evaluate, super::grants::decide,
        super::grants::amend,
        super::audit::history, super::audit::state_at, super::audit::diff, super::audit::export,
        super::audit::verify, super::audit::log, super::audit::grant_chain, super::audit::provider,
        super::admin::list, super::admin::rebuild,
        super::surveys::define, super::surveys::redefine, super::surveys::open,
        super::surveys::close, super::surveys::answer,
        super::plans::create, super::plans::propose, super::plans::comment, super::plans::approve,
        super::plans::reject, super::plans::evaluate,
        super::content::publish, super::content::correct, super::content::withdraw_news,
        super::content::schedule, super::content::reschedule, super::content::cancel_event,
        super::content::post_job, super::content::close_job,
        super::forum::open_thread, super::forum::reply, super::forum::edit,
        super::forum::hide_post, super::forum::restore_post, super::forum::lock,
        super::forum::unlock, super::forum::hide_thread, super::forum::restore_thread,
        super::forum::erase_self, super::forum::erase_author,
        super::groups::form, super::groups::add_member, super::groups::remove_member,
        super::groups::schedule, super::groups::minutes,
        super::library::register, super::library::add_version, super::library::archive,
        super::library::restore, super::library::put_link, super::library::remove_link,
        super::library::confer, super::library::revoke,
        super::accounts::login, super::accounts::logout, super::accounts::create, super::accounts::grant,
        super::accounts::revoke, super::accounts::disable, super::accounts::erase, super::accounts::change_password,
        super::accounts::issue_token, super::accounts::revoke_token,
    ),
    components(schemas(Problem, FieldErrorDoc, crate::execute::CommandResult)),
    tags(
        (name = "providers", description = "Providers of social services"),
        (name = "services", description = "Registered social services and their vacancies"),
        (name = "directory", description = "The supplementary directory"),
        (name = "regional-contacts", description = "Official contacts of methodologists and social curators, shown on the map"),
        (name = "grants", description = "Grant procedures: calls, applications, evaluations, decisions, amendments"),
        (name = "library", description = "Documents (versions, archive), links, awards"),
        (name = "groups", description = "The planning structure: groups, members, meetings"),
        (name = "content", description = "Regional news, the calendar, job postings"),
        (name = "forum", description = "The forum: public and professional sections, moderation, erasure of authors"),
        (name = "plans", description = "Community plans: revisions and evaluations"),
        (name = "surveys", description = "Surveys: questionnaires for providers, their answers"),
        (name = "admin", description = "Projections: checkpoints, lag, rebuilds (administrators)"),
        (name = "audit", description = "History of every record from the log, replays, signed exports (auditors, administrators)"),
        (name = "statistics", description = "Settings of the statistics: need norms"),
        (name = "accounts", description = "Login, accounts, roles and API tokens"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_command_with_its_answers() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/api/v1/providers",
            "/api/v1/providers/self-registration",
            "/api/v1/providers/{ico}",
            "/api/v1/providers/{ico}/verify",
            "/api/v1/services",
            "/api/v1/services/{id}/vacancies",
            "/api/v1/directory/{id}",
            "/api/v1/regional-contacts/{id}/withdraw",
            "/api/v1/auth/login",
            "/api/v1/forum/threads/{id}/posts",
            "/api/v1/accounts/{id}/api-tokens",
        ] {
            assert!(paths.contains_key(path), "{path} is not documented");
        }
        let vacancies = &paths["/api/v1/services/{id}/vacancies"]["post"];
        for status in ["200", "401", "403", "404", "409", "422"] {
            assert!(vacancies["responses"].get(status).is_some(), "{status}");
        }
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for schema in [
            "ServiceDetails",
            "ReportVacancy",
            "RegisterProvider",
            "Problem",
            "CommandResult",
        ] {
            assert!(schemas.contains_key(schema), "{schema} has no schema");
        }
    }
}
