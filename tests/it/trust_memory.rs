//! Memory stays bounded: a 2 GB body streamed by the server and a gzip bomb (1 GiB of zeros
//! in ~1 MB) are read to the end and counted, not kept. Status, header and duration checks
//! still pass, body checks and captures fail with `body exceeds ... (--max-body)`, the JSON
//! report stays small, and the child's peak resident memory (VmHWM) stays under 200 MiB.

#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::Value;

use crate::support::write;

const PEAK_LIMIT: u64 = 200 << 20;
const TWO_GB: u64 = 2_000_000_000;
const GIB: u64 = 1 << 30;

/// `n` bytes of JSON-looking text, made chunk by chunk as the client reads (never held).
fn streamed(n: u64) -> Body {
    let chunk = Bytes::from(vec![b' '; 1 << 20]);
    let mut left = n;
    let stream = futures_util::stream::iter(std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let take = left.min(chunk.len() as u64) as usize;
        left -= take as u64;
        Some(Ok::<_, std::io::Error>(chunk.slice(..take)))
    }));
    Body::from_stream(stream)
}

/// A gzip member holding `GIB` zeros: one raw deflate segment for 1 MiB of zeros (made from a
/// fresh state, so it refers to nothing before it) repeated 1024 times, a final empty block,
/// then the CRC-32 and size of the whole.
fn gzip_bomb() -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut segment = Vec::with_capacity(1 << 16);
    c.compress_vec(&zeros, &mut segment, FlushCompress::Full)
        .unwrap();
    assert_eq!(c.total_in(), zeros.len() as u64, "one call took it all");
    let mut end = Vec::with_capacity(64);
    let mut fresh = Compress::new(Compression::best(), false);
    fresh
        .compress_vec(&[], &mut end, FlushCompress::Finish)
        .unwrap();
    let mut crc_mib = Crc::new();
    crc_mib.update(&zeros);
    let mut crc = Crc::new();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    for _ in 0..(GIB >> 20) {
        out.extend_from_slice(&segment);
        crc.combine(&crc_mib);
    }
    out.extend_from_slice(&end);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(crc.amount()).to_le_bytes());
    out
}

fn server() -> (String, tokio::runtime::Runtime) {
    let bomb = Bytes::from(gzip_bomb());
    assert!(bomb.len() < 2 << 20, "the bomb is small: {}", bomb.len());
    let app = Router::new()
        .route(
            "/big",
            get(|| async {
                (
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", "2000000000"),
                    ],
                    streamed(TWO_GB),
                )
            }),
        )
        .route(
            "/bomb",
            get(move || {
                let bomb = bomb.clone();
                async move {
                    (
                        [
                            ("Content-Type", "application/json"),
                            ("Content-Encoding", "gzip"),
                        ],
                        bomb,
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/redirect-big",
            get(|| async {
                (
                    axum::http::StatusCode::FOUND,
                    [("Location", "/small"), ("Content-Type", "text/plain")],
                    streamed(TWO_GB),
                )
            }),
        )
        .route(
            "/small",
            get(|| async {
                (
                    [("Content-Type", "application/json")],
                    format!("{{\"a\":\"{}\"}}", "x".repeat(4000)),
                )
            }),
        );
    crate::support::serve(app)
}

/// The collection for one large body: every kind of check and capture.
fn collection(base: &str, path: &str) -> String {
    format!(
        r#"requests:
  - name: large
    url: "{base}{path}"
    timeout: 5m
    expect:
      status: 200
      headers: {{ Content-Type: {{ contains: json }} }}
      duration: {{ lt: 10m }}
      body: {{ contains: "x" }}
      json: {{ $.a: 1 }}
    capture:
      from_json: $.a
      from_body: {{ body: true }}
      from_header: {{ header: Content-Type }}
"#
    )
}

struct Run {
    code: Option<i32>,
    peak: u64,
    stdout: String,
    report: Value,
    report_bytes: u64,
}

fn run(dir: &std::path::Path, extra: &[&str]) -> Run {
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["run", "c.yaml", "--report", "json=report.json"])
        .args(extra)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read stdout on a thread so a full pipe never stalls the child.
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).unwrap();
        s
    });
    let (code, peak) = crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(300));
    let stdout = reader.join().unwrap();
    assert!(peak > 0, "no VmHWM reading of the child");
    let report_bytes = std::fs::metadata(&report).map(|m| m.len()).unwrap_or(0);
    let report = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    Run {
        code,
        peak,
        stdout,
        report,
        report_bytes,
    }
}

/// Status, header and duration held; body, JSON and captures failed with `message`.
fn assert_large_body_outcome(r: &Run, message: &str) {
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(
        r.peak < PEAK_LIMIT,
        "peak memory {} MiB (limit {} MiB)",
        r.peak >> 20,
        PEAK_LIMIT >> 20
    );
    assert!(
        r.report_bytes > 0 && r.report_bytes < 1_000_000,
        "report.json is {} bytes",
        r.report_bytes
    );
    let req = &r.report["collections"][0]["requests"][0];
    let assertions = req["assertions"]
        .as_array()
        .expect("assertions in the report");
    let passed = |subject: &str| {
        assertions
            .iter()
            .find(|a| {
                a["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(subject))
            })
            .unwrap_or_else(|| panic!("no `{subject}` assertion in {req:#}"))["passed"]
            .as_bool()
            .unwrap()
    };
    assert!(passed("status"), "{req:#}");
    assert!(passed("header"), "{req:#}");
    assert!(passed("duration"), "{req:#}");
    assert!(!passed("body"), "{req:#}");
    assert!(!passed("json"), "{req:#}");
    let text = req.to_string();
    assert!(text.contains(message), "`{message}` in {req:#}");
    let captures = req["captures"].as_array().expect("captures");
    for name in ["from_json", "from_body"] {
        let c = captures.iter().find(|c| c["name"] == name).unwrap();
        assert!(
            c["error"].as_str().is_some_and(|e| e.contains(message)),
            "{c:#}"
        );
    }
    let header = captures
        .iter()
        .find(|c| c["name"] == "from_header")
        .unwrap();
    assert_eq!(header["value"], "application/json", "{header:#}");
    assert!(r.stdout.contains(message), "{}", r.stdout);
}

#[test]
fn a_two_gigabyte_body_is_counted_not_kept() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&base, "/big"));
    let r = run(dir.path(), &[]);
    assert_large_body_outcome(&r, "body exceeds 64 MiB (--max-body)");
    // Read to the end and counted.
    assert!(
        r.report
            .to_string()
            .contains("<2000000000 bytes, application/json>")
    );
    eprintln!("2 GB body: peak {} MiB", r.peak >> 20);
}

#[test]
fn a_gzip_bomb_is_counted_as_what_it_expands_to() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&base, "/bomb"));
    let r = run(dir.path(), &["--max-body", "1MiB"]);
    assert_large_body_outcome(&r, "body exceeds 1 MiB (--max-body)");
    // Decoded to the end and counted as what it expands to.
    assert!(
        r.report
            .to_string()
            .contains("<1073741824 bytes, application/json>")
    );
    eprintln!("gzip bomb: peak {} MiB", r.peak >> 20);
}

#[test]
fn max_body_applies_to_a_small_body_too() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&base, "/small"));
    let r = run(dir.path(), &["--max-body", "1KiB"]);
    assert_large_body_outcome(&r, "body exceeds 1 KiB (--max-body)");
    // And without the limit, the same body is kept and checked.
    let kept = run(dir.path(), &[]);
    let req = &kept.report["collections"][0]["requests"][0];
    assert!(!req.to_string().contains("--max-body"), "{req:#}");
}

#[test]
fn a_redirect_with_a_huge_body_is_not_read_into_memory() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: hop\n    url: \"{base}/redirect-big\"\n    timeout: 5m\n    expect:\n      status: 200\n      json: {{ $.a: {{ type: string }} }}\n"
        ),
    );
    let r = run(dir.path(), &[]);
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert!(r.peak < PEAK_LIMIT, "peak memory {} MiB", r.peak >> 20);
    eprintln!("redirect with a 2 GB body: peak {} MiB", r.peak >> 20);
}
