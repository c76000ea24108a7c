//! OAuth2 token requests that misbehave: nonsense `expires_in` values, a token URL that never
//! answers (bounded by `--timeout` and `timeout:`), and Ctrl-C or SIGTERM while it hangs.

mod common;
mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

use common::write;

#[derive(Clone, Default)]
struct Hits {
    token: Arc<AtomicUsize>,
    api: Arc<AtomicUsize>,
}

fn server() -> (String, Hits, tokio::runtime::Runtime) {
    let hits = Hits::default();
    let app = Router::new()
        .route(
            "/token/{expires}",
            post(
                |State(h): State<Hits>, Path(expires): Path<String>| async move {
                    h.token.fetch_add(1, Ordering::SeqCst);
                    // The raw JSON text, so `1e300` reaches the client as written.
                    let expires_in = match expires.as_str() {
                        "inf" => "\"inf\"".to_string(),
                        "neg" => "-1".to_string(),
                        "nan" => "\"NaN\"".to_string(),
                        other => other.to_string(),
                    };
                    (
                        [("Content-Type", "application/json")],
                        format!(
                            r#"{{"access_token":"tok-{expires}-0123456789","token_type":"Bearer","expires_in":{expires_in}}}"#
                        ),
                    )
                },
            ),
        )
        .route(
            "/hang",
            post(|State(h): State<Hits>| async move {
                h.token.fetch_add(1, Ordering::SeqCst);
                std::future::pending::<()>().await;
                "never"
            }),
        )
        .route(
            "/hang-body",
            post(|State(h): State<Hits>| async move {
                h.token.fetch_add(1, Ordering::SeqCst);
                // Headers now, then a body that never finishes.
                let stream = futures_util::stream::once(async {
                    Ok::<_, std::io::Error>(Bytes::from_static(b"{\"access_token\":"))
                });
                let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
                let body = Body::from_stream(futures_util::StreamExt::chain(stream, never));
                ([("Content-Type", "application/json")], body).into_response()
            }),
        )
        .route(
            "/api",
            get(
                |State(h): State<Hits>, headers: axum::http::HeaderMap| async move {
                    h.api.fetch_add(1, Ordering::SeqCst);
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    axum::Json(json!({ "auth": auth }))
                },
            ),
        )
        .with_state(hits.clone());
    let (url, rt) = common::serve(app);
    (url, hits, rt)
}

fn oauth(base: &str, token_path: &str, client_id: &str) -> String {
    format!(
        "{{ oauth2: {{ token_url: \"{base}{token_path}\", client_id: {client_id}, client_secret: s3cret-value-42 }} }}"
    )
}

#[test]
fn nonsense_expires_in_values_neither_panic_nor_stop_the_run() {
    let (base, hits, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("requests:\n");
    let values = ["1e300", "1e19", "inf", "neg", "nan", "18446744073709551616"];
    for v in values {
        // Twice each: the second use reads the cached token's lifetime.
        for n in 1..=2 {
            y.push_str(&format!(
                "  - name: expires_in {v} ({n})\n    url: \"{base}/api\"\n    auth: {}\n    expect:\n      status: 200\n      json: {{ $.auth: \"Bearer tok-{v}-0123456789\" }}\n",
                oauth(&base, &format!("/token/{v}"), &format!("client-{v}"))
            ));
        }
    }
    write(dir.path(), "c.yaml", &y);
    let out = common::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(
        out.stdout
            .contains(&format!("{} passed, 0 failed", values.len() * 2)),
        "{}",
        out.stdout
    );
    assert_eq!(hits.api.load(Ordering::SeqCst), values.len() * 2);
    // A token whose lifetime is no promise (inf, NaN, negative) may be fetched again; the
    // others are cached.
    assert!(hits.token.load(Ordering::SeqCst) >= values.len());
}

/// Run, returning the output and how long it took.
fn timed(dir: &std::path::Path, args: &[&str]) -> (common::Output, Duration) {
    let start = Instant::now();
    let out = common::run(dir, args);
    (out, start.elapsed())
}

#[test]
fn a_hanging_token_url_fails_within_the_timeout() {
    let (base, hits, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    for hang in ["/hang", "/hang-body"] {
        // --timeout bounds the token request...
        write(
            dir.path(),
            "flag.yaml",
            &format!(
                "requests:\n  - name: needs a token\n    url: \"{base}/api\"\n    auth: {}\n",
                oauth(&base, hang, "c1")
            ),
        );
        let (out, took) = timed(dir.path(), &["run", "flag.yaml", "--timeout", "1s"]);
        assert_eq!(out.code, 1, "{hang}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stdout
                .contains(&format!("token request to {base}{hang} failed")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("timed out after 1"), "{}", out.stdout);
        assert!(took < Duration::from_secs(15), "{hang}: took {took:?}");
        // ...and so does the request's own `timeout:`.
        write(
            dir.path(),
            "key.yaml",
            &format!(
                "requests:\n  - name: needs a token\n    url: \"{base}/api\"\n    timeout: 1s\n    auth: {}\n",
                oauth(&base, hang, "c2")
            ),
        );
        let (out, took) = timed(dir.path(), &["run", "key.yaml"]);
        assert_eq!(out.code, 1, "{hang}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("timed out after 1"), "{}", out.stdout);
        assert!(took < Duration::from_secs(15), "{hang}: took {took:?}");
    }
    assert_eq!(
        hits.api.load(Ordering::SeqCst),
        0,
        "nothing sent without a token"
    );
    assert_eq!(hits.token.load(Ordering::SeqCst), 4);
}

#[test]
fn a_signal_while_the_token_request_hangs_interrupts_the_run() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let (base, hits, _rt) = server();
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "c.yaml",
            &format!(
                "requests:\n  - name: needs a token\n    url: \"{base}/api\"\n    auth: {}\n  - name: never sent\n    url: \"{base}/api\"\n",
                oauth(&base, "/hang", "c1")
            ),
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["run", "c.yaml", "--report", "junit=junit.xml"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        support::wait_until(
            Duration::from_secs(10),
            "the token request never arrived",
            || hits.token.load(Ordering::SeqCst) > 0,
        );
        let start = Instant::now();
        support::signal(&child, signal);
        let (status, _) = support::wait_with_peak(&mut child, Duration::from_secs(10));
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(status, Some(code), "SIG{signal}: {stdout}");
        assert!(start.elapsed() < Duration::from_secs(5), "stopped promptly");
        assert!(stdout.contains("^C needs a token"), "SIG{signal}: {stdout}");
        assert!(stdout.contains("(interrupted)"), "{stdout}");
        assert!(!stdout.contains("failed:"), "{stdout}");
        assert!(
            !stdout.contains("token request to"),
            "not a token failure: {stdout}"
        );
        assert_eq!(hits.api.load(Ordering::SeqCst), 0, "nothing more was sent");
        let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
        assert!(junit.contains("<error"), "{junit}");
    }
}
