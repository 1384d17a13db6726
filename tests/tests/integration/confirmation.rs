//! Email confirmation, welcome and password flows, reading each email back from the
//! emulator and following its link, in each of the three locales.

use std::sync::Arc;

use async_trait::async_trait;
use http::{Method, StatusCode};
use integration_tests::{Reply, SentEmail, Stack, emails_to};
use serde_json::{Value, json};
use shared::{
    auth::SecretHash,
    customer_user::{CustomerUser, LinkPurpose, OneTimeLink},
    domain::Localization,
    mail::{LOCALES, Template, render},
    ports::{LinkStore, StoreError, StoreResult},
    store::DynamoStore,
};

fn uid() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The subject `template` has in `locale`, as the templates in the repository say.
fn subject(template: Template, locale: &str) -> String {
    render(
        template,
        Some(&Localization::parse(locale).unwrap()),
        &[("website_name", "Default Website")],
    )
    .subject
}

/// Turns on every locale on the default website.
async fn multilingual(stack: &Stack, token: &str) {
    let path = format!("/admin/websites/{}", stack.provisioned.website_id);
    let reply = stack
        .request(Method::PATCH, &path)
        .bearer(token)
        .if_match("\"1\"")
        .json(&json!({"localizations": LOCALES}))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

async fn register(stack: &Stack, token: &str, email: &str, locale: &str) -> Reply {
    let customer = stack.customer(&format!("Customer {}", uid())).await;
    let reply = stack
        .request(Method::POST, "/admin/customer-users")
        .bearer(token)
        .json(&json!({
            "customer_id": customer,
            "first_name": "Jana",
            "last_name": "Novak",
            "email": email,
            "confirmed": false,
            "preferred_localization": locale,
            "role_ids": [stack.provisioned.buyer_role_id],
        }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply
}

async fn last_email(email: &str) -> SentEmail {
    emails_to(email).await.pop().expect("an email was sent")
}

async fn public(stack: &Stack, path: &str, body: Value) -> Reply {
    stack.request(Method::POST, path).json(&body).send().await
}

#[tokio::test]
async fn a_registration_is_confirmed_once_and_only_once_in_each_locale() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    multilingual(&stack, &token).await;
    for locale in LOCALES {
        let email = format!("reg-{locale}-{}@example.com", uid());
        let user = register(&stack, &token, &email, locale).await;
        assert_eq!(user.json["confirmed"], false);
        let mail = last_email(&email).await;
        assert_eq!(
            mail.subject,
            subject(Template::Confirmation, locale),
            "{locale}"
        );
        assert!(
            mail.text
                .contains("https://shop.example.test/customer-user/confirm?token="),
            "{locale}"
        );
        assert!(mail.html.contains("Jana"), "{locale}");

        let link_token = mail.link_token();
        let confirmed = public(
            &stack,
            "/customer-user/confirm",
            json!({"token": link_token}),
        )
        .await;
        assert_eq!(
            confirmed.status,
            StatusCode::OK,
            "{locale}: {}",
            confirmed.text
        );
        let again = public(
            &stack,
            "/customer-user/confirm",
            json!({"token": link_token}),
        )
        .await;
        assert_eq!(
            again.status,
            StatusCode::BAD_REQUEST,
            "{locale}: used once only"
        );

        let path = format!(
            "/admin/customer-users/{}",
            user.json["id"].as_str().unwrap()
        );
        let read = stack
            .request(Method::GET, &path)
            .bearer(&token)
            .send()
            .await;
        assert_eq!(read.json["confirmed"], true);
        let welcome = last_email(&email).await;
        assert_eq!(
            welcome.subject,
            subject(Template::WelcomeAfterConfirmation, locale),
            "{locale}"
        );
        let templates: Vec<&str> = read.json["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["template"].as_str().unwrap())
            .collect();
        assert_eq!(
            templates,
            ["welcome_after_confirmation", "confirmation"],
            "newest first"
        );
    }
}

#[tokio::test]
async fn unknown_used_and_expired_links_get_one_answer() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("exp-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let unknown = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": "not-a-real-token"}),
    )
    .await;

    // An expired link: the same user's confirmation link, its validity moved to the past.
    let id = user.json["id"].as_str().unwrap().parse().unwrap();
    let stored = shared::ports::CustomerUserStore::get_customer_user(&stack.services.store, id)
        .await
        .unwrap()
        .unwrap();
    let (expired_token, mut link) = shared::customer_user::new_link(
        &stored,
        shared::customer_user::LinkPurpose::Confirmation,
        std::time::Duration::from_secs(60),
    );
    link.valid_until = shared::domain::now() - time::Duration::seconds(1);
    shared::ports::LinkStore::put_link(&stack.services.store, &link, Some(stored.version))
        .await
        .unwrap();
    let expired = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": expired_token}),
    )
    .await;

    for reply in [&unknown, &expired] {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(unknown.json, expired.json, "the answers do not tell which");
    let empty = public(&stack, "/customer-user/confirm", json!({"token": ""})).await;
    assert_eq!(empty.json, unknown.json);
}

#[tokio::test]
async fn confirming_a_confirmed_user_is_409() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("twice-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let link_token = last_email(&email).await.link_token();
    let path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );
    let by_admin = stack
        .request(Method::POST, &format!("{path}/confirm"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.text);
    assert_eq!(by_admin.json["template"], "welcome");
    assert_eq!(by_admin.json["status"], "sent");
    assert_eq!(by_admin.json["recipient"], email);
    assert_eq!(
        last_email(&email).await.subject,
        subject(Template::Welcome, "en_US")
    );
    let late = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": link_token}),
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text);
    let again = stack
        .request(Method::POST, &format!("{path}/confirm"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_emails() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let known = format!("known-{}@example.com", uid());
    register(&stack, &token, &known, "en_US").await;
    let unknown = format!("nobody-{}@example.com", uid());

    let for_known = public(
        &stack,
        "/customer-user/password-reset/request",
        json!({"email": known}),
    )
    .await;
    let for_unknown = public(
        &stack,
        "/customer-user/password-reset/request",
        json!({"email": unknown}),
    )
    .await;
    assert_eq!(for_known.status, StatusCode::ACCEPTED);
    assert_eq!(for_unknown.status, for_known.status);
    assert_eq!(for_unknown.text, for_known.text);
    let header_names = |r: &Reply| {
        let mut names: Vec<String> = r.headers.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(header_names(&for_unknown), header_names(&for_known));
    assert!(emails_to(&unknown).await.is_empty());
    let mail = last_email(&known).await;
    assert_eq!(mail.subject, subject(Template::ForgotPassword, "en_US"));
    assert!(
        mail.text
            .contains("https://shop.example.test/customer-user/password-reset?token=")
    );
}

/// A reset request names the website it comes from, but the link goes to the user's own
/// website: whoever asks cannot have a genuine link sent to another host.
#[tokio::test]
async fn a_reset_link_goes_to_the_users_own_website_whichever_the_request_names() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("own-site-{}@example.com", uid());
    register(&stack, &token, &email, "en_US").await;
    let elsewhere = stack
        .request(Method::POST, "/admin/websites")
        .bearer(&token)
        .json(&json!({"name": "Old shop", "url": "http://old-shop.example.test"}))
        .send()
        .await;
    assert_eq!(elsewhere.status, StatusCode::CREATED, "{}", elsewhere.text);

    let asked = public(
        &stack,
        "/customer-user/password-reset/request",
        json!({"email": email, "website_id": elsewhere.json["id"]}),
    )
    .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    let mail = last_email(&email).await;
    assert_eq!(mail.subject, subject(Template::ForgotPassword, "en_US"));
    assert!(
        mail.text
            .contains("https://shop.example.test/customer-user/password-reset?token="),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains("old-shop"), "{}", mail.text);
}

#[tokio::test]
async fn a_reset_link_sets_a_compliant_password_once() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    for locale in LOCALES {
        multilingual_once(&stack, &token).await;
        let email = format!("reset-{locale}-{}@example.com", uid());
        let user = register(&stack, &token, &email, locale).await;
        public(
            &stack,
            "/customer-user/password-reset/request",
            json!({"email": email.to_uppercase()}),
        )
        .await;
        let mail = last_email(&email).await;
        assert_eq!(
            mail.subject,
            subject(Template::ForgotPassword, locale),
            "{locale}"
        );
        let link_token = mail.link_token();

        let weak = public(
            &stack,
            "/customer-user/password-reset",
            json!({"token": link_token, "password": "weak"}),
        )
        .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(weak.error_fields(), ["password"]);
        let set = public(
            &stack,
            "/customer-user/password-reset",
            json!({"token": link_token, "password": "N3w-Passw0rd"}),
        )
        .await;
        assert_eq!(set.status, StatusCode::OK, "{locale}: {}", set.text);
        let reused = public(
            &stack,
            "/customer-user/password-reset",
            json!({"token": link_token, "password": "N3w-Passw0rd2"}),
        )
        .await;
        assert_eq!(reused.status, StatusCode::BAD_REQUEST);

        let read = stack
            .request(
                Method::GET,
                &format!(
                    "/admin/customer-users/{}",
                    user.json["id"].as_str().unwrap()
                ),
            )
            .bearer(&token)
            .send()
            .await;
        assert_eq!(read.json["has_password"], true);
        assert_eq!(read.json["confirmed"], true, "a reset proves the address");
        assert!(!format!("{:?}", stack.table_items().await).contains("N3w-Passw0rd"));
    }
}

/// Enables every locale unless already done (the website's version tells).
async fn multilingual_once(stack: &Stack, token: &str) {
    let path = format!("/admin/websites/{}", stack.provisioned.website_id);
    let site = stack.request(Method::GET, &path).bearer(token).send().await;
    if site.json["localizations"].as_array().unwrap().len() < 3 {
        multilingual(stack, token).await;
    }
}

#[tokio::test]
async fn reset_requests_are_limited_to_five_an_hour_per_email() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let known = format!("limited-{}@example.com", uid());
    register(&stack, &token, &known, "en_US").await;
    let unknown = format!("ghost-{}@example.com", uid());
    for email in [&known, &unknown] {
        for attempt in 1..=5 {
            let reply = public(
                &stack,
                "/customer-user/password-reset/request",
                json!({"email": email}),
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::ACCEPTED,
                "{email} attempt {attempt}"
            );
        }
        let sixth = public(
            &stack,
            "/customer-user/password-reset/request",
            json!({"email": email}),
        )
        .await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = sixth.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 3500 && retry <= 3600, "{retry}");
    }
    assert_eq!(
        emails_to(&known)
            .await
            .iter()
            .filter(|m| m.subject.contains("reset") || m.subject.contains("Reset"))
            .count(),
        5
    );
}

#[tokio::test]
async fn admin_actions_send_what_they_say_and_keep_the_rules() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("admin-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let first_link = last_email(&email).await.link_token();
    let path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );

    let resent = stack
        .request(Method::POST, &format!("{path}/resend-confirmation"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.text);
    assert_eq!(resent.json["template"], "confirmation");
    let second_link = last_email(&email).await.link_token();
    assert_ne!(first_link, second_link);
    let stale = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": first_link}),
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::BAD_REQUEST,
        "a new link replaces the older one"
    );
    assert_eq!(
        public(
            &stack,
            "/customer-user/confirm",
            json!({"token": second_link})
        )
        .await
        .status,
        StatusCode::OK
    );
    let confirmed = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(confirmed.json["confirmed"], true);
    let sent_before = emails_to(&email).await.len();
    let again = stack
        .request(Method::POST, &format!("{path}/resend-confirmation"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains("already confirmed"), "{}", again.text);
    let after = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(after.json["confirmed"], true, "a resend never unconfirms");
    assert_eq!(after.etag(), confirmed.etag(), "nothing was written");
    assert_eq!(
        emails_to(&email).await.len(),
        sent_before,
        "nothing was sent"
    );

    let forced = stack
        .request(Method::POST, &format!("{path}/reset-password"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(forced.status, StatusCode::OK, "{}", forced.text);
    assert_eq!(forced.json["template"], "forced_password_reset");
    assert_eq!(
        last_email(&email).await.subject,
        subject(Template::ForcedPasswordReset, "en_US")
    );
    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["password_reset_required"], true);
    assert_eq!(
        forced.etag(),
        read.etag(),
        "the action's answer carries the version it made"
    );
    assert_ne!(forced.etag(), resent.etag());
    let reset_link = last_email(&email).await.link_token();
    public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": reset_link, "password": "Fresh-Passw0rd"}),
    )
    .await;
    let read = stack
        .request(Method::GET, &path)
        .bearer(&token)
        .send()
        .await;
    assert_eq!(read.json["password_reset_required"], false);

    let welcome = stack
        .request(Method::POST, &format!("{path}/welcome-email"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(welcome.json["template"], "welcome");
    let welcome_link = last_email(&email).await.link_token();
    let templates: Vec<&str> = read.json["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["template"].as_str().unwrap())
        .collect();
    assert!(templates.contains(&"forced_password_reset") && templates.contains(&"confirmation"));

    let disabled = stack
        .request(Method::POST, &format!("{path}/disable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    let refused = stack
        .request(Method::POST, &format!("{path}/reset-password"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "only enabled users");
    let sent_before = emails_to(&email).await.len();
    for action in ["welcome-email", "confirm", "resend-confirmation"] {
        let refused = stack
            .request(Method::POST, &format!("{path}/{action}"))
            .bearer(&token)
            .send()
            .await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{action}: {}",
            refused.text
        );
        assert!(
            refused.text.contains("enable it first"),
            "{action}: {}",
            refused.text
        );
    }
    assert_eq!(emails_to(&email).await.len(), sent_before, "no link sent");
    let enabled = stack
        .request(Method::POST, &format!("{path}/enable"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    let revived = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": welcome_link, "password": "Another-Passw0rd"}),
    )
    .await;
    assert_eq!(
        revived.status,
        StatusCode::BAD_REQUEST,
        "disabling ended the links sent before: {}",
        revived.text
    );

    let stale_etag = stack
        .request(Method::POST, &format!("{path}/welcome-email"))
        .bearer(&token)
        .if_match("\"1\"")
        .send()
        .await;
    assert_eq!(stale_etag.status, StatusCode::PRECONDITION_FAILED);
    let no_scope = stack
        .token_with(&[shared::auth::Scope::CustomerUsersRead])
        .await;
    let forbidden = stack
        .request(Method::POST, &format!("{path}/welcome-email"))
        .bearer(&no_scope)
        .send()
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn setting_a_password_ends_every_other_pending_link() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("links-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let confirmation_link = last_email(&email).await.link_token();
    let path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );
    stack
        .request(Method::POST, &format!("{path}/welcome-email"))
        .bearer(&token)
        .send()
        .await;
    let welcome_link = last_email(&email).await.link_token();
    public(
        &stack,
        "/customer-user/password-reset/request",
        json!({"email": email}),
    )
    .await;
    let reset_link = last_email(&email).await.link_token();

    let set = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": reset_link, "password": "N3w-Passw0rd"}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let welcome = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": welcome_link, "password": "Other-Passw0rd"}),
    )
    .await;
    assert_eq!(welcome.status, StatusCode::BAD_REQUEST);
    let confirm = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": confirmation_link}),
    )
    .await;
    assert_eq!(confirm.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn using_an_emails_link_is_recorded_in_the_audit_log_and_asking_for_one_is_not() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("trail-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let user_id = user.json["id"].as_str().unwrap();
    let confirmed = public(
        &stack,
        "/customer-user/confirm",
        json!({"token": last_email(&email).await.link_token()}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    let asked = public(
        &stack,
        "/customer-user/password-reset/request",
        json!({"email": email, "website_id": stack.provisioned.website_id}),
    )
    .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    let reset = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": last_email(&email).await.link_token(), "password": "Trail-Passw0rd"}),
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);

    let log = stack
        .request(
            Method::GET,
            &format!("/admin/audit-events?resource_id={user_id}"),
        )
        .bearer(&token)
        .send()
        .await;
    let events: Vec<(&str, &Value)> = log.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), &e["actor"]))
        .collect();
    let by_link = json!({"kind": "email_link", "customer_user_id": user_id});
    assert_eq!(
        events,
        [
            ("POST /customer-user/password-reset", &by_link),
            ("POST /customer-user/confirm", &by_link),
            ("POST /admin/customer-users", &log.json["items"][2]["actor"]),
        ],
        "{}",
        log.text
    );
    assert!(!log.text.contains("Trail-Passw0rd"));
}

/// The table's links, except that none can be stored, as when DynamoDB throttles.
struct LinksCannotBeStored(DynamoStore);

#[async_trait]
impl LinkStore for LinksCannotBeStored {
    async fn put_link(&self, _link: &OneTimeLink, _version: Option<u64>) -> StoreResult<()> {
        Err(StoreError::Backend("throttled".into()))
    }

    async fn find_link(&self, token_hash: &SecretHash) -> StoreResult<Option<OneTimeLink>> {
        self.0.find_link(token_hash).await
    }

    async fn consume_link(
        &self,
        link: &OneTimeLink,
        also_drop: &[LinkPurpose],
        user: &CustomerUser,
        previous: &CustomerUser,
    ) -> StoreResult<()> {
        self.0.consume_link(link, also_drop, user, previous).await
    }
}

#[tokio::test]
async fn an_admin_action_whose_link_cannot_be_stored_changes_nothing_and_can_be_repeated() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("unstored-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let path = format!(
        "/admin/customer-users/{}",
        user.json["id"].as_str().unwrap()
    );
    let broken = stack
        .confirmation_with_links(Arc::new(LinksCannotBeStored(stack.services.store.clone())))
        .await;
    let read = || async {
        stack
            .request(Method::GET, &path)
            .bearer(&token)
            .send()
            .await
            .json
    };
    let before = read().await;

    for action in ["confirm", "reset-password"] {
        let failed = stack
            .request(Method::POST, &format!("{path}/{action}"))
            .bearer(&token)
            .send_to(broken.clone())
            .await;
        assert!(failed.status.is_server_error(), "{action}: {}", failed.text);
        assert_eq!(read().await, before, "{action} changed the user");
    }

    let confirmed = stack
        .request(Method::POST, &format!("{path}/confirm"))
        .bearer(&token)
        .send()
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    let welcome = last_email(&email).await;
    assert_eq!(welcome.subject, subject(Template::Welcome, "en_US"));
    let set = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": welcome.link_token(), "password": "Fresh-Passw0rd"}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
}

/// A link is stored only while its user is as read: a reset requested just before an
/// email change (or a disable) must not leave a working link that the change, having
/// committed first, could not drop.
#[tokio::test]
async fn a_link_is_not_stored_for_a_user_changed_meanwhile() {
    let stack = Stack::new().await;
    let token = stack.admin_token().await;
    let email = format!("raced-{}@example.com", uid());
    let user = register(&stack, &token, &email, "en_US").await;
    let id = user.json["id"].as_str().unwrap().parse().unwrap();
    let store = &stack.services.store;
    let read = shared::ports::CustomerUserStore::get_customer_user(store, id)
        .await
        .unwrap()
        .unwrap();

    let path = format!("/admin/customer-users/{id}");
    let changed = stack
        .request(Method::PATCH, &path)
        .bearer(&token)
        .if_match(&user.etag())
        .json(&json!({"email": format!("new-{email}")}))
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);

    let (link_token, link) = shared::customer_user::new_link(
        &read,
        LinkPurpose::PasswordReset,
        std::time::Duration::from_secs(600),
    );
    let stale = store.put_link(&link, Some(read.version)).await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict)),
        "{stale:?}"
    );
    assert!(
        store
            .find_link(&SecretHash::of(&link_token))
            .await
            .unwrap()
            .is_none()
    );
    let refused = public(
        &stack,
        "/customer-user/password-reset",
        json!({"token": link_token, "password": "Taken-0ver-Pass"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    let current = read.version + 1;
    store.put_link(&link, Some(current)).await.unwrap();
    assert!(
        store
            .find_link(&SecretHash::of(&link_token))
            .await
            .unwrap()
            .is_some()
    );
}
