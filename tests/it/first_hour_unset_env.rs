//! An unset `env()` or `secret()` without a default is exit 2 wherever it appears (`vars`,
//! a request, `defaults` auth, an included file), found by `check` and by `run` before
//! anything is sent.

use crate::support::{TestServer, baton, write};

/// `check` and `run` of `c.yaml` in `dir` with `FH_*` variables unset; (code, stderr) each.
fn both(dir: &std::path::Path, extra: &[&str]) -> Vec<(i32, String)> {
    ["check", "run"]
        .iter()
        .map(|cmd| {
            let out = baton(dir)
                .arg(cmd)
                .arg("c.yaml")
                .args(extra)
                .env_remove("FH_TOKEN")
                .env_remove("FH_PATH")
                .output()
                .unwrap();
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

#[test]
fn an_unset_secret_anywhere_is_exit_2_at_check_and_before_run_sends() {
    let server = TestServer::start();
    let cases = [
        // inline in a request's header
        (
            "requests:\n  - name: first\n    url: \"{{ base_url }}/text\"\n  - name: later\n    url: \"{{ base_url }}/text\"\n    headers: { X-Key: \"{{ secret('FH_TOKEN') }}\" }\n",
            "c.yaml:6:",
        ),
        // in `defaults` auth
        (
            "defaults:\n  auth: { bearer: \"{{ secret('FH_TOKEN') }}\" }\nrequests:\n  - name: first\n    url: \"{{ base_url }}/text\"\n  - name: second\n    url: \"{{ base_url }}/text\"\n",
            "c.yaml:2:",
        ),
        // env() without a default in a URL
        (
            "requests:\n  - name: first\n    url: \"{{ base_url }}/text\"\n  - name: later\n    url: \"{{ base_url }}/{{ env('FH_PATH') }}\"\n",
            "c.yaml:5:",
        ),
        // in `vars`
        (
            "vars:\n  key: \"{{ secret('FH_TOKEN') }}\"\nrequests:\n  - name: first\n    url: \"{{ base_url }}/text?k={{ key }}\"\n",
            "c.yaml:2:",
        ),
        // in an included file's `vars`
        (
            "requests:\n  - name: first\n    url: \"{{ base_url }}/text\"\n  - include: part.yaml\n",
            "part.yaml:2:",
        ),
    ];
    for (yaml, at) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "c.yaml", yaml);
        write(
            dir.path(),
            "part.yaml",
            "vars:\n  k2: \"{{ secret('FH_TOKEN') }}\"\nrequests:\n  - name: uses\n    url: \"{{ base_url }}/text?k={{ k2 }}\"\n",
        );
        let var = format!("base_url={}", server.url);
        for (code, stderr) in both(dir.path(), &["--var", &var]) {
            assert_eq!(code, 2, "{yaml}\n{stderr}");
            assert!(stderr.contains("is not set"), "{stderr}");
            assert!(stderr.contains(at), "{at} in {stderr}");
            assert!(stderr.contains("nothing was sent"), "{stderr}");
        }
        assert_eq!(server.count(), 0, "{yaml}: something was sent");
    }
}

#[test]
fn a_default_or_a_set_variable_is_fine() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: r\n    url: \"{}/text?a={{{{ env('FH_PATH', 'x') }}}}\"\n    headers: {{ X-Key: \"{{{{ secret('FH_SET') }}}}\" }}\n",
            server.url
        ),
    );
    let out = baton(dir.path())
        .args(["run", "c.yaml"])
        .env_remove("FH_PATH")
        .env("FH_SET", "set-value-42")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(server.count(), 1);
}

#[test]
fn a_defaults_secret_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "defaults:\n  auth: { bearer: \"{{ secret('FH_TOKEN') }}\" }\nrequests:\n  - name: a\n    url: http://127.0.0.1:1/\n  - name: b\n    url: http://127.0.0.1:1/\n",
    );
    let (code, stderr) = both(dir.path(), &[]).remove(0);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.matches("`FH_TOKEN` is not set").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("--env-file"), "{stderr}");
}
