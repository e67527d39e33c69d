//! An application for a grant: submitted by a provider for one of its
//! services before the call's deadline, evaluated by criteria, decided and
//! amended by commissioners. Facts held by other records (the call's
//! deadline and criteria, the service's kind) come with the command.

use super::call::Criterion;
use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::MAX_AMOUNT_CZK;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A line of the budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    /// What for (wages, rent, ...).
    pub item: String,
    /// CZK.
    pub amount: i64,
}

/// What an application asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationDetails {
    /// The call.
    pub call_id: String,
    /// The applicant's IČO.
    pub provider_ico: String,
    /// The service concerned.
    pub service_id: String,
    /// CZK asked for.
    pub requested_amount: i64,
    /// How it would be spent; the lines add up to the requested amount.
    pub budget_lines: Vec<BudgetLine>,
    /// Why.
    #[serde(default)]
    pub justification: String,
    /// Files of the application (a budget, statutes, a reference): seen
    /// only by the applicant, the call's commissioners and auditors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::files::Attachment>,
}

/// The points given for one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    /// The criterion's id.
    pub criterion_id: String,
    /// Points (at most the criterion's maximum).
    pub points: u16,
    /// Why.
    #[serde(default)]
    pub comment: String,
}

/// What the call and the service say at the time of submission.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFacts {
    /// The call accepts applications now (announced, not cancelled, before the deadline).
    pub open: bool,
    /// Kinds that may apply (empty: all).
    pub eligible_kinds: Vec<u16>,
    /// The kind of the service concerned, when it exists and is the applicant's.
    pub service_kind: Option<u16>,
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApplicationStatus {
    /// Not submitted.
    #[default]
    None,
    /// Submitted, waiting for evaluation.
    Submitted,
    /// Evaluated at least once.
    Evaluated,
    /// Granted (an amount above 0).
    Granted,
    /// Refused (0 granted).
    Rejected,
    /// Withdrawn by the applicant.
    Withdrawn,
}

/// The state of an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GrantApplication {
    /// What it asks for.
    pub details: Option<ApplicationDetails>,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// Weighted scores (0–100) by evaluator.
    pub evaluations: BTreeMap<String, f64>,
    /// The amount granted, once decided (and as amended).
    pub granted_amount: Option<i64>,
}

/// What can be asked of an application.
#[derive(Debug, Clone, PartialEq)]
pub enum GrantApplicationCommand {
    /// Submit.
    Submit {
        /// The application.
        details: ApplicationDetails,
        /// Facts of the call and the service.
        facts: CallFacts,
    },
    /// Withdraw (before the decision).
    Withdraw {
        /// Why.
        reason: String,
    },
    /// Evaluate by the call's criteria (an evaluator's second evaluation replaces the first).
    Evaluate {
        /// Who evaluates (account id).
        evaluator: String,
        /// Points per criterion.
        scores: Vec<Score>,
        /// The call's criteria.
        criteria: Vec<Criterion>,
    },
    /// Decide.
    Decide {
        /// CZK granted (0 refuses).
        granted_amount: i64,
        /// Why.
        reasons: String,
    },
    /// Amend a decision.
    Amend {
        /// The new amount.
        granted_amount: i64,
        /// Why.
        reasons: String,
    },
}

/// What happens to an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GrantApplicationEvent {
    /// Submitted.
    GrantApplicationSubmitted {
        /// The application.
        details: ApplicationDetails,
    },
    /// Withdrawn.
    GrantApplicationWithdrawn {
        /// Why.
        reason: String,
    },
    /// Evaluated.
    GrantApplicationEvaluated {
        /// Who.
        evaluator: String,
        /// Points per criterion.
        scores: Vec<Score>,
        /// Weighted score, 0–100.
        weighted_score: f64,
    },
    /// Decided.
    GrantApplicationDecided {
        /// CZK granted (0: refused).
        granted_amount: i64,
        /// Why.
        reasons: String,
    },
    /// The decision was amended.
    GrantDecisionAmended {
        /// The new amount.
        granted_amount: i64,
        /// Why.
        reasons: String,
    },
}

fn check_details(d: &ApplicationDetails, facts: &CallFacts) -> Result<(), DomainError> {
    let mut v = Violations::new();
    if d.requested_amount <= 0 {
        v.add("requested_amount", "must be more than 0 CZK");
    } else if d.requested_amount > MAX_AMOUNT_CZK {
        v.add(
            "requested_amount",
            format!("must be at most {MAX_AMOUNT_CZK} CZK"),
        );
    }
    if d.budget_lines.is_empty() {
        v.add("budget_lines", "at least one line");
    }
    crate::files::check_attachments(&mut v, "attachments", &d.attachments);
    for (i, l) in d.budget_lines.iter().enumerate() {
        v.check(
            format!("budget_lines[{i}].item"),
            required_text(&l.item, 300),
        );
        if l.amount <= 0 {
            v.add(
                format!("budget_lines[{i}].amount"),
                "must be more than 0 CZK",
            );
        } else if l.amount > MAX_AMOUNT_CZK {
            v.add(
                format!("budget_lines[{i}].amount"),
                format!("must be at most {MAX_AMOUNT_CZK} CZK"),
            );
        }
    }
    // Checked: lines of huge amounts must not wrap around to the requested sum.
    let sum = d
        .budget_lines
        .iter()
        .try_fold(0i64, |total, l| total.checked_add(l.amount));
    match sum {
        _ if d.budget_lines.is_empty() => {}
        None => v.add(
            "budget_lines",
            format!("add up to more than {MAX_AMOUNT_CZK} CZK"),
        ),
        Some(sum) if sum != d.requested_amount => v.add(
            "budget_lines",
            format!(
                "add up to {sum} CZK, not the {} requested",
                d.requested_amount
            ),
        ),
        Some(_) => {}
    }
    v.check("justification", optional_text(&d.justification, 10_000));
    match facts.service_kind {
        None => v.add("service_id", "is not a service of this provider"),
        Some(k) if !facts.eligible_kinds.is_empty() && !facts.eligible_kinds.contains(&k) => {
            v.add(
                "service_id",
                format!("its kind {k} may not apply to this call"),
            );
        }
        Some(_) => {}
    }
    v.finish()
}

fn check_amount(amount: i64, requested: i64, reasons: &str) -> Result<(), DomainError> {
    let mut v = Violations::new();
    if !(0..=requested).contains(&amount) {
        v.add(
            "granted_amount",
            format!("must be 0 to the {requested} CZK requested"),
        );
    }
    v.check("reasons", required_text(reasons, 5000));
    v.finish()
}

/// The weighted score (0–100) of complete scores.
fn weighted(scores: &[Score], criteria: &[Criterion]) -> Result<f64, DomainError> {
    let mut v = Violations::new();
    let mut total = 0.0;
    for (i, c) in criteria.iter().enumerate() {
        match scores.iter().filter(|s| s.criterion_id == c.id).count() {
            0 => v.add(
                format!("scores[{}]", c.id),
                format!("criterion {} is not scored", c.id),
            ),
            1 => {}
            _ => v.add(format!("scores[{}]", c.id), "scored twice"),
        }
        if let Some(s) = scores.iter().find(|s| s.criterion_id == c.id) {
            if s.points > c.max_points {
                v.add(
                    format!("scores[{i}].points"),
                    format!("at most {}", c.max_points),
                );
            }
            total += f64::from(c.weight) * f64::from(s.points) / f64::from(c.max_points);
        }
    }
    for (i, s) in scores.iter().enumerate() {
        if !criteria.iter().any(|c| c.id == s.criterion_id) {
            v.add(
                format!("scores[{i}].criterion_id"),
                "not a criterion of the call",
            );
        }
        v.check(
            format!("scores[{i}].comment"),
            optional_text(&s.comment, 2000),
        );
    }
    v.finish()?;
    Ok((total * 100.0).round() / 100.0)
}

impl Aggregate for GrantApplication {
    const STREAM_TYPE: &'static str = "grant_application";
    type Command = GrantApplicationCommand;
    type Event = GrantApplicationEvent;

    fn apply(&mut self, event: &GrantApplicationEvent) {
        use GrantApplicationEvent as E;
        match event {
            E::GrantApplicationSubmitted { details } => {
                self.details = Some(details.clone());
                self.status = ApplicationStatus::Submitted;
            }
            E::GrantApplicationWithdrawn { .. } => self.status = ApplicationStatus::Withdrawn,
            E::GrantApplicationEvaluated {
                evaluator,
                weighted_score,
                ..
            } => {
                self.evaluations.insert(evaluator.clone(), *weighted_score);
                self.status = ApplicationStatus::Evaluated;
            }
            E::GrantApplicationDecided { granted_amount, .. }
            | E::GrantDecisionAmended { granted_amount, .. } => {
                self.granted_amount = Some(*granted_amount);
                self.status = if *granted_amount > 0 {
                    ApplicationStatus::Granted
                } else {
                    ApplicationStatus::Rejected
                };
            }
        }
    }

    fn decide(
        &self,
        command: &GrantApplicationCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<GrantApplicationEvent>, DomainError> {
        use ApplicationStatus as S;
        use GrantApplicationCommand as C;
        use GrantApplicationEvent as E;
        let requested = self.details.as_ref().map_or(0, |d| d.requested_amount);
        match command {
            C::Submit { details, facts } => {
                if let Some(earlier) = &self.details {
                    // One application per service and call (its id is derived from both).
                    return Err(DomainError::AlreadyExists(format!(
                        "an application of service {} to call {}{}",
                        earlier.service_id,
                        earlier.call_id,
                        if self.status == S::Withdrawn {
                            " (withdrawn; a withdrawn application is not submitted again)"
                        } else {
                            ""
                        }
                    )));
                }
                if !facts.open {
                    return Err(DomainError::Rejected(
                        "the call does not accept applications (its deadline has passed or it was cancelled)".into(),
                    ));
                }
                check_details(details, facts)?;
                Ok(vec![E::GrantApplicationSubmitted {
                    details: details.clone(),
                }])
            }
            C::Withdraw { reason } => match self.status {
                S::None => Err(DomainError::NotFound("the application".into())),
                S::Submitted | S::Evaluated => {
                    let mut v = Violations::new();
                    v.check("reason", required_text(reason, 1000));
                    v.finish()?;
                    Ok(vec![E::GrantApplicationWithdrawn {
                        reason: reason.trim().to_string(),
                    }])
                }
                S::Withdrawn => Ok(vec![]),
                S::Granted | S::Rejected => Err(DomainError::Rejected(
                    "a decided application cannot be withdrawn".into(),
                )),
            },
            C::Evaluate {
                evaluator,
                scores,
                criteria,
            } => match self.status {
                S::None => Err(DomainError::NotFound("the application".into())),
                S::Submitted | S::Evaluated => Ok(vec![E::GrantApplicationEvaluated {
                    evaluator: evaluator.clone(),
                    weighted_score: weighted(scores, criteria)?,
                    scores: scores.clone(),
                }]),
                S::Withdrawn => Err(DomainError::Rejected(
                    "the application was withdrawn".into(),
                )),
                S::Granted | S::Rejected => Err(DomainError::Rejected(
                    "the application is decided; amend the decision instead".into(),
                )),
            },
            C::Decide {
                granted_amount,
                reasons,
            } => match self.status {
                S::None => Err(DomainError::NotFound("the application".into())),
                S::Submitted => Err(DomainError::Rejected(
                    "the application has not been evaluated yet".into(),
                )),
                S::Evaluated => {
                    check_amount(*granted_amount, requested, reasons)?;
                    Ok(vec![E::GrantApplicationDecided {
                        granted_amount: *granted_amount,
                        reasons: reasons.trim().to_string(),
                    }])
                }
                S::Withdrawn => Err(DomainError::Rejected(
                    "the application was withdrawn".into(),
                )),
                S::Granted | S::Rejected => Err(DomainError::Rejected(
                    "the application is already decided; amend the decision instead".into(),
                )),
            },
            C::Amend {
                granted_amount,
                reasons,
            } => match self.status {
                S::Granted | S::Rejected => {
                    check_amount(*granted_amount, requested, reasons)?;
                    Ok(vec![E::GrantDecisionAmended {
                        granted_amount: *granted_amount,
                        reasons: reasons.trim().to_string(),
                    }])
                }
                S::None => Err(DomainError::NotFound("the application".into())),
                _ => Err(DomainError::Rejected(
                    "only a decision can be amended".into(),
                )),
            },
        }
    }
}
