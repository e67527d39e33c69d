//! The registry of providers and their social services, vacancies included,
//! the supplementary directory of facilities outside the registry, the
//! official regional contacts (methodologists, social curators) and the
//! ledger of imports of the national registry.

pub mod directory;
pub mod import;
pub mod provider;
pub mod regional_contact;
pub mod service;
