use std::sync::Arc;

use roles::{RolesState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let state = RolesState {
        directory: Arc::new(services.store.clone()),
        customer_users: Arc::new(services.store.clone()),
        verifier: services.verifier().await,
        audit: Arc::new(services.store.clone()),
    };
    lambda_http::run(router(state)).await
}
