//! Grant calls and applications as documents (collections `grant_calls` and
//! `grant_applications`), applied by the registry projection (one checkpoint
//! for the portal's records, so one read-your-writes wait covers them).

use crate::runner::WorkingSet;
use events::aggregate::from_recorded;
use events::grants::application::{ApplicationDetails, ApplicationStatus, GrantApplicationEvent};
use events::grants::call::{CallDetails, GrantCallEvent};
use infra::event_store::RecordedEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Calls.
pub const GRANT_CALLS: &str = "grant_calls";
/// Applications.
pub const GRANT_APPLICATIONS: &str = "grant_applications";

/// A call as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallView {
    /// Id.
    pub id: String,
    /// The call.
    pub details: CallDetails,
    /// Cancelled, with the reason.
    pub cancelled: Option<String>,
    /// Version of its stream.
    pub version: u64,
    /// When announced.
    #[serde(with = "time::serde::rfc3339")]
    pub announced_at: OffsetDateTime,
}

/// One step of an application, for its public history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The event type.
    pub event: String,
    /// The role that acted.
    pub by: String,
}

/// An application as the portal keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationView {
    /// Id.
    pub id: String,
    /// What it asks for.
    pub details: ApplicationDetails,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// Weighted score (0–100) by evaluator.
    pub evaluations: BTreeMap<String, f64>,
    /// The amount granted (as amended).
    pub granted_amount: Option<i64>,
    /// The reasons of the decision (as amended).
    pub reasons: Option<String>,
    /// Every step.
    pub steps: Vec<Step>,
    /// Version of its stream.
    pub version: u64,
}

/// Applies a grant call event.
///
/// # Errors
/// Events or documents that do not read.
pub async fn call(e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
    let key = &e.stream.stream_id;
    let view = match from_recorded::<GrantCallEvent>(e)? {
        GrantCallEvent::GrantCallAnnounced { details } => Some(CallView {
            id: key.clone(),
            details,
            cancelled: None,
            version: e.stream_version,
            announced_at: e.recorded_at,
        }),
        GrantCallEvent::GrantCallCancelled { reason } => docs
            .get_as::<CallView>(GRANT_CALLS, key)
            .await?
            .map(|mut v| {
                v.cancelled = Some(reason);
                v
            }),
    };
    if let Some(mut v) = view {
        v.version = e.stream_version;
        docs.put(GRANT_CALLS, key, serde_json::to_value(v)?);
    }
    Ok(())
}

/// Applies a grant application event.
///
/// # Errors
/// Events or documents that do not read.
pub async fn application(e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
    use GrantApplicationEvent as E;
    let key = &e.stream.stream_id;
    let event: E = from_recorded(e)?;
    let current = docs
        .get_as::<ApplicationView>(GRANT_APPLICATIONS, key)
        .await?;
    let view = match event {
        E::GrantApplicationSubmitted { details } => Some(ApplicationView {
            id: key.clone(),
            details,
            status: ApplicationStatus::Submitted,
            evaluations: BTreeMap::new(),
            granted_amount: None,
            reasons: None,
            steps: Vec::new(),
            version: 0,
        }),
        other => current.map(|mut v| {
            match other {
                E::GrantApplicationWithdrawn { .. } => v.status = ApplicationStatus::Withdrawn,
                E::GrantApplicationEvaluated {
                    evaluator,
                    weighted_score,
                    ..
                } => {
                    v.evaluations.insert(evaluator, weighted_score);
                    v.status = ApplicationStatus::Evaluated;
                }
                E::GrantApplicationDecided {
                    granted_amount,
                    reasons,
                }
                | E::GrantDecisionAmended {
                    granted_amount,
                    reasons,
                } => {
                    v.granted_amount = Some(granted_amount);
                    v.reasons = Some(reasons);
                    v.status = if granted_amount > 0 {
                        ApplicationStatus::Granted
                    } else {
                        ApplicationStatus::Rejected
                    };
                }
                E::GrantApplicationSubmitted { .. } => {}
            }
            v
        }),
    };
    if let Some(mut v) = view {
        v.version = e.stream_version;
        v.steps.push(Step {
            at: e.recorded_at,
            event: e.event_type.clone(),
            by: e.actor.role.clone(),
        });
        docs.put(GRANT_APPLICATIONS, key, serde_json::to_value(v)?);
    }
    Ok(())
}
