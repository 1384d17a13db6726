use std::sync::Arc;

use oauth_apps::{OauthAppsState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let store = Arc::new(services.store.clone());
    let state = OauthAppsState {
        applications: store.clone(),
        directory: store.clone(),
        customer_users: store,
        notifier: services.notifier(),
        // Read when an application first gets a new secret in this container.
        pepper: services.pepper(),
        rotation_grace: services.config.secret_rotation_grace,
        verifier: services.verifier().await,
        audit: Arc::new(services.store.clone()),
    };
    lambda_http::run(router(state)).await
}
