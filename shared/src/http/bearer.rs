//! The request guards of bearer tokens: `Admin<Scope>` for the back-office API and
//! `Storefront` for the storefront API, over the `Verifier`, which checks a token's
//! signature, audience and expiry, and that its application and owner are still
//! allowed to act (read once per request). A person's token (one with a session, `sid`)
//! also needs its session live and its person enabled: application, session and person
//! are read in one BatchGetItem.
use std::{marker::PhantomData, sync::Arc};

use axum::extract::{FromRef, FromRequestParts};
use http::{HeaderMap, header, request::Parts};

use crate::auth::{AccessClaims, Audience, Scope, TokenError, VerifyingRing, verify};
use crate::{
    ApiError,
    application::{Application, Owner, application_id_of},
    audit::AuditActor,
    domain::{CustomerUserId, OrganizationId, UserId, Validation},
    http::audit::record_actor,
    ports::{ApplicationStore, SessionStore},
    session::{Person, PersonState},
};

/// The back-office user a valid backend token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPrincipal {
    pub user_id: UserId,
    /// The organization of the application the token was issued to.
    pub organization_id: OrganizationId,
    pub client_id: String,
    pub scopes: Vec<Scope>,
}

impl AdminPrincipal {
    /// Refuses, in `v`, each of `scopes` (the body's `scopes` list) that the caller's own
    /// token does not hold: nobody hands out more than they have.
    pub fn check_grantable(&self, v: &mut Validation, scopes: &[Scope]) {
        for (i, scope) in scopes.iter().enumerate() {
            if !self.scopes.contains(scope) {
                v.add(
                    format!("scopes.{i}"),
                    "is not held by your token: you cannot grant it",
                );
            }
        }
    }
}

/// The customer user a valid frontend token acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorefrontPrincipal {
    pub customer_user_id: CustomerUserId,
    /// The organization of the application the token was issued to.
    pub organization_id: OrganizationId,
    pub client_id: String,
}

/// Checks bearer tokens: signature and claims first, then that the application is still
/// active and its owner enabled (one read), so revocation takes effect at once.
pub struct Verifier {
    keys: Arc<VerifyingRing>,
    applications: Arc<dyn ApplicationStore>,
    sessions: Arc<dyn SessionStore>,
    issuer: String,
}

/// A verified token: its claims, its application, and for a person's token (one with
/// a session) that person's current state.
struct Verified {
    claims: AccessClaims,
    application: Application,
    person: Option<PersonState>,
}

impl Verifier {
    pub fn new(
        keys: Arc<VerifyingRing>,
        applications: Arc<dyn ApplicationStore>,
        sessions: Arc<dyn SessionStore>,
        issuer: String,
    ) -> Self {
        Self {
            keys,
            applications,
            sessions,
            issuer,
        }
    }

    /// Whether the token endpoint refuses every token for want of a signing key, as the
    /// token function last published it (read with the keys, so at no extra cost).
    pub async fn signing_keys_missing(&self) -> bool {
        self.keys
            .get()
            .await
            .map_or(true, |keys| keys.signing_keys_missing())
    }

    /// A backend token's principal: the application's owner, or the signed-in person.
    pub async fn admin(&self, headers: &HeaderMap) -> Result<AdminPrincipal, ApiError> {
        let Verified {
            claims,
            application,
            person,
        } = self.authenticate(headers, Audience::Backend).await?;
        let user_id = match (person.as_ref(), application.owner) {
            (Some(_), _) => claims.sub.parse().map_err(|_| revoked())?,
            (None, Owner::Backend { user_id }) => user_id,
            (None, Owner::Frontend { .. }) => return Err(revoked()),
        };
        Ok(AdminPrincipal {
            user_id,
            organization_id: application.organization_id,
            client_id: claims.client_id.clone(),
            // A scope taken from the application (or from the signed-in person) since
            // the token was issued is gone at once.
            scopes: claims
                .scopes()
                .into_iter()
                .filter(|scope| application.scopes.contains(scope))
                .filter(|scope| person.as_ref().is_none_or(|p| p.scopes.contains(scope)))
                .collect(),
        })
    }

    /// A frontend token's principal: the application's owner, or the signed-in person.
    pub async fn storefront(&self, headers: &HeaderMap) -> Result<StorefrontPrincipal, ApiError> {
        let Verified {
            claims,
            application,
            person,
        } = self.authenticate(headers, Audience::Frontend).await?;
        let customer_user_id = match (person, application.owner) {
            (Some(_), _) => claims.sub.parse().map_err(|_| revoked())?,
            (None, Owner::Frontend { customer_user_id }) => customer_user_id,
            (None, Owner::Backend { .. }) => return Err(revoked()),
        };
        Ok(StorefrontPrincipal {
            customer_user_id,
            organization_id: application.organization_id,
            client_id: claims.client_id,
        })
    }

    /// A person's token holds while its session is live, its person enabled and its
    /// application usable: all read at once.
    async fn session_of(
        &self,
        claims: &AccessClaims,
        session_id: &str,
        audience: Audience,
    ) -> Result<(Application, PersonState), ApiError> {
        let application_id = application_id_of(&claims.client_id).ok_or_else(revoked)?;
        let person = match audience {
            Audience::Backend => Person::BackOffice {
                user_id: claims.sub.parse().map_err(|_| revoked())?,
            },
            Audience::Frontend => Person::Customer {
                customer_user_id: claims.sub.parse().map_err(|_| revoked())?,
            },
        };
        let view = self
            .sessions
            .session_view(application_id, session_id, person)
            .await?;
        let (Some(application), Some(session), Some(state)) =
            (view.application, view.session, view.person)
        else {
            return Err(revoked());
        };
        let holds = application.usable()
            && application.honours_token_issued_at(claims.iat)
            && session.live(crate::domain::now())
            && session.person == person
            && session.application_id == application_id
            && state.honours(&session);
        if !holds {
            return Err(revoked());
        }
        Ok((application, state))
    }

    async fn authenticate(
        &self,
        headers: &HeaderMap,
        audience: Audience,
    ) -> Result<Verified, ApiError> {
        let token = bearer_token(headers)?;
        let keys = self.keys.get().await.map_err(ApiError::Unavailable)?;
        let verified = match verify(&keys, &self.issuer, audience, token) {
            Err(TokenError::UnknownKey) => {
                let keys = self
                    .keys
                    .refresh_soon()
                    .await
                    .map_err(ApiError::Unavailable)?;
                verify(&keys, &self.issuer, audience, token)
            }
            other => other,
        };
        let claims = verified.map_err(|e| {
            tracing::info!(reason = %e, "refused an access token");
            ApiError::unauthorized("the access token is invalid or expired: request a new one")
        })?;
        if let Some(session_id) = claims.sid.clone() {
            let (application, person) = self.session_of(&claims, &session_id, audience).await?;
            return Ok(Verified {
                claims,
                application,
                person: Some(person),
            });
        }
        let application_id = application_id_of(&claims.client_id).ok_or_else(revoked)?;
        let application = self
            .applications
            .get_application(application_id)
            .await?
            .ok_or_else(revoked)?;
        if !application.usable()
            || !application.honours_token_issued_at(claims.iat)
            || claims.sub != application.owner.subject()
            || application.owner.audience() != audience
        {
            return Err(revoked());
        }
        Ok(Verified {
            claims,
            application,
            person: None,
        })
    }
}

fn revoked() -> ApiError {
    ApiError::unauthorized("the access token has been revoked: request a new one")
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let missing = || ApiError::Unauthorized {
        detail: "send an access token from POST /oauth2-token as 'Authorization: Bearer <token>'"
            .into(),
        token_sent: false,
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim())
}

/// A scope a route requires, as a type, so the requirement reads in the handler's
/// signature and is checked before the body is parsed.
pub trait RequiredScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

/// Marker types for [`Admin`], one per scope.
pub mod scopes {
    use super::{RequiredScope, Scope};

    macro_rules! scope_marker {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Debug)]
            pub struct $name;
            impl RequiredScope for $name {
                const SCOPE: Scope = Scope::$name;
            }
        )*};
    }

    scope_marker!(
        DirectoryRead,
        DirectoryWrite,
        CustomerUsersRead,
        CustomerUsersWrite,
        RolesRead,
        RolesWrite,
        ConsentsRead,
        ConsentsWrite,
        OauthAppsRead,
        OauthAppsWrite,
        AuditRead,
    );
}

/// An authenticated back-office request holding scope `S`: 401 without a valid backend
/// token, 403 without the scope.
#[derive(Debug)]
pub struct Admin<S>(pub AdminPrincipal, PhantomData<S>);

impl<S> Admin<S> {
    pub fn principal(&self) -> &AdminPrincipal {
        &self.0
    }
}

impl<S, St> FromRequestParts<St> for Admin<S>
where
    S: RequiredScope,
    St: Send + Sync,
    Arc<Verifier>: FromRef<St>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let principal = verifier.admin(&parts.headers).await?;
        if !principal.scopes.contains(&S::SCOPE) {
            return Err(ApiError::InsufficientScope {
                detail: format!(
                    "this route needs the scope '{}': request a token with it from an application that holds it",
                    S::SCOPE
                ),
                scope: S::SCOPE.as_str(),
            });
        }
        record_actor(
            principal.organization_id,
            AuditActor::Backend {
                user_id: principal.user_id,
                client_id: principal.client_id.clone(),
            },
        );
        Ok(Admin(principal, PhantomData))
    }
}

/// An authenticated storefront request: 401 without a valid frontend token. What the
/// customer user may do is decided by its roles, not by scopes.
#[derive(Debug)]
pub struct Storefront(pub StorefrontPrincipal);

impl<St> FromRequestParts<St> for Storefront
where
    St: Send + Sync,
    Arc<Verifier>: FromRef<St>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let principal = verifier.storefront(&parts.headers).await?;
        record_actor(
            principal.organization_id,
            AuditActor::Frontend {
                customer_user_id: principal.customer_user_id,
                client_id: principal.client_id.clone(),
            },
        );
        Ok(Storefront(principal))
    }
}
