//! The embedded portal's settings, from environment variables; every
//! default works without any server installed.

use infra::settings::{data_dir_from_env, HttpSettings, SettingsError};
use std::path::PathBuf;

/// Everything the embedded mode needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PORTAL_HTTP_ADDR` (default `127.0.0.1:8080`) and the shared HTTP limits.
    pub http: HttpSettings,
    /// `PORTAL_DATA_DIR` (default `./data`): the event store file and the embedded read models.
    pub data_dir: PathBuf,
    /// `PORTAL_TERRITORY_DIR`; else `<data>/territory` when `portal import
    /// territory` put the files there; else `../shared/data/territory` when
    /// present: territory files for the map.
    pub territory_dir: Option<PathBuf>,
    /// `PORTAL_CODELISTS_DIR` (default `../shared/data/codelists` when present): MPSV code lists.
    pub codelists_dir: Option<PathBuf>,
    /// `PORTAL_DEMO_DATA` (default `1`): write demo providers and services into an empty store.
    pub demo_data: bool,
    /// `PORTAL_SITE_NAME`, `PORTAL_OPERATOR`, `PORTAL_OPERATOR_URL`, `PORTAL_OPERATOR_LOGO`: who runs the portal.
    pub site: query_service::web::Site,
    /// E-mail (`PORTAL_SMTP_URL` …; unset: `.eml` files in `<data>/outbox/`), `PORTAL_PUBLIC_URL`.
    pub notify: command_service::notify::NotifySettings,
    /// `PORTAL_VACANCY_REMINDER_AFTER`, `PORTAL_VERIFICATION_AFTER`, …: when messages are due.
    pub notifications: projection_service::notifications::Rules,
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the first variable that is malformed.
    pub fn from_env() -> Result<Self, SettingsError> {
        let data_dir = data_dir_from_env()?;
        let imported = data_dir.join("territory");
        let territory_dir = std::env::var_os("PORTAL_TERRITORY_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                imported
                    .join("struktura_uzemi_cr.csv")
                    .exists()
                    .then_some(imported)
            })
            .or_else(infra::settings::territory_dir_from_env);
        Ok(Self {
            http: HttpSettings::from_env("PORTAL_HTTP_ADDR", "127.0.0.1:8080")?,
            data_dir,
            territory_dir,
            codelists_dir: infra::codelists::dir_from_env(),
            demo_data: infra::settings::parsed("PORTAL_DEMO_DATA", 1u8)? != 0,
            site: query_service::web::Site::from_env()?,
            notify: command_service::notify::NotifySettings::from_env()?,
            notifications: projection_service::notifications::Rules::from_env()?,
        })
    }
}
