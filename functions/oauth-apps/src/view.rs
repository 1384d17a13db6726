use serde::Serialize;
use shared::{
    application::{Application, Owner},
    auth::Scope,
    credentials::ClientType,
    domain::{ApplicationId, CustomerUserId, OrganizationId, UserId},
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
}

impl ApplicationView {
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
        }
    }
}
