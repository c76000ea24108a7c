//! `baton import openapi` as SPEC 5's import details (2026-12-04) say, through the binary:
//! required properties through allOf/anyOf, a variable per operation when a parameter's
//! schemas conflict, typed path placeholders, style/explode, operation servers, multipart,
//! other OAuth2 flows as bearer tokens, example warnings, no absolute document path.

use std::path::Path;

fn import(dir: &Path, doc: &str) -> (String, String) {
    let out = assert_cmd::Command::cargo_bin("baton")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(["import", "openapi", doc])
        .output()
        .expect("run baton");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(dir: &Path) -> std::path::PathBuf {
    let to = dir.join("api.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi/import-fixes-3.1.yaml"),
        &to,
    )
    .expect("copy");
    to
}

#[test]
fn import_details_of_2026_12_04() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = fixture(dir.path());
    // Given by an absolute path, the collection still names the document relatively.
    let (y, w) = import(dir.path(), doc.to_str().expect("utf-8 path"));
    assert!(y.contains("\nopenapi: api.yaml\n"), "{y}");
    // A parameter name whose schemas differ: one variable per operation.
    assert!(y.contains("  listMetrics_metric: load1\n"), "{y}");
    assert!(y.contains("  dbStats_metric: select\n"), "{y}");
    assert!(
        y.contains("url: \"{{ base_url }}/metrics/{{ listMetrics_metric }}\""),
        "{y}"
    );
    // Path parameters without an example: a value of their type, never empty.
    assert!(
        y.contains(
            "  # placeholder: put a real value for the path parameter `id` of dbStats\n  id: 1\n"
        ),
        "{y}"
    );
    assert!(
        y.contains("  uid: \"00000000-0000-0000-0000-000000000000\"\n"),
        "{y}"
    );
    // style/explode: deepObject, pipeDelimited, form with explode (a repeated parameter).
    assert!(
        y.contains("query: { \"filter[color]\": red, ids: 1|2, tags: [a, b] }"),
        "{y}"
    );
    // The operation's own server, as a variable.
    assert!(y.contains("  base_url_2: https://files.api.test\n"), "{y}");
    assert!(
        y.contains("url: \"{{ base_url_2 }}/db/{{ dbStats_metric }}/{{ id }}\""),
        "{y}"
    );
    // Required through allOf (beside it) and the first anyOf alternative; the example that
    // breaks the schema is named in a warning and not sent.
    assert!(y.contains("json: { name: \"\", kind: x }"), "{y}");
    assert!(
        w.contains("the application/json example of the request body of dbStats does not match its schema ($.name: 5 is not of type \"string\")"),
        "{w}"
    );
    // multipart/form-data bodies.
    assert!(y.contains("multipart: { file: \"\", note: \"\" }"), "{y}");
    // An authorization-code flow: a bearer token from a secret.
    assert!(
        y.contains("defaults:\n  auth: { bearer: \"{{ secret('OAUTH_TOKEN') }}\" }\n"),
        "{y}"
    );
    // The result passes `check` as it is, once the secrets it names are set.
    std::fs::write(dir.path().join("c.yaml"), &y).expect("write");
    let out = assert_cmd::Command::cargo_bin("baton")
        .expect("binary")
        .current_dir(dir.path())
        .envs(crate::support::stand_in_secrets(&dir.path().join("c.yaml")))
        .args(["check", "c.yaml"])
        .output()
        .expect("check");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_document_key_is_relative_from_another_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = fixture(dir.path());
    let sub = dir.path().join("work");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let (y, _) = import(&sub, doc.to_str().expect("utf-8 path"));
    assert!(y.contains("\nopenapi: ../api.yaml\n"), "{y}");
}
