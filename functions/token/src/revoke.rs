//! Token revocation (RFC 7009): a refresh token, or an access token of a person's
//! session, ends that whole session.

use axum::{
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use http::StatusCode;
use shared::{
    application::client_id_of,
    auth::{Audience, verify},
    http::{MAX_BODY_BYTES, no_store},
    session::{Refresh, session_id_of},
};

use crate::{
    TokenState,
    grant::{authenticate_client, signing_keys, source_address, state_pepper},
    oauth_error::{OAuthError, OAuthErrorBody},
    request::parse_request,
};

/// Revokes a refresh token or a person's access token, and with it the session.
#[utoipa::path(
    post,
    path = "/oauth2/revoke", operation_id = "revokeToken",
    tag = "oauth2",
    request_body(
        content_type = "application/x-www-form-urlencoded",
        description = "token (a refresh token, or an access token of a signed-in person), optionally token_type_hint (ignored), and client_id (a confidential client authenticates as at the token endpoint)",
        content = String
    ),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke (an unknown, expired or another client's token: RFC 7009 2.2)"),
        (status = 400, description = "invalid_request: no token", body = OAuthErrorBody),
        (status = 401, description = "invalid_client", body = OAuthErrorBody),
        (status = 503, description = "No signing key or pepper is configured", body = OAuthErrorBody)
    )
)]
pub async fn revoke(State(state): State<TokenState>, request: Request) -> Response {
    let source = source_address(&request);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return OAuthError::TooLarge.into_response();
    };
    let outcome = async {
        let request = parse_request(&parts.headers, &body)?;
        let Some(token) = request.token.as_deref() else {
            return Err(OAuthError::InvalidRequest("token is required".into()));
        };
        let pepper = state_pepper(&state).await?;
        let keys = signing_keys(&state).await?;
        let application = authenticate_client(&state, &request, &source).await?;
        let server_error = OAuthError::from;
        let session_id = match session_id_of(token) {
            Some(id) => {
                let session = state.sessions.get_session(id).await.map_err(server_error)?;
                session
                    .filter(|s| s.application_id == application.id)
                    .filter(|s| {
                        s.classify(&pepper, token, shared::domain::now()) != Refresh::Unknown
                    })
                    .map(|s| s.id)
            }
            None => [Audience::Backend, Audience::Frontend]
                .into_iter()
                .find_map(|audience| verify(keys.public(), &state.issuer, audience, token).ok())
                .filter(|claims| claims.client_id == client_id_of(application.id))
                .and_then(|claims| claims.sid),
        };
        if let Some(id) = session_id {
            state
                .sessions
                .revoke_session(&id)
                .await
                .map_err(server_error)?;
            tracing::info!(client_id = %request.client_id, "revoked a session");
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(error) => error.into_response(),
    }
}
