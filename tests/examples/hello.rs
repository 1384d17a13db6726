//! The smallest lambda_http function: the yardstick of the cold-start benchmark.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(|_request| async {
        Ok::<_, lambda_http::Error>(lambda_http::Response::new("hello".to_owned()))
    }))
    .await
}
