//! Grant procedures: a call (budget, eligible kinds of service, criteria
//! with weights, deadline) and the applications to it (requested amount,
//! budget lines, the service concerned), evaluated by criteria, decided and
//! amended by commissioners, each step an event with its actor.

pub mod application;
pub mod call;
