use serde::Serialize;
use shared::{
    application::{Application, Owner},
    auth::{KEYS_NOT_CONFIGURED, Scope},
    credentials::ClientType,
    domain::{ApplicationId, CustomerUserId, OrganizationId, UserId},
    http::Verifier,
};
use time::OffsetDateTime;

/// Who owns an application: a back-office user (backend) or a customer user (frontend).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnerView {
    Backend { user_id: UserId },
    Frontend { customer_user_id: CustomerUserId },
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub client_id: String,
    pub name: String,
    pub organization_id: OrganizationId,
    pub owner: OwnerView,
    pub scopes: Vec<Scope>,
    pub client_type: ClientType,
    /// Exact redirect URIs for the authorization code grant.
    pub redirect_uris: Vec<String>,
    pub active: bool,
    #[serde(with = "shared::domain::rfc3339_millis::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    /// When the secret replaced by the last rotation stops working, if it still works.
    #[serde(with = "shared::domain::rfc3339_millis::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    #[serde(with = "shared::domain::rfc3339_millis")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "shared::domain::rfc3339_millis")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub version: u64,
    /// Only in the answers to create and rotate-secret of a confidential client: store
    /// it now, it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Whether the token endpoint can issue tokens now; in the answers about one
    /// application (create, read, change, rotate-secret), not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_issuance: Option<TokenIssuance>,
}

/// Whether the token endpoint issues tokens: it refuses every request, with `message`,
/// while no signing key is configured. An application created meanwhile is kept, and
/// gets tokens once a key is configured.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenIssuance {
    pub state: TokenIssuanceState,
    /// For the administrator, while `state` is not `available`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenIssuanceState {
    Available,
    KeysNotConfigured,
}

impl TokenIssuance {
    /// As the token function last published it (at no extra read: it comes with the
    /// keys that verify the caller's token).
    pub async fn now(verifier: &Verifier) -> Self {
        if verifier.signing_keys_missing().await {
            Self {
                state: TokenIssuanceState::KeysNotConfigured,
                message: Some(KEYS_NOT_CONFIGURED.to_owned()),
            }
        } else {
            Self {
                state: TokenIssuanceState::Available,
                message: None,
            }
        }
    }
}

impl ApplicationView {
    /// The answer about one application, with `token_issuance`.
    pub async fn one(application: Application, state: &crate::OauthAppsState) -> Self {
        Self {
            token_issuance: Some(TokenIssuance::now(&state.verifier).await),
            ..Self::of(application)
        }
    }

    pub fn of(application: Application) -> Self {
        let now = shared::domain::now();
        Self {
            client_id: application.client_id(),
            id: application.id,
            name: application.name.as_str().to_owned(),
            organization_id: application.organization_id,
            owner: match application.owner {
                Owner::Backend { user_id } => OwnerView::Backend { user_id },
                Owner::Frontend { customer_user_id } => OwnerView::Frontend { customer_user_id },
            },
            scopes: application.scopes,
            client_type: application.client_type,
            redirect_uris: application
                .redirect_uris
                .into_iter()
                .map(String::from)
                .collect(),
            active: application.active,
            last_used_at: application.last_used_at,
            previous_secret_expires_at: application
                .secrets
                .iter()
                .filter_map(|s| s.expires_at)
                .filter(|at| *at > now)
                .max(),
            created_at: application.created_at,
            updated_at: application.updated_at,
            version: application.version,
            client_secret: None,
            token_issuance: None,
        }
    }
}
