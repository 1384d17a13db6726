//! A new client secret: the application it belongs to, and the one answer that shows
//! it (no cache may keep that answer).

use axum::response::{IntoResponse, Response};
use shared::{
    ApiError,
    application::{Application, Owner, StoredSecret},
    auth::{ClientSecret, Pepper, Scope},
    credentials::ClientType,
    domain::{ApplicationId, Name, OrganizationId, now},
    http::{Versioned, no_store},
};

use crate::{
    OauthAppsState,
    view::{ApplicationView, TokenIssuance},
};

/// The pepper that keys client-secret hashes; without it no secret can be stored.
pub(crate) async fn pepper(state: &OauthAppsState) -> Result<Pepper, ApiError> {
    state.pepper.get().await.ok_or_else(|| {
        ApiError::Unavailable(
            "the client-secret key is not configured: contact your administrator".into(),
        )
    })
}

pub(crate) fn new_application(
    pepper: &Pepper,
    owner: Owner,
    organization_id: OrganizationId,
    name: Name,
    active: bool,
    scopes: Vec<Scope>,
    client_type: ClientType,
) -> (Application, Option<ClientSecret>) {
    // A public client cannot keep a secret: it is issued none.
    let secret = (client_type == ClientType::Confidential).then(ClientSecret::generate);
    let at = now();
    let application = Application {
        id: ApplicationId::generate(),
        organization_id,
        name,
        owner,
        scopes,
        active,
        owner_enabled: true,
        secrets: secret
            .iter()
            .map(|secret| StoredSecret {
                hash: secret.keyed_hash(pepper),
                expires_at: None,
            })
            .collect(),
        client_type,
        redirect_uris: Vec::new(),
        tokens_valid_after: None,
        last_used_at: None,
        auth_failures: Vec::new(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    (application, secret)
}

/// An answer that shows a client secret, which no cache may keep: it is shown once.
pub struct WithSecret(Versioned<ApplicationView>);

impl WithSecret {
    pub(crate) fn created(
        application: Application,
        secret: Option<&ClientSecret>,
        issuance: TokenIssuance,
    ) -> Self {
        let view = match secret {
            Some(secret) => Self::view(application, secret, issuance),
            None => {
                let mut view = ApplicationView::of(application);
                view.token_issuance = Some(issuance);
                view
            }
        };
        let location = format!("/admin/oauth-applications/{}", view.id);
        Self(Versioned::created(location, view.version, view))
    }

    pub(crate) fn rotated(
        application: Application,
        secret: &ClientSecret,
        issuance: TokenIssuance,
    ) -> Self {
        let view = Self::view(application, secret, issuance);
        Self(Versioned::ok(view.version, view))
    }

    fn view(
        application: Application,
        secret: &ClientSecret,
        issuance: TokenIssuance,
    ) -> ApplicationView {
        let mut view = ApplicationView::of(application);
        view.client_secret = Some(secret.expose().to_owned());
        view.token_issuance = Some(issuance);
        view
    }
}

impl IntoResponse for WithSecret {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        no_store(response.headers_mut());
        response
    }
}
