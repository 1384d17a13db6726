//! RFC 6749 client_credentials grant, with RFC 6749 JSON errors.

use axum::{
    Json,
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use shared::{
    application::{Application, GrantError, application_id_of},
    auth::{KEYS_NOT_CONFIGURED, Scope, TOKEN_LIFETIME_SECONDS, issue, lockout},
    domain::{ApplicationId, now},
    http::{MAX_BODY_BYTES, no_store},
};
use time::OffsetDateTime;

use super::TokenState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires (3600).
    pub expires_in: i64,
    /// A JWT (RFC 9068) signed with a key published at `/.well-known/jwks.json`.
    pub access_token: String,
    /// The scopes granted, space-delimited; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// An RFC 6749 error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
    /// or `temporarily_unavailable`.
    pub error: &'static str,
    pub error_description: String,
}

enum OAuthError {
    InvalidRequest(String),
    /// A body over the API's limit (413, as everywhere in the API).
    TooLarge,
    InvalidClient,
    /// No client authentication, or an Authorization header that is not HTTP Basic:
    /// 401 `invalid_client` too (RFC 6749, 5.2), saying what is missing.
    NoClientAuthentication(String),
    /// Too many failed authentications of this client or from this address.
    Locked {
        retry_after: u64,
    },
    UnsupportedGrantType,
    InvalidScope(String),
    Unavailable,
    /// The table did not answer, or refused for now: 503 with `Retry-After`.
    Outage(shared::ports::Outage),
    ServerError(String),
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            OAuthError::Locked { retry_after } => Some(*retry_after),
            OAuthError::Unavailable | OAuthError::Outage(_) => {
                Some(u64::from(shared::error::RETRY_AFTER_SECONDS))
            }
            _ => None,
        };
        let (status, error, description) = match self {
            OAuthError::InvalidRequest(d) => (StatusCode::BAD_REQUEST, "invalid_request", d),
            OAuthError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                format!("the request body is over {MAX_BODY_BYTES} bytes: a token request is a short form"),
            ),
            OAuthError::InvalidClient => (
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed: check the client id and secret, and that the application is active".to_owned(),
            ),
            OAuthError::NoClientAuthentication(d) => (StatusCode::UNAUTHORIZED, "invalid_client", d),
            OAuthError::Locked { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "temporarily_unavailable",
                "too many failed client authentications: wait for the Retry-After seconds".to_owned(),
            ),
            OAuthError::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only grant_type=client_credentials is supported".to_owned(),
            ),
            OAuthError::InvalidScope(scope) => (
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                format!("the scope '{scope}' is unknown or not granted to this application"),
            ),
            OAuthError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                KEYS_NOT_CONFIGURED.to_owned(),
            ),
            OAuthError::Outage(outage) => {
                tracing::warn!(
                    dependency = outage.dependency,
                    operation = outage.operation,
                    error = %outage,
                    "a dependency failed: answered 503"
                );
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the token service cannot reach its storage now: retry after the Retry-After seconds".to_owned(),
                )
            }
            OAuthError::ServerError(detail) => {
                tracing::error!(error = %detail, "token request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the token could not be issued: try again later".to_owned(),
                )
            }
        };
        let mut response = (
            status,
            Json(OAuthErrorBody {
                error,
                error_description: describable(&description),
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="oauth2-token""#),
            );
        }
        response
    }
}

/// `text` in the characters RFC 6749 (5.2) allows an error description, since it can
/// quote what the caller sent: any other character becomes `?`.
fn describable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e' => c,
            _ => '?',
        })
        .collect()
}

/// The parameters of a token request, each at most once (RFC 6749, 3.2).
struct TokenRequest {
    grant_type: Option<String>,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, OAuthError> {
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
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    let mut scope = None;
    for (name, value) in pairs {
        // RFC 6749 (3.1): a parameter without a value counts as omitted.
        if value.is_empty() {
            continue;
        }
        let slot = match name.as_str() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut client_id,
            "client_secret" => &mut client_secret,
            "scope" | "scopes" => &mut scope,
            _ => continue, // RFC 6749: unknown parameters are ignored.
        };
        if slot.replace(value).is_some() {
            return Err(OAuthError::InvalidRequest(format!(
                "the parameter '{name}' must be sent once"
            )));
        }
    }
    let basic = basic_credentials(headers)?;
    let (client_id, client_secret) = match (basic, client_id, client_secret) {
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
        (Some((id, secret)), _, None) => (id, secret),
        (None, Some(id), Some(secret)) => (id, secret),
        (None, None, _) => {
            return Err(OAuthError::NoClientAuthentication(
                "authenticate the client: HTTP Basic, or client_id and client_secret in the body"
                    .into(),
            ));
        }
        (None, Some(_), None) => {
            return Err(OAuthError::NoClientAuthentication(
                "client_secret is required".into(),
            ));
        }
    };
    Ok(TokenRequest {
        grant_type,
        client_id,
        client_secret,
        scope,
    })
}

/// HTTP Basic client credentials, form-decoded as RFC 6749 (2.3.1) requires.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
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

/// Issues an access token to an application that proves its client secret.
#[utoipa::path(
    post,
    path = "/oauth2-token", operation_id = "issueToken",
    tag = "oauth2",
    request_body(
        content_type = "application/x-www-form-urlencoded",
        description = "grant_type=client_credentials, client_id and client_secret (or HTTP Basic client authentication), and optionally scope (or scopes): space-delimited scopes, all held by the application; none means all it holds",
        content = String
    ),
    responses(
        (status = 200, description = "A bearer access token valid for 3600 seconds", body = TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = OAuthErrorBody),
        (status = 401, description = "invalid_client: no client authentication, an Authorization header that is not HTTP Basic, unknown client, wrong secret, inactive application or disabled owner (with WWW-Authenticate: Basic)", body = OAuthErrorBody),
        (status = 413, description = "invalid_request: the body is over 64 KiB", body = OAuthErrorBody),
        (status = 429, description = "Too many failed authentications of this client (10 in 15 minutes) or from this address: wait for Retry-After, even with the right secret", body = OAuthErrorBody),
        (status = 503, description = "temporarily_unavailable: no signing key or client-secret pepper is configured, or a service the endpoint depends on is not answering; retry after the Retry-After seconds", body = OAuthErrorBody)
    )
)]
pub async fn token(State(state): State<TokenState>, request: Request) -> Response {
    let source = shared::http::source_address(request.extensions());
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return OAuthError::TooLarge.into_response();
    };
    match grant(&state, &parts.headers, &body, &source).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// An id no application has: requests with a malformed client id read under it.
fn decoy_application_id() -> ApplicationId {
    ApplicationId::DECOY
}

async fn grant(
    state: &TokenState,
    headers: &HeaderMap,
    body: &[u8],
    source: &str,
) -> Result<Response, OAuthError> {
    let request = parse_request(headers, body)?;
    match request.grant_type.as_deref() {
        None => return Err(OAuthError::InvalidRequest("grant_type is required".into())),
        Some("client_credentials") => {}
        Some(_) => return Err(OAuthError::UnsupportedGrantType),
    }
    let requested = match request.scope.as_deref() {
        None => Vec::new(),
        Some(raw) => Scope::parse_list(raw).map_err(OAuthError::InvalidScope)?,
    };
    let keys = state.keys.get().await.map_err(|reason| {
        tracing::warn!(%reason, "token endpoint has no signing key");
        OAuthError::Unavailable
    })?;
    let Some(pepper) = state.pepper.get().await else {
        tracing::warn!("token endpoint has no client-secret pepper");
        return Err(OAuthError::Unavailable);
    };
    let server_error = |e: shared::ports::StoreError| match e {
        shared::ports::StoreError::Unavailable(outage) => OAuthError::Outage(outage),
        other => OAuthError::ServerError(other.to_string()),
    };
    let now = now();
    let epoch = now.unix_timestamp();
    let well_formed = application_id_of(&request.client_id);
    // Only a well-formed id is logged: a caller who swapped id and secret must not put
    // the secret in the logs.
    let client_id = match well_formed {
        Some(_) => request.client_id.as_str(),
        None => "(malformed)",
    };
    // A malformed client id reads (and counts against) the source alone.
    let application_id = well_formed.unwrap_or_else(decoy_application_id);
    let (application, source_failures) = state
        .applications
        .application_for_token(application_id, source)
        .await
        .map_err(server_error)?;
    let locked =
        lockout::locked_for(&source_failures, lockout::SOURCE_FAILURES, epoch).or_else(|| {
            application.as_ref().and_then(|a| {
                lockout::locked_for(&a.auth_failures, lockout::CLIENT_FAILURES, epoch)
            })
        });
    if let Some(retry_after) = locked {
        tracing::warn!(%client_id, %source, "client authentication locked out");
        return Err(OAuthError::Locked { retry_after });
    }
    let application = match application {
        Some(a) if a.authenticate(&pepper, &request.client_secret, now) => a,
        known => {
            let reason = if known.is_some() {
                "wrong secret"
            } else {
                "unknown client"
            };
            tracing::info!(%client_id, %source, reason, "client authentication failed");
            state
                .applications
                .record_auth_failure(known.as_ref().map(|a| a.id), source, epoch)
                .await
                .map_err(server_error)?;
            return Err(OAuthError::InvalidClient);
        }
    };
    if !application.usable() {
        tracing::info!(%client_id, reason = "inactive application or disabled owner", "client authentication failed");
        return Err(OAuthError::InvalidClient);
    }
    let scopes = application
        .grant(&requested)
        .map_err(|GrantError::InvalidScope(s)| OAuthError::InvalidScope(s))?;
    let now = past_the_cut_off(&application, now).await;
    let issued = issue(&keys, &state.issuer, &application, &scopes, now)
        .map_err(|e| OAuthError::ServerError(e.to_string()))?;
    tracing::info!(%client_id, jti = %issued.claims.jti, "issued an access token");
    if application.last_use_is_stale(now)
        && let Err(error) = state
            .applications
            .touch_application(application.id, now)
            .await
    {
        tracing::warn!(%error, "last_used_at was not updated");
    }
    let body = TokenResponse {
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: issued.access_token,
        scope: (!issued.claims.scope.is_empty()).then_some(issued.claims.scope),
    };
    let mut response = (StatusCode::OK, Json(body)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// A token issued in the second the application was re-activated (or its owner
/// re-enabled) would be refused everywhere, since `iat` has no finer grain than the
/// cut-off: the request waits that second out rather than hand a client an hour of 401s.
async fn past_the_cut_off(application: &Application, now: OffsetDateTime) -> OffsetDateTime {
    match application.tokens_valid_after {
        Some(after) if after.unix_timestamp() >= now.unix_timestamp() => {
            let next_second =
                OffsetDateTime::from_unix_timestamp(after.unix_timestamp() + 1).unwrap_or(now);
            // A cut-off further ahead (a clock that ran ahead) is not waited for.
            let wait = (next_second - now).clamp(time::Duration::ZERO, time::Duration::SECOND);
            tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
            shared::domain::now().max(next_second)
        }
        _ => now,
    }
}

/// The public keys that verify access tokens (current and recent).
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json", operation_id = "getJwks",
    tag = "oauth2",
    responses(
        (status = 200, description = "A JSON Web Key Set (RFC 7517)", content_type = "application/json"),
        (status = 503, description = "No signing key is configured", body = OAuthErrorBody)
    )
)]
pub async fn jwks(State(state): State<TokenState>) -> Response {
    match state.keys.get().await {
        Ok(keys) => {
            let mut response = Json(keys.public().jwks()).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            response
        }
        Err(reason) => {
            tracing::warn!(%reason, "no signing key to publish");
            OAuthError::Unavailable.into_response()
        }
    }
}
