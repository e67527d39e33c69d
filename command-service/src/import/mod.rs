//! Importers of published data into commands. The MPSV registry file is read
//! item by item (streamed, never whole in memory) and each item becomes the
//! commands a person would send: a new provider or service is registered, a
//! changed one gets a change command (the domain records only the fields
//! that differ), one ended in the registry is ended; after a complete run
//! the services gone from the file are ended too. A second run of the same
//! file records nothing, so an interrupted import is resumed by running it
//! again. An item without an id, provider or kind, and one the domain
//! refuses, is skipped; an optional part that cannot be read is left out
//! with a warning (both named in the summary, with the item and field);
//! store failures stop the import. `rpss` reads an item; `sample` writes a
//! registry in the real shape for tests and benchmarks.

pub mod rpss;
pub mod sample;

use crate::error::ApiError;
use crate::execute::{execute, load, CommandContext, CommandResult};
use crate::extract::CommandHeaders;
use crate::state::AppState;
use events::registry::import::{RegistryImport, RegistryImportCommand};
use events::registry::provider::{ChangeProviderDetails, Provider, ProviderCommand};
use events::registry::service::{Service, ServiceChanges, ServiceCommand, ServiceStatus};
use events::{Actor, Aggregate};
use rpss::{read_item, MunicipalityNames, RegistryItem};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::Date;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The stream id of the ledger of MPSV registry imports.
pub const LEDGER: &str = "rpss";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    /// Items read from the file.
    pub items: usize,
    /// Providers registered.
    pub providers_registered: usize,
    /// Providers whose details changed.
    pub providers_changed: usize,
    /// Services registered.
    pub services_registered: usize,
    /// Services whose description changed.
    pub services_changed: usize,
    /// Services ended (ended in the registry, or gone from it).
    pub services_ended: usize,
    /// Items that changed nothing.
    pub unchanged: usize,
    /// Events recorded.
    pub events: u64,
    /// Facilities read (repeated rows merged).
    pub facilities: usize,
    /// Of them closed.
    pub closed_facilities: usize,
    /// Of them with a secret address (only the municipality kept).
    pub secret_addresses: usize,
    /// Every skipped item: its id, the field and why.
    pub skipped: Vec<String>,
    /// Items imported with a part left out.
    pub warned: usize,
    /// Every part left out: the item's id, the field and why.
    pub warnings: Vec<String>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} items: providers {} registered, {} changed; services {} registered, {} changed, {} ended; {} unchanged; {} events; {} skipped; {} warned ({} parts left out); {} facilities, {} closed, {} with a secret address (withheld)",
            self.items,
            self.providers_registered,
            self.providers_changed,
            self.services_registered,
            self.services_changed,
            self.services_ended,
            self.unchanged,
            self.events,
            self.skipped.len(),
            self.warned,
            self.warnings.len(),
            self.facilities,
            self.closed_facilities,
            self.secret_addresses,
        )
    }
}

/// The actor of imported changes.
pub fn import_actor() -> Actor {
    Actor {
        account_id: "import:rpss".into(),
        role: "system".into(),
    }
}

/// How far an import has got.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What it did so far.
    pub summary: &'a ImportSummary,
    /// Since it started.
    pub elapsed: Duration,
    /// Bytes of the file read so far.
    pub bytes_read: u64,
    /// Bytes of the file (0 when unknown).
    pub bytes_total: u64,
}

impl std::fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.summary;
        let secs = self.elapsed.as_secs_f64().max(0.001);
        write!(f, "{} items", s.items)?;
        if self.bytes_total > 0 {
            write!(
                f,
                " ({:.0} % of {:.1} MB)",
                self.bytes_read as f64 * 100.0 / self.bytes_total as f64,
                self.bytes_total as f64 / 1e6
            )?;
        }
        write!(
            f,
            " in {secs:.0} s, {:.0} items/s: {} events, {} skipped, {} warned",
            s.items as f64 / secs,
            s.events,
            s.skipped.len(),
            s.warned
        )
    }
}

/// A reader that counts what it has read.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Streams the items of `polozky` out of a registry file (parsed in a
/// blocking thread, at most 256 items ahead of the importer), with the count
/// of bytes read so far.
///
/// # Errors
/// The task answers the number of items, or why the file does not parse.
pub fn stream_items(
    reader: impl std::io::Read + Send + 'static,
) -> (
    mpsc::Receiver<Value>,
    tokio::task::JoinHandle<anyhow::Result<usize>>,
    Arc<AtomicU64>,
) {
    let (tx, rx) = mpsc::channel(256);
    let read = Arc::new(AtomicU64::new(0));
    let reader = Counting {
        inner: reader,
        read: read.clone(),
    };
    let task = tokio::task::spawn_blocking(move || {
        let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(
            1 << 16,
            reader,
        ));
        let mut count = 0;
        let found = Root {
            tx: &tx,
            count: &mut count,
        }
        .deserialize(&mut de)?;
        anyhow::ensure!(found, "the file has no \"polozky\" list");
        Ok(count)
    });
    (rx, task, read)
}

struct Root<'a> {
    tx: &'a mpsc::Sender<Value>,
    count: &'a mut usize,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object with the list \"polozky\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "polozky" {
                map.next_value_seed(Items {
                    tx: self.tx,
                    count: &mut *self.count,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct Items<'a> {
    tx: &'a mpsc::Sender<Value>,
    count: &'a mut usize,
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of registry items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<Value>()? {
            self.tx
                .blocking_send(item)
                .map_err(|_| serde::de::Error::custom("the importer stopped"))?;
            *self.count += 1;
        }
        Ok(())
    }
}

/// A refusal skips the item; anything else stops the import.
fn refusal(e: ApiError) -> Result<String, anyhow::Error> {
    match e {
        ApiError::Domain(d) => Ok(d.to_string()),
        ApiError::Invalid { field, reason } => Ok(format!("{field}: {reason}")),
        other => Err(anyhow::anyhow!("{other}")),
    }
}

async fn run<A>(
    state: &AppState,
    id: &str,
    command: A::Command,
) -> Result<Result<CommandResult, String>, anyhow::Error>
where
    A: Aggregate + Clone + Send + Sync + 'static,
{
    let ctx = CommandContext::new(
        import_actor(),
        CommandHeaders {
            correlation_id: Uuid::now_v7(),
            ..CommandHeaders::default()
        },
    );
    match execute::<A>(state, id, command, &ctx, |_, _| Ok(())).await {
        Ok(r) => Ok(Ok(r)),
        Err(e) => refusal(e).map(Err),
    }
}

/// Imports one item; `Ok(Err(reason))` when the domain refused it.
async fn import_item(
    state: &AppState,
    item: RegistryItem,
    today: Date,
    summary: &mut ImportSummary,
) -> anyhow::Result<Result<(), String>> {
    let fail = |reason: String| format!("item {}: {reason}", item.registry_id);
    let mut changed = false;
    // The provider.
    let ico = item.provider.ico.clone();
    let (_, version) = load::<Provider>(state, &ico)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let command = if version == 0 {
        ProviderCommand::Register {
            data: item.provider.clone(),
            verified: true,
        }
    } else {
        ProviderCommand::ChangeDetails(ChangeProviderDetails {
            name: Some(item.provider.name.clone()),
            legal_form: item.provider.legal_form.clone(),
            address: Some(item.provider.address.clone()),
            contacts: Some(item.provider.contacts.clone()),
        })
    };
    match run::<Provider>(state, &ico, command).await? {
        Ok(r) if r.events > 0 => {
            changed = true;
            summary.events += r.events;
            if version == 0 {
                summary.providers_registered += 1;
            } else {
                summary.providers_changed += 1;
            }
        }
        Ok(_) => {}
        Err(reason) => return Ok(Err(fail(format!("provider {ico}: {reason}")))),
    }
    // The service.
    let (current, _) = load::<Service>(state, &item.service_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut commands = Vec::new();
    match (&current.details, current.status) {
        (None, _) => commands.push(ServiceCommand::Register {
            provider_ico: ico.clone(),
            details: item.details.clone(),
        }),
        (Some(_), ServiceStatus::Ended) => {}
        (Some(now), _) => {
            // What the registry owns; the name, description, opening hours,
            // catchment and categories are the portal's. Coordinates a
            // provider added to a facility stay.
            let mut facilities = item.details.facilities.clone();
            for f in &mut facilities {
                if f.location.is_none() && !f.secret_address {
                    f.location = now
                        .facilities
                        .iter()
                        .find(|x| x.facility_id == f.facility_id)
                        .and_then(|x| x.location);
                }
            }
            commands.push(ServiceCommand::Change(ServiceChanges {
                kind: Some(item.details.kind),
                forms: Some(item.details.forms.clone()),
                target_groups: Some(item.details.target_groups.clone()),
                age_groups: Some(item.details.age_groups.clone()),
                facilities: Some(facilities),
                contacts: Some(item.details.contacts.clone()),
                registered_on: item.details.registered_on,
                ..ServiceChanges::default()
            }));
        }
    }
    if item.ended_on.is_some_and(|d| d <= today) && current.status != ServiceStatus::Ended {
        commands.push(ServiceCommand::End {
            reason: format!(
                "registration ended on {} (MPSV registry)",
                item.ended_on.unwrap_or(today)
            ),
            ended_on: item.ended_on,
        });
    }
    for command in commands {
        let kind = match &command {
            ServiceCommand::Register { .. } => 0,
            ServiceCommand::End { .. } => 2,
            _ => 1,
        };
        match run::<Service>(state, &item.service_id, command).await? {
            Ok(r) if r.events > 0 => {
                changed = true;
                summary.events += r.events;
                match kind {
                    0 => summary.services_registered += 1,
                    2 => summary.services_ended += 1,
                    _ => summary.services_changed += 1,
                }
            }
            Ok(_) => {}
            Err(reason) => return Ok(Err(fail(format!("service: {reason}")))),
        }
    }
    if !changed {
        summary.unchanged += 1;
    }
    Ok(Ok(()))
}

/// What reports an import's progress: called every 500 items and at the end.
pub type ProgressReport<'a> = &'a mut (dyn FnMut(&Progress<'_>) + Send);

/// Imports items as they arrive, until the channel closes; `bytes` counts
/// what the reader has read of `bytes_total`. Answers the summary and the
/// registry ids of every item (readable or not), for [`complete_import`].
///
/// # Errors
/// Store failures (the import stops; running it again resumes it).
pub async fn import_items(
    state: &AppState,
    mut items: mpsc::Receiver<Value>,
    names: MunicipalityNames<'_>,
    today: Date,
    (bytes, bytes_total): (&AtomicU64, u64),
    progress: ProgressReport<'_>,
) -> anyhow::Result<(ImportSummary, BTreeSet<String>)> {
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    let mut present = BTreeSet::new();
    let report = |summary: &ImportSummary, progress: ProgressReport<'_>| {
        progress(&Progress {
            summary,
            elapsed: started.elapsed(),
            bytes_read: bytes.load(Ordering::Relaxed),
            bytes_total,
        });
    };
    while let Some(value) = items.recv().await {
        summary.items += 1;
        match read_item(&value, names, today) {
            Err(e) => {
                if let Some(id) = &e.registry_id {
                    present.insert(id.clone());
                }
                summary.skipped.push(e.to_string());
            }
            Ok(item) => {
                present.insert(item.registry_id.clone());
                let facilities = &item.details.facilities;
                summary.facilities += facilities.len();
                summary.closed_facilities += facilities.iter().filter(|f| !f.is_open()).count();
                summary.secret_addresses += item.secret_addresses();
                let warnings: Vec<String> = item.warnings.iter().map(ToString::to_string).collect();
                match import_item(state, item, today, &mut summary).await? {
                    Err(reason) => summary.skipped.push(reason),
                    Ok(()) if !warnings.is_empty() => {
                        summary.warned += 1;
                        summary.warnings.extend(warnings);
                    }
                    Ok(()) => {}
                }
            }
        }
        if summary.items % 500 == 0 {
            report(&summary, &mut *progress);
        }
    }
    report(&summary, progress);
    Ok((summary, present))
}

/// After a complete run: ends the services gone from the registry and
/// records what the registry holds now.
///
/// # Errors
/// Store failures.
pub async fn complete_import(
    state: &AppState,
    source: &str,
    present: BTreeSet<String>,
    mut summary: ImportSummary,
) -> anyhow::Result<ImportSummary> {
    let (ledger, _) = load::<RegistryImport>(state, LEDGER)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for gone in ledger.present.difference(&present) {
        let id = format!("rpss-{gone}");
        let (service, _) = load::<Service>(state, &id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if service.details.is_none() || service.status == ServiceStatus::Ended {
            continue;
        }
        let command = ServiceCommand::End {
            reason: format!("no longer in the MPSV registry ({source})"),
            ended_on: None,
        };
        match run::<Service>(state, &id, command).await? {
            Ok(r) => {
                summary.events += r.events;
                summary.services_ended += usize::from(r.events > 0);
            }
            Err(reason) => summary.skipped.push(format!("item {gone}: {reason}")),
        }
    }
    let record = RegistryImportCommand::Record {
        source: source.to_string(),
        present,
    };
    match run::<RegistryImport>(state, LEDGER, record).await? {
        Ok(r) => summary.events += r.events,
        Err(reason) => anyhow::bail!("the import ledger refused the run: {reason}"),
    }
    Ok(summary)
}

/// Imports a registry file from disk.
///
/// # Errors
/// A file that cannot be opened or parsed (after the items before the fault
/// were imported; the services gone from the registry are then not ended),
/// or store failures.
pub async fn import_registry_file(
    state: &AppState,
    path: &std::path::Path,
    names: MunicipalityNames<'_>,
    today: Date,
    progress: ProgressReport<'_>,
) -> anyhow::Result<ImportSummary> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (items, parsed, read) = stream_items(file);
    let (summary, present) =
        import_items(state, items, names, today, (&read, size), progress).await?;
    // Only a file read to its end says which services have left the registry.
    let count = parsed
        .await?
        .map_err(|e| anyhow::anyhow!("{}: {e:#}", path.display()))?;
    anyhow::ensure!(
        count == summary.items,
        "{}: the file ended early",
        path.display()
    );
    complete_import(state, &source, present, summary).await
}
