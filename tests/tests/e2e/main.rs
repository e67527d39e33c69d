//! End-to-end tests: the services started as a user would (embedded portal,
//! and each distributed service against real PostgreSQL, NATS and
//! ClickHouse), talked to over HTTP.

mod admin;
mod audit_export;
mod authorization;
mod backup;
mod bad_input;
mod browser;
mod client;
mod content;
mod distributed;
mod embedded;
mod erasure;
mod faults;
mod file_forms;
mod files;
mod fleet;
mod forum;
mod fuzz;
mod grants;
mod helpers;
mod import;
mod notifications;
mod open_data;
mod openapi;
mod operations;
mod plans;
mod read_side;
mod registry;
mod replicas;
mod security;
mod statistics;
mod subscriptions;
mod surveys;
mod upgrade;
mod web;
mod web_forms;
