//! The SES v2 adapter sends raw MIME through the emulator, which keeps what it sent.

use integration_tests::Stack;
use shared::{
    domain::Email,
    mail::{Mailer, OutgoingMessage},
};

#[tokio::test]
async fn sends_a_raw_multipart_message_that_the_emulator_records() {
    let stack = Stack::new().await;
    let marker = uuid::Uuid::now_v7().simple().to_string();
    let to = Email::parse(&format!("jane-{marker}@example.org")).unwrap();
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Hello {marker}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Jane\r\n\
         --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello Jane</p>\r\n--b--\r\n",
        from = stack.services.mailer().sender(),
    );
    let message = OutgoingMessage {
        to: to.clone(),
        raw: raw.into_bytes(),
    };
    let id = stack.services.mailer().send(&message).await.expect("sent");
    assert!(!id.is_empty());

    let sent = integration_tests::sent_emails()
        .await
        .into_iter()
        .find(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&marker)))
        .expect("the message reached the emulator");
    assert_eq!(sent["source"], stack.services.mailer().sender());
    assert!(
        sent["destinations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d == to.as_str())
    );
    let body = sent["raw_data"].as_str().unwrap();
    assert!(body.contains("text/plain") && body.contains("text/html"));
}

#[tokio::test]
async fn an_unverified_sender_is_refused_as_rejected() {
    let stack = Stack::new().await;
    let sdk = shared::aws::sdk_config().expect("the SDK configuration");
    let stranger = shared::mail::SesMailer::new(
        shared::aws::LazyClient::new(&sdk, aws_sdk_sesv2::Client::new),
        "nobody@unverified.example",
    );
    let message = OutgoingMessage {
        to: Email::parse("jane@example.org").unwrap(),
        raw: b"From: nobody@unverified.example\r\nTo: jane@example.org\r\nSubject: x\r\n\r\nx"
            .to_vec(),
    };
    let error = stranger.send(&message).await.expect_err("refused");
    assert!(
        matches!(error, shared::mail::MailError::Rejected(_)),
        "{error}"
    );
    drop(stack);
}
