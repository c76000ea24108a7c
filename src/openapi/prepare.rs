//! Making a document's schemas say what a response check asserts (SPEC 5, contract
//! details): duplicate `required` entries dropped, the asserted formats kept (`int32`/`int64`
//! as ranges, the rest removed as annotations), `writeOnly` properties forbidden and not
//! required, 3.1 `nullable` honoured, and a keyword that cannot be compiled taken out, each
//! with a warning that names its place. Only the contract's copy of the document changes.

use std::collections::HashSet;

use serde_json::{Map, Value as Json, json};

use super::At;
use super::refs::Docs;
use super::walk::walk;
use super::{Version, render};

/// `format` values a response check asserts; every other format is an annotation.
const ASSERTED: [&str; 9] = [
    "date-time",
    "date",
    "time",
    "email",
    "uuid",
    "uri",
    "ipv4",
    "ipv6",
    "hostname",
];

/// Meta-schema repairs per schema, at most (each removes one keyword).
const MAX_REPAIRS: usize = 64;

/// A problem of the document found while preparing it: the file (by URL), the JSON pointer,
/// what is wrong.
struct Found {
    file: String,
    pointer: String,
    message: String,
    help: &'static str,
}

/// Rewrites `docs` for response checks and returns the warnings, rendered with their place.
pub(super) fn prepare(docs: &mut Docs) -> Vec<String> {
    let write_only = write_only_targets(docs);
    let mut found = Vec::new();
    let mut roots: Vec<(String, String)> = Vec::new();
    let mut targets: HashSet<String> = HashSet::new();
    let uris: Vec<String> = docs.files.keys().cloned().collect();
    for uri in &uris {
        let mut value = std::mem::take(&mut docs.files[uri].value);
        let v31 = docs.version == Version::V31;
        walk(
            &mut value,
            false,
            &mut String::new(),
            &mut |map, pointer| {
                if v31 && map.contains_key("nullable") {
                    found.push(Found {
                        file: uri.clone(),
                        pointer: format!("{pointer}/nullable"),
                        message: "`nullable` is OpenAPI 3.0; this is a 3.1 document".into(),
                        help: "help: write `type: [T, \"null\"]`; baton honours `nullable` here",
                    });
                    super::walk::convert_30(map);
                }
                dedupe_required(map);
                formats(map);
                forbid_write_only(map, &write_only);
                if let Some(Json::String(r)) = map.get("$ref") {
                    targets.insert(r.clone());
                }
                if map.get("schema").is_some_and(Json::is_object) {
                    roots.push((uri.clone(), format!("{pointer}/schema")));
                }
            },
        );
        docs.files[uri].value = value;
    }
    if let Some(Json::Object(schemas)) = docs.root().pointer("/components/schemas") {
        for name in schemas.keys() {
            let p = format!(
                "/components/schemas/{}",
                name.replace('~', "~0").replace('/', "~1")
            );
            roots.push((docs.root.clone(), p));
        }
    }
    // Schemas in other files are reached by `$ref`: check what the references point at.
    for t in targets {
        let (file, fragment) = t.split_once('#').unwrap_or((&t, ""));
        if file != docs.root {
            let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
            roots.push((file.to_string(), pointer.into_owned()));
        }
    }
    for (file, pointer) in roots {
        repair(docs, &file, &pointer, &mut found);
    }
    found
        .into_iter()
        .map(|f| {
            let at = match docs.files.get(&f.file) {
                Some(l) => At::inside(&l.path, &l.text, &f.pointer),
                None => At::file(std::path::Path::new(&f.file)),
            };
            format!("warning: {}", render(&at, &f.message, f.help))
        })
        .collect()
}

/// Absolute references (`file#pointer`, pointer decoded) of every object marked `writeOnly`.
fn write_only_targets(docs: &Docs) -> HashSet<String> {
    fn scan(v: &Json, pointer: &mut String, uri: &str, out: &mut HashSet<String>) {
        match v {
            Json::Object(map) => {
                if map.get("writeOnly") == Some(&Json::Bool(true)) {
                    out.insert(format!("{uri}#{pointer}"));
                }
                for (k, child) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    scan(child, pointer, uri, out);
                    pointer.truncate(len);
                }
            }
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    scan(item, pointer, uri, out);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for (uri, l) in &docs.files {
        scan(&l.value, &mut String::new(), uri, &mut out);
    }
    out
}

fn dedupe_required(map: &mut Map<String, Json>) {
    if let Some(Json::Array(names)) = map.get_mut("required") {
        let mut seen = HashSet::new();
        names.retain(|n| seen.insert(n.to_string()));
    }
}

/// Asserted formats stay (checked by the validator); `int32`/`int64` become a range; the
/// rest are annotations and go.
fn formats(map: &mut Map<String, Json>) {
    let Some(Json::String(f)) = map.get("format") else {
        return;
    };
    let range = match f.as_str() {
        "int32" => Some(json!({ "minimum": i32::MIN, "maximum": i32::MAX })),
        "int64" => Some(json!({ "minimum": i64::MIN, "maximum": i64::MAX })),
        _ => None,
    };
    if ASSERTED.contains(&f.as_str()) {
        return;
    }
    map.remove("format");
    if let Some(r) = range {
        match map.get_mut("allOf") {
            Some(Json::Array(all)) => all.push(r),
            _ => {
                map.insert("allOf".into(), Json::Array(vec![r]));
            }
        }
    }
}

/// A `writeOnly` property must not appear in a response, and is not required there.
fn forbid_write_only(map: &mut Map<String, Json>, targets: &HashSet<String>) {
    let Some(Json::Object(props)) = map.get_mut("properties") else {
        return;
    };
    let mut names = Vec::new();
    for (name, p) in props.iter_mut() {
        let direct = p.get("writeOnly") == Some(&Json::Bool(true));
        let via_ref = p
            .get("$ref")
            .and_then(Json::as_str)
            .is_some_and(|r| targets.contains(&decoded(r)));
        if direct || via_ref {
            *p = Json::Bool(false);
            names.push(Json::String(name.clone()));
        }
    }
    if let Some(Json::Array(required)) = map.get_mut("required") {
        required.retain(|r| !names.contains(r));
    }
}

/// An absolute reference with its pointer percent-decoded.
fn decoded(r: &str) -> String {
    let (file, fragment) = r.split_once('#').unwrap_or((r, ""));
    let pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    format!("{file}#{pointer}")
}

/// Takes out of the schema at `pointer` every keyword the 2020-12 meta-schema refuses, one
/// warning each.
fn repair(docs: &mut Docs, file: &str, pointer: &str, found: &mut Vec<Found>) {
    for _ in 0..MAX_REPAIRS {
        let Some(schema) = docs.files.get(file).and_then(|l| l.value.pointer(pointer)) else {
            return;
        };
        let bad = match jsonschema::draft202012::meta::validate(schema) {
            Ok(()) => return,
            Err(e) => (e.instance_path().as_str().to_string(), e.to_string()),
        };
        let full = format!("{pointer}{}", bad.0);
        found.push(Found {
            file: file.to_string(),
            pointer: full.clone(),
            message: format!(
                "this schema keyword cannot be used, and is not checked: {}",
                shorten(&bad.1)
            ),
            help: "help: fix the document; the rest of the schema is still checked",
        });
        let Some(l) = docs.files.get_mut(file) else {
            return;
        };
        if !remove(&mut l.value, &full) {
            return;
        }
    }
}

/// Removes the value at `pointer` (a whole schema becomes `true`); false when nothing changed.
fn remove(root: &mut Json, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Json::Object(m)) => m.remove(&last).is_some(),
        Some(Json::Array(items)) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items[i] = Json::Bool(true);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// A schema error's message, cut to what fits on a line.
pub(super) fn shorten(s: &str) -> String {
    const MAX_MESSAGE: usize = 300;
    if s.chars().count() <= MAX_MESSAGE {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_MESSAGE).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn bad_keywords_go_with_a_warning_and_the_rest_stays() {
        let text = "openapi: 3.1.0\ncomponents:\n  schemas:\n    Pet:\n      type: object\n      required: [id, id, secret]\n      properties:\n        id: { type: integer, format: int32, minimum: true }\n        secret: { type: string, writeOnly: true }\n        tag: { type: string, nullable: true, format: color }\n";
        let mut docs = Docs::from_text(text, Path::new("/tmp/p.yaml")).unwrap();
        let w = prepare(&mut docs);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("p.yaml:10:"), "{w:?}");
        assert!(w[0].contains("nullable"), "{w:?}");
        assert!(w[1].contains("p.yaml:8:"), "{w:?}");
        assert!(w[1].contains("true is not of type \"number\""), "{w:?}");
        let pet = docs.root().pointer("/components/schemas/Pet").unwrap();
        assert_eq!(pet["required"], json!(["id"]));
        assert_eq!(
            pet["properties"]["id"],
            json!({ "type": "integer", "allOf": [{ "minimum": i32::MIN, "maximum": i32::MAX }] })
        );
        assert_eq!(pet["properties"]["secret"], json!(false));
        assert_eq!(
            pet["properties"]["tag"],
            json!({ "type": ["string", "null"] })
        );
    }
}
