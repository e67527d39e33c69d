//! The ledger of registry imports: which services of the MPSV registry the
//! last complete import found, so that the next import ends the services that
//! have left the registry. Recorded only when that set changes, so importing
//! the same file again records nothing.

use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The state: the registry ids found by the last complete import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegistryImport {
    /// Registry ids (`id` of the MPSV items) found last time.
    pub present: BTreeSet<String>,
}

/// What can be asked of the ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum RegistryImportCommand {
    /// A complete import found these items.
    Record {
        /// The file imported (its name, for the history).
        source: String,
        /// Registry ids of every item of the file, readable or not.
        present: BTreeSet<String>,
    },
}

/// What happens to the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RegistryImportEvent {
    /// A complete import found a different set of items than the one before.
    RegistryContentsRecorded {
        /// The file imported.
        source: String,
        /// Registry ids now present.
        present: BTreeSet<String>,
    },
}

impl Aggregate for RegistryImport {
    const STREAM_TYPE: &'static str = "registry_import";
    type Command = RegistryImportCommand;
    type Event = RegistryImportEvent;

    fn apply(&mut self, event: &RegistryImportEvent) {
        match event {
            RegistryImportEvent::RegistryContentsRecorded { present, .. } => {
                self.present = present.clone();
            }
        }
    }

    fn decide(
        &self,
        command: &RegistryImportCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<RegistryImportEvent>, DomainError> {
        match command {
            RegistryImportCommand::Record { source, present } => {
                let mut v = Violations::new();
                v.check("source", required_text(source, 500));
                v.finish()?;
                if *present == self.present {
                    return Ok(vec![]);
                }
                Ok(vec![RegistryImportEvent::RegistryContentsRecorded {
                    source: source.trim().to_string(),
                    present: present.clone(),
                }])
            }
        }
    }
}
