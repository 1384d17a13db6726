//! Structured JSON logs through `tracing`. Nothing here logs bodies or headers: secrets,
//! passwords and tokens travel in them.

use tracing_subscriber::{filter::Targets, prelude::*};

/// `RUST_LOG` holds a default level and per-crate levels (`info,aws_smithy_runtime=debug`);
/// anything else, or nothing, means `info`. A per-target filter, not the regex-based
/// `EnvFilter`, keeps a regex engine out of every binary.
pub fn init() {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_target(false)
        .with_current_span(false)
        .flatten_event(true)
        .without_time(); // Lambda stamps every line itself.
    tracing_subscriber::registry()
        .with(format.with_filter(filter))
        .init();
}

fn filter(directives: Option<&str>) -> Targets {
    directives
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::filter;

    #[test]
    fn rust_log_sets_the_default_and_per_crate_levels() {
        let quiet = filter(Some("warn"));
        assert!(!quiet.would_enable("shared", &Level::INFO));
        assert!(quiet.would_enable("shared", &Level::WARN));
        let detailed = filter(Some("info,aws_smithy_runtime=debug"));
        assert!(detailed.would_enable("aws_smithy_runtime", &Level::DEBUG));
        assert!(!detailed.would_enable("shared", &Level::DEBUG));
    }

    #[test]
    fn without_rust_log_or_with_an_unreadable_one_the_level_is_info() {
        for directives in [None, Some("shared[span]=not-a-level")] {
            let default = filter(directives);
            assert!(default.would_enable("shared", &Level::INFO));
            assert!(!default.would_enable("shared", &Level::DEBUG));
        }
    }
}
