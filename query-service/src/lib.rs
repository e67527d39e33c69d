//! The query service: the HTTP API for reads (registry, map, statistics,
//! audit, open data) over the read models and the statistics store.

// Handlers return `Problem` (RFC 9457, ~130 bytes) once per failed request:
// boxing it would cost an allocation and buy nothing.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod area_counts;
pub mod facts;
pub mod figures;
pub mod hsds;
pub mod index;
pub mod indexer;
pub mod places;
pub mod postings;
pub mod settings;
pub mod startup;
pub mod synonyms;
pub mod text;
pub mod web;

pub use api::QueryState;
pub use settings::Settings;
pub use startup::{api_router, hsds_router, web_router, Application};
