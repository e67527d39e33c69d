//! Regional contacts shown on the map: an administrator publishes any; the
//! methodologist of a kraj those of that kraj (its own and the social
//! curators'); a social curator the curator contacts of its ORP. The ORP
//! must lie in the contact's kraj; codes (NUTS, ČSÚ, RÚIAN) are compared
//! through the territory, or as written when the portal has none.

use super::answers::{CommandResponse, Problem, Refusals};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{creation_id, execute};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::regional_contacts::PublishContactBody;
use events::accounts::{Role, Scope};
use events::registry::regional_contact::{
    ContactDetails, ContactRole, RegionalContact, RegionalContactCommand,
};
use infra::territory::Territory;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(publish))
        .routes(routes!(change))
        .routes(routes!(withdraw))
}

/// The same kraj, whichever of its codes each names.
fn same_kraj(territory: &Territory, a: &str, b: &str) -> bool {
    match (territory.kraj_by_any_code(a), territory.kraj_by_any_code(b)) {
        (Some(x), Some(y)) => x.nuts == y.nuts,
        _ => a == b,
    }
}

/// The same ORP, whichever of its codes each names.
fn same_orp(territory: &Territory, a: &str, b: &str) -> bool {
    match (territory.orp_by_any_code(a), territory.orp_by_any_code(b)) {
        (Some(x), Some(y)) => x.csu_code == y.csu_code,
        _ => a == b,
    }
}

/// May this account keep a contact with these details?
fn may_keep(principal: &Principal, territory: &Territory, details: &ContactDetails) -> bool {
    principal.is_admin()
        || principal.roles.iter().any(|g| match (&g.role, &g.scope) {
            (Role::Methodologist, Scope::Kraj(k)) => same_kraj(territory, k, &details.kraj),
            (Role::SocialCurator, Scope::Orp(o)) => {
                details.role == ContactRole::SocialCurator
                    && details
                        .orp
                        .as_deref()
                        .is_some_and(|d| same_orp(territory, o, d))
            }
            _ => false,
        })
}

/// The contact's place exists and its ORP lies in its kraj (when the portal has the territory).
fn check_place(
    territory: &Territory,
    details: &ContactDetails,
    prefix: &str,
) -> Result<(), ApiError> {
    if territory.is_empty() {
        return Ok(());
    }
    let kraj = territory
        .kraj_by_any_code(&details.kraj)
        .ok_or_else(|| ApiError::invalid(format!("{prefix}kraj"), "is no kraj"))?;
    if let Some(code) = &details.orp {
        let orp = territory
            .orp_by_any_code(code)
            .ok_or_else(|| ApiError::invalid(format!("{prefix}orp"), "is no ORP"))?;
        if orp.kraj_nuts != kraj.nuts {
            return Err(ApiError::invalid(
                format!("{prefix}orp"),
                format!("{} lies in another kraj than {}", orp.name, kraj.name),
            ));
        }
    }
    Ok(())
}

fn require(
    state: &AppState,
    principal: &Principal,
    details: &ContactDetails,
) -> Result<(), ApiError> {
    if may_keep(principal, &state.territory, details) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "contacts of a kraj are kept by its methodologist, those of an ORP also by its \
             social curators, and all by administrators"
                .into(),
        ))
    }
}

#[utoipa::path(
    operation_id = "publish_regional_contact", post, path = "/regional-contacts",
    tag = "regional-contacts", request_body = PublishContactBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Published", body = CommandResult),
        Refusals,
    ),
)]
async fn publish(
    State(state): State<AppState>,
    command: Command<PublishContactBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    check_place(&state.territory, &body.details, "details.")?;
    require(&state, &principal, &body.details)?;
    let id = creation_id::<RegionalContact>(&state, &ctx, body.contact_id).await?;
    let command = RegionalContactCommand::Publish(body.details);
    let result = execute::<RegionalContact>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

/// The current details must be the account's to keep too.
fn keeps_current(
    state: &AppState,
    principal: &Principal,
    current: &RegionalContact,
) -> Result<(), ApiError> {
    match &current.details {
        Some(details) => require(state, principal, details),
        None => Ok(()),
    }
}

#[utoipa::path(
    operation_id = "change_regional_contact", put, path = "/regional-contacts/{id}",
    tag = "regional-contacts",
    params(("id" = String, Path, description = "Id of the contact")),
    request_body = ContactDetails, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CommandResult),
        Refusals,
        (status = 404, description = "No such contact", body = Problem),
    ),
)]
async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ContactDetails>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    check_place(&state.territory, &body, "")?;
    require(&state, &principal, &body)?;
    let command = RegionalContactCommand::Change(body);
    let result = execute::<RegionalContact>(&state, &id, command, &ctx, |current, _| {
        keeps_current(&state, &principal, current)
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "withdraw_regional_contact", post,
    path = "/regional-contacts/{id}/withdraw", tag = "regional-contacts",
    params(("id" = String, Path, description = "Id of the contact")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = CommandResult),
        Refusals,
        (status = 404, description = "No such contact", body = Problem),
    ),
)]
async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    if !principal.has_any(&[
        Role::Administrator,
        Role::Methodologist,
        Role::SocialCurator,
    ]) {
        return Err(ApiError::Forbidden(
            "contacts are kept by administrators, methodologists and social curators".into(),
        ));
    }
    let command = RegionalContactCommand::Withdraw {
        reason: body.reason,
    };
    let result = execute::<RegionalContact>(&state, &id, command, &ctx, |current, _| {
        keeps_current(&state, &principal, current)
    })
    .await?;
    Ok(CommandResponse::changed(result))
}
