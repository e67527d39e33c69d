//! The process manager of notifications: a projection with side effects.
//! It folds the log into what it needs (services, providers, surveys, calls,
//! applications, accounts' password links, notifications already decided),
//! and, once caught up with the log and then at every tick, decides which
//! messages are due — from events (a survey opened, a call announced, an
//! application decided, a password link asked for) and from time (a vacancy
//! report or a verification overdue, a call's deadline near). Each decision
//! is appended as the first event of its `notification` stream, whose id is
//! derived from what it is about: deciding again (after a restart, on a
//! second instance) meets the stream's expected version and is no second
//! message. The mail sender delivers them (ADR 0021).
//!
//! Events only lead to a message while they are recent (`Rules::recent`):
//! a portal started on an old log does not announce last year's calls.

use anyhow::Context;
use events::accounts::{Account, AccountEvent};
use events::aggregate::{from_recorded, to_new_event};
use events::content::news::{News, NewsEvent};
use events::grants::application::{GrantApplication, GrantApplicationEvent};
use events::grants::call::{GrantCall, GrantCallEvent};
use events::notifications::notification::{notification_id, Decision};
use events::notifications::subscription::{
    Subscription, SubscriptionEvent, SubscriptionStatus, Topic,
};
use events::notifications::{NotificationEvent, NotificationKind as K, Recipient};
use events::registry::provider::{Provider, ProviderEvent, ProviderStatus};
use events::registry::service::{Service, ServiceEvent, ServiceStatus};
use events::surveys::survey::{Audience, Survey, SurveyEvent};
use events::{Aggregate, EventMetadata, ExpectedVersion, RecordedEvent, StreamRef};
use infra::event_store::{DynEventStore, StoreError};
use infra::shutdown::Shutdown;
use infra::territory::Territory;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

pub use events::values::codes::VACANCY_KINDS;

/// Events read per batch.
const BATCH: usize = 2000;

/// When messages are due.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `PORTAL_NOTIFICATIONS` (default `1`): `0` decides no messages (a staging copy of the data).
    pub enabled: bool,
    /// `PORTAL_VACANCY_REMINDER_AFTER`: a report older than this is reminded of (7 days).
    pub vacancy_after: Duration,
    /// `PORTAL_VERIFICATION_AFTER`: a record not verified for this long is asked to be (365 days).
    pub verification_after: Duration,
    /// `PORTAL_VERIFICATION_REMINDER_AFTER`: the second request, this long after the first (14 days).
    pub verification_reminder_after: Duration,
    /// `PORTAL_GRANT_REMINDER_BEFORE`: the reminder of a call's deadline, this long before it (7 days).
    pub deadline_before: Duration,
    /// `PORTAL_DIGEST_EVERY`: the period of subscriptions' digests (7 days, from Monday 0:00 UTC).
    pub digest_every: Duration,
    /// An event older than this leads to no message (2 days).
    pub recent: Duration,
    /// How often time is looked at (a minute, or less when a period is shorter).
    pub tick: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            enabled: true,
            vacancy_after: Duration::from_secs(7 * 86_400),
            verification_after: Duration::from_secs(365 * 86_400),
            verification_reminder_after: Duration::from_secs(14 * 86_400),
            deadline_before: Duration::from_secs(7 * 86_400),
            digest_every: Duration::from_secs(7 * 86_400),
            recent: Duration::from_secs(2 * 86_400),
            tick: Duration::from_secs(60),
        }
    }
}

impl Rules {
    /// From the environment (durations like `7d`, `12h`, `5s`); unset: the defaults.
    ///
    /// # Errors
    /// Naming the variable whose value is not a duration.
    pub fn from_env() -> Result<Self, infra::settings::SettingsError> {
        let mut rules = Self {
            enabled: infra::settings::parsed("PORTAL_NOTIFICATIONS", 1u8)? != 0,
            ..Self::default()
        };
        for (name, slot) in [
            ("PORTAL_VACANCY_REMINDER_AFTER", &mut rules.vacancy_after),
            ("PORTAL_VERIFICATION_AFTER", &mut rules.verification_after),
            (
                "PORTAL_VERIFICATION_REMINDER_AFTER",
                &mut rules.verification_reminder_after,
            ),
            ("PORTAL_GRANT_REMINDER_BEFORE", &mut rules.deadline_before),
            ("PORTAL_DIGEST_EVERY", &mut rules.digest_every),
        ] {
            if let Ok(value) = std::env::var(name) {
                *slot = infra::mail::parse_duration(&value).map_err(|reason| {
                    infra::settings::SettingsError::Invalid { var: name, reason }
                })?;
            }
        }
        rules.tick = rules.tick_for_periods();
        Ok(rules)
    }

    /// A tick a quarter of the shortest period, between half a second and a minute.
    pub fn tick_for_periods(&self) -> Duration {
        let shortest = self
            .vacancy_after
            .min(self.verification_after)
            .min(self.verification_reminder_after)
            .min(self.digest_every);
        (shortest / 4).clamp(Duration::from_millis(500), Duration::from_secs(60))
    }
}

/// A message the process manager found due.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// The notification's id.
    pub id: Uuid,
    /// What is decided.
    pub decision: Decision,
    /// The event that caused it, when one did (its id and correlation).
    pub cause: Option<(Uuid, Uuid)>,
}

#[derive(Default)]
struct ServiceState {
    state: Service,
    since: Option<OffsetDateTime>,
}

#[derive(Default)]
struct CallState {
    state: GrantCall,
    /// Providers told of it.
    announced: BTreeSet<String>,
    /// Providers that applied.
    applied: BTreeSet<String>,
}

#[derive(Default)]
struct SurveyState {
    state: Survey,
    author: Option<Uuid>,
}

#[derive(Default)]
struct SubscriptionState {
    state: Subscription,
    version: u64,
    confirmed_at: Option<OffsetDateTime>,
    /// What it is to, in Czech.
    about: String,
}

/// An article published, for the digests of its kraj.
struct Article {
    kraj: String,
    title: String,
    at: OffsetDateTime,
}

/// A service that reported free places after having none, for the digests of its kind and ORP.
struct Opening {
    service: String,
    kind: u16,
    orp: BTreeSet<String>,
    at: OffsetDateTime,
}

/// The most items a digest lists.
pub const DIGEST_ITEMS: usize = 30;

/// What the process manager knows: the log folded.
#[derive(Default)]
pub struct State {
    services: BTreeMap<String, ServiceState>,
    providers: BTreeMap<String, Provider>,
    surveys: BTreeMap<String, SurveyState>,
    calls: BTreeMap<String, CallState>,
    applications: BTreeMap<String, GrantApplication>,
    accounts: BTreeMap<Uuid, Account>,
    subscriptions: BTreeMap<Uuid, SubscriptionState>,
    news: BTreeMap<String, Article>,
    openings: Vec<Opening>,
    decided: HashSet<Uuid>,
    triggered: Vec<Due>,
}

fn due(kind: K, key: &str, recipient: Recipient, subject: String, link: String) -> Due {
    Due {
        id: notification_id(kind, key),
        decision: Decision {
            kind,
            recipient,
            subject,
            link,
            facts: BTreeMap::new(),
        },
        cause: None,
    }
}

fn with(mut d: Due, facts: &[(&str, String)]) -> Due {
    for (k, v) in facts {
        d.decision.facts.insert((*k).to_string(), v.clone());
    }
    d
}

fn day(t: OffsetDateTime) -> String {
    t.date().to_string()
}

fn free_places(s: &Service) -> i64 {
    s.vacancies.values().map(|v| v.free_places.max(0)).sum()
}

/// The ORP (ČSÚ codes) where a service has its facilities, else those its catchment names.
fn orp_of(
    d: &events::registry::service::ServiceDetails,
    territory: &Territory,
) -> BTreeSet<String> {
    let facilities: BTreeSet<String> = d
        .facilities
        .iter()
        .filter_map(|f| f.address.municipality_code.as_deref())
        .filter_map(|m| territory.orp_of_municipality(m))
        .map(|o| o.csu_code.clone())
        .collect();
    if !facilities.is_empty() {
        return facilities;
    }
    d.catchment
        .orp
        .iter()
        .filter_map(|o| territory.orp_by_any_code(o))
        .map(|o| o.csu_code.clone())
        .collect()
}

/// What a subscription is to, in Czech (`novinky: Jihomoravský kraj`).
pub fn about(topic: &Topic, territory: &Territory) -> String {
    match topic {
        Topic::KrajNews { kraj } => {
            let name = territory
                .kraj_by_any_code(kraj)
                .map_or(kraj.as_str(), |k| k.name.as_str());
            format!("aktuality: {name}")
        }
        Topic::Vacancies { orp, kind } => {
            let name = territory
                .orp_by_any_code(orp)
                .map_or(orp.as_str(), |o| o.name.as_str());
            let kind = events::values::codes::ServiceKind::from_code(*kind)
                .map_or_else(|_| kind.to_string(), |k| k.name().to_string());
            format!("nová volná místa: {kind}, ORP {name}")
        }
    }
}

/// The digests' periods start on Monday 5 January 1970, 0:00 UTC.
fn digest_epoch() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH + time::Duration::days(4)
}

/// The last period that ended by `now`: its number, start and end.
pub fn last_period(
    now: OffsetDateTime,
    every: Duration,
) -> Option<(i64, OffsetDateTime, OffsetDateTime)> {
    let len = i64::try_from(every.as_secs()).ok().filter(|l| *l > 0)?;
    let n = (now - digest_epoch()).whole_seconds().div_euclid(len) - 1;
    let start = digest_epoch() + time::Duration::seconds(n * len);
    Some((n, start, start + time::Duration::seconds(len)))
}

impl State {
    /// Notifications decided so far.
    pub fn decided(&self) -> usize {
        self.decided.len()
    }

    fn service_name(&self, id: &str) -> String {
        self.services
            .get(id)
            .and_then(|s| s.state.details.as_ref())
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    }

    /// Folds one event; when it is recent, notes the messages it causes.
    ///
    /// # Errors
    /// When an event does not read.
    pub fn apply(
        &mut self,
        e: &RecordedEvent,
        territory: &Territory,
        recent: bool,
    ) -> anyhow::Result<()> {
        let read = || format!("event {} does not read", e.global_position);
        let id = e.stream.stream_id.as_str();
        let mut caused = Vec::new();
        match e.stream.stream_type.as_str() {
            Service::STREAM_TYPE => {
                let event: ServiceEvent = from_recorded(e).with_context(read)?;
                let s = self.services.entry(id.to_string()).or_default();
                s.since.get_or_insert(e.occurred_at);
                let before = free_places(&s.state);
                s.state.apply(&event);
                if before == 0 && free_places(&s.state) > 0 {
                    if let Some(d) = &s.state.details {
                        self.openings.push(Opening {
                            service: id.to_string(),
                            kind: d.kind,
                            orp: orp_of(d, territory),
                            at: e.recorded_at,
                        });
                    }
                }
            }
            News::STREAM_TYPE => match from_recorded::<NewsEvent>(e).with_context(read)? {
                NewsEvent::NewsPublished { article } | NewsEvent::NewsCorrected { article } => {
                    let at = self.news.get(id).map_or(e.recorded_at, |a| a.at);
                    self.news.insert(
                        id.to_string(),
                        Article {
                            kraj: article.kraj,
                            title: article.title,
                            at,
                        },
                    );
                }
                NewsEvent::NewsWithdrawn { .. } => {
                    self.news.remove(id);
                }
            },
            Subscription::STREAM_TYPE => {
                let event: SubscriptionEvent = from_recorded(e).with_context(read)?;
                let Ok(subscription_id) = Uuid::parse_str(id) else {
                    return Ok(());
                };
                let s = self.subscriptions.entry(subscription_id).or_default();
                s.state.apply(&event);
                s.version = e.stream_version;
                if let (true, Some(topic)) = (s.about.is_empty(), &s.state.topic) {
                    s.about = about(topic, territory);
                }
                match event {
                    SubscriptionEvent::SubscriptionConfirmed {} => {
                        s.confirmed_at = Some(e.recorded_at);
                    }
                    SubscriptionEvent::SubscriptionRequested { confirm_by, .. }
                        if recent && confirm_by > OffsetDateTime::now_utc() =>
                    {
                        caused.push(with(
                            due(
                                K::SubscriptionConfirmation,
                                id,
                                Recipient::Subscriber { subscription_id },
                                format!("subscription/{id}"),
                                "/odber/potvrdit".to_string(),
                            ),
                            &[("about", s.about.clone())],
                        ));
                    }
                    _ => {}
                }
            }
            Provider::STREAM_TYPE => {
                let event: ProviderEvent = from_recorded(e).with_context(read)?;
                self.providers
                    .entry(id.to_string())
                    .or_default()
                    .apply(&event);
            }
            Survey::STREAM_TYPE => {
                let event: SurveyEvent = from_recorded(e).with_context(read)?;
                let author = Uuid::parse_str(&e.actor.account_id).ok();
                let s = self.surveys.entry(id.to_string()).or_default();
                s.state.apply(&event);
                if matches!(event, SurveyEvent::SurveyDefined { .. }) {
                    s.author = author;
                }
                let title = s
                    .state
                    .definition
                    .as_ref()
                    .map(|d| d.title.clone())
                    .unwrap_or_default();
                match event {
                    SurveyEvent::SurveyOpened {} if recent => {
                        let audience = s.state.definition.as_ref().map(|d| d.audience.clone());
                        for ico in audience
                            .map(|a| self.invited(&a, territory))
                            .unwrap_or_default()
                        {
                            caused.push(with(
                                due(
                                    K::SurveyInvitation,
                                    &format!("{id}/{ico}"),
                                    Recipient::Provider { ico: ico.clone() },
                                    format!("survey/{id}"),
                                    format!("/ankety/{id}"),
                                ),
                                &[("title", title.clone())],
                            ));
                        }
                    }
                    SurveyEvent::SurveyClosed {} if recent => {
                        if let Some(account_id) = self.surveys.get(id).and_then(|s| s.author) {
                            caused.push(with(
                                due(
                                    K::SurveyClosed,
                                    id,
                                    Recipient::Account { account_id },
                                    format!("survey/{id}"),
                                    format!("/ankety/{id}"),
                                ),
                                &[("title", title)],
                            ));
                        }
                    }
                    _ => {}
                }
            }
            GrantCall::STREAM_TYPE => {
                let event: GrantCallEvent = from_recorded(e).with_context(read)?;
                self.calls
                    .entry(id.to_string())
                    .or_default()
                    .state
                    .apply(&event);
                if matches!(event, GrantCallEvent::GrantCallAnnounced { .. }) && recent {
                    let eligible = self.eligible(id, territory);
                    let call = self.calls.get_mut(id).expect("just applied");
                    let title = call
                        .state
                        .details
                        .as_ref()
                        .map(|d| d.title.clone())
                        .unwrap_or_default();
                    let deadline = call.state.details.as_ref().map(|d| day(d.deadline));
                    for ico in eligible {
                        call.announced.insert(ico.clone());
                        caused.push(with(
                            due(
                                K::GrantCallAnnounced,
                                &format!("{id}/{ico}"),
                                Recipient::Provider { ico },
                                format!("grant_call/{id}"),
                                format!("/dotace/{id}"),
                            ),
                            &[
                                ("title", title.clone()),
                                ("deadline", deadline.clone().unwrap_or_default()),
                            ],
                        ));
                    }
                }
            }
            GrantApplication::STREAM_TYPE => {
                let event: GrantApplicationEvent = from_recorded(e).with_context(read)?;
                let a = self.applications.entry(id.to_string()).or_default();
                a.apply(&event);
                let details = a.details.clone();
                if let Some(d) = &details {
                    if let Some(call) = self.calls.get_mut(&d.call_id) {
                        call.applied.insert(d.provider_ico.clone());
                    }
                }
                let decided = match &event {
                    GrantApplicationEvent::GrantApplicationDecided { granted_amount, .. }
                    | GrantApplicationEvent::GrantDecisionAmended { granted_amount, .. } => {
                        Some(*granted_amount)
                    }
                    _ => None,
                };
                if let (Some(amount), Some(d), true) = (decided, &details, recent) {
                    let title = self
                        .calls
                        .get(&d.call_id)
                        .and_then(|c| c.state.details.as_ref())
                        .map(|c| c.title.clone())
                        .unwrap_or_default();
                    caused.push(with(
                        due(
                            K::GrantDecision,
                            &format!("{id}/{}", e.event_id),
                            Recipient::Provider {
                                ico: d.provider_ico.clone(),
                            },
                            format!("grant_application/{id}"),
                            "/moje#zadosti".to_string(),
                        ),
                        &[
                            ("title", title),
                            ("granted_amount", amount.to_string()),
                            ("service", self.service_name(&d.service_id)),
                        ],
                    ));
                }
            }
            Account::STREAM_TYPE => {
                let event: AccountEvent = from_recorded(e).with_context(read)?;
                let Ok(account_id) = Uuid::parse_str(id) else {
                    return Ok(());
                };
                self.accounts.entry(account_id).or_default().apply(&event);
                if let AccountEvent::PasswordLinkRequested {
                    request_id,
                    expires_at,
                    invitation,
                } = event
                {
                    if expires_at > OffsetDateTime::now_utc() {
                        let kind = if invitation {
                            K::AccountInvitation
                        } else {
                            K::PasswordReset
                        };
                        caused.push(with(
                            due(
                                kind,
                                &request_id.to_string(),
                                Recipient::Account { account_id },
                                format!("account/{account_id}"),
                                "/nove-heslo".to_string(),
                            ),
                            &[
                                ("request_id", request_id.to_string()),
                                ("expires_at", expires_at.unix_timestamp().to_string()),
                            ],
                        ));
                    }
                }
            }
            events::notifications::Notification::STREAM_TYPE
                if e.event_type == "NotificationDecided" =>
            {
                if let Ok(id) = Uuid::parse_str(id) {
                    self.decided.insert(id);
                }
            }
            _ => {}
        }
        for mut d in caused {
            d.cause = Some((e.event_id, e.correlation_id));
            self.triggered.push(d);
        }
        Ok(())
    }

    fn active_provider(&self, ico: &str) -> bool {
        self.providers
            .get(ico)
            .is_some_and(|p| p.status == ProviderStatus::Active)
    }

    /// The providers a survey's audience invites.
    fn invited(&self, audience: &Audience, territory: &Territory) -> BTreeSet<String> {
        match audience {
            Audience::AllProviders => self
                .providers
                .keys()
                .filter(|ico| self.active_provider(ico))
                .cloned()
                .collect(),
            Audience::Kraj { code } => {
                let nuts = territory
                    .kraj_by_any_code(code)
                    .map_or(code.clone(), |k| k.nuts.clone());
                let office = self.providers.iter().filter(|(ico, p)| {
                    self.active_provider(ico)
                        && p.address
                            .municipality_code
                            .as_deref()
                            .and_then(|m| territory.kraj_of_municipality(m))
                            == Some(nuts.as_str())
                });
                let working = self.services.values().filter_map(|s| {
                    let d = s.state.details.as_ref()?;
                    (s.state.status == ServiceStatus::Active && territory.serves_kraj(d, &nuts))
                        .then(|| s.state.provider_ico.clone())
                });
                office
                    .map(|(ico, _)| ico.clone())
                    .chain(working)
                    .filter(|ico| self.active_provider(ico))
                    .collect()
            }
            Audience::ServiceKind { kind } => self
                .services
                .values()
                .filter(|s| {
                    s.state.status == ServiceStatus::Active
                        && s.state.details.as_ref().is_some_and(|d| d.kind == *kind)
                })
                .map(|s| s.state.provider_ico.clone())
                .filter(|ico| self.active_provider(ico))
                .collect(),
        }
    }

    /// The providers with an active service a call accepts: of an eligible
    /// kind, working in the call's kraj (or municipality).
    fn eligible(&self, call: &str, territory: &Territory) -> BTreeSet<String> {
        let Some(details) = self.calls.get(call).and_then(|c| c.state.details.as_ref()) else {
            return BTreeSet::new();
        };
        let kraj = territory
            .kraj_by_any_code(&details.territory)
            .map(|k| k.nuts.clone());
        self.services
            .values()
            .filter(|s| s.state.status == ServiceStatus::Active)
            .filter_map(|s| {
                let d = s.state.details.as_ref()?;
                let kind =
                    details.eligible_kinds.is_empty() || details.eligible_kinds.contains(&d.kind);
                let there = match &kraj {
                    Some(nuts) => territory.serves_kraj(d, nuts),
                    None => {
                        d.catchment.municipalities.contains(&details.territory)
                            || d.facilities.iter().any(|f| {
                                f.address.municipality_code.as_deref()
                                    == Some(details.territory.as_str())
                            })
                    }
                };
                (kind && there).then(|| s.state.provider_ico.clone())
            })
            .filter(|ico| self.active_provider(ico))
            .collect()
    }

    /// What is due at `now` and not yet decided: what events caused, then what time brings.
    pub fn due(&self, now: OffsetDateTime, rules: &Rules) -> Vec<Due> {
        let mut out: Vec<Due> = self
            .triggered
            .iter()
            .filter(|d| !self.decided.contains(&d.id))
            .cloned()
            .collect();
        let period = time::Duration::try_from(rules.vacancy_after).unwrap_or(time::Duration::WEEK);
        let verify =
            time::Duration::try_from(rules.verification_after).unwrap_or(time::Duration::days(365));
        let second = time::Duration::try_from(rules.verification_reminder_after)
            .unwrap_or(time::Duration::days(14));
        for (id, s) in &self.services {
            let Some(details) = s.state.details.as_ref() else {
                continue;
            };
            if s.state.status != ServiceStatus::Active
                || !self.active_provider(&s.state.provider_ico)
            {
                continue;
            }
            let Some(since) = s.since else { continue };
            if VACANCY_KINDS.contains(&details.kind) {
                let last = s.state.vacancies.values().map(|v| v.reported_at).max();
                let from = last.unwrap_or(since);
                let overdue = now - from;
                if overdue >= period && period.is_positive() {
                    let n = overdue.whole_seconds() / period.whole_seconds().max(1);
                    let free: i64 = s.state.vacancies.values().map(|v| v.free_places).sum();
                    let mut facts = vec![("service", details.name.clone())];
                    if let Some(last) = last {
                        facts.push(("free_places", free.to_string()));
                        facts.push(("reported_on", day(last)));
                    }
                    out.push(with(
                        due(
                            K::VacancyReminder,
                            &format!("{id}/{}/{n}", from.unix_timestamp()),
                            Recipient::Service {
                                service_id: id.clone(),
                            },
                            format!("service/{id}"),
                            format!("/moje#sluzba-{id}"),
                        ),
                        &facts,
                    ));
                }
            }
            let verified = s
                .state
                .last_verified_on
                .and_then(|d| d.with_hms(0, 0, 0).ok())
                .map(|d| d.assume_utc())
                .unwrap_or(since);
            let unverified = now - verified;
            for (kind, after) in [
                (K::VerificationRequest, verify),
                (K::VerificationReminder, verify + second),
            ] {
                if unverified >= after && after.is_positive() {
                    out.push(with(
                        due(
                            kind,
                            &format!("{id}/{}", verified.unix_timestamp()),
                            Recipient::Service {
                                service_id: id.clone(),
                            },
                            format!("service/{id}"),
                            format!("/moje#sluzba-{id}"),
                        ),
                        &[
                            ("service", details.name.clone()),
                            ("verified_on", day(verified)),
                        ],
                    ));
                }
            }
        }
        let before =
            time::Duration::try_from(rules.deadline_before).unwrap_or(time::Duration::WEEK);
        for (id, c) in &self.calls {
            let Some(d) = c.state.details.as_ref() else {
                continue;
            };
            if c.state.cancelled || now >= d.deadline || d.deadline - now > before {
                continue;
            }
            for ico in c.announced.difference(&c.applied) {
                out.push(with(
                    due(
                        K::GrantDeadlineReminder,
                        &format!("{id}/{ico}"),
                        Recipient::Provider { ico: ico.clone() },
                        format!("grant_call/{id}"),
                        format!("/dotace/{id}"),
                    ),
                    &[("title", d.title.clone()), ("deadline", day(d.deadline))],
                ));
            }
        }
        out.extend(self.digests(now, rules));
        out.retain(|d| !self.decided.contains(&d.id));
        out
    }

    /// The digests of the last period that ended, for each confirmed subscription with news in it.
    fn digests(&self, now: OffsetDateTime, rules: &Rules) -> Vec<Due> {
        let Some((n, start, end)) = last_period(now, rules.digest_every) else {
            return vec![];
        };
        let mut out = Vec::new();
        for (id, s) in &self.subscriptions {
            let (SubscriptionStatus::Confirmed, Some(topic), Some(confirmed)) =
                (s.state.status, &s.state.topic, s.confirmed_at)
            else {
                continue;
            };
            if confirmed >= end {
                continue;
            }
            let from = start.max(confirmed);
            let (items, link): (Vec<(String, String)>, String) = match topic {
                Topic::KrajNews { kraj } => (
                    self.news
                        .iter()
                        .filter(|(_, a)| &a.kraj == kraj && a.at >= from && a.at < end)
                        .map(|(id, a)| (a.title.clone(), format!("/aktuality/{id}")))
                        .collect(),
                    "/aktuality".to_string(),
                ),
                Topic::Vacancies { orp, kind } => {
                    let mut seen = BTreeSet::new();
                    let items = self
                        .openings
                        .iter()
                        .filter(|o| o.kind == *kind && o.orp.contains(orp))
                        .filter(|o| o.at >= from && o.at < end)
                        .filter(|o| seen.insert(o.service.clone()))
                        .filter_map(|o| {
                            // Only those that still have free places.
                            let service = self.services.get(&o.service)?;
                            let free = free_places(&service.state);
                            (free > 0 && service.state.status == ServiceStatus::Active).then(|| {
                                (
                                    format!(
                                        "{} – volných míst: {free}",
                                        self.service_name(&o.service)
                                    ),
                                    format!("/sluzby/{}", o.service),
                                )
                            })
                        })
                        .collect();
                    (items, format!("/volna-mista?orp={orp}&kind={kind}"))
                }
            };
            if items.is_empty() {
                continue;
            }
            let mut facts = vec![
                ("about", s.about.clone()),
                ("count", items.len().to_string()),
                ("from", day(start)),
                ("to", day(end - time::Duration::seconds(1))),
            ];
            let keys: Vec<(String, String)> = (0..items.len().min(DIGEST_ITEMS))
                .map(|i| (format!("item.{i:03}"), format!("link.{i:03}")))
                .collect();
            let mut d = due(
                K::Digest,
                &format!("{id}/{n}"),
                Recipient::Subscriber {
                    subscription_id: *id,
                },
                format!("subscription/{id}"),
                link,
            );
            for ((item, link), (label, path)) in keys.iter().zip(items) {
                d.decision.facts.insert(item.clone(), label);
                d.decision.facts.insert(link.clone(), path);
            }
            facts.push((
                "kind_of_topic",
                match topic {
                    Topic::KrajNews { .. } => "kraj_news".to_string(),
                    Topic::Vacancies { .. } => "vacancies".to_string(),
                },
            ));
            out.push(with(d, &facts));
        }
        out
    }

    /// The subscriptions not confirmed in time, with their streams' versions.
    pub fn unconfirmed(&self, now: OffsetDateTime) -> Vec<(Uuid, u64)> {
        self.subscriptions
            .iter()
            .filter(|(_, s)| {
                s.state.status == SubscriptionStatus::Requested
                    && s.state.confirm_by.is_some_and(|by| by < now)
            })
            .map(|(id, s)| (*id, s.version))
            .collect()
    }

    /// Forgets what no digest will list any more.
    fn prune(&mut self, now: OffsetDateTime, rules: &Rules) {
        let keep = time::Duration::try_from(rules.digest_every * 2).unwrap_or(time::Duration::WEEK);
        self.openings.retain(|o| now - o.at < keep);
    }

    /// The services whose record is overdue for verification at `now`, oldest first.
    pub fn overdue_verifications(
        &self,
        now: OffsetDateTime,
        rules: &Rules,
    ) -> Vec<(String, time::Date)> {
        let verify =
            time::Duration::try_from(rules.verification_after).unwrap_or(time::Duration::days(365));
        let mut out: Vec<(String, time::Date)> = self
            .services
            .iter()
            .filter(|(_, s)| s.state.status == ServiceStatus::Active)
            .filter_map(|(id, s)| {
                let verified = s.state.last_verified_on.or(s.since.map(|t| t.date()))?;
                (now.date() - verified >= verify).then(|| (id.clone(), verified))
            })
            .collect();
        out.sort_by_key(|(id, d)| (*d, id.clone()));
        out
    }
}

fn system() -> EventMetadata {
    EventMetadata::new(events::Actor {
        account_id: "system".into(),
        role: "notifications".into(),
    })
}

/// The process manager.
pub struct ProcessManager {
    /// The log (read, and written to: the decisions).
    pub events: DynEventStore,
    /// For audiences and territories of calls.
    pub territory: Arc<Territory>,
    /// When messages are due.
    pub rules: Rules,
}

impl ProcessManager {
    /// Appends the decisions due; answers how many were new.
    ///
    /// # Errors
    /// Store failures (the decisions not appended are due again at the next tick).
    pub async fn decide(&self, state: &mut State, now: OffsetDateTime) -> anyhow::Result<usize> {
        let mut new = 0;
        for d in state.due(now, &self.rules) {
            let stream = StreamRef::new(
                events::notifications::Notification::STREAM_TYPE,
                d.id.to_string(),
            );
            let event = to_new_event(
                &NotificationEvent::NotificationDecided {
                    decision: d.decision.clone(),
                },
                now,
            );
            let mut metadata = system();
            if let Some((cause, correlation)) = d.cause {
                metadata.causation_id = Some(cause);
                metadata.correlation_id = correlation;
            }
            match self
                .events
                .append(&stream, ExpectedVersion::NoStream, vec![event], &metadata)
                .await
            {
                Ok(_) => new += 1,
                // Decided before (by another instance, or before a restart).
                Err(StoreError::WrongExpectedVersion { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            state.decided.insert(d.id);
        }
        let decided = &state.decided;
        state.triggered.retain(|d| !decided.contains(&d.id));
        // A subscription not confirmed within a week ends; the sender erases its address.
        for (id, version) in state.unconfirmed(now) {
            let event = to_new_event(
                &SubscriptionEvent::SubscriptionCancelled {
                    reason: "not confirmed".into(),
                },
                now,
            );
            match self
                .events
                .append(
                    &StreamRef::new(Subscription::STREAM_TYPE, id.to_string()),
                    ExpectedVersion::Exact(version),
                    vec![event],
                    &system(),
                )
                .await
            {
                // Moved on meanwhile (confirmed, or cancelled by another instance): seen when folded.
                Ok(_) | Err(StoreError::WrongExpectedVersion { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if let Some(s) = state.subscriptions.get_mut(&id) {
                s.state.status = SubscriptionStatus::Cancelled;
            }
        }
        state.prune(now, &self.rules);
        Ok(new)
    }

    /// Follows the log from its start and decides, until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: Shutdown) {
        if !self.rules.enabled {
            tracing::info!("PORTAL_NOTIFICATIONS=0: no messages are decided");
            return;
        }
        loop {
            let result = tokio::select! {
                r = self.follow() => r,
                () = shutdown.wait() => return,
            };
            if let Err(e) = result {
                tracing::warn!(error = %format!("{e:#}"), "notifications process manager failed; starting again");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    () = shutdown.wait() => return,
                }
            }
        }
    }

    async fn follow(&self) -> anyhow::Result<()> {
        let mut state = State::default();
        let mut sub = infra::event_store::subscribe(
            self.events.clone(),
            events::LogPosition::START,
            BATCH,
            self.rules.tick,
        );
        let recent = time::Duration::try_from(self.rules.recent).unwrap_or(time::Duration::DAY);
        let mut next_tick = tokio::time::Instant::now();
        loop {
            let wait = next_tick.saturating_duration_since(tokio::time::Instant::now());
            let batch = sub.next_batch_timeout(wait).await?;
            let now = OffsetDateTime::now_utc();
            for e in &batch {
                state.apply(e, &self.territory, now - e.recorded_at < recent)?;
            }
            // Decide only when caught up: what a later event of the log settles is not decided again.
            let caught_up = batch.len() < BATCH;
            if caught_up
                && (!state.triggered.is_empty() || tokio::time::Instant::now() >= next_tick)
            {
                let new = self.decide(&mut state, now).await?;
                if new > 0 {
                    tracing::info!(new, "notifications decided");
                }
                if tokio::time::Instant::now() >= next_tick {
                    next_tick = tokio::time::Instant::now() + self.rules.tick;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use events::aggregate::to_new_event;
    use events::content::news::Article as Published;
    use events::forum::Sealed;
    use events::{Actor, RecordedEvent};
    use serde::Serialize;

    /// `event` as the store hands it back, recorded at `at`.
    fn recorded<E: Serialize>(
        stream: (&str, &str),
        version: u64,
        event: &E,
        at: OffsetDateTime,
    ) -> RecordedEvent {
        let new = to_new_event(event, at);
        RecordedEvent {
            event_id: new.event_id,
            stream: StreamRef::new(stream.0, stream.1),
            stream_version: version,
            global_position: version,
            transaction_id: version,
            event_type: new.event_type,
            schema_version: new.schema_version,
            occurred_at: at,
            recorded_at: at,
            actor: Actor {
                account_id: "anonymous".into(),
                role: "public".into(),
            },
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            idempotency_key: None,
            payload: new.payload,
        }
    }

    fn news(kraj: &str, title: &str) -> NewsEvent {
        NewsEvent::NewsPublished {
            article: Published {
                kraj: kraj.into(),
                title: title.into(),
                body: "Text.".into(),
                attachments: vec![],
            },
        }
    }

    #[test]
    fn the_digests_periods_are_whole_weeks_from_monday() {
        let week = Duration::from_secs(7 * 86_400);
        // Wednesday 2 December 2026: the last whole week is Monday 23 to Sunday 29 November.
        let now = time::macros::datetime!(2026-12-02 10:00 UTC);
        let (_, start, end) = last_period(now, week).unwrap();
        assert_eq!(start, time::macros::datetime!(2026-11-23 0:00 UTC));
        assert_eq!(end, time::macros::datetime!(2026-11-30 0:00 UTC));
        let (n, _, _) = last_period(end, week).unwrap();
        let (next, _, _) = last_period(end + time::Duration::WEEK, week).unwrap();
        assert_eq!(next, n + 1);
        assert!(last_period(now, Duration::ZERO).is_none());
    }

    #[test]
    fn a_digest_lists_only_what_came_after_the_confirmation_and_in_its_kraj() {
        let rules = Rules::default();
        let territory = Territory::default();
        let (_, start, end) = last_period(OffsetDateTime::now_utc(), rules.digest_every).unwrap();
        let id = Uuid::now_v7();
        let sub = (Subscription::STREAM_TYPE, id.to_string());
        let requested = SubscriptionEvent::SubscriptionRequested {
            topic: Topic::KrajNews {
                kraj: "CZ042".into(),
            },
            address: Sealed {
                nonce: "n".into(),
                ciphertext: "c".into(),
            },
            confirm_by: start + time::Duration::DAY * 7,
        };
        let at = |h: i64| start + time::Duration::hours(h);
        let mut state = State::default();
        let events = [
            recorded((News::STREAM_TYPE, "n0"), 1, &news("CZ042", "Před"), at(1)),
            recorded((sub.0, &sub.1), 1, &requested, at(2)),
            recorded(
                (sub.0, &sub.1),
                2,
                &SubscriptionEvent::SubscriptionConfirmed {},
                at(3),
            ),
            recorded((News::STREAM_TYPE, "n1"), 1, &news("CZ042", "Po"), at(4)),
            recorded((News::STREAM_TYPE, "n2"), 1, &news("CZ010", "Jinde"), at(5)),
        ];
        for e in &events {
            state.apply(e, &territory, false).unwrap();
        }
        let digests: Vec<Due> = state
            .due(end + time::Duration::seconds(1), &rules)
            .into_iter()
            .filter(|d| d.decision.kind == K::Digest)
            .collect();
        assert_eq!(digests.len(), 1, "{digests:?}");
        let facts = &digests[0].decision.facts;
        assert_eq!(facts.get("item.000").map(String::as_str), Some("Po"));
        assert_eq!(
            facts.get("link.000").map(String::as_str),
            Some("/aktuality/n1")
        );
        assert_eq!(facts.get("count").map(String::as_str), Some("1"));
        assert_eq!(
            digests[0].decision.recipient,
            Recipient::Subscriber {
                subscription_id: id
            }
        );
        // Not recent: no confirmation is sent again on a replay; confirmed: not ended as unconfirmed.
        assert!(state.triggered.is_empty());
        assert!(state.unconfirmed(end + time::Duration::WEEK * 2).is_empty());
    }

    #[test]
    fn a_subscription_not_confirmed_in_time_is_ended_and_its_request_confirmed_once() {
        let territory = Territory::default();
        let now = OffsetDateTime::now_utc();
        let id = Uuid::now_v7();
        let requested = SubscriptionEvent::SubscriptionRequested {
            topic: Topic::Vacancies {
                orp: "4202".into(),
                kind: 20,
            },
            address: Sealed {
                nonce: "n".into(),
                ciphertext: "c".into(),
            },
            confirm_by: now + time::Duration::DAY * 7,
        };
        let mut state = State::default();
        state
            .apply(
                &recorded(
                    (Subscription::STREAM_TYPE, &id.to_string()),
                    1,
                    &requested,
                    now,
                ),
                &territory,
                true,
            )
            .unwrap();
        let due = state.due(now, &Rules::default());
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].decision.kind, K::SubscriptionConfirmation);
        assert_eq!(due[0].decision.link, "/odber/potvrdit");
        assert_eq!(
            due[0].decision.facts.get("about").map(String::as_str),
            Some("nová volná místa: azylové domy, ORP 4202")
        );
        assert!(state.unconfirmed(now + time::Duration::DAY * 6).is_empty());
        assert_eq!(
            state.unconfirmed(now + time::Duration::DAY * 8),
            vec![(id, 1)]
        );
    }
}
