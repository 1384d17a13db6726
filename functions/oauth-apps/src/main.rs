use std::sync::Arc;

use oauth_apps::{OauthAppsState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?).await;
    let pepper = services.pepper();
    // The pepper is read before the first request, not during it, while the public
    // keys are read from the other endpoint.
    let (verifier, _) = tokio::join!(services.verifier(), pepper.get());
    let store = Arc::new(services.store.clone());
    let state = OauthAppsState {
        applications: store.clone(),
        directory: store.clone(),
        customer_users: store,
        notifier: services.notifier(),
        pepper,
        rotation_grace: services.config.secret_rotation_grace,
        verifier,
    };
    lambda_http::run(router(state)).await
}
