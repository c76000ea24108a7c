//! Where `baton import postman` says its text went: `<stdout>` when it prints the
//! collection, the written file's path with `-o DIR`; never a file that was not written.

use crate::support::{run, write};

/// Two folders, a request that uses an undefined variable, and a test script per request.
const COLLECTION: &str = r#"{
  "info": { "name": "Warned", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
  "item": [
    { "name": "Users", "item": [
      { "name": "list", "request": { "method": "GET", "url": "{{base}}/users" },
        "event": [{ "listen": "test", "script": { "exec": ["pm.response.to.have.status(200);"] } }] }
    ]},
    { "name": "Orders", "item": [
      { "name": "one", "request": { "method": "GET", "url": "{{base}}/orders/{{order}}" },
        "event": [{ "listen": "test", "script": { "exec": ["if (x) { pm.expect(1).to.equal(1); }"] } }] }
    ]}
  ]
}"#;

#[test]
fn printed_to_stdout_the_warnings_name_stdout_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.postman_collection.json", COLLECTION);
    let out = run(
        dir.path(),
        &["import", "postman", "c.postman_collection.json"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("name: Users / list"), "{}", out.stdout);
    // The undefined variables and each scripted request are reported at `<stdout>`.
    assert!(
        out.stderr
            .contains("<stdout>: variables `base`, `order` used but not defined"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("<stdout>:") && out.stderr.contains("request `Orders / one`"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(".yaml"),
        "names a file: {}",
        out.stderr
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "nothing but the collection is written"
    );
}

#[test]
fn written_with_out_the_warnings_name_the_files_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.postman_collection.json", COLLECTION);
    let out = run(
        dir.path(),
        &[
            "import",
            "postman",
            "c.postman_collection.json",
            "-o",
            "api",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for file in ["users.yaml", "orders.yaml"] {
        let path = std::path::Path::new("api").join(file);
        assert!(dir.path().join(&path).is_file(), "{file} written");
        assert!(
            out.stderr.contains(&format!("{}:", path.display())),
            "warnings name {}: {}",
            path.display(),
            out.stderr
        );
    }
    assert!(!out.stderr.contains("<stdout>"), "{}", out.stderr);
}
