//! Community plans as documents (collection `community_plans`): every
//! revision with its state and comments, the revision in force, and the
//! evaluations of measures; and the planning groups with their members and
//! meetings (`planning_groups`).

use events::planning::group::GroupEvent;
use events::planning::plan::{PlanContent, PlanEvent, RevisionStatus};
use events::RecordedEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Plans.
pub const PLANS: &str = "community_plans";

/// A revision as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionView {
    /// Its content.
    pub content: PlanContent,
    /// Where it stands.
    pub status: RevisionStatus,
    /// Comments.
    pub comments: Vec<String>,
    /// The reason of a rejection.
    pub rejected_because: Option<String>,
}

/// An evaluation of a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationView {
    /// Year.
    pub year: i32,
    /// Measure.
    pub measure_id: String,
    /// Fulfilment, percent.
    pub fulfilment: u8,
    /// Notes.
    pub note: String,
}

/// A plan as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Territory.
    pub territory: String,
    /// Revisions by number.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = BTreeMap<String, RevisionView>)
    )]
    pub revisions: BTreeMap<u32, RevisionView>,
    /// The revision in force.
    pub in_force: Option<u32>,
    /// Evaluations (a later one for the same year and measure replaces it).
    pub evaluations: Vec<EvaluationView>,
}

/// A plan after one event (`None`: not created).
pub fn plan(current: Option<PlanView>, e: &RecordedEvent, event: PlanEvent) -> Option<PlanView> {
    match event {
        PlanEvent::PlanCreated { title, territory } => Some(PlanView {
            id: e.stream.stream_id.clone(),
            title,
            territory,
            revisions: BTreeMap::new(),
            in_force: None,
            evaluations: Vec::new(),
        }),
        other => current.map(|mut v| {
            match other {
                PlanEvent::RevisionProposed { revision, content } => {
                    v.revisions.insert(
                        revision,
                        RevisionView {
                            content,
                            status: RevisionStatus::Proposed,
                            comments: Vec::new(),
                            rejected_because: None,
                        },
                    );
                }
                PlanEvent::RevisionCommented { revision, text } => {
                    if let Some(r) = v.revisions.get_mut(&revision) {
                        r.comments.push(text);
                    }
                }
                PlanEvent::RevisionApproved { revision } => {
                    if let Some(r) = v.revisions.get_mut(&revision) {
                        r.status = RevisionStatus::Approved;
                    }
                    v.in_force = Some(revision);
                }
                PlanEvent::RevisionRejected { revision, reason } => {
                    if let Some(r) = v.revisions.get_mut(&revision) {
                        r.status = RevisionStatus::Rejected;
                        r.rejected_because = Some(reason);
                    }
                }
                PlanEvent::MeasureEvaluated {
                    year,
                    measure_id,
                    fulfilment,
                    note,
                } => {
                    v.evaluations
                        .retain(|x| !(x.year == year && x.measure_id == measure_id));
                    v.evaluations.push(EvaluationView {
                        year,
                        measure_id,
                        fulfilment,
                        note,
                    });
                }
                PlanEvent::PlanCreated { .. } => {}
            }
            v
        }),
    }
}

/// Planning groups.
pub const GROUPS: &str = "planning_groups";

/// A planning group as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Coordination or working group.
    pub kind: events::planning::group::GroupKind,
    /// Territory.
    pub territory: String,
    /// Target group.
    pub target_group: Option<String>,
    /// Members (account ids, organisation, side of the triad).
    pub members: BTreeMap<String, events::planning::group::Member>,
    /// Meetings by id.
    pub meetings: BTreeMap<String, events::planning::group::Meeting>,
}

/// A planning group after one event (`None`: not formed).
pub fn group(
    current: Option<GroupView>,
    e: &RecordedEvent,
    event: GroupEvent,
) -> Option<GroupView> {
    match event {
        GroupEvent::GroupFormed {
            name,
            kind,
            territory,
            target_group,
        } => Some(GroupView {
            id: e.stream.stream_id.clone(),
            name,
            kind,
            territory,
            target_group,
            members: BTreeMap::new(),
            meetings: BTreeMap::new(),
        }),
        other => current.map(|mut v| {
            match other {
                GroupEvent::MemberAdded { member } => {
                    v.members.insert(member.account_id.clone(), member);
                }
                GroupEvent::MemberRemoved { account_id } => {
                    v.members.remove(&account_id);
                }
                GroupEvent::MeetingScheduled {
                    meeting_id,
                    meeting,
                } => {
                    v.meetings.insert(meeting_id, meeting);
                }
                GroupEvent::MinutesRecorded {
                    meeting_id,
                    minutes,
                    attendance,
                } => {
                    if let Some(m) = v.meetings.get_mut(&meeting_id) {
                        m.minutes = Some(minutes);
                        m.attendance = attendance;
                    }
                }
                GroupEvent::GroupFormed { .. } => {}
            }
            v
        }),
    }
}
