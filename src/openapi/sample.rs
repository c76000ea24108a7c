//! The smallest value a schema allows, for request bodies the document gives no example of:
//! required properties only, a schema's own example/default/const/first enum value where it
//! has one, `$ref`s followed, recursion cut off.

use serde_json::{Map, Value as Json, json};

use super::refs::Docs;

/// Deeper than this, a value is cut off (`null`, `{}` or `[]`).
const MAX_DEPTH: usize = 24;

/// A value for a request body: `readOnly` properties are left out (servers set them).
pub fn sample(docs: &Docs, schema: &Json) -> Json {
    sample_with(docs, schema, true)
}

/// The same, with the schema's own `example`, `examples` and `default` ignored (`const` and
/// `enum` still count): for documents whose examples break their own schemas.
pub fn sample_without_examples(docs: &Docs, schema: &Json) -> Json {
    sample_with(docs, schema, false)
}

/// What a walk through the schema carries: the `$ref`s it is inside, and whether examples
/// may be used.
struct Cx {
    stack: Vec<String>,
    examples: bool,
}

fn sample_with(docs: &Docs, schema: &Json, examples: bool) -> Json {
    let mut stack = Cx {
        stack: Vec::new(),
        examples,
    };
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

fn value(docs: &Docs, schema: &Json, depth: usize, stack: &mut Cx) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    let pushed = match schema.get("$ref").and_then(Json::as_str) {
        Some(r) if stack.stack.iter().any(|s| s == r) => {
            // A recursive schema: its smallest value does not recurse.
            return match docs.deref(schema).ok().map(kind) {
                Some("object") => json!({}),
                Some("array") => json!([]),
                _ => Json::Null,
            };
        }
        Some(r) => {
            stack.stack.push(r.to_string());
            true
        }
        None => false,
    };
    let out = match docs.deref(schema) {
        Ok(s) => resolved(docs, s, depth, stack),
        Err(_) => Json::Null,
    };
    if pushed {
        stack.stack.pop();
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

fn resolved(docs: &Docs, s: &Json, depth: usize, stack: &mut Cx) -> Json {
    if let Some(v) = given(s, stack.examples) {
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
fn given(s: &Json, examples: bool) -> Option<Json> {
    if let Some(Json::Bool(false)) = Some(s) {
        return Some(Json::Null);
    }
    let keys: &[&str] = match examples {
        true => &["const", "example", "default"],
        false => &["const"],
    };
    for key in keys {
        if let Some(v) = s.get(*key) {
            return Some(v.clone());
        }
    }
    if examples
        && let Some(Json::Array(e)) = s.get("examples")
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

fn scalar(docs: &Docs, s: &Json, depth: usize, stack: &mut Cx) -> Json {
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

fn object(docs: &Docs, shape: &Shape, depth: usize, stack: &mut Cx) -> Json {
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
    let text = if text.chars().count() >= min {
        text.to_string()
    } else {
        "x".repeat(min.min(64))
    };
    match s.get("pattern").and_then(Json::as_str) {
        Some(p) if !matches_pattern(p, &text) => json!(from_pattern(p, s).unwrap_or(text)),
        _ => json!(text),
    }
}

fn matches_pattern(pattern: &str, text: &str) -> bool {
    regex::Regex::new(pattern).is_ok_and(|r| r.is_match(text))
}

/// A string the pattern matches, within the schema's length bounds: drawn from the pattern
/// with fixed seeds, so an import is the same every time.
fn from_pattern(pattern: &str, s: &Json) -> Option<String> {
    use rand::{Rng, SeedableRng};
    // Anchors say where a match is; the generator writes whole strings anyway.
    let bare = pattern.strip_prefix('^').unwrap_or(pattern);
    let bare = bare.strip_suffix('$').unwrap_or(bare);
    // ASCII classes: `\d` is 0-9, as validators of JSON Schema's ECMA regexes read it.
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(true)
        .build()
        .parse(bare)
        .ok()?;
    let generator = rand_regex::Regex::with_hir(hir, 4).ok()?;
    let min = s.get("minLength").and_then(Json::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Json::as_u64)
        .unwrap_or(u64::MAX) as usize;
    (0..32u64).find_map(|seed| {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let text: String = rng.sample(&generator);
        let n = text.chars().count();
        (n >= min && n <= max && matches_pattern(pattern, &text)).then_some(text)
    })
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
