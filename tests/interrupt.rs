//! Ctrl-C during a run: stop sending, finish the report with what ran, exit 130.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestServer, write};

#[test]
fn sigint_stops_the_run_and_exits_130() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: quick\n    url: {0}/status/200\n  - name: slow\n    url: \"{0}/slow?ms=20000\"\n  - name: never\n    url: {0}/status/200\n",
            server.url
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the slow request is in flight, then interrupt.
    let start = Instant::now();
    while server.count_path("/slow") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the slow request never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap().code();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert_eq!(code, Some(130), "{stdout}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "the run did not stop promptly"
    );
    assert!(
        stdout.contains("^C slow"),
        "the interrupted request is marked:\n{stdout}"
    );
    assert!(stdout.contains("(interrupted)"), "{stdout}");
    assert_eq!(
        server.count_path("/status/200"),
        1,
        "nothing is sent after the interrupt"
    );
}
