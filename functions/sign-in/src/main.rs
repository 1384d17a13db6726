use shared::{config::Config, services::Services};
use sign_in::{SignInState, router};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    // Read the pepper before the first request, not during it.
    let pepper = services.pepper();
    pepper.get().await;
    let state = SignInState::new(&services, services.verifier().await, pepper);
    lambda_http::run(router(state)).await
}
