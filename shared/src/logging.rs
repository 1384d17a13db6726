//! Structured JSON logs through `tracing`. Nothing here logs bodies or headers: secrets,
//! passwords and tokens travel in them.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .flatten_event(true)
        .without_time() // Lambda stamps every line itself.
        .init();
}
