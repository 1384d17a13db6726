use std::sync::Arc;

use directory::{DirectoryState, router};
use shared::{aws::Services, config::Config};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let state = DirectoryState {
        store: Arc::new(services.store.clone()),
        applications: Arc::new(services.store.clone()),
        verifier: services.verifier().await,
        audit: Arc::new(services.store.clone()),
    };
    lambda_http::run(router(state)).await
}
