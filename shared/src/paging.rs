//! Paged lists, as the ports take and answer them: a page size and an opaque cursor
//! in, the items and the next cursor out. The HTTP edge parses `?limit=&cursor=`
//! into a [`PageRequest`] (`crate::http`).

use serde::Serialize;

/// A page request whose limit is within bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u16,
    pub cursor: Option<String>,
}

/// A page size outside `1..=MAX_LIMIT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number from 1 to {max}", max = PageRequest::MAX_LIMIT)]
pub struct LimitOutOfRange;

impl PageRequest {
    pub const DEFAULT_LIMIT: u16 = 20;
    pub const MAX_LIMIT: u16 = 100;

    pub fn first(limit: u16) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }

    /// A request for `limit` items (the default when absent) after `cursor`; an empty
    /// cursor is the first page.
    pub fn parse(limit: Option<&str>, cursor: Option<String>) -> Result<Self, LimitOutOfRange> {
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .filter(|l| (1..=Self::MAX_LIMIT).contains(l))
                .ok_or(LimitOutOfRange)?,
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

    fn req(limit: Option<&str>) -> Result<PageRequest, LimitOutOfRange> {
        PageRequest::parse(limit, None)
    }

    #[test]
    fn limit_defaults_to_20_and_is_bounded() {
        assert_eq!(req(None).unwrap().limit, 20);
        assert_eq!(req(Some("100")).unwrap().limit, 100);
        assert_eq!(req(Some("1")).unwrap().limit, 1);
        for bad in ["0", "101", "-1", "ten"] {
            assert_eq!(req(Some(bad)), Err(LimitOutOfRange), "{bad}");
        }
    }

    #[test]
    fn an_empty_cursor_is_the_first_page() {
        assert_eq!(
            PageRequest::parse(None, Some(String::new()))
                .unwrap()
                .cursor,
            None
        );
        assert_eq!(
            PageRequest::parse(None, Some("abc".into()))
                .unwrap()
                .cursor
                .as_deref(),
            Some("abc")
        );
    }
}
