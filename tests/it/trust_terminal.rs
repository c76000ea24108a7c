//! Escape sequences from a server never reach the terminal raw: a body that would retitle the
//! window, move the cursor up, clear the line and print a fake "✓" is shown escaped in the
//! "response is not JSON" preview, in `-vv` dumps, in diffs and in GitHub annotations.

use axum::Router;
use axum::http::HeaderValue;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::support::write;

const EVIL: &str = "\u{1b}]0;title\u{7}\u{1b}[1A\u{1b}[2K\r  ✓ everything fine";

fn server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route(
            "/evil",
            get(|| async {
                let mut resp = ([("Content-Type", "text/plain")], EVIL).into_response();
                // A C1 control (CSI, U+009B) in a header value, as obs-text bytes.
                resp.headers_mut()
                    .insert("X-Evil", HeaderValue::from_bytes(b"a\xC2\x9B2Jb").unwrap());
                resp
            }),
        )
        .route(
            "/evil-json",
            get(|| async {
                axum::Json(
                    serde_json::json!({ "message": format!("line one\n{EVIL}\nline three") }),
                )
            }),
        );
    crate::support::serve(app)
}

fn collection(base: &str) -> String {
    format!(
        r#"requests:
  - name: not JSON
    url: "{base}/evil"
    expect:
      json: {{ $.a: 1 }}
      body: {{ contains: nothing }}
      headers: {{ X-Evil: ab }}
  - name: a diff
    url: "{base}/evil-json"
    expect:
      json: {{ $.message: "line one\nline two\nline three" }}
  - name: "a name with \e]0;x\a in it"
    url: "{base}/evil"
    expect: {{ status: 201 }}
"#
    )
}

/// No ESC, BEL, CR or C1 control anywhere.
fn assert_clean(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            !(c.is_control() && c != '\n' && c != '\t'),
            "{what}: raw {c:?} in:\n{text:?}"
        );
    }
}

#[test]
fn escape_sequences_from_a_server_are_shown_escaped() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &collection(&base));
    for args in [
        &["run", "c.yaml", "-q"][..],
        &["run", "c.yaml"],
        &["run", "c.yaml", "-v"],
        &["run", "c.yaml", "-vv"],
    ] {
        let out = crate::support::baton(dir.path())
            .args(args)
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}\n{stderr}");
        assert_clean(&format!("{args:?} stdout"), &stdout);
        assert_clean(&format!("{args:?} stderr"), &stderr);
        // Shown, escaped: the preview, the annotation, the diff.
        assert!(
            stdout.contains(r"response is not JSON: \u{1b}]0;title\u{7}\u{1b}[1A\u{1b}[2K\u{d}  ✓ everything fine"),
            "{args:?}: {stdout}"
        );
        assert!(stdout.contains("::error file=c.yaml,line=2::"), "{stdout}");
        assert!(stdout.contains(r"+\u{1b}]0;title"), "the diff: {stdout}");
        assert!(
            stdout.contains(r"a name with \u{1b}]0;x\u{7} in it"),
            "{stdout}"
        );
        assert!(stdout.contains(r"a\u{9b}2Jb"), "the header: {stdout}");
        if args.contains(&"-vv") {
            assert!(
                stdout.contains(r"< \u{1b}]0;title\u{7}\u{1b}[1A\u{1b}[2K\u{d}  ✓ everything fine"),
                "the body: {stdout}"
            );
            assert!(stdout.contains(r"x-evil: a\u{9b}2Jb"), "{stdout}");
        }
    }
}
