//! How long a call to AWS may take, how it is retried, and which failures mean that the
//! dependency is down for now (an [`Outage`]) rather than that the call was wrong.
//!
//! The bounds are chosen against the functions' 10 second Lambda timeout
//! (`infra/template.yaml`, `Globals.Function.Timeout`): one call gives up after
//! [`OPERATION_TIMEOUT`], so a request whose dependency hangs answers 503 itself,
//! well before Lambda ends it and API Gateway answers its own opaque error. The
//! figures are written down in `docs/deployment.md`, "Timeouts and retries".

use std::time::Duration;

use aws_config::{retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::SdkSetupError;
use crate::ports::{Outage, OutageCause};

/// One attempt (connection, request, answer). DynamoDB answers in milliseconds; SES and
/// Secrets Manager in tens of them: two seconds is far beyond a healthy answer.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// One call, its retries and their pauses included: under half the Lambda timeout, so
/// that a request whose call hangs still has the time to answer.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);

/// Attempts per call (the SDK's standard mode: a first attempt and two retries of a
/// transient failure, with the SDK's retry quota shared by the container's calls).
pub const MAX_ATTEMPTS: u32 = 3;

/// The pause before the first retry is a random duration up to this, doubled for each
/// further retry...
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(50);

/// ...and never more than this.
pub const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// Replaces [`ATTEMPT_TIMEOUT`], in milliseconds.
pub const ATTEMPT_TIMEOUT_VARIABLE: &str = "AWS_CALL_ATTEMPT_TIMEOUT_MS";
/// Replaces [`OPERATION_TIMEOUT`], in milliseconds.
pub const OPERATION_TIMEOUT_VARIABLE: &str = "AWS_CALL_TIMEOUT_MS";

/// The timeouts of every call of a container or an operator's command: the constants
/// above, unless `AWS_CALL_ATTEMPT_TIMEOUT_MS` or `AWS_CALL_TIMEOUT_MS` says otherwise
/// (the test suite's one emulator, shared by every test and serving one request at a
/// time, is far slower than DynamoDB on a busy machine).
pub(super) fn timeout_config(
    var: impl Fn(&str) -> Option<String>,
) -> Result<TimeoutConfig, SdkSetupError> {
    let millis = |name: &'static str, default: Duration| match var(name) {
        None => Ok(default),
        Some(value) if value.is_empty() => Ok(default),
        Some(value) => value
            .parse::<u64>()
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
            .ok_or(SdkSetupError::InvalidTimeout { name, value }),
    };
    Ok(TimeoutConfig::builder()
        .operation_attempt_timeout(millis(ATTEMPT_TIMEOUT_VARIABLE, ATTEMPT_TIMEOUT)?)
        .operation_timeout(millis(OPERATION_TIMEOUT_VARIABLE, OPERATION_TIMEOUT)?)
        .build())
}

/// The retries of every call: the standard mode with short pauses, since a request
/// waits for them.
pub(super) fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// Error codes by which a service turns a call away for now.
const REFUSED_FOR_NOW: [&str; 10] = [
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "LimitExceededException",
    "InternalServerError",
    "InternalServiceError",
    "InternalFailure",
    "ServiceUnavailable",
];

/// The outage `error` reports, if it is one: a call that timed out, could not be sent
/// or answered, or that the service refused for now (throttling, a 5xx). The dependency
/// and the operation are read from the operation's error type
/// (`aws_sdk_dynamodb::operation::query::QueryError` is DynamoDB's `Query`).
pub fn outage<E, R>(error: &SdkError<E, R>) -> Option<Outage>
where
    E: ProvideErrorMetadata,
    R: HasStatus,
{
    let cause = match error {
        SdkError::TimeoutError(_) => OutageCause::TimedOut,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => OutageCause::TimedOut,
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => OutageCause::Unreachable,
        SdkError::ServiceError(failure)
            if failure.raw().is_server_error_or_throttled()
                || failure
                    .err()
                    .code()
                    .is_some_and(|code| REFUSED_FOR_NOW.contains(&code)) =>
        {
            OutageCause::Refused
        }
        _ => return None,
    };
    let (dependency, operation) = named(std::any::type_name::<E>());
    Some(Outage {
        dependency,
        operation,
        cause,
    })
}

/// An HTTP answer whose status tells a failure of the service from one of the call.
pub trait HasStatus {
    fn is_server_error_or_throttled(&self) -> bool;
}

impl HasStatus for aws_smithy_runtime_api::http::Response {
    fn is_server_error_or_throttled(&self) -> bool {
        let status = self.status();
        status.is_server_error() || status.as_u16() == 429
    }
}

/// The dependency and the operation of an SDK operation error type's path.
fn named(type_name: &'static str) -> (&'static str, &'static str) {
    let dependency = match type_name.split("::").next().unwrap_or_default() {
        "aws_sdk_dynamodb" => "DynamoDB",
        "aws_sdk_sesv2" => "SES",
        "aws_sdk_secretsmanager" => "Secrets Manager",
        other => other,
    };
    let last = type_name.rsplit("::").next().unwrap_or(type_name);
    let operation = last.strip_suffix("Error").unwrap_or(last);
    (dependency, operation)
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::query::QueryError;
    use aws_smithy_runtime_api::{
        client::result::{ConnectorError, ServiceError},
        http::{Response, StatusCode},
    };
    use aws_smithy_types::{body::SdkBody, error::ErrorMetadata};

    use super::*;

    type Failure = SdkError<QueryError, Response>;

    fn service_error(status: u16, code: &str) -> Failure {
        let meta = ErrorMetadata::builder().code(code).build();
        SdkError::ServiceError(
            ServiceError::builder()
                .source(QueryError::generic(meta))
                .raw(Response::new(
                    StatusCode::try_from(status).unwrap(),
                    SdkBody::empty(),
                ))
                .build(),
        )
    }

    #[test]
    fn the_operation_and_dependency_are_named_from_the_error_type() {
        assert_eq!(
            named(std::any::type_name::<QueryError>()),
            ("DynamoDB", "Query")
        );
        assert_eq!(
            named(std::any::type_name::<
                aws_sdk_sesv2::operation::send_email::SendEmailError,
            >()),
            ("SES", "SendEmail")
        );
        assert_eq!(
            named(std::any::type_name::<
                aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError,
            >()),
            ("Secrets Manager", "GetSecretValue")
        );
    }

    #[test]
    fn timeouts_broken_connections_throttling_and_5xx_are_outages() {
        let timed_out: Failure = SdkError::timeout_error("attempt timeout");
        assert_eq!(
            outage(&timed_out),
            Some(Outage {
                dependency: "DynamoDB",
                operation: "Query",
                cause: OutageCause::TimedOut
            })
        );
        let refused: Failure =
            SdkError::dispatch_failure(ConnectorError::io("connection refused".into()));
        assert_eq!(
            outage(&refused).map(|o| o.cause),
            Some(OutageCause::Unreachable)
        );
        let slow_connect: Failure =
            SdkError::dispatch_failure(ConnectorError::timeout("connect".into()));
        assert_eq!(
            outage(&slow_connect).map(|o| o.cause),
            Some(OutageCause::TimedOut)
        );
        for (status, code) in [
            (400, "ProvisionedThroughputExceededException"),
            (400, "ThrottlingException"),
            (500, "InternalServerError"),
            (503, "Anything"),
        ] {
            assert_eq!(
                outage(&service_error(status, code)).map(|o| o.cause),
                Some(OutageCause::Refused),
                "{status} {code}"
            );
        }
    }

    #[test]
    fn a_call_the_service_refused_on_its_merits_is_no_outage() {
        for code in [
            "ConditionalCheckFailedException",
            "ValidationException",
            "ResourceNotFoundException",
        ] {
            assert_eq!(outage(&service_error(400, code)), None, "{code}");
        }
        let unbuildable: Failure = SdkError::construction_failure("no table name");
        assert_eq!(outage(&unbuildable), None);
    }

    #[test]
    fn an_operation_gives_up_within_half_the_function_timeout() {
        let lambda_timeout = Duration::from_secs(10);
        assert!(OPERATION_TIMEOUT * 2 <= lambda_timeout);
        assert!(ATTEMPT_TIMEOUT < OPERATION_TIMEOUT);
        let config = timeout_config(|_| None).unwrap();
        assert_eq!(config.operation_timeout(), Some(OPERATION_TIMEOUT));
        assert_eq!(config.operation_attempt_timeout(), Some(ATTEMPT_TIMEOUT));
        assert_eq!(retry_config().max_attempts(), MAX_ATTEMPTS);
    }

    #[test]
    fn the_timeouts_can_be_set_in_milliseconds_and_a_bad_value_is_named() {
        let config = timeout_config(|name| match name {
            "AWS_CALL_ATTEMPT_TIMEOUT_MS" => Some("30000".to_owned()),
            "AWS_CALL_TIMEOUT_MS" => Some(String::new()),
            _ => None,
        })
        .unwrap();
        assert_eq!(
            config.operation_attempt_timeout(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(config.operation_timeout(), Some(OPERATION_TIMEOUT));
        for bad in ["0", "2s", "-1"] {
            let error =
                timeout_config(|name| (name == "AWS_CALL_TIMEOUT_MS").then(|| bad.to_owned()))
                    .unwrap_err();
            assert!(error.to_string().contains("AWS_CALL_TIMEOUT_MS"), "{error}");
        }
    }
}
