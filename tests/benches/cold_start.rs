//! Cold start, size and memory of every function's release binary, against a minimal
//! lambda_http function built in the same run. This harness plays the Lambda Runtime
//! API on loopback, starts each binary, and reads the process's own CPU time (from
//! /proc, all threads) when it first asks for an invocation (init done) and when it
//! answers the first one; the emulator is another process, so its cost is not
//! counted. Each figure is the median of several cold starts, since one start on a
//! shared machine can be off by a factor of two. Then one process serves 1,000
//! invocations and the harness reads its peak RSS. The token function's requests are
//! token requests, so its first answer includes the container's first signature, and
//! its CPU per warm request is set against one signature: with the stack's RSA key,
//! then again with a P-256 key rotated in.
//! Run with `make bench` (it builds the release binaries first).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use integration_tests::{ISSUER, Stack, workspace_root};
use serde_json::json;
use shared::{
    auth::{KeyKind, issue},
    domain::now,
    ports::ApplicationStore,
    provision::ClientCredentials,
};

const INVOCATIONS: usize = 1000;
const COLD_STARTS: usize = 7;

/// CPU time of every thread of `pid`, in nanoseconds, from /proc/<pid>/task/*/schedstat.
fn cpu_nanos(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum()
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_owned())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

enum Event {
    Next(Instant, u64),
    /// When, the function's CPU nanoseconds then, and the answer's HTTP status.
    Response(Instant, u64, u16),
    Error(String),
}

/// One HTTP/1.1 request from the function: method, path and body.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header == "\r\n" || header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

/// Serves the Runtime API to one function until `invocations` are answered.
fn runtime_api(
    listener: TcpListener,
    pid: u32,
    event: String,
    invocations: usize,
    events: mpsc::Sender<Event>,
) {
    let mut served = 0;
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        // Each answer goes out in one write, at once: Nagle's algorithm against the
        // client's delayed ACK would otherwise hold it back 40 ms.
        stream.set_nodelay(true).unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream);
        while let Some((method, path, body)) = read_request(&mut reader) {
            let now = (Instant::now(), cpu_nanos(pid));
            if method == "GET" && path.ends_with("/invocation/next") {
                let _ = events.send(Event::Next(now.0, now.1));
                if served == invocations {
                    // Leave the function waiting, with the connection open, until the
                    // harness has read its memory and stopped it: a closed connection
                    // would make it exit first.
                    let _ = reader.read_line(&mut String::new());
                    return;
                }
                served += 1;
                let deadline = (std::time::SystemTime::now() + Duration::from_secs(30))
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis();
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: req-{served}\r\n\
                     Lambda-Runtime-Deadline-Ms: {deadline}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                    event.len()
                );
                writer
                    .write_all(&[head.as_bytes(), event.as_bytes()].concat())
                    .unwrap();
            } else {
                if path.ends_with("/response") {
                    let status = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|answer| answer["statusCode"].as_u64())
                        .unwrap_or(0) as u16;
                    let _ = events.send(Event::Response(now.0, now.1, status));
                } else {
                    let _ = events.send(Event::Error(format!("{method} {path}")));
                }
                writer
                    .write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                    .unwrap();
            }
        }
    }
}

fn api_event(method: &str, path: &str, token: Option<&str>) -> String {
    let mut headers = json!({"host": "api.example.test", "content-type": "application/json"});
    if let Some(token) = token {
        headers["authorization"] = json!(format!("Bearer {token}"));
    }
    event_with(method, path, headers, None)
}

/// A client-credentials grant of the provisioned administrator's application.
fn token_event(credentials: &ClientCredentials) -> String {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let basic = STANDARD.encode(format!(
        "{}:{}",
        credentials.client_id, credentials.client_secret
    ));
    let headers = json!({
        "host": "api.example.test",
        "content-type": "application/x-www-form-urlencoded",
        "authorization": format!("Basic {basic}"),
    });
    event_with(
        "POST",
        "/oauth2-token",
        headers,
        Some("grant_type=client_credentials"),
    )
}

fn event_with(method: &str, path: &str, headers: serde_json::Value, body: Option<&str>) -> String {
    let mut event = json!({
        "version": "2.0", "routeKey": format!("{method} {path}"), "rawPath": path, "rawQueryString": "",
        "headers": headers,
        "pathParameters": {},
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "api.example.test", "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": "bench", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "28/Nov/2026:12:00:00 +0000", "timeEpoch": 1795867200000u64
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["body"] = json!(body);
    }
    event.to_string()
}

struct Figures {
    init_wall: Duration,
    init_cpu: Duration,
    first_wall: Duration,
    first_cpu: Duration,
    peak_rss_kib: u64,
    size: u64,
    /// CPU per invocation once warm, and how many answers were not 2xx.
    warm_cpu: Duration,
    failed: usize,
}

/// Invocations left out of the warm figure: the first ones fill caches and write
/// `last_used_at`.
const WARM_UP: usize = 10;

fn run(binary: &PathBuf, env: &[(String, String)], event: String, invocations: usize) -> Figures {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let started = Instant::now();
    let mut child: Child = Command::new(binary)
        .envs(env.iter().cloned())
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        // Not the library path cargo gives this benchmark: its four folders made the
        // loader try dozens of paths for each library, about 0.2 ms of every start
        // (the minimal function's too). A Lambda container finds them in the second
        // folder of its path, after a few tries.
        .env_remove("LD_LIBRARY_PATH")
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary starts");
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    let server = std::thread::spawn(move || runtime_api(listener, pid, event, invocations, sender));
    let mut nexts = Vec::new();
    let mut responses = Vec::new();
    while nexts.len() < invocations + 1 {
        match receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the function keeps answering")
        {
            Event::Next(at, cpu) => nexts.push((at, cpu)),
            Event::Response(at, cpu, status) => responses.push((at, cpu, status)),
            Event::Error(what) => panic!(
                "{}: the function reported an error: {what}",
                binary.display()
            ),
        }
    }
    let peak_rss_kib = peak_rss_kib(pid);
    child.kill().ok();
    child.wait().ok();
    drop(server);
    let warm = &responses[WARM_UP.min(responses.len() - 1)..];
    let warm_cpu = match warm {
        [first, .., last] => Duration::from_nanos(last.1 - first.1) / (warm.len() as u32 - 1),
        _ => Duration::ZERO,
    };
    Figures {
        init_wall: nexts[0].0 - started,
        init_cpu: Duration::from_nanos(nexts[0].1),
        first_wall: responses[0].0 - started,
        first_cpu: Duration::from_nanos(responses[0].1),
        peak_rss_kib,
        size: std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0),
        warm_cpu,
        failed: responses
            .iter()
            .filter(|r| !(200..300).contains(&r.2))
            .count(),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (stack, token) = runtime.block_on(async {
        let stack = Stack::new().await;
        let token = stack.admin_token().await;
        (stack, token)
    });
    let config = &stack.services.config;
    let mut env: Vec<(String, String)> = [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CA_BUNDLE",
    ]
    .iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
    .collect();
    env.extend([
        ("TABLE_NAME".to_owned(), config.table_name.clone()),
        (
            "SIGNING_KEY_SECRET_ID".to_owned(),
            config.signing_key_secret_id.clone(),
        ),
        (
            "CLIENT_SECRET_PEPPER_SECRET_ID".to_owned(),
            config.pepper_secret_id.clone(),
        ),
        ("TOKEN_ISSUER".to_owned(), ISSUER.to_owned()),
        ("MAIL_FROM".to_owned(), config.mail_from.clone()),
    ]);
    let release = workspace_root().join("target/release");
    let binary = |name: &str| match name {
        "hello" => release.join("examples/hello"),
        _ => release.join(name),
    };
    let functions: [(&str, String); 8] = [
        ("hello", api_event("GET", "/", None)),
        // The first answer includes the container's first signature: what a third
        // party waits for after a cold start.
        ("token", token_event(&stack.admin)),
        (
            "directory",
            api_event("GET", "/admin/customers", Some(&token)),
        ),
        (
            "customer-users",
            api_event("GET", "/admin/customer-users", Some(&token)),
        ),
        (
            "roles",
            api_event("GET", "/admin/customer-user-roles", Some(&token)),
        ),
        (
            "consents",
            api_event("GET", "/admin/consents", Some(&token)),
        ),
        (
            "confirmation",
            api_event(
                "POST",
                "/admin/customer-users/0193a5e0-0000-7000-8000-000000000001/welcome-email",
                Some(&token),
            ),
        ),
        (
            "oauth-apps",
            api_event("GET", "/admin/oauth-applications", Some(&token)),
        ),
    ];
    println!("| times are medians of {COLD_STARTS} cold starts per function |\n");
    println!(
        "| function | size | init wall | init CPU | CPU vs hello | first answer wall | first answer CPU | warm CPU per request | peak RSS, {INVOCATIONS} requests |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    // Rounds over every function, so a slow spell of the machine touches them all.
    let mut starts: Vec<Vec<Figures>> = functions.iter().map(|_| Vec::new()).collect();
    for _ in 0..COLD_STARTS {
        for ((name, event), figures) in functions.iter().zip(&mut starts) {
            figures.push(run(&binary(name), &env, event.clone(), 1));
        }
    }
    let median = |figures: &[Figures], field: fn(&Figures) -> Duration| {
        let mut values: Vec<Duration> = figures.iter().map(field).collect();
        values.sort();
        values[values.len() / 2]
    };
    let hello_cpu = median(&starts[0], |f| f.init_cpu);
    let mut token_requests = None;
    for ((name, event), figures) in functions.iter().zip(&starts) {
        let served = run(&binary(name), &env, event.clone(), INVOCATIONS);
        let init_cpu = median(figures, |f| f.init_cpu);
        println!(
            "| {name} | {:.1} MiB | {:.1} ms | {:.1} ms | {:.1}x | {:.1} ms | {:.1} ms | {:.0} µs | {:.1} MiB |",
            served.size as f64 / 1_048_576.0,
            median(figures, |f| f.init_wall).as_secs_f64() * 1e3,
            init_cpu.as_secs_f64() * 1e3,
            init_cpu.as_secs_f64() / hello_cpu.as_secs_f64(),
            median(figures, |f| f.first_wall).as_secs_f64() * 1e3,
            median(figures, |f| f.first_cpu).as_secs_f64() * 1e3,
            served.warm_cpu.as_secs_f64() * 1e6,
            served.peak_rss_kib as f64 / 1024.0,
        );
        if *name == "token" {
            token_requests = Some(served);
        }
    }

    // Token requests as Lambda serves them: the release binary behind the Runtime API,
    // its own CPU per warm invocation (event parsing and the answer included), against
    // one signature with the same key and library, made here. Then the same after a
    // rotation to a P-256 key, which a fresh container signs with.
    let served = token_requests.expect("the token function served its requests");
    let floor = signing_floor(&runtime, &stack);
    let es256 = runtime.block_on(stack.rotated("bench-es256", KeyKind::Es256));
    let served_es256 = run(
        &binary("token"),
        &env,
        token_event(&es256.admin),
        INVOCATIONS,
    );
    let floor_es256 = signing_floor(&runtime, &es256);
    println!("\n== Token requests through the Lambda runtime (the release binary)");
    println!("| key | CPU per request | sign | ratio | tokens/s per core |");
    println!("|---|---|---|---|---|");
    for (key, served, floor) in [
        ("RS256", served, floor),
        ("ES256", served_es256, floor_es256),
    ] {
        assert_eq!(
            served.failed, 0,
            "every {key} token request is answered 200"
        );
        println!(
            "| {key}, {} warm invocations | {:.0} µs | {:.0} µs | {:.2} | {:.0} |",
            INVOCATIONS - WARM_UP,
            served.warm_cpu.as_secs_f64() * 1e6,
            floor.as_secs_f64() * 1e6,
            served.warm_cpu.as_secs_f64() / floor.as_secs_f64(),
            1.0 / served.warm_cpu.as_secs_f64(),
        );
    }
}

/// The CPU of one access token's signature with the stack's current key.
fn signing_floor(runtime: &tokio::runtime::Runtime, stack: &Stack) -> Duration {
    const SIGNATURES: u32 = 400;
    let keys = runtime
        .block_on(stack.signing_keys.get())
        .expect("the signing keys");
    let application = runtime
        .block_on(
            stack
                .services
                .store
                .get_application(stack.provisioned.admin_application_id),
        )
        .expect("a read of the emulator")
        .expect("the provisioned application");
    let started = cpu_nanos(std::process::id());
    for _ in 0..SIGNATURES {
        issue(&keys, ISSUER, &application, &application.scopes, now()).expect("signed");
    }
    Duration::from_nanos(cpu_nanos(std::process::id()) - started) / SIGNATURES
}
