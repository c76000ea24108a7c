//! The baton column of bench/openapi/README.md's violation table: a server that breaks
//! bench/openapi/violations.yaml in each way bench/openapi/violations.json lists, checked
//! through a collection's `openapi:`. Every violation baton is documented to catch must
//! fail its request with an `openapi` expectation, and every control (a response that keeps
//! to the contract) must pass.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode, Uri};
use serde_json::Value;

fn bench() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/openapi")
}

fn entries() -> Vec<Value> {
    let text = std::fs::read_to_string(bench().join("violations.json")).expect("violations.json");
    let v: Value = serde_json::from_str(&text).expect("violations.json is JSON");
    let mut out: Vec<Value> = v["violations"].as_array().expect("violations").clone();
    out.extend(v["controls"].as_array().expect("controls").iter().cloned());
    out
}

/// GET /<id> answers as the entry says: its status, exactly its headers, its body.
async fn answer(State(entries): State<Vec<Value>>, uri: Uri) -> Response<Body> {
    let id = uri.path().trim_start_matches('/');
    let Some(e) = entries.iter().find(|e| e["id"] == id) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .expect("response");
    };
    let mut r = Response::builder().status(e["status"].as_u64().expect("status") as u16);
    for (k, v) in e["headers"].as_object().expect("headers") {
        r = r.header(k, v.as_str().expect("header value"));
    }
    let body = e["body"].as_str().expect("body").to_string();
    r.body(Body::from(body)).expect("response")
}

/// The server on 127.0.0.1 and the runtime that keeps it running.
fn serve(entries: Vec<Value>) -> (String, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route("/{id}", axum::routing::get(answer))
        .with_state(entries);
    rt.spawn(async move { axum::serve(listener, app).await });
    (url, rt)
}

#[test]
fn baton_catches_every_violation_it_is_documented_to_catch() {
    let entries = entries();
    assert!(entries.len() >= 20, "{} entries", entries.len());
    let (url, _rt) = serve(entries.clone());
    let dir = tempfile::tempdir().expect("tempdir");
    let requests: String = entries
        .iter()
        .map(|e| {
            let id = e["id"].as_str().expect("id");
            format!("  - {{ name: {id}, method: GET, url: \"{{{{ base_url }}}}/{id}\" }}\n")
        })
        .collect();
    let doc = bench().join("violations.yaml");
    std::fs::write(
        dir.path().join("c.yaml"),
        format!(
            "version: 1\nname: violations\nopenapi: {}\nrequests:\n{requests}",
            doc.display()
        ),
    )
    .expect("write");
    let out = assert_cmd::Command::cargo_bin("baton")
        .expect("binary")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["run", "c.yaml", "--var", &format!("base_url={url}")])
        .args(["--report", "json=r.json"])
        .output()
        .expect("run");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).expect("report"))
            .expect("report is JSON");
    let requests = report["collections"][0]["requests"]
        .as_array()
        .expect("requests");
    assert_eq!(requests.len(), entries.len());
    let mut wrong = Vec::new();
    for (e, r) in entries.iter().zip(requests) {
        let failed: Vec<&str> = r["assertions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["subject"] == "openapi" && a["passed"] == false)
            .map(|a| a["message"].as_str().unwrap_or(""))
            .collect();
        let expected_caught = e["baton"] == "caught";
        if expected_caught == failed.is_empty() {
            wrong.push(format!(
                "{} ({}): documented {}, got {failed:?}",
                e["id"], e["kind"], e["baton"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\n{}",
        wrong.join("\n"),
        String::from_utf8_lossy(&out.stdout)
    );
}
