//! The mail port: sending a finished MIME message.

mod ses;
mod template;

pub use ses::SesMailer;
pub use template::{LOCALES, Rendered, Template, render};

use async_trait::async_trait;

use crate::domain::Email;

/// A message ready to send: headers and body as RFC 5322 bytes.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub to: Email,
    pub raw: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message was rejected: {0}")]
    Rejected(String),
    /// The mail service did not answer, or refused for now: the message was not sent.
    #[error("{0}")]
    Unavailable(crate::ports::Outage),
    #[error("the mail service failed: {0}")]
    Backend(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends the message; returns the provider's message id.
    async fn send(&self, message: &OutgoingMessage) -> Result<String, MailError>;
    /// The sender address every message carries.
    fn sender(&self) -> &str;
}

/// Builds a multipart (text and HTML) message.
pub fn compose(
    from: &str,
    to: &Email,
    rendered: &template::Rendered,
) -> Result<OutgoingMessage, MailError> {
    let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
    let raw = mail_builder::MessageBuilder::new()
        .from(from)
        .to(to.as_str())
        .message_id(format!("{}@{domain}", uuid::Uuid::now_v7()))
        .subject(rendered.subject.as_str())
        .text_body(rendered.text.as_str())
        .html_body(rendered.html.as_str())
        .write_to_vec()
        .map_err(|e| MailError::Backend(e.to_string()))?;
    Ok(OutgoingMessage {
        to: to.clone(),
        raw,
    })
}
