//! The read models: the documents the projection service writes and the
//! query service reads, the collections that hold them, and the pure folds
//! that build each document from the events of its stream. No I/O: the
//! projection service loads a document, folds an event into it with these
//! functions and commits the result with its checkpoint.

pub mod content;
pub mod forum;
pub mod grants;
pub mod plans;
pub mod registry;
pub mod surveys;

/// What becomes of a document after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<V> {
    /// It is written as this.
    Put(V),
    /// It leaves its collection.
    Delete,
    /// It stays as it was (or absent).
    Unchanged,
}

impl<V> From<Option<V>> for Next<V> {
    fn from(view: Option<V>) -> Self {
        view.map_or(Self::Unchanged, Self::Put)
    }
}
