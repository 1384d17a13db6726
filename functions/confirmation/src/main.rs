use std::sync::Arc;

use confirmation::{ConfirmationState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let store = Arc::new(services.store.clone());
    let state = ConfirmationState {
        customer_users: store.clone(),
        lookup: store.clone(),
        links: store.clone(),
        rates: store.clone(),
        directory: store,
        notifier: services.notifier(),
        lifetimes: services.config.links,
        default_website_id: services.config.default_website_id,
        verifier: services.verifier().await,
        audit: Arc::new(services.store.clone()),
    };
    lambda_http::run(router(state)).await
}
