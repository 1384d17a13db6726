//! Settings read once per container from the environment (the SAM template sets them;
//! the local stack sets them for cargo-lambda).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub signing_key_secret_id: String,
    /// The `iss` of every access token: the public base URL of the API.
    pub token_issuer: String,
    /// How long a container keeps signing keys before reading them again.
    pub key_refresh: Duration,
    pub mail_from: String,
}

#[derive(Debug, thiserror::Error)]
#[error("environment variable {0} is not set")]
pub struct MissingSetting(pub &'static str);

impl Config {
    pub fn from_env() -> Result<Self, MissingSetting> {
        let required = |name: &'static str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .ok_or(MissingSetting(name))
        };
        let key_refresh = std::env::var("KEY_REFRESH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300);
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            signing_key_secret_id: required("SIGNING_KEY_SECRET_ID")?,
            token_issuer: required("TOKEN_ISSUER")?.trim_end_matches('/').to_owned(),
            key_refresh: Duration::from_secs(key_refresh),
            mail_from: std::env::var("MAIL_FROM").unwrap_or_else(|_| "no-reply@example.com".into()),
        })
    }
}
