//! The planning structure: methodologists and commissioners of a territory
//! (and administrators) form coordination and working groups, keep their
//! members (accounts, by organisation and side of the triad), schedule
//! meetings and record minutes with attendance.

use super::answers::{CommandResponse, Problem, Refusals};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, load, CommandContext, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::groups::{FormBody, MeetingBody, MinutesBody};
use events::accounts::Account;
use events::accounts::Role;
use events::planning::group::{GroupCommand, Member, PlanningGroup};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(form))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
        .routes(routes!(schedule))
        .routes(routes!(minutes))
}

#[utoipa::path(
    post, path = "/groups", tag = "groups", request_body = FormBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Formed", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
    ),
)]
pub(crate) async fn form(
    State(state): State<AppState>,
    command: Command<FormBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&Role::ORGANISERS, &body.territory, "groups")?;
    let id = creation_id::<PlanningGroup>(&state, &ctx, body.group_id).await?;
    let command = GroupCommand::Form {
        name: body.name,
        kind: body.kind,
        territory: body.territory,
        target_group: body.target_group,
    };
    let result = execute::<PlanningGroup>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

async fn run(
    state: &AppState,
    principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: GroupCommand,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<PlanningGroup>(state, id, command, &ctx, |g, _| {
        if g.name.is_some() {
            principal.require_scoped(&Role::ORGANISERS, &g.territory, "groups")
        } else {
            Ok(())
        }
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/groups/{id}/members", tag = "groups",
    params(("id" = String, Path, description = "The group")), request_body = Member,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Added (or changed)", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 422, description = "Not an account, or invalid fields", body = Problem),
    ),
)]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<Member>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let (account, _) = load::<Account>(&state, &body.account_id).await?;
    if !account.exists || account.erased {
        return Err(ApiError::invalid("account_id", "is not an account"));
    }
    run(&state, &principal, ctx, &id, GroupCommand::AddMember(body)).await
}

#[utoipa::path(
    post, path = "/groups/{id}/members/{account}/remove", tag = "groups",
    params(("id" = String, Path, description = "The group"), ("account" = String, Path, description = "The member's account")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 404, description = "Not a member", body = Problem),
    ),
)]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    Path((id, account)): Path<(String, String)>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        GroupCommand::RemoveMember {
            account_id: account,
        },
    )
    .await
}

#[utoipa::path(
    operation_id = "schedule_meeting", post, path = "/groups/{id}/meetings", tag = "groups",
    params(("id" = String, Path, description = "The group")), request_body = MeetingBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Scheduled", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 409, description = "The meeting has its minutes already", body = Problem),
    ),
)]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<MeetingBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        GroupCommand::ScheduleMeeting {
            meeting_id: body.meeting_id,
            meeting: body.meeting,
        },
    )
    .await
}

#[utoipa::path(
    post, path = "/groups/{id}/meetings/{meeting}/minutes", tag = "groups",
    params(("id" = String, Path, description = "The group"), ("meeting" = String, Path, description = "The meeting")),
    request_body = MinutesBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 404, description = "No such meeting", body = Problem),
        (status = 422, description = "Attendance of non-members, or no minutes", body = Problem),
    ),
)]
pub(crate) async fn minutes(
    State(state): State<AppState>,
    Path((id, meeting)): Path<(String, String)>,
    command: Command<MinutesBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        GroupCommand::RecordMinutes {
            meeting_id: meeting,
            minutes: body.minutes,
            attendance: body.attendance,
        },
    )
    .await
}
