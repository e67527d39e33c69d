//! A community plan: priorities → goals → measures, in revisions; one
//! approved revision is the plan in force; each measure is evaluated
//! yearly.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// An indicator of a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    /// What is measured.
    pub name: String,
    /// Its unit.
    #[serde(default)]
    pub unit: String,
    /// Where it starts.
    pub baseline: f64,
    /// Where it should get.
    pub target: f64,
}

/// A measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    /// Its id within the plan (kept across revisions).
    pub id: String,
    /// What is done.
    pub title: String,
    /// Who is responsible.
    pub responsible: String,
    /// Target group code, when it serves one.
    #[serde(default)]
    pub target_group: Option<String>,
    /// Indicators.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// Budget, CZK.
    #[serde(default)]
    pub budget: i64,
    /// Sources of money.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Deadline.
    pub deadline: Date,
}

/// A goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Goal {
    /// Id.
    pub id: String,
    /// The goal.
    pub title: String,
    /// Its measures.
    pub measures: Vec<Measure>,
}

/// A priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Priority {
    /// Id.
    pub id: String,
    /// The priority.
    pub title: String,
    /// Its goals.
    pub goals: Vec<Goal>,
}

/// What a revision contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanContent {
    /// First year.
    pub period_from: i32,
    /// Last year.
    pub period_to: i32,
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// The plan's documents (its full text, annexes), as files kept by the portal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::files::Attachment>,
}

impl PlanContent {
    /// Every measure, with its priority and goal ids.
    pub fn measures(&self) -> impl Iterator<Item = &Measure> {
        self.priorities
            .iter()
            .flat_map(|p| p.goals.iter().flat_map(|g| g.measures.iter()))
    }
}

/// Where a revision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RevisionStatus {
    /// Proposed, under discussion.
    Proposed,
    /// Approved (the plan in force, until a later one is approved).
    Approved,
    /// Rejected.
    Rejected,
}

/// A revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    /// Its content.
    pub content: PlanContent,
    /// Where it stands.
    pub status: RevisionStatus,
    /// Comments.
    pub comments: Vec<String>,
}

/// The state of a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommunityPlan {
    /// Title.
    pub title: Option<String>,
    /// Territory (kraj or municipality code).
    pub territory: String,
    /// Revisions by number (from 1).
    pub revisions: BTreeMap<u32, Revision>,
    /// The approved revision in force.
    pub in_force: Option<u32>,
    /// Fulfilment (0–100) by (year, measure id).
    pub evaluations: BTreeMap<String, u8>,
}

/// What can be asked of a plan.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanCommand {
    /// Create it.
    Create {
        /// Title.
        title: String,
        /// Territory.
        territory: String,
    },
    /// Propose a revision.
    Propose(PlanContent),
    /// Comment a revision.
    Comment {
        /// Which.
        revision: u32,
        /// What.
        text: String,
    },
    /// Approve a proposed revision.
    Approve {
        /// Which.
        revision: u32,
    },
    /// Reject a proposed revision.
    Reject {
        /// Which.
        revision: u32,
        /// Why.
        reason: String,
    },
    /// Evaluate a measure of the plan in force for a year.
    Evaluate {
        /// The year.
        year: i32,
        /// The measure.
        measure_id: String,
        /// Fulfilment, percent.
        fulfilment: u8,
        /// Notes.
        note: String,
    },
}

/// What happens to a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PlanEvent {
    /// Created.
    PlanCreated {
        /// Title.
        title: String,
        /// Territory.
        territory: String,
    },
    /// A revision was proposed.
    RevisionProposed {
        /// Its number.
        revision: u32,
        /// Its content.
        content: PlanContent,
    },
    /// A revision was commented.
    RevisionCommented {
        /// Which.
        revision: u32,
        /// What.
        text: String,
    },
    /// A revision was approved: it is the plan in force.
    RevisionApproved {
        /// Which.
        revision: u32,
    },
    /// A revision was rejected.
    RevisionRejected {
        /// Which.
        revision: u32,
        /// Why.
        reason: String,
    },
    /// A measure was evaluated.
    MeasureEvaluated {
        /// Year.
        year: i32,
        /// Measure.
        measure_id: String,
        /// Fulfilment, percent.
        fulfilment: u8,
        /// Notes.
        note: String,
    },
}

fn check(c: &PlanContent) -> Result<(), DomainError> {
    let mut v = Violations::new();
    if c.period_to < c.period_from {
        v.add("period_to", "is before period_from");
    }
    crate::files::check_attachments(&mut v, "attachments", &c.attachments);
    let mut ids = std::collections::BTreeSet::new();
    for (i, p) in c.priorities.iter().enumerate() {
        v.check(format!("priorities[{i}].id"), check_code(&p.id));
        v.check(
            format!("priorities[{i}].title"),
            required_text(&p.title, 500),
        );
        for (j, g) in p.goals.iter().enumerate() {
            let gf = format!("priorities[{i}].goals[{j}]");
            v.check(format!("{gf}.id"), check_code(&g.id));
            v.check(format!("{gf}.title"), required_text(&g.title, 500));
            for (k, m) in g.measures.iter().enumerate() {
                let mf = format!("{gf}.measures[{k}]");
                v.check(format!("{mf}.id"), check_code(&m.id));
                if !ids.insert(&m.id) {
                    v.add(format!("{mf}.id"), "is used twice in the plan");
                }
                v.check(format!("{mf}.title"), required_text(&m.title, 500));
                v.check(
                    format!("{mf}.responsible"),
                    required_text(&m.responsible, 300),
                );
                if m.budget < 0 {
                    v.add(format!("{mf}.budget"), "must not be negative");
                } else if m.budget > crate::values::MAX_AMOUNT_CZK {
                    v.add(
                        format!("{mf}.budget"),
                        format!("must be at most {} CZK", crate::values::MAX_AMOUNT_CZK),
                    );
                }
            }
        }
    }
    if c.priorities.is_empty() {
        v.add("priorities", "a plan needs at least one priority");
    }
    v.finish()
}

impl Aggregate for CommunityPlan {
    const STREAM_TYPE: &'static str = "community_plan";
    type Command = PlanCommand;
    type Event = PlanEvent;

    fn apply(&mut self, event: &PlanEvent) {
        match event {
            PlanEvent::PlanCreated { title, territory } => {
                self.title = Some(title.clone());
                self.territory = territory.clone();
            }
            PlanEvent::RevisionProposed { revision, content } => {
                self.revisions.insert(
                    *revision,
                    Revision {
                        content: content.clone(),
                        status: RevisionStatus::Proposed,
                        comments: Vec::new(),
                    },
                );
            }
            PlanEvent::RevisionCommented { revision, text } => {
                if let Some(r) = self.revisions.get_mut(revision) {
                    r.comments.push(text.clone());
                }
            }
            PlanEvent::RevisionApproved { revision } => {
                if let Some(r) = self.revisions.get_mut(revision) {
                    r.status = RevisionStatus::Approved;
                }
                self.in_force = Some(*revision);
            }
            PlanEvent::RevisionRejected { revision, .. } => {
                if let Some(r) = self.revisions.get_mut(revision) {
                    r.status = RevisionStatus::Rejected;
                }
            }
            PlanEvent::MeasureEvaluated {
                year,
                measure_id,
                fulfilment,
                ..
            } => {
                self.evaluations
                    .insert(format!("{year}/{measure_id}"), *fulfilment);
            }
        }
    }

    fn decide(
        &self,
        command: &PlanCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<PlanEvent>, DomainError> {
        if !matches!(command, PlanCommand::Create { .. }) && self.title.is_none() {
            return Err(DomainError::NotFound("the plan".into()));
        }
        let revision = |n: &u32| {
            self.revisions
                .get(n)
                .ok_or_else(|| DomainError::NotFound(format!("revision {n}")))
        };
        match command {
            PlanCommand::Create { title, territory } => {
                if self.title.is_some() {
                    return Err(DomainError::AlreadyExists("the plan".into()));
                }
                let mut v = Violations::new();
                v.check("title", required_text(title, 300));
                v.check("territory", check_code(territory));
                v.finish()?;
                Ok(vec![PlanEvent::PlanCreated {
                    title: title.trim().to_string(),
                    territory: territory.clone(),
                }])
            }
            PlanCommand::Propose(content) => {
                check(content)?;
                let next = self.revisions.keys().max().map_or(1, |n| n + 1);
                Ok(vec![PlanEvent::RevisionProposed {
                    revision: next,
                    content: content.clone(),
                }])
            }
            PlanCommand::Comment { revision: n, text } => {
                revision(n)?;
                let mut v = Violations::new();
                v.check("text", required_text(text, 5000));
                v.finish()?;
                Ok(vec![PlanEvent::RevisionCommented {
                    revision: *n,
                    text: text.trim().to_string(),
                }])
            }
            PlanCommand::Approve { revision: n } => match revision(n)?.status {
                RevisionStatus::Proposed => Ok(vec![PlanEvent::RevisionApproved { revision: *n }]),
                RevisionStatus::Approved => Err(DomainError::Rejected(format!(
                    "revision {n} is already approved"
                ))),
                RevisionStatus::Rejected => {
                    Err(DomainError::Rejected(format!("revision {n} was rejected")))
                }
            },
            PlanCommand::Reject {
                revision: n,
                reason,
            } => match revision(n)?.status {
                RevisionStatus::Proposed => {
                    let mut v = Violations::new();
                    v.check("reason", required_text(reason, 2000));
                    v.finish()?;
                    Ok(vec![PlanEvent::RevisionRejected {
                        revision: *n,
                        reason: reason.trim().to_string(),
                    }])
                }
                _ => Err(DomainError::Rejected(format!(
                    "revision {n} is not under discussion"
                ))),
            },
            PlanCommand::Evaluate {
                year,
                measure_id,
                fulfilment,
                note,
            } => {
                let in_force = self
                    .in_force
                    .and_then(|n| self.revisions.get(&n))
                    .ok_or_else(|| DomainError::Rejected("no revision is in force".into()))?;
                let mut v = Violations::new();
                if !in_force.content.measures().any(|m| &m.id == measure_id) {
                    v.add("measure_id", "is not a measure of the plan in force");
                }
                if !(in_force.content.period_from..=in_force.content.period_to).contains(year) {
                    v.add("year", "is outside the plan's period");
                }
                if *fulfilment > 100 {
                    v.add("fulfilment", "is a percentage, 0 to 100");
                }
                v.check("note", optional_text(note, 5000));
                v.finish()?;
                Ok(vec![PlanEvent::MeasureEvaluated {
                    year: *year,
                    measure_id: measure_id.clone(),
                    fulfilment: *fulfilment,
                    note: note.trim().to_string(),
                }])
            }
        }
    }
}
