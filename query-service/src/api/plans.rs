//! Community plans, read side: the plan in force and which revision it is,
//! any revision, the difference between two revisions, measures by state;
//! the planning groups with their members and meetings.

use super::params::Query;
use super::records::After;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::planning::plan::{Measure, PlanContent};
use infra::problem::Problem;
use read_models::plans::PlanView;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(After), responses((status = 200, description = "`{ total, items: [{ id, title, territory, in_force, revisions }] }`", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn list(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&PlanView> = index.plans.values().collect();
    items.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = items.into_iter().map(|p| json!({ "id": p.id, "title": p.title, "territory": p.territory, "in_force": p.in_force, "revisions": p.revisions.len() })).collect();
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = String, Path, description = "The plan"), After), responses((status = 200, description = "`{ id, title, territory, in_force, plan, revisions: [{ revision, status, comments }] }`: the plan in force and which revision it is", body = Object), (status = 404, description = "No such plan", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn one(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let p = get_plan(&state, &id)?;
    let plan = p
        .in_force
        .and_then(|n| p.revisions.get(&n))
        .map(|r| r.content.clone());
    let revisions: Vec<Value> = p.revisions.iter().map(|(n, r)| json!({ "revision": n, "status": r.status, "comments": r.comments, "rejected_because": r.rejected_because })).collect();
    Ok(Json(
        json!({ "id": p.id, "title": p.title, "territory": p.territory, "in_force": p.in_force, "plan": plan, "revisions": revisions, "evaluations": p.evaluations }),
    ))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/revisions/{n}", tag = "plans", params(("id" = String, Path, description = "The plan"), ("n" = u32, Path, description = "The revision")), responses((status = 200, description = "The revision: content, status, comments", body = Object), (status = 404, description = "No such plan or revision", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn revision(
    State(state): State<QueryState>,
    Path((id, n)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let n: u32 = n
        .parse()
        .map_err(|_| Problem::invalid("revision", format!("{n:?} is not a revision number")))?;
    let p = get_plan(&state, &id)?;
    let r = p
        .revisions
        .get(&n)
        .ok_or_else(|| not_found(&format!("revision {n}")))?;
    Ok(Json(
        json!({ "plan_id": id, "revision": n, "status": r.status, "content": r.content, "comments": r.comments, "rejected_because": r.rejected_because, "in_force": p.in_force == Some(n) }),
    ))
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
pub fn compare(a: &PlanContent, b: &PlanContent) -> Value {
    let (x, y) = (by_id(a), by_id(b));
    let added: Vec<&Measure> = y
        .iter()
        .filter(|(k, _)| !x.contains_key(*k))
        .map(|(_, m)| *m)
        .collect();
    let removed: Vec<&Measure> = x
        .iter()
        .filter(|(k, _)| !y.contains_key(*k))
        .map(|(_, m)| *m)
        .collect();
    let changed: Vec<Value> = x
        .iter()
        .filter_map(|(k, old)| y.get(k).map(|new| (k, old, new)))
        .filter(|(_, old, new)| old != new)
        .map(|(k, old, new)| {
            let (o, n) = (
                serde_json::to_value(old).unwrap_or_default(),
                serde_json::to_value(new).unwrap_or_default(),
            );
            let fields: Vec<Value> = o
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(f, v)| n.get(f.as_str()) != Some(v))
                .map(|(f, v)| json!({ "field": f, "before": v, "after": n[f.as_str()] }))
                .collect();
            json!({ "id": k, "changes": fields })
        })
        .collect();
    json!({
        "period": if (a.period_from, a.period_to) == (b.period_from, b.period_to) { Value::Null } else { json!({ "before": [a.period_from, a.period_to], "after": [b.period_from, b.period_to] }) },
        "measures_added": added, "measures_removed": removed, "measures_changed": changed,
    })
}

#[utoipa::path(get, path = "/api/v1/plans/{id}/diff", tag = "plans", params(("id" = String, Path, description = "The plan"), DiffParams), responses((status = 200, description = "`{ from, to, period, measures_added, measures_removed, measures_changed: [{ id, changes: [{ field, before, after }] }] }`", body = Object), (status = 404, description = "No such plan or revision", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn diff(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(d): Query<DiffParams>,
) -> Result<Json<Value>, Problem> {
    let p = get_plan(&state, &id)?;
    let get = |n: u32| {
        p.revisions
            .get(&n)
            .ok_or_else(|| not_found(&format!("revision {n}")))
    };
    let mut out = compare(&get(d.from)?.content, &get(d.to)?.content);
    out["from"] = json!(d.from);
    out["to"] = json!(d.to);
    Ok(Json(out))
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

#[utoipa::path(get, path = "/api/v1/plans/{id}/measures", tag = "plans", params(("id" = String, Path, description = "The plan"), MeasureParams), responses((status = 200, description = "`{ revision, items: [{ measure, year, fulfilment, state }] }`: the measures of the plan in force", body = Object), (status = 404, description = "No such plan", body = crate::api::openapi::Problem), (status = 422, description = "A bad state", body = crate::api::openapi::Problem)))]
pub(crate) async fn measures(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(q): Query<MeasureParams>,
) -> Result<Json<Value>, Problem> {
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
        return Ok(Json(json!({ "revision": Value::Null, "items": [] })));
    };
    let items: Vec<Value> = content
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
            json!({ "measure": m, "year": e.map(|e| e.year), "fulfilment": e.map(|e| e.fulfilment), "note": e.map(|e| &e.note), "state": st })
        })
        .filter(|v| q.state.as_deref().is_none_or(|s| v["state"] == s))
        .collect();
    Ok(Json(json!({ "revision": p.in_force, "items": items })))
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

fn group_json(g: &read_models::plans::GroupView) -> Value {
    let mut triad: BTreeMap<String, usize> = BTreeMap::new();
    for m in g.members.values() {
        let side = serde_json::to_value(m.triad)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        *triad.entry(side).or_default() += 1;
    }
    let meetings: Vec<Value> = g
        .meetings
        .iter()
        .map(|(id, m)| json!({ "id": id, "at": m.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(), "place": m.place, "agenda": m.agenda, "minutes": m.minutes, "attendance": m.attendance, "present": m.attendance.len() }))
        .collect();
    json!({ "id": g.id, "name": g.name, "kind": g.kind, "territory": g.territory, "target_group": g.target_group,
        "members": g.members.values().collect::<Vec<_>>(), "triad": triad, "meetings": meetings })
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "plans", params(GroupParams), responses((status = 200, description = "`{ total, items }`: planning groups with members by side of the triad and meetings", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn groups(
    State(state): State<QueryState>,
    Query(p): Query<GroupParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&read_models::plans::GroupView> = index
        .groups
        .values()
        .filter(|g| p.territory.as_deref().is_none_or(|t| g.territory == t))
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let items: Vec<Value> = items.into_iter().map(group_json).collect();
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "plans", params(("id" = String, Path, description = "The group"), GroupParams), responses((status = 200, description = "The group, its members and meetings", body = Object), (status = 404, description = "No such group", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn group(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(p): Query<GroupParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let g = index
        .groups
        .get(&id)
        .ok_or_else(|| not_found("the group"))?;
    Ok(Json(group_json(g)))
}
