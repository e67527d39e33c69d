//! The query service: the HTTP API for reads (registry, map, statistics,
//! audit, open data) over the read models and the statistics store.

pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::{api_router, Application};
