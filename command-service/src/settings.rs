//! The command service's settings, from environment variables.

use infra::postgres::PgSettings;
use infra::settings::{
    parsed, postgres_from_env, required, var, HttpSettings, NatsSettings, SettingsError,
};

/// The administrator created at start when its login does not exist.
#[derive(Clone)]
pub struct AdminSettings {
    /// `PORTAL_ADMIN_LOGIN`.
    pub login: String,
    /// `PORTAL_ADMIN_PASSWORD` (at least 10 characters). Never logged.
    pub password: String,
    /// `PORTAL_ADMIN_EMAIL` (default `admin@portal.invalid`).
    pub email: String,
}

/// Tokens and the administrator.
#[derive(Clone)]
pub struct AuthSettings {
    /// `PORTAL_JWT_SECRET`: the key signing tokens, at least 32 bytes, shared by the
    /// services that check tokens. Never logged.
    pub jwt_secret: Vec<u8>,
    /// `PORTAL_SESSION_TTL_SECS`: how long a login token lives (default 3600).
    pub session_ttl: time::Duration,
    /// The administrator to create, when both `PORTAL_ADMIN_LOGIN` and `PORTAL_ADMIN_PASSWORD` are set.
    pub admin: Option<AdminSettings>,
    /// `PORTAL_TRUSTED_PROXIES`: addresses (comma-separated) of the proxies, and of the
    /// query services sending the web's forms, whose `X-Forwarded-For` names the
    /// client that rate limits count (default none: the socket's peer is the client).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `PORTAL_SIGNING_KEY_FILE`: the keys signing audit exports, one base64url
    /// Ed25519 seed a line, the first signing, the others retired but published
    /// (unset: a key derived from `PORTAL_JWT_SECRET`; embedded: `data/audit-signing-key`).
    pub signing_key_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("session_ttl", &self.session_ttl)
            .field("admin", &self.admin.as_ref().map(|a| &a.login))
            .finish_non_exhaustive()
    }
}

impl AuthSettings {
    /// Reads the `PORTAL_*` auth variables; `secret` is the fallback for an unset
    /// `PORTAL_JWT_SECRET` (the embedded mode keeps one in its data folder).
    ///
    /// # Errors
    /// Naming the variable that is missing or too short.
    pub fn from_env(secret: Option<Vec<u8>>) -> Result<Self, SettingsError> {
        let jwt_secret = match (var("PORTAL_JWT_SECRET"), secret) {
            (Some(s), _) => s.into_bytes(),
            (None, Some(s)) => s,
            (None, None) => required(
                "PORTAL_JWT_SECRET",
                "the key that signs tokens (at least 32 bytes), shared by the services",
            )?
            .into_bytes(),
        };
        if jwt_secret.len() < 32 {
            return Err(SettingsError::Invalid {
                var: "PORTAL_JWT_SECRET",
                reason: "must be at least 32 bytes long".into(),
            });
        }
        let admin = match (var("PORTAL_ADMIN_LOGIN"), var("PORTAL_ADMIN_PASSWORD")) {
            (Some(login), Some(password)) => Some(AdminSettings {
                login,
                password,
                email: var("PORTAL_ADMIN_EMAIL").unwrap_or_else(|| "admin@portal.invalid".into()),
            }),
            _ => None,
        };
        let trusted_proxies = var("PORTAL_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse().map_err(|_| SettingsError::Invalid {
                    var: "PORTAL_TRUSTED_PROXIES",
                    reason: format!("{a} is not an IP address"),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            jwt_secret,
            trusted_proxies,
            signing_key_file: var("PORTAL_SIGNING_KEY_FILE").map(std::path::PathBuf::from),
            session_ttl: time::Duration::seconds(parsed("PORTAL_SESSION_TTL_SECS", 3600i64)?),
            admin,
        })
    }
}

/// Everything the command service needs in distributed mode.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `COMMAND_SERVICE_ADDR` (default `127.0.0.1:8081`) and the shared HTTP limits.
    pub http: HttpSettings,
    /// `DATABASE_URL`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`: the event store and credentials.
    pub postgres: PgSettings,
    /// `NATS_URL`, `NATS_STREAM_PREFIX`: where committed events are published.
    pub nats: NatsSettings,
    /// Tokens and the administrator.
    pub auth: AuthSettings,
    /// `CLICKHOUSE_URL` … when set: administrators may see and rebuild the statistics too.
    pub clickhouse: Option<infra::settings::ClickHouseSettings>,
    /// `PORTAL_TERRITORY_DIR` (default `../shared/data/territory` when present): which kraj a provider is in (survey audiences).
    pub territory_dir: Option<std::path::PathBuf>,
    /// E-mail: `PORTAL_SMTP_URL` … (unset: this service sends none), `PORTAL_PUBLIC_URL`, `PORTAL_SITE_NAME`.
    pub notify: crate::notify::NotifySettings,
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the first variable that is missing or malformed.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            http: HttpSettings::from_env("COMMAND_SERVICE_ADDR", "127.0.0.1:8081")?,
            postgres: postgres_from_env()?,
            nats: NatsSettings::from_env()?,
            auth: AuthSettings::from_env(None)?,
            clickhouse: match std::env::var_os("CLICKHOUSE_URL") {
                Some(_) => Some(infra::settings::ClickHouseSettings::from_env()?),
                None => None,
            },
            territory_dir: infra::settings::territory_dir_from_env(),
            notify: crate::notify::NotifySettings::from_env()?,
        })
    }

    /// A service on loopback on a free port, for tests: tokens signed with
    /// `jwt_secret`, the administrator `admin` with the password
    /// `admin-password-1`; no ClickHouse, territory or e-mail.
    pub fn for_tests(postgres: PgSettings, nats: NatsSettings, jwt_secret: &[u8]) -> Self {
        Self {
            http: HttpSettings::for_tests(),
            postgres,
            nats,
            auth: AuthSettings {
                jwt_secret: jwt_secret.to_vec(),
                session_ttl: time::Duration::hours(1),
                trusted_proxies: Vec::new(),
                signing_key_file: None,
                admin: Some(AdminSettings {
                    login: "admin".into(),
                    password: "admin-password-1".into(),
                    email: "admin@portal.invalid".into(),
                }),
            },
            clickhouse: None,
            territory_dir: None,
            notify: crate::notify::NotifySettings::default(),
        }
    }
}
