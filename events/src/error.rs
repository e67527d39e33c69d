//! Why a command is refused: invalid fields (each named), or a rule of the
//! aggregate's current state. Mapped to HTTP 422/409/404 by the services.

use serde::Serialize;

/// One invalid field of a command, named by its path (`facilities[1].location.lat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path in the command's JSON.
    pub field: String,
    /// Why it is refused.
    pub reason: String,
}

/// A refusal of `decide`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Fields are invalid; each is named.
    #[error("invalid command: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The aggregate does not exist.
    #[error("{0} does not exist")]
    NotFound(String),
    /// The aggregate exists already.
    #[error("{0} exists already")]
    AlreadyExists(String),
    /// The command is not allowed in the aggregate's current state.
    #[error("{0}")]
    Rejected(String),
}

/// Collects field errors while a command is checked.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` is invalid.
    pub fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            reason: reason.into(),
        });
    }

    /// Records `result`'s error under `field`, if any.
    pub fn check<T>(&mut self, field: impl Into<String>, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(reason) => {
                self.add(field, reason);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every violation.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

/// Checks a required text: trimmed, not empty, at most `max` characters.
///
/// # Errors
/// The reason, when it is empty or too long.
pub fn required_text(value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    optional_text(value, max)
}

/// Checks an optional text: at most `max` characters, no control characters but newlines.
///
/// # Errors
/// The reason, when it is too long or holds control characters.
pub fn optional_text(value: &str, max: usize) -> Result<(), String> {
    if value.chars().count() > max {
        return Err(format!("must be at most {max} characters long"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("must not contain control characters".into());
    }
    Ok(())
}
