//! Grant procedures on the web: the calls at `/dotace` with their totals,
//! a call's page `/dotace/{id}` (criteria, eligible kinds, the decided
//! applications with amounts, reasons and scores — what the read API makes
//! public), and the signed-in forms: a commissioner announces and cancels
//! calls of its territory, evaluates applications by the criteria and
//! decides them; a provider applies for its service. The command API checks
//! every rule (deadline, territory, sums, order of steps).

use super::page::{action_form, esc, render, Frame, Lang};
use super::session::{field, Visitor};
use crate::api::grants::{CallDetail, CallSummary};
use crate::api::records::After;
use crate::api::QueryState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use events::accounts::role::{Role, Scope};
use events::grants::application::ApplicationStatus;
use events::values::codes::KINDS;
use serde_json::{json, Value};
use std::fmt::Write;

fn lang_of(raw: &Option<String>) -> Lang {
    Lang::from_query(raw.as_deref().unwrap_or_default())
}

/// An amount in crowns, digits grouped: `1 250 000 Kč`.
pub fn czk(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    format!("{}{out} Kč", if n < 0 { "-" } else { "" })
}

fn kind_name(code: u16) -> &'static str {
    KINDS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or("", |(_, n, _)| n)
}

/// A call as listed, with its territory's name.
struct CallItem {
    summary: CallSummary,
    territory: String,
}

#[derive(Template)]
#[template(path = "grants/calls.html")]
struct CallsPage<'a> {
    frame: Frame<'a>,
    calls: Vec<CallItem>,
}

impl CallsPage<'_> {
    fn czk(&self, n: impl std::borrow::Borrow<i64>) -> String {
        czk(*n.borrow())
    }
}

/// `GET /dotace`.
pub async fn calls(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = lang_of(&raw);
    let title = lang.texts().grant_calls;
    let answer = crate::api::grants::calls(
        State(state.clone()),
        crate::api::params::Query(After::default()),
    )
    .await;
    let Json(list) = match answer {
        Ok(a) => a,
        Err(p) => {
            return super::alert(
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                lang,
                title,
                "/dotace",
                p.detail.as_deref().unwrap_or(&p.title),
            )
        }
    };
    let index = state.indexer.read();
    let t = index.territory();
    let calls = list
        .items
        .into_iter()
        .map(|summary| CallItem {
            territory: t
                .kraj_by_any_code(&summary.territory)
                .map_or_else(|| summary.territory.clone(), |k| k.name.clone()),
            summary,
        })
        .collect();
    render(&CallsPage {
        frame: Frame {
            lang,
            title,
            path: "/dotace",
        },
        calls,
    })
}

#[derive(Template)]
#[template(path = "grants/call.html")]
struct CallPage<'a> {
    frame: Frame<'a>,
    call: CallDetail,
    kinds: Vec<&'static str>,
}

impl CallPage<'_> {
    fn czk(&self, n: impl std::borrow::Borrow<i64>) -> String {
        czk(*n.borrow())
    }
}

/// `GET /dotace/{id}`.
pub async fn call(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = lang_of(&raw);
    let answer = crate::api::grants::call(
        State(state),
        Path(id.clone()),
        crate::api::params::Query(After::default()),
    )
    .await;
    let Json(call) = match answer {
        Ok(a) => a,
        Err(p) => {
            let text = lang.texts().no_such_call;
            return super::alert(
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::NOT_FOUND),
                lang,
                text,
                "/dotace",
                text,
            );
        }
    };
    let kinds = call
        .details
        .eligible_kinds
        .iter()
        .map(|k| kind_name(*k))
        .collect();
    let path = format!("/dotace/{id}");
    let title = call.summary.title.clone();
    render(&CallPage {
        frame: Frame {
            lang,
            title: &title,
            path: &path,
        },
        call,
        kinds,
    })
}

/// The signed-in forms of grant procedures: a commissioner's calls and
/// applications of its territories, a provider's applications.
pub fn sections(state: &QueryState, visitor: &Visitor, lang: Lang) -> String {
    let index = state.indexer.read();
    let mut out = String::new();
    let territories: Vec<String> = visitor
        .account
        .roles
        .iter()
        .filter(|g| g.role == Role::Commissioner)
        .filter_map(|g| match &g.scope {
            Scope::Kraj(c) | Scope::Municipality(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let now = time::OffsetDateTime::now_utc();
    for territory in &territories {
        let _ = write!(
            out,
            "<h2>{} ({})</h2>",
            esc(lang.tr("Dotační řízení", "Grant procedures")),
            esc(territory)
        );
        let mut kinds = String::new();
        for (code, name, _) in KINDS {
            let _ = write!(kinds, "<option value=\"{code}\">{}</option>", esc(name));
        }
        let t = esc(territory);
        out.push_str(&action_form(
            lang,
            "announce_call",
            &[("territory", territory)],
            &format!(
                "<p><label for=\"call-title-{t}\">{}</label><br><input id=\"call-title-{t}\" name=\"title\" required size=\"50\"></p>\
                 <p><label for=\"call-desc-{t}\">{}</label><br><textarea id=\"call-desc-{t}\" name=\"description\" rows=\"3\" cols=\"60\"></textarea></p>\
                 <p><label for=\"call-budget-{t}\">{}</label> <input id=\"call-budget-{t}\" name=\"budget\" type=\"number\" min=\"1\" required></p>\
                 <p><label for=\"call-deadline-{t}\">{}</label> <input id=\"call-deadline-{t}\" name=\"deadline\" type=\"date\" required></p>\
                 <p><label for=\"call-kinds-{t}\">{}</label><br><select id=\"call-kinds-{t}\" name=\"kinds\" multiple size=\"5\">{kinds}</select></p>\
                 <p><label for=\"call-criteria-{t}\">{}</label><br><textarea id=\"call-criteria-{t}\" name=\"criteria\" rows=\"3\" cols=\"60\" required aria-describedby=\"call-help-{t}\"></textarea></p>\
                 <p id=\"call-help-{t}\"><small>{}</small></p>",
                esc(lang.tr("Název výzvy", "Title of the call")),
                esc(lang.tr("Popis", "Description")),
                esc(lang.tr("Rozpočet (Kč)", "Budget (CZK)")),
                esc(lang.tr("Uzávěrka (do konce dne)", "Deadline (end of the day)")),
                esc(lang.tr("Pro druhy služeb (žádný: všechny)", "For kinds of service (none: all)")),
                esc(lang.tr("Kritéria, jedno na řádek", "Criteria, one a line")),
                esc(lang.tr("Řádek: název | váha v % | nejvýše bodů; váhy dávají dohromady 100.", "A line: name | weight in % | most points; the weights add up to 100.")),
            ),
            lang.tr("Vyhlásit výzvu", "Announce the call"),
        ));
        let mut calls: Vec<_> = index
            .grant_calls
            .values()
            .filter(|c| &c.details.territory == territory)
            .collect();
        calls.sort_by_key(|c| std::cmp::Reverse(c.details.deadline));
        for c in calls {
            let _ = write!(
                out,
                "<section><h3><a href=\"/dotace/{}?lang={}\">{}</a></h3>",
                esc(&c.id),
                lang.code(),
                esc(&c.details.title)
            );
            if c.cancelled.is_none() && now <= c.details.deadline {
                out.push_str(&action_form(
                    lang,
                    "cancel_call",
                    &[("id", &c.id)],
                    &format!(
                        "<label for=\"cancel-{id}\">{}</label> <input id=\"cancel-{id}\" name=\"reason\" required> ",
                        esc(lang.tr("Důvod zrušení", "Reason for cancelling")),
                        id = esc(&c.id)
                    ),
                    lang.tr("Zrušit výzvu", "Cancel the call"),
                ));
            }
            let mut apps: Vec<_> = index
                .grant_applications
                .values()
                .filter(|a| a.details.call_id == c.id)
                .collect();
            apps.sort_by(|a, b| a.id.cmp(&b.id));
            for a in apps.into_iter().filter(|a| {
                matches!(
                    a.status,
                    ApplicationStatus::Submitted | ApplicationStatus::Evaluated
                )
            }) {
                let provider = index
                    .providers
                    .get(&a.details.provider_ico)
                    .map_or(a.details.provider_ico.as_str(), |p| p.name.as_str());
                let _ = write!(
                    out,
                    "<h4>{} — {} {}</h4><p>{}</p>",
                    esc(provider),
                    esc(lang.tr("žádá", "asks for")),
                    czk(a.details.requested_amount),
                    esc(&a.details.justification)
                );
                let mut scores = String::new();
                for k in &c.details.criteria {
                    let _ = write!(
                        scores,
                        "<label for=\"score-{a}-{k}\">{name} (0–{max})</label> <input id=\"score-{a}-{k}\" name=\"score:{k}\" type=\"number\" min=\"0\" max=\"{max}\" required> ",
                        a = esc(&a.id),
                        k = esc(&k.id),
                        name = esc(&k.name),
                        max = k.max_points,
                    );
                }
                out.push_str(&action_form(
                    lang,
                    "evaluate_application",
                    &[("id", &a.id)],
                    &format!("<p>{scores}</p>"),
                    lang.tr("Uložit hodnocení", "Save the evaluation"),
                ));
                if a.status == ApplicationStatus::Evaluated {
                    out.push_str(&action_form(
                        lang,
                        "decide_application",
                        &[("id", &a.id)],
                        &format!(
                            "<p><label for=\"amount-{id}\">{}</label> <input id=\"amount-{id}\" name=\"granted_amount\" type=\"number\" min=\"0\" required> \
                             <label for=\"reasons-{id}\">{}</label> <input id=\"reasons-{id}\" name=\"reasons\" required></p>",
                            esc(lang.tr("Přidělit (Kč, 0 = zamítnout)", "Grant (CZK, 0 = refuse)")),
                            esc(lang.tr("Odůvodnění", "Reasons")),
                            id = esc(&a.id)
                        ),
                        lang.tr("Rozhodnout", "Decide"),
                    ));
                }
            }
            out.push_str("</section>");
        }
    }
    // Providers: apply for an open call with one of their services.
    let providers = visitor.providers();
    if !providers.is_empty() {
        let open: Vec<_> = index
            .grant_calls
            .values()
            .filter(|c| c.cancelled.is_none() && now <= c.details.deadline)
            .collect();
        if !open.is_empty() {
            let _ = write!(
                out,
                "<h2>{}</h2>",
                esc(lang.tr("Otevřené dotační výzvy", "Open grant calls"))
            );
        }
        for c in open {
            let services: Vec<_> = index
                .services()
                .filter(|s| providers.contains(&s.view.provider_ico))
                .filter(|s| {
                    c.details.eligible_kinds.is_empty()
                        || c.details.eligible_kinds.contains(&s.view.details.kind)
                })
                .collect();
            if services.is_empty() {
                continue;
            }
            let mut options = String::new();
            for s in &services {
                let _ = write!(
                    options,
                    "<option value=\"{}|{}\">{}</option>",
                    esc(&s.view.provider_ico),
                    esc(&s.view.id),
                    esc(&s.view.details.name)
                );
            }
            let id = esc(&c.id);
            let _ = write!(
                out,
                "<section><h3><a href=\"/dotace/{id}?lang={}\">{}</a></h3>",
                lang.code(),
                esc(&c.details.title)
            );
            out.push_str(&action_form(
                lang,
                "submit_application",
                &[("call", &c.id)],
                &format!(
                    "<p><label for=\"app-service-{id}\">{}</label> <select id=\"app-service-{id}\" name=\"service\">{options}</select></p>\
                     <p><label for=\"app-lines-{id}\">{}</label><br><textarea id=\"app-lines-{id}\" name=\"budget_lines\" rows=\"3\" cols=\"60\" required aria-describedby=\"app-help-{id}\"></textarea></p>\
                     <p id=\"app-help-{id}\"><small>{}</small></p>\
                     <p><label for=\"app-why-{id}\">{}</label><br><textarea id=\"app-why-{id}\" name=\"justification\" rows=\"3\" cols=\"60\" required></textarea></p>",
                    esc(lang.tr("Služba", "Service")),
                    esc(lang.tr("Rozpočet žádosti, položka na řádek", "The budget, an item a line")),
                    esc(lang.tr("Řádek: položka | částka v Kč; požadovaná částka je jejich součet.", "A line: item | amount in CZK; the amount asked for is their sum.")),
                    esc(lang.tr("Zdůvodnění", "Justification")),
                ),
                lang.tr("Podat žádost", "Apply"),
            ));
            out.push_str("</section>");
        }
    }
    out
}

/// Lines `a | b | c` of a form field, each split and trimmed.
fn lines(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('|').map(|p| p.trim().to_string()).collect())
        .collect()
}

/// The command of a grant action: path and body.
pub fn command(action: &str, f: &[(String, String)]) -> Option<Result<(String, Value), String>> {
    let get = |name: &str| field(f, name).unwrap_or_default().trim().to_string();
    let seg = |name: &str| super::self_service::urlencode(&get(name));
    let number = |name: &str| -> Result<i64, String> {
        get(name)
            .replace([' ', '\u{a0}'], "")
            .parse::<i64>()
            .map_err(|_| format!("{name}: {:?} is not a whole number", get(name)))
    };
    Some(match action {
        "announce_call" => (|| {
            let mut criteria = Vec::new();
            for (i, l) in lines(&get("criteria")).iter().enumerate() {
                let [name, weight, max] = l.as_slice() else {
                    return Err(format!(
                        "criteria, line {}: name | weight | most points",
                        i + 1
                    ));
                };
                let weight: u8 = weight
                    .parse()
                    .map_err(|_| format!("criteria, line {}: the weight is not a number", i + 1))?;
                let max: u16 = max.parse().map_err(|_| {
                    format!("criteria, line {}: the points are not a number", i + 1)
                })?;
                criteria.push(json!({ "id": format!("k{}", i + 1), "name": name, "weight": weight, "max_points": max }));
            }
            let kinds: Vec<u16> = f
                .iter()
                .filter(|(k, _)| k == "kinds")
                .filter_map(|(_, v)| v.parse().ok())
                .collect();
            let deadline = get("deadline");
            let deadline = if deadline.len() == 10 {
                format!("{deadline}T23:59:59Z")
            } else {
                deadline
            };
            Ok((
                "/grants/calls".to_string(),
                json!({ "details": { "title": get("title"), "description": get("description"),
                "territory": get("territory"), "budget": number("budget")?, "eligible_kinds": kinds, "criteria": criteria, "deadline": deadline } }),
            ))
        })(),
        "cancel_call" => Ok((
            format!("/grants/calls/{}/cancel", seg("id")),
            json!({ "reason": get("reason") }),
        )),
        "submit_application" => (|| {
            let service = get("service");
            let (ico, service_id) = service
                .split_once('|')
                .ok_or("service: choose one of your services")?;
            let mut budget = Vec::new();
            for (i, l) in lines(&get("budget_lines")).iter().enumerate() {
                let [item, amount] = l.as_slice() else {
                    return Err(format!("budget_lines, line {}: item | amount", i + 1));
                };
                let amount: i64 = amount.replace([' ', '\u{a0}'], "").parse().map_err(|_| {
                    format!(
                        "budget_lines, line {}: the amount is not a whole number",
                        i + 1
                    )
                })?;
                budget.push(json!({ "item": item, "amount": amount }));
            }
            let requested: i64 = budget.iter().filter_map(|l| l["amount"].as_i64()).sum();
            Ok((
                "/grants/applications".to_string(),
                json!({ "details": { "call_id": get("call"), "provider_ico": ico, "service_id": service_id,
                "requested_amount": requested, "budget_lines": budget, "justification": get("justification") } }),
            ))
        })(),
        "evaluate_application" => (|| {
            let mut scores = Vec::new();
            for (k, v) in f.iter().filter(|(k, _)| k.starts_with("score:")) {
                let points: u16 = v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{k}: {v:?} is not a number of points"))?;
                scores.push(json!({ "criterion_id": &k["score:".len()..], "points": points, "comment": "" }));
            }
            Ok((
                format!("/grants/applications/{}/evaluations", seg("id")),
                json!({ "scores": scores }),
            ))
        })(),
        "decide_application" => (|| {
            Ok((
                format!("/grants/applications/{}/decision", seg("id")),
                json!({ "granted_amount": number("granted_amount")?, "reasons": get("reasons") }),
            ))
        })(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn grant_forms_become_commands() {
        let (path, body) = command(
            "announce_call",
            &fields(&[
                ("title", "Výzva"),
                ("territory", "CZ042"),
                ("budget", "1 000 000"),
                ("deadline", "2099-01-31"),
                ("kinds", "20"),
                ("kinds", "27"),
                ("criteria", "Potřebnost | 60 | 10\nRozpočet | 40 | 5"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(path, "/grants/calls");
        let d = &body["details"];
        assert_eq!(
            (d["budget"].clone(), d["eligible_kinds"].clone()),
            (json!(1_000_000), json!([20, 27]))
        );
        assert_eq!(d["deadline"], "2099-01-31T23:59:59Z");
        assert_eq!(
            d["criteria"][1],
            json!({ "id": "k2", "name": "Rozpočet", "weight": 40, "max_points": 5 })
        );
        let (_, app) = command(
            "submit_application",
            &fields(&[
                ("call", "c"),
                ("service", "00064581|s1"),
                ("budget_lines", "Mzdy | 300 000\nProvoz | 50000"),
                ("justification", "Potřebujeme"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(app["details"]["requested_amount"], 350_000);
        assert_eq!(app["details"]["service_id"], "s1");
        assert!(
            command("announce_call", &fields(&[("criteria", "jen název")]))
                .unwrap()
                .unwrap_err()
                .contains("line 1")
        );
        assert!(command(
            "decide_application",
            &fields(&[("granted_amount", "hodně")])
        )
        .unwrap()
        .is_err());
        assert!(command("something_else", &[]).is_none());
    }
}
