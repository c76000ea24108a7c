//! Unit tests of `import::postman`.

use super::body::parse_templated_json;

use crate::import::slug;

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
