//! An emulator process of a test's own, for tests that pause or stop it: the suite's
//! shared emulator is never frozen, so the other tests go on undisturbed.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::workspace_root;

/// A moto emulator (`scripts/emulator.py`) on a free loopback port, ended when dropped.
pub struct Emulator {
    child: Child,
    port: u16,
    ended: bool,
}

impl Emulator {
    /// Starts one and waits (at most 30 seconds) until it answers.
    pub async fn start() -> Self {
        let root = workspace_root();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new(root.join(".venv/bin/python"))
            .arg(root.join("scripts/emulator.py"))
            .arg(port.to_string())
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts (run the tests with `make test`, which installs it)");
        let emulator = Self {
            child,
            port,
            ended: false,
        };
        for _ in 0..150 {
            if emulator.answers().await {
                return emulator;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the emulator on port {port} did not answer within 30 seconds");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn answers(&self) -> bool {
        let address = format!("127.0.0.1:{}", self.port);
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let Ok(mut stream) = std::net::TcpStream::connect(&address) else {
                return false;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request = format!(
                "GET /moto-api/data.json HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
            );
            let mut head = [0; 12];
            stream.write_all(request.as_bytes()).is_ok()
                && stream.read_exact(&mut head).is_ok()
                && head.ends_with(b"200")
        })
        .await
        .unwrap_or(false)
    }

    fn signal(&self, name: &str) -> bool {
        Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Freezes the process (SIGSTOP): connections are still accepted by the kernel, and
    /// nothing answers, as with a hung service. It goes on when the guard is dropped.
    pub fn pause(&self) -> Paused<'_> {
        assert!(self.signal("STOP"), "the emulator is paused");
        Paused(self)
    }

    /// Ends the process: connections are refused from now on.
    pub fn stop(mut self) {
        self.end();
    }

    fn end(&mut self) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        self.signal("CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.end();
    }
}

/// A paused emulator; it resumes (SIGCONT) when this is dropped, a failed assertion's
/// unwinding included.
pub struct Paused<'a>(&'a Emulator);

impl Paused<'_> {
    pub fn resume(self) {}
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.signal("CONT");
    }
}
