//! Walking a document's objects (never its example or default data) in document order,
//! and rewriting OpenAPI 3.0 schema objects as JSON Schema 2020-12.

use serde_json::{Map, Value as Json};

/// Keys whose values are data (examples, defaults), never searched for `$ref`s.
const DATA_KEYS: [&str; 6] = [
    "example",
    "default",
    "enum",
    "const",
    "value",
    "externalValue",
];

/// Keys whose values are maps from names to objects: every entry is walked, whatever its name.
const NAME_MAPS: [&str; 20] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "content",
    "paths",
    "webhooks",
    "variables",
    "encoding",
];

/// Visits every object that is not data (examples, defaults, enums, extensions), in
/// document order, with its JSON pointer. `names` is true for maps of names to objects.
pub fn walk(
    v: &mut Json,
    names: bool,
    pointer: &mut String,
    f: &mut dyn FnMut(&mut Map<String, Json>, &str),
) {
    match v {
        Json::Object(map) => {
            if !names {
                f(map, pointer);
            }
            for (k, child) in map.iter_mut() {
                if !names && (DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-")) {
                    continue;
                }
                // JSON Schema's `examples` is a list of data; OpenAPI's is a map of Example objects.
                if k == "examples" && child.is_array() {
                    continue;
                }
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                let child_names = !names && NAME_MAPS.contains(&k.as_str());
                walk(child, child_names, pointer, f);
                pointer.truncate(len);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(item, false, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// Rewrites one OpenAPI 3.0 schema object as JSON Schema 2020-12 says the same thing:
/// `nullable: true` adds `null` to the type (or wraps the schema in `anyOf` with null), and
/// boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form.
pub fn convert_30(map: &mut Map<String, Json>) {
    for (ex, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Json::Bool(b)) = map.get(ex) {
            let b = *b;
            map.remove(ex);
            if b && let Some(m) = map.remove(bound) {
                map.insert(ex.to_string(), m);
            }
        }
    }
    let Some(Json::Bool(nullable)) = map.get("nullable") else {
        return;
    };
    let nullable = *nullable;
    map.remove("nullable");
    if !nullable {
        return;
    }
    let null = Json::String("null".into());
    match map.get_mut("type") {
        Some(Json::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), Json::Array(vec![Json::String(t), null]));
        }
        Some(Json::Array(types)) => {
            if !types.contains(&null) {
                types.push(null);
            }
        }
        _ => {
            let inner = std::mem::take(map);
            map.insert(
                "anyOf".into(),
                Json::Array(vec![
                    Json::Object(inner),
                    serde_json::json!({ "type": "null" }),
                ]),
            );
            return;
        }
    }
    if let Some(Json::Array(values)) = map.get_mut("enum")
        && !values.contains(&Json::Null)
    {
        values.push(Json::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_and_exclusive_bounds_become_2020_12() {
        let mut s = json!({ "type": "integer", "nullable": true, "minimum": 1, "exclusiveMinimum": true, "enum": [1, 2] });
        convert_30(s.as_object_mut().unwrap());
        assert_eq!(
            s,
            json!({ "type": ["integer", "null"], "exclusiveMinimum": 1, "enum": [1, 2, null] })
        );
        let mut s = json!({ "allOf": [{ "$ref": "#/a" }], "nullable": true, "description": "d" });
        convert_30(s.as_object_mut().unwrap());
        assert_eq!(
            s,
            json!({ "anyOf": [{ "allOf": [{ "$ref": "#/a" }], "description": "d" }, { "type": "null" }] })
        );
        let mut s = json!({ "maximum": 5, "exclusiveMaximum": false });
        convert_30(s.as_object_mut().unwrap());
        assert_eq!(s, json!({ "maximum": 5 }));
    }
}
