//! The history of a record as an auditor reads it (`GET /moje/historie`):
//! a table in Prague local time that names the event types, the roles and
//! the fields in the interface's language, each event's data folded away
//! below. The audit API (`/api/v1/audit/streams/…`) gives the same events
//! as recorded.

use super::page::{Frame, Lang};
use super::session;
use crate::api::QueryState;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use command_api::audit::{Entry, History};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The names of the event types: type, Czech, English.
const EVENT_NAMES: [(&str, &str, &str); 89] = [
    ("AccountCreated", "Účet založen", "Account created"),
    ("AccountDisabled", "Účet zablokován", "Account disabled"),
    ("AccountErased", "Účet vymazán", "Account erased"),
    ("ApiTokenIssued", "Vydán klíč API", "API token issued"),
    ("ApiTokenRevoked", "Klíč API zrušen", "API token revoked"),
    ("AwardConferred", "Ocenění uděleno", "Award conferred"),
    ("AwardRevoked", "Ocenění odňato", "Award revoked"),
    (
        "DirectoryEntryAdded",
        "Přidáno do adresáře",
        "Directory entry added",
    ),
    (
        "DirectoryEntryChanged",
        "Změna v adresáři",
        "Directory entry changed",
    ),
    (
        "DirectoryEntryRemoved",
        "Odebráno z adresáře",
        "Directory entry removed",
    ),
    (
        "DocumentArchived",
        "Dokument archivován",
        "Document archived",
    ),
    (
        "DocumentRegistered",
        "Dokument zařazen",
        "Document registered",
    ),
    ("DocumentRestored", "Dokument obnoven", "Document restored"),
    (
        "DocumentVersionAdded",
        "Nová verze dokumentu",
        "Document version added",
    ),
    ("EventCancelled", "Akce zrušena", "Event cancelled"),
    ("EventScheduled", "Akce naplánována", "Event scheduled"),
    ("FileUploaded", "Soubor nahrán", "File uploaded"),
    (
        "FileErased",
        "Soubor smazán s autorem",
        "File erased with its author",
    ),
    (
        "ForumAuthorErased",
        "Autor ve fóru vymazán",
        "Forum author erased",
    ),
    (
        "GrantApplicationDecided",
        "O žádosti rozhodnuto",
        "Application decided",
    ),
    (
        "GrantApplicationEvaluated",
        "Žádost hodnocena",
        "Application evaluated",
    ),
    (
        "GrantApplicationSubmitted",
        "Žádost podána",
        "Application submitted",
    ),
    (
        "GrantApplicationWithdrawn",
        "Žádost vzata zpět",
        "Application withdrawn",
    ),
    ("GrantCallAnnounced", "Výzva vyhlášena", "Call announced"),
    ("GrantCallCancelled", "Výzva zrušena", "Call cancelled"),
    (
        "GrantDecisionAmended",
        "Rozhodnutí změněno",
        "Decision amended",
    ),
    (
        "GroupFormed",
        "Pracovní skupina ustavena",
        "Working group formed",
    ),
    ("JobClosed", "Nabídka práce ukončena", "Job offer closed"),
    ("JobPosted", "Nabídka práce zveřejněna", "Job offer posted"),
    ("LinkPut", "Odkaz uložen", "Link saved"),
    ("LinkRemoved", "Odkaz odebrán", "Link removed"),
    (
        "MeasureEvaluated",
        "Opatření vyhodnoceno",
        "Measure evaluated",
    ),
    (
        "MeetingScheduled",
        "Jednání naplánováno",
        "Meeting scheduled",
    ),
    ("MemberAdded", "Člen přidán", "Member added"),
    ("MemberRemoved", "Člen odebrán", "Member removed"),
    ("MinutesRecorded", "Zápis z jednání", "Minutes recorded"),
    ("NeedNormSet", "Norma potřeby stanovena", "Need norm set"),
    ("NewsCorrected", "Aktualita opravena", "News corrected"),
    ("NewsPublished", "Aktualita zveřejněna", "News published"),
    ("NewsWithdrawn", "Aktualita stažena", "News withdrawn"),
    (
        "NotificationDecided",
        "Zpráva rozhodnuta",
        "Message decided",
    ),
    (
        "NotificationFailed",
        "Zprávu se nepodařilo doručit",
        "Message failed",
    ),
    ("NotificationSent", "Zpráva odeslána", "Message sent"),
    (
        "NotificationSuppressed",
        "Zpráva neodeslána",
        "Message not sent",
    ),
    (
        "NotificationsTurnedOff",
        "Zprávy odhlášeny",
        "Messages turned off",
    ),
    (
        "NotificationsTurnedOn",
        "Zprávy přihlášeny",
        "Messages turned on",
    ),
    ("PasswordChanged", "Heslo změněno", "Password changed"),
    (
        "PasswordLinkRequested",
        "Odkaz na nastavení hesla vyžádán",
        "Password link asked for",
    ),
    ("PlanCreated", "Plán založen", "Plan created"),
    (
        "SubscriptionCancelled",
        "Odběr zrušen",
        "Subscription cancelled",
    ),
    (
        "SubscriptionConfirmed",
        "Odběr potvrzen",
        "Subscription confirmed",
    ),
    (
        "SubscriptionRequested",
        "Odběr vyžádán",
        "Subscription asked for",
    ),
    ("PostEdited", "Příspěvek upraven", "Post edited"),
    ("PostHidden", "Příspěvek skryt", "Post hidden"),
    ("PostRestored", "Příspěvek obnoven", "Post restored"),
    ("PostWritten", "Příspěvek napsán", "Post written"),
    (
        "ProviderDetailsChanged",
        "Údaje poskytovatele změněny",
        "Provider details changed",
    ),
    (
        "ProviderEnded",
        "Poskytovatel ukončil činnost",
        "Provider ended",
    ),
    (
        "ProviderRegistered",
        "Poskytovatel zaregistrován",
        "Provider registered",
    ),
    (
        "ProviderResumed",
        "Poskytovatel obnovil činnost",
        "Provider resumed",
    ),
    (
        "ProviderSuspended",
        "Činnost poskytovatele pozastavena",
        "Provider suspended",
    ),
    (
        "ProviderVerified",
        "Údaje poskytovatele ověřeny",
        "Provider verified",
    ),
    (
        "RegionalContactChanged",
        "Kontakt v kraji změněn",
        "Regional contact changed",
    ),
    (
        "RegionalContactPublished",
        "Kontakt v kraji zveřejněn",
        "Regional contact published",
    ),
    (
        "RegionalContactWithdrawn",
        "Kontakt v kraji stažen",
        "Regional contact withdrawn",
    ),
    (
        "RegistryContentsRecorded",
        "Obsah registru zaznamenán",
        "Registry contents recorded",
    ),
    (
        "RevisionApproved",
        "Změna plánu schválena",
        "Revision approved",
    ),
    (
        "RevisionCommented",
        "Změna plánu připomínkována",
        "Revision commented",
    ),
    (
        "RevisionProposed",
        "Změna plánu navržena",
        "Revision proposed",
    ),
    (
        "RevisionRejected",
        "Změna plánu zamítnuta",
        "Revision rejected",
    ),
    ("RoleGranted", "Role udělena", "Role granted"),
    ("RoleRevoked", "Role odebrána", "Role revoked"),
    ("ServiceChanged", "Služba změněna", "Service changed"),
    ("ServiceEnded", "Služba ukončena", "Service ended"),
    (
        "ServiceRegistered",
        "Služba zaregistrována",
        "Service registered",
    ),
    ("ServiceResumed", "Služba obnovena", "Service resumed"),
    (
        "ServiceSuspended",
        "Služba pozastavena",
        "Service suspended",
    ),
    (
        "ServiceVerified",
        "Údaje služby ověřeny",
        "Service verified",
    ),
    ("SessionEnded", "Přihlášení ukončeno", "Session ended"),
    ("SurveyAnswered", "Anketa zodpovězena", "Survey answered"),
    ("SurveyClosed", "Anketa uzavřena", "Survey closed"),
    ("SurveyDefined", "Anketa připravena", "Survey defined"),
    ("SurveyOpened", "Anketa otevřena", "Survey opened"),
    ("ThreadHidden", "Vlákno skryto", "Thread hidden"),
    ("ThreadLocked", "Vlákno uzamčeno", "Thread locked"),
    ("ThreadOpened", "Vlákno založeno", "Thread opened"),
    ("ThreadRestored", "Vlákno obnoveno", "Thread restored"),
    ("ThreadUnlocked", "Vlákno odemčeno", "Thread unlocked"),
    (
        "VacancyReported",
        "Nahlášena volná místa",
        "Free places reported",
    ),
];

/// The name of an event type; an unknown one as its words ("Some Thing Done").
pub fn event_name(event_type: &str, lang: Lang) -> String {
    EVENT_NAMES
        .iter()
        .find(|(t, _, _)| *t == event_type)
        .map_or_else(
            || {
                let mut words = String::new();
                for c in event_type.chars() {
                    if c.is_uppercase() && !words.is_empty() {
                        words.push(' ');
                    }
                    words.push(c);
                }
                words
            },
            |(_, cs, en)| lang.tr(cs, en).to_string(),
        )
}

/// The name of a role as the events record it (`social_curator`).
pub fn role_name(role: &str, lang: Lang) -> &str {
    let t = lang.texts();
    match role {
        "administrator" => t.role_administrator,
        "provider" => t.role_provider,
        "methodologist" => t.methodologist,
        "social_curator" => t.social_curator,
        "commissioner" => t.role_commissioner,
        "analyst" => t.role_analyst,
        "auditor" => t.role_auditor,
        "system" => lang.tr("systém", "the system"),
        "anonymous" | "public" => lang.tr("veřejnost", "the public"),
        "notifications" => lang.tr("zprávy portálu", "the portal's messages"),
        "recipient" => lang.tr("příjemce zpráv", "a recipient of messages"),
        "account" => lang.tr("účet", "the account"),
        other => other,
    }
}

/// An event as a row of the table.
struct Row {
    version: u64,
    /// When it was recorded, Prague time (or as recorded, when unreadable).
    when: String,
    who: String,
    what: String,
    description: String,
    /// Its data, a field a line (`changes.phones: […]`).
    fields: Vec<(String, String)>,
    /// Its data as recorded.
    payload: String,
}

/// A scalar as people read it (a string without its quotes).
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The filled-in leaves of a JSON value by their paths
/// (`details.facilities[0].address.city`); a list of plain values on one line.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&path, v, out);
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            if !items.is_empty() {
                let line: Vec<String> = items.iter().map(scalar).collect();
                out.push((prefix.to_string(), line.join(", ")));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

impl Row {
    fn of(e: &Entry, lang: Lang) -> Self {
        let when = OffsetDateTime::parse(&e.recorded_at, &Rfc3339)
            .map_or_else(|_| e.recorded_at.clone(), super::format::day_time);
        let who = match e.actor.account_id.as_str() {
            "system" | "anonymous" => role_name(&e.actor.role, lang).to_string(),
            account => format!("{} ({account})", role_name(&e.actor.role, lang)),
        };
        let mut fields = Vec::new();
        leaves("", &e.payload, &mut fields);
        Self {
            version: e.version,
            when,
            who,
            what: event_name(&e.event_type, lang),
            description: e.description.clone(),
            fields,
            payload: serde_json::to_string_pretty(&e.payload).unwrap_or_default(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "roles/history.html")]
struct HistoryPage<'a> {
    frame: Frame<'a>,
    stream: String,
    rows: Vec<Row>,
}

/// The history's parameters.
#[derive(Debug, serde::Deserialize)]
pub struct HistoryParams {
    typ: String,
    id: String,
}

/// `GET /moje/historie?typ=&id=`: every event of a record, oldest first, as the audit API gives them.
pub async fn history(
    State(state): State<QueryState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    params: Result<Query<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let title = lang.texts().record_history;
    let Some(visitor) = session::visitor(&state, &headers).await else {
        return session::to_login(lang);
    };
    let Ok(Query(p)) = params else {
        return super::alert(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            title,
            "/moje",
            lang.tr("Chybí druh a číslo záznamu (typ, id).", "typ, id: required"),
        );
    };
    let commands = match session::commands(&state, lang, title) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let path = format!(
        "/audit/streams/{}/{}",
        super::self_service::urlencode(&p.typ),
        super::self_service::urlencode(&p.id)
    );
    let answer = match commands
        .send(Method::GET, &path, Some(&visitor.token), &[], None)
        .await
    {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title, &e),
    };
    if !answer.status.is_success() {
        return super::alert(answer.status, lang, title, "/moje", &answer.refusal(lang));
    }
    let history: History = match serde_json::from_value(answer.body) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "the audit API's history did not read");
            return super::alert(
                StatusCode::BAD_GATEWAY,
                lang,
                title,
                "/moje",
                &e.to_string(),
            );
        }
    };
    super::page::render(&HistoryPage {
        frame: Frame {
            lang,
            title,
            path: "/moje/historie",
        },
        rows: history.events.iter().map(|e| Row::of(e, lang)).collect(),
        stream: history.stream,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variants of the `pub enum …Event` of `source`.
    fn event_types_in(source: &str, out: &mut Vec<String>) {
        let mut inside = false;
        for line in source.lines() {
            if line.starts_with("pub enum ") && line.contains("Event {") {
                inside = true;
            } else if inside && line.starts_with('}') {
                inside = false;
            } else if inside {
                // A variant: four spaces, then its name.
                let name: String = line
                    .strip_prefix("    ")
                    .filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
                    .map(|rest| {
                        rest.chars()
                            .take_while(char::is_ascii_alphanumeric)
                            .collect()
                    })
                    .unwrap_or_default();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        }
    }

    #[test]
    fn every_event_type_of_the_domain_has_its_names() {
        let mut types = Vec::new();
        for source in super::super::domain_sources() {
            event_types_in(&source, &mut types);
        }
        assert!(types.len() > 70, "{types:?}");
        let unnamed: Vec<&String> = types
            .iter()
            .filter(|t| !EVENT_NAMES.iter().any(|(name, _, _)| name == t))
            .collect();
        assert!(unnamed.is_empty(), "no names for {unnamed:?}");
    }

    #[test]
    fn event_types_and_roles_are_named() {
        let mut types: Vec<&str> = EVENT_NAMES.iter().map(|(t, _, _)| *t).collect();
        let listed = types.len();
        types.sort_unstable();
        types.dedup();
        assert_eq!(types.len(), listed, "each type once");
        assert_eq!(
            event_name("VacancyReported", Lang::Cs),
            "Nahlášena volná místa"
        );
        assert_eq!(
            event_name("VacancyReported", Lang::En),
            "Free places reported"
        );
        assert_eq!(
            event_name("SomethingNewHappened", Lang::Cs),
            "Something New Happened"
        );
        assert_eq!(role_name("social_curator", Lang::Cs), "sociální kurátor/ka");
        let mut fields = Vec::new();
        leaves(
            "",
            &serde_json::json!({
                "changes": {"phones": ["+420 1", "+420 2"], "name": "Azyl", "webs": [], "note": ""},
                "forms": [{"form": "pob"}],
                "note": null,
                "n": 3
            }),
            &mut fields,
        );
        assert_eq!(
            fields,
            [
                ("changes.name".to_string(), "Azyl".to_string()),
                ("changes.phones".to_string(), "+420 1, +420 2".to_string()),
                ("forms[0].form".to_string(), "pob".to_string()),
                ("n".to_string(), "3".to_string()),
            ]
        );
    }
}
