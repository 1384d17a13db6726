//! The mail port: sending a finished MIME message.

mod ses;

pub use ses::SesMailer;

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
