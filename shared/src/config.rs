//! Settings read once per container from the environment (the SAM template sets them;
//! the local stack sets them for cargo-lambda).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub signing_key_secret_id: String,
    /// The secret holding the key of client-secret hashes.
    pub pepper_secret_id: String,
    /// The `iss` of every access token: the public base URL of the API.
    pub token_issuer: String,
    /// How long a container keeps signing keys before reading them again.
    pub key_refresh: Duration,
    pub mail_from: String,
    pub links: LinkLifetimes,
    /// How long a client secret replaced by rotation keeps working (0 allowed).
    pub secret_rotation_grace: Duration,
    /// The website of public requests that name none (password reset requests).
    pub default_website_id: Option<crate::domain::WebsiteId>,
    /// How long people's sign-in sessions last (idle and absolute, per kind of person).
    pub sessions: crate::session::SessionLifetimes,
}

/// How long one-time links work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLifetimes {
    pub confirmation: Duration,
    pub password_reset: Duration,
    pub welcome: Duration,
}

impl Default for LinkLifetimes {
    fn default() -> Self {
        Self {
            confirmation: Duration::from_secs(7 * 24 * 3600),
            password_reset: Duration::from_secs(24 * 3600),
            welcome: Duration::from_secs(7 * 24 * 3600),
        }
    }
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
        let defaults = LinkLifetimes::default();
        let hours = |name: &str, default: Duration| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map(|h| Duration::from_secs(h * 3600))
                .unwrap_or(default)
        };
        let key_refresh = std::env::var("KEY_REFRESH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(300);
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            signing_key_secret_id: required("SIGNING_KEY_SECRET_ID")?,
            pepper_secret_id: required("CLIENT_SECRET_PEPPER_SECRET_ID")?,
            token_issuer: required("TOKEN_ISSUER")?.trim_end_matches('/').to_owned(),
            key_refresh: Duration::from_secs(key_refresh),
            mail_from: std::env::var("MAIL_FROM").unwrap_or_else(|_| "no-reply@example.com".into()),
            links: LinkLifetimes {
                confirmation: hours("CONFIRMATION_LINK_HOURS", defaults.confirmation),
                password_reset: hours("PASSWORD_RESET_LINK_HOURS", defaults.password_reset),
                welcome: hours("WELCOME_LINK_HOURS", defaults.welcome),
            },
            secret_rotation_grace: hours(
                "SECRET_ROTATION_GRACE_HOURS",
                Duration::from_secs(24 * 3600),
            ),
            default_website_id: std::env::var("DEFAULT_WEBSITE_ID")
                .ok()
                .and_then(|v| v.parse().ok()),
            sessions: session_lifetimes(),
        })
    }
}

/// Session lifetimes from `CUSTOMER_SESSION_IDLE_HOURS`,
/// `CUSTOMER_SESSION_ABSOLUTE_HOURS`, `BACK_OFFICE_SESSION_IDLE_HOURS` and
/// `BACK_OFFICE_SESSION_ABSOLUTE_HOURS`; unset or unreadable ones keep their defaults.
fn session_lifetimes() -> crate::session::SessionLifetimes {
    let defaults = crate::session::SessionLifetimes::default();
    let hours = |name: &str, default: time::Duration| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .filter(|h| *h > 0)
            .map(time::Duration::hours)
            .unwrap_or(default)
    };
    crate::session::SessionLifetimes {
        customer_idle: hours("CUSTOMER_SESSION_IDLE_HOURS", defaults.customer_idle),
        customer_absolute: hours(
            "CUSTOMER_SESSION_ABSOLUTE_HOURS",
            defaults.customer_absolute,
        ),
        back_office_idle: hours("BACK_OFFICE_SESSION_IDLE_HOURS", defaults.back_office_idle),
        back_office_absolute: hours(
            "BACK_OFFICE_SESSION_ABSOLUTE_HOURS",
            defaults.back_office_absolute,
        ),
    }
}
