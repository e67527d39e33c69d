//! Community planning: the community plan of a territory with its
//! revisions (proposed, commented, approved or rejected by commissioners)
//! and the yearly evaluation of its measures.

pub mod group;
pub mod plan;
