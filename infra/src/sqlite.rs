//! Opening an embedded SQLite file the way every embedded adapter needs it:
//! its folder created (owner only), the file and its `-wal`/`-shm` readable
//! by the owner only, WAL journal, a busy timeout, the durability asked for;
//! and the checkpoint that makes an erasure reach the disk.

use anyhow::Context;
use rusqlite::Connection;
use std::path::Path;

/// How much a commit waits for the disk.
#[derive(Debug, Clone, Copy)]
pub enum Durability {
    /// `synchronous=FULL`: every commit is fsynced (the event log, credentials).
    Full,
    /// `synchronous=NORMAL`: a power loss may drop the last commits (read models, rebuilt from the log).
    Normal,
}

/// Creates `dir` when missing and makes it and everything in it readable by
/// the owner only (folders 0700, files 0600), in a new and in an existing folder.
///
/// # Errors
/// When the folder cannot be created or its permissions cannot be set.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    restrict(dir)
}

#[cfg(unix)]
fn restrict(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let mode = if meta.is_dir() { 0o700 } else { 0o600 };
    if meta.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            restrict(&entry?.path())?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Creates `path` empty with mode 0600 when it does not exist, so that SQLite,
/// which gives `-wal` and `-shm` the mode of the database file, makes them 0600 too.
fn create_private_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok(())
}

/// Opens (creating when missing, with its folder) the file at `path`.
///
/// # Errors
/// When the folder or the file cannot be created or opened.
pub fn open(path: &Path, durability: Durability) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    create_private_file(path)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = path.with_file_name(format!(
            "{}{suffix}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        if file.exists() {
            restrict(&file)?;
        }
    }
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let synchronous = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", synchronous)?;
    Ok(conn)
}

/// Moves every committed page from the `-wal` into the main file and empties
/// the `-wal`: after an erasure with `secure_delete`, no file holds the old bytes.
///
/// # Errors
/// When SQLite fails, or another connection kept the checkpoint from completing.
pub fn checkpoint_truncate(conn: &Connection) -> rusqlite::Result<()> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    if busy == 0 {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the checkpoint after an erasure could not complete".into()),
        ))
    }
}
