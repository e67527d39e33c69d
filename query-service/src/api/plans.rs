//! Community plans, read side: the plan in force and which revision it is,
//! any revision, the difference between two revisions, measures by state;
//! the planning groups with their members and meetings.

use super::answers::List;
use super::params::Query;
use super::records::After;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::planning::group::{GroupKind, Member, Triad};
use events::planning::plan::{Measure, PlanContent, RevisionStatus};
use infra::problem::Problem;
use read_models::plans::{EvaluationView, GroupView, PlanView};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/plans", get(list))
        .route("/plans/{id}", get(one))
        .route("/plans/{id}/revisions/{n}", get(revision))
        .route("/plans/{id}/diff", get(diff))
        .route("/plans/{id}/measures", get(measures))
        .route("/groups", get(groups))
        .route("/groups/{id}", get(group))
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

fn get_plan(state: &QueryState, id: &str) -> Result<PlanView, Problem> {
    state
        .indexer
        .read()
        .plans
        .get(id)
        .cloned()
        .ok_or_else(|| not_found("the plan"))
}

#[utoipa::path(operation_id = "plans", get, path = "/api/v1/plans", tag = "plans", params(After), responses((status = 200, description = "`{ total, items: [{ id, title, territory, in_force, revisions }] }`", body = List<PlanSummary>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn list(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<List<PlanSummary>>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&PlanView> = index.plans.values().collect();
    items.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<PlanSummary> = items
        .into_iter()
        .map(|p| PlanSummary {
            id: p.id.clone(),
            title: p.title.clone(),
            territory: p.territory.clone(),
            in_force: p.in_force,
            revisions: p.revisions.len(),
        })
        .collect();
    Ok(Json(items.into()))
}

/// A plan in the list of plans.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanSummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Territory (code).
    pub territory: String,
    /// The revision in force.
    pub in_force: Option<u32>,
    /// How many revisions.
    pub revisions: usize,
}

/// A plan: the one in force, and the state of every revision.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanDetail {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Territory (code).
    pub territory: String,
    /// The revision in force.
    pub in_force: Option<u32>,
    /// The content of the revision in force.
    pub plan: Option<PlanContent>,
    /// Every revision's state, by number.
    pub revisions: Vec<RevisionState>,
    /// Evaluations of measures.
    pub evaluations: Vec<EvaluationView>,
}

/// Where a revision stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevisionState {
    /// Its number.
    pub revision: u32,
    /// Proposed, approved or rejected.
    pub status: RevisionStatus,
    /// Comments.
    pub comments: Vec<String>,
    /// The reason of a rejection.
    pub rejected_because: Option<String>,
}

/// One revision in full.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevisionDetail {
    /// The plan.
    pub plan_id: String,
    /// Its number.
    pub revision: u32,
    /// Proposed, approved or rejected.
    pub status: RevisionStatus,
    /// Its content.
    pub content: PlanContent,
    /// Comments.
    pub comments: Vec<String>,
    /// The reason of a rejection.
    pub rejected_because: Option<String>,
    /// It is the revision in force.
    pub in_force: bool,
}

#[utoipa::path(operation_id = "plan", get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = String, Path, description = "The plan"), After), responses((status = 200, description = "`{ id, title, territory, in_force, plan, revisions: [{ revision, status, comments }] }`: the plan in force and which revision it is", body = PlanDetail), (status = 404, description = "No such plan", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn one(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<PlanDetail>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let p = get_plan(&state, &id)?;
    let plan = p
        .in_force
        .and_then(|n| p.revisions.get(&n))
        .map(|r| r.content.clone());
    let revisions = p
        .revisions
        .iter()
        .map(|(n, r)| RevisionState {
            revision: *n,
            status: r.status,
            comments: r.comments.clone(),
            rejected_because: r.rejected_because.clone(),
        })
        .collect();
    Ok(Json(PlanDetail {
        id: p.id,
        title: p.title,
        territory: p.territory,
        in_force: p.in_force,
        plan,
        revisions,
        evaluations: p.evaluations,
    }))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/revisions/{n}", tag = "plans", params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")), responses((status = 200, description = "The revision: content, status, comments", body = RevisionDetail), (status = 404, description = "No such plan or revision", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn revision(
    State(state): State<QueryState>,
    Path((id, n)): Path<(String, String)>,
) -> Result<Json<RevisionDetail>, Problem> {
    let n: u32 = n
        .parse()
        .map_err(|_| Problem::invalid("revision", format!("{n:?} is not a revision number")))?;
    let p = get_plan(&state, &id)?;
    let r = p
        .revisions
        .get(&n)
        .ok_or_else(|| not_found(&format!("revision {n}")))?;
    Ok(Json(RevisionDetail {
        plan_id: id,
        revision: n,
        status: r.status,
        content: r.content.clone(),
        comments: r.comments.clone(),
        rejected_because: r.rejected_because.clone(),
        in_force: p.in_force == Some(n),
    }))
}

/// Two revisions.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// The earlier revision.
    pub from: u32,
    /// The later revision.
    pub to: u32,
}

fn by_id(c: &PlanContent) -> BTreeMap<&str, &Measure> {
    c.measures().map(|m| (m.id.as_str(), m)).collect()
}

/// What changed between two contents: measures added, removed, changed (with the fields), and the period.
pub fn compare(from: (u32, &PlanContent), to: (u32, &PlanContent)) -> PlanDiff {
    let ((from, a), (to, b)) = (from, to);
    let (x, y) = (by_id(a), by_id(b));
    let only = |x: &BTreeMap<&str, &Measure>, y: &BTreeMap<&str, &Measure>| -> Vec<Measure> {
        x.iter()
            .filter(|(k, _)| !y.contains_key(*k))
            .map(|(_, m)| (*m).clone())
            .collect()
    };
    let measures_changed = x
        .iter()
        .filter_map(|(k, old)| y.get(k).map(|new| (k, old, new)))
        .filter(|(_, old, new)| old != new)
        .map(|(k, old, new)| {
            let (o, n) = (
                serde_json::to_value(old).unwrap_or_default(),
                serde_json::to_value(new).unwrap_or_default(),
            );
            let changes = o
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(f, v)| n.get(f.as_str()) != Some(v))
                .map(|(f, v)| FieldChange {
                    field: f.clone(),
                    before: v.clone(),
                    after: n[f.as_str()].clone(),
                })
                .collect();
            MeasureChange {
                id: (*k).to_string(),
                changes,
            }
        })
        .collect();
    let (before, after) = ([a.period_from, a.period_to], [b.period_from, b.period_to]);
    PlanDiff {
        from,
        to,
        period: (before != after).then_some(PeriodChange { before, after }),
        measures_added: only(&y, &x),
        measures_removed: only(&x, &y),
        measures_changed,
    }
}

/// What changed between two revisions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanDiff {
    /// The revision compared from.
    pub from: u32,
    /// The revision compared to.
    pub to: u32,
    /// The period, when it changed.
    pub period: Option<PeriodChange>,
    /// Measures only in the later revision.
    pub measures_added: Vec<Measure>,
    /// Measures only in the earlier revision.
    pub measures_removed: Vec<Measure>,
    /// Measures in both, changed.
    pub measures_changed: Vec<MeasureChange>,
}

/// A changed period of a plan (first and last year).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodChange {
    /// Before.
    pub before: [i32; 2],
    /// After.
    pub after: [i32; 2],
}

/// A measure changed, field by field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureChange {
    /// The measure.
    pub id: String,
    /// Its changed fields.
    pub changes: Vec<FieldChange>,
}

/// One changed field of a measure.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// Its value before.
    pub before: Value,
    /// Its value after.
    pub after: Value,
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/diff", tag = "plans", params(("id" = String, Path, description = "The plan"), DiffParams), responses((status = 200, description = "`{ from, to, period, measures_added, measures_removed, measures_changed: [{ id, changes: [{ field, before, after }] }] }`", body = PlanDiff), (status = 404, description = "No such plan or revision", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn diff(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(d): Query<DiffParams>,
) -> Result<Json<PlanDiff>, Problem> {
    let p = get_plan(&state, &id)?;
    let get = |n: u32| {
        p.revisions
            .get(&n)
            .ok_or_else(|| not_found(&format!("revision {n}")))
    };
    Ok(Json(compare(
        (d.from, &get(d.from)?.content),
        (d.to, &get(d.to)?.content),
    )))
}

/// Which measures.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeasureParams {
    /// `not_evaluated`, `not_started` (0 %), `in_progress` (1–99 %) or `fulfilled` (100 %).
    pub state: Option<String>,
    /// The year of evaluation (default: each measure's latest).
    pub year: Option<i32>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/measures", tag = "plans", params(("id" = String, Path, description = "The plan"), MeasureParams), responses((status = 200, description = "`{ revision, items: [{ measure, year, fulfilment, state }] }`: the measures of the plan in force", body = MeasureStates), (status = 404, description = "No such plan", body = crate::api::openapi::Problem), (status = 422, description = "A bad state", body = crate::api::openapi::Problem)))]
pub(crate) async fn measures(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(q): Query<MeasureParams>,
) -> Result<Json<MeasureStates>, Problem> {
    if let Some(s) = q.state.as_deref() {
        if !["not_evaluated", "not_started", "in_progress", "fulfilled"].contains(&s) {
            return Err(Problem::invalid(
                "state",
                format!("{s:?} is not not_evaluated, not_started, in_progress or fulfilled"),
            ));
        }
    }
    wait_after(&state, q.after.as_deref()).await?;
    let p = get_plan(&state, &id)?;
    let Some(content) = p
        .in_force
        .and_then(|n| p.revisions.get(&n))
        .map(|r| &r.content)
    else {
        return Ok(Json(MeasureStates {
            revision: None,
            items: Vec::new(),
        }));
    };
    let items = content
        .measures()
        .map(|m| {
            let e = p
                .evaluations
                .iter()
                .filter(|e| e.measure_id == m.id && q.year.is_none_or(|y| e.year == y))
                .max_by_key(|e| e.year);
            let st = match e.map(|e| e.fulfilment) {
                None => "not_evaluated",
                Some(0) => "not_started",
                Some(100) => "fulfilled",
                Some(_) => "in_progress",
            };
            MeasureState {
                measure: m.clone(),
                year: e.map(|e| e.year),
                fulfilment: e.map(|e| e.fulfilment),
                note: e.map(|e| e.note.clone()),
                state: st,
            }
        })
        .filter(|v| q.state.as_deref().is_none_or(|s| v.state == s))
        .collect();
    Ok(Json(MeasureStates {
        revision: p.in_force,
        items,
    }))
}

/// The measures of the plan in force, each with its latest evaluation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureStates {
    /// The revision in force (none: no plan is in force).
    pub revision: Option<u32>,
    /// The measures.
    pub items: Vec<MeasureState>,
}

/// A measure and where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeasureState {
    /// The measure.
    pub measure: Measure,
    /// The year of its latest evaluation.
    pub year: Option<i32>,
    /// Fulfilment, percent.
    pub fulfilment: Option<u8>,
    /// The evaluation's note.
    pub note: Option<String>,
    /// `not_evaluated`, `not_started`, `in_progress` or `fulfilled`.
    pub state: &'static str,
}

/// Which groups.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupParams {
    /// Groups of a territory (code).
    pub territory: Option<String>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

/// A planning group with its members counted by side of the triad.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Coordination or working group.
    pub kind: GroupKind,
    /// Territory (code).
    pub territory: String,
    /// Target group.
    pub target_group: Option<String>,
    /// Members.
    pub members: Vec<Member>,
    /// Members by side of the triad.
    pub triad: BTreeMap<Triad, usize>,
    /// Meetings.
    pub meetings: Vec<MeetingView>,
}

/// A meeting of a group.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    /// Id.
    pub id: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Where.
    pub place: String,
    /// Agenda.
    pub agenda: String,
    /// Minutes, once recorded.
    pub minutes: Option<String>,
    /// Who was there (account ids).
    pub attendance: Vec<String>,
    /// How many were there.
    pub present: usize,
}

fn group_detail(g: &GroupView) -> GroupDetail {
    let mut triad: BTreeMap<Triad, usize> = BTreeMap::new();
    for m in g.members.values() {
        *triad.entry(m.triad).or_default() += 1;
    }
    let meetings = g
        .meetings
        .iter()
        .map(|(id, m)| MeetingView {
            id: id.clone(),
            at: m.at,
            place: m.place.clone(),
            agenda: m.agenda.clone(),
            minutes: m.minutes.clone(),
            attendance: m.attendance.clone(),
            present: m.attendance.len(),
        })
        .collect();
    GroupDetail {
        id: g.id.clone(),
        name: g.name.clone(),
        kind: g.kind,
        territory: g.territory.clone(),
        target_group: g.target_group.clone(),
        members: g.members.values().cloned().collect(),
        triad,
        meetings,
    }
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "plans", params(GroupParams), responses((status = 200, description = "`{ total, items }`: planning groups with members by side of the triad and meetings", body = List<GroupDetail>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn groups(
    State(state): State<QueryState>,
    Query(p): Query<GroupParams>,
) -> Result<Json<List<GroupDetail>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&GroupView> = index
        .groups
        .values()
        .filter(|g| p.territory.as_deref().is_none_or(|t| g.territory == t))
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<GroupDetail> = items.into_iter().map(group_detail).collect();
    Ok(Json(items.into()))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "plans", params(("id" = String, Path, description = "The group"), GroupParams), responses((status = 200, description = "The group, its members and meetings", body = GroupDetail), (status = 404, description = "No such group", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn group(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(p): Query<GroupParams>,
) -> Result<Json<GroupDetail>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let g = index
        .groups
        .get(&id)
        .ok_or_else(|| not_found("the group"))?;
    Ok(Json(group_detail(g)))
}
