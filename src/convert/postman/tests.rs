//! Unit tests of `import::postman`.

use super::body::parse_templated_json;

use crate::convert::slug;

#[test]
fn templated_json() {
    let v = parse_templated_json("{\"a\": {{n}}, \"b\": \"{{s}}\", \"c\": [{{x}}]}").unwrap();
    assert_eq!(
        v,
        serde_json::json!({"a": "{{n}}", "b": "{{s}}", "c": ["{{x}}"]})
    );
    assert!(parse_templated_json("{ nope").is_none());
}

#[test]
fn slugs() {
    assert_eq!(slug("🔐 Auth", "collection"), "auth");
    assert_eq!(slug("User & Settings", "collection"), "user-settings");
    assert_eq!(slug("🤖", "collection"), "collection");
}

fn import_one(item: serde_json::Value) -> String {
    let coll = serde_json::json!({ "info": { "name": "t" }, "item": [item] });
    let out = super::postman(&coll.to_string(), false).unwrap();
    out.files[0].1.clone()
}

#[test]
fn urls_as_postman_reads_them() {
    let yaml = import_one(serde_json::json!({
        "name": "a", "request": { "url": "127.0.0.1:18081/x" }
    }));
    assert!(yaml.contains("url: http://127.0.0.1:18081/x"), "{yaml}");
    let yaml = import_one(serde_json::json!({
        "name": "b",
        "request": { "url": { "raw": "", "protocol": "https", "host": ["example", "com"], "path": ["v1", "x"] } }
    }));
    assert!(yaml.contains("url: https://example.com/v1/x"), "{yaml}");
}

#[test]
fn get_bodies_are_pruned_unless_asked() {
    let req = serde_json::json!({ "method": "GET", "url": "http://h/x", "body": { "mode": "raw", "raw": "abc" } });
    let yaml = import_one(serde_json::json!({ "name": "a", "request": req }));
    assert!(!yaml.contains("body: abc"), "{yaml}");
    assert!(yaml.contains("not sent with GET"), "{yaml}");
    let yaml = import_one(serde_json::json!({
        "name": "a", "request": req, "protocolProfileBehavior": { "disableBodyPruning": true }
    }));
    assert!(yaml.contains("body: abc"), "{yaml}");
}

#[test]
fn folder_scripts_apply_to_every_request_and_names_stay() {
    let coll = serde_json::json!({
        "info": { "name": "t" },
        "event": [{ "listen": "test", "script": { "exec": ["pm.test('ok', () => pm.response.to.have.status(200));"] } }],
        "item": [{
            "name": "f",
            "event": [{ "listen": "test", "script": { "exec": ["if (x) { y(); }", "tests['j'] = responseBody.has('j');"] } }],
            "item": [{ "name": "a", "request": "http://h/a" }, { "name": "b", "request": "http://h/b" }]
        }]
    });
    let out = super::postman(&coll.to_string(), false).unwrap();
    let doc = crate::format::yaml::parse(&out.files[0].1)
        .unwrap()
        .to_json();
    for i in 0..2 {
        assert_eq!(
            doc["requests"][i]["expect"]["status"], 200,
            "{}",
            out.files[0].1
        );
        assert_eq!(doc["requests"][i]["expect"]["body"]["contains"], "j");
    }
    assert_eq!(doc["requests"][0]["name"], "f / a");
    assert!(
        out.files[0].1.contains("# postman folder `f` test script"),
        "{}",
        out.files[0].1
    );
}

#[test]
fn two_status_checks_are_both_kept() {
    let yaml = import_one(serde_json::json!({
        "name": "a", "request": "http://h/a",
        "event": [{ "listen": "test", "script": { "exec": [
            "pm.response.to.have.status(200);", "pm.response.to.have.status(201);"
        ] } }]
    }));
    assert!(
        yaml.contains("status: { eq: 200, not: { not: { eq: 201 } } }"),
        "{yaml}"
    );
}

#[test]
fn auth_kinds() {
    let auth = |a: serde_json::Value| {
        import_one(serde_json::json!({ "name": "a", "request": { "url": "http://h", "auth": a } }))
    };
    let aws = auth(serde_json::json!({ "type": "awsv4", "awsv4": [
        { "key": "accessKey", "value": "AK" }, { "key": "secretKey", "value": "{{sk}}" },
        { "key": "region", "value": "eu-west-1" }, { "key": "service", "value": "s3" }
    ] }));
    let doc = crate::format::yaml::parse(&aws).unwrap().to_json();
    let a = &doc["requests"][0]["auth"]["aws_sigv4"];
    assert_eq!(
        (a["access_key_id"].as_str(), a["secret_access_key"].as_str()),
        (Some("AK"), Some("{{ sk }}")),
        "{aws}"
    );
    assert_eq!(
        (a["region"].as_str(), a["service"].as_str()),
        (Some("eu-west-1"), Some("s3"))
    );
    assert!(a["session_token"].is_null());
    let digest = auth(serde_json::json!({ "type": "digest", "digest": [
        { "key": "username", "value": "u" }, { "key": "password", "value": "p" }
    ] }));
    assert!(
        digest.contains("auth: { digest: { username: u, password: p } }"),
        "{digest}"
    );
    for kind in ["oauth1", "hawk", "ntlm", "edgegrid"] {
        let y = auth(serde_json::json!({ "type": kind }));
        assert!(
            y.contains(&format!("postman auth `{kind}` is not supported")),
            "{y}"
        );
    }
}

#[test]
fn a_variable_a_script_unsets_is_sent_as_its_text_after_it() {
    let coll = serde_json::json!({ "info": { "name": "t" }, "item": [
        { "name": "set", "request": { "url": "http://h/a?e={{e}}" },
          "event": [
            { "listen": "prerequest", "script": { "exec": ["pm.environment.set('e', '2');"] } },
            { "listen": "test", "script": { "exec": ["pm.environment.unset('e');"] } }
          ] },
        { "name": "after", "request": { "url": "http://h/b?e={{e}}" } },
        { "name": "again", "request": { "url": "http://h/c?e={{e}}" },
          "event": [{ "listen": "prerequest", "script": { "exec": ["postman.setEnvironmentVariable('e', '2');"] } }] }
    ]});
    let out = super::postman(&coll.to_string(), false).unwrap();
    let yaml = &out.files[0].1;
    let after = &yaml[yaml.find("name: after").unwrap()..yaml.find("name: again").unwrap()];
    assert!(after.contains("e: \"{{ '{{' }}e}}\""), "{yaml}");
    let again = &yaml[yaml.find("name: again").unwrap()..];
    assert!(again.contains("e: \"{{ e }}\""), "{yaml}");
    assert!(
        yaml.contains("e: \"{{ e }}\""),
        "the first request sends the value: {yaml}"
    );
}

/// One request per script, in order, each a test script.
fn import_scripts(scripts: &[&str]) -> String {
    let items: Vec<serde_json::Value> = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({
                "name": format!("r{i}"),
                "request": { "url": "http://127.0.0.1:9/get" },
                "event": [{ "listen": "test", "script": { "exec": [s] } }]
            })
        })
        .collect();
    let coll = serde_json::json!({ "info": { "name": "t" }, "item": items });
    super::postman(&coll.to_string(), false).unwrap().files[0]
        .1
        .clone()
}

#[test]
fn variables_are_read_only_where_the_run_has_newmans_value() {
    let yaml = import_scripts(&[
        // Before the request that sets it to a known value, Newman has none.
        "tests['a'] = pm.environment.get('seed') === 's';",
        "pm.environment.set('seed', 's');",
        "tests['b'] = pm.environment.get('seed') === 's';",
        // Captured, then set to a known value: baton keeps the captured one.
        "pm.environment.set('id', pm.response.json().id);",
        "pm.environment.set('id', 7);",
        "tests['c'] = pm.environment.get('id') === 7;",
    ]);
    assert_eq!(yaml.matches("vars: { seed: s }").count(), 1, "{yaml}");
    assert!(!yaml.contains("vars: { id"), "{yaml}");
}
