//! The smaller holes of the second round: snapshot files stay under `__snapshots__` whatever
//! the collection's name and never follow a link, two requests cannot share one snapshot
//! file, the `jwt` predicate refuses a PEM key for HS256, `range()` works in `for_each`, and
//! a mock callback that calls its own route stops after 8 in a row.

use axum::Router;
use axum::routing::get;

use crate::support::write;

const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEexample0public0key0material0AAAA\n-----END PUBLIC KEY-----\n";

fn server() -> (String, tokio::runtime::Runtime) {
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({ "sub": "admin", "exp": 4_000_000_000u64 }),
        &jsonwebtoken::EncodingKey::from_secret(PEM.as_bytes()).unwrap(),
    )
    .unwrap();
    let app = Router::new()
        .route(
            "/doc",
            get(|| async { axum::Json(serde_json::json!({ "id": 1 })) }),
        )
        .route(
            "/token",
            get(move || {
                let t = token.clone();
                async move { axum::Json(serde_json::json!({ "t": t })) }
            }),
        )
        .route("/n/{n}", get(|| async { "ok" }));
    crate::support::serve(app)
}

#[test]
fn a_dots_only_stem_stays_under_snapshots() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "requests:\n  - name: package\n    url: \"{base}/doc\"\n    expect: {{ snapshot: true }}\n"
    );
    write(dir.path(), "...yaml", &yaml);
    let out = crate::support::run(dir.path(), &["run", "...yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!dir.path().join("package.json").exists(), "written outside");
    assert!(dir.path().join("__snapshots__/__/package.json").is_file());
}

#[cfg(unix)]
#[test]
fn links_under_snapshots_are_not_followed() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "victim.json", "keep me\n");
    let yaml = format!(
        "requests:\n  - name: doc\n    url: \"{base}/doc\"\n    expect: {{ snapshot: true }}\n"
    );
    write(dir.path(), "c.yaml", &yaml);
    std::fs::create_dir_all(dir.path().join("__snapshots__/c")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("victim.json"),
        dir.path().join("__snapshots__/c/doc.json"),
    )
    .unwrap();
    let out = crate::support::run(dir.path(), &["run", "c.yaml", "--update-snapshots"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("is a symbolic link"), "{}", out.stdout);
    let kept = std::fs::read_to_string(outside.path().join("victim.json")).unwrap();
    assert_eq!(kept, "keep me\n");
    // A linked directory is refused too.
    std::fs::remove_dir_all(dir.path().join("__snapshots__")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("__snapshots__")).unwrap();
    let out = crate::support::run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(!outside.path().join("c").exists(), "wrote through the link");
}

#[test]
fn two_requests_sharing_a_snapshot_file_fail_check() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: List orders\n    url: http://127.0.0.1:9/a\n    expect: { snapshot: true }\n  - name: list-orders\n    url: http://127.0.0.1:9/b\n    expect: { snapshot: true }\n",
    );
    let out = crate::support::run(dir.path(), &["check", "c.yaml"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains(
            "requests `List orders` and `list-orders` share the snapshot file `list-orders.json`"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("c.yaml:5:"), "{}", out.stderr);
}

#[test]
fn jwt_refuses_a_pem_key_for_hs256_and_range_works_in_for_each() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let key = PEM.replace('\n', "\\n");
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"requests:
  - name: forged with the public key
    url: "{base}/token"
    expect:
      json: {{ $.t: {{ jwt: {{ key: "{key}" }} }} }}
  - name: three
    for_each: "{{{{ range(3) | list }}}}"
    url: "{base}/n/{{{{ item }}}}"
    expect: {{ status: 200 }}
"#
        ),
    );
    let out = crate::support::run(dir.path(), &["run", "c.yaml", "-v"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("the jwt key is a PEM key, but the algorithm is HS256"),
        "{}",
        out.stdout
    );
    for n in 0..3 {
        assert!(out.stdout.contains(&format!("/n/{n}")), "{}", out.stdout);
    }
    assert!(!out.stdout.contains("/n/3"), "{}", out.stdout);
}

#[test]
fn a_mock_callback_to_its_own_route_stops() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.yaml",
        "routes:\n  - when: { path: /loop }\n    respond:\n      status: 200\n      callback: { url: \"http://{{ headers.host }}/loop\" }\n",
    );
    let (mut child, addr) = crate::support::spawn_mock(dir.path(), "m.yaml", &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("http://{addr}/loop"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    // Without a bound the chain never ends; with it, the ninth request sends no callback.
    std::thread::sleep(std::time::Duration::from_secs(2));
    crate::support::trust::signal(&child, "TERM");
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(
        stderr
            .matches("callback not sent: 8 callbacks in a row")
            .count(),
        1,
        "{stderr}"
    );
}
