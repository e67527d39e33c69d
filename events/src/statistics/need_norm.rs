//! The need norm of a kind of service: how many units of capacity (beds,
//! clients ...) per 1,000 inhabitants of an age group the area should have,
//! e.g. 25 beds of homes for the elderly per 1,000 inhabitants aged 65+.
//! Each version applies from a day; need = norm × population / 1,000.
//! One stream per kind.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, DomainError, Violations};
use crate::values::{CapacityUnit, ServiceKind};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// The inhabitants a norm counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AgeGroup {
    /// Everybody.
    #[serde(rename = "all")]
    All,
    /// Aged 0–14.
    #[serde(rename = "0-14")]
    Children,
    /// Aged 15–64.
    #[serde(rename = "15-64")]
    Adults,
    /// Aged 65 and over.
    #[serde(rename = "65+")]
    Seniors,
}

/// One version of a norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Norm {
    /// The unit of capacity it counts.
    pub unit: CapacityUnit,
    /// Units per 1,000 inhabitants of the age group.
    pub per_thousand: f64,
    /// Whose count.
    pub age_group: AgeGroup,
    /// The first day it applies.
    pub valid_from: Date,
    /// Where it comes from (a strategy, a decree ...).
    #[serde(default)]
    pub note: String,
}

/// The versions of the norm of one kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NeedNorm {
    /// Versions by the day they apply from (one per day; a later setting replaces it).
    pub versions: Vec<Norm>,
}

impl NeedNorm {
    /// The version that applies on `day`.
    pub fn on(&self, day: Date) -> Option<&Norm> {
        self.versions
            .iter()
            .filter(|n| n.valid_from <= day)
            .max_by_key(|n| n.valid_from)
    }
}

/// What can be asked of a norm.
#[derive(Debug, Clone, PartialEq)]
pub enum NeedNormCommand {
    /// Sets the version applying from its `valid_from`.
    Set(Norm),
}

/// What happens to a norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum NeedNormEvent {
    /// A version was set.
    NeedNormSet {
        /// The version.
        norm: Norm,
    },
}

impl Aggregate for NeedNorm {
    const STREAM_TYPE: &'static str = "need_norm";
    type Command = NeedNormCommand;
    type Event = NeedNormEvent;

    fn apply(&mut self, event: &NeedNormEvent) {
        match event {
            NeedNormEvent::NeedNormSet { norm } => {
                self.versions.retain(|n| n.valid_from != norm.valid_from);
                self.versions.push(norm.clone());
                self.versions.sort_by_key(|n| n.valid_from);
            }
        }
    }

    fn decide(
        &self,
        command: &NeedNormCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<NeedNormEvent>, DomainError> {
        match command {
            NeedNormCommand::Set(norm) => {
                let mut v = Violations::new();
                if !(norm.per_thousand.is_finite()
                    && norm.per_thousand > 0.0
                    && norm.per_thousand <= 1000.0)
                {
                    v.add("per_thousand", "must be more than 0 and at most 1000");
                }
                v.check("note", optional_text(&norm.note, 1000));
                v.finish()?;
                if self.versions.iter().any(|n| n == norm) {
                    return Ok(vec![]);
                }
                Ok(vec![NeedNormEvent::NeedNormSet { norm: norm.clone() }])
            }
        }
    }
}

/// Checks the stream id of a norm: a known kind's code.
///
/// # Errors
/// The reason.
pub fn check_kind(id: &str) -> Result<u16, String> {
    let kind: u16 = id
        .parse()
        .map_err(|_| format!("{id:?} is not a kind of service (a number)"))?;
    ServiceKind::from_code(kind).map(|_| kind)
}
