//! The parameters of a token request, and HTTP Basic client authentication.

use base64::{Engine, engine::general_purpose::STANDARD};
use http::{HeaderMap, header};

use crate::oauth_error::OAuthError;

/// The parameters of a token (or revocation) request, each at most once (RFC 6749, 3.2).
#[derive(Default)]
pub(crate) struct TokenRequest {
    pub grant_type: Option<String>,
    /// The client: from HTTP Basic or the body.
    pub client_id: String,
    /// Absent for a public client, which does not authenticate.
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    /// Revocation: the token to revoke.
    pub token: Option<String>,
}

pub(crate) fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::InvalidRequest(
            "send the parameters as application/x-www-form-urlencoded".into(),
        ));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::InvalidRequest("the form body is malformed".into()))?;
    let mut request = TokenRequest::default();
    let mut client_id = None;
    for (name, value) in pairs {
        // RFC 6749 (3.1): a parameter without a value counts as omitted.
        if value.is_empty() {
            continue;
        }
        let slot = match name.as_str() {
            "grant_type" => &mut request.grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut request.client_secret,
            "scope" | "scopes" => &mut request.scope,
            "code" => &mut request.code,
            "redirect_uri" => &mut request.redirect_uri,
            "code_verifier" => &mut request.code_verifier,
            "refresh_token" => &mut request.refresh_token,
            "token" => &mut request.token,
            _ => continue, // RFC 6749: unknown parameters are ignored.
        };
        if slot.replace(value).is_some() {
            return Err(OAuthError::InvalidRequest(format!(
                "the parameter '{name}' must be sent once"
            )));
        }
    }
    let basic = basic_credentials(headers)?;
    let (id, secret) = match (basic, client_id, request.client_secret.take()) {
        (Some(_), _, Some(_)) => {
            return Err(OAuthError::InvalidRequest(
                "authenticate the client once: with HTTP Basic or with client_id and client_secret in the body, not both".into(),
            ));
        }
        // Naming the client beside its Basic credentials is identification, not a
        // second authentication, as long as it names the same client.
        (Some((id, _)), Some(named), None) if named != id => {
            return Err(OAuthError::InvalidRequest(
                "client_id names another client than the HTTP Basic credentials".into(),
            ));
        }
        (Some((id, secret)), _, None) => (id, Some(secret)),
        (None, Some(id), secret) => (id, secret),
        (None, None, _) => {
            return Err(OAuthError::NoClientAuthentication(
                "identify the client: HTTP Basic, or client_id (and client_secret for a confidential client) in the body"
                    .into(),
            ));
        }
    };
    request.client_id = id;
    request.client_secret = secret;
    Ok(request)
}

/// HTTP Basic client credentials, form-decoded as RFC 6749 (2.3.1) requires.
pub(crate) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    // The client tried to authenticate with the header: 401, with the challenge.
    let malformed = || {
        OAuthError::NoClientAuthentication(
            "the Authorization header is not valid HTTP Basic: base64 of client_id:client_secret"
                .into(),
        )
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let form_decode = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
            .ok_or_else(malformed)
    };
    Ok(Some((form_decode(id)?, form_decode(secret)?)))
}
