//! Provisioning of a fresh stack: the table, a signing key, the sender identity, and
//! the records a first administrator needs. Idempotent: running it again keeps what
//! exists and only replaces what is missing.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::{
    application::{Application, Owner, StoredSecret, client_id_of},
    auth::{ClientSecret, KeyKind, Scope, generate_private_key_pem},
    customer_user::ADMINISTRATOR_ROLE,
    directory::{CustomerUserRole, Organization, Permission, User, Website},
    domain::{
        ApplicationId, Email, Localization, Name, OrganizationId, RoleId, UserId, WebUrl,
        WebsiteId, now,
    },
    key_source::KeyMaterial,
    ports::{ApplicationStore, OrganizationStore, RoleStore, StoreError, UserStore, WebsiteStore},
    services::Services,
};

#[derive(Debug, Clone)]
pub struct ProvisionOptions {
    pub website_url: String,
    pub admin_email: String,
    /// Credentials kept from an earlier run; a new secret is issued when they no
    /// longer match.
    pub known_credentials: Option<ClientCredentials>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The ids of what provisioning made, remembered in the table itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provisioned {
    pub organization_id: OrganizationId,
    pub website_id: WebsiteId,
    pub administrator_role_id: RoleId,
    pub buyer_role_id: RoleId,
    pub visitor_role_id: RoleId,
    pub admin_user_id: UserId,
    pub admin_application_id: ApplicationId,
}

#[derive(Debug)]
pub struct ProvisionReport {
    pub provisioned: Provisioned,
    pub credentials: ClientCredentials,
    pub table_created: bool,
    pub key_created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Other(String),
}

const MARKER_PK: &str = "PROVISIONING";
const MARKER_SK: &str = "DEFAULT";

pub async fn provision(
    services: &Services,
    options: &ProvisionOptions,
) -> Result<ProvisionReport, ProvisionError> {
    let secrets = services.secrets();
    let other = |e: &dyn std::fmt::Display| ProvisionError::Other(e.to_string());
    let table_created = services.store.create_table_if_missing().await?;
    let key_created = if secrets.has_key().await.map_err(|e| other(&e))? {
        false
    } else {
        let material = KeyMaterial {
            kid: format!("dev-{}", uuid::Uuid::now_v7().simple()),
            private_key_pem: generate_private_key_pem(KeyKind::Rs256).map_err(|e| other(&e))?,
        };
        secrets.put(&material).await.map_err(|e| other(&e))?;
        true
    };
    services
        .pepper()
        .create_if_missing()
        .await
        .map_err(|e| other(&e))?;
    services
        .mailer()
        .ensure_sender_identity()
        .await
        .map_err(|e| other(&e))?;

    let provisioned = match read_marker(services).await? {
        Some(existing) => existing,
        None => {
            let created = create_records(services, options).await?;
            write_marker(services, &created).await?;
            created
        }
    };
    let credentials = admin_credentials(services, &provisioned, options).await?;
    Ok(ProvisionReport {
        provisioned,
        credentials,
        table_created,
        key_created,
    })
}

async fn read_marker(services: &Services) -> Result<Option<Provisioned>, ProvisionError> {
    let output = services
        .store
        .client()
        .get_item()
        .table_name(services.store.table_name())
        .key("pk", AttributeValue::S(MARKER_PK.into()))
        .key("sk", AttributeValue::S(MARKER_SK.into()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| {
            ProvisionError::Other(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
        })?;
    output
        .item
        .map(|item| serde_dynamo::from_item(item).map_err(|e| ProvisionError::Other(e.to_string())))
        .transpose()
}

async fn write_marker(
    services: &Services,
    provisioned: &Provisioned,
) -> Result<(), ProvisionError> {
    let mut item: std::collections::HashMap<String, AttributeValue> =
        serde_dynamo::to_item(provisioned).map_err(|e| ProvisionError::Other(e.to_string()))?;
    item.insert("pk".into(), AttributeValue::S(MARKER_PK.into()));
    item.insert("sk".into(), AttributeValue::S(MARKER_SK.into()));
    services
        .store
        .client()
        .put_item()
        .table_name(services.store.table_name())
        .set_item(Some(item))
        .send()
        .await
        .map_err(|e| {
            ProvisionError::Other(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
        })?;
    Ok(())
}

fn name(text: &str) -> Name {
    Name::parse(text).expect("fixed names are valid")
}

async fn create_records(
    services: &Services,
    options: &ProvisionOptions,
) -> Result<Provisioned, ProvisionError> {
    let store = &services.store;
    let at = now();
    let organization = Organization {
        id: OrganizationId::generate(),
        name: name("Default Organization"),
        global_access: true,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    store.create_organization(&organization).await?;

    let role =
        |role: &str, label: &str, public: bool, permissions: &[Permission]| CustomerUserRole {
            id: RoleId::generate(),
            organization_id: organization.id,
            role: role.to_owned(),
            label: name(label),
            customer_id: None,
            self_managed: true,
            public,
            permissions: permissions.iter().copied().collect(),
            user_count: 0,
            default_for_websites: 0,
            created_at: at,
            updated_at: at,
            version: 1,
        };
    // The customer's administrator manages its users and roles; buyers and visitors
    // act only for themselves.
    let administrator = role(ADMINISTRATOR_ROLE, "Administrator", false, &Permission::ALL);
    let buyer = role("ROLE_FRONTEND_BUYER", "Buyer", true, &[]);
    let visitor = role(
        "ROLE_FRONTEND_ANONYMOUS",
        "Non-Authenticated Visitors",
        false,
        &[],
    );
    for r in [&administrator, &buyer, &visitor] {
        store.create_role(r).await?;
    }

    let website = Website {
        id: WebsiteId::generate(),
        organization_id: organization.id,
        name: name("Default Website"),
        url: WebUrl::parse(&options.website_url)
            .map_err(|e| ProvisionError::Other(format!("website URL {e}")))?,
        localizations: vec![Localization::parse("en_US").expect("valid code")],
        default_role_id: Some(buyer.id),
        customer_user_count: 0,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    store.create_website(&website).await?;

    let admin = User {
        id: UserId::generate(),
        organization_id: organization.id,
        first_name: name("Admin"),
        last_name: name("User"),
        email: Email::parse(&options.admin_email)
            .map_err(|e| ProvisionError::Other(format!("admin email {e}")))?,
        enabled: true,
        scopes: Scope::ALL.to_vec(),
        application_count: 0,
        sessions_valid_after: None,
        created_at: at,
        updated_at: at,
        version: 1,
    };
    store.create_user(&admin).await?;

    let application = Application {
        id: ApplicationId::generate(),
        organization_id: organization.id,
        name: name("Local administration"),
        owner: Owner::Backend { user_id: admin.id },
        scopes: Scope::ALL.to_vec(),
        active: true,
        owner_enabled: true,
        secrets: Vec::new(),
        client_type: Default::default(),
        redirect_uris: Vec::new(),
        tokens_valid_after: None,
        last_used_at: None,
        auth_failures: Vec::new(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    store.create_application(&application).await?;

    Ok(Provisioned {
        organization_id: organization.id,
        website_id: website.id,
        administrator_role_id: administrator.id,
        buyer_role_id: buyer.id,
        visitor_role_id: visitor.id,
        admin_user_id: admin.id,
        admin_application_id: application.id,
    })
}

/// Keeps known credentials that still work; otherwise issues a new secret (the only
/// copy goes to the caller).
async fn admin_credentials(
    services: &Services,
    provisioned: &Provisioned,
    options: &ProvisionOptions,
) -> Result<ClientCredentials, ProvisionError> {
    let mut application = services
        .store
        .get_application(provisioned.admin_application_id)
        .await?
        .ok_or_else(|| {
            ProvisionError::Other(
                "the provisioned admin application is gone: delete the table and provision again"
                    .into(),
            )
        })?;
    let client_id = client_id_of(application.id);
    let pepper = services
        .pepper()
        .get()
        .await
        .ok_or_else(|| ProvisionError::Other("the client-secret pepper is missing".into()))?;
    if let Some(known) = &options.known_credentials
        && known.client_id == client_id
        && application.authenticate(&pepper, &known.client_secret, now())
    {
        return Ok(known.clone());
    }
    let secret = ClientSecret::generate();
    let expected = application.version;
    application.secrets = vec![StoredSecret {
        hash: secret.keyed_hash(&pepper),
        expires_at: None,
    }];
    application.updated_at = now();
    application.version += 1;
    services
        .store
        .update_application(&application, expected)
        .await?;
    Ok(ClientCredentials {
        client_id,
        client_secret: secret.expose().to_owned(),
    })
}
