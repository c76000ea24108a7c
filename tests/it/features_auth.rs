//! `digest` and `aws_sigv4` auth through the binary, against servers on 127.0.0.1 that
//! check the credentials themselves: a Digest server (RFC 7616, every algorithm, with its
//! own hashing) and a SigV4 server that recomputes the signature from what arrived.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use md5::Md5;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::support::write;

const USER: &str = "Mufasa";
const PASSWORD: &str = "Circle-of-Life-7f3a";
const ACCESS_KEY: &str = "AKIDTESTKEY0001";
const SECRET_KEY: &str = "wJalrXUtnFEMI-test-secret-key-2b9c";
const SESSION_TOKEN: &str = "session-token-5e1d7a";

#[derive(Default)]
struct DigestState {
    nonces: Mutex<Vec<String>>,
    requests: AtomicUsize,
}

fn hash(alg: &str, text: &str) -> String {
    let bytes = if alg.to_ascii_uppercase().starts_with("SHA-256") {
        Sha256::digest(text.as_bytes()).to_vec()
    } else {
        Md5::digest(text.as_bytes()).to_vec()
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `k="v", k=v` pairs of an Authorization header after its scheme.
fn params(header: &str) -> HashMap<String, String> {
    let re = regex::Regex::new(r#"(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))"#).unwrap();
    re.captures_iter(header)
        .map(|c| {
            let v = c.get(2).or_else(|| c.get(3)).map_or("", |m| m.as_str());
            (c[1].to_string(), v.to_string())
        })
        .collect()
}

async fn digest(
    State(s): State<Arc<DigestState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    s.requests.fetch_add(1, Ordering::SeqCst);
    let alg = uri.path().trim_start_matches("/digest/").to_string();
    let challenge = |s: &DigestState| {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        s.nonces.lock().unwrap().push(nonce.clone());
        let value = format!(
            "Digest realm=\"baton@test\", qop=\"auth, auth-int\", algorithm={alg}, nonce=\"{nonce}\", opaque=\"op-42\""
        );
        (
            StatusCode::UNAUTHORIZED,
            [("WWW-Authenticate", value)],
            "who are you?",
        )
            .into_response()
    };
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return challenge(&s);
    };
    let p = params(auth);
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let path_and_query = uri.path_and_query().map_or("", |x| x.as_str()).to_string();
    let mut ha1 = hash(&alg, &format!("{}:baton@test:{PASSWORD}", get("username")));
    if alg.to_ascii_lowercase().ends_with("-sess") {
        ha1 = hash(&alg, &format!("{ha1}:{}:{}", get("nonce"), get("cnonce")));
    }
    let ha2 = hash(&alg, &format!("{method}:{path_and_query}"));
    let want = hash(
        &alg,
        &format!(
            "{ha1}:{}:{}:{}:auth:{ha2}",
            get("nonce"),
            get("nc"),
            get("cnonce")
        ),
    );
    let ok = get("username") == USER
        && get("response") == want
        && get("uri") == path_and_query
        && get("qop") == "auth"
        && get("opaque") == "op-42"
        && get("algorithm").eq_ignore_ascii_case(&alg)
        && s.nonces.lock().unwrap().contains(&get("nonce"));
    if ok {
        axum::Json(json!({"authenticated": true, "user": USER})).into_response()
    } else {
        challenge(&s)
    }
}

fn digest_server() -> (String, Arc<DigestState>, tokio::runtime::Runtime) {
    let state = Arc::new(DigestState::default());
    let app = Router::new()
        .route("/digest/{alg}", any(digest))
        .with_state(Arc::clone(&state));
    let (url, rt) = crate::support::serve(app);
    (url, state, rt)
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = crate::support::baton(dir)
        .args(args)
        .env("DIGEST_PASSWORD", PASSWORD)
        .env("AWS_SECRET", SECRET_KEY)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn digest_answers_every_algorithm_in_one_step() {
    let (url, state, _rt) = digest_server();
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = format!(
        "vars: {{ base: \"{url}\" }}\ndefaults:\n  auth:\n    digest: {{ username: {USER}, password: \"{{{{ secret('DIGEST_PASSWORD') }}}}\" }}\nrequests:\n"
    );
    for alg in ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] {
        yaml.push_str(&format!(
            "  - name: {alg}\n    method: POST\n    url: \"{{{{ base }}}}/digest/{alg}?page=1&q=a b\"\n    json: {{ n: 1 }}\n    expect: {{ status: 200, json: {{ $.authenticated: true }} }}\n"
        ));
    }
    write(dir.path(), "digest.yaml", &yaml);
    let (code, out) = run(dir.path(), &["run", "digest.yaml", "-vv"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        state.requests.load(Ordering::SeqCst),
        8,
        "a challenge and an answer each"
    );
    assert_eq!(out.matches("< 401").count(), 4, "{out}");
    assert!(
        out.contains("www-authenticate: Digest realm=\"baton@test\""),
        "{out}"
    );
    assert!(out.contains("Authorization: ***"), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
    assert!(out.contains("4 passed"), "{out}");
}

#[test]
fn a_wrong_digest_password_fails_after_one_answer() {
    let (url, state, _rt) = digest_server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "wrong.yaml",
        &format!(
            "requests:\n  - name: wrong\n    url: \"{url}/digest/SHA-256\"\n    auth: {{ digest: {{ username: {USER}, password: not-it-9c1e }} }}\n    expect: {{ status: 200 }}\n"
        ),
    );
    let (code, out) = run(dir.path(), &["run", "wrong.yaml", "-vv"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(state.requests.load(Ordering::SeqCst), 2, "{out}");
    assert!(!out.contains("not-it-9c1e"), "{out}");
}

/// Recompute the signature from the request as it arrived, with the secret key this side
/// knows: 200 when it matches, 403 with the reason otherwise.
async fn sigv4(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return (StatusCode::FORBIDDEN, "no Authorization").into_response();
    };
    let re = regex::Regex::new(
        r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$",
    )
    .unwrap();
    let Some(c) = re.captures(auth) else {
        return (StatusCode::FORBIDDEN, format!("malformed: {auth}")).into_response();
    };
    let own = ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];
    let signed: Vec<(String, String)> = c[5]
        .split(';')
        .filter(|h| !own.contains(h))
        .map(|h| {
            let v = headers
                .get_all(h)
                .iter()
                .map(|v| v.to_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",");
            (h.to_string(), v)
        })
        .collect();
    let date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let time: jiff::Timestamp = match jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", date) {
        Ok(dt) => dt.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp(),
        Err(e) => return (StatusCode::FORBIDDEN, format!("x-amz-date: {e}")).into_response(),
    };
    let keys = baton::http::builder::SigV4Keys {
        access_key_id: c[1].to_string(),
        secret_access_key: SECRET_KEY.into(),
        session_token: headers
            .get("x-amz-security-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        region: c[3].to_string(),
        service: c[4].to_string(),
    };
    let s3 = &c[4] == "s3";
    let req = baton::http::sigv4::Request {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or_default(),
        headers: &signed,
        body: &body,
    };
    let opts = baton::http::sigv4::Options {
        time,
        s3_paths: s3,
        content_sha256_header: s3,
    };
    let want = baton::http::sigv4::sign(&req, &keys, opts);
    if want.signature == c[6] && &c[1] == ACCESS_KEY && c[5].contains("host") {
        axum::Json(json!({"signed": true, "headers": &c[5], "service": &c[4]})).into_response()
    } else {
        (
            StatusCode::FORBIDDEN,
            format!(
                "signature mismatch; canonical request:\n{}",
                want.canonical_request
            ),
        )
            .into_response()
    }
}

#[test]
fn sigv4_signs_what_goes_over_the_wire() {
    let (url, _rt) = crate::support::serve(Router::new().fallback(sigv4));
    let dir = tempfile::tempdir().unwrap();
    let auth = |service: &str, secret: &str| {
        format!(
            "    auth:\n      aws_sigv4:\n        access_key_id: {ACCESS_KEY}\n        secret_access_key: \"{secret}\"\n        session_token: {SESSION_TOKEN}\n        region: eu-central-1\n        service: {service}\n"
        )
    };
    let yaml = format!(
        "vars: {{ base: \"{url}\" }}\nrequests:\n  - name: api\n    method: POST\n    url: \"{{{{ base }}}}/prod/items/a%20b/ü\"\n    query: {{ z: 1, a: \"x y\", \"ü\": \"ö\" }}\n    headers: {{ X-Custom: \"  two   spaces \" }}\n    json: {{ name: widget }}\n{}    expect: {{ status: 200, json: {{ $.signed: true, $.headers: {{ contains: x-custom }} }} }}\n  - name: s3\n    method: PUT\n    url: \"{{{{ base }}}}/bucket/key%20name.txt\"\n    body: hello\n{}    expect: {{ status: 200, json: {{ $.headers: {{ contains: x-amz-content-sha256 }} }} }}\n  - name: wrong secret\n    url: \"{{{{ base }}}}/x\"\n{}    expect: {{ status: 403 }}\n",
        auth("execute-api", "{{ secret('AWS_SECRET') }}"),
        auth("s3", "{{ secret('AWS_SECRET') }}"),
        auth("execute-api", "not-the-secret-4d2f"),
    );
    write(dir.path(), "aws.yaml", &yaml);
    let (code, out) = run(dir.path(), &["run", "aws.yaml", "-vv"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 passed"), "{out}");
    for secret in [SECRET_KEY, SESSION_TOKEN, "not-the-secret-4d2f"] {
        assert!(!out.contains(secret), "{secret} shown:\n{out}");
    }
    assert!(out.contains("X-Amz-Date: 20"), "{out}");
    assert!(out.contains("Authorization: ***"), "{out}");
}

#[test]
fn auth_keys_are_checked_with_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:1/\n    auth: { aws_sigv4: { access_key_id: a, secret_acess_key: b, region: r, service: s } }\n  - name: b\n    url: http://127.0.0.1:1/\n    auth: { digets: { username: u, password: p } }\n",
    );
    let (code, out) = run(dir.path(), &["check", "bad.yaml"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad.yaml:4:"), "{out}");
    assert!(out.contains("secret_access_key"), "{out}");
    assert!(out.contains("bad.yaml:7:"), "{out}");
    assert!(out.contains("did you mean `digest`?"), "{out}");
}

#[test]
fn export_curl_writes_digest_and_sigv4_as_curl_flags() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "e.yaml",
        "requests:\n  - name: d\n    url: http://127.0.0.1:1/x\n    auth: { digest: { username: ann, password: \"{{ secret('DIGEST_PASSWORD') }}\" } }\n  - name: s\n    url: http://127.0.0.1:1/y\n    auth: { aws_sigv4: { access_key_id: AK, secret_access_key: \"{{ secret('AWS_SECRET') }}\", session_token: tok-1, region: eu-west-1, service: s3 } }\n",
    );
    let (code, out) = run(dir.path(), &["export", "curl", "e.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("--digest \\\n  -u \"ann:${DIGEST_PASSWORD}\""),
        "{out}"
    );
    assert!(out.contains("--aws-sigv4 aws:amz:eu-west-1:s3"), "{out}");
    assert!(out.contains("-u \"AK:${AWS_SECRET}\""), "{out}");
    assert!(
        !out.contains(PASSWORD) && !out.contains(SECRET_KEY),
        "{out}"
    );
}
