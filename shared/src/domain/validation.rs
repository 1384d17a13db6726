//! Field problems of a request, collected so that one answer names every one of them.
//! The rules say which field and what to do; the HTTP edge renders them
//! (`crate::error::ApiError`).

use serde::Serialize;

use super::InvalidValue;

/// A problem with one field of the request, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as a dotted path into the body (`addresses.0.country`) or a query parameter.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Fields that broke their rules: nothing may be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request has invalid fields")]
pub struct InvalidFields(pub Vec<FieldError>);

/// Collects field errors so that one response names every problem of a request.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    /// Keeps the value, or records why it was refused under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, InvalidValue>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(FieldError::new(field, error.0));
                None
            }
        }
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The problems recorded so far, as the refusal of the request, for a caller that
    /// recorded one and must stop there; with none recorded, the caller broke its own
    /// rule, which is reported as such.
    #[track_caller]
    pub fn refusal(self) -> Result<InvalidFields, BrokenInvariant> {
        let at = std::panic::Location::caller();
        match self.finish() {
            Err(refused) => Ok(refused),
            Ok(()) => Err(BrokenInvariant(format!(
                "a refusal without a recorded problem at {at}"
            ))),
        }
    }

    pub fn finish(self) -> Result<(), InvalidFields> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(InvalidFields(self.errors))
        }
    }
}

/// The value a rule checked into `Some`: a `None` here is a broken invariant of this
/// code, not bad input, and is reported as such (with where it broke) instead of
/// ending the process.
#[track_caller]
pub fn checked<T>(value: Option<T>) -> Result<T, BrokenInvariant> {
    let at = std::panic::Location::caller();
    value.ok_or_else(|| BrokenInvariant(format!("a checked value is missing at {at}")))
}

/// Code that broke its own rule; the caller sees an internal error, the log sees where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BrokenInvariant(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Name;

    #[test]
    fn validation_collects_every_field() {
        let mut v = Validation::default();
        assert!(v.check("a", Name::parse("")).is_none());
        assert!(v.check("b", Name::parse("ok")).is_some());
        v.add("c", "is wrong");
        let InvalidFields(errors) = v.finish().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["a", "c"]);
    }

    #[test]
    fn a_refusal_needs_a_recorded_problem() {
        let mut v = Validation::default();
        v.add("a", "is wrong");
        assert_eq!(v.refusal().unwrap().0, [FieldError::new("a", "is wrong")]);
        assert!(Validation::default().refusal().is_err());
    }

    #[test]
    fn no_problem_is_no_error() {
        assert_eq!(Validation::default().finish(), Ok(()));
    }

    #[test]
    fn a_missing_checked_value_says_where() {
        assert_eq!(checked(Some(3)), Ok(3));
        let broken = checked::<u8>(None).unwrap_err();
        assert!(broken.0.contains("validation.rs"), "{broken}");
    }
}
