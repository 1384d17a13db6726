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
        from = stack.services.mailer.sender(),
    );
    let message = OutgoingMessage {
        to: to.clone(),
        raw: raw.into_bytes(),
    };
    let id = stack.services.mailer.send(&message).await.expect("sent");
    assert!(!id.is_empty());

    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let data: serde_json::Value = reqwest_free_get(&format!("{endpoint}/moto-api/data.json")).await;
    let sent = data["ses"]["RawMessage"]
        .as_array()
        .expect("raw messages")
        .iter()
        .find(|m| m["raw_data"].as_str().is_some_and(|r| r.contains(&marker)))
        .expect("the message reached the emulator");
    assert_eq!(sent["source"], stack.services.mailer.sender());
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
    let sdk = aws_config::load_from_env().await;
    let stranger = shared::mail::SesMailer::new(
        aws_sdk_sesv2::Client::new(&sdk),
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

/// A GET over plain HTTP/1.1 on loopback, without an HTTP client dependency.
async fn reqwest_free_get(url: &str) -> serde_json::Value {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest
            .split_once('/')
            .map(|(h, p)| (h, format!("/{p}")))
            .unwrap();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response);
        let (_, body) = text.split_once("\r\n\r\n").expect("a body");
        serde_json::from_str(body).expect("JSON")
    })
    .await
    .unwrap()
}
