//! The messages a newcomer meets in the first hour: a dotenv given to `--env`, a missing
//! `--env` file, an environment variable used by its bare name, Hurl's `count`, a mock
//! whose `serves` no collection uses, an unused `--var`, `fmt`'s place for `openapi:`.

use crate::support::{TestServer, run, write};

const PASSWORD: &str = "s3cret-pass-7781";

#[test]
fn a_dotenv_given_to_env_shows_no_value_and_suggests_env_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:1/\n",
    );
    for text in [
        format!("API_PASSWORD={PASSWORD}\n"),
        format!("# local\nexport API_PASSWORD={PASSWORD}\nOTHER=\"x: {PASSWORD}\"\n"),
        format!("API_PASSWORD={PASSWORD}\nAPI_USER=me\n"),
    ] {
        write(dir.path(), ".env", &text);
        for cmd in ["check", "run"] {
            let out = run(dir.path(), &[cmd, "c.yaml", "--env", ".env"]);
            assert_eq!(out.code, 2, "{}", out.stderr);
            assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
            assert!(!out.stdout.contains(PASSWORD), "{}", out.stdout);
            assert!(out.stderr.contains("dotenv"), "{}", out.stderr);
            assert!(out.stderr.contains("--env-file .env"), "{}", out.stderr);
            assert!(out.stderr.contains(".env:1:1"), "{}", out.stderr);
        }
    }
    // Not a map and not a dotenv either: still no value shown.
    write(dir.path(), "list.yaml", &format!("- {PASSWORD}\n"));
    let out = run(dir.path(), &["check", "c.yaml", "--env", "list.yaml"]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
    assert!(out.stderr.contains("--env-file"), "{}", out.stderr);
}

#[test]
fn a_missing_env_file_says_it_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:1/\n",
    );
    let out = run(dir.path(), &["check", "c.yaml", "--env", "env/nope.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--env env/nope.yaml: the file does not exist"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(":0:0"), "{}", out.stderr);
}

#[test]
fn an_environment_variable_by_its_bare_name_suggests_secret_or_env() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", &format!("API_PASSWORD={PASSWORD}\n"));
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:1/\n    headers: { X-Password: \"{{ API_PASSWORD }}\" }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml", "--env-file", ".env"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("secret('API_PASSWORD')") && out.stderr.contains("env('API_PASSWORD')"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("pass --var"), "{}", out.stderr);
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
}

#[test]
fn count_suggests_length() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:1/\n    expect:\n      json: { $.items: { count: 2 } }\n",
    );
    let out = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `length`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_mock_serving_a_variable_no_collection_uses_is_an_error() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "vars:\n  base_url: {}\nrequests:\n  - name: r\n    url: \"{{{{ base_url }}}}/text\"\n",
            server.url
        ),
    );
    write(
        dir.path(),
        "mock.yaml",
        "serves: baseurl\nroutes:\n  - when: { path: /text }\n    respond: { body: mocked }\n",
    );
    for cmd in ["check", "run"] {
        let out = run(dir.path(), &[cmd, "c.yaml", "--mock", "mock.yaml"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("mock.yaml:1:9"), "{}", out.stderr);
        assert!(
            out.stderr.contains("did you mean `base_url`?"),
            "{}",
            out.stderr
        );
    }
    // The typo never sent the "offline" run to the real server.
    assert_eq!(server.count(), 0);
    // Without `serves`, the mock serves `base_url`: used, so fine.
    write(
        dir.path(),
        "mock.yaml",
        "routes:\n  - when: { path: /text }\n    respond: { body: mocked }\n",
    );
    let out = run(dir.path(), &["run", "c.yaml", "--mock", "mock.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.count(), 0);
}

#[test]
fn an_unused_var_is_a_warning_with_a_did_you_mean() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "vars:\n  base_url: {}\n  user_id: 1\nrequests:\n  - name: r\n    url: \"{{{{ base_url }}}}/text?u={{{{ user_id }}}}\"\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "--var", "userid=7"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: --var `userid`: no collection of the run uses `userid`; did you mean `user_id`?"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["run", "c.yaml", "--var", "user_id=7"]);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    // A `--var` only a mock's templates read (`vars.NAME`) is used too.
    write(
        dir.path(),
        "mock.yaml",
        "serves: base_url\nroutes:\n  - when: { path: /text }\n    respond:\n      body: \"{{ vars.greeting }}\"\n",
    );
    let out = run(
        dir.path(),
        &[
            "run",
            "c.yaml",
            "--mock",
            "mock.yaml",
            "--var",
            "greeting=hi",
            "-vv",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert!(out.stdout.contains("hi"), "{}", out.stdout);
}

#[test]
fn fmt_puts_openapi_after_name() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: r\n    url: http://127.0.0.1:1/\nopenapi: api.yaml\nvars: { a: 1 }\nname: n\n",
    );
    let out = run(dir.path(), &["fmt", "c.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.path().join("c.yaml")).unwrap();
    assert!(
        text.starts_with("name: n\nopenapi: api.yaml\nvars: { a: 1 }\nrequests:"),
        "{text}"
    );
    let format_md =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/format.md")).unwrap();
    assert!(
        format_md.contains("| `openapi` |"),
        "format.md's top-level keys"
    );
}
