//! Community planning on the web: the plans (priorities, goals and measures
//! of the revision in force, or of any revision, with the list of revisions
//! and the evaluations of measures), the planning groups with their members'
//! organisations and meetings, the calendar, documents, news, job postings
//! and the public forum. The content pages show what the read API answers
//! (its handlers are called, so forum posts are opened the same way, and
//! erased authors stay erased).

use super::page::{esc, Lang};
use crate::api::content::ContentParams;
use crate::api::forum::{AfterParam, ThreadParams};
use crate::api::QueryState;
use crate::index::Index;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use events::planning::group::Triad;
use events::planning::plan::RevisionStatus;
use serde_json::Value;
use std::fmt::Write;

fn lang_of(raw: &Option<String>) -> Lang {
    Lang::from_query(raw.as_deref().unwrap_or_default())
}

fn page(lang: Lang, title: &str, path: &str, body: &str) -> Response {
    Html(super::page::layout(lang, title, path, body)).into_response()
}

/// A kraj's, ORP's or municipality's name for its code (the code when unknown).
fn territory_name(index: &Index, code: &str) -> String {
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
fn day_time(t: time::OffsetDateTime) -> String {
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

/// The same from RFC 3339 text.
fn when(v: &Value) -> String {
    let s = v.as_str().unwrap_or_default();
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| s.to_string(), day_time)
}

fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or_default())
}

/// Paragraphs of a text, escaped.
fn paragraphs(v: &Value) -> String {
    paragraphs_of(v.as_str().unwrap_or_default())
}

/// Paragraphs of a text, escaped.
fn paragraphs_of(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", esc(p.trim())))
        .collect()
}

fn failed(lang: Lang, title: &str, path: &str, problem: &infra::problem::Problem) -> Response {
    super::alert(
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        lang,
        title,
        path,
        problem.detail.as_deref().unwrap_or(problem.title.as_str()),
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

/// A list page of content: the read API's answer (`items`, `total`) as a
/// list under the section's menu and `intro`, an item by `item`, or `none`
/// when it is empty.
fn list_page(
    lang: Lang,
    title: &str,
    path: &str,
    answer: Result<Json<Value>, infra::problem::Problem>,
    intro: &str,
    none: &str,
    item: impl Fn(&Value) -> String,
) -> Response {
    let Json(list) = match answer {
        Ok(a) => a,
        Err(p) => return failed(lang, title, path, &p),
    };
    let mut body = menu(lang);
    body.push_str(intro);
    body.push_str("<ul class=\"results\">");
    for v in list["items"].as_array().into_iter().flatten() {
        body.push_str(&item(v));
    }
    body.push_str("</ul>");
    if list["total"] == 0 {
        let _ = write!(body, "<p>{}</p>", esc(none));
    }
    page(lang, title, path, &body)
}

/// `<br>` and the text, when there is a text.
fn more(v: &Value) -> String {
    if v.as_str().is_some_and(|b| !b.is_empty()) {
        format!("<br>{}", text(v))
    } else {
        String::new()
    }
}

/// The name of the territory a code field holds.
fn territory_of(index: &Index, v: &Value) -> String {
    esc(&territory_name(index, v.as_str().unwrap_or_default()))
}

/// The read API's content lists, with no filter.
fn all() -> crate::api::params::Query<ContentParams> {
    crate::api::params::Query(ContentParams::default())
}

/// `GET /kalendar`: events not yet over.
pub async fn calendar(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let answer = super::as_json(crate::api::content::calendar(State(state.clone()), all()).await);
    let index = state.indexer.read();
    let intro = format!(
        "<p><a href=\"/api/v1/calendar.ics\">{}</a></p>",
        esc(lang.tr(
            "Kalendář do vaší aplikace (iCalendar)",
            "The calendar for your app (iCalendar)"
        ))
    );
    list_page(
        lang,
        lang.tr("Kalendář", "Calendar"),
        "/kalendar",
        answer,
        &intro,
        lang.tr("Žádné nadcházející akce.", "No coming events."),
        |e| {
            let entry = &e["entry"];
            let cancelled = e["cancelled"]
                .as_str()
                .map(|why| {
                    format!(
                        " <strong>{}</strong> ({})",
                        esc(lang.tr("ZRUŠENO", "CANCELLED")),
                        esc(why)
                    )
                })
                .unwrap_or_default();
            format!(
                "<li><strong>{}</strong> – {}: {}{} <br>{} · {}{}</li>",
                when(&entry["starts_at"]),
                when(&entry["ends_at"]),
                text(&entry["title"]),
                cancelled,
                text(&entry["place"]),
                territory_of(&index, &entry["territory"]),
                more(&entry["body"]),
            )
        },
    )
}

/// `GET /dokumenty`: documents with their versions.
pub async fn documents(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let answer = super::as_json(crate::api::content::documents(State(state.clone()), all()).await);
    let index = state.indexer.read();
    list_page(
        lang,
        lang.tr("Dokumenty", "Documents"),
        "/dokumenty",
        answer,
        "",
        lang.tr("Zatím žádné dokumenty.", "No documents yet."),
        |d| {
            let info = &d["info"];
            let versions = d["versions"].as_array().cloned().unwrap_or_default();
            let latest = versions
                .last()
                .map(|v| {
                    format!(
                        " · <a href=\"{}\">{} {}</a>",
                        text(&v["url"]),
                        esc(lang.tr("verze", "version")),
                        versions.len()
                    )
                })
                .unwrap_or_default();
            format!(
                "<li><strong>{}</strong> ({}) — {}{}{}</li>",
                text(&info["title"]),
                esc(&super::content_forms::doc_kind_name(
                    lang,
                    info["kind"].as_str().unwrap_or_default()
                )),
                territory_of(&index, &info["territory"]),
                latest,
                more(&info["body"]),
            )
        },
    )
}

/// `GET /aktuality`: news, newest first.
pub async fn news(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let answer = super::as_json(crate::api::content::news(State(state.clone()), all()).await);
    let index = state.indexer.read();
    list_page(
        lang,
        lang.tr("Aktuality", "News"),
        "/aktuality",
        answer,
        "",
        lang.tr("Zatím žádné aktuality.", "No news yet."),
        |n| {
            format!(
                "<li><a href=\"/aktuality/{}?lang={}\">{}</a> — {} · {}</li>",
                text(&n["id"]),
                lang.code(),
                text(&n["article"]["title"]),
                when(&n["published_at"]),
                territory_of(&index, &n["article"]["kraj"]),
            )
        },
    )
}

/// `GET /aktuality/{id}`: one article.
pub async fn article(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(&raw);
    let answer =
        super::as_json(crate::api::content::article(State(state.clone()), Path(id.clone())).await);
    let Json(n) = match answer {
        Ok(a) => a,
        Err(p) => return failed(lang, lang.tr("Aktuality", "News"), "/aktuality", &p),
    };
    let body = format!(
        "{}<p>{}</p>{}",
        menu(lang),
        when(&n["published_at"]),
        paragraphs(&n["article"]["body"])
    );
    page(
        lang,
        n["article"]["title"].as_str().unwrap_or_default(),
        &format!("/aktuality/{id}"),
        &body,
    )
}

/// `GET /prace`: open job postings of providers.
pub async fn jobs(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let answer = super::as_json(crate::api::content::jobs(State(state), all()).await);
    list_page(
        lang,
        lang.tr("Nabídky práce", "Jobs"),
        "/prace",
        answer,
        "",
        lang.tr("Žádné otevřené nabídky.", "No open postings."),
        |j| {
            let posting = &j["posting"];
            format!(
                "<li><strong>{}</strong> — {} · {} · {} {}<br>{}</li>",
                text(&posting["title"]),
                text(&j["provider_name"]),
                text(&posting["place"]),
                esc(lang.tr("do", "until")),
                text(&posting["expires_on"]),
                text(&posting["body"]),
            )
        },
    )
}

/// The request's headers with the signed-in visitor's token as a bearer
/// token, so that the read API admits it to the professional section.
async fn as_visitor(state: &QueryState, headers: &HeaderMap) -> (HeaderMap, bool) {
    let mut out = HeaderMap::new();
    let visitor = super::session::visitor(state, headers).await;
    if let Some(v) = &visitor {
        if let Ok(value) = format!("Bearer {}", v.token).parse() {
            out.insert(axum::http::header::AUTHORIZATION, value);
        }
    }
    (out, visitor.is_some())
}

/// The forum's section chosen.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ForumParams {
    sekce: Option<String>,
}

/// `GET /forum`: the threads of the public section, or of the professional
/// one (`?sekce=profesni`) for signed-in accounts; a signed-in visitor opens threads here.
pub async fn forum(
    State(state): State<QueryState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    params: Result<Query<ForumParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = lang_of(&raw);
    let title = lang.tr("Fórum", "Forum");
    let professional = params
        .ok()
        .and_then(|Query(p)| p.sekce)
        .is_some_and(|s| s == "profesni");
    let (headers, signed_in) = as_visitor(&state, &headers).await;
    let section = if professional {
        "professional"
    } else {
        "public"
    };
    let params = ThreadParams {
        section: serde_json::from_value(serde_json::json!(section)).ok(),
        ..ThreadParams::default()
    };
    let answer =
        crate::api::forum::threads(State(state), headers, crate::api::params::Query(params)).await;
    let Json(list) = match answer {
        Ok(a) => a,
        Err(p) if p.status == 401 => {
            return super::alert(
                StatusCode::UNAUTHORIZED,
                lang,
                title,
                "/forum",
                lang.tr(
                    "Odborná část fóra je jen pro přihlášené účty.",
                    "The forum's professional section is for signed-in accounts.",
                ),
            )
        }
        Err(p) => return failed(lang, title, "/forum", &p),
    };
    let mut body = menu(lang);
    let c = lang.code();
    let _ = write!(
        body,
        "<p>{}: {} · {}</p><ul class=\"results\">",
        esc(lang.tr("Část", "Section")),
        if professional {
            format!(
                "<a href=\"/forum?lang={c}\">{}</a>",
                esc(lang.tr("veřejná", "public"))
            )
        } else {
            format!("<strong>{}</strong>", esc(lang.tr("veřejná", "public")))
        },
        if professional {
            format!(
                "<strong>{}</strong>",
                esc(lang.tr("odborná", "professional"))
            )
        } else {
            format!(
                "<a href=\"/forum?sekce=profesni&amp;lang={c}\">{}</a>",
                esc(lang.tr("odborná (pro přihlášené)", "professional (signed in)"))
            )
        },
    );
    for t in &list.items {
        let _ = write!(
            body,
            "<li><a href=\"/forum/{}?lang={}\">{}</a> — {} · {} {}{}</li>",
            esc(&t.id),
            lang.code(),
            t.title
                .as_deref()
                .map_or_else(|| esc(lang.tr("(bez názvu)", "(untitled)")), esc),
            t.name.as_deref().map_or_else(|| "—".to_string(), esc),
            t.posts,
            esc(lang.tr("příspěvků", "posts")),
            if t.locked.is_some() {
                format!(" · {}", esc(lang.tr("uzamčeno", "locked")))
            } else {
                String::new()
            },
        );
    }
    body.push_str("</ul>");
    if signed_in {
        let back = if professional {
            "/forum?sekce=profesni"
        } else {
            "/forum"
        };
        let _ = write!(
            body,
            "<h2>{}</h2>",
            esc(lang.tr("Nové vlákno", "New thread"))
        );
        body.push_str(&super::page::action_form(
            lang,
            "open_thread",
            &[("section", section), ("back", back)],
            &format!(
                "<p><label for=\"f-name\">{}</label><br><input id=\"f-name\" name=\"name\" required size=\"40\" autocomplete=\"name\"></p>\
                 <p><label for=\"f-title\">{}</label><br><input id=\"f-title\" name=\"title\" required size=\"60\"></p>\
                 <p><label for=\"f-body\">{}</label><br><textarea id=\"f-body\" name=\"body\" rows=\"6\" cols=\"60\" required></textarea></p>",
                esc(lang.tr("Jméno, pod kterým píšete", "The name you write under")),
                esc(lang.tr("Název vlákna", "Title of the thread")),
                esc(lang.tr("Text", "Text")),
            ),
            lang.tr("Založit vlákno", "Open the thread"),
        ));
    } else {
        let _ = write!(
            body,
            "<p>{} <a href=\"/prihlaseni?lang={c}\">{}</a></p>",
            esc(lang.tr(
                "Psát na webu mohou přihlášení; bez účtu lze psát přes API (/api/v1/forum).",
                "Signed-in accounts write here; without an account, posts are written through the API (/api/v1/forum).",
            )),
            esc(lang.tr("Přihlásit se", "Sign in")),
        );
    }
    let path = if professional {
        "/forum?sekce=profesni"
    } else {
        "/forum"
    };
    page(lang, title, path, &body)
}

/// `GET /forum/{id}`: a thread's posts.
pub async fn thread(
    State(state): State<QueryState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(&raw);
    let (headers, signed_in) = as_visitor(&state, &headers).await;
    let answer = crate::api::forum::thread(
        State(state),
        headers,
        Path(id.clone()),
        crate::api::params::Query(AfterParam::default()),
    )
    .await;
    let Json(t) = match answer {
        Ok(a) => a,
        Err(p) => return failed(lang, lang.tr("Fórum", "Forum"), "/forum", &p),
    };
    let mut body = menu(lang);
    body.push_str("<ol class=\"results\">");
    for p in &t.posts {
        let content = if p.erased {
            format!(
                "<em>{}</em>",
                esc(lang.tr("Autor požádal o výmaz.", "The author asked to be erased."))
            )
        } else if let Some(why) = p.hidden.as_deref() {
            format!(
                "<em>{}: {}</em>",
                esc(lang.tr("Skryto moderátorem", "Hidden by a moderator")),
                esc(why)
            )
        } else {
            format!(
                "<strong>{}</strong>, {}{}",
                esc(p.name.as_deref().unwrap_or_default()),
                day_time(p.written_at),
                paragraphs_of(p.body.as_deref().unwrap_or_default())
            )
        };
        let _ = write!(body, "<li>{content}</li>");
    }
    body.push_str("</ol>");
    if t.locked.is_some() {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(lang.tr("Vlákno je uzamčeno.", "The thread is locked."))
        );
    } else if signed_in {
        let back = format!("/forum/{id}");
        let _ = write!(body, "<h2>{}</h2>", esc(lang.tr("Odpovědět", "Reply")));
        body.push_str(&super::page::action_form(
            lang,
            "reply_thread",
            &[("thread", &id), ("back", &back)],
            &format!(
                "<p><label for=\"r-name\">{}</label><br><input id=\"r-name\" name=\"name\" required size=\"40\" autocomplete=\"name\"></p>\
                 <p><label for=\"r-body\">{}</label><br><textarea id=\"r-body\" name=\"body\" rows=\"5\" cols=\"60\" required></textarea></p>",
                esc(lang.tr("Jméno, pod kterým píšete", "The name you write under")),
                esc(lang.tr("Text", "Text")),
            ),
            lang.tr("Odeslat", "Send"),
        ));
    }
    page(
        lang,
        t.title.as_deref().unwrap_or(lang.tr("Vlákno", "Thread")),
        &format!("/forum/{id}"),
        &body,
    )
}
