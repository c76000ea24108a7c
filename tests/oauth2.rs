//! OAuth2 client credentials through the binary, against an in-process token server that
//! counts its calls: one fetch per run, refresh after expiry, one refetch and resend on 401,
//! and no secret anywhere in the output.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use common::write;
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
    let (url, rt) = common::serve(app);
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
    let out = common::baton(dir)
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
    let out = common::baton(dir.path())
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
