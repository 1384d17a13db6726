//! Structured JSON logs through `tracing`. Nothing here logs bodies or headers: secrets,
//! passwords and tokens travel in them.

use tracing::{Level, Subscriber, level_filters::LevelFilter};
use tracing_subscriber::{filter::Targets, fmt::MakeWriter, prelude::*};

/// Crates that see every request whole: the Lambda runtime logs the raw event (headers
/// with bearer tokens and client credentials, bodies with passwords) at `trace`. Whatever
/// `RUST_LOG` says, they log at most at this level.
const RAW_EVENT_TARGETS: [&str; 3] = ["lambda_runtime", "lambda_runtime_api_client", "lambda_http"];
const RAW_EVENT_CAP: LevelFilter = LevelFilter::INFO;

/// `RUST_LOG` holds a default level and per-crate levels (`info,aws_smithy_runtime=debug`);
/// anything else, or nothing, means `info`. A per-target filter, not the regex-based
/// `EnvFilter`, keeps a regex engine out of every binary.
pub fn init() {
    subscriber(std::env::var("RUST_LOG").ok().as_deref(), std::io::stdout).init();
}

/// What [`init`] installs, writing to `writer`: JSON lines filtered by `directives`
/// (`RUST_LOG`'s syntax), with the Lambda runtime's crates capped.
pub fn subscriber<W>(directives: Option<&str>, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let format = tracing_subscriber::fmt::layer()
        .json()
        .with_target(false)
        .with_current_span(false)
        .flatten_event(true)
        .without_time() // Lambda stamps every line itself.
        .with_writer(writer);
    tracing_subscriber::registry().with(format.with_filter(filter(directives)))
}

fn filter(directives: Option<&str>) -> Targets {
    let asked = directives
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let raw_event = |target: &str| RAW_EVENT_TARGETS.iter().any(|t| target.starts_with(t));
    let mut capped = match asked.default_level() {
        Some(level) => Targets::new().with_default(level),
        None => Targets::new(),
    };
    // A directive for one of those crates, or a module of one (more specific, so it
    // would win over a cap on the crate), is lowered to the cap.
    for (target, level) in asked {
        let level = if raw_event(&target) {
            level.min(RAW_EVENT_CAP)
        } else {
            level
        };
        capped = capped.with_target(target, level);
    }
    // Each crate itself: at most the cap, and never more than it logged before.
    for target in RAW_EVENT_TARGETS {
        let asked_level = [
            Level::TRACE,
            Level::DEBUG,
            Level::INFO,
            Level::WARN,
            Level::ERROR,
        ]
        .into_iter()
        .find(|level| capped.would_enable(target, level))
        .map_or(LevelFilter::OFF, LevelFilter::from_level);
        capped = capped.with_target(target, asked_level.min(RAW_EVENT_CAP));
    }
    capped
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

    #[test]
    fn the_lambda_runtime_never_logs_below_info() {
        let raw_event = "lambda_runtime::layers::api_response";
        for directives in [
            "trace",
            "trace,lambda_runtime=trace",
            "info,lambda_runtime::layers::api_response=trace",
            "lambda=trace",
            "lambda_http=trace,lambda_runtime_api_client=debug",
        ] {
            let filter = filter(Some(directives));
            for target in [raw_event, "lambda_http", "lambda_runtime_api_client"] {
                assert!(
                    !filter.would_enable(target, &Level::DEBUG),
                    "{directives}: {target}"
                );
            }
        }
        let trace = filter(Some("trace"));
        assert!(
            trace.would_enable("shared", &Level::TRACE),
            "others keep trace"
        );
        assert!(trace.would_enable(raw_event, &Level::INFO));
        assert!(!filter(Some("warn")).would_enable(raw_event, &Level::INFO));
        assert!(!filter(Some("lambda_runtime=off")).would_enable(raw_event, &Level::ERROR));
    }
}
