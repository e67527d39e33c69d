//! Secrets of the embedded mode, kept in the data folder with owner-only
//! permissions: the token signing key, the key signing audit exports, and the first administrator's
//! password when none is configured. Their values are never printed.

use command_service::settings::{AdminSettings, AuthSettings};
use std::io::Write;
use std::path::Path;

/// Reads `path`, or writes `make()` there (mode 0600) when it does not exist.
fn read_or_create(path: &Path, make: impl FnOnce() -> String) -> anyhow::Result<(String, bool)> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok((text.trim().to_string(), false));
    }
    let value = make();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    writeln!(file, "{value}")?;
    file.sync_all()?;
    Ok((value, true))
}

fn random_text(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(buf.as_mut_slice());
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The embedded mode's auth settings: `PORTAL_JWT_SECRET` or `data/jwt-secret`;
/// `PORTAL_ADMIN_LOGIN`/`PORTAL_ADMIN_PASSWORD`, or login `admin` with the
/// password in `data/admin-password` (made at the first start).
///
/// # Errors
/// When the files cannot be read or written, or a variable is invalid.
pub fn embedded_auth(data_dir: &Path) -> anyhow::Result<AuthSettings> {
    infra::sqlite::private_dir(data_dir)?;
    let (secret, _) = read_or_create(&data_dir.join("jwt-secret"), || random_text(32))?;
    let mut auth = AuthSettings::from_env(Some(secret.into_bytes()))?;
    if auth.signing_key_file.is_none() {
        let path = data_dir.join("audit-signing-key");
        read_or_create(&path, command_service::signing::SigningKeys::new_seed_line)?;
        auth.signing_key_file = Some(path);
    }
    if auth.admin.is_none() {
        let path = data_dir.join("admin-password");
        let (password, created) = read_or_create(&path, || random_text(12))?;
        if created {
            println!(
                "administrator login: admin — its password is in {} (change it after the first login)",
                path.display()
            );
        }
        auth.admin = Some(AdminSettings {
            login: "admin".into(),
            password,
            email: "admin@portal.invalid".into(),
        });
    }
    Ok(auth)
}
