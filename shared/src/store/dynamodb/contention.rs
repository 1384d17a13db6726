//! Concurrent writes as real DynamoDB reports them, which the local emulator never
//! does: a loopback endpoint plays the answers, the adapter is the real one.

use std::sync::atomic::Ordering;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::{
    StoreError, key,
    scripted::scripted,
    transaction::{Cancellation, TRANSACTION_ATTEMPTS, pause_after},
};
use crate::ports::ApplicationStore;

const CANCELLED_BY_CONFLICT: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#;
const CANCELLED_BY_CONDITION: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, ConditionalCheckFailed]","CancellationReasons":[{"Code":"TransactionConflict"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}"#;
const WRITE_MET_A_TRANSACTION: &str = r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}"#;

fn two_writes() -> Vec<TransactWriteItem> {
    (0..2)
        .map(|n| {
            let put = Put::builder()
                .table_name("table")
                .set_item(Some(key(format!("PK#{n}"), "SK")))
                .build()
                .unwrap();
            TransactWriteItem::builder().put(put).build()
        })
        .collect()
}

fn meaning(index: usize) -> StoreError {
    // Any outcome the test can tell apart: the write whose condition failed.
    StoreError::Backend(format!("write {index}"))
}

#[tokio::test]
async fn a_transaction_cancelled_by_a_concurrent_one_is_sent_again() {
    let (store, served) = scripted(vec![
        (400, CANCELLED_BY_CONFLICT),
        (400, CANCELLED_BY_CONFLICT),
        (200, "{}"),
    ])
    .await;
    store.transact(two_writes(), &meaning).await.unwrap();
    assert_eq!(served.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn lasting_contention_is_reported_as_such_not_as_a_failure() {
    let answers = vec![(400, CANCELLED_BY_CONFLICT); TRANSACTION_ATTEMPTS as usize];
    let (store, served) = scripted(answers).await;
    let error = store.transact(two_writes(), &meaning).await.unwrap_err();
    assert!(matches!(error, StoreError::Contention), "{error:?}");
    assert_eq!(served.load(Ordering::SeqCst), TRANSACTION_ATTEMPTS as usize);
    let answer = crate::ApiError::from(error);
    assert!(matches!(answer, crate::ApiError::Conflict(_)), "{answer:?}");
}

#[tokio::test]
async fn a_failed_condition_is_final_and_names_its_write() {
    let (store, served) = scripted(vec![(400, CANCELLED_BY_CONDITION)]).await;
    let error = store.transact(two_writes(), &meaning).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::Backend(w) if w == "write 1"),
        "{error:?}"
    );
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_single_write_that_meets_a_transaction_is_contention() {
    let (store, _) = scripted(vec![(400, WRITE_MET_A_TRANSACTION)]).await;
    let error = store
        .record_auth_failure(None, "192.0.2.1", 1)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Contention), "{error:?}");
}

#[test]
fn cancellation_reasons_are_read_condition_first() {
    let reasons = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        Cancellation::of(&reasons(&["None", "ConditionalCheckFailed"])),
        Cancellation::Condition(1)
    );
    assert_eq!(
        Cancellation::of(&reasons(&["TransactionConflict", "ConditionalCheckFailed"])),
        Cancellation::Condition(1)
    );
    assert_eq!(
        Cancellation::of(&reasons(&["None", "TransactionConflict"])),
        Cancellation::Conflict
    );
    assert_eq!(
        Cancellation::of(&reasons(&["ThrottlingError", "None"])),
        Cancellation::Other
    );
}

#[test]
fn the_pauses_grow_and_stay_short() {
    for attempt in 1..TRANSACTION_ATTEMPTS {
        let floor = std::time::Duration::from_millis(20 << (attempt - 1));
        let pause = pause_after(attempt);
        assert!(pause >= floor && pause < floor + std::time::Duration::from_millis(20));
    }
}
