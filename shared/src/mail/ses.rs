use async_trait::async_trait;
use aws_sdk_sesv2::{
    Client,
    error::{DisplayErrorContext, SdkError},
    operation::send_email::SendEmailError,
    primitives::Blob,
    types::{Destination, EmailContent, RawMessage},
};

use super::{MailError, Mailer, OutgoingMessage};
use crate::aws::LazyClient;

/// Sends raw MIME messages through SES v2, so every part and header arrives as built.
/// The client is built for the first message: most requests of the functions that
/// send mail send none, and a cold start need not pay for it.
#[derive(Clone)]
pub struct SesMailer {
    client: LazyClient<Client>,
    from: String,
}

impl SesMailer {
    pub fn new(client: LazyClient<Client>, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, message: &OutgoingMessage) -> Result<String, MailError> {
        let raw = RawMessage::builder()
            .data(Blob::new(message.raw.clone()))
            .build()
            .map_err(|e| MailError::Backend(e.to_string()))?;
        let result = self
            .client
            .get()
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.message_id.unwrap_or_default()),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), SendEmailError::MessageRejected(_)) =>
            {
                Err(MailError::Rejected(
                    DisplayErrorContext(SdkError::ServiceError(e)).to_string(),
                ))
            }
            Err(e) => Err(match crate::aws::outage(&e) {
                Some(outage) => MailError::Unavailable(outage),
                None => MailError::Backend(DisplayErrorContext(e).to_string()),
            }),
        }
    }

    fn sender(&self) -> &str {
        &self.from
    }
}

impl SesMailer {
    /// Registers the sender address as an SES identity (idempotent). In AWS the address
    /// must then be verified; the local emulator verifies at once.
    pub async fn ensure_sender_identity(&self) -> Result<(), MailError> {
        match self
            .client
            .get()
            .create_email_identity()
            .email_identity(&self.from)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_already_exists_exception() => Ok(()),
            Err(e) => Err(MailError::Backend(DisplayErrorContext(e).to_string())),
        }
    }
}
