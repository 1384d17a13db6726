//! The token endpoint: RFC 6749 client_credentials, and the dispatch to the grants
//! that sign people in (`person.rs`).

use axum::{
    Json,
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use std::sync::Arc;

use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use shared::{
    application::{Application, GrantError, application_id_of},
    auth::{Scope, TOKEN_LIFETIME_SECONDS, issue, lockout},
    credentials::ClientType,
    domain::{ApplicationId, now},
    http::{MAX_BODY_BYTES, no_store},
};
use time::OffsetDateTime;

use super::TokenState;
use crate::{
    oauth_error::{OAuthError, OAuthErrorBody},
    person,
    request::{TokenRequest, parse_request},
};

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
    /// authorization_code and refresh_token grants only: the session's refresh token,
    /// single use (each refresh answers the next one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Issues an access token: to an application that proves its client secret
/// (client_credentials), or to a person signed in through a client
/// (authorization_code with PKCE, then refresh_token).
#[utoipa::path(
    post,
    path = "/oauth2-token", operation_id = "issueToken",
    tag = "oauth2",
    request_body(
        content_type = "application/x-www-form-urlencoded",
        description = "grant_type=client_credentials, client_id and client_secret (or HTTP Basic client authentication), and optionally scope (or scopes): space-delimited scopes, all held by the application; none means all it holds. grant_type=authorization_code with code, redirect_uri (exactly as in the authorization request), code_verifier (PKCE S256) and client_id (a confidential client also authenticates). grant_type=refresh_token with refresh_token and client_id (a confidential client also authenticates): answers a new refresh token; the old one is spent",
        content = String
    ),
    responses(
        (status = 200, description = "A bearer access token valid for 3600 seconds", body = TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type, invalid_scope, unauthorized_client (client_credentials for a public client), or invalid_grant (a code or refresh token that is unknown, expired, used, revoked, or bound to another client, redirect URI or verifier; a second use of a code or an old refresh token also revokes the session)", body = OAuthErrorBody),
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

/// The caller's address as API Gateway saw it; requests without that context (local
/// tools) share one bucket.
pub(crate) fn source_address(request: &Request) -> String {
    match request
        .extensions()
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .clone()
            .unwrap_or_else(|| "unknown".into()),
        _ => "unknown".into(),
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
        None => Err(OAuthError::InvalidRequest("grant_type is required".into())),
        Some("client_credentials") => client_credentials(state, request, source).await,
        Some("authorization_code") => person::authorization_code(state, request, source).await,
        Some("refresh_token") => person::refresh_token(state, request, source).await,
        Some(_) => Err(OAuthError::UnsupportedGrantType),
    }
}

/// The client a request names, authenticated: a confidential client proves its secret
/// (counted by the lockout), a public client sends none. The application may be
/// inactive or its owner disabled: each grant decides.
pub(crate) async fn authenticate_client(
    state: &TokenState,
    request: &TokenRequest,
    source: &str,
) -> Result<Application, OAuthError> {
    let server_error = OAuthError::from;
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
    let authenticated = match (&application, request.client_secret.as_deref()) {
        (Some(a), None) => a.client_type == ClientType::Public,
        (Some(a), Some(secret)) => {
            a.client_type == ClientType::Confidential
                && a.authenticate(&state_pepper(state).await?, secret, now)
        }
        (None, _) => false,
    };
    if authenticated {
        return Ok(application.expect("authenticated applications exist"));
    }
    let reason = match (&application, request.client_secret.is_some()) {
        (None, _) => "unknown client",
        (Some(_), false) => "no secret from a confidential client",
        (Some(a), true) if a.client_type == ClientType::Public => "a secret from a public client",
        (Some(_), true) => "wrong secret",
    };
    tracing::info!(%client_id, %source, reason, "client authentication failed");
    if request.client_secret.is_some() {
        state
            .applications
            .record_auth_failure(application.as_ref().map(|a| a.id), source, epoch)
            .await
            .map_err(server_error)?;
    }
    Err(OAuthError::InvalidClient)
}

pub(crate) async fn state_pepper(state: &TokenState) -> Result<shared::auth::Pepper, OAuthError> {
    state.pepper.get().await.ok_or_else(|| {
        tracing::warn!("token endpoint has no client-secret pepper");
        OAuthError::Unavailable
    })
}

pub(crate) async fn signing_keys(
    state: &TokenState,
) -> Result<Arc<shared::auth::SigningKeys>, OAuthError> {
    state.keys.get().await.map_err(|reason| {
        tracing::warn!(%reason, "token endpoint has no signing key");
        OAuthError::Unavailable
    })
}

/// An answer with a token, which no cache may keep.
pub(crate) fn token_answer(body: TokenResponse) -> Response {
    let mut response = (StatusCode::OK, Json(body)).into_response();
    no_store(response.headers_mut());
    response
}

async fn client_credentials(
    state: &TokenState,
    request: TokenRequest,
    source: &str,
) -> Result<Response, OAuthError> {
    if request.client_secret.is_none() {
        // A public client has no secret to send: say which grant it may use.
        if let Some(id) = application_id_of(&request.client_id)
            && let Ok(Some(application)) = state.applications.get_application(id).await
            && application.client_type == ClientType::Public
        {
            return Err(OAuthError::UnauthorizedClient(
                "a public client cannot use client_credentials: sign a person in with authorization_code".into(),
            ));
        }
        return Err(OAuthError::NoClientAuthentication(
            "client_secret is required".into(),
        ));
    }
    let requested = match request.scope.as_deref() {
        None => Vec::new(),
        Some(raw) => Scope::parse_list(raw).map_err(OAuthError::InvalidScope)?,
    };
    let keys = signing_keys(state).await?;
    state_pepper(state).await?;
    let application = authenticate_client(state, &request, source).await?;
    let client_id = request.client_id.as_str();
    if !application.usable() {
        tracing::info!(%client_id, reason = "inactive application or disabled owner", "client authentication failed");
        return Err(OAuthError::InvalidClient);
    }
    let scopes = application
        .grant(&requested)
        .map_err(|GrantError::InvalidScope(s)| OAuthError::InvalidScope(s))?;
    let now = past_the_cut_off(&application, now()).await;
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
    Ok(token_answer(TokenResponse {
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: issued.access_token,
        scope: (!issued.claims.scope.is_empty()).then_some(issued.claims.scope),
        refresh_token: None,
    }))
}

/// A token issued in the second the application was re-activated (or its owner
/// re-enabled) would be refused everywhere, since `iat` has no finer grain than the
/// cut-off: the request waits that second out rather than hand a client an hour of 401s.
pub(crate) async fn past_the_cut_off(
    application: &Application,
    now: OffsetDateTime,
) -> OffsetDateTime {
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
        (status = 503, description = "temporarily_unavailable: no signing key or client-secret pepper is configured, or a service the endpoint depends on is not answering; retry after the Retry-After seconds", body = OAuthErrorBody)
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
