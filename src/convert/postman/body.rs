//! A Postman request body into a baton body, and its test script into `expect`.

use serde_json::Value as Json;

use super::super::writer::Y;
use super::{Cx, disabled, header_list, text};

/// A body: the key, the value, the Content-Type baton sets for it.
type Body = (Option<(&'static str, Y)>, Option<&'static str>);

/// The body key and value, the Content-Type baton will set for it, and notes.
pub(super) fn body(
    cx: &mut Cx,
    b: Option<&Json>,
    req: &Json,
    name: &str,
) -> (Option<(&'static str, Y)>, Option<&'static str>, Vec<String>) {
    let mut notes = Vec::new();
    let Some(b) = b.filter(|b| !b.is_null()) else {
        return (None, None, notes);
    };
    if b.get("disabled").and_then(Json::as_bool) == Some(true) {
        return (None, None, notes);
    }
    let mode = b.get("mode").and_then(Json::as_str).unwrap_or("none");
    let (body, implied) = match mode {
        "raw" => raw_body(cx, b, req, name, &mut notes),
        "urlencoded" => form_body(cx, b, name, &mut notes),
        "formdata" => multipart_body(cx, b, name, &mut notes),
        "file" => file_body(cx, b, name, &mut notes),
        "graphql" => graphql_body(cx, b, &mut notes),
        "none" => (None, None),
        other => {
            notes.push(format!(
                "postman body mode `{other}` is not supported; write the body by hand"
            ));
            cx.warnings.push(format!(
                "request `{name}`: body mode `{other}` is not supported; the body is left out"
            ));
            (None, None)
        }
    };
    (body, implied, notes)
}

fn raw_body(cx: &mut Cx, b: &Json, req: &Json, name: &str, notes: &mut Vec<String>) -> Body {
    let raw = b.get("raw").map(text).unwrap_or_default();
    if raw.trim().is_empty() {
        return (None, None);
    }
    let language = b
        .get("options")
        .and_then(|o| o.get("raw"))
        .and_then(|r| r.get("language"))
        .and_then(Json::as_str)
        .unwrap_or("");
    let header_type = header_list(req.get("header"))
        .into_iter()
        .find(|(k, _, off)| !off && k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v, _)| v.to_ascii_lowercase());
    let is_json = language == "json" || header_type.as_deref().is_some_and(|t| t.contains("json"));
    if is_json {
        match parse_templated_json(&raw) {
            Some(v) => return (Some(("json", cx.value(&v))), Some("application/json")),
            None => {
                cx.warnings.push(format!(
                    "request `{name}`: the JSON body does not parse; it is sent as text"
                ));
                notes.push("the Postman JSON body does not parse as JSON; kept as text".into());
            }
        }
    }
    let text = cx.tpl(&raw.replace("\r\n", "\n"));
    if header_type.is_none() {
        // Postman sets the type from the body's language; baton needs it said.
        cx.add_content_type = match language {
            "json" => Some("application/json"),
            "xml" => Some("application/xml"),
            "html" => Some("text/html"),
            "javascript" => Some("application/javascript"),
            _ => None,
        };
    }
    (Some(("body", Y::Str(text))), None)
}

fn form_body(cx: &mut Cx, b: &Json, name: &str, notes: &mut Vec<String>) -> Body {
    let mut m = Y::map();
    for p in fields(b, "urlencoded") {
        let Some(k) = p.get("key").and_then(Json::as_str) else {
            continue;
        };
        let v = p.get("value").map(text).unwrap_or_default();
        if disabled(p) {
            notes.push(format!("disabled in Postman: form field {k}={v}"));
        } else if m.get(k).is_some() {
            notes.push(format!("repeated form field not converted: {k}={v}"));
            cx.warnings.push(format!(
                "request `{name}`: form field `{k}` is given twice; the first value is kept"
            ));
        } else {
            let y = cx.scalar(&Json::String(v));
            m.put(k, y);
        }
    }
    (Some(("form", m)), Some("application/x-www-form-urlencoded"))
}

fn multipart_body(cx: &mut Cx, b: &Json, name: &str, notes: &mut Vec<String>) -> Body {
    let mut m = Y::map();
    for p in fields(b, "formdata") {
        let Some(k) = p.get("key").and_then(Json::as_str) else {
            continue;
        };
        if disabled(p) {
            notes.push(format!("disabled in Postman: multipart field {k}"));
            continue;
        }
        if m.get(k).is_some() {
            notes.push(format!("repeated multipart field not converted: {k}"));
            cx.warnings.push(format!(
                "request `{name}`: multipart field `{k}` is given twice; the first is kept"
            ));
            continue;
        }
        let content_type = p
            .get("contentType")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty());
        if p.get("type").and_then(Json::as_str) == Some("file") {
            if let Some(f) = file_part(cx, p, k, content_type, name, notes) {
                m.put(k, f);
            }
        } else {
            if content_type.is_some() {
                notes.push(format!("multipart field `{k}` had a content type in Postman, which baton does not set for text parts"));
            }
            let y = cx.scalar(p.get("value").unwrap_or(&Json::Null));
            m.put(k, y);
        }
    }
    (Some(("multipart", m)), Some("multipart/form-data"))
}

/// A file part, or `None` (with a comment) when no file is selected or it is not there.
fn file_part(
    cx: &mut Cx,
    p: &Json,
    k: &str,
    content_type: Option<&str>,
    name: &str,
    notes: &mut Vec<String>,
) -> Option<Y> {
    let srcs: Vec<String> = match p.get("src") {
        Some(Json::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let Some(first) = srcs.first() else {
        notes.push(format!("multipart file field `{k}` has no file selected in Postman; add `{k}: {{ file: PATH }}` under multipart"));
        cx.warnings.push(format!(
            "request `{name}`: file field `{k}` has no file; it is left out"
        ));
        return None;
    };
    if !std::path::Path::new(first).is_file() {
        notes.push(format!("multipart file field `{k}`: the file `{first}` is not here; add `{k}: {{ file: PATH }}` under multipart"));
        cx.warnings.push(format!(
            "request `{name}`: file `{first}` of field `{k}` does not exist; the field is left out"
        ));
        return None;
    }
    if srcs.len() > 1 {
        notes.push(format!(
            "multipart field `{k}` has {} files in Postman; only the first is sent",
            srcs.len()
        ));
        cx.warnings.push(format!(
            "request `{name}`: file field `{k}` has several files; only the first is kept"
        ));
    }
    let mut f = Y::map();
    f.put("file", Y::str(first.clone()));
    if let Some(ct) = content_type {
        f.put("content_type", Y::str(ct));
    }
    Some(f)
}

fn file_body(cx: &mut Cx, b: &Json, name: &str, notes: &mut Vec<String>) -> Body {
    let src = b
        .get("file")
        .and_then(|f| f.get("src"))
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty());
    match src {
        Some(src) if std::path::Path::new(src).is_file() => (
            Some(("body", Y::Map(vec![("file".into(), Y::str(src))]))),
            None,
        ),
        _ => {
            notes.push(format!("the Postman body is the file `{}`, which is not here; add `body: {{ file: PATH }}`", src.unwrap_or("")));
            cx.warnings.push(format!(
                "request `{name}`: binary body has no file; it is left out"
            ));
            (None, None)
        }
    }
}

fn graphql_body(cx: &mut Cx, b: &Json, notes: &mut Vec<String>) -> Body {
    let g = b.get("graphql").cloned().unwrap_or(Json::Null);
    let mut obj = serde_json::Map::new();
    obj.insert(
        "query".into(),
        Json::String(g.get("query").map(text).unwrap_or_default()),
    );
    match g.get("variables") {
        Some(Json::String(s)) if !s.trim().is_empty() => match parse_templated_json(s) {
            Some(v) => {
                obj.insert("variables".into(), v);
            }
            None => {
                notes.push("GraphQL variables do not parse as JSON; sent as a string".into());
                obj.insert("variables".into(), Json::String(s.clone()));
            }
        },
        Some(v @ Json::Object(_)) => {
            obj.insert("variables".into(), v.clone());
        }
        _ => {}
    }
    (
        Some(("json", cx.value(&Json::Object(obj)))),
        Some("application/json"),
    )
}

fn fields<'a>(b: &'a Json, key: &str) -> &'a [Json] {
    b.get(key)
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Parses a JSON body in which Postman templates may stand where values go
/// (`"count": {{n}}`): those become the string `"{{n}}"`, which baton renders with the
/// variable's own type.
pub(crate) fn parse_templated_json(raw: &str) -> Option<Json> {
    if let Ok(v) = serde_json::from_str(raw) {
        return Some(v);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    let mut in_str = false;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_str {
            out.push(c);
            if c == '\\' {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if c == '"' {
            in_str = true;
            out.push(c);
        } else if c == '{' && raw[i..].starts_with("{{") {
            let end = raw[i..].find("}}")?;
            let inner = &raw[i..i + end + 2];
            out.push_str(&serde_json::to_string(inner).ok()?);
            for _ in 0..inner.chars().count() - 1 {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    serde_json::from_str(&out).ok()
}
