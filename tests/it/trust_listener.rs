//! The `receive` listener against hostile senders: a templated path is matched in time
//! linear in the request path's length (10,000 segments against
//! `/hook/{{ tenant }}/{{ batch }}/status` used to hold the runtime thread for minutes), and
//! idle or half-open connections cannot take the run's file descriptors or memory.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::write;

/// Sends one raw HTTP/1.1 request and returns the status line.
fn send(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_string()
}

/// Starts `baton run c.yaml` listening on a free port (through `sh` with `ulimit -n`);
/// returns the child and the listen address.
fn start(dir: &std::path::Path, fds: u32) -> (std::process::Child, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {fds} && exec \"$0\" run c.yaml -v --listen 127.0.0.1:0"
        ))
        .arg(env!("CARGO_BIN_EXE_baton"))
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::support::listen_addr(&mut child);
    (child, addr)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

#[cfg(target_os = "linux")]
#[test]
fn idle_and_half_open_connections_cannot_exhaust_file_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        r#"requests:
  - name: hook
    receive: { path: /hook, timeout: 60s, respond: { status: 202 } }
"#,
    );
    let (mut child, addr) = start(dir.path(), 256);
    // 300 sockets that never send a byte, and 20 that send half a request.
    let mut idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    for _ in 0..20 {
        let mut s = TcpStream::connect(&addr).unwrap();
        let _ = s.write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
        idle.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    let fds = open_fds(child.id());
    // At most 128 accepted connections: the rest wait in the backlog, not in baton.
    assert!(fds < 180, "{fds} open file descriptors");
    // Once the idle ones time out (10 s), the real callback is taken and answered.
    assert!(send(&addr, "/hook").starts_with("HTTP/1.1 202"));
    let status = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(60)).0;
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status, Some(0), "{stdout}");
    drop(idle);
}

#[test]
fn a_long_path_against_a_templated_receive_path_is_answered_at_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        r#"vars: { tenant: t1, batch: b1 }
requests:
  - name: status
    receive:
      path: "/hook/{{ tenant }}/{{ batch }}/status"
      timeout: 60s
      respond: { status: 202 }
"#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml", "-v", "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = crate::support::listen_addr(&mut child);
    // 10,000 segments that almost fit: every split of them is a candidate.
    let long = format!("/hook/{}x", "a/".repeat(10_000));
    assert_eq!(send(&addr, &long), "HTTP/1.1 404 Not Found");
    assert!(send(&addr, "/hook/t1/b1/status").starts_with("HTTP/1.1 202"));
    let status = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(30)).0;
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(status, Some(0), "{stdout}");
}
