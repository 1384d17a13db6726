use std::sync::Arc;

use consents::{ConsentsState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let store = Arc::new(services.store.clone());
    let state = ConsentsState {
        consents: store.clone(),
        directory: store.clone(),
        customer_users: store,
        verifier: services.verifier().await,
        audit: Arc::new(services.store.clone()),
    };
    lambda_http::run(router(state)).await
}
