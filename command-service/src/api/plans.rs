//! Community plans: commissioners of the territory create a plan, propose,
//! comment, approve or reject its revisions, and evaluate its measures.

use super::grants::require_commissioner;
use super::{respond, ReasonBody};
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandContext, CommandResult};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use command_api::plans::{CommentBody, CreateBody, EvaluationBody};
use events::planning::plan::{CommunityPlan, PlanCommand, PlanContent};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", post(create))
        .route("/plans/{id}/revisions", post(propose))
        .route("/plans/{id}/revisions/{n}/comments", post(comment))
        .route("/plans/{id}/revisions/{n}/approve", post(approve))
        .route("/plans/{id}/revisions/{n}/reject", post(reject))
        .route("/plans/{id}/evaluations", post(evaluate))
}

/// The revision number of the path.
fn revision_number(n: &str) -> Result<u32, ApiError> {
    n.parse()
        .map_err(|_| ApiError::invalid("revision", format!("{n:?} is not a revision number")))
}

#[utoipa::path(operation_id = "create_plan", post, path = "/api/v1/plans", tag = "plans", request_body = CreateBody, security(("bearer" = [])), responses((status = 201, description = "Created", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, ApiError> {
    require_commissioner(&principal, &body.territory)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<CommunityPlan>(&state, &ctx, body.plan_id).await?;
    let command = PlanCommand::Create {
        title: body.title,
        territory: body.territory,
    };
    let result = execute::<CommunityPlan>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, true))
}

async fn run(
    state: &AppState,
    principal: &Principal,
    headers: CommandHeaders,
    id: &str,
    command: PlanCommand,
    created: bool,
) -> Result<Response, ApiError> {
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<CommunityPlan>(state, id, command, &ctx, |plan, _| {
        if plan.title.is_some() {
            require_commissioner(principal, &plan.territory)
        } else {
            Ok(())
        }
    })
    .await?;
    Ok(respond(result, created))
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions", tag = "plans", params(("id" = String, Path, description = "The plan")), request_body = PlanContent, security(("bearer" = [])), responses((status = 201, description = "Proposed (the next revision number)", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 404, description = "No such plan", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn propose(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PlanContent>,
) -> Result<Response, ApiError> {
    super::files::check_attachments(&state, "attachments", &body.attachments).await?;
    run(
        &state,
        &principal,
        headers,
        &id,
        PlanCommand::Propose(body),
        true,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions/{n}/comments", tag = "plans", params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")), request_body = CommentBody, security(("bearer" = [])), responses((status = 200, description = "Commented", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 404, description = "No such plan or revision", body = Problem)))]
pub(crate) async fn comment(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path((id, n)): Path<(String, String)>,
    JsonBody(body): JsonBody<CommentBody>,
) -> Result<Response, ApiError> {
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        headers,
        &id,
        PlanCommand::Comment {
            revision: n,
            text: body.text,
        },
        false,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions/{n}/approve", tag = "plans", params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")), security(("bearer" = [])), responses((status = 200, description = "Approved: the plan in force", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 409, description = "Already approved, or rejected", body = Problem)))]
pub(crate) async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        headers,
        &id,
        PlanCommand::Approve { revision: n },
        false,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions/{n}/reject", tag = "plans", params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Rejected", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 409, description = "Not under discussion", body = Problem)))]
pub(crate) async fn reject(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path((id, n)): Path<(String, String)>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    let n = revision_number(&n)?;
    run(
        &state,
        &principal,
        headers,
        &id,
        PlanCommand::Reject {
            revision: n,
            reason: body.reason,
        },
        false,
    )
    .await
}

#[utoipa::path(operation_id = "evaluate_measure", post, path = "/api/v1/plans/{id}/evaluations", tag = "plans", params(("id" = String, Path, description = "The plan")), request_body = EvaluationBody, security(("bearer" = [])), responses((status = 200, description = "Evaluated", body = CommandResult), (status = 403, description = "Not a commissioner of the territory", body = Problem), (status = 409, description = "No revision in force", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EvaluationBody>,
) -> Result<Response, ApiError> {
    let command = PlanCommand::Evaluate {
        year: body.year,
        measure_id: body.measure_id,
        fulfilment: body.fulfilment,
        note: body.note,
    };
    run(&state, &principal, headers, &id, command, false).await
}
