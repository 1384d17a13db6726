use directory::{DirectoryState, router};
use shared::{config::Config, services::Services};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::logging::init();
    let services = Services::load(Config::from_env()?)?;
    let state = DirectoryState::new(&services, services.verifier().await);
    lambda_http::run(router(state)).await
}
