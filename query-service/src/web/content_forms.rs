//! The signed-in forms of content: a provider posts and closes its job
//! offers; the organisers of a territory (methodologists of a kraj,
//! commissioners) schedule and cancel its calendar's events and register
//! its documents. Times are typed in Czech local time (CET/CEST).

use super::actions::{one_or_many, typed};
use super::commands::Command;
use super::format::filters;
use super::format::prague;
use super::page::{Frame, Lang};
use super::uploads::{attachments, uploaded};
use crate::index::Index;
use command_api::content::{PostBody, ScheduleBody};
use command_api::library::RegisterBody;
use events::content::calendar::CalendarEntry;
use events::content::jobs::Posting;
use events::content::library::{DocumentInfo, DocumentVersion};
use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A `datetime-local` field (`2026-12-01T14:00`), Czech local time, as an instant.
fn instant(name: &str, value: &str) -> Result<OffsetDateTime, String> {
    let v = value.trim();
    let local = PrimitiveDateTime::parse(
        v,
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .map_err(|_| format!("{name}: {v:?} is not a day and time"))?;
    Ok(prague(local))
}

const EVENT_KINDS: [(&str, &str, &str); 4] = [
    ("meeting", "jednání", "meeting"),
    ("workshop", "dílna", "workshop"),
    ("conference", "konference", "conference"),
    ("round_table", "kulatý stůl", "round table"),
];

/// `<option>`s of a list of codes with their Czech and English names.
/// A code list's options in the page's language: code and name.
fn coded_options(
    list: &[(&'static str, &'static str, &'static str)],
    lang: Lang,
) -> Vec<(&'static str, &'static str)> {
    list.iter()
        .map(|(code, cs, en)| (*code, lang.tr(cs, en)))
        .collect()
}

/// The kinds of documents: code, Czech, English.
pub const DOC_KINDS: [(&str, &str, &str); 6] = [
    ("minutes", "zápis", "minutes"),
    ("plan", "plán", "plan"),
    ("report", "zpráva", "report"),
    ("analysis", "analýza", "analysis"),
    ("methodology", "metodika", "methodology"),
    ("other", "jiný", "other"),
];

/// The name of a kind of document (the code when unknown).
pub fn doc_kind_name(lang: Lang, code: &str) -> String {
    DOC_KINDS.iter().find(|(c, _, _)| *c == code).map_or_else(
        || code.to_string(),
        |(_, cs, en)| lang.tr(cs, en).to_string(),
    )
}

#[derive(askama::Template)]
#[template(path = "forms/jobs.html")]
struct JobsSection<'a> {
    frame: Frame<'a>,
    jobs: Vec<&'a read_models::content::JobView>,
    providers: &'a [String],
}

/// A provider's job offers.
pub fn jobs(index: &Index, providers: &[String], lang: Lang) -> String {
    let today = OffsetDateTime::now_utc().date();
    let mut jobs: Vec<_> = index
        .jobs
        .values()
        .filter(|j| providers.contains(&j.posting.provider_ico) && j.posting.expires_on >= today)
        .collect();
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    askama::Template::render(&JobsSection {
        frame: Frame::section(lang),
        jobs,
        providers,
    })
    .unwrap_or_default()
}

#[derive(askama::Template)]
#[template(path = "forms/organiser.html")]
struct OrganiserSection<'a> {
    frame: Frame<'a>,
    territory: &'a str,
    /// The territory's name.
    place: String,
    events: Vec<&'a read_models::content::EventView>,
    event_kinds: Vec<(&'static str, &'static str)>,
    doc_kinds: Vec<(&'static str, &'static str)>,
}

/// An organiser's calendar and documents for `territory`.
pub fn organiser(index: &Index, territory: &str, lang: Lang) -> String {
    let now = OffsetDateTime::now_utc();
    let mut events: Vec<_> = index
        .calendar
        .values()
        .filter(|e| {
            e.entry.territory == territory && e.cancelled.is_none() && e.entry.ends_at >= now
        })
        .collect();
    events.sort_by_key(|e| e.entry.starts_at);
    askama::Template::render(&OrganiserSection {
        frame: Frame::section(lang),
        territory,
        place: super::planning::territory_name(index, territory),
        events,
        event_kinds: coded_options(&EVENT_KINDS, lang),
        doc_kinds: coded_options(&DOC_KINDS, lang),
    })
    .unwrap_or_default()
}

/// A provider's job offer as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobForm {
    provider_ico: String,
    title: String,
    body: String,
    place: String,
    /// The last day it is shown.
    expires_on: String,
}

impl JobForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let posting = Posting {
            provider_ico: self.provider_ico.trim().into(),
            title: self.title.trim().into(),
            body: self.body.trim().into(),
            place: self.place.trim().into(),
            expires_on: typed("expires_on", &self.expires_on, "a day (YYYY-MM-DD)")?,
        };
        Ok(Command::post(
            "/jobs",
            &PostBody {
                job_id: None,
                posting,
            },
        ))
    }
}

/// An event of the calendar as its form posts it, its times in Czech local time.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EventForm {
    territory: String,
    kind: String,
    title: String,
    body: String,
    place: String,
    starts_at: String,
    ends_at: String,
    /// Files sent with the form.
    #[serde(deserialize_with = "one_or_many")]
    attachments: Vec<String>,
}

impl EventForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let entry = CalendarEntry {
            kind: typed("kind", &self.kind, "a kind of event")?,
            title: self.title.trim().into(),
            body: self.body.trim().into(),
            place: self.place.trim().into(),
            territory: self.territory.trim().into(),
            starts_at: instant("starts_at", &self.starts_at)?,
            ends_at: instant("ends_at", &self.ends_at)?,
            attachments: attachments("attachments", &self.attachments)?,
        };
        Ok(Command::post(
            "/calendar",
            &ScheduleBody {
                event_id: None,
                entry,
            },
        ))
    }
}

/// A document of the library as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DocumentForm {
    territory: String,
    title: String,
    kind: String,
    /// Where the file is, when it is not sent with the form.
    url: String,
    /// The file, sent with the form (then no `url`).
    file: String,
    note: String,
}

impl DocumentForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let file = uploaded("file", &self.file)?.map(|u| u.file);
        Ok(Command::post(
            "/documents",
            &RegisterBody {
                document_id: None,
                info: DocumentInfo {
                    title: self.title.trim().into(),
                    body: String::new(),
                    kind: self.kind.trim().into(),
                    territory: self.territory.trim().into(),
                },
                version: DocumentVersion {
                    url: self.url.trim().into(),
                    file,
                    note: self.note.trim().into(),
                },
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_local_time_is_read_in_prague() {
        assert_eq!(
            instant("starts_at", "2026-12-01T14:00").unwrap(),
            datetime!(2026-12-01 14:00 +1)
        );
        assert!(instant("ends_at", "").unwrap_err().starts_with("ends_at"));
    }
}
