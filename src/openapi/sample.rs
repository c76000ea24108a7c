//! The smallest value a schema allows, for request bodies the document gives no example of:
//! required properties only, a schema's own example/default/const/first enum value where it
//! has one, `$ref`s followed, recursion cut off.

use serde_json::{Map, Value as Json, json};

use super::refs::Docs;

/// Deeper than this, a value is cut off (`null`, `{}` or `[]`).
const MAX_DEPTH: usize = 24;

/// A value for a request body: `readOnly` properties are left out (servers set them).
pub fn sample(docs: &Docs, schema: &Json) -> Json {
    let mut stack = Vec::new();
    let v = value(docs, schema, 0, &mut stack);
    if v.is_null() && !allows_null(docs, schema) {
        json!({})
    } else {
        v
    }
}

fn allows_null(docs: &Docs, schema: &Json) -> bool {
    let schema = match docs.deref(schema) {
        Ok(s) => s,
        Err(_) => return true,
    };
    match schema.get("type") {
        Some(Json::String(t)) => t == "null",
        Some(Json::Array(ts)) => ts.iter().any(|t| t == "null"),
        _ => false,
    }
}

fn value(docs: &Docs, schema: &Json, depth: usize, stack: &mut Vec<String>) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    let pushed = match schema.get("$ref").and_then(Json::as_str) {
        Some(r) if stack.iter().any(|s| s == r) => {
            // A recursive schema: its smallest value does not recurse.
            return match docs.deref(schema).ok().map(kind) {
                Some("object") => json!({}),
                Some("array") => json!([]),
                _ => Json::Null,
            };
        }
        Some(r) => {
            stack.push(r.to_string());
            true
        }
        None => false,
    };
    let out = match docs.deref(schema) {
        Ok(s) => resolved(docs, s, depth, stack),
        Err(_) => Json::Null,
    };
    if pushed {
        stack.pop();
    }
    out
}

/// The type a schema is about, as far as the minimal value goes.
fn kind(s: &Json) -> &str {
    match s.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if s.get("properties").is_some() || s.get("additionalProperties").is_some() => "object",
        _ if s.get("items").is_some() => "array",
        _ => "",
    }
}

fn resolved(docs: &Docs, s: &Json, depth: usize, stack: &mut Vec<String>) -> Json {
    if let Some(v) = given(s) {
        return v;
    }
    let mut shape = Shape::default();
    shape.collect(docs, s, 0);
    if shape.object {
        return object(docs, &shape, depth, stack);
    }
    if let Some(Json::Array(parts)) = s.get("allOf") {
        let mut merged = Json::Null;
        for p in parts {
            merge(&mut merged, value(docs, p, depth + 1, stack));
        }
        if s.get("type").is_some() {
            let mut own = s.clone();
            if let Some(o) = own.as_object_mut() {
                o.remove("allOf");
            }
            merge(&mut merged, resolved(docs, &own, depth, stack));
        }
        return merged;
    }
    if let Some(a) = first_alternative(docs, s) {
        return value(docs, a, depth + 1, stack);
    }
    scalar(docs, s, depth, stack)
}

/// A value the schema gives itself: `const`, `example`, `default`, first `examples`, first
/// non-null `enum` value.
fn given(s: &Json) -> Option<Json> {
    if let Some(Json::Bool(false)) = Some(s) {
        return Some(Json::Null);
    }
    for key in ["const", "example", "default"] {
        if let Some(v) = s.get(key) {
            return Some(v.clone());
        }
    }
    if let Some(Json::Array(e)) = s.get("examples")
        && let Some(v) = e.first()
    {
        return Some(v.clone());
    }
    if let Some(Json::Array(e)) = s.get("enum")
        && let Some(v) = e.iter().find(|v| !v.is_null()).or(e.first())
    {
        return Some(v.clone());
    }
    None
}

/// The first `oneOf`/`anyOf` alternative that is not just `null`.
fn first_alternative<'a>(docs: &Docs, s: &'a Json) -> Option<&'a Json> {
    for key in ["oneOf", "anyOf"] {
        if let Some(Json::Array(alts)) = s.get(key) {
            return alts
                .iter()
                .find(|a| {
                    docs.deref(a)
                        .map(|a| a.get("type") != Some(&json!("null")))
                        .unwrap_or(true)
                })
                .or(alts.first());
        }
    }
    None
}

/// What an object schema asks for, gathered through `allOf` and the first `oneOf`/`anyOf`
/// alternative: a `required` next to `allOf` counts as much as one inside it.
#[derive(Default)]
struct Shape {
    object: bool,
    properties: Map<String, Json>,
    required: Vec<String>,
    additional: Option<Json>,
}

impl Shape {
    fn collect(&mut self, docs: &Docs, s: &Json, depth: usize) {
        let Ok(s) = docs.deref(s) else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        if kind(s) == "object" || s.get("required").is_some() {
            self.object = true;
        }
        if let Some(Json::Object(props)) = s.get("properties") {
            for (k, v) in props {
                self.properties
                    .entry(k.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        for r in s
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str()
                && !self.required.iter().any(|x| x == r)
            {
                self.required.push(r.to_string());
            }
        }
        if self.additional.is_none()
            && let Some(a) = s.get("additionalProperties").filter(|a| a.is_object())
        {
            self.additional = Some(a.clone());
        }
        for p in s
            .get("allOf")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            self.collect(docs, p, depth + 1);
        }
        if let Some(a) = first_alternative(docs, s) {
            self.collect(docs, a, depth + 1);
        }
    }
}

fn scalar(docs: &Docs, s: &Json, depth: usize, stack: &mut Vec<String>) -> Json {
    match kind(s) {
        "array" => {
            let n = s.get("minItems").and_then(Json::as_u64).unwrap_or(0).min(3);
            let item = s.get("items").cloned().unwrap_or(json!({}));
            Json::Array(
                (0..n)
                    .map(|_| value(docs, &item, depth + 1, stack))
                    .collect(),
            )
        }
        "string" => string(s),
        "integer" => {
            let n = number(s);
            json!(n.ceil() as i64)
        }
        "number" => {
            let n = number(s);
            if n.fract() == 0.0 {
                json!(n as i64)
            } else {
                json!(n)
            }
        }
        "boolean" => json!(false),
        _ => Json::Null,
    }
}

fn object(docs: &Docs, shape: &Shape, depth: usize, stack: &mut Vec<String>) -> Json {
    let mut out = Map::new();
    for name in &shape.required {
        let prop = shape.properties.get(name);
        if let Some(p) = prop
            && docs
                .deref(p)
                .ok()
                .and_then(|p| p.get("readOnly"))
                .and_then(Json::as_bool)
                == Some(true)
        {
            continue;
        }
        let v = match prop.or(shape.additional.as_ref()) {
            Some(p) => value(docs, p, depth + 1, stack),
            None => Json::String("string".into()),
        };
        out.insert(name.clone(), v);
    }
    Json::Object(out)
}

fn string(s: &Json) -> Json {
    let format = s.get("format").and_then(Json::as_str).unwrap_or("");
    let text = match format {
        "date-time" => "1970-01-01T00:00:00Z",
        "date" => "1970-01-01",
        "time" => "00:00:00Z",
        "email" | "idn-email" => "user@example.com",
        "uuid" => "00000000-0000-0000-0000-000000000000",
        "uri" | "url" | "iri" => "https://example.com",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "127.0.0.1",
        "ipv6" => "::1",
        _ => "",
    };
    let min = s.get("minLength").and_then(Json::as_u64).unwrap_or(0) as usize;
    if text.chars().count() >= min {
        json!(text)
    } else {
        json!("x".repeat(min.min(64)))
    }
}

/// The smallest number within the bounds (0 when 0 is allowed).
fn number(s: &Json) -> f64 {
    let get = |k: &str| s.get(k).and_then(Json::as_f64);
    let (min, xmin) = (get("minimum"), get("exclusiveMinimum"));
    let (max, xmax) = (get("maximum"), get("exclusiveMaximum"));
    let step = if s.get("type") == Some(&json!("integer")) {
        1.0
    } else {
        get("multipleOf").unwrap_or(1.0)
    };
    let mut n = 0.0;
    if let Some(m) = min
        && n < m
    {
        n = m;
    }
    if let Some(m) = xmin
        && n <= m
    {
        n = m + step;
    }
    if let Some(m) = max
        && n > m
    {
        n = m;
    }
    if let Some(m) = xmax
        && n >= m
    {
        n = m - step;
    }
    n
}

/// Objects merge key by key (later wins); anything else replaces a `null`.
fn merge(into: &mut Json, v: Json) {
    match (into, v) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(old) => merge(old, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot @ Json::Null, v) => *slot = v,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn body(yaml: &str, schema: &str) -> Json {
        let docs = Docs::from_text(yaml, Path::new("/tmp/s.yaml")).unwrap();
        let s = docs.root().pointer(schema).unwrap().clone();
        sample(&docs, &s)
    }

    #[test]
    fn required_properties_only_and_refs_followed() {
        let doc = r##"
openapi: 3.0.3
components:
  schemas:
    Pet:
      type: object
      required: [name, id, tag, kind, born, count]
      properties:
        id: { type: integer, readOnly: true }
        name: { type: string, example: doggie }
        tag: { $ref: "#/components/schemas/Tag" }
        kind: { type: string, enum: [dog, cat] }
        born: { type: string, format: date }
        count: { type: integer, minimum: 1, exclusiveMinimum: true }
        note: { type: string }
    Tag:
      type: object
      nullable: true
      required: [label]
      properties: { label: { type: string, minLength: 2 } }
"##;
        assert_eq!(
            body(doc, "/components/schemas/Pet"),
            json!({ "name": "doggie", "tag": { "label": "xx" }, "kind": "dog", "born": "1970-01-01", "count": 2 })
        );
    }

    #[test]
    fn recursion_and_combinators_terminate() {
        let doc = r##"
openapi: 3.1.0
components:
  schemas:
    Body: { $ref: "#/components/schemas/Node" }
    Node:
      type: object
      required: [child, both, either]
      properties:
        child: { $ref: "#/components/schemas/Node" }
        both:
          allOf:
            - { type: object, required: [a], properties: { a: { type: boolean } } }
            - { type: object, required: [b], properties: { b: { type: [number, "null"], maximum: -3 } } }
        either:
          oneOf: [{ type: "null" }, { type: array, minItems: 1, items: { $ref: "#/components/schemas/Node" } }]
"##;
        assert_eq!(
            body(doc, "/components/schemas/Body"),
            json!({ "child": {}, "both": { "a": false, "b": -3 }, "either": [{}] })
        );
    }
}
