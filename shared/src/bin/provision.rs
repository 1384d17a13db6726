//! Provisions the stack named by the environment (see `shared::config`) and writes the
//! first administrator's client credentials to `.local/admin-client.json`.

use std::path::Path;

use shared::{
    config::Config,
    provision::{ClientCredentials, ProvisionOptions, provision},
    services::Services,
};

const CREDENTIALS_FILE: &str = ".local/admin-client.json";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    let known_credentials = std::fs::read(CREDENTIALS_FILE)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ClientCredentials>(&bytes).ok());
    let options = ProvisionOptions {
        website_url: std::env::var("WEBSITE_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:9000".into()),
        admin_email: std::env::var("ADMIN_EMAIL").unwrap_or_else(|_| "admin@example.com".into()),
        known_credentials,
    };
    let services = Services::load_for_operator(config).await?;
    let report = provision(&services, &options).await?;

    let path = Path::new(CREDENTIALS_FILE);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_private(path, &serde_json::to_vec_pretty(&report.credentials)?)?;

    println!(
        "table {}: {}",
        services.config.table_name,
        if report.table_created {
            "created"
        } else {
            "kept"
        }
    );
    println!(
        "signing key: {}",
        if report.key_created {
            "generated"
        } else {
            "kept"
        }
    );
    println!("organization {}", report.provisioned.organization_id);
    println!("website {}", report.provisioned.website_id);
    println!("admin user {}", report.provisioned.admin_user_id);
    println!(
        "admin client id {} (credentials in {CREDENTIALS_FILE})",
        report.credentials.client_id
    );
    Ok(())
}

/// The file holds a client secret: readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}
