//! Text from a server cannot forge baton's lines or workflow commands: a captured value with
//! line feeds sent in a header stays on its own line at `-vv`, and on GitHub Actions no
//! `::command::` or legacy `##[command]` from a response reaches the runner, while baton's
//! own annotations still do.

use axum::Router;
use axum::routing::get;

use crate::support::write;

const FORGED: &str = "x\n::error file=c.yaml,line=1::forged\n  ✓ deploy GET 200 1ms\n::add-mask::x";

fn server() -> (String, tokio::runtime::Runtime) {
    let app = Router::new()
        .route(
            "/capture",
            get(|| async { axum::Json(serde_json::json!({ "v": FORGED })) }),
        )
        .route(
            "/text",
            get(|| async {
                "::error file=c.yaml,line=2::from the body\n##[error]legacy\nsee ##[add-mask]s3cret\n::stop-commands::guess\n"
            }),
        );
    crate::support::serve(app)
}

/// The lines a GitHub runner would take as workflow commands: with commands stopped, only
/// the line that resumes them.
fn commands(stdout: &str) -> Vec<String> {
    let mut stopped: Option<String> = None;
    let mut out = Vec::new();
    for line in stdout.lines() {
        let t = line.trim();
        if let Some(token) = &stopped {
            if t == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(token) = t.strip_prefix("::stop-commands::") {
            stopped = Some(token.to_string());
            out.push(line.to_string());
        } else if t.starts_with("::") || t.contains("##[") {
            out.push(line.to_string());
        }
    }
    out
}

#[test]
fn server_text_never_becomes_a_line_or_a_workflow_command() {
    let (base, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"requests:
  - name: capture
    url: "{base}/capture"
    capture: {{ v: $.v }}
  - name: send it back
    url: "{base}/text"
    headers: {{ X-V: "{{{{ v }}}}" }}
  - name: commands in the body
    url: "{base}/text"
    expect: {{ status: 201 }}
"#
        ),
    );
    for args in [&["run", "c.yaml"][..], &["run", "c.yaml", "-vv"]] {
        let out = crate::support::baton(dir.path())
            .args(args)
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}");
        let cmds = commands(&stdout);
        // Only baton's: the stop at the start, and the annotation with its stop after it.
        for c in &cmds {
            assert!(
                c.starts_with("::stop-commands::baton-")
                    || c.starts_with("::error file=c.yaml,line=5::")
                    || c.starts_with("::error file=c.yaml,line=8::"),
                "{args:?}: {c:?} would be a workflow command in:\n{stdout}"
            );
        }
        assert!(
            cmds.iter()
                .any(|c| c.starts_with("::error file=c.yaml,line=8::")),
            "{args:?}: baton's annotation is missing: {cmds:?}\n{stdout}"
        );
        // Nothing from the server starts a line of its own.
        for line in stdout.lines() {
            assert!(
                !line.starts_with("::error file=c.yaml,line=1")
                    && !line.starts_with("  ✓ deploy")
                    && !line.starts_with("::add-mask::"),
                "{args:?}: forged line {line:?} in:\n{stdout}"
            );
        }
        if args.contains(&"-vv") {
            assert!(stdout.contains("##[error]legacy"), "shown: {stdout}");
        }
    }
}
