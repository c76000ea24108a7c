//! Credentials on redirects: a hop to another origin (here another port) carries none of
//! the credentials baton added or was given (Authorization from basic, bearer or OAuth2,
//! Proxy-Authorization, Cookie, an `api_key` header), not even when a later hop comes back;
//! a same-origin redirect keeps them all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, post};

use crate::support::write;

type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

/// A server that records every request's path and headers; `/go?to=URL` redirects there.
fn recorder() -> (String, Seen, tokio::runtime::Runtime) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route(
            "/go",
            any(|Query(q): Query<HashMap<String, String>>| async move {
                (StatusCode::FOUND, [("Location", q["to"].clone())]).into_response()
            }),
        )
        .route("/land", any(|| async { "landed" }))
        .route(
            "/token",
            post(|| async {
                axum::Json(serde_json::json!({ "access_token": "oauth-token-0123456789", "expires_in": 60 }))
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            seen.clone(),
            |State(seen): State<Seen>, req: Request, next: axum::middleware::Next| async move {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                    .collect();
                seen.lock().unwrap().push((req.uri().path().to_string(), headers));
                next.run(req).await
            },
        ))
        .with_state(());
    let (url, rt) = crate::support::serve(app);
    (url, seen, rt)
}

const CREDENTIALS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-api-key",
];

/// The requests of the collection: one per way of carrying a credential, each redirected to
/// `target` (a URL, from the first server's point of view).
fn collection(a: &str, target: &str) -> String {
    let to = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
    let hop = format!("{a}/go?to={to}");
    let given = "headers: { Proxy-Authorization: \"Basic cHJveHk6cGFzcw==\", Cookie: \"sid=given-cookie-value\" }";
    format!(
        r#"requests:
  - name: api_key header
    url: "{hop}"
    auth: {{ api_key: {{ header: X-Api-Key, value: api-key-value-42 }} }}
    {given}
  - name: basic
    url: "{hop}"
    auth: {{ basic: {{ username: ann, password: basic-password-42 }} }}
  - name: bearer
    url: "{hop}"
    auth: {{ bearer: bearer-token-value-42 }}
  - name: oauth2
    url: "{hop}"
    auth: {{ oauth2: {{ token_url: "{a}/token", client_id: cid, client_secret: client-secret-42 }} }}
"#
    )
}

/// The credential headers each request of `collection` had on the landing hop.
fn landed(seen: &Seen) -> Vec<Vec<String>> {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p == "/land")
        .map(|(_, h)| {
            CREDENTIALS
                .iter()
                .filter(|c| h.contains_key(**c))
                .map(|c| c.to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_cross_origin_redirect_drops_every_credential() {
    let (a, a_seen, _ra) = recorder();
    let (b, b_seen, _rb) = recorder();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&a, &format!("{b}/land")));
    let out = crate::support::run(dir.path(), &["run", "c.yaml", "-vv"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    // The first server got them (so they were sent at all)...
    let first: Vec<_> = a_seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p == "/go")
        .map(|(_, h)| h.clone())
        .collect();
    assert_eq!(first.len(), 4);
    assert_eq!(first[0]["x-api-key"], "api-key-value-42");
    assert_eq!(first[0]["cookie"], "sid=given-cookie-value");
    assert!(first[0].contains_key("proxy-authorization"));
    for h in &first[1..] {
        assert!(h.contains_key("authorization"), "{h:?}");
    }
    // ...the second saw none of them.
    let second = landed(&b_seen);
    assert_eq!(second.len(), 4, "{second:?}");
    for (i, creds) in second.iter().enumerate() {
        assert!(creds.is_empty(), "request {i} carried {creds:?} to {b}");
    }
}

#[test]
fn credentials_stay_dropped_when_a_later_hop_comes_back() {
    let (a, a_seen, _ra) = recorder();
    let (b, _b_seen, _rb) = recorder();
    let dir = tempfile::tempdir().unwrap();
    // a -> b -> a/land
    let back =
        url::form_urlencoded::byte_serialize(format!("{a}/land").as_bytes()).collect::<String>();
    write(
        dir.path(),
        "c.yaml",
        &collection(&a, &format!("{b}/go?to={back}")),
    );
    let out = crate::support::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let back = landed(&a_seen);
    assert_eq!(back.len(), 4, "{back:?}");
    for (i, creds) in back.iter().enumerate() {
        assert!(creds.is_empty(), "request {i} carried {creds:?} back");
    }
}

#[test]
fn a_same_origin_redirect_keeps_them() {
    let (a, a_seen, _ra) = recorder();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&a, "/land"));
    let out = crate::support::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let kept = landed(&a_seen);
    assert_eq!(
        kept,
        vec![
            vec!["proxy-authorization", "cookie", "x-api-key"],
            vec!["authorization"],
            vec!["authorization"],
            vec!["authorization"],
        ],
    );
}
