//! A DynamoDB endpoint on loopback that plays answers real DynamoDB gives and the local
//! emulator does not, for tests of the real adapter.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use aws_sdk_dynamodb::config::Credentials;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use super::DynamoStore;

/// A DynamoDB endpoint that answers the n-th request with `answers[n]` (status, body),
/// and how many requests it has served.
pub(crate) async fn scripted(answers: Vec<(u16, &'static str)>) -> (DynamoStore, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let count = count.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                loop {
                    let Some(end) = request_end(&buffer) else {
                        let mut chunk = [0; 4096];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    buffer.drain(..end);
                    let (status, body) = answers[count.fetch_add(1, Ordering::SeqCst)];
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    socket.write_all(reply.as_bytes()).await.unwrap();
                }
            });
        }
    });
    let endpoint = format!("http://{address}");
    let sdk = crate::aws::sdk_config_from(|name| match name {
        "AWS_REGION" => Some("eu-west-1".into()),
        "AWS_ENDPOINT_URL" => Some(endpoint.clone()),
        _ => None,
    })
    .unwrap();
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    (DynamoStore::new(client, "table"), served)
}

/// Where the first whole request in `buffer` ends, headers and body.
fn request_end(buffer: &[u8]) -> Option<usize> {
    let head = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let length = String::from_utf8_lossy(&buffer[..head])
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buffer.len() >= head + length).then_some(head + length)
}
