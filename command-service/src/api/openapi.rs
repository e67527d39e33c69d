//! The OpenAPI document of the command API, served at `/api/v1/openapi.json`:
//! its description and tags here, each operation beside its handler (the
//! routes register both, `super::documented`), the answers operations share
//! added by [`finish`].

use super::answers::{FieldErrorDoc, Problem};
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

/// The operations among the writes whose handler does not read the
/// command headers (`Idempotency-Key`, `If-Match`, `X-Correlation-Id`): a
/// login, the check of an export, a rebuild.
const WITHOUT_COMMAND_HEADERS: [&str; 3] = [
    "/api/v1/auth/login",
    "/api/v1/audit/verify",
    "/api/v1/admin/projections/{name}/rebuild",
];

/// The headers and answers operations share, added where an operation does
/// not list them itself, so that the document names every status the API
/// really answers (a fuzzer of the document fails on any other) and only
/// those (the OpenAPI test checks the rules): the command headers of every
/// command; 401 (no or a bad token) where a token is asked for; 422 (a
/// body, parameter or header that does not parse or is refused, e.g. an id
/// with control characters) where there is one; 404
/// for a path with a record's id; 409 (a stale `If-Match`, a concurrent
/// change) for every command; 413 for every write (the body limit).
struct StandardAnswers;

impl Modify for StandardAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
        let problem = infra::problem::documented;
        let header = |name: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let reads = [item.get.as_mut().map(|o| (o, false))];
            let writes = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .map(|o| o.as_mut().map(|o| (o, true)));
            for (operation, write) in reads.into_iter().chain(writes).flatten() {
                let command = write && !WITHOUT_COMMAND_HEADERS.contains(&path.as_str());
                if command {
                    operation.parameters.get_or_insert_with(Vec::new).extend([
                        header(
                            "Idempotency-Key",
                            "Makes a retry safe: the same key again answers the first result (`deduplicated`)",
                        ),
                        header(
                            "If-Match",
                            "The record's version (`\"3\"`): a change of a record changed meanwhile is refused (409)",
                        ),
                        header(
                            "X-Correlation-Id",
                            "A UUID naming the user action the change belongs to (the audit groups by it)",
                        ),
                    ]);
                }
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let takes_input = operation.request_body.is_some()
                    || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let answers = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    answers
                        .entry(status.to_string())
                        .or_insert_with(|| problem(description).into());
                };
                if secured {
                    add("401", "Not authenticated, or a token that is not valid");
                }
                if takes_input {
                    add(
                        "422",
                        "A body, parameter or header that does not parse, named",
                    );
                }
                if path.contains('{') {
                    add("404", "No such record");
                }
                if command {
                    add(
                        "409",
                        "Conflict: stale If-Match, concurrent change or a state rule",
                    );
                }
                if write {
                    add("413", "The body is larger than the limit");
                }
                // A creation answers 200 when it is a retry (`deduplicated`) or changed nothing.
                if answers.contains_key("201") && !answers.contains_key("200") {
                    let again = ResponseBuilder::new()
                        .description(
                            "A retry of the same request (`deduplicated`), or nothing to record",
                        )
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("CommandResult")))
                                .build(),
                        )
                        .build();
                    answers.insert("200".to_string(), again.into());
                }
            }
        }
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
        (name = "accounts", description = "Login, accounts, roles and API tokens; password links and the choice of messages by e-mail; subscriptions of the public"),
        (name = "files", description = "Files kept by the portal: documents, photos, videos"),
    )
)]
pub struct ApiDoc;

/// The document of the operations `doc` holds (their paths relative to
/// `/api/v1`): mounted under `/api/v1`, with the bearer scheme and the
/// answers operations share.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let paths = std::mem::take(&mut doc.paths.paths);
    doc.paths.paths = paths
        .into_iter()
        .map(|(path, item)| (format!("/api/v1{path}"), item))
        .collect();
    BearerAuth.modify(&mut doc);
    StandardAnswers.modify(&mut doc);
    doc
}

/// `GET /openapi.json`: `doc`, serialised once.
pub fn routes<S: Clone + Send + Sync + 'static>(doc: &utoipa::openapi::OpenApi) -> Router<S> {
    let json = doc.to_json().expect("an OpenAPI document serialises");
    Router::new().route(
        "/openapi.json",
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    json,
                )
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_command_with_its_answers() {
        let doc = serde_json::to_value(super::super::document()).unwrap();
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
        // The refusals every signed-in command shares, as problems; an
        // operation's own word for one of them replaces the set's.
        let refusal = &vacancies["responses"]["403"];
        assert_eq!(refusal["description"], "Not allowed");
        assert!(refusal["content"]["application/problem+json"].is_object());
        let lock = &paths["/api/v1/forum/threads/{id}/lock"]["post"]["responses"];
        assert_eq!(lock["403"]["description"], "Not a moderator");
        assert_eq!(
            lock["401"]["description"],
            "Not authenticated, or a token that is not valid"
        );
        // Routes come with their entries: nothing served is left out.
        assert!(paths.len() > 80, "{} paths", paths.len());
        let opened = &paths["/api/v1/forum/threads"]["post"]["responses"]["201"];
        assert_eq!(
            opened["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Written"
        );
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for schema in [
            "ServiceDetails",
            "ReportVacancy",
            "RegisterProvider",
            "Problem",
            "CommandResult",
            "Written",
        ] {
            assert!(schemas.contains_key(schema), "{schema} has no schema");
        }
    }
}
