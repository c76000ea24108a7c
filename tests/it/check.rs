//! `baton check`: load errors with carets, undefined variables with did-you-mean,
//! and no panic on any broken input.

use crate::support::{run, write};

fn check_stderr(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), name, text);
    let out = run(dir.path(), &["check", name]);
    assert_eq!(out.code, 2, "expected exit 2 for {name}:\n{}", out.stderr);
    assert!(
        out.stdout.is_empty(),
        "check wrote to stdout: {}",
        out.stdout
    );
    out.stderr
}

#[test]
fn unknown_key_with_did_you_mean() {
    let err = check_stderr(
        "smoke.yaml",
        "requests:\n  - name: list\n    methd: GET\n    url: http://localhost/\n",
    );
    insta::assert_snapshot!("unknown_key", err);
}

#[test]
fn yaml_syntax_error() {
    let err = check_stderr(
        "broken.yaml",
        "requests:\n  - name: list\n    url: [http://localhost/\n  - name: b\n",
    );
    insta::assert_snapshot!("yaml_syntax", err);
}

#[test]
fn several_errors_of_one_file_together() {
    let err = check_stderr(
        "many.yaml",
        "requests:\n  - name: a\n    url: http://localhost/\n    timeout: 10\n    json: {}\n    form: {}\n  - name: a\n    url: \"{{ base_url \"\n",
    );
    insta::assert_snapshot!("several_errors", err);
}

#[test]
fn undefined_variable_with_did_you_mean() {
    let err = check_stderr(
        "vars.yaml",
        "vars:\n  base_url: http://localhost\nrequests:\n  - name: login\n    url: \"{{ base_url }}/login\"\n    capture:\n      Auth_Token: $.token\n  - name: list\n    url: \"{{ base_url }}/list\"\n    headers:\n      Authorization: \"Bearer {{ Auth_Tokn }}\"\n",
    );
    insta::assert_snapshot!("undefined_variable", err);
}

#[test]
fn variables_from_the_command_line_count_as_defined() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: a\n    url: \"{{ host }}/x\"\n",
    );
    assert_eq!(run(dir.path(), &["check", "c.yaml"]).code, 2);
    let out = run(
        dir.path(),
        &["check", "c.yaml", "--var", "host=http://localhost"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("ok: 1 collection, 1 request"));
}

#[test]
fn captures_define_variables_only_for_later_requests() {
    let err = check_stderr(
        "order.yaml",
        "requests:\n  - name: early\n    url: \"http://localhost/{{ token }}\"\n  - name: login\n    url: http://localhost/\n    capture: { token: $.t }\n",
    );
    assert!(err.contains("order.yaml:3:10"), "{err}");
    assert!(err.contains("variable `token` is not defined"), "{err}");
}

#[test]
fn no_panic_on_broken_inputs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        for cmd in ["check", "run"] {
            let out = crate::support::baton(&dir)
                .args([cmd, path.to_str().unwrap()])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{cmd} {}: {stderr}",
                path.display()
            );
            assert!(
                !stderr.contains("panicked"),
                "{cmd} {} panicked: {stderr}",
                path.display()
            );
            assert!(
                stderr.contains("error"),
                "{cmd} {}: no error shown: {stderr}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n >= 20, "the corpus has {n} files");
}

#[test]
fn unquoted_template_gets_the_quoted_fix() {
    let err = check_stderr(
        "unquoted.yaml",
        "requests:\n  - name: list\n    url: {{ base_url }}/list\n",
    );
    insta::assert_snapshot!("unquoted_template", err);
}

#[test]
fn an_empty_whole_path_segment_is_refused_before_sending_under_a_contract() {
    let doc = "openapi: 3.0.3\ninfo: { title: pets, version: '1' }\npaths:\n  /pet/{petId}/uploadImage:\n    post:\n      parameters: [{ name: petId, in: path, required: true, schema: { type: integer } }]\n      responses: { '200': { description: ok } }\n";
    let text = "openapi: api.yaml\nvars:\n  base_url: http://127.0.0.1:9\n  petId: \"\"\nrequests:\n  - name: upload\n    method: POST\n    url: \"{{ base_url }}/pet/{{ petId }}/uploadImage\"\n  - name: make\n    url: \"{{ base_url }}/pet\"\n    capture: { later: $.id }\n  - name: after a capture\n    url: \"{{ base_url }}/pet/{{ later }}\"\n";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "api.yaml", doc);
    write(dir.path(), "pets.yaml", text);
    let err = run(dir.path(), &["check", "pets.yaml"]).stderr;
    assert!(
        err.contains("the path of `upload` would have an empty segment: `petId` is empty")
            && err.contains("pets.yaml:8:10")
            && err.contains("--var petId=VALUE"),
        "{err}"
    );
    let ok = run(dir.path(), &["check", "pets.yaml", "--var", "petId=1"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    // `run` refuses it before anything is sent (nothing listens on port 9 anyway: exit 2, not 3).
    let sent = run(dir.path(), &["run", "pets.yaml"]);
    assert_eq!(sent.code, 2, "{}", sent.stderr);
    // Without a document, an empty variable is the user's to fill in, as Postman and curl
    // imports leave it.
    write(
        dir.path(),
        "plain.yaml",
        &text.replace("openapi: api.yaml\n", ""),
    );
    assert_eq!(run(dir.path(), &["check", "plain.yaml"]).code, 0);
}
