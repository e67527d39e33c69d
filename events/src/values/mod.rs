//! Validated domain values of the registry: IČO, postcode, WGS84 location,
//! address, contacts and the MPSV code lists.

pub mod address;
pub mod codes;
pub mod geo;
pub mod ico;

pub use address::{Address, Contacts};
pub use codes::{CapacityUnit, Form, ServiceKind};
pub use geo::Location;
pub use ico::Ico;
