//! The compact evaluator against `serde_json_path` on the same paths and document.

use serde_json::Value as Json;
use serde_json_path::JsonPath;

use super::Path;
use crate::http::jsondoc::{NodeRef, parse};

const DOC: &str = r#"{
  "items": [
    {"id": 1, "name": "a", "price": 9.5, "tags": ["x", "y"], "ok": true, "n": null},
    {"id": 2, "name": "b", "price": 10, "tags": [], "ok": false, "sub": {"k": 1}},
    {"id": 3.0, "name": "c\u00e9", "price": "10", "tags": ["y"], "ok": true, "sub": {"k": [1]}},
    {"id": -4, "name": "", "dup": 1, "dup": 2}
  ],
  "map": {"b": 2, "a": 1, "c": {"d": "e"}},
  "limit": 2,
  "str": "text",
  "e": []
}"#;

/// Paths the compact evaluator reads, each with what `serde_json_path` selects.
const READ: &[&str] = &[
    "$",
    "$.items",
    "$.items[0]",
    "$.items[-1]",
    "$.items[-5]",
    "$.items[7]",
    "$.items[0].name",
    "$['items'][1][\"name\"]",
    "$.items[*].id",
    "$.items.*.name",
    "$.map.*",
    "$.map[*]",
    "$[ 'map' , 'limit' ]",
    "$.items[0, -1, 0].id",
    "$.items[3].dup",
    "$.str.x",
    "$.str[0]",
    "$.nope",
    "$.e[0]",
    "$.items[?@.id == 2].name",
    "$.items[?@.id == 3].name",
    "$.items[?@.id == 3.0]",
    "$.items[?(@.id > 1)].name",
    "$.items[?@.id >= 2 && @.ok == true].name",
    "$.items[?@.id < 0 || @.name == 'b'].id",
    "$.items[?@.price < 10].id",
    "$.items[?@.price <= 10].id",
    "$.items[?@.price != 10].id",
    "$.items[?@.price > '1'].id",
    "$.items[?@.name >= \"b\"].id",
    "$.items[?@.ok].id",
    "$.items[?!@.sub].id",
    "$.items[?@.n == null].id",
    "$.items[?@.missing == @.other].id",
    "$.items[?@.missing != 1].id",
    "$.items[?@.sub == @.sub].id",
    "$.items[?@.tags[0] == 'y'].id",
    "$.items[?@.tags[-1]].id",
    "$.items[?@.tags[-1] == 'y'].id",
    "$.items[?@.sub.k[0] == 1].id",
    "$.items[?@['name'] == 'a'].id",
    "$.items[?@.id == $.limit].name",
    "$.items[?!(@.id == 1 || @.id == 2)].id",
    "$.items[?@.ok == false].id",
    "$.items[?@.id==1].tags[*]",
    "$.map[?@ == 1]",
    "$.map[?@.d]",
    "$.items[?@.id > -5 && @.id < 2.5].id",
    "$.items[?@.id == 1e0].id",
];

/// Paths left to `serde_json_path`.
const LEFT: &[&str] = &[
    "$..id",
    "$.items[0:2]",
    "$.items[::-1]",
    "$.items[?length(@.tags) > 0]",
    "$.items[?match(@.name, 'a')]",
    "$['it\\u0065ms']",
    "$.items[?@.name == 'a\\'b']",
    "$.items[?@.*]",
    "$.items[?@..k]",
];

fn compact_select(path: &str, body: &[u8]) -> Vec<Json> {
    let node = parse(body).unwrap();
    let root = NodeRef { body, node: &node };
    let p = Path::parse(path).unwrap_or_else(|| panic!("not read: {path}"));
    p.select(root).iter().map(NodeRef::to_json).collect()
}

#[test]
fn selects_what_serde_json_path_selects() {
    let full: Json = serde_json::from_str(DOC).unwrap();
    for path in READ {
        let want: Vec<Json> = JsonPath::parse(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .query(&full)
            .all()
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(compact_select(path, DOC.as_bytes()), want, "{path}");
    }
}

#[test]
fn other_forms_are_left_to_serde_json_path() {
    for path in LEFT {
        assert!(JsonPath::parse(path).is_ok(), "{path}");
        assert!(Path::parse(path).is_none(), "{path}");
    }
}
