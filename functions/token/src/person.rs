//! The grants that act for a person signed in through a client: authorization_code
//! (RFC 6749 4.1.3 with PKCE, RFC 7636) and refresh_token with rotation and reuse
//! detection (RFC 9700 4.14).

use axum::response::Response;
use shared::{
    auth::{SecretHash, TOKEN_LIFETIME_SECONDS, issue_for_person},
    domain::now,
    ports::StoreError,
    session::{Refresh, Session, session_id_of},
};
use time::OffsetDateTime;

use crate::{
    TokenState,
    grant::{
        TokenResponse, authenticate_client, past_the_cut_off, signing_keys, state_pepper,
        token_answer,
    },
    oauth_error::OAuthError,
    request::TokenRequest,
};

fn server_error(e: StoreError) -> OAuthError {
    OAuthError::from(e)
}

/// Ends a session whose code or refresh token was used again: whoever holds its tokens
/// may not be the person who signed in.
async fn revoke(state: &TokenState, session_id: &str, reason: &'static str) -> OAuthError {
    match state.sessions.revoke_session(session_id).await {
        Ok(()) => tracing::warn!(reason, "revoked a session"),
        Err(error) => tracing::error!(%error, reason, "a session to revoke was not revoked"),
    }
    OAuthError::InvalidGrant(reason)
}

/// Whether the session's person may still hold its tokens (enabled, and the session
/// not older than their last disabling or password change).
async fn person_enabled(state: &TokenState, session: &Session) -> Result<bool, OAuthError> {
    Ok(state
        .sessions
        .person_state(session.person)
        .await
        .map_err(server_error)?
        .is_some_and(|p| p.honours(session)))
}

fn answer(
    keys: &shared::auth::SigningKeys,
    state: &TokenState,
    session: &Session,
    refresh_token: String,
    at: OffsetDateTime,
) -> Result<Response, OAuthError> {
    let issued = issue_for_person(keys, &state.issuer, session, at)
        .map_err(|e| OAuthError::ServerError(e.to_string()))?;
    tracing::info!(client_id = %issued.claims.client_id, sub = %issued.claims.sub, jti = %issued.claims.jti, "issued a person's access token");
    Ok(token_answer(TokenResponse {
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: issued.access_token,
        scope: (!issued.claims.scope.is_empty()).then_some(issued.claims.scope),
        refresh_token: Some(refresh_token),
    }))
}

pub(crate) async fn authorization_code(
    state: &TokenState,
    request: TokenRequest,
    source: &str,
) -> Result<Response, OAuthError> {
    let Some(code) = request.code.as_deref() else {
        return Err(OAuthError::InvalidRequest("code is required".into()));
    };
    let Some(verifier) = request.code_verifier.as_deref() else {
        return Err(OAuthError::InvalidRequest(
            "code_verifier is required: every client uses PKCE (S256)".into(),
        ));
    };
    let keys = signing_keys(state).await?;
    let pepper = state_pepper(state).await?;
    let application = authenticate_client(state, &request, source).await?;
    let stored = state
        .sessions
        .get_code(&SecretHash::keyed(&pepper, code))
        .await
        .map_err(server_error)?
        .ok_or(OAuthError::InvalidGrant("unknown code"))?;
    if stored.used {
        return Err(revoke(state, &stored.session_id, "a code was used a second time").await);
    }
    let at = now();
    if let Some(reason) = stored.refusal(
        application.id,
        request.redirect_uri.as_deref(),
        verifier,
        at,
    ) {
        return Err(OAuthError::InvalidGrant(reason));
    }
    if !application.usable() {
        return Err(OAuthError::InvalidGrant(
            "inactive application or disabled owner",
        ));
    }
    let (session, refresh_token) = Session::start(&stored, &pepper, &state.lifetimes, at);
    if !person_enabled(state, &session).await? {
        return Err(OAuthError::InvalidGrant("the person is disabled or gone"));
    }
    match state.sessions.start_session(&stored, &session).await {
        Err(StoreError::VersionConflict) => {
            return Err(revoke(
                state,
                &stored.session_id,
                "a code was redeemed twice at once",
            )
            .await);
        }
        other => other.map_err(server_error)?,
    }
    let at = past_the_cut_off(&application, at).await;
    answer(
        &keys,
        state,
        &session,
        refresh_token.expose().to_owned(),
        at,
    )
}

pub(crate) async fn refresh_token(
    state: &TokenState,
    request: TokenRequest,
    source: &str,
) -> Result<Response, OAuthError> {
    let Some(presented) = request.refresh_token.as_deref() else {
        return Err(OAuthError::InvalidRequest(
            "refresh_token is required".into(),
        ));
    };
    let keys = signing_keys(state).await?;
    let pepper = state_pepper(state).await?;
    let application = authenticate_client(state, &request, source).await?;
    let session_id =
        session_id_of(presented).ok_or(OAuthError::InvalidGrant("a malformed refresh token"))?;
    // One retry: a concurrent refresh of the same token may win the rotation.
    for _ in 0..2 {
        let at = now();
        let mut session = state
            .sessions
            .get_session(session_id)
            .await
            .map_err(server_error)?
            .ok_or(OAuthError::InvalidGrant("unknown session"))?;
        if session.application_id != application.id {
            return Err(OAuthError::InvalidGrant(
                "the refresh token belongs to another client",
            ));
        }
        if !session.live(at) {
            return Err(OAuthError::InvalidGrant("the session ended or was revoked"));
        }
        let next = match session.classify(&pepper, presented, at) {
            Refresh::Unknown => {
                return Err(OAuthError::InvalidGrant(
                    "not a refresh token of this session",
                ));
            }
            Refresh::Reused => {
                return Err(
                    revoke(state, &session.id, "an old refresh token was used again").await,
                );
            }
            Refresh::Retry(same) => Some(same),
            Refresh::Rotate(next) => {
                let (idle, _) = state.lifetimes.of(session.person);
                let expected = session.version;
                session.rotate(&pepper, &next, idle, at);
                match state.sessions.update_session(&session, expected).await {
                    Ok(()) => Some(next),
                    Err(StoreError::VersionConflict) => None,
                    Err(e) => return Err(server_error(e)),
                }
            }
        };
        let Some(token) = next else { continue };
        if !application.usable() {
            return Err(OAuthError::InvalidGrant(
                "inactive application or disabled owner",
            ));
        }
        if !person_enabled(state, &session).await? {
            return Err(revoke(state, &session.id, "the person is disabled or gone").await);
        }
        let at = past_the_cut_off(&application, at).await;
        return answer(&keys, state, &session, token, at);
    }
    Err(OAuthError::InvalidGrant("the session changed meanwhile"))
}
