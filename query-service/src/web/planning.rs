//! Community planning on the web: the plans (priorities, goals and measures
//! of the revision in force, or of any revision, with the list of revisions
//! and the evaluations of measures) and the planning groups with their
//! members' organisations and meetings. (The calendar, documents, news, job
//! postings and the forum: `content`.)

use super::page::{esc, Lang};
use crate::api::QueryState;
use crate::index::Index;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use events::planning::group::Triad;
use events::planning::plan::RevisionStatus;
use std::fmt::Write;

fn lang_of(raw: &Option<String>) -> Lang {
    Lang::from_query(raw.as_deref().unwrap_or_default())
}

fn page(lang: Lang, title: &str, path: &str, body: &str) -> Response {
    Html(super::page::layout(lang, title, path, body)).into_response()
}

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

/// A day and time as `d. m. yyyy hh:mm`, Czech local time.
pub(super) fn day_time(t: time::OffsetDateTime) -> String {
    let t = super::content_forms::local(t);
    format!(
        "{}. {}. {} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The section's own menu.
fn menu(lang: Lang) -> String {
    let c = lang.code();
    let items = [
        ("/planovani", lang.tr("Plány a skupiny", "Plans and groups")),
        ("/kalendar", lang.tr("Kalendář", "Calendar")),
        ("/dokumenty", lang.tr("Dokumenty", "Documents")),
        ("/aktuality", lang.tr("Aktuality", "News")),
        ("/prace", lang.tr("Nabídky práce", "Jobs")),
        ("/forum", lang.tr("Fórum", "Forum")),
        ("/dotace", lang.tr("Dotace", "Grants")),
    ];
    let links: Vec<String> = items
        .iter()
        .map(|(p, t)| format!("<a href=\"{p}?lang={c}\">{}</a>", esc(t)))
        .collect();
    format!(
        "<nav aria-label=\"{}\"><p>{}</p></nav>",
        esc(lang.tr("Komunitní plánování", "Community planning")),
        links.join(" · ")
    )
}

/// `GET /planovani`: the plans and the groups.
pub async fn overview(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let index = state.indexer.read();
    let mut body = menu(lang);
    let _ = write!(
        body,
        "<h2>{}</h2><ul class=\"results\">",
        esc(lang.tr("Komunitní plány", "Community plans"))
    );
    let mut plans: Vec<_> = index.plans.values().collect();
    plans.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
    for p in &plans {
        let period = p
            .in_force
            .and_then(|n| p.revisions.get(&n))
            .map(|r| format!(", {}–{}", r.content.period_from, r.content.period_to))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<li><a href=\"/planovani/{id}?lang={c}\">{title}</a> — {territory}{period} · {state}</li>",
            id = esc(&p.id),
            c = lang.code(),
            title = esc(&p.title),
            territory = esc(&territory_name(&index, &p.territory)),
            state = match p.in_force {
                Some(n) => format!("{} {n}", esc(lang.tr("platná revize", "revision in force"))),
                None => esc(lang.tr("zatím bez schválené revize", "no approved revision yet")),
            },
        );
    }
    body.push_str("</ul>");
    if plans.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(lang.tr("Zatím žádný plán.", "No plan yet."))
        );
    }
    let _ = write!(
        body,
        "<h2>{}</h2><ul class=\"results\">",
        esc(lang.tr(
            "Pracovní a koordinační skupiny",
            "Working and coordination groups"
        ))
    );
    let mut groups: Vec<_> = index.groups.values().collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    for g in &groups {
        let _ = write!(
            body,
            "<li><a href=\"/skupiny/{id}?lang={c}\">{name}</a> — {territory} · {members} {members_label}</li>",
            id = esc(&g.id),
            c = lang.code(),
            name = esc(&g.name),
            territory = esc(&territory_name(&index, &g.territory)),
            members = g.members.len(),
            members_label = esc(lang.tr("členů", "members")),
        );
    }
    body.push_str("</ul>");
    page(
        lang,
        lang.tr("Komunitní plánování", "Community planning"),
        "/planovani",
        &body,
    )
}

/// The revision to show.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PlanParams {
    revize: Option<u32>,
}

/// `GET /planovani/{id}`: a plan's priorities, goals and measures.
pub async fn plan(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    params: Result<Query<PlanParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = lang_of(&raw);
    let index = state.indexer.read();
    let title = lang.tr("Komunitní plán", "Community plan");
    let Some(p) = index.plans.get(&id) else {
        let text = lang.tr("Takový plán neexistuje.", "No such plan.");
        return super::alert(StatusCode::NOT_FOUND, lang, title, "/planovani", text);
    };
    let chosen = params
        .ok()
        .and_then(|Query(q)| q.revize)
        .or(p.in_force)
        .or_else(|| p.revisions.keys().last().copied());
    let path = format!("/planovani/{id}");
    let mut body = menu(lang);
    let _ = write!(
        body,
        "<p>{}: {}</p><h2>{}</h2><ul>",
        esc(lang.tr("Území", "Territory")),
        esc(&territory_name(&index, &p.territory)),
        esc(lang.tr("Revize", "Revisions")),
    );
    for (n, r) in &p.revisions {
        let status = match r.status {
            RevisionStatus::Proposed => lang.tr("návrh", "proposed"),
            RevisionStatus::Approved => lang.tr("schválená", "approved"),
            RevisionStatus::Rejected => lang.tr("zamítnutá", "rejected"),
        };
        let current = if Some(*n) == chosen {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            body,
            "<li><a href=\"{path}?revize={n}&amp;lang={c}\"{current}>{label} {n}</a> — {status}{force}{why}</li>",
            path = esc(&path),
            c = lang.code(),
            label = esc(lang.tr("revize", "revision")),
            status = esc(status),
            force = if Some(*n) == p.in_force { format!(" · <strong>{}</strong>", esc(lang.tr("platná", "in force"))) } else { String::new() },
            why = r.rejected_because.as_deref().map(|w| format!(" ({})", esc(w))).unwrap_or_default(),
        );
    }
    body.push_str("</ul>");
    let Some(revision) = chosen.and_then(|n| p.revisions.get(&n)) else {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(lang.tr("Plán zatím nemá obsah.", "The plan has no content yet."))
        );
        return page(lang, &p.title, &path, &body);
    };
    let c = &revision.content;
    let _ = write!(
        body,
        "<h2>{} {}–{}</h2>",
        esc(lang.tr("Obsah na období", "Content for")),
        c.period_from,
        c.period_to
    );
    let fulfilment = |measure: &str| {
        p.evaluations
            .iter()
            .filter(|e| e.measure_id == measure)
            .max_by_key(|e| e.year)
            .map(|e| format!("{} % ({})", e.fulfilment, e.year))
            .unwrap_or_else(|| "—".to_string())
    };
    for priority in &c.priorities {
        let _ = write!(
            body,
            "<section><h3>{} {}</h3>",
            esc(&priority.id),
            esc(&priority.title)
        );
        for goal in &priority.goals {
            let _ = write!(
                body,
                "<table><caption>{} {} {}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
                 <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
                esc(lang.tr("Cíl", "Goal")),
                esc(&goal.id),
                esc(&goal.title),
                esc(lang.tr("Opatření", "Measure")),
                esc(lang.tr("Odpovídá", "Responsible")),
                esc(lang.tr("Termín", "Deadline")),
                esc(lang.tr("Rozpočet (Kč)", "Budget (CZK)")),
                esc(lang.tr("Naplnění", "Fulfilment")),
            );
            for m in &goal.measures {
                let _ = write!(
                    body,
                    "<tr><th scope=\"row\">{} {}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&m.id),
                    esc(&m.title),
                    esc(&m.responsible),
                    m.deadline,
                    m.budget,
                    fulfilment(&m.id),
                );
            }
            body.push_str("</tbody></table>");
        }
        body.push_str("</section>");
    }
    if !revision.comments.is_empty() {
        let _ = write!(
            body,
            "<h2>{}</h2><ul>",
            esc(lang.tr("Připomínky", "Comments"))
        );
        for comment in &revision.comments {
            let _ = write!(body, "<li>{}</li>", esc(comment));
        }
        body.push_str("</ul>");
    }
    page(lang, &p.title, &path, &body)
}

/// `GET /skupiny/{id}`: a group's members (organisations) and meetings.
pub async fn group(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(&raw);
    let index = state.indexer.read();
    let Some(g) = index.groups.get(&id) else {
        let text = lang.tr("Taková skupina neexistuje.", "No such group.");
        return super::alert(StatusCode::NOT_FOUND, lang, text, "/planovani", text);
    };
    let mut body = menu(lang);
    let _ = write!(
        body,
        "<p>{}: {}</p><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(lang.tr("Území", "Territory")),
        esc(&territory_name(&index, &g.territory)),
        esc(lang.tr("Členové (organizace; jména osob se nezveřejňují)", "Members (organisations; names of persons are not published)")),
        esc(lang.tr("Organizace", "Organisation")),
        esc(lang.tr("Strana triády", "Side of the triad")),
    );
    for m in g.members.values() {
        let triad = match m.triad {
            Triad::Users => lang.tr("uživatelé", "users"),
            Triad::Providers => lang.tr("poskytovatelé", "providers"),
            Triad::Commissioners => lang.tr("zadavatelé", "commissioners"),
        };
        let organisation = if m.organisation.is_empty() {
            lang.tr("(osoba, jméno se nezveřejňuje)", "(a person, not named)")
        } else {
            m.organisation.as_str()
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(organisation),
            esc(triad)
        );
    }
    let _ = write!(
        body,
        "</tbody></table><h2>{}</h2><ul class=\"results\">",
        esc(lang.tr("Jednání", "Meetings"))
    );
    let mut meetings: Vec<_> = g.meetings.values().collect();
    meetings.sort_by_key(|m| std::cmp::Reverse(m.at));
    for m in meetings {
        let _ = write!(
            body,
            "<li><strong>{}</strong>, {} — {}{}</li>",
            day_time(m.at),
            esc(&m.place),
            esc(&m.agenda),
            m.minutes
                .as_deref()
                .map(|x| format!("<br>{}: {}", esc(lang.tr("Zápis", "Minutes")), esc(x)))
                .unwrap_or_default(),
        );
    }
    body.push_str("</ul>");
    page(lang, &g.name, &format!("/skupiny/{id}"), &body)
}
