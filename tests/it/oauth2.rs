//! OAuth2 client credentials through the binary, against an in-process token server that
//! counts its calls: one fetch per run, refresh after expiry, one refetch and resend on 401,
//! and no secret anywhere in the output.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::write;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::json;

const CLIENT_ID: &str = "client-id-4711";
const CLIENT_SECRET: &str = "client-secret-very-private";

#[derive(Clone, Default)]
struct State {
    token_calls: Arc<AtomicUsize>,
    api_calls: Arc<AtomicUsize>,
    /// Tokens the API accepts (the token server adds each one it hands out).
    valid: Arc<Mutex<Vec<String>>>,
    /// When set, the API rejects the first token it sees once (simulates a revoked token).
    reject_first: Arc<Mutex<bool>>,
    expires_in: u64,
}

struct Server {
    url: String,
    state: State,
    _rt: tokio::runtime::Runtime,
}

fn server(expires_in: u64, reject_first: bool) -> Server {
    let state = State {
        expires_in,
        reject_first: Arc::new(Mutex::new(reject_first)),
        ..State::default()
    };
    let s = state.clone();
    let token = move |headers: HeaderMap, body: String| {
        let s = s.clone();
        async move {
            let n = s.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if auth != format!("Basic {basic}") || !body.contains("grant_type=client_credentials") {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})))
                    .into_response();
            }
            let tok = format!("access-token-{n}-f00dfeed");
            s.valid.lock().unwrap().push(tok.clone());
            axum::Json(json!({"access_token": tok, "expires_in": s.expires_in, "token_type": "Bearer", "scope": "sms"})).into_response()
        }
    };
    let s2 = state.clone();
    let api = move |headers: HeaderMap| {
        let s = s2.clone();
        async move {
            s.api_calls.fetch_add(1, Ordering::SeqCst);
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let tok = auth.strip_prefix("Bearer ").unwrap_or_default().to_string();
            let mut reject = s.reject_first.lock().unwrap();
            if *reject {
                *reject = false;
                s.valid.lock().unwrap().retain(|t| *t != tok);
            }
            if s.valid.lock().unwrap().contains(&tok) {
                axum::Json(json!({"data": [{"name": "Customers"}]})).into_response()
            } else {
                (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"type": "authentication_error", "message": "expired", "code": 401}})))
                    .into_response()
            }
        }
    };
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route("/groups", get(api));
    let (url, rt) = crate::support::serve(app);
    Server {
        url,
        state,
        _rt: rt,
    }
}

fn collection(url: &str, name: &str, requests: usize, delay: &str) -> String {
    let mut s = format!(
        "name: {name}\nvars: {{ base: \"{url}\" }}\ndefaults:\n  auth:\n    oauth2:\n      token_url: \"{{{{ base }}}}/oauth/token\"\n      client_id: \"{{{{ secret('BATON_TEST_CLIENT_ID') }}}}\"\n      client_secret: \"{{{{ secret('BATON_TEST_CLIENT_SECRET') }}}}\"\n      scope: sms\nrequests:\n"
    );
    for i in 0..requests {
        s.push_str(&format!("  - name: groups {i}\n    url: \"{{{{ base }}}}/groups\"\n{delay}    expect: {{ status: 200 }}\n"));
    }
    s
}

fn baton(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = crate::support::baton(dir)
        .args(args)
        .env("BATON_TEST_CLIENT_ID", CLIENT_ID)
        .env("BATON_TEST_CLIENT_SECRET", CLIENT_SECRET)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn one_token_fetch_for_a_parallel_run_of_three_collections() {
    let s = server(3600, false);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &collection(&s.url, "a", 7, ""));
    write(dir.path(), "b.yaml", &collection(&s.url, "b", 7, ""));
    write(dir.path(), "c.yaml", &collection(&s.url, "c", 6, ""));
    let (code, stdout, stderr) = baton(dir.path(), &["run", ".", "--jobs", "3", "-vv"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(s.state.api_calls.load(Ordering::SeqCst), 20);
    assert_eq!(
        s.state.token_calls.load(Ordering::SeqCst),
        1,
        "one token for the whole run"
    );
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    for secret in [
        CLIENT_SECRET,
        CLIENT_ID,
        basic.as_str(),
        "access-token-1-f00dfeed",
    ] {
        assert!(
            !stdout.contains(secret),
            "`{secret}` leaked in stdout:\n{stdout}"
        );
        assert!(
            !stderr.contains(secret),
            "`{secret}` leaked in stderr:\n{stderr}"
        );
    }
    assert!(
        stdout.contains("OAuth2 token: POST"),
        "the token request shows in verbose output:\n{stdout}"
    );
}

#[test]
fn token_is_refetched_after_it_expires() {
    let s = server(1, false);
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        &collection(&s.url, "a", 3, "    delay: 700ms\n"),
    );
    let (code, stdout, stderr) = baton(dir.path(), &["run", "a.yaml"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        s.state.token_calls.load(Ordering::SeqCst) >= 2,
        "expired tokens are refreshed"
    );
    assert_eq!(s.state.api_calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_401_refetches_once_and_resends_once() {
    let s = server(3600, true);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &collection(&s.url, "a", 2, ""));
    let (code, stdout, stderr) = baton(dir.path(), &["run", "a.yaml"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(s.state.token_calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        s.state.api_calls.load(Ordering::SeqCst),
        3,
        "one resend after the 401, then the second request"
    );
}

#[test]
fn a_failing_token_endpoint_fails_the_request_with_its_error() {
    let s = server(3600, false);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &collection(&s.url, "a", 1, ""));
    let out = crate::support::baton(dir.path())
        .args(["run", "a.yaml", "-vv"])
        .env("BATON_TEST_CLIENT_ID", CLIENT_ID)
        .env("BATON_TEST_CLIENT_SECRET", "wrong-secret-value")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("401 Unauthorized: invalid_client: Client authentication failed"),
        "{stdout}"
    );
    assert!(!stdout.contains("wrong-secret-value"));
    assert_eq!(s.state.api_calls.load(Ordering::SeqCst), 0);
}

mod misbehaving {
    //! OAuth2 token requests that misbehave: nonsense `expires_in` values, a token URL that never
    //! answers (bounded by `--timeout` and `timeout:`), and Ctrl-C or SIGTERM while it hangs.

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

    use crate::support::write;

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
        let (url, rt) = crate::support::serve(app);
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
        let out = crate::support::run(dir.path(), &["run", "c.yaml"]);
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
    fn timed(dir: &std::path::Path, args: &[&str]) -> (crate::support::Output, Duration) {
        let start = Instant::now();
        let out = crate::support::run(dir, args);
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
            crate::support::trust::wait_until(
                Duration::from_secs(10),
                "the token request never arrived",
                || hits.token.load(Ordering::SeqCst) > 0,
            );
            let start = Instant::now();
            crate::support::trust::signal(&child, signal);
            let (status, _) =
                crate::support::trust::wait_with_peak(&mut child, Duration::from_secs(10));
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
}
