//! The registry of providers and their social services, vacancies included,
//! the supplementary directory of facilities outside the registry and the
//! official regional contacts (methodologists, social curators).

pub mod directory;
pub mod provider;
pub mod regional_contact;
pub mod service;
