//! `Query`: the query string as typed parameters, a bad one a 422 naming it
//! (shared with the command API: `infra::params`).

pub use infra::params::{parse, Query};
