//! The `cardpointe-sim` program as a CI job runs it: `--json` prints one ready line a harness
//! can read, the health probe answers, and SIGTERM (what `kill`, `docker stop` and CI runners
//! send) stops it gracefully — the state file is written and the exit status is success.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: harness-1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn json_ready_line_health_and_graceful_sigterm() {
    let dir = std::env::temp_dir().join(format!("cardpointe-sim-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let mut child = Command::new(env!("CARGO_BIN_EXE_cardpointe-sim"))
        .args([
            "--json",
            "--plain",
            "--quiet",
            "--listen",
            "127.0.0.1:0",
            "--state",
        ])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cardpointe-sim");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a ready line");
    let ready: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
    assert_eq!(ready["event"], "ready", "{ready}");
    assert_eq!(ready["tls"], false);
    assert_eq!(ready["username"], "testing");
    assert_eq!(ready["merchid"], "496160873888");
    let base = ready["base_url"].as_str().unwrap();
    assert_eq!(ready["health_url"], format!("{base}/__sim/health").as_str());
    assert_eq!(
        ready["gateway_url"],
        format!("{base}/cardconnect/rest/").as_str()
    );
    let addr = base.strip_prefix("http://").unwrap().to_owned();

    let health = get(&addr, "/__sim/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""status":"ok""#), "{health}");
    assert!(
        health
            .to_ascii_lowercase()
            .contains("x-request-id: harness-1"),
        "{health}"
    );

    // Something for the state file to hold, so a graceful stop has work to do.
    let settled = {
        let mut stream = TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "POST /__sim/settle HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    assert!(settled.starts_with("HTTP/1.1 200"), "{settled}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "SIGTERM did not stop the emulator"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit after SIGTERM: {status:?}");
    // Nothing but the one ready line on stdout.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.trim().is_empty(), "more than the ready line: {rest:?}");
    assert!(state.exists(), "the state file was not written on SIGTERM");
    let _ = std::fs::remove_dir_all(&dir);
}
