//! Surveys: a methodologist writes a questionnaire for an audience of
//! providers, opens and closes it; each invited provider answers once (a
//! later answer replaces the earlier one until the survey closes). In an
//! anonymous survey nothing links an answer to its respondent.

pub mod response;
pub mod survey;
