//! OpenAPI `$ref`s and what errors show of the files they name (SPEC 5; issue 22 item 1):
//! files outside the document's folder are refused unless `--allow-refs-outside`, and an
//! error about a file shows only an escaped, masked excerpt of the offending line.

use std::path::Path;
use std::process::Output;

/// A value that must never be printed: in the environment of every run, and in files.
const MARK: &str = "m4rk-s3cret-value-0042";

fn write(dir: &Path, name: &str, text: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

fn doc_with_ref(target: &str) -> Vec<u8> {
    format!(
        "openapi: 3.0.3\ninfo: {{ title: t, version: \"1\" }}\npaths:\n  /pets:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {{ $ref: \"#/components/schemas/Pet\" }}\ncomponents:\n  schemas:\n    Pet: {{ $ref: \"{target}\" }}\n"
    )
    .into_bytes()
}

fn baton(dir: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("baton")
        .expect("binary")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("REF_TEST_MARK", MARK)
        .args(args)
        .output()
        .expect("run baton")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn proc_self_environ_is_refused_without_its_contents() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "api.yaml",
        &doc_with_ref("/proc/self/environ#/Pet"),
    );
    let out = baton(dir.path(), &["import", "openapi", "api.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("$ref `/proc/self/environ#/Pet` points outside the document's folder"),
        "{t}"
    );
    assert!(t.contains("api.yaml:14:"), "{t}");
    assert!(t.contains("--allow-refs-outside"), "{t}");
    assert!(!t.contains(MARK), "{t}");

    // The same document as a collection's contract: refused at `check`, nothing shown.
    write(
        dir.path(),
        "c.yaml",
        b"version: 1\nname: c\nopenapi: api.yaml\nvars: { t: \"{{ secret('REF_TEST_MARK') }}\" }\nrequests:\n  - { name: a, url: \"http://127.0.0.1:9/pets\" }\n",
    );
    let out = baton(dir.path(), &["check", "c.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("points outside the document's folder"), "{t}");
    assert!(!t.contains(MARK), "{t}");

    // Allowed: the file is read, is not YAML, and its line is shown masked and cut.
    let out = baton(
        dir.path(),
        &["import", "openapi", "--allow-refs-outside", "api.yaml"],
    );
    let t = text(&out);
    assert_ne!(out.status.code(), Some(0), "{t}");
    assert!(!t.contains(MARK), "{t}");
    assert!(!t.contains('\0'), "{t}");
}

#[test]
fn a_parent_folder_escape_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "api/api.yaml",
        &doc_with_ref("../outside.yaml#/Pet"),
    );
    write(
        dir.path(),
        "outside.yaml",
        format!("Pet: {{ type: string, description: \"{MARK}\" }}\n").as_bytes(),
    );
    let out = baton(dir.path(), &["import", "openapi", "api/api.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains("$ref `../outside.yaml#/Pet` points outside the document's folder"),
        "{t}"
    );
    assert!(!t.contains(MARK), "{t}");
    let out = baton(
        dir.path(),
        &["import", "openapi", "--allow-refs-outside", "api/api.yaml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A symlink inside the folder that leads out of it is outside too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            dir.path().join("outside.yaml"),
            dir.path().join("api/in.yaml"),
        )
        .expect("symlink");
        write(dir.path(), "api/link.yaml", &doc_with_ref("in.yaml#/Pet"));
        let out = baton(dir.path(), &["import", "openapi", "api/link.yaml"]);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "{t}");
        assert!(t.contains("points outside the document's folder"), "{t}");
    }
}

#[test]
fn control_characters_in_a_referenced_file_are_escaped_and_values_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "api.yaml", &doc_with_ref("bad.yaml#/Pet"));
    let mut bad = b"Pet: { type: string\n  x: \"\x1b]0;retitled\x07 ".to_vec();
    bad.extend_from_slice(MARK.as_bytes());
    bad.extend_from_slice(b"\" ]\n");
    write(dir.path(), "bad.yaml", &bad);
    let out = baton(dir.path(), &["import", "openapi", "api.yaml"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("bad.yaml:2:"), "{t}");
    assert!(t.contains("not valid YAML"), "{t}");
    assert!(!t.contains('\x1b') && !t.contains('\x07'), "{t:?}");
    assert!(t.contains('␛') && t.contains('␇'), "{t}");
    assert!(!t.contains(MARK), "{t}");
    assert!(t.contains(&"*".repeat(MARK.len())), "{t}");
}
