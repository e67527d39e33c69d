//! The planning structure: coordination and working groups (e.g. by target
//! group: seniors, disabled people, families with children, people at risk
//! of social exclusion), their members with their role in the triad (users,
//! providers, commissioners), and their meetings with minutes and
//! attendance. Members are accounts: their personal data stays with the
//! account (erasable), the group keeps the id and the organisation.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Coordination or working group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GroupKind {
    /// Steers the planning.
    Coordination,
    /// Works on one area.
    Working,
}

/// The three sides of community planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Triad {
    /// Users of services.
    Users,
    /// Providers.
    Providers,
    /// Commissioners.
    Commissioners,
}

/// A member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    /// The member's account.
    pub account_id: String,
    /// The organisation represented (empty for a user speaking for themself).
    #[serde(default)]
    pub organisation: String,
    /// Side of the triad.
    pub triad: Triad,
}

/// A meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// Agenda.
    #[serde(default)]
    pub agenda: String,
    /// Minutes, once recorded.
    #[serde(default)]
    pub minutes: Option<String>,
    /// Accounts present.
    #[serde(default)]
    pub attendance: Vec<String>,
}

/// The state of a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanningGroup {
    /// Name, once formed.
    pub name: Option<String>,
    /// Territory.
    pub territory: String,
    /// Members by account id.
    pub members: BTreeMap<String, Member>,
    /// Meetings by id.
    pub meetings: BTreeMap<String, Meeting>,
}

/// What can be asked of a group.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupCommand {
    /// Form it.
    Form {
        /// Name.
        name: String,
        /// Kind.
        kind: GroupKind,
        /// Territory (kraj or municipality code).
        territory: String,
        /// The target group it works for, when one.
        target_group: Option<String>,
    },
    /// Add (or change) a member.
    AddMember(Member),
    /// Remove a member.
    RemoveMember {
        /// The account.
        account_id: String,
    },
    /// Schedule a meeting.
    ScheduleMeeting {
        /// Its id within the group.
        meeting_id: String,
        /// When, where, what.
        meeting: Meeting,
    },
    /// Record minutes and attendance.
    RecordMinutes {
        /// The meeting.
        meeting_id: String,
        /// The minutes.
        minutes: String,
        /// Members present.
        attendance: Vec<String>,
    },
}

/// What happens to a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GroupEvent {
    /// Formed.
    GroupFormed {
        /// Name.
        name: String,
        /// Kind.
        kind: GroupKind,
        /// Territory.
        territory: String,
        /// Target group.
        #[serde(default)]
        target_group: Option<String>,
    },
    /// A member joined (or changed).
    MemberAdded {
        /// The member.
        member: Member,
    },
    /// A member left.
    MemberRemoved {
        /// The account.
        account_id: String,
    },
    /// A meeting was scheduled.
    MeetingScheduled {
        /// Its id.
        meeting_id: String,
        /// The meeting.
        meeting: Meeting,
    },
    /// Minutes were recorded.
    MinutesRecorded {
        /// The meeting.
        meeting_id: String,
        /// The minutes.
        minutes: String,
        /// Members present.
        attendance: Vec<String>,
    },
}

impl Aggregate for PlanningGroup {
    const STREAM_TYPE: &'static str = "planning_group";
    type Command = GroupCommand;
    type Event = GroupEvent;

    fn apply(&mut self, event: &GroupEvent) {
        match event {
            GroupEvent::GroupFormed {
                name, territory, ..
            } => {
                self.name = Some(name.clone());
                self.territory = territory.clone();
            }
            GroupEvent::MemberAdded { member } => {
                self.members
                    .insert(member.account_id.clone(), member.clone());
            }
            GroupEvent::MemberRemoved { account_id } => {
                self.members.remove(account_id);
            }
            GroupEvent::MeetingScheduled {
                meeting_id,
                meeting,
            } => {
                self.meetings.insert(meeting_id.clone(), meeting.clone());
            }
            GroupEvent::MinutesRecorded {
                meeting_id,
                minutes,
                attendance,
            } => {
                if let Some(m) = self.meetings.get_mut(meeting_id) {
                    m.minutes = Some(minutes.clone());
                    m.attendance = attendance.clone();
                }
            }
        }
    }

    fn decide(
        &self,
        command: &GroupCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<GroupEvent>, DomainError> {
        if !matches!(command, GroupCommand::Form { .. }) && self.name.is_none() {
            return Err(DomainError::NotFound("the group".into()));
        }
        let mut v = Violations::new();
        match command {
            GroupCommand::Form {
                name,
                kind,
                territory,
                target_group,
            } => {
                if self.name.is_some() {
                    return Err(DomainError::AlreadyExists("the group".into()));
                }
                v.check("name", required_text(name, 300));
                v.check("territory", check_code(territory));
                if let Some(g) = target_group {
                    v.check("target_group", check_code(g));
                }
                v.finish()?;
                Ok(vec![GroupEvent::GroupFormed {
                    name: name.trim().to_string(),
                    kind: *kind,
                    territory: territory.clone(),
                    target_group: target_group.clone(),
                }])
            }
            GroupCommand::AddMember(m) => {
                v.check("account_id", required_text(&m.account_id, 64));
                v.check("organisation", optional_text(&m.organisation, 300));
                v.finish()?;
                if self.members.get(&m.account_id) == Some(m) {
                    return Ok(vec![]);
                }
                Ok(vec![GroupEvent::MemberAdded { member: m.clone() }])
            }
            GroupCommand::RemoveMember { account_id } => {
                if !self.members.contains_key(account_id) {
                    return Err(DomainError::NotFound("the member".into()));
                }
                Ok(vec![GroupEvent::MemberRemoved {
                    account_id: account_id.clone(),
                }])
            }
            GroupCommand::ScheduleMeeting {
                meeting_id,
                meeting,
            } => {
                v.check("meeting_id", check_code(meeting_id));
                v.check("place", optional_text(&meeting.place, 300));
                v.check("agenda", optional_text(&meeting.agenda, 10_000));
                v.finish()?;
                if self
                    .meetings
                    .get(meeting_id)
                    .is_some_and(|m| m.minutes.is_some())
                {
                    return Err(DomainError::Rejected(
                        "the meeting has its minutes already".into(),
                    ));
                }
                Ok(vec![GroupEvent::MeetingScheduled {
                    meeting_id: meeting_id.clone(),
                    meeting: Meeting {
                        minutes: None,
                        attendance: Vec::new(),
                        ..meeting.clone()
                    },
                }])
            }
            GroupCommand::RecordMinutes {
                meeting_id,
                minutes,
                attendance,
            } => {
                if !self.meetings.contains_key(meeting_id) {
                    return Err(DomainError::NotFound("the meeting".into()));
                }
                v.check("minutes", required_text(minutes, 50_000));
                for (i, a) in attendance.iter().enumerate() {
                    if !self.members.contains_key(a) {
                        v.add(format!("attendance[{i}]"), "is not a member of the group");
                    }
                }
                v.finish()?;
                let mut present = attendance.clone();
                present.sort();
                present.dedup();
                Ok(vec![GroupEvent::MinutesRecorded {
                    meeting_id: meeting_id.clone(),
                    minutes: minutes.trim().to_string(),
                    attendance: present,
                }])
            }
        }
    }
}
