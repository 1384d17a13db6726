//! Provisioning is idempotent, and recovers the admin credentials when they are lost.

use integration_tests::Stack;
use shared::provision::{ProvisionOptions, provision};

#[tokio::test]
async fn running_again_keeps_everything_and_known_credentials() {
    let stack = Stack::new().await;
    let options = ProvisionOptions {
        website_url: "https://shop.example.test".into(),
        admin_email: "ignored-on-rerun@example.com".into(),
        known_credentials: Some(stack.admin.clone()),
    };
    let again = provision(&stack.services, &options).await.unwrap();
    assert!(!again.table_created);
    assert!(!again.key_created);
    assert_eq!(again.provisioned, stack.provisioned);
    assert_eq!(again.credentials.client_id, stack.admin.client_id);
    assert_eq!(again.credentials.client_secret, stack.admin.client_secret);
    stack.admin_token().await;
}

#[tokio::test]
async fn lost_credentials_are_replaced_and_the_old_secret_stops_working() {
    let stack = Stack::new().await;
    let options = ProvisionOptions {
        website_url: "https://shop.example.test".into(),
        admin_email: "admin@example.com".into(),
        known_credentials: None,
    };
    let again = provision(&stack.services, &options).await.unwrap();
    assert_eq!(again.provisioned, stack.provisioned);
    assert_eq!(again.credentials.client_id, stack.admin.client_id);
    assert_ne!(again.credentials.client_secret, stack.admin.client_secret);
    assert_eq!(
        stack.try_token(&stack.admin, None).await.status,
        http::StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stack.try_token(&again.credentials, None).await.status,
        http::StatusCode::OK
    );
}

#[tokio::test]
async fn the_table_holds_no_secret_in_plain_form() {
    let stack = Stack::new().await;
    let dump = format!("{:?}", stack.table_items().await);
    assert!(!dump.contains(&stack.admin.client_secret));
    assert!(
        dump.contains(&stack.admin.client_id[..8])
            || dump.contains(&stack.provisioned.admin_application_id.to_string())
    );
}
