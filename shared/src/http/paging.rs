use serde::Serialize;

use crate::error::{ApiError, FieldError};

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u16,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u16 = 20;
    pub const MAX_LIMIT: u16 = 100;

    pub fn first(limit: u16) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }
}

impl TryFrom<(Option<String>, Option<String>)> for PageRequest {
    type Error = ApiError;

    fn try_from((limit, cursor): (Option<String>, Option<String>)) -> Result<Self, ApiError> {
        let limit = match limit.as_deref() {
            None => Self::DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .filter(|l| (1..=Self::MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "limit",
                        "must be a whole number from 1 to 100",
                    )])
                })?,
        };
        let cursor = cursor.filter(|c| !c.is_empty());
        Ok(Self { limit, cursor })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(limit: Option<&str>) -> Result<PageRequest, ApiError> {
        PageRequest::try_from((limit.map(str::to_owned), None))
    }

    #[test]
    fn limit_defaults_to_20_and_is_bounded() {
        assert_eq!(req(None).unwrap().limit, 20);
        assert_eq!(req(Some("100")).unwrap().limit, 100);
        for bad in ["0", "101", "-1", "ten"] {
            assert!(req(Some(bad)).is_err(), "{bad}");
        }
    }
}
