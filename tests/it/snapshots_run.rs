//! `expect: { snapshot }` through the binary: a snapshot written on the first run, passing
//! on the next, failing with a diff when the server changes, `ignore`, `--update-snapshots`,
//! `CI`, text bodies, masked secrets and file names.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

const TOKEN: &str = "tok-3141592653";

/// A server whose `/doc` answers whatever the test last put there.
struct Server {
    url: String,
    doc: Arc<Mutex<String>>,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        // Keys deliberately not in alphabetical order.
        let doc = Arc::new(Mutex::new(
            r#"{"zeta":1,"id":"x-1","alpha":{"y":2,"b":[true,null]},"created_at":"2026-11-29T10:00:00Z"}"#
                .to_string(),
        ));
        let app = Router::new()
            .route(
                "/doc",
                get(|State(d): State<Arc<Mutex<String>>>| async move {
                    (
                        [("content-type", "application/json")],
                        d.lock().unwrap().clone(),
                    )
                        .into_response()
                }),
            )
            .route("/text", get(|| async { "plain text\nline two\n" }))
            .route(
                "/login",
                get(|| async { axum::Json(json!({ "token": TOKEN, "user": "ann" })) }),
            )
            .with_state(Arc::clone(&doc));
        let (url, rt) = crate::support::serve(app);
        Server { url, doc, _rt: rt }
    }

    fn set(&self, doc: &str) {
        *self.doc.lock().unwrap() = doc.to_string();
    }
}

fn collection(dir: &Path, server: &Server, snapshot: &str) {
    crate::support::write(
        dir,
        "snap.yaml",
        &format!(
            "name: snap\nvars: {{ base: \"{}\" }}\nrequests:\n  - name: The Doc\n    url: \"{{{{ base }}}}/doc\"\n    expect:\n      status: 200\n      snapshot: {snapshot}\n",
            server.url
        ),
    );
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const FILE: &str = "__snapshots__/snap/the-doc.json";

#[test]
fn written_then_passing_then_a_diff_then_ignored_then_updated() {
    let server = Server::start();
    let d = tempfile::tempdir().unwrap();
    collection(d.path(), &server, "true");

    // 1. Missing: written, with a note, and the request passes.
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(&format!("snapshot written: {FILE}")),
        "{}",
        out.stdout
    );
    let written = read(d.path(), FILE);
    assert_eq!(
        written,
        r#"{
  "zeta": 1,
  "id": "x-1",
  "alpha": {
    "y": 2,
    "b": [
      true,
      null
    ]
  },
  "created_at": "2026-11-29T10:00:00Z"
}
"#,
        "pretty, two spaces, keys in response order"
    );

    // 2. The same body: passes, nothing written, no note.
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(!out.stdout.contains("snapshot"), "{}", out.stdout);
    assert_eq!(read(d.path(), FILE), written);

    // 3. The server changes a field: a diff.
    server.set(r#"{"zeta":2,"id":"x-1","alpha":{"y":2,"b":[true,null]},"created_at":"2026-11-29T11:30:00Z"}"#);
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    insta::assert_snapshot!("snapshot_diff", crate::support::stable(&out.stdout));
    assert_eq!(
        read(d.path(), FILE),
        written,
        "a failing run writes nothing"
    );

    // 4. The changing fields ignored: passes against the file written before.
    collection(d.path(), &server, "{ ignore: [$.zeta, $.created_at] }");
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(read(d.path(), FILE), written);
    // Another field still counts.
    server.set(r#"{"zeta":3,"id":"x-2","alpha":{"y":2,"b":[true,null]},"created_at":"2026-11-29T12:00:00Z"}"#);
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains(r#"-  "id": "x-1","#), "{}", out.stdout);
    assert!(out.stdout.contains(r#"+  "id": "x-2","#), "{}", out.stdout);

    // 5. --update-snapshots accepts the new body, ignored paths as "[ignored]".
    let out = crate::support::run(d.path(), &["run", "snap.yaml", "--update-snapshots"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("snapshot updated: {FILE}")),
        "{}",
        out.stdout
    );
    let updated: Value = serde_json::from_str(&read(d.path(), FILE)).unwrap();
    assert_eq!(
        updated,
        json!({"zeta": "[ignored]", "id": "x-2", "alpha": {"y": 2, "b": [true, null]}, "created_at": "[ignored]"})
    );
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn key_order_alone_is_no_difference() {
    let server = Server::start();
    let d = tempfile::tempdir().unwrap();
    collection(d.path(), &server, "true");
    assert_eq!(crate::support::run(d.path(), &["run", "snap.yaml"]).code, 0);
    server.set(r#"{"created_at":"2026-11-29T10:00:00Z","alpha":{"b":[true,null],"y":2},"id":"x-1","zeta":1}"#);
    let out = crate::support::run(d.path(), &["run", "snap.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn under_ci_a_missing_snapshot_fails_and_nothing_is_written() {
    let server = Server::start();
    let d = tempfile::tempdir().unwrap();
    collection(d.path(), &server, "true");
    let out = crate::support::baton(d.path())
        .args(["run", "snap.yaml"])
        .env("CI", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "snapshot missing: {FILE} (run with --update-snapshots)"
        )),
        "{stdout}"
    );
    assert!(!d.path().join("__snapshots__").exists());
    // `--update-snapshots` writes it, CI or not; `CI=false` is not CI.
    let out = crate::support::baton(d.path())
        .args(["run", "snap.yaml", "--update-snapshots"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(d.path().join(FILE).exists());
    std::fs::remove_file(d.path().join(FILE)).unwrap();
    let out = crate::support::baton(d.path())
        .args(["run", "snap.yaml"])
        .env("CI", "false")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(d.path().join(FILE).exists());
}

#[test]
fn text_bodies_secrets_and_file_names() {
    let server = Server::start();
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "api/Orders API.yaml",
        &format!(
            r#"name: orders
vars: {{ base: "{}" }}
requests:
  - name: "Text: the body!"
    url: "{{{{ base }}}}/text"
    expect: {{ snapshot: true }}
  - name: log in
    url: "{{{{ base }}}}/login"
    expect: {{ snapshot: true }}
    capture:
      token: {{ json: $.token, secret: true }}
  - name: each
    url: "{{{{ base }}}}/doc"
    for_each: [1, 2]
    expect: {{ snapshot: {{ ignore: [$.created_at] }} }}
"#,
            server.url
        ),
    );
    let out = crate::support::run(d.path(), &["run", "api"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let dir = d.path().join("api/__snapshots__/Orders API");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "each-0-.json",
            "each-1-.json",
            "log-in.json",
            "text-the-body-.txt"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("text-the-body-.txt")).unwrap(),
        "plain text\nline two\n"
    );
    // The file is committed: a secret captured from this very response is masked in it.
    let login = std::fs::read_to_string(dir.join("log-in.json")).unwrap();
    assert!(!login.contains(TOKEN), "{login}");
    assert_eq!(
        serde_json::from_str::<Value>(&login).unwrap(),
        json!({"token": "***", "user": "ann"})
    );
    // And the next run still passes.
    let out = crate::support::run(d.path(), &["run", "api"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(!out.stdout.contains("snapshot written"), "{}", out.stdout);
}

#[test]
fn a_received_callback_can_be_snapshotted() {
    let d = tempfile::tempdir().unwrap();
    crate::support::write(
        d.path(),
        "mock.yaml",
        r#"routes:
  - when: { path: /go }
    respond:
      callback: { url: "{{ vars.callback_url }}/cb", json: { event: delivered, id: "{{ uuid() }}" } }
"#,
    );
    crate::support::write(
        d.path(),
        "cb.yaml",
        r#"name: cb
requests:
  - name: go
    url: "{{ base_url }}/go"
  - name: the callback
    receive: { path: /cb, timeout: 5s }
    expect: { snapshot: { ignore: [$.id] } }
"#,
    );
    for _ in 0..2 {
        let out = crate::support::run(d.path(), &["run", "cb.yaml", "--mock", "mock.yaml"]);
        assert_eq!(out.code, 0, "{}", out.stdout);
    }
    assert_eq!(
        read(d.path(), "__snapshots__/cb/the-callback.json"),
        "{\n  \"event\": \"delivered\",\n  \"id\": \"[ignored]\"\n}\n"
    );
}
