//! Validated domain values of the registry: IČO, postcode, WGS84 location,
//! address, contacts and the MPSV code lists.

pub mod address;
pub mod codes;
pub mod geo;
pub mod ico;

/// The largest amount of money any field accepts, in CZK (a trillion: more than
/// a year of the state's social spending), so that sums cannot overflow.
pub const MAX_AMOUNT_CZK: i64 = 1_000_000_000_000;

pub use address::{Address, Contacts};
pub use codes::{CapacityUnit, Form, ServiceKind};
pub use geo::Location;
pub use ico::Ico;
