//! Grant procedures: commissioners of a kraj or municipality announce calls
//! for their territory, evaluate, decide and amend; providers apply for
//! their services before the deadline and may withdraw before the decision.

use super::answers::{CommandResponse, Problem, Refusals};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, load, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::grants::{AnnounceBody, DecisionBody, EvaluateBody, SubmitBody};
use events::accounts::{Role, Scope};
use events::grants::application::{CallFacts, GrantApplication, GrantApplicationCommand};
use events::grants::call::{CallDetails, GrantCall, GrantCallCommand};
use events::registry::service::Service;
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(announce))
        .routes(routes!(cancel))
        .routes(routes!(submit))
        .routes(routes!(withdraw))
        .routes(routes!(evaluate))
        .routes(routes!(decide))
        .routes(routes!(amend))
}

/// Commissioner of the territory (its kraj or municipality code), or administrator.
pub(super) fn require_commissioner(principal: &Principal, territory: &str) -> Result<(), ApiError> {
    let ok = principal.is_admin()
        || principal.roles.iter().any(|g| {
            g.role == Role::Commissioner
                && matches!(&g.scope, Scope::Kraj(t) | Scope::Municipality(t) if t == territory)
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "only a commissioner of {territory} may do this"
        )))
    }
}

async fn call_of(state: &AppState, id: &str) -> Result<CallDetails, ApiError> {
    let (call, _) = load::<GrantCall>(state, id).await?;
    call.details
        .ok_or_else(|| ApiError::invalid("call_id", format!("{id} is not a call")))
}

/// The call of an application, and the application.
async fn application_call(
    state: &AppState,
    id: &str,
) -> Result<(GrantApplication, CallDetails), ApiError> {
    let (app, _) = load::<GrantApplication>(state, id).await?;
    let call_id = app
        .details
        .as_ref()
        .map(|d| d.call_id.clone())
        .ok_or_else(|| ApiError::Domain(events::DomainError::NotFound("the application".into())))?;
    Ok((app, call_of(state, &call_id).await?))
}

#[utoipa::path(
    post, path = "/grants/calls", tag = "grants", request_body = AnnounceBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Announced", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
    ),
)]
pub(crate) async fn announce(
    State(state): State<AppState>,
    command: Command<AnnounceBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    require_commissioner(&principal, &body.details.territory)?;
    let id = creation_id::<GrantCall>(&state, &ctx, body.call_id).await?;
    let command = GrantCallCommand::Announce(body.details);
    let result = execute::<GrantCall>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    post, path = "/grants/calls/{id}/cancel", tag = "grants",
    params(("id" = String, Path, description = "The call")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 404, description = "No such call", body = Problem),
    ),
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = GrantCallCommand::Cancel {
        reason: body.reason,
    };
    let result = execute::<GrantCall>(&state, &id, command, &ctx, |call, _| match &call.details {
        Some(d) => require_commissioner(&principal, &d.territory),
        None => Ok(()),
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

/// The namespace of applications' ids.
const APPLICATION_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x7d3e_51c2_90aa_4b61_8f05_a11c_a710_0001);

/// The id of the application of `service` to `call`.
pub fn application_id(call: &str, service: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &APPLICATION_NAMESPACE,
        format!("{call}/{service}").as_bytes(),
    )
}

#[utoipa::path(
    post, path = "/grants/applications", tag = "grants", request_body = SubmitBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Submitted", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the provider's account", body = Problem),
        (status = 409, description = "The deadline has passed or the call was cancelled", body = Problem),
    ),
)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    command: Command<SubmitBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_provider(&body.details.provider_ico)?;
    super::files::check_attachments(&state, "details.attachments", &body.details.attachments)
        .await?;
    let (call, _) = load::<GrantCall>(&state, &body.details.call_id).await?;
    let details = call.details.clone().ok_or_else(|| {
        ApiError::invalid(
            "details.call_id",
            format!("{} is not a call", body.details.call_id),
        )
    })?;
    let (service, _) = load::<Service>(&state, &body.details.service_id).await?;
    let service_kind = service
        .details
        .as_ref()
        .filter(|_| service.provider_ico == body.details.provider_ico)
        .map(|d| d.kind);
    let facts = CallFacts {
        open: call.open_at(OffsetDateTime::now_utc()),
        eligible_kinds: details.eligible_kinds,
        service_kind,
    };
    // One application per service and call: its id is derived from both, so
    // a second one meets the first and is refused by it.
    let derived = application_id(&body.details.call_id, &body.details.service_id);
    if body.application_id.is_some_and(|chosen| chosen != derived) {
        return Err(ApiError::invalid(
            "application_id",
            format!("an application's id is derived from its call and service: {derived}"),
        ));
    }
    let id = derived.to_string();
    let command = GrantApplicationCommand::Submit {
        details: body.details,
        facts,
    };
    let result = execute::<GrantApplication>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    operation_id = "withdraw_application", post, path = "/grants/applications/{id}/withdraw",
    tag = "grants", params(("id" = String, Path, description = "The application")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the applicant", body = Problem),
        (status = 409, description = "Already decided", body = Problem),
    ),
)]
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = GrantApplicationCommand::Withdraw {
        reason: body.reason,
    };
    let result =
        execute::<GrantApplication>(&state, &id, command, &ctx, |app, _| match &app.details {
            Some(d) => principal.require_provider(&d.provider_ico),
            None => Ok(()),
        })
        .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "evaluate_application", post,
    path = "/grants/applications/{id}/evaluations", tag = "grants",
    params(("id" = String, Path, description = "The application")),
    request_body = EvaluateBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Evaluated (the evaluator's earlier evaluation is replaced)", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the call's territory", body = Problem),
        (status = 409, description = "Withdrawn or decided", body = Problem),
        (status = 422, description = "Invalid scores, each named", body = Problem),
    ),
)]
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<EvaluateBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let (_, call) = application_call(&state, &id).await?;
    require_commissioner(&principal, &call.territory)?;
    let command = GrantApplicationCommand::Evaluate {
        evaluator: principal.account_id.to_string(),
        scores: body.scores,
        criteria: call.criteria,
    };
    let result = execute::<GrantApplication>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/grants/applications/{id}/decision", tag = "grants",
    params(("id" = String, Path, description = "The application")),
    request_body = DecisionBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the call's territory", body = Problem),
        (status = 409, description = "Not evaluated, or already decided", body = Problem),
    ),
)]
pub(crate) async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<DecisionBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let (_, call) = application_call(&state, &id).await?;
    require_commissioner(&principal, &call.territory)?;
    let command = GrantApplicationCommand::Decide {
        granted_amount: body.granted_amount,
        reasons: body.reasons,
    };
    let result = execute::<GrantApplication>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/grants/applications/{id}/amendments", tag = "grants",
    params(("id" = String, Path, description = "The application")),
    request_body = DecisionBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Amended", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the call's territory", body = Problem),
        (status = 409, description = "Not decided yet", body = Problem),
    ),
)]
pub(crate) async fn amend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<DecisionBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let (_, call) = application_call(&state, &id).await?;
    require_commissioner(&principal, &call.territory)?;
    let command = GrantApplicationCommand::Amend {
        granted_amount: body.granted_amount,
        reasons: body.reasons,
    };
    let result = execute::<GrantApplication>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}
