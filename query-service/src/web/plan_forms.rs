//! A commissioner's forms for its territory's community plans: a new plan,
//! a new revision written as text (prefilled with the latest revision, so a
//! revision is an edit of the last one), and the yearly evaluation of a
//! measure. The text has one line per priority, goal or measure:
//!
//! ```text
//! P | P1 | Bydlení a krizová pomoc
//! C | C1 | Dostupné azylové bydlení
//! O | O1 | Rozšíření azylového domu | Krajský úřad | 1000000 | 2027-12-31 | C1
//! ```
//!
//! A measure's last column names its goal, so that a measure added at the
//! end of the text lands under the goal it names; without it, a measure
//! belongs to the goal above it.
//!
//! A measure kept from the last revision (same id) keeps its indicators,
//! sources and target group, which the text does not show.

use super::actions::number;
use super::commands::Command;
use super::format::filters;
use super::page::{Frame, Lang};
use super::self_service::urlencode;
use crate::index::Index;
use command_api::plans::{CreateBody, EvaluationBody};
use events::planning::plan::{Goal, Measure, PlanContent, Priority};
use read_models::plans::PlanView;
use serde::Deserialize;
use std::fmt::Write;

/// The latest revision of a plan, the one a new revision starts from.
fn latest(plan: &PlanView) -> Option<&PlanContent> {
    plan.revisions.values().last().map(|r| &r.content)
}

/// A plan's content as the form's text.
pub fn to_text(c: &PlanContent) -> String {
    let mut out = String::new();
    for p in &c.priorities {
        let _ = writeln!(out, "P | {} | {}", p.id, p.title);
        for g in &p.goals {
            let _ = writeln!(out, "C | {} | {}", g.id, g.title);
            for m in &g.measures {
                let _ = writeln!(
                    out,
                    "O | {} | {} | {} | {} | {} | {}",
                    m.id, m.title, m.responsible, m.budget, m.deadline, g.id
                );
            }
        }
    }
    out
}

/// The form's text as a plan's content; measures of `base` with the same id keep what the text does not show.
pub fn from_text(
    text: &str,
    period: (i32, i32),
    base: Option<&PlanContent>,
) -> Result<PlanContent, String> {
    let kept: Vec<&Measure> = base
        .iter()
        .flat_map(|c| c.priorities.iter())
        .flat_map(|p| p.goals.iter())
        .flat_map(|g| g.measures.iter())
        .collect();
    let mut priorities: Vec<Priority> = Vec::new();
    // Measures that name their goal: the line, the goal, the measure.
    let mut named: Vec<(usize, String, Measure)> = Vec::new();
    for (i, line) in text.lines().map(str::trim).enumerate() {
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        match parts.as_slice() {
            ["P", id, title] => priorities.push(Priority {
                id: (*id).into(),
                title: (*title).into(),
                goals: Vec::new(),
            }),
            ["C", id, title] => priorities
                .last_mut()
                .ok_or(format!("content, line {n}: a goal (C) before any priority (P)"))?
                .goals
                .push(Goal {
                    id: (*id).into(),
                    title: (*title).into(),
                    measures: Vec::new(),
                }),
            ["O", id, title, responsible, budget, deadline, goal @ ..] if goal.len() <= 1 => {
                let goal = goal.first().filter(|g| !g.is_empty());
                let budget: i64 = budget
                    .replace([' ', '\u{a0}'], "")
                    .parse()
                    .map_err(|_| format!("content, line {n}: the budget {budget:?} is not a whole number"))?;
                let deadline = time::Date::parse(
                    deadline,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| format!("content, line {n}: the deadline {deadline:?} is not YYYY-MM-DD"))?;
                let before = kept.iter().find(|m| m.id == *id);
                let measure = Measure {
                    id: (*id).into(),
                    title: (*title).into(),
                    responsible: (*responsible).into(),
                    target_group: before.and_then(|m| m.target_group.clone()),
                    indicators: before.map(|m| m.indicators.clone()).unwrap_or_default(),
                    budget,
                    sources: before.map(|m| m.sources.clone()).unwrap_or_default(),
                    deadline,
                };
                match goal {
                    Some(goal) => named.push((n, (*goal).to_string(), measure)),
                    None => priorities
                        .last_mut()
                        .and_then(|p| p.goals.last_mut())
                        .ok_or(format!("content, line {n}: a measure (O) before any goal (C)"))?
                        .measures
                        .push(measure),
                }
            }
            _ => {
                return Err(format!(
                    "content, line {n}: P | id | title, C | id | title or O | id | title | responsible | budget | YYYY-MM-DD | goal"
                ))
            }
        }
    }
    for (n, goal, measure) in named {
        priorities
            .iter_mut()
            .flat_map(|p| p.goals.iter_mut())
            .find(|g| g.id == goal)
            .ok_or(format!(
                "content, line {n}: the goal {goal} is not in the text"
            ))?
            .measures
            .push(measure);
    }
    Ok(PlanContent {
        period_from: period.0,
        period_to: period.1,
        priorities,
        attachments: base.map(|b| b.attachments.clone()).unwrap_or_default(),
    })
}

/// A plan with its forms: a revision from the latest text, an evaluation.
struct PlanForms {
    id: String,
    title: String,
    from: i32,
    to: i32,
    /// The latest revision as the form's text.
    text: String,
    /// The measures of the revision in force: id and title.
    measures: Vec<(String, String)>,
    /// The years of the revision in force, and the one its evaluation form offers.
    evaluation_years: (i32, i32, i32),
    /// The latest revision's documents: hash and name.
    documents: Vec<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "forms/plans.html")]
struct PlansSection<'a> {
    frame: Frame<'a>,
    territory: &'a str,
    /// The territory's name.
    place: String,
    plans: Vec<PlanForms>,
}

/// The forms for the plans of `territory`.
pub fn section(index: &Index, territory: &str, lang: Lang) -> String {
    let mut plans: Vec<&PlanView> = index
        .plans
        .values()
        .filter(|p| p.territory == territory)
        .collect();
    plans.sort_by_cached_key(|p| crate::text::collation_key(&p.title));
    let year = time::OffsetDateTime::now_utc().year();
    let plans = plans
        .into_iter()
        .map(|plan| {
            let base = latest(plan);
            let (from, to) = base.map_or((year, year + 2), |c| (c.period_from, c.period_to));
            let in_force = plan.in_force.and_then(|n| plan.revisions.get(&n));
            let (first, last) =
                in_force.map_or((from, to), |r| (r.content.period_from, r.content.period_to));
            let measures = in_force
                .iter()
                .flat_map(|r| r.content.priorities.iter())
                .flat_map(|p| p.goals.iter())
                .flat_map(|g| g.measures.iter())
                .map(|m| (m.id.clone(), m.title.clone()))
                .collect();
            PlanForms {
                id: plan.id.clone(),
                title: plan.title.clone(),
                from,
                to,
                text: base.map(to_text).unwrap_or_default(),
                documents: base
                    .iter()
                    .flat_map(|c| &c.attachments)
                    .map(|a| (a.file.sha256.clone(), a.name.clone()))
                    .collect(),
                measures,
                evaluation_years: (first, last, year.clamp(first, last.max(first))),
            }
        })
        .collect();
    askama::Template::render(&PlansSection {
        frame: Frame::section(lang),
        territory,
        place: super::planning::territory_name(index, territory),
        plans,
    })
    .unwrap_or_default()
}

/// A new community plan as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPlanForm {
    territory: String,
    title: String,
}

impl NewPlanForm {
    pub(super) fn command(self) -> Command {
        Command::post(
            "/plans",
            &CreateBody {
                plan_id: None,
                title: self.title.trim().into(),
                territory: self.territory.trim().into(),
            },
        )
    }
}

/// A proposed revision as its form posts it: the plan's text (see
/// [`from_text`]); `preview` set, it is shown, not proposed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ProposalForm {
    plan: String,
    period_from: String,
    period_to: String,
    content: String,
    preview: String,
    /// Files sent with the form (or, after a preview, the uploads it carries on).
    #[serde(deserialize_with = "super::actions::one_or_many")]
    attachments: Vec<String>,
    /// Hashes of the latest revision's documents to leave out.
    #[serde(deserialize_with = "super::actions::one_or_many")]
    remove: Vec<String>,
}

impl ProposalForm {
    /// The content the form describes; it keeps what the text does not show
    /// of the plan's latest revision.
    fn content(&self, index: &Index) -> Result<PlanContent, String> {
        let base = index.plans.get(self.plan.trim()).and_then(latest);
        let period = (
            number("period_from", &self.period_from, "a year")?,
            number("period_to", &self.period_to, "a year")?,
        );
        let mut content = from_text(&self.content, period, base)?;
        content
            .attachments
            .retain(|a| !self.remove.contains(&a.file.sha256));
        content.attachments.extend(super::uploads::attachments(
            "attachments",
            &self.attachments,
        )?);
        Ok(content)
    }

    /// The uploads to carry on from a preview (those the form sent, stored).
    fn carried(&self) -> Vec<&str> {
        self.attachments
            .iter()
            .filter(|a| matches!(super::uploads::uploaded("", a), Ok(Some(_))))
            .map(String::as_str)
            .collect()
    }

    pub(super) fn command(self, index: &Index) -> Result<Command, String> {
        let content = self.content(index)?;
        Ok(Command::post(
            format!("/plans/{}/revisions", urlencode(self.plan.trim())),
            &content,
        ))
    }

    /// Whether the form asks for a preview only.
    pub(super) fn is_preview(&self) -> bool {
        !self.preview.is_empty()
    }
}

#[derive(askama::Template)]
#[template(path = "forms/revision_preview.html")]
struct RevisionPreview<'a> {
    frame: Frame<'a>,
    form: &'a ProposalForm,
    /// The content as it would be proposed, when the text reads.
    content: Option<PlanContent>,
    problem: Option<&'a str>,
}

impl RevisionPreview<'_> {
    /// The documents the revision would have.
    fn files(&self) -> Vec<super::uploads::FileLink> {
        self.content
            .as_ref()
            .map(|c| super::uploads::links(&c.attachments))
            .unwrap_or_default()
    }
}

/// A proposed revision shown before it is proposed (or refused): the
/// priorities, goals and measures as the text gives them, and the form
/// again with what was typed.
pub(super) fn revision_page(
    index: &Index,
    lang: Lang,
    form: &ProposalForm,
    status: axum::http::StatusCode,
    problem: Option<&str>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let plan = index
        .plans
        .get(form.plan.trim())
        .map_or_else(String::new, |p| p.title.clone());
    let title = format!(
        "{} — {plan}",
        lang.tr("Náhled revize", "Preview of the revision")
    );
    let page = RevisionPreview {
        frame: Frame {
            lang,
            title: &title,
            path: "/moje",
        },
        form,
        content: form.content(index).ok(),
        problem,
    };
    (status, super::page::render(&page)).into_response()
}

/// How a measure was fulfilled, as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeasureForm {
    plan: String,
    measure: String,
    year: String,
    fulfilment: String,
    note: String,
}

impl MeasureForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let body = EvaluationBody {
            year: number("year", &self.year, "a year")?,
            measure_id: self.measure.trim().into(),
            fulfilment: number("fulfilment", &self.fulfilment, "a per cent")?,
            note: self.note.trim().into(),
        };
        Ok(Command::post(
            format!("/plans/{}/evaluations", urlencode(self.plan.trim())),
            &body,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_round_trips_through_its_text_and_keeps_what_the_text_hides() {
        let text = "P | P1 | Bydlení\nC | C1 | Azylové bydlení\nO | O1 | Rozšíření | Kraj | 1 000 000 | 2027-12-31\n\nC | C2 | Prevence\nP | P2 | Senioři\n";
        let mut c = from_text(text, (2026, 2028), None).unwrap();
        assert_eq!(c.priorities.len(), 2);
        assert_eq!(c.priorities[0].goals[1].id, "C2");
        assert_eq!(c.priorities[0].goals[0].measures[0].budget, 1_000_000);
        c.priorities[0].goals[0].measures[0].sources = vec!["MPSV".into()];
        let again = from_text(&to_text(&c), (2026, 2028), Some(&c)).unwrap();
        assert_eq!(again, c, "the text of a revision gives it back");
        assert_eq!(
            from_text("C | C1 | Cíl", (2026, 2028), None).unwrap_err(),
            "content, line 1: a goal (C) before any priority (P)"
        );
        assert!(from_text(
            "P | P1 | X\nC | C1 | Y\nO | O1 | Z | K | hodně | 2027-12-31",
            (2026, 2028),
            None
        )
        .unwrap_err()
        .contains("line 3: the budget"));
        // A measure added at the end lands under the goal it names.
        let text = "P | P1 | Bydlení\nC | C1 | Azylové bydlení\nC | C2 | Prevence\nO | O2 | Terén | Obec | 5 | 2027-01-31\nO | O9 | Noclehárna | Kraj | 10 | 2027-06-30 | C1\n";
        let c = from_text(text, (2026, 2028), None).unwrap();
        assert_eq!(c.priorities[0].goals[0].measures[0].id, "O9");
        assert_eq!(c.priorities[0].goals[1].measures[0].id, "O2");
        assert_eq!(
            from_text(
                "P | P1 | X\nC | C1 | Y\nO | O1 | Z | K | 1 | 2027-12-31 | C7",
                (2026, 2028),
                None
            )
            .unwrap_err(),
            "content, line 3: the goal C7 is not in the text"
        );
        assert!(from_text("X | Y", (2026, 2028), None)
            .unwrap_err()
            .contains("line 1"));
    }
}
