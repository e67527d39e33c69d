//! Start-up of the command side: the token keys and the first
//! administrator, created from configuration when its login does not exist.

use crate::api::accounts::create_account;
use crate::auth::Tokens;
use crate::execute::CommandContext;
use crate::extract::CommandHeaders;
use crate::settings::AuthSettings;
use crate::state::AppState;
use command_api::providers::NewAccountBody;
use events::accounts::{Role, RoleGrant, Scope};
use events::Actor;
use infra::credentials::DynCredentialStore;
use infra::event_store::DynEventStore;
use std::sync::Arc;

/// The handlers' state, with the administrator created when configured and missing.
///
/// # Errors
/// When the stores fail or the configured administrator is invalid.
pub async fn app_state(
    store: DynEventStore,
    credentials: DynCredentialStore,
    personal_keys: infra::personal::DynPersonalKeyStore,
    auth: &AuthSettings,
) -> anyhow::Result<AppState> {
    let state = AppState {
        store,
        credentials,
        tokens: Arc::new(Tokens::new(&auth.jwt_secret, auth.session_ttl)),
        limits: Arc::default(),
        trusted_proxies: Arc::new(auth.trusted_proxies.clone()),
        personal_keys,
        cache: Arc::default(),
        audit_key: Arc::new(auth.jwt_secret.clone()),
        signing: Arc::new(match &auth.signing_key_file {
            Some(path) => crate::signing::SigningKeys::load(path)?,
            None => crate::signing::SigningKeys::derived(&auth.jwt_secret),
        }),
        projections: None,
        territory: Arc::default(),
        mail_outbox: None,
        files: None,
    };
    if let Some(admin) = &auth.admin {
        if state.credentials.by_login(&admin.login).await?.is_none() {
            let account = NewAccountBody {
                login: admin.login.clone(),
                email: admin.email.clone(),
                display_name: "Administrator".into(),
                password: admin.password.clone(),
            };
            crate::api::accounts::check_new_account(&account)
                .map_err(|e| anyhow::anyhow!("PORTAL_ADMIN_*: {e}"))?;
            let ctx = CommandContext::new(
                Actor::system(),
                CommandHeaders {
                    correlation_id: uuid::Uuid::now_v7(),
                    ..CommandHeaders::default()
                },
            );
            let grant = RoleGrant {
                role: Role::Administrator,
                scope: Scope::Global,
            };
            create_account(&state, &account, vec![grant], &ctx)
                .await
                .map_err(|e| anyhow::anyhow!("cannot create the administrator: {e}"))?;
            tracing::info!(login = %admin.login, "administrator account created");
        }
    }
    Ok(state)
}
