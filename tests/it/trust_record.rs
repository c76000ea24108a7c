//! `--record` keeps no secret and not every body: a secret holding `+` or `&` in a query
//! string is masked before the query is split or decoded, bodies past 64 MiB in all are
//! recorded as a note (10 responses of 60 MB), and integers past 64 bits replay as integers.

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use crate::support::write;

const SECRET: &str = "q1w2+e3r4/t5y6&u7i8==";
const BIG: &str = "123456789012345678901234567890";

fn server() -> (String, tokio::runtime::Runtime) {
    let big = bytes::Bytes::from(vec![b'x'; 60 << 20]);
    let app = Router::new()
        .route(
            "/num",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    format!("{{\"id\":{BIG},\"max\":18446744073709551615}}"),
                )
            }),
        )
        .route(
            "/big/{n}",
            get(move || {
                let b = big.clone();
                async move { ([("content-type", "text/plain")], b) }
            }),
        );
    crate::support::serve(app)
}

#[test]
fn a_recording_keeps_no_secret_in_a_query_and_big_integers_as_integers() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    // The secret sent as is (`+` and `&` raw), and percent-encoded.
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"vars: {{ s: "{{{{ secret('BATON_T_SECRET') }}}}" }}
requests:
  - name: raw
    url: "{base}/num?key={{{{ s }}}}&page=2"
  - name: encoded
    url: "{base}/num"
    query: {{ key: "{{{{ s }}}}", page: "3" }}
"#
        ),
    );
    let out = crate::support::baton(dir.path())
        .args(["run", "c.yaml", "--record", "m.yaml"])
        .env("BATON_T_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = std::fs::read_to_string(dir.path().join("m.yaml")).unwrap();
    for piece in ["q1w2", "e3r4", "t5y6", "u7i8", "q1w2 e3r4"] {
        assert!(!m.contains(piece), "{piece} recorded:\n{m}");
    }
    assert!(m.contains(BIG), "the integer as written:\n{m}");
    assert!(m.contains("18446744073709551615"), "{m}");
    // The parameters that are not secret still match.
    assert!(m.contains("page"), "{m}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_recording_of_large_bodies_is_bounded() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("requests:\n");
    for i in 0..10 {
        yaml.push_str(&format!("  - name: big {i}\n    url: \"{base}/big/{i}\"\n"));
    }
    write(dir.path(), "c.yaml", &yaml);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml", "--record", "m.yaml"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (code, peak) = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(300));
    assert_eq!(code, Some(0));
    let size = std::fs::metadata(dir.path().join("m.yaml")).unwrap().len();
    let m = std::fs::read_to_string(dir.path().join("m.yaml")).unwrap();
    assert!(m.contains("was not recorded"), "no note");
    eprintln!(
        "10 x 60 MB recorded: peak {} MiB, file {} MiB",
        peak >> 20,
        size >> 20
    );
    assert!(size < 100 << 20, "file {size}");
    // Was 3.08 GB: now one body in flight and the 64 MiB the recording keeps.
    assert!(peak < 700 << 20, "peak {} MiB", peak >> 20);
}
