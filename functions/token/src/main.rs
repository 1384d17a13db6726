use shared::{config::Config, services::Services};
use token::{TokenState, router};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let keys = services.signing_keys().await;
    // Read the client-secret pepper before the first request, not during it.
    let pepper = services.pepper();
    pepper.get().await;
    let state = TokenState::new(&services, keys, pepper);
    lambda_http::run(router(state)).await
}
