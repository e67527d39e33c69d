//! Surveys: methodologists (for their kraj) and administrators define, open
//! and close them; invited providers answer. An anonymous answer is stored
//! under a name only this server can compute (a keyed hash of the survey
//! and the provider) and with an anonymous actor, so nothing read from the
//! log or any endpoint leads back to the respondent.

use super::answers::{CommandResponse, Problem, Refusals};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, load, CommandContext, CommandResult};
use crate::extract::{Command, CommandHeaders};
use crate::state::AppState;
use axum::extract::{Path, State};
use blake2::digest::consts::U16;
use blake2::digest::{FixedOutput, KeyInit, Update};
use command_api::surveys::{AnswerBody, DefineBody};
use events::accounts::{Role, Scope};
use events::registry::provider::Provider;
use events::registry::service::{Service, ServiceStatus};
use events::surveys::response::{SurveyFacts, SurveyResponse, SurveyResponseCommand};
use events::surveys::survey::{Audience, Survey, SurveyCommand, SurveyDefinition, SurveyStatus};
use events::{Actor, DomainError};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(define))
        .routes(routes!(redefine))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(answer))
}

/// Administrators; methodologists for surveys of their kraj.
fn require_author(principal: &Principal, d: &SurveyDefinition) -> Result<(), ApiError> {
    let ok = principal.is_admin()
        || principal
            .roles
            .iter()
            .any(|g| match (&g.role, &g.scope, &d.audience) {
                (Role::Methodologist, Scope::Kraj(k), Audience::Kraj { code }) => k == code,
                _ => false,
            });
    if ok {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "surveys are written by administrators, and by methodologists for providers of their kraj".into(),
        ))
    }
}

#[utoipa::path(
    post, path = "/surveys", tag = "surveys", request_body = DefineBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Defined (a draft)", body = CommandResult),
        Refusals,
    ),
)]
pub(crate) async fn define(
    State(state): State<AppState>,
    command: Command<DefineBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    require_author(&principal, &body.definition)?;
    let id = creation_id::<Survey>(&state, &ctx, body.survey_id).await?;
    let result = execute::<Survey>(
        &state,
        &id,
        SurveyCommand::Define(body.definition),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    put, path = "/surveys/{id}", tag = "surveys",
    params(("id" = String, Path, description = "The survey")), request_body = SurveyDefinition,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Redefined (drafts only)", body = CommandResult),
        Refusals,
        (status = 409, description = "Already open", body = Problem),
    ),
)]
pub(crate) async fn redefine(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<SurveyDefinition>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    require_author(&principal, &body)?;
    let result = execute::<Survey>(
        &state,
        &id,
        SurveyCommand::Define(body),
        &ctx,
        |s, _| match &s.definition {
            Some(d) => require_author(&principal, d),
            None => Ok(()),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

async fn transition(
    state: &AppState,
    principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: SurveyCommand,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<Survey>(state, id, command, &ctx, |s, _| match &s.definition {
        Some(d) => require_author(principal, d),
        None => Ok(()),
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/surveys/{id}/open", tag = "surveys",
    params(("id" = String, Path, description = "The survey")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Open for answers", body = CommandResult),
        Refusals,
        (status = 409, description = "Closed", body = Problem),
    ),
)]
pub(crate) async fn open(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    transition(&state, &principal, ctx, &id, SurveyCommand::Open).await
}

#[utoipa::path(
    post, path = "/surveys/{id}/close", tag = "surveys",
    params(("id" = String, Path, description = "The survey")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed", body = CommandResult),
        Refusals,
        (status = 409, description = "Never opened", body = Problem),
    ),
)]
pub(crate) async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    transition(&state, &principal, ctx, &id, SurveyCommand::Close).await
}

/// Whether the provider is invited, and why not.
async fn invited(
    state: &AppState,
    audience: &Audience,
    ico: &str,
    service_id: Option<&str>,
) -> Result<(), ApiError> {
    let (provider, _) = load::<Provider>(state, ico).await?;
    if provider.ico.is_none() {
        return Err(ApiError::invalid(
            "provider_ico",
            format!("{ico} is not a registered provider"),
        ));
    }
    let refuse = |why: String| {
        Err(ApiError::Forbidden(format!(
            "the provider {ico} is not invited: {why}"
        )))
    };
    match audience {
        Audience::AllProviders => Ok(()),
        Audience::Kraj { code } => {
            let t = &state.territory;
            let wanted = t
                .kraj_by_any_code(code)
                .map_or(code.clone(), |k| k.nuts.clone());
            let office = provider
                .address
                .municipality_code
                .as_deref()
                .and_then(|m| t.kraj_of_municipality(m))
                .map(str::to_string);
            if office.as_deref() == Some(wanted.as_str()) {
                return Ok(());
            }
            // A provider registered elsewhere answers for a service working in the kraj.
            if let Some(id) = service_id {
                let (service, _) = load::<Service>(state, id).await?;
                let works_there = service.provider_ico == ico
                    && service.status == ServiceStatus::Active
                    && service
                        .details
                        .as_ref()
                        .is_some_and(|d| t.serves_kraj(d, &wanted));
                if works_there {
                    return Ok(());
                }
            }
            let name = |nuts: &str| {
                t.kraje
                    .get(nuts)
                    .map_or(nuts.to_string(), |k| k.name.clone())
            };
            let office = office.map_or_else(|| "no known municipality".into(), |k| name(&k));
            refuse(format!(
                "its registered office is in {office} and no service of its named works in {}",
                name(&wanted)
            ))
        }
        Audience::ServiceKind { kind } => {
            let Some(id) = service_id else {
                return Err(ApiError::invalid(
                    "service_id",
                    format!("name your service of kind {kind}"),
                ));
            };
            let (service, _) = load::<Service>(state, id).await?;
            match service.details {
                Some(d) if service.provider_ico == ico && d.kind == *kind => Ok(()),
                _ => refuse(format!("{id} is not its service of kind {kind}")),
            }
        }
    }
}

/// The stream of an anonymous answer: a keyed hash nobody else can compute or invert.
fn anonymous_stream(key: &[u8], survey_id: &str, ico: &str) -> String {
    let mut mac = <blake2::Blake2bMac<U16> as KeyInit>::new_from_slice(&key[..key.len().min(64)])
        .unwrap_or_else(|_| {
            <blake2::Blake2bMac<U16> as KeyInit>::new_from_slice(b"portal").expect("a short key")
        });
    Update::update(&mut mac, format!("survey:{survey_id}:{ico}").as_bytes());
    mac.finalize_fixed()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[utoipa::path(
    post, path = "/surveys/{id}/answers", tag = "surveys",
    params(("id" = String, Path, description = "The survey")), request_body = AnswerBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Answered (a later answer replaces this one while the survey is open); an anonymous answer's stream and actor name nobody", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the provider's account, or the provider is not invited", body = Problem),
        (status = 409, description = "The survey is not open", body = Problem),
        (status = 422, description = "Invalid answers, each named", body = Problem),
    ),
)]
pub(crate) async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Command {
        principal,
        headers,
        body,
    }: Command<AnswerBody>,
) -> Result<CommandResponse, ApiError> {
    principal.require_provider(&body.provider_ico)?;
    let (survey, _) = load::<Survey>(&state, &id).await?;
    let definition = survey
        .definition
        .clone()
        .ok_or_else(|| ApiError::Domain(DomainError::NotFound("the survey".into())))?;
    invited(
        &state,
        &definition.audience,
        &body.provider_ico,
        body.service_id.as_deref(),
    )
    .await?;
    let (stream, ctx, respondent) = if definition.anonymous {
        let actor = Actor {
            account_id: "anonymous".into(),
            role: "provider".into(),
        };
        // No idempotency key either: it would be shared by every anonymous respondent.
        let headers = CommandHeaders {
            idempotency_key: None,
            ..headers
        };
        (
            anonymous_stream(&state.audit_key, &id, &body.provider_ico),
            CommandContext::new(actor, headers),
            None,
        )
    } else {
        (
            format!("{id}:{}", body.provider_ico),
            CommandContext::new(principal.actor(), headers),
            Some(body.provider_ico.clone()),
        )
    };
    let command = SurveyResponseCommand::Answer {
        survey_id: id,
        respondent,
        answers: body.answers,
        survey: SurveyFacts {
            open: survey.status == SurveyStatus::Open,
            questions: definition.questions,
        },
    };
    let result = execute::<SurveyResponse>(&state, &stream, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}
