//! `portal backup <folder>`: a consistent copy of the embedded data folder
//! while the portal runs. Each database that holds what cannot be derived
//! (the log, accounts, personal keys, the outbox of e-mail) is copied with
//! SQLite's online backup — one read transaction, so the copy is the state of
//! one moment however the portal writes meanwhile — and checked with
//! `PRAGMA integrity_check`; the files (written whole and renamed into
//! place, never changed) and the secrets are copied as they are. The read
//! models and the statistics are derived: they are left out, and a restore
//! rebuilds them (`portal rebuild`). See `docs/operations.md`.

use anyhow::Context;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Databases rebuilt from the log after a restore, hence not copied.
pub const DERIVED: &[&str] = &["read_models.sqlite3", "stats.sqlite3"];

/// What a backup copied.
#[derive(Debug, Default)]
pub struct Summary {
    /// Each database copied, with its size in bytes.
    pub databases: Vec<(String, u64)>,
    /// Other files copied (stored files, secrets, imports).
    pub files: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (name, bytes) in &self.databases {
            writeln!(f, "{name}: {bytes} bytes, integrity ok")?;
        }
        writeln!(f, "{} other files", self.files)?;
        writeln!(
            f,
            "left out (rebuilt after a restore by `portal rebuild`): {}",
            DERIVED.join(", ")
        )
    }
}

/// Copies the data folder `data` into `target` (which must not exist or be empty).
///
/// # Errors
/// When `target` holds something, or a database or file cannot be read or written.
pub fn backup(data: &Path, target: &Path) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        data.join("events.sqlite3").exists(),
        "{} holds no portal data (no events.sqlite3)",
        data.display()
    );
    if target.exists() {
        anyhow::ensure!(
            std::fs::read_dir(target)?.next().is_none(),
            "{} is not empty: back up into a new folder",
            target.display()
        );
    }
    infra::sqlite::private_dir(target)?;
    let mut summary = Summary::default();
    copy_folder(data, target, &mut summary, true)?;
    summary.databases.sort();
    Ok(summary)
}

fn copy_folder(from: &Path, to: &Path, summary: &mut Summary, top: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let (source, dest) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            // Half-written uploads are removed at the next start anyway.
            if !(name == "tmp" && from.ends_with("files")) {
                copy_folder(&source, &dest, summary, false)?;
            }
        } else if top && name.ends_with(".sqlite3") {
            if !DERIVED.contains(&name.as_str()) {
                let bytes = online_backup(&source, &dest)
                    .with_context(|| format!("cannot back up {}", source.display()))?;
                summary.databases.push((name, bytes));
            }
        } else if top
            && [".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal"]
                .iter()
                .any(|s| name.ends_with(s))
        {
            // Part of a database, copied with it.
        } else if kind.is_file() {
            std::fs::copy(&source, &dest)
                .with_context(|| format!("cannot copy {}", source.display()))?;
            summary.files += 1;
        }
    }
    Ok(())
}

/// SQLite's online backup of `source` into `dest`, in one step (one read
/// transaction of the source), then checked; answers the copy's size.
fn online_backup(source: &Path, dest: &Path) -> anyhow::Result<u64> {
    let from = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(Duration::from_secs(10))?;
    let mut to = Connection::open(dest)?;
    {
        let backup = Backup::new(&from, &mut to)?;
        let mut waited = Duration::ZERO;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked => {
                    anyhow::ensure!(
                        waited < Duration::from_secs(30),
                        "the database stays locked"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                    waited += Duration::from_millis(50);
                }
                _ => anyhow::bail!("unexpected backup step"),
            }
        }
    }
    let check: String = to.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    anyhow::ensure!(check == "ok", "the copy fails its integrity check: {check}");
    drop(to);
    Ok(std::fs::metadata(dest)?.len())
}
