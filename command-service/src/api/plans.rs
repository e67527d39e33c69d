//! Community plans: commissioners of the territory create a plan, propose,
//! comment, approve or reject its revisions, and evaluate its measures.

use super::answers::{CommandResponse, Problem, Refusals};
use super::grants::require_commissioner;
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandContext, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::plans::{CommentBody, CreateBody, EvaluationBody};
use events::planning::plan::{CommunityPlan, PlanCommand, PlanContent};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(propose))
        .routes(routes!(comment))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(evaluate))
}

/// The revision number of the path.
fn revision_number(n: &str) -> Result<u32, ApiError> {
    n.parse()
        .map_err(|_| ApiError::invalid("revision", format!("{n:?} is not a revision number")))
}

#[utoipa::path(
    operation_id = "create_plan", post, path = "/plans", tag = "plans",
    request_body = CreateBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    command: Command<CreateBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    require_commissioner(&principal, &body.territory)?;
    let id = creation_id::<CommunityPlan>(&state, &ctx, body.plan_id).await?;
    let command = PlanCommand::Create {
        title: body.title,
        territory: body.territory,
    };
    let result = execute::<CommunityPlan>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

async fn run(
    state: &AppState,
    principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: PlanCommand,
    answer: fn(CommandResult) -> CommandResponse,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<CommunityPlan>(state, id, command, &ctx, |plan, _| {
        if plan.title.is_some() {
            require_commissioner(principal, &plan.territory)
        } else {
            Ok(())
        }
    })
    .await?;
    Ok(answer(result))
}

#[utoipa::path(
    post, path = "/plans/{id}/revisions", tag = "plans",
    params(("id" = String, Path, description = "The plan")), request_body = PlanContent,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed (the next revision number)", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 404, description = "No such plan", body = Problem),
    ),
)]
pub(crate) async fn propose(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<PlanContent>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    super::files::check_attachments(&state, "attachments", &body.attachments).await?;
    run(
        &state,
        &principal,
        ctx,
        &id,
        PlanCommand::Propose(body),
        CommandResponse::created,
    )
    .await
}

#[utoipa::path(
    post, path = "/plans/{id}/revisions/{n}/comments", tag = "plans",
    params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")),
    request_body = CommentBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Commented", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 404, description = "No such plan or revision", body = Problem),
    ),
)]
pub(crate) async fn comment(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    command: Command<CommentBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        ctx,
        &id,
        PlanCommand::Comment {
            revision: n,
            text: body.text,
        },
        CommandResponse::changed,
    )
    .await
}

#[utoipa::path(
    post, path = "/plans/{id}/revisions/{n}/approve", tag = "plans",
    params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved: the plan in force", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 409, description = "Already approved, or rejected", body = Problem),
    ),
)]
pub(crate) async fn approve(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        ctx,
        &id,
        PlanCommand::Approve { revision: n },
        CommandResponse::changed,
    )
    .await
}

#[utoipa::path(
    post, path = "/plans/{id}/revisions/{n}/reject", tag = "plans",
    params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 409, description = "Not under discussion", body = Problem),
    ),
)]
pub(crate) async fn reject(
    State(state): State<AppState>,
    Path((id, n)): Path<(String, String)>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        ctx,
        &id,
        PlanCommand::Reject {
            revision: n,
            reason: body.reason,
        },
        CommandResponse::changed,
    )
    .await
}

#[utoipa::path(
    operation_id = "evaluate_measure", post, path = "/plans/{id}/evaluations", tag = "plans",
    params(("id" = String, Path, description = "The plan")), request_body = EvaluationBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Evaluated", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a commissioner of the territory", body = Problem),
        (status = 409, description = "No revision in force", body = Problem),
    ),
)]
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<EvaluationBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = PlanCommand::Evaluate {
        year: body.year,
        measure_id: body.measure_id,
        fulfilment: body.fulfilment,
        note: body.note,
    };
    run(
        &state,
        &principal,
        ctx,
        &id,
        command,
        CommandResponse::changed,
    )
    .await
}
