//! The registry of providers and their social services, vacancies included,
//! and the supplementary directory of facilities outside the registry.

pub mod directory;
pub mod provider;
pub mod service;
