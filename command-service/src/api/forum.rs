//! The forum: anyone may open threads and post in the public section (no
//! account; rate limited per client address), registered accounts also in
//! the professional section; authors edit their own posts (signed in);
//! moderators (administrators and methodologists) hide posts and threads and
//! lock threads. What a person writes is sealed under their own key before
//! it is recorded ([`infra::personal`]); erasing an author destroys the key.
//!
//! An author without an account is known by an **author secret**: the first
//! post answers a new one; sent again with later posts it keeps them under
//! the same person, and it is what erases them (`POST /forum/authors/erase`).

use super::answers::{CommandResponse, Problem, Refusals, Versioned};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandContext, CommandResult};
use crate::extract::{ClientAddr, Command, CommandHeaders, Public};
use crate::limits::Permit;
use crate::state::AppState;
use axum::extract::{Path, State};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use blake2::digest::consts::U16;
use blake2::{Blake2b, Digest};
use command_api::forum::{AuthorSecretBody, OpenThreadBody, ReplyBody};
use events::accounts::Role;
use events::forum::author::{ForumAuthor, ForumAuthorCommand};
use events::forum::thread::{Thread, ThreadCommand};
use events::forum::{Author, PostText, Sealed, Section};
use events::Actor;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open_thread))
        .routes(routes!(reply))
        .routes(routes!(edit))
        .routes(routes!(hide_post))
        .routes(routes!(restore_post))
        .routes(routes!(lock))
        .routes(routes!(unlock))
        .routes(routes!(hide_thread))
        .routes(routes!(restore_thread))
        .routes(routes!(erase_self))
        .routes(routes!(erase_author))
}

/// Those who moderate the forum.
const MODERATORS: [Role; 2] = [Role::Administrator, Role::Methodologist];

fn require_moderator(p: &Principal) -> Result<(), ApiError> {
    if p.has_any(&MODERATORS) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the forum is moderated by administrators and methodologists".into(),
        ))
    }
}

fn parse_id(field: &str, value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value).map_err(|_| ApiError::invalid(field, "must be a UUID"))
}

/// The person an author secret stands for: a hash nobody can invert.
fn person_of_secret(secret: &str) -> Result<Uuid, ApiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(secret.trim())
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            ApiError::invalid("author_secret", "is not an author secret this portal gave")
        })?;
    let digest = Blake2b::<U16>::new_with_prefix(b"portal forum author\0")
        .chain_update(&bytes)
        .finalize();
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest);
    Ok(uuid::Builder::from_custom_bytes(id).into_uuid())
}

/// Who writes and in whose name the command is recorded; a new secret when
/// an author without an account brought none.
struct Writer {
    author: Author,
    ctx: CommandContext,
    new_secret: Option<String>,
}

fn writer(
    principal: Option<&Principal>,
    secret: Option<&str>,
    mut headers: CommandHeaders,
) -> Result<Writer, ApiError> {
    if let Some(p) = principal {
        return Ok(Writer {
            author: Author {
                person: p.account_id,
                account: Some(p.account_id),
            },
            ctx: CommandContext::new(p.actor(), headers),
            new_secret: None,
        });
    }
    let (person, new_secret) = match secret {
        Some(s) => (person_of_secret(s)?, None),
        None => {
            let s = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
            (person_of_secret(&s)?, Some(s))
        }
    };
    // Idempotency keys of the public are kept apart per person.
    headers.idempotency_key = headers.idempotency_key.map(|k| format!("{person}:{k}"));
    Ok(Writer {
        author: Author {
            person,
            account: None,
        },
        ctx: CommandContext::new(
            Actor {
                account_id: "anonymous".into(),
                role: "public".into(),
            },
            headers,
        ),
        new_secret,
    })
}

/// The professional section is for verified accounts: a self-registered
/// provider's account waits until an administrator verifies the provider.
async fn require_verified(state: &AppState, principal: Option<&Principal>) -> Result<(), ApiError> {
    let Some(principal) = principal else {
        return Err(ApiError::Unauthorized(
            "the professional section is for registered accounts; log in".into(),
        ));
    };
    let (account, _) =
        crate::execute::load::<events::accounts::Account>(state, &principal.account_id.to_string())
            .await?;
    let mut verified = std::collections::BTreeSet::new();
    for grant in &account.roles {
        if let events::accounts::Scope::Provider(ico) = &grant.scope {
            let (provider, _) =
                crate::execute::load::<events::registry::provider::Provider>(state, ico).await?;
            if provider.verified_at.is_some() {
                verified.insert(ico.clone());
            }
        }
    }
    if account.reaches_professional_section(|ico| verified.contains(ico)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the professional section is for verified accounts: a self-registered provider's \
             account reaches it once an administrator verifies the provider"
                .into(),
        ))
    }
}

/// Checks the text and seals it under the author's key.
async fn seal(
    state: &AppState,
    author: &Author,
    text: &PostText,
    opening: bool,
) -> Result<Sealed, ApiError> {
    text.check(opening)?;
    super::files::check_attachments(state, "text.attachments", &text.attachments).await?;
    let key = state
        .personal_keys
        .key_for_writing(author.person)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(|| {
            ApiError::Forbidden(
                "this author's data was erased; the author cannot write any more".into(),
            )
        })?;
    Ok(infra::personal::seal(&key, author.person, text))
}

/// The public's posts are limited per client address: counted before
/// anything is written (the author's key included), given back when the
/// command wrote nothing.
fn allowance<'a>(
    state: &'a AppState,
    w: &Writer,
    client: &ClientAddr,
) -> Result<Option<Permit<'a>>, ApiError> {
    match w.author.account {
        Some(_) => Ok(None),
        None => state.limits.forum_posts.permit(client.key()).map(Some),
    }
}

/// Keeps the post counted when it wrote an event.
fn settle(permit: Option<Permit<'_>>, result: &CommandResult) {
    if let Some(p) = permit.filter(|_| result.events > 0 && !result.deduplicated) {
        p.keep();
    }
}

/// The answer to a new thread or post: the command's result, the post's id
/// and, for a new author without an account, the secret to keep.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Written {
    /// What was recorded.
    #[serde(flatten)]
    result: CommandResult,
    /// The new post (absent on a retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    post_id: Option<Uuid>,
    /// For a new author without an account: the secret that names the
    /// author from now on (to write again, edit, or erase what they wrote).
    #[serde(skip_serializing_if = "Option::is_none")]
    author_secret: Option<String>,
}

impl Versioned for Written {
    fn version(&self) -> u64 {
        self.result.version
    }
}

fn written(result: CommandResult, post_id: Uuid, w: &Writer) -> CommandResponse<Written> {
    let post_id = Some(post_id).filter(|_| !result.deduplicated);
    CommandResponse::created(result).map(|result| Written {
        result,
        post_id,
        author_secret: w.new_secret.clone(),
    })
}

#[utoipa::path(
    post, path = "/forum/threads", tag = "forum", request_body = OpenThreadBody,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Opened; the answer adds `post_id` and, for a new author without an account, `author_secret`", body = Written),
        (status = 401, description = "The professional section needs an account", body = Problem),
        (status = 403, description = "The professional section needs a verified account", body = Problem),
        (status = 422, description = "Invalid fields, each named", body = Problem),
        (status = 429, description = "Too many posts from this address", body = Problem),
    ),
)]
pub(crate) async fn open_thread(
    State(state): State<AppState>,
    client: ClientAddr,
    Command {
        principal,
        headers,
        body,
    }: Command<OpenThreadBody, Option<Principal>>,
) -> Result<CommandResponse<Written>, ApiError> {
    let w = writer(principal.as_ref(), body.author_secret.as_deref(), headers)?;
    if body.section == Section::Professional {
        require_verified(&state, principal.as_ref()).await?;
    }
    body.text.check(true)?;
    let permit = allowance(&state, &w, &client)?;
    let content = seal(&state, &w.author, &body.text, true).await?;
    let id = creation_id::<Thread>(&state, &w.ctx, body.thread_id).await?;
    let post_id = Uuid::now_v7();
    let command = ThreadCommand::Open {
        section: body.section,
        post_id,
        author: w.author,
        content,
    };
    let result = execute::<Thread>(&state, &id, command, &w.ctx, |_, _| Ok(())).await?;
    settle(permit, &result);
    Ok(written(result, post_id, &w))
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/posts", tag = "forum",
    params(("id" = String, Path, description = "The thread")), request_body = ReplyBody,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Posted; the answer adds `post_id` and, for a new author without an account, `author_secret`", body = Written),
        (status = 401, description = "A professional thread needs an account", body = Problem),
        (status = 403, description = "A professional thread needs a verified account", body = Problem),
        (status = 404, description = "No such thread", body = Problem),
        (status = 409, description = "The thread is locked", body = Problem),
        (status = 422, description = "Invalid fields, each named", body = Problem),
        (status = 429, description = "Too many posts from this address", body = Problem),
    ),
)]
pub(crate) async fn reply(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    Command {
        principal,
        headers,
        body,
    }: Command<ReplyBody, Option<Principal>>,
) -> Result<CommandResponse<Written>, ApiError> {
    let w = writer(principal.as_ref(), body.author_secret.as_deref(), headers)?;
    body.text.check(false)?;
    // Before anything is written (the author's key included).
    let (thread, _) = crate::execute::load::<Thread>(&state, &id).await?;
    if thread.section == Some(Section::Professional) {
        require_verified(&state, principal.as_ref()).await?;
    }
    let permit = allowance(&state, &w, &client)?;
    let content = seal(&state, &w.author, &body.text, false).await?;
    let post_id = body.post_id.unwrap_or_else(Uuid::now_v7);
    let command = ThreadCommand::Reply {
        post_id,
        author: w.author,
        content,
    };
    let result = execute::<Thread>(&state, &id, command, &w.ctx, |t, _| {
        if t.section == Some(Section::Professional) && w.author.account.is_none() {
            return Err(ApiError::Unauthorized(
                "the professional section is for registered accounts; log in".into(),
            ));
        }
        Ok(())
    })
    .await?;
    settle(permit, &result);
    Ok(written(result, post_id, &w))
}

#[utoipa::path(
    put, path = "/forum/threads/{id}/posts/{post_id}", tag = "forum",
    params(("id" = String, Path, description = "The thread"), ("post_id" = String, Path, description = "The post")),
    request_body = PostText, security(("bearer" = [])),
    responses(
        (status = 200, description = "Edited", body = CommandResult),
        Refusals,
        (status = 403, description = "Not the post's author", body = Problem),
        (status = 404, description = "No such thread or post", body = Problem),
        (status = 409, description = "Locked thread or hidden post", body = Problem),
    ),
)]
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    Command {
        principal,
        headers,
        body,
    }: Command<PostText>,
) -> Result<CommandResponse, ApiError> {
    let post_id = parse_id("post_id", &post)?;
    let w = writer(Some(&principal), None, headers)?;
    let content = seal(&state, &w.author, &body, false).await?;
    let command = ThreadCommand::Edit { post_id, content };
    let result = execute::<Thread>(&state, &id, command, &w.ctx, |t, _| match t.post(post_id) {
        Some(p) if p.author.account != Some(principal.account_id) => Err(ApiError::Forbidden(
            "only its author may edit a post".into(),
        )),
        _ => Ok(()),
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

/// Runs a moderator's command on a thread.
async fn moderate(
    state: &AppState,
    principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: ThreadCommand,
) -> Result<CommandResponse, ApiError> {
    require_moderator(principal)?;
    let result = execute::<Thread>(state, id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/posts/{post_id}/hide", tag = "forum",
    params(("id" = String, Path, description = "The thread"), ("post_id" = String, Path, description = "The post")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Hidden", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread or post", body = Problem),
    ),
)]
pub(crate) async fn hide_post(
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = ThreadCommand::HidePost {
        post_id: parse_id("post_id", &post)?,
        reason: body.reason,
    };
    moderate(&state, &principal, ctx, &id, command).await
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/posts/{post_id}/restore", tag = "forum",
    params(("id" = String, Path, description = "The thread"), ("post_id" = String, Path, description = "The post")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Shown again", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread or post", body = Problem),
    ),
)]
pub(crate) async fn restore_post(
    State(state): State<AppState>,
    Path((id, post)): Path<(String, String)>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    let command = ThreadCommand::RestorePost {
        post_id: parse_id("post_id", &post)?,
    };
    moderate(&state, &principal, ctx, &id, command).await
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/lock", tag = "forum",
    params(("id" = String, Path, description = "The thread")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Locked", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread", body = Problem),
    ),
)]
pub(crate) async fn lock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = ThreadCommand::Lock {
        reason: body.reason,
    };
    moderate(&state, &principal, ctx, &id, command).await
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/unlock", tag = "forum",
    params(("id" = String, Path, description = "The thread")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Unlocked", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread", body = Problem),
    ),
)]
pub(crate) async fn unlock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    moderate(&state, &principal, ctx, &id, ThreadCommand::Unlock).await
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/hide", tag = "forum",
    params(("id" = String, Path, description = "The thread")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Hidden", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread", body = Problem),
    ),
)]
pub(crate) async fn hide_thread(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let command = ThreadCommand::Hide {
        reason: body.reason,
    };
    moderate(&state, &principal, ctx, &id, command).await
}

#[utoipa::path(
    post, path = "/forum/threads/{id}/restore", tag = "forum",
    params(("id" = String, Path, description = "The thread")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Shown again", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a moderator", body = Problem),
        (status = 404, description = "No such thread", body = Problem),
    ),
)]
pub(crate) async fn restore_thread(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    moderate(&state, &principal, ctx, &id, ThreadCommand::Restore).await
}

/// Erases a person: the decision is recorded first (attributable), then the
/// key is destroyed; a retry destroys it again, so a crash between the two
/// is healed by repeating the request.
async fn erase(
    state: &AppState,
    person: Uuid,
    ctx: &CommandContext,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<ForumAuthor>(
        state,
        &person.to_string(),
        ForumAuthorCommand::Erase,
        ctx,
        |_, _| Ok(()),
    )
    .await?;
    // The files of the posts first: only the key says which they are.
    super::files::erase_author_files(state, person, ctx).await?;
    state
        .personal_keys
        .erase(person)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/forum/authors/erase", tag = "forum", request_body = AuthorSecretBody,
    responses(
        (status = 200, description = "Every post of this author can no longer be read by anyone (names, titles, texts)", body = CommandResult),
        (status = 422, description = "Not a secret this portal gave", body = Problem),
        (status = 429, description = "Too many erasures from this address", body = Problem),
    ),
)]
pub(crate) async fn erase_self(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<AuthorSecretBody, Public>,
) -> Result<CommandResponse, ApiError> {
    // Any well-formed secret names a person: a few tries per address.
    state.limits.author_erasures.acquire(&client.key())?;
    let w = writer(None, Some(&body.author_secret), headers)?;
    erase(&state, w.author.person, &w.ctx).await
}

#[utoipa::path(
    post, path = "/forum/authors/{person}/erase", tag = "forum",
    params(("person" = String, Path, description = "The author (as the forum's read API names it)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every post of this author can no longer be read by anyone", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an administrator", body = Problem),
    ),
)]
pub(crate) async fn erase_author(
    State(state): State<AppState>,
    Path(person): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    principal.require_admin()?;
    let person = parse_id("person", &person)?;
    erase(&state, person, &ctx).await
}
