//! Grant calls and applications as documents (collections `grant_calls`
//! and `grant_applications`).

use events::grants::application::{ApplicationDetails, ApplicationStatus, GrantApplicationEvent};
use events::grants::call::{CallDetails, GrantCallEvent};
use events::RecordedEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Calls.
pub const GRANT_CALLS: &str = "grant_calls";
/// Applications.
pub const GRANT_APPLICATIONS: &str = "grant_applications";

/// A call as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A call after one event (`None`: not announced).
pub fn call(view: Option<CallView>, e: &RecordedEvent, event: GrantCallEvent) -> Option<CallView> {
    let view = match event {
        GrantCallEvent::GrantCallAnnounced { details } => Some(CallView {
            id: e.stream.stream_id.clone(),
            details,
            cancelled: None,
            version: e.stream_version,
            announced_at: e.recorded_at,
        }),
        GrantCallEvent::GrantCallCancelled { reason } => view.map(|v| CallView {
            cancelled: Some(reason),
            ..v
        }),
    };
    view.map(|v| CallView {
        version: e.stream_version,
        ..v
    })
}

/// An application after one event (`None`: not submitted).
pub fn application(
    current: Option<ApplicationView>,
    e: &RecordedEvent,
    event: GrantApplicationEvent,
) -> Option<ApplicationView> {
    use GrantApplicationEvent as E;
    let view = match event {
        E::GrantApplicationSubmitted { details } => Some(ApplicationView {
            id: e.stream.stream_id.clone(),
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
    view.map(|mut v| {
        v.version = e.stream_version;
        v.steps.push(Step {
            at: e.recorded_at,
            event: e.event_type.clone(),
            by: e.actor.role.clone(),
        });
        v
    })
}
