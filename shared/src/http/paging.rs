//! `?limit=&cursor=` at the edge: a limit out of range is a field error naming `limit`.

use crate::{
    error::{ApiError, FieldError},
    paging::PageRequest,
};

impl TryFrom<(Option<String>, Option<String>)> for PageRequest {
    type Error = ApiError;

    fn try_from((limit, cursor): (Option<String>, Option<String>)) -> Result<Self, ApiError> {
        PageRequest::parse(limit.as_deref(), cursor)
            .map_err(|e| ApiError::Validation(vec![FieldError::new("limit", e.to_string())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_limit_names_the_parameter() {
        match PageRequest::try_from((Some("0".to_owned()), None)) {
            Err(ApiError::Validation(errors)) => {
                assert_eq!(
                    errors,
                    [FieldError::new(
                        "limit",
                        "must be a whole number from 1 to 100"
                    )]
                );
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
