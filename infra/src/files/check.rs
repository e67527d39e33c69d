//! The check of files against the log (`portal check-files`): every file
//! an event refers to — a `FileRef` anywhere in a payload, its upload's
//! smaller sizes included — must be in the store; a file in the store that
//! no event refers to is listed (an upload whose event was never appended,
//! left for an operator to remove). A file recorded as erased (with the
//! forum author who attached it) is not missing.

use super::DynFileStore;
use crate::event_store::DynEventStore;
use events::{Aggregate, LogPosition};
use std::collections::BTreeSet;

/// What the check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Events read.
    pub events: u64,
    /// Files in the store.
    pub stored: usize,
    /// Hashes events refer to whose file is not in the store, with the first event naming each.
    pub missing: Vec<(String, String)>,
    /// Files in the store no event refers to.
    pub unreferenced: Vec<String>,
}

impl Report {
    /// Nothing is missing.
    pub fn is_sound(&self) -> bool {
        self.missing.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} events read, {} files stored; {} missing, {} referred to by no event",
            self.events,
            self.stored,
            self.missing.len(),
            self.unreferenced.len()
        )?;
        for (sha, at) in &self.missing {
            writeln!(f, "missing: {sha} (named by {at})")?;
        }
        for sha in &self.unreferenced {
            writeln!(f, "unreferenced: {sha}")?;
        }
        Ok(())
    }
}

/// The hashes of the file references (`sha256` beside `size` and `content_type`) in `value`.
pub(crate) fn references(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(o) => {
            if let (Some(serde_json::Value::String(sha)), true, true) = (
                o.get("sha256"),
                o.contains_key("size"),
                o.contains_key("content_type"),
            ) {
                out.push(sha.clone());
            }
            for v in o.values() {
                references(v, out);
            }
        }
        serde_json::Value::Array(a) => {
            for v in a {
                references(v, out);
            }
        }
        _ => {}
    }
}

/// Reads the whole log, in batches, passing each event to `each`.
///
/// # Errors
/// Store failures.
pub(crate) async fn whole_log(
    events: &DynEventStore,
    mut each: impl FnMut(&events::RecordedEvent),
) -> anyhow::Result<()> {
    let mut at = LogPosition::START;
    loop {
        let batch = events.read_all(at, 5000).await?;
        let Some(last) = batch.last() else {
            return Ok(());
        };
        at = last.log_position();
        batch.iter().for_each(&mut each);
    }
}

/// Reads the whole log and the store's list.
///
/// # Errors
/// Store failures.
pub async fn check(events: &DynEventStore, files: &DynFileStore) -> anyhow::Result<Report> {
    let stored: BTreeSet<String> = files.list().await?.into_iter().map(|f| f.sha256).collect();
    let mut referred = BTreeSet::new();
    let mut report = Report {
        stored: stored.len(),
        ..Report::default()
    };
    // Files erased with the person who attached them (until uploaded again).
    let mut erased = BTreeSet::new();
    whole_log(events, |e| {
        report.events += 1;
        if e.stream.stream_type == events::files::File::STREAM_TYPE {
            match e.event_type.as_str() {
                "FileErased" => erased.insert(e.stream.stream_id.clone()),
                _ => erased.remove(&e.stream.stream_id),
            };
        }
        let mut found = Vec::new();
        references(&e.payload, &mut found);
        for sha in found {
            if !stored.contains(&sha) && !report.missing.iter().any(|(m, _)| *m == sha) {
                report.missing.push((
                    sha.clone(),
                    format!(
                        "{} of {}/{}",
                        e.event_type, e.stream.stream_type, e.stream.stream_id
                    ),
                ));
            }
            referred.insert(sha);
        }
    })
    .await?;
    report.missing.retain(|(sha, _)| !erased.contains(sha));
    report.unreferenced = stored.difference(&referred).cloned().collect();
    Ok(report)
}
