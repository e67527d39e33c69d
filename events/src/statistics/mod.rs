//! Settings of the statistics: the norms that turn population into an
//! estimated need of a kind of service, versioned by the day they apply from.

pub mod need_norm;
