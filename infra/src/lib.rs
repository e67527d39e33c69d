//! Adapters and shared plumbing of the portal's services: the event store
//! (PostgreSQL and embedded SQLite), connections to NATS and ClickHouse,
//! settings, telemetry, metrics, graceful shutdown and HTTP errors.

pub mod bus;
pub mod clickhouse;
pub mod codelists;
pub mod connect;
pub mod credentials;
pub mod event_store;
pub mod files;
pub mod http;
pub mod leader;
pub mod mail;
pub mod metrics;
pub mod nats;
pub mod params;
pub mod personal;
pub mod ports;
pub mod postgres;
pub mod problem;
pub mod projections;
pub mod read_model;
pub mod settings;
pub mod shutdown;
pub mod spreadsheet;
pub mod sqlite;
pub mod stats;
pub mod telemetry;
pub mod territory;
pub mod tokens;
