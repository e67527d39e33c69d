//! Documents (metadata, versions — a file kept by the portal, or a link
//! to one kept elsewhere —, an archive), links and awards of the portal.

use super::check_text;
use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::files::{is_sha256, FileRef};
use crate::values::codes::check_code;
use crate::values::Ico;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

fn check_url(v: &mut Violations, field: &str, url: &str) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.contains(char::is_whitespace);
    if !ok {
        v.add(field, "must be an http(s) address");
    }
}

/// What a document is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentInfo {
    /// Title.
    pub title: String,
    /// What it is about.
    #[serde(default)]
    pub body: String,
    /// Kind, e.g. `plan`, `minutes`, `report`, `methodology`.
    pub kind: String,
    /// The territory it belongs to (code).
    pub territory: String,
}

/// One version of a document's file: a file kept by the portal, or the
/// address of one kept elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentVersion {
    /// Where the file is stored elsewhere (empty with `file`).
    #[serde(default)]
    pub url: String,
    /// The file kept by the portal (as `POST /api/v1/files` answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
    /// What changed.
    #[serde(default)]
    pub note: String,
}

/// The state of a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Document {
    /// What it is.
    pub info: Option<DocumentInfo>,
    /// Its versions, oldest first.
    pub versions: Vec<DocumentVersion>,
    /// In the archive.
    pub archived: bool,
}

/// What can be asked of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentCommand {
    /// Register it with its first version.
    Register(DocumentInfo, DocumentVersion),
    /// Add a version.
    AddVersion(DocumentVersion),
    /// Move to the archive.
    Archive,
    /// Take out of the archive.
    Restore,
}

/// What happens to a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DocumentEvent {
    /// Registered.
    DocumentRegistered {
        /// What it is.
        info: DocumentInfo,
        /// Its first version.
        version: DocumentVersion,
    },
    /// A version was added.
    DocumentVersionAdded {
        /// The version.
        version: DocumentVersion,
    },
    /// Archived.
    DocumentArchived {},
    /// Restored from the archive.
    DocumentRestored {},
}

impl Aggregate for Document {
    const STREAM_TYPE: &'static str = "document";
    type Command = DocumentCommand;
    type Event = DocumentEvent;

    fn apply(&mut self, event: &DocumentEvent) {
        match event {
            DocumentEvent::DocumentRegistered { info, version } => {
                self.info = Some(info.clone());
                self.versions = vec![version.clone()];
            }
            DocumentEvent::DocumentVersionAdded { version } => self.versions.push(version.clone()),
            DocumentEvent::DocumentArchived {} => self.archived = true,
            DocumentEvent::DocumentRestored {} => self.archived = false,
        }
    }

    fn decide(
        &self,
        command: &DocumentCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<DocumentEvent>, DomainError> {
        let mut v = Violations::new();
        let check_version = |v: &mut Violations, d: &DocumentVersion| {
            match &d.file {
                None => check_url(v, "url", &d.url),
                Some(_) if !d.url.is_empty() => {
                    v.add("url", "give a file or an address, not both");
                }
                Some(f) if !is_sha256(&f.sha256) => {
                    v.add("file.sha256", "is 64 lowercase hex digits");
                }
                Some(_) => {}
            }
            v.check("note", optional_text(&d.note, 2000));
        };
        match command {
            DocumentCommand::Register(info, version) => {
                if self.info.is_some() {
                    return Err(DomainError::AlreadyExists("the document".into()));
                }
                check_text(&mut v, &info.title, &info.body, 5000);
                v.check("kind", check_code(&info.kind));
                v.check("territory", check_code(&info.territory));
                check_version(&mut v, version);
                v.finish()?;
                Ok(vec![DocumentEvent::DocumentRegistered {
                    info: info.clone(),
                    version: version.clone(),
                }])
            }
            _ if self.info.is_none() => Err(DomainError::NotFound("the document".into())),
            DocumentCommand::AddVersion(version) => {
                if self.archived {
                    return Err(DomainError::Rejected(
                        "an archived document takes no new version".into(),
                    ));
                }
                check_version(&mut v, version);
                v.finish()?;
                Ok(vec![DocumentEvent::DocumentVersionAdded {
                    version: version.clone(),
                }])
            }
            DocumentCommand::Archive if self.archived => Ok(vec![]),
            DocumentCommand::Archive => Ok(vec![DocumentEvent::DocumentArchived {}]),
            DocumentCommand::Restore if !self.archived => Ok(vec![]),
            DocumentCommand::Restore => Ok(vec![DocumentEvent::DocumentRestored {}]),
        }
    }
}

/// A link of the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkInfo {
    /// Title.
    pub title: String,
    /// Address.
    pub url: String,
    /// Category, e.g. `legislation`, `help`.
    pub category: String,
}

/// The state of a link.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Link {
    /// The link, while listed.
    pub info: Option<LinkInfo>,
    /// Removed.
    pub removed: bool,
}

/// What can be asked of a link.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkCommand {
    /// Add (or change).
    Put(LinkInfo),
    /// Remove.
    Remove,
}

/// What happens to a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum LinkEvent {
    /// Added or changed.
    LinkPut {
        /// The link.
        info: LinkInfo,
    },
    /// Removed.
    LinkRemoved {},
}

impl Aggregate for Link {
    const STREAM_TYPE: &'static str = "link";
    type Command = LinkCommand;
    type Event = LinkEvent;

    fn apply(&mut self, event: &LinkEvent) {
        match event {
            LinkEvent::LinkPut { info } => {
                self.info = Some(info.clone());
                self.removed = false;
            }
            LinkEvent::LinkRemoved {} => self.removed = true,
        }
    }

    fn decide(
        &self,
        command: &LinkCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<LinkEvent>, DomainError> {
        match command {
            LinkCommand::Put(info) => {
                let mut v = Violations::new();
                v.check("title", required_text(&info.title, 300));
                check_url(&mut v, "url", &info.url);
                v.check("category", check_code(&info.category));
                v.finish()?;
                if !self.removed && self.info.as_ref() == Some(info) {
                    return Ok(vec![]);
                }
                Ok(vec![LinkEvent::LinkPut { info: info.clone() }])
            }
            LinkCommand::Remove if self.info.is_none() || self.removed => {
                Err(DomainError::NotFound("the link".into()))
            }
            LinkCommand::Remove => Ok(vec![LinkEvent::LinkRemoved {}]),
        }
    }
}

/// An award to a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardInfo {
    /// The award, e.g. "Cena hejtmana za sociální práci".
    pub name: String,
    /// Year.
    pub year: i32,
    /// The provider awarded.
    pub provider_ico: String,
    /// The kraj conferring it (NUTS code).
    pub kraj: String,
    /// What for.
    #[serde(default)]
    pub body: String,
}

/// The state of an award.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Award {
    /// The award.
    pub info: Option<AwardInfo>,
    /// Revoked.
    pub revoked: bool,
}

/// What can be asked of an award.
#[derive(Debug, Clone, PartialEq)]
pub enum AwardCommand {
    /// Confer.
    Confer(AwardInfo),
    /// Revoke, with a reason.
    Revoke {
        /// Why.
        reason: String,
    },
}

/// What happens to an award.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AwardEvent {
    /// Conferred.
    AwardConferred {
        /// The award.
        info: AwardInfo,
    },
    /// Revoked.
    AwardRevoked {
        /// Why.
        reason: String,
    },
}

impl Aggregate for Award {
    const STREAM_TYPE: &'static str = "award";
    type Command = AwardCommand;
    type Event = AwardEvent;

    fn apply(&mut self, event: &AwardEvent) {
        match event {
            AwardEvent::AwardConferred { info } => self.info = Some(info.clone()),
            AwardEvent::AwardRevoked { .. } => self.revoked = true,
        }
    }

    fn decide(
        &self,
        command: &AwardCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<AwardEvent>, DomainError> {
        let mut v = Violations::new();
        match command {
            AwardCommand::Confer(info) => {
                if self.info.is_some() {
                    return Err(DomainError::AlreadyExists("the award".into()));
                }
                check_text(&mut v, &info.name, &info.body, 5000);
                v.check("provider_ico", Ico::parse(&info.provider_ico));
                v.check("kraj", check_code(&info.kraj));
                if !(1990..=now.year()).contains(&info.year) {
                    v.add("year", format!("must be 1990 to {}", now.year()));
                }
                v.finish()?;
                Ok(vec![AwardEvent::AwardConferred { info: info.clone() }])
            }
            AwardCommand::Revoke { .. } if self.info.is_none() || self.revoked => {
                Err(DomainError::NotFound("the award".into()))
            }
            AwardCommand::Revoke { reason } => {
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![AwardEvent::AwardRevoked {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
