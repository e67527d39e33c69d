//! The request bodies of planning groups and their meetings.

use events::planning::group::{GroupKind, Meeting};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new group.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Coordination or working group.
    pub kind: GroupKind,
    /// Territory (kraj or municipality code).
    pub territory: String,
    /// The target group it works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
}

/// A new meeting.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingBody {
    /// Its id within the group, e.g. `2027-01`.
    pub meeting_id: String,
    /// When, where, what.
    #[serde(flatten)]
    pub meeting: Meeting,
}

/// Minutes and attendance.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesBody {
    /// The minutes.
    pub minutes: String,
    /// Members present (account ids).
    #[serde(default)]
    pub attendance: Vec<String>,
}
