//! Postman scripts that test variables, imported and run: the same verdicts as Newman's
//! without an environment (a variable no one sets is `undefined`; one the import sends as
//! its `{{name}}` text is unset too until it is given).

use crate::support::{TestServer, import_postman, outcomes, postman_test, run};

fn collection(base: &str) -> String {
    let test = postman_test;
    serde_json::json!({
        "info": { "name": "vars", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
        "item": [
            { "name": "capture", "request": { "method": "GET", "url": format!("{base}/json") },
              "event": test(&[
                  "pm.environment.set('name', pm.response.json().name);",
                  "pm.test('read back', () => pm.expect(pm.environment.get('name')).to.equal('arduino01'));",
                  "pm.test('unset', () => pm.expect(pm.environment.has('absent')).to.be.false);"
              ]) },
            { "name": "captured before", "request": { "method": "GET", "url": format!("{base}/json") },
              "event": test(&["tests['name'] = pm.environment.get('name') === 'arduino01';"]) },
            { "name": "never set", "request": { "method": "GET", "url": format!("{base}/json") },
              "event": test(&["pm.expect(pm.variables.get('never')).to.equal('x');"]) },
            { "name": "sent as text", "request": { "method": "GET", "url": format!("{base}/json?q={{{{given}}}}") },
              "event": test(&["pm.expect(pm.environment.get('given')).to.be.undefined;"]) }
        ]
    })
    .to_string()
}

#[test]
fn variable_checks_have_newmans_verdicts() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let out = import_postman(dir.path(), &collection(&server.url));
    assert!(
        out.stdout.contains("vars: { absent: { exists: false } }"),
        "{}",
        out.stdout
    );
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        outcomes(&out.stdout),
        [
            "✓ capture",
            "✓ captured before",
            "✗ never set",
            "✓ sent as text"
        ],
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("var never eq: expected \"x\", got (unset)"),
        "{}",
        out.stdout
    );
    // Given a value, the variable is set, as in Newman with an environment.
    let out = run(dir.path(), &["run", "c.yaml", "--var", "given=1"]);
    assert!(
        outcomes(&out.stdout).contains(&"✗ sent as text".to_string()),
        "{}",
        out.stdout
    );
}
