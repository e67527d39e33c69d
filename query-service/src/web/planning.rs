//! Community planning on the web: the plans (priorities, goals and measures
//! of the revision in force, or of any revision, with the list of revisions
//! and the evaluations of measures) and the planning groups with their
//! members' organisations and meetings, from templates over the read models.
//! (The calendar, documents, news, job postings and the forum: `content`.)

use super::format::filters;
use super::page::{render, Frame};
use crate::api::QueryState;
use crate::index::Index;
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use events::planning::group::{Meeting, Triad};
use events::planning::plan::RevisionStatus;
use read_models::plans::{GroupView, PlanView, RevisionView};

/// A kraj's, ORP's or municipality's name for its code (the code when unknown).
pub(super) fn territory_name(index: &Index, code: &str) -> String {
    let t = index.territory();
    if let Some(k) = t.kraj_by_any_code(code) {
        return k.name.clone();
    }
    if let Some(o) = t.orp_by_any_code(code) {
        return format!("ORP {}", o.name);
    }
    t.municipalities
        .get(code)
        .map_or_else(|| code.to_string(), |m| m.name.clone())
}

/// A plan as listed.
struct PlanItem {
    id: String,
    title: String,
    territory: String,
    period: Option<(i32, i32)>,
    in_force: Option<u32>,
}

/// A group as listed.
struct GroupItem {
    id: String,
    name: String,
    territory: String,
    members: usize,
}

#[derive(Template)]
#[template(path = "planning/overview.html")]
struct OverviewPage<'a> {
    frame: Frame<'a>,
    plans: Vec<PlanItem>,
    groups: Vec<GroupItem>,
}

/// `GET /planovani`: the plans and the groups.
pub async fn overview(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let index = state.indexer.read();
    let mut plans: Vec<&PlanView> = index.plans.values().collect();
    plans.sort_by_cached_key(|p| (crate::text::collation_key(&p.title), p.id.clone()));
    let plans = plans
        .into_iter()
        .map(|p| PlanItem {
            id: p.id.clone(),
            title: p.title.clone(),
            territory: territory_name(&index, &p.territory),
            period: p
                .in_force
                .and_then(|n| p.revisions.get(&n))
                .map(|r| (r.content.period_from, r.content.period_to)),
            in_force: p.in_force,
        })
        .collect();
    let mut groups: Vec<&GroupView> = index.groups.values().collect();
    groups.sort_by_cached_key(|g| (crate::text::collation_key(&g.name), g.id.clone()));
    let groups = groups
        .into_iter()
        .map(|g| GroupItem {
            id: g.id.clone(),
            name: g.name.clone(),
            territory: territory_name(&index, &g.territory),
            members: g.members.len(),
        })
        .collect();
    render(&OverviewPage {
        frame: Frame {
            lang,
            title: lang.texts().community_planning,
            path: "/planovani",
        },
        plans,
        groups,
    })
}

/// The revision to show.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PlanParams {
    revize: Option<u32>,
}

/// A revision in the plan's list.
struct RevisionItem {
    n: u32,
    status: RevisionStatus,
    chosen: bool,
    in_force: bool,
    rejected_because: Option<String>,
}

#[derive(Template)]
#[template(path = "planning/plan.html")]
struct PlanPage<'a> {
    frame: Frame<'a>,
    plan: &'a PlanView,
    territory: String,
    revisions: Vec<RevisionItem>,
    revision: Option<&'a RevisionView>,
    /// What the shown revision changed against the one before it.
    diff: Option<crate::api::plans::PlanDiff>,
}

impl PlanPage<'_> {
    fn files(
        &self,
        content: &events::planning::plan::PlanContent,
    ) -> Vec<super::uploads::FileLink> {
        super::uploads::links(&content.attachments)
    }

    fn status(&self, status: &RevisionStatus) -> &'static str {
        let t = self.frame.t();
        match status {
            RevisionStatus::Proposed => t.revision_proposed,
            RevisionStatus::Approved => t.revision_approved,
            RevisionStatus::Rejected => t.revision_rejected,
        }
    }

    /// A measure's field, named in the page's language.
    fn field_name(&self, field: &str) -> &'static str {
        let t = self.frame.t();
        match field {
            "title" => self.frame.lang.tr("název", "title"),
            "responsible" => t.responsible,
            "deadline" => t.term,
            "budget" => t.budget_czk,
            "indicators" => self.frame.lang.tr("ukazatele", "indicators"),
            "sources" => self
                .frame
                .lang
                .tr("zdroje financování", "sources of funding"),
            "target_group" => self.frame.lang.tr("cílová skupina", "target group"),
            _ => self.frame.lang.tr("jiný údaj", "another field"),
        }
    }

    /// A value of a measure's field as people read it.
    fn value(&self, field: &str, value: &serde_json::Value) -> String {
        use serde_json::Value;
        match (field, value) {
            ("budget", Value::Number(n)) => n.as_i64().map_or(n.to_string(), super::format::czk),
            ("deadline", Value::String(s)) => {
                time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_or(s.clone(), super::format::day)
            }
            (_, Value::String(s)) => s.clone(),
            (_, Value::Null) => "—".into(),
            (_, Value::Array(items)) if items.is_empty() => "—".into(),
            (_, Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            (_, other) => other.to_string(),
        }
    }

    /// A measure's latest evaluation: `80 % (2026)`, or a dash.
    fn fulfilment(&self, measure: &str) -> String {
        self.plan
            .evaluations
            .iter()
            .filter(|e| e.measure_id == measure)
            .max_by_key(|e| e.year)
            .map_or_else(
                || "—".to_string(),
                |e| format!("{} % ({})", e.fulfilment, e.year),
            )
    }
}

/// `GET /planovani/{id}`: a plan's priorities, goals and measures.
pub async fn plan(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    params: Result<Query<PlanParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let t = lang.texts();
    let index = state.indexer.read();
    let Some(p) = index.plans.get(&id) else {
        return super::alert(
            StatusCode::NOT_FOUND,
            lang,
            t.community_plan,
            "/planovani",
            t.no_such_plan,
        );
    };
    let chosen = params
        .ok()
        .and_then(|Query(q)| q.revize)
        .or(p.in_force)
        .or_else(|| p.revisions.keys().last().copied());
    let path = format!("/planovani/{id}");
    let revisions = p
        .revisions
        .iter()
        .map(|(n, r)| RevisionItem {
            n: *n,
            status: r.status,
            chosen: Some(*n) == chosen,
            in_force: Some(*n) == p.in_force,
            rejected_because: r.rejected_because.clone(),
        })
        .collect();
    render(&PlanPage {
        frame: Frame {
            lang,
            title: &p.title,
            path: &path,
        },
        plan: p,
        territory: territory_name(&index, &p.territory),
        revisions,
        revision: chosen.and_then(|n| p.revisions.get(&n)),
        diff: chosen.and_then(|n| {
            let (before, earlier) = p.revisions.range(..n).next_back()?;
            let now = p.revisions.get(&n)?;
            Some(crate::api::plans::compare(
                (*before, &earlier.content),
                (n, &now.content),
            ))
        }),
    })
}

#[derive(Template)]
#[template(path = "planning/group.html")]
struct GroupPage<'a> {
    frame: Frame<'a>,
    group: &'a GroupView,
    territory: String,
    meetings: Vec<&'a Meeting>,
}

impl GroupPage<'_> {
    fn triad(&self, triad: &Triad) -> &'static str {
        let t = self.frame.t();
        match triad {
            Triad::Users => t.triad_users,
            Triad::Providers => t.triad_providers,
            Triad::Commissioners => t.triad_commissioners,
        }
    }
}

/// `GET /skupiny/{id}`: a group's members (organisations) and meetings.
pub async fn group(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let t = lang.texts();
    let index = state.indexer.read();
    let Some(g) = index.groups.get(&id) else {
        return super::alert(
            StatusCode::NOT_FOUND,
            lang,
            t.no_such_group,
            "/planovani",
            t.no_such_group,
        );
    };
    let mut meetings: Vec<&Meeting> = g.meetings.values().collect();
    meetings.sort_by_key(|m| std::cmp::Reverse(m.at));
    let path = format!("/skupiny/{id}");
    render(&GroupPage {
        frame: Frame {
            lang,
            title: &g.name,
            path: &path,
        },
        group: g,
        territory: territory_name(&index, &g.territory),
        meetings,
    })
}
