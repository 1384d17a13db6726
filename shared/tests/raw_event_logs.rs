//! Whatever `RUST_LOG` says, the Lambda runtime's raw event (headers, bodies) never
//! reaches the logs. The function's real loop (`lambda_http::run`) takes one request
//! from a Runtime API played on loopback, with the logging set up as `main.rs` does at
//! `RUST_LOG=trace`; the output must show the request was handled and no secret in it.
//! One test in its own binary: it sets the process's Lambda environment.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, routing::post};
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::mpsc,
};

const AUTHORIZATION: &str = "Bearer eyJ-bearer-token-never-logged";
const CLIENT_SECRET: &str = "client-secret-never-logged";
const PASSWORD: &str = "Passw0rd-never-logged";

fn event() -> String {
    json!({
        "version": "2.0",
        "routeKey": "POST /oauth2-token",
        "rawPath": "/oauth2-token",
        "rawQueryString": "",
        "headers": {
            "authorization": AUTHORIZATION,
            "content-type": "application/x-www-form-urlencoded",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "127",
            "http": {
                "method": "POST",
                "path": "/oauth2-token",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test"
            },
            "requestId": "logs-request",
            "routeKey": "POST /oauth2-token",
            "stage": "$default",
            "time": "28/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795867200000u64
        },
        "isBase64Encoded": false,
        "body": format!("grant_type=password&client_secret={CLIENT_SECRET}&password={PASSWORD}")
    })
    .to_string()
}

/// The Runtime API on one connection (HTTP/1.1, kept alive): the first poll gets the
/// event, later ones wait; each answer is passed on.
async fn runtime_api(
    stream: TcpStream,
    served: Arc<Mutex<bool>>,
    answers: mpsc::UnboundedSender<String>,
) {
    let mut stream = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if stream.read_line(&mut request_line).await.unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();
        let reply = if request_line.starts_with("GET /2018-06-01/runtime/invocation/next") {
            if std::mem::replace(&mut *served.lock().unwrap(), true) {
                std::future::pending::<()>().await;
            }
            let event = event();
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 lambda-runtime-aws-request-id: logs-request\r\n\
                 lambda-runtime-deadline-ms: 4102444800000\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:logs\r\n\
                 content-length: {}\r\n\r\n{event}",
                event.len()
            )
        } else {
            let _ = answers.send(format!("{request_line}{}", String::from_utf8_lossy(&body)));
            "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n".to_owned()
        };
        stream.get_mut().write_all(reply.as_bytes()).await.unwrap();
    }
}

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_trace_level_never_logs_the_raw_event() {
    let (answered, mut answers) = mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = Arc::new(Mutex::new(false));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(runtime_api(stream, served.clone(), answered.clone()));
        }
    });
    // SAFETY: the only test of this binary, set before anything reads the environment.
    unsafe {
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", address.to_string());
        std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "logs");
        std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128");
        std::env::set_var("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        std::env::remove_var("AWS_LAMBDA_MAX_CONCURRENCY");
    }

    let sink = Sink::default();
    let writer = sink.clone();
    let _logging =
        tracing::subscriber::set_default(shared::logging::subscriber(Some("trace"), move || {
            writer.clone()
        }));
    tracing::trace!(target: "shared", "trace is on");
    let function = Router::new().route(
        "/oauth2-token",
        post(|body: String| async move {
            tracing::info!(length = body.len(), "token request handled");
            "{}"
        }),
    );
    let answer = tokio::select! {
        ended = lambda_http::run(function) => panic!("the runtime loop ended: {ended:?}"),
        answer = tokio::time::timeout(Duration::from_secs(30), answers.recv()) => {
            answer.expect("the function answered within 30 s").expect("an answer")
        }
    };
    assert!(
        answer.starts_with("POST /2018-06-01/runtime/invocation/logs-request/response"),
        "{answer}"
    );
    assert!(answer.contains("\"statusCode\":200"), "{answer}");

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("trace is on"), "trace is on: {logs}");
    assert!(
        logs.contains("token request handled"),
        "the request went through: {logs}"
    );
    for secret in ["eyJ-bearer-token", CLIENT_SECRET, PASSWORD, "authorization"] {
        assert!(!logs.contains(secret), "{secret} was logged: {logs}");
    }
}
