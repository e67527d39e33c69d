//! Opening an embedded SQLite file the way every embedded adapter needs it:
//! its folder created, WAL journal, a busy timeout, the durability asked for.

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

/// Opens (creating when missing, with its folder) the file at `path`.
///
/// # Errors
/// When the folder or the file cannot be created or opened.
pub fn open(path: &Path, durability: Durability) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
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
