//! A Postman request into a baton request: method, URL and query, headers, auth, and the
//! checks and captures of the scripts that run around it.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::super::writer::Y;
use super::expect::expect_map;
use super::scope::{Scope, scripts};
use super::script::{self, Kind, ReqInfo, Translated};
use super::{AuthOut, Cx, disabled, header_list, param, params, text};
use super::{auth, body, url};

/// Methods whose body Newman does not send unless `disableBodyPruning` is set.
const PRUNED: [&str; 5] = ["GET", "HEAD", "COPY", "PURGE", "UNLOCK"];

/// The request, the number of checks and captures kept, and assertions dropped.
pub(super) fn request(cx: &mut Cx, item: &Json, name: &str, scope: &Scope) -> (Y, usize, usize) {
    let mut r = Y::map();
    let mut notes: Vec<String> = Vec::new();
    // The request's own scripts: what its pre-request script sets or unsets holds for
    // the request itself, what its test script does for the requests after it.
    let own = own_scripts(cx, item, name, scope);
    for (_, t) in own.iter().filter(|(k, _)| *k == Kind::PreRequest) {
        cx.apply(&t.effects);
    }
    let req = match item.get("request").cloned().unwrap_or(Json::Null) {
        Json::String(url) => serde_json::json!({ "url": url, "method": "GET" }),
        other => other,
    };
    let method = req
        .get("method")
        .and_then(Json::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    if method != "GET" {
        r.put("method", Y::str(method.clone()));
    }
    let (url, query, mut url_notes) = request_url(cx, req.get("url"));
    notes.append(&mut url_notes);
    r.put("url", Y::Str(url));
    if let Some(q) = query {
        r.put("query", q);
    }
    // Body first: it decides which Content-Type header is redundant.
    cx.add_content_type = None;
    let pruned = PRUNED.contains(&method.as_str())
        && item
            .get("protocolProfileBehavior")
            .and_then(|p| p.get("disableBodyPruning"))
            .and_then(Json::as_bool)
            != Some(true);
    let (body, implied_type, mut body_notes) = body::body(cx, req.get("body"), &req, name);
    notes.append(&mut body_notes);
    let body = match body {
        Some((_, b)) if pruned && b.is_empty_map() => None,
        Some(_) if pruned => {
            notes.push(format!("the Postman body is not sent with {method} (as Newman does; set protocolProfileBehavior.disableBodyPruning to send it)"));
            cx.add_content_type = None;
            None
        }
        other => other,
    };
    let implied_type = if pruned { None } else { implied_type };
    let headers = headers(cx, &req, implied_type, name, &mut notes);
    if !headers.is_empty_map() {
        r.put("headers", headers);
    }
    auth_into(cx, &req, scope, name, &mut r, &mut notes);
    if let Some((key, b)) = body {
        r.put(key, b);
    }
    let test_effects: Vec<_> = own
        .iter()
        .filter(|(k, _)| *k == Kind::Test)
        .flat_map(|(_, t)| t.effects.iter().cloned())
        .collect();
    let (kept, dropped) = scripts_into(cx, own, scope, &mut r, &mut notes);
    cx.apply(&test_effects);
    if let Some(Json::Bool(false)) = item
        .get("protocolProfileBehavior")
        .and_then(|p| p.get("followRedirects"))
    {
        r.put("follow_redirects", Y::Bool(false));
    }
    r.order(crate::format::keys::REQUEST);
    r.comment(notes);
    (r, kept, dropped)
}

/// The request's own scripts, translated with what they know of it.
fn own_scripts(cx: &mut Cx, item: &Json, name: &str, scope: &Scope) -> Vec<(Kind, Translated)> {
    let at = cx.next_request;
    cx.next_request += 1;
    let info = req_info(cx, item, name, at, scope);
    scripts(item.get("event"))
        .into_iter()
        .map(|(kind, source)| {
            let around = script::Around {
                trust: &cx.trust,
                at: Some(at),
                req: Some(&info),
            };
            (
                kind,
                script::translate_in(&source, kind, &mut cx.names, around),
            )
        })
        .collect()
}

/// What a request's scripts know of it at import.
fn req_info(cx: &mut Cx, item: &Json, name: &str, at: usize, scope: &Scope) -> ReqInfo {
    let req = item.get("request").unwrap_or(&Json::Null);
    let raw = match req.get("url").or(Some(req)) {
        Some(Json::String(s)) => Some(s.as_str()),
        Some(u) => u.get("raw").and_then(Json::as_str),
        None => None,
    };
    let description = item
        .get("description")
        .or_else(|| req.get("description"))
        .and_then(Json::as_str)
        .map(str::to_string);
    let mut headers: Vec<(String, String)> = header_list(req.get("header"))
        .into_iter()
        .filter(|(_, _, off)| !off)
        .map(|(k, v, _)| (k, v))
        .collect();
    let auth = match (req.get("auth"), &scope.auth) {
        // No auth of its own and none above it: no header from auth.
        (None | Some(Json::Null), None) => Some(None),
        (own, _) => auth::header(own),
    };
    let headers = match auth {
        Some(Some(h)) => {
            headers.push(h);
            Some(headers)
        }
        Some(None) => Some(headers),
        None => None,
    };
    ReqInfo {
        name: name.to_string(),
        description,
        method: req
            .get("method")
            .and_then(Json::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase(),
        url: raw.and_then(|r| resolved(cx, r, at)),
        headers,
    }
}

/// Text with its `{{variables}}` filled in, when each is known at import for request `at`.
fn resolved(cx: &mut Cx, text: &str, at: usize) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}")? + i;
        let name = rest[i + 2..end].trim();
        if name.starts_with('$') {
            // A dynamic variable: a new value each time.
            return None;
        }
        let ident = cx.names.ident(name);
        if cx.unset.contains(&ident) || !cx.trust.allows(&ident, name, Some(at), Kind::Test) {
            return None;
        }
        let value = match cx.trust.values.get(&ident) {
            Some(Y::Str(s)) if !s.contains('{') => s.clone(),
            Some(_) => return None,
            None => cx.declared_text.get(&ident)?.clone(),
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out.contains("://").then_some(out)
}

fn headers(
    cx: &mut Cx,
    req: &Json,
    implied_type: Option<&str>,
    name: &str,
    notes: &mut Vec<String>,
) -> Y {
    let mut headers = Y::map();
    let mut seen = BTreeSet::new();
    for (k, v, off) in header_list(req.get("header")) {
        if off {
            notes.push(format!("disabled in Postman: header {k}: {v}"));
            continue;
        }
        if k.eq_ignore_ascii_case("content-type")
            && implied_type.is_some_and(|t| {
                v.trim().eq_ignore_ascii_case(t)
                    || t == "multipart/form-data" && v.starts_with("multipart/form-data")
            })
        {
            continue;
        }
        if !seen.insert(k.to_ascii_lowercase()) {
            notes.push(format!("repeated header not converted: {k}: {v}"));
            cx.warnings.push(format!(
                "request `{name}`: header `{k}` is given twice; the first value is kept"
            ));
            continue;
        }
        let v = cx.tpl(&v);
        headers.put(k, Y::Str(v));
    }
    if let Some(t) = cx.add_content_type.take()
        && !seen.contains("content-type")
    {
        headers.put("Content-Type", Y::str(t));
    }
    headers
}

/// The request's own auth, else its folders'; the collection's goes to `defaults`.
fn auth_into(
    cx: &mut Cx,
    req: &Json,
    scope: &Scope,
    name: &str,
    r: &mut Y,
    notes: &mut Vec<String>,
) {
    let own = req
        .get("auth")
        .map(|a| auth::auth(cx, a))
        .unwrap_or(AuthOut::Inherit);
    let effective = match own {
        AuthOut::Inherit => scope.auth.clone(),
        other => Some(other),
    };
    match effective {
        Some(AuthOut::Set(y)) => r.put("auth", y),
        Some(AuthOut::Unsupported(kind)) => {
            notes.push(format!(
                "postman auth `{kind}` is not supported by baton; set `auth` by hand"
            ));
            cx.warnings.push(format!("request `{name}`: auth type `{kind}` is not supported; the request is sent without authentication"));
            r.put("auth", Y::str("none"));
        }
        _ => {}
    }
}

/// Test scripts (the collection's and folders' first) into `expect` and `capture`;
/// pre-request setters of known values into variables. Returns (kept, dropped).
fn scripts_into(
    cx: &mut Cx,
    own: Vec<(Kind, Translated)>,
    scope: &Scope,
    r: &mut Y,
    notes: &mut Vec<String>,
) -> (usize, usize) {
    let mut t = Translated::default();
    t.checks.extend(scope.tests.checks.iter().cloned());
    t.captures.extend(scope.tests.captures.iter().cloned());
    t.dropped = scope.tests.dropped;
    for (_, one) in own {
        cx.unconverted += one.dropped_lines;
        cx.pre_vars.extend(one.vars.iter().cloned());
        t.extend(one);
    }
    let (expect, checks, conflicts) = expect_map(&t.checks);
    let dropped = t.dropped + conflicts.iter().filter(|l| l.starts_with("  ")).count();
    notes.extend(t.comments);
    notes.extend(conflicts);
    if !expect.is_empty_map() {
        r.put("expect", expect);
    }
    let mut caps: Vec<(String, Y)> = Vec::new();
    for (k, v) in t.captures {
        match caps.iter_mut().find(|(n, _)| *n == k) {
            // Postman runs the request's own script last: its value wins.
            Some(old) => old.1 = v,
            None => caps.push((k, v)),
        }
    }
    let captures = caps.len();
    if !caps.is_empty() {
        r.put("capture", Y::Map(caps));
    }
    (checks + captures, dropped)
}

/// The URL without its query, the query as a map when that is exact, and notes.
pub(super) fn request_url(cx: &mut Cx, v: Option<&Json>) -> (String, Option<Y>, Vec<String>) {
    let mut notes = Vec::new();
    let (base, items, path_vars) = match v {
        Some(Json::String(s)) => {
            let (base, items) = raw_url(s);
            (base, items, Vec::new())
        }
        Some(Json::Object(o)) => {
            let vars = params(o.get("variable"));
            match url::from_parts(o) {
                Some(p) => (
                    with_scheme(p.base.trim()),
                    p.query.unwrap_or_default(),
                    vars,
                ),
                None => {
                    let (base, mut items) =
                        raw_url(o.get("raw").and_then(Json::as_str).unwrap_or(""));
                    if let Some(list) = o.get("query").and_then(Json::as_array) {
                        items = query_items(list);
                    }
                    (base, items, vars)
                }
            }
        }
        _ => (String::new(), Vec::new(), Vec::new()),
    };
    // Path variables: `/users/:id` with `variable: [{key: id, value: 7}]`.
    let base = if path_vars.is_empty() {
        base
    } else {
        base.split('/')
            .map(
                |seg| match seg.strip_prefix(':').and_then(|k| param(&path_vars, k)) {
                    Some(v) => text(v),
                    None => seg.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut pairs: Vec<(String, Option<String>)> = Vec::new();
    for q in items {
        if q.disabled {
            notes.push(format!(
                "disabled in Postman: query {}={}",
                q.key,
                q.value.unwrap_or_default()
            ));
        } else {
            pairs.push((q.key, q.value));
        }
    }
    let url = cx.tpl(&base);
    if pairs.is_empty() {
        return (url, None, notes);
    }
    match query_map(cx, &pairs) {
        Some(map) => (url, Some(map), notes),
        None => {
            let q: Vec<String> = pairs
                .iter()
                .map(|(k, v)| v.as_ref().map_or(k.clone(), |v| format!("{k}={v}")))
                .collect();
            let full = format!("{base}?{}", q.join("&"));
            (cx.tpl(&full), None, notes)
        }
    }
}

/// A query or form list as a map, when the map sends exactly the same bytes.
fn query_map(cx: &mut Cx, pairs: &[(String, Option<String>)]) -> Option<Y> {
    let mut seen = BTreeSet::new();
    for (k, v) in pairs {
        let v = v.as_ref()?;
        if !seen.insert(k.as_str()) || !form_safe(k) || !form_safe(v) || k.is_empty() {
            return None;
        }
    }
    let mut m = Y::map();
    for (k, v) in pairs {
        let y = cx.scalar(&Json::String(v.clone().unwrap_or_default()));
        let k = cx.tpl(k);
        m.put(k, y);
    }
    Some(m)
}

/// A raw URL (`http://h/p?a=1&b`) as Newman reads it: the base and the query items.
fn raw_url(raw: &str) -> (String, Vec<url::QueryItem>) {
    let raw = with_scheme(raw.trim());
    let (base, query) = match raw.split_once('?') {
        Some((b, q)) => (b.to_string(), split_query(q)),
        None => (raw.clone(), Vec::new()),
    };
    let items = query
        .into_iter()
        .map(|(k, v)| url::QueryItem {
            key: url::encode_controls(&k),
            value: v.map(|v| url::encode_controls(&v)),
            disabled: false,
        })
        .collect();
    (url::encode_controls(&base), items)
}

/// A v2 query list, entries without a key kept (Newman sends their `&`).
fn query_items(list: &[Json]) -> Vec<url::QueryItem> {
    list.iter()
        .filter(|q| q.is_object())
        .map(|q| url::QueryItem {
            key: q.get("key").map(text).unwrap_or_default(),
            value: q.get("value").filter(|v| !v.is_null()).map(text),
            disabled: disabled(q),
        })
        .collect()
}

/// Text a `query:` map sends as written: the runtime form-encodes anything else (`/` as
/// `%2F`, a space as `+`), where Newman sends it as it is. Variables are filled in at run
/// time either way.
fn form_safe(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        if rest.starts_with("{{")
            && let Some(end) = rest[2..].find("}}")
        {
            rest = &rest[end + 4..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        if !(c.is_ascii_alphanumeric() || "*-._".contains(c)) {
            return false;
        }
        rest = &rest[c.len_utf8()..];
    }
    true
}

fn split_query(q: &str) -> Vec<(String, Option<String>)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p.to_string(), None),
        })
        .collect()
}

/// Postman sends a URL without a scheme over http (`127.0.0.1:8080/x`).
fn with_scheme(url: &str) -> String {
    let has_scheme = url.split_once("://").is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme || url.is_empty() || url.starts_with("{{") {
        url.to_string()
    } else {
        format!("http://{url}")
    }
}
