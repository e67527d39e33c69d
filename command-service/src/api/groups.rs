//! The planning structure: methodologists and commissioners of a territory
//! (and administrators) form coordination and working groups, keep their
//! members (accounts, by organisation and side of the triad), schedule
//! meetings and record minutes with attendance.

use super::respond;
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, load, CommandContext, CommandResult};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use command_api::groups::{FormBody, MeetingBody, MinutesBody};
use events::accounts::Account;
use events::accounts::Role;
use events::planning::group::{GroupCommand, Member, PlanningGroup};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", post(form))
        .route("/groups/{id}/members", post(add_member))
        .route("/groups/{id}/members/{account}/remove", post(remove_member))
        .route("/groups/{id}/meetings", post(schedule))
        .route("/groups/{id}/meetings/{meeting}/minutes", post(minutes))
}

#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = FormBody, security(("bearer" = [])), responses((status = 201, description = "Formed", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn form(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<FormBody>,
) -> Result<Response, ApiError> {
    principal.require_scoped(&Role::ORGANISERS, &body.territory, "groups")?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<PlanningGroup>(&state, &ctx, body.group_id).await?;
    let command = GroupCommand::Form {
        name: body.name,
        kind: body.kind,
        territory: body.territory,
        target_group: body.target_group,
    };
    let result = execute::<PlanningGroup>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, true))
}

async fn run(
    state: &AppState,
    principal: &Principal,
    headers: CommandHeaders,
    id: &str,
    command: GroupCommand,
) -> Result<Response, ApiError> {
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<PlanningGroup>(state, id, command, &ctx, |g, _| {
        if g.name.is_some() {
            principal.require_scoped(&Role::ORGANISERS, &g.territory, "groups")
        } else {
            Ok(())
        }
    })
    .await?;
    Ok(respond(result, false))
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", params(("id" = String, Path, description = "The group")), request_body = Member, security(("bearer" = [])), responses((status = 200, description = "Added (or changed)", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 422, description = "Not an account, or invalid fields", body = Problem)))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Member>,
) -> Result<Response, ApiError> {
    let (account, _) = load::<Account>(&state, &body.account_id).await?;
    if !account.exists || account.erased {
        return Err(ApiError::invalid("account_id", "is not an account"));
    }
    run(
        &state,
        &principal,
        headers,
        &id,
        GroupCommand::AddMember(body),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/members/{account}/remove", tag = "groups", params(("id" = String, Path, description = "The group"), ("account" = String, Path, description = "The member's account")), security(("bearer" = [])), responses((status = 200, description = "Removed", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 404, description = "Not a member", body = Problem)))]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path((id, account)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        GroupCommand::RemoveMember {
            account_id: account,
        },
    )
    .await
}

#[utoipa::path(operation_id = "schedule_meeting", post, path = "/api/v1/groups/{id}/meetings", tag = "groups", params(("id" = String, Path, description = "The group")), request_body = MeetingBody, security(("bearer" = [])), responses((status = 200, description = "Scheduled", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 409, description = "The meeting has its minutes already", body = Problem)))]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MeetingBody>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        GroupCommand::ScheduleMeeting {
            meeting_id: body.meeting_id,
            meeting: body.meeting,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/groups/{id}/meetings/{meeting}/minutes", tag = "groups", params(("id" = String, Path, description = "The group"), ("meeting" = String, Path, description = "The meeting")), request_body = MinutesBody, security(("bearer" = [])), responses((status = 200, description = "Recorded", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 404, description = "No such meeting", body = Problem), (status = 422, description = "Attendance of non-members, or no minutes", body = Problem)))]
pub(crate) async fn minutes(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path((id, meeting)): Path<(String, String)>,
    JsonBody(body): JsonBody<MinutesBody>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        GroupCommand::RecordMinutes {
            meeting_id: meeting,
            minutes: body.minutes,
            attendance: body.attendance,
        },
    )
    .await
}
