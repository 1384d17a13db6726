//! `PUT /admin/users/{id}/password`: a back-office user sets their own sign-in
//! password, with a backend token that acts for them (their application's, or their
//! own session's). Until invitation emails exist, this is how a back-office user gets
//! a password.

use axum::{
    extract::{FromRequestParts, Path, State},
    http::{StatusCode, request::Parts},
};
use serde::Deserialize;
use shared::{
    ApiError,
    audit::AuditActor,
    customer_user::Password,
    domain::{UserId, Validation, checked},
    http::{AdminPrincipal, JsonBody, audit::record_actor},
    openapi::WriteProblems,
};

use crate::SignInState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// 8 to 256 characters with an upper-case letter, a lower-case letter and a digit.
    pub password: String,
    /// Required once a password is set: the one it replaces.
    pub current_password: Option<String>,
}

/// Any valid backend token, whatever its scopes: checked before the body is read.
pub struct BackOfficeCaller(AdminPrincipal);

impl FromRequestParts<SignInState> for BackOfficeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SignInState,
    ) -> Result<Self, Self::Rejection> {
        let caller = state.verifier.admin(&parts.headers).await?;
        record_actor(
            caller.organization_id,
            AuditActor::Backend {
                user_id: caller.user_id,
                client_id: caller.client_id.clone(),
            },
        );
        Ok(Self(caller))
    }
}

/// Sets the caller's own sign-in password (Argon2id; never returned or logged).
#[utoipa::path(
    put, path = "/admin/users/{id}/password", operation_id = "setOwnPassword", tag = "sign-in",
    params(("id" = String, Path, description = "The caller's own user id")),
    request_body = SetPassword,
    security(("backend_token" = [])),
    responses((status = 204, description = "The password is set"), WriteProblems)
)]
pub async fn set_own(
    State(state): State<SignInState>,
    BackOfficeCaller(caller): BackOfficeCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetPassword>,
) -> Result<StatusCode, ApiError> {
    let own = id.parse::<UserId>().is_ok_and(|id| id == caller.user_id);
    if !own {
        return Err(ApiError::Forbidden(
            "a back-office user sets only their own password".into(),
        ));
    }
    let mut v = Validation::default();
    let password = v.check("password", Password::parse(&body.password));
    if let Some(current) = state.users.user_password(caller.user_id).await? {
        let confirmed = body
            .current_password
            .as_deref()
            .is_some_and(|presented| current.verify(presented));
        if !confirmed {
            v.add("current_password", "must be the password being replaced");
        }
    }
    v.finish()?;
    let digest = checked(password)?.hash();
    state
        .users
        .set_user_password(caller.user_id, &digest)
        .await?;
    tracing::info!(user_id = %caller.user_id, "a back-office user set their password");
    Ok(StatusCode::NO_CONTENT)
}
