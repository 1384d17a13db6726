use axum::{
    body::Body,
    extract::{FromRequest, Request},
};
use http::header;
use serde::{Deserialize, Deserializer, de::DeserializeOwned};

use crate::error::{ApiError, FieldError};

/// Bodies larger than this are refused with 413 before they are parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body: `application/json` only, at most 64 KiB, and deserialized into a
/// type that rejects unknown fields. Errors name the field at fault.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        let is_json = essence.eq_ignore_ascii_case("application/json")
            || essence.to_ascii_lowercase().ends_with("+json");
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let bytes = axum::body::to_bytes(Body::new(req.into_body()), MAX_BODY_BYTES)
            .await
            .map_err(|_| ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses a JSON document, telling syntax errors (400) from content errors (422 with the
/// path of the field at fault).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize(&mut *deserializer) {
        // Anything but whitespace after the document would be silently dropped.
        Ok(value) => deserializer.end().map(|()| value).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body goes on after its JSON object (line {}, column {}): send a single JSON object",
                e.line(),
                e.column()
            ))
        }),
        Err(error) => {
            let path = dotted(error.path());
            let inner = error.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let (field, message) = describe_data_error(&path, &inner.to_string());
                    Err(ApiError::Validation(vec![FieldError::new(field, message)]))
                }
                _ => Err(ApiError::BadRequest(format!(
                    "the body is not valid JSON (line {}, column {}): send a single JSON object",
                    inner.line(),
                    inner.column()
                ))),
            }
        }
    }
}

/// serde's messages end with " at line L column C"; the path already says where.
fn describe_data_error(path: &str, message: &str) -> (String, String) {
    let message = match message.rfind(" at line ") {
        Some(pos) => &message[..pos],
        None => message,
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends at the unknown field.
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path.ends_with(name) {
            path.to_owned()
        } else {
            join_path(path, name)
        };
        return (field, "is not a known field: remove it".to_owned());
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return (join_path(path, name), "is required".to_owned());
    }
    let field = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    (field, message.to_owned())
}

/// The path as the rules name fields (`addresses.0.street`), `.` for the body itself;
/// serde_path_to_error writes list positions as `addresses[0]`.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = path
        .iter()
        .map(|segment| match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".to_owned(),
        })
        .collect();
    if segments.is_empty() {
        ".".to_owned()
    } else {
        segments.join(".")
    }
}

fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// For PATCH fields that cannot be removed: `null` is refused by name, where serde would
/// read it as absent and the change would silently not happen.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom(
            "cannot be null: it cannot be removed; leave it out to keep its value",
        )),
    }
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Name;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: Name,
        #[serde(default, deserialize_with = "nullable")]
        parent: Option<Option<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Patch {
        #[serde(default, deserialize_with = "present")]
        name: Option<Name>,
    }

    #[test]
    fn a_field_that_cannot_be_removed_refuses_null_by_name() {
        let absent: Patch = parse_json(b"{}").unwrap();
        assert!(absent.name.is_none());
        let given: Patch = parse_json(br#"{"name":"a"}"#).unwrap();
        assert_eq!(given.name.unwrap().as_str(), "a");
        match parse_json::<Patch>(br#"{"name":null}"#) {
            Err(ApiError::Validation(errors)) => {
                assert_eq!(errors[0].field, "name");
                assert!(
                    errors[0].message.contains("leave it out"),
                    "{}",
                    errors[0].message
                );
            }
            other => panic!("{other:?}"),
        }
    }

    fn errors(result: Result<Body, ApiError>) -> Vec<FieldError> {
        match result {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_body_that_goes_on_after_its_object_is_refused() {
        for body in [
            &br#"{"name":"a"}garbage"#[..],
            br#"{"name":"a"}{"name":"b"}"#,
        ] {
            assert!(
                matches!(parse_json::<Body>(body), Err(ApiError::BadRequest(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(parse_json::<Body>(b"{\"name\":\"a\"}\n  ").is_ok());
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = errors(parse_json(br#"{"name":"a","nmae":"b"}"#));
        assert_eq!(e[0].field, "nmae");
        assert!(e[0].message.contains("remove"));
    }

    #[test]
    fn missing_and_invalid_fields_are_named() {
        assert_eq!(errors(parse_json(br#"{}"#))[0].field, "name");
        let e = errors(parse_json(br#"{"name":"  "}"#));
        assert_eq!(e[0].field, "name");
        assert_eq!(e[0].message, "must not be blank");
        assert_eq!(errors(parse_json(br#"{"name":5}"#))[0].field, "name");
    }

    #[test]
    fn list_positions_are_named_as_the_rules_name_them() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Lists {
            #[allow(dead_code)]
            names: Vec<Vec<Name>>,
        }
        for (body, field) in [
            (&br#"{"names":[["a"],["b", 5]]}"#[..], "names.1.1"),
            (br#"{"names":[["a"]], "extra": 1}"#, "extra"),
            (br#"{"names":[[" "]]}"#, "names.0.0"),
        ] {
            match parse_json::<Lists>(body) {
                Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse_json::<Body>(br#"{"name":"#),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn null_differs_from_absent() {
        let absent: Body = parse_json(br#"{"name":"a"}"#).unwrap();
        assert_eq!(absent.name.as_str(), "a");
        assert_eq!(absent.parent, None);
        let null: Body = parse_json(br#"{"name":"a","parent":null}"#).unwrap();
        assert_eq!(null.parent, Some(None));
    }
}
