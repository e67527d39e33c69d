//! Importers of published data into commands: the MPSV registry file.

pub mod rpss;
