//! Emails to customer users: rendered in their localization, sent, and written to their
//! notification log whatever the outcome.

use std::sync::Arc;

use crate::{
    customer_user::{
        CustomerUser, DeliveryStatus, LinkPurpose, Notification, OneTimeLink,
        decoy_customer_user_id,
    },
    directory::{User, Website},
    domain::{Email, NotificationId, now},
    mail::{Mailer, Template, compose, render},
    ports::{CustomerUserStore, UserStore},
};

/// The mailbox simulator of SES: mail to it is accepted and dropped, which lets a
/// request for an unknown account do the same work as one for a real account.
pub const DECOY_RECIPIENT: &str = "success@simulator.amazonses.com";

#[derive(Clone)]
pub struct Notifier {
    mailer: Arc<dyn Mailer>,
    log: Arc<dyn CustomerUserStore>,
    user_log: Arc<dyn UserStore>,
}

/// Where a one-time link of `purpose` lands on the storefront.
pub fn link_url(website: &Website, purpose: LinkPurpose, token: &str) -> String {
    let page = match purpose {
        LinkPurpose::Confirmation => "confirm",
        LinkPurpose::PasswordReset => "password-reset",
        LinkPurpose::Welcome => "set-password",
    };
    format!("{}/customer-user/{page}?token={token}", website.url)
}

/// When a link stops working, as people read it (`2026-12-05 21:52 UTC`).
pub fn expiry_text(link: &OneTimeLink) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    link.valid_until
        .to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

impl Notifier {
    pub fn new(
        mailer: Arc<dyn Mailer>,
        log: Arc<dyn CustomerUserStore>,
        user_log: Arc<dyn UserStore>,
    ) -> Self {
        Self {
            mailer,
            log,
            user_log,
        }
    }

    /// Sends `template` to a back-office user (in en_US) and logs it.
    pub async fn send_to_user(
        &self,
        user: &User,
        template: Template,
        extra: &[(&str, &str)],
    ) -> Notification {
        let mut values = vec![
            ("first_name", user.first_name.as_str()),
            ("last_name", user.last_name.as_str()),
        ];
        values.extend_from_slice(extra);
        let rendered = render(template, None, &values);
        let notification = self.deliver(&user.email, template, &rendered).await;
        if let Err(e) = self
            .user_log
            .record_user_notification(user.id, &notification)
            .await
        {
            tracing::error!(user_id = %user.id, error = %e, "the notification log was not written");
        }
        notification
    }

    async fn deliver(
        &self,
        to: &Email,
        template: Template,
        rendered: &crate::mail::Rendered,
    ) -> Notification {
        let outcome = match compose(self.mailer.sender(), to, rendered) {
            Ok(message) => self.mailer.send(&message).await.map(|_| ()),
            Err(error) => Err(error),
        };
        let error = outcome.err().map(|e| e.to_string());
        if let Some(error) = &error {
            tracing::warn!(template = template.name(), %error, "an email was not sent");
        }
        Notification {
            id: NotificationId::generate(),
            template: template.name().to_owned(),
            recipient: to.clone(),
            at: now(),
            status: if error.is_some() {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Sent
            },
            error,
        }
    }

    /// Sends `template` with a one-time link.
    pub async fn send_link(
        &self,
        user: &CustomerUser,
        website: &Website,
        template: Template,
        token: &str,
        link: &OneTimeLink,
    ) -> Notification {
        let url = link_url(website, link.purpose, token);
        let expires = expiry_text(link);
        self.send(
            user,
            website,
            template,
            &[("link", &url), ("expires", &expires)],
        )
        .await
    }

    /// Sends `template`; `extra` fills placeholders beyond the user's and website's names.
    pub async fn send(
        &self,
        user: &CustomerUser,
        website: &Website,
        template: Template,
        extra: &[(&str, &str)],
    ) -> Notification {
        self.send_to(user, &user.email, website, template, extra)
            .await
    }

    /// [`Self::send`] to `to` rather than the user's address, such as the one it had
    /// before a change; logged with the user's other emails.
    pub async fn send_to(
        &self,
        user: &CustomerUser,
        to: &Email,
        website: &Website,
        template: Template,
        extra: &[(&str, &str)],
    ) -> Notification {
        let mut values = vec![
            ("first_name", user.first_name.as_str()),
            ("last_name", user.last_name.as_str()),
            ("website_name", website.name.as_str()),
        ];
        values.extend_from_slice(extra);
        let rendered = render(template, user.preferred_localization.as_ref(), &values);
        let notification = self.deliver(to, template, &rendered).await;
        if let Err(e) = self.log.record_notification(user.id, &notification).await {
            tracing::error!(customer_user_id = %user.id, error = %e, "the notification log was not written");
        }
        notification
    }

    /// Renders and sends `template` to the SES mailbox simulator, and logs it under the
    /// decoy customer user (one entry, overwritten), as a real send would be logged.
    pub async fn send_decoy(&self, website: &Website, template: Template) {
        let rendered = render(
            template,
            None,
            &[
                ("first_name", "-"),
                ("last_name", "-"),
                ("website_name", website.name.as_str()),
                ("link", website.url.as_str()),
                ("expires", "-"),
            ],
        );
        let to = Email::parse(DECOY_RECIPIENT).expect("a valid address");
        if let Ok(message) = compose(self.mailer.sender(), &to, &rendered)
            && let Err(error) = self.mailer.send(&message).await
        {
            tracing::debug!(%error, "the decoy email was not sent");
        }
        let entry = Notification {
            id: "00000000-0000-7000-8000-000000000000"
                .parse()
                .expect("a valid UUID"),
            template: template.name().to_owned(),
            recipient: to,
            at: now(),
            status: DeliveryStatus::Sent,
            error: None,
        };
        if let Err(error) = self
            .log
            .record_notification(decoy_customer_user_id(), &entry)
            .await
        {
            tracing::debug!(%error, "the decoy log entry was not written");
        }
    }
}
