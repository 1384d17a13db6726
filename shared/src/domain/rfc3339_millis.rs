//! Timestamps as RFC 3339 UTC with exactly three fraction digits
//! (`2026-11-28T21:27:06.750Z`), so they also sort as text. Any RFC 3339 is read.

use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};
use time::{
    OffsetDateTime, UtcOffset, format_description::FormatItem,
    format_description::well_known::Rfc3339, macros::format_description,
};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

pub fn format(at: &OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_default()
}

pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let text = at
        .to_offset(UtcOffset::UTC)
        .format(FORMAT)
        .map_err(S::Error::custom)?;
    serializer.serialize_str(&text)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom)
}

pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        at: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn always_three_digits_in_utc() {
        assert_eq!(
            super::format(&datetime!(2026-11-28 21:27:06.75 UTC)),
            "2026-11-28T21:27:06.750Z"
        );
        assert_eq!(
            super::format(&datetime!(2026-11-28 22:27:06 +01:00)),
            "2026-11-28T21:27:06.000Z"
        );
    }
}
