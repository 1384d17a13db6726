//! The template's safeguards for running the stack on AWS, checked by
//! `routes::the_template_keeps_its_production_safeguards`.

use serde_yaml::Value;

use super::routes::reference;

/// What running the stack on AWS needs: public functions with reserved concurrency, alarms
/// that notify the operator's topic (or nobody), a sender that is not the placeholder,
/// an issuer that is an https origin, a point-in-time recoverable table, and bounds on
/// AWS calls well inside the functions' timeout.
pub(crate) fn assert_operable(template: &Value, resources: &serde_yaml::Mapping) {
    let parameters = &template["Parameters"];
    for (function, parameter) in [
        ("TokenFunction", "TokenReservedConcurrency"),
        ("ConfirmationFunction", "ConfirmationReservedConcurrency"),
    ] {
        assert_eq!(parameters[parameter]["Type"].as_str(), Some("Number"));
        let reserved = serde_yaml::to_string(
            &resources[function]["Properties"]["ReservedConcurrentExecutions"],
        )
        .unwrap();
        assert!(reserved.contains(parameter), "{function}: {reserved}");
    }
    assert_eq!(parameters["AlarmTopicArn"]["Default"].as_str(), Some(""));
    let mut alarmed = Vec::new();
    for (_, alarm) in resources {
        if alarm["Type"].as_str() != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let properties = &alarm["Properties"];
        let actions = serde_yaml::to_string(&properties["AlarmActions"]).unwrap();
        assert!(
            actions.contains("HasAlarmTopic") && actions.contains("AlarmTopicArn"),
            "{actions}"
        );
        let metrics = serde_yaml::to_string(properties).unwrap();
        for metric in [
            "MetricName: 5xx",
            "MetricName: Throttles",
            "MetricName: Errors",
        ] {
            if metrics.contains(metric) {
                alarmed.push(metric);
            }
        }
        if metrics.contains("MetricName: Errors") {
            assert_eq!(
                reference(&properties["Dimensions"][0]["Value"]),
                Some("TokenFunction")
            );
        }
    }
    alarmed.sort();
    assert_eq!(
        alarmed,
        [
            "MetricName: 5xx",
            "MetricName: Errors",
            "MetricName: Throttles"
        ]
    );
    let mail_rule = serde_yaml::to_string(&template["Rules"]).unwrap();
    assert!(
        mail_rule.contains("MailFrom") && mail_rule.contains("no-reply@example.com"),
        "a deploy with the placeholder sender is refused: {mail_rule}"
    );
    assert_eq!(
        parameters["MailFrom"]["Default"].as_str(),
        Some("no-reply@example.com")
    );
    let issuer = full_match(
        parameters["TokenIssuer"]["AllowedPattern"]
            .as_str()
            .unwrap(),
    );
    for good in ["", "https://api.example.com", "https://id.example.com:8443"] {
        assert!(issuer(good), "{good:?} is an https origin");
    }
    for bad in [
        "http://api.example.com",
        "https://api.example.com/",
        "https://api.example.com/v1",
        "api.example.com",
    ] {
        assert!(!issuer(bad), "{bad:?} is refused");
    }
    assert_eq!(
        resources["Table"]["Properties"]["PointInTimeRecoverySpecification"]
            ["PointInTimeRecoveryEnabled"]
            .as_bool(),
        Some(true)
    );
    let timeout = template["Globals"]["Function"]["Timeout"].as_u64().unwrap();
    assert!(
        shared::aws::OPERATION_TIMEOUT * 2 <= std::time::Duration::from_secs(timeout),
        "an AWS call gives up within half the functions' {timeout} s timeout"
    );
}

/// Whether a whole text matches the template's `pattern`.
fn full_match(pattern: &str) -> impl Fn(&str) -> bool {
    let pattern = regex_lite::Regex::new(pattern).expect("a valid pattern");
    move |text| {
        pattern
            .find(text)
            .is_some_and(|m| m.len() == text.len() && m.start() == 0)
    }
}
