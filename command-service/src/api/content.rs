//! The portal's content: regional news (methodologists of the kraj),
//! calendar events (methodologists and commissioners of the territory), job
//! postings (providers). Administrators may do everything.

use super::answers::{CommandResponse, Problem, Refusals};
use super::ReasonBody;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::content::{PostBody, PublishBody, ScheduleBody};
use events::accounts::Role;
use events::content::calendar::{CalendarCommand, CalendarEntry, CalendarEvent};
use events::content::jobs::{JobCommand, JobPosting};
use events::content::news::{Article, News, NewsCommand};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish))
        .routes(routes!(correct))
        .routes(routes!(withdraw_news))
        .routes(routes!(schedule))
        .routes(routes!(reschedule))
        .routes(routes!(cancel_event))
        .routes(routes!(post_job))
        .routes(routes!(close_job))
}

#[utoipa::path(
    operation_id = "publish_news", post, path = "/news", tag = "content",
    request_body = PublishBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Published", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist of the kraj", body = Problem),
    ),
)]
pub(crate) async fn publish(
    State(state): State<AppState>,
    command: Command<PublishBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&[Role::Methodologist], &body.article.kraj, "news")?;
    super::files::check_attachments(&state, "article.attachments", &body.article.attachments)
        .await?;
    let id = creation_id::<News>(&state, &ctx, body.news_id).await?;
    let result = execute::<News>(
        &state,
        &id,
        NewsCommand::Publish(body.article),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    put, path = "/news/{id}", tag = "content",
    params(("id" = String, Path, description = "The article")), request_body = Article,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist of the kraj", body = Problem),
        (status = 404, description = "No such article", body = Problem),
    ),
)]
pub(crate) async fn correct(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<Article>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&[Role::Methodologist], &body.kraj, "news")?;
    super::files::check_attachments(&state, "attachments", &body.attachments).await?;
    let result = execute::<News>(
        &state,
        &id,
        NewsCommand::Correct(body),
        &ctx,
        |n, _| match &n.article {
            Some(a) => principal.require_scoped(&[Role::Methodologist], &a.kraj, "news"),
            None => Ok(()),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/news/{id}/withdraw", tag = "content",
    params(("id" = String, Path, description = "The article")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist of the kraj", body = Problem),
        (status = 404, description = "No such article", body = Problem),
    ),
)]
pub(crate) async fn withdraw_news(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let result = execute::<News>(
        &state,
        &id,
        NewsCommand::Withdraw {
            reason: body.reason,
        },
        &ctx,
        |n, _| match &n.article {
            Some(a) => principal.require_scoped(&[Role::Methodologist], &a.kraj, "news"),
            None => Ok(()),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "schedule_event", post, path = "/calendar", tag = "content",
    request_body = ScheduleBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Scheduled", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist or commissioner of the territory", body = Problem),
    ),
)]
pub(crate) async fn schedule(
    State(state): State<AppState>,
    command: Command<ScheduleBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&Role::ORGANISERS, &body.entry.territory, "events")?;
    super::files::check_attachments(&state, "entry.attachments", &body.entry.attachments).await?;
    let id = creation_id::<CalendarEvent>(&state, &ctx, body.event_id).await?;
    let result = execute::<CalendarEvent>(
        &state,
        &id,
        CalendarCommand::Schedule(body.entry),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    put, path = "/calendar/{id}", tag = "content",
    params(("id" = String, Path, description = "The event")), request_body = CalendarEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 409, description = "Cancelled", body = Problem),
    ),
)]
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<CalendarEntry>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&Role::ORGANISERS, &body.territory, "events")?;
    super::files::check_attachments(&state, "attachments", &body.attachments).await?;
    let result = execute::<CalendarEvent>(
        &state,
        &id,
        CalendarCommand::Schedule(body),
        &ctx,
        |e, _| match &e.entry {
            Some(x) => principal.require_scoped(&Role::ORGANISERS, &x.territory, "events"),
            None => Err(ApiError::Domain(events::DomainError::NotFound(
                "the event".into(),
            ))),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/calendar/{id}/cancel", tag = "content",
    params(("id" = String, Path, description = "The event")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 404, description = "No such event", body = Problem),
    ),
)]
pub(crate) async fn cancel_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let result = execute::<CalendarEvent>(
        &state,
        &id,
        CalendarCommand::Cancel {
            reason: body.reason,
        },
        &ctx,
        |e, _| match &e.entry {
            Some(x) => principal.require_scoped(&Role::ORGANISERS, &x.territory, "events"),
            None => Ok(()),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/jobs", tag = "content", request_body = PostBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Posted", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the provider's account", body = Problem),
    ),
)]
pub(crate) async fn post_job(
    State(state): State<AppState>,
    command: Command<PostBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_provider(&body.posting.provider_ico)?;
    let (provider, _) = crate::execute::load::<events::registry::provider::Provider>(
        &state,
        &body.posting.provider_ico,
    )
    .await?;
    if provider.ico.is_none() {
        return Err(ApiError::invalid(
            "posting.provider_ico",
            "is not a registered provider",
        ));
    }
    let id = creation_id::<JobPosting>(&state, &ctx, body.job_id).await?;
    let result =
        execute::<JobPosting>(&state, &id, JobCommand::Post(body.posting), &ctx, |_, _| {
            Ok(())
        })
        .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    post, path = "/jobs/{id}/close", tag = "content",
    params(("id" = String, Path, description = "The posting")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the provider's account", body = Problem),
        (status = 404, description = "No such posting", body = Problem),
    ),
)]
pub(crate) async fn close_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    let result = execute::<JobPosting>(&state, &id, JobCommand::Close, &ctx, |j, _| {
        match &j.posting {
            Some(p) => principal.require_provider(&p.provider_ico),
            None => Ok(()),
        }
    })
    .await?;
    Ok(CommandResponse::changed(result))
}
