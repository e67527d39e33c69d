//! The portal's content: regional news (by methodologists of the kraj),
//! the calendar of events, job postings of registered providers, and the
//! library: documents with versions and an archive, links, awards.

pub mod calendar;
pub mod jobs;
pub mod library;
pub mod news;

use crate::error::{optional_text, required_text, Violations};

/// Checks a title (required, ≤ 300) and a body (≤ `max`).
pub(crate) fn check_text(v: &mut Violations, title: &str, body: &str, max: usize) {
    v.check("title", required_text(title, 300));
    v.check("body", optional_text(body, max));
}
