//! Postman collections (v2.0 and v2.1 JSON) into baton collections.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::emit::{Y, document};
use super::script::{Translated, translate_test};
use super::{ImportError, Imported, Names, template};
use crate::template::GLOBALS;

/// Converts a Postman collection. With `split_folders`, each top-level folder becomes a file
/// of its own (requests outside folders go to a file named after the collection).
pub fn postman(json: &str, split_folders: bool) -> Result<Imported, ImportError> {
    let root: Json = serde_json::from_str(json)?;
    let Some(obj) = root.as_object() else {
        return Err(ImportError::NotPostman(
            "the top level is not a JSON object".into(),
        ));
    };
    if obj.contains_key("requests") && obj.contains_key("order") {
        return Err(ImportError::NotPostman("this is the Postman Collection v1 format; export it again as Collection v2.1 from Postman".into()));
    }
    if obj.contains_key("values") && !obj.contains_key("item") {
        return Err(ImportError::NotPostman(
            "this looks like a Postman environment; use `baton import postman-env`".into(),
        ));
    }
    let Some(items) = obj.get("item").and_then(Json::as_array) else {
        return Err(ImportError::NotPostman(
            "there is no `item` list (expected Postman Collection v2.0 or v2.1 JSON)".into(),
        ));
    };
    let info = obj.get("info");
    let name = info
        .and_then(|i| i.get("name"))
        .and_then(Json::as_str)
        .unwrap_or("postman")
        .to_string();

    let mut cx = Cx::default();
    let mut vars = Vec::new();
    cx.variables(obj.get("variable"), &mut vars, "the collection");
    let default_auth = match obj.get("auth").map(|a| cx.auth(a)) {
        Some(AuthOut::Set(y)) => Some(y),
        Some(AuthOut::Unsupported(kind)) => {
            cx.warnings.push(format!(
                "collection auth type `{kind}` is not supported; requests are sent without it"
            ));
            cx.top_comments.push(format!(
                "postman collection auth `{kind}` is not supported by baton"
            ));
            None
        }
        _ => None,
    };
    let scripts = cx.scripts_as_comments(obj.get("event"), "collection");
    cx.top_comments.extend(scripts);

    let mut flat = Vec::new();
    cx.walk(items, &[], None, &mut flat, &mut vars);

    let mut groups: Vec<(Option<String>, Vec<Y>)> = Vec::new();
    for f in flat {
        let key = if split_folders {
            f.folder.clone()
        } else {
            None
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(f.request(split_folders)),
            None => groups.push((key, vec![f.request(split_folders)])),
        }
    }
    if groups.is_empty() {
        groups.push((None, Vec::new()));
    }

    let mut out = Imported::default();
    let mut used_files = BTreeSet::new();
    let mut captured_in: BTreeMap<String, String> = BTreeMap::new();
    let mut file_refs: Vec<(String, BTreeSet<String>)> = Vec::new();
    for (folder, requests) in groups {
        let title = folder.clone().unwrap_or_else(|| name.clone());
        let mut file = slug(&title);
        let mut i = 2;
        while !used_files.insert(file.clone()) {
            file = format!("{}-{i}", slug(&title));
            i += 1;
        }
        let file = format!("{file}.yaml");
        let (requests, missing, captured, refs) =
            finish_requests(requests, &vars, default_auth.as_ref(), &mut cx);
        for c in captured {
            captured_in.entry(c).or_insert_with(|| file.clone());
        }
        file_refs.push((file.clone(), refs));

        let mut doc = Y::map();
        doc.put("version", Y::Int(1));
        doc.put("name", Y::str(title));
        let mut vmap = Y::map();
        for (k, v) in &vars {
            vmap.put(k.clone(), v.clone());
        }
        if !missing.is_empty() {
            vmap.comment(vec![
                "used but not defined in the collection (Postman environment or globals?):".into(),
                "give them with --env FILE (see `baton import postman-env`) or --var NAME=VALUE"
                    .into(),
            ]);
            for m in &missing {
                vmap.put(m.clone(), Y::str(""));
            }
            cx.warnings.push(format!(
                "{file}: {} used but not defined in the collection; set to \"\" in `vars`: give them with --env or --var",
                list_names(&missing)
            ));
        }
        if !vmap.is_empty_map() {
            doc.put("vars", vmap);
        }
        if let Some(auth) = &default_auth {
            doc.put("defaults", Y::Map(vec![("auth".into(), auth.clone())]));
        }
        doc.put("requests", Y::Seq(requests));
        doc.order(crate::collection::keys::TOP);
        let mut header = vec![format!(
            "Imported from the Postman collection \"{name}\" by `baton import postman`."
        )];
        header.extend(cx.top_comments.iter().cloned());
        out.files.push((
            PathBuf::from(file),
            document(&Y::Noted(header, Box::new(doc))),
        ));
    }

    if split_folders {
        for (file, refs) in &file_refs {
            for r in refs {
                if let Some(src) = captured_in.get(r)
                    && src != file
                {
                    cx.warnings.push(format!(
                        "{file} uses `{r}`, which {src} captures; captures do not cross collection files: add `- include: {src}` at the top of its requests, or import without -o"
                    ));
                }
            }
        }
    }
    let mut warnings = cx.names.warnings();
    warnings.append(&mut cx.warnings);
    for (d, count) in &cx.unknown_dynamic {
        warnings.push(format!(
            "Postman dynamic variable `{d}` has no baton equivalent; {count} use(s) replaced by the text `{}`",
            d.trim_start_matches("{{").trim_end_matches("}}")
        ));
    }
    if cx.unconverted > 0 {
        warnings.push(format!(
            "{} script lines not converted; see comments",
            cx.unconverted
        ));
    }
    out.warnings = warnings;
    Ok(out)
}

fn list_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    if quoted.len() == 1 {
        format!("variable {}", quoted[0])
    } else {
        format!("variables {}", quoted.join(", "))
    }
}

static TEMPLATE_VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").unwrap());

fn refs(y: &Y, out: &mut BTreeSet<String>) {
    match y {
        Y::Str(s) => {
            for c in TEMPLATE_VAR.captures_iter(s) {
                out.insert(c[1].to_string());
            }
        }
        Y::Seq(items) => items.iter().for_each(|i| refs(i, out)),
        Y::Map(entries) => entries.iter().for_each(|(k, v)| {
            refs(&Y::Str(k.clone()), out);
            refs(v, out)
        }),
        Y::Noted(_, v) => refs(v, out),
        _ => {}
    }
}

/// Makes names unique and finds variables used before anything defines them.
fn finish_requests(
    requests: Vec<Y>,
    vars: &[(String, Y)],
    default_auth: Option<&Y>,
    cx: &mut Cx,
) -> (Vec<Y>, Vec<String>, Vec<String>, BTreeSet<String>) {
    let mut defined: BTreeSet<String> = vars.iter().map(|(k, _)| k.clone()).collect();
    defined.extend(GLOBALS.iter().map(|s| s.to_string()));
    let mut missing = Vec::new();
    let mut captured = Vec::new();
    let mut all_refs = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for mut r in requests {
        if let Some(Y::Str(n)) = r.get_mut("name") {
            let base = n.clone();
            let mut i = 2;
            while !names.insert(n.clone()) {
                *n = format!("{base} ({i})");
                i += 1;
            }
            if *n != base {
                cx.warnings.push(format!(
                    "two requests are named `{base}`; the second is renamed `{n}`"
                ));
            }
        }
        let mut used = BTreeSet::new();
        for key in [
            "url",
            "query",
            "headers",
            "auth",
            "json",
            "form",
            "multipart",
            "body",
        ] {
            if let Some(v) = r.get(key) {
                refs(v, &mut used);
            }
        }
        if r.get("auth").is_none()
            && let Some(a) = default_auth
        {
            refs(a, &mut used);
        }
        for u in &used {
            if !defined.contains(u) && !missing.contains(u) {
                missing.push(u.clone());
            }
        }
        all_refs.extend(used);
        if let Some(Y::Map(caps)) = r.get("capture") {
            for (k, _) in caps {
                defined.insert(k.clone());
                captured.push(k.clone());
            }
        }
        out.push(r);
    }
    (out, missing, captured, all_refs)
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "collection".into()
    } else {
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
enum AuthOut {
    Inherit,
    Set(Y),
    Unsupported(String),
}

#[derive(Default)]
struct Cx {
    names: Names,
    warnings: Vec<String>,
    unconverted: usize,
    unknown_dynamic: BTreeMap<String, usize>,
    top_comments: Vec<String>,
    /// A Content-Type header the current request's raw body needs.
    add_content_type: Option<&'static str>,
}

/// One request with everything it inherits from its folders.
struct Flat {
    folder: Option<String>,
    /// Folder names, outermost first.
    path: Vec<String>,
    name: String,
    body: Y,
}

impl Flat {
    fn request(mut self, split: bool) -> Y {
        let skip = usize::from(split && self.folder.is_some());
        let mut parts: Vec<&str> = self.path.iter().skip(skip).map(String::as_str).collect();
        parts.push(&self.name);
        if let Y::Map(entries) = &mut self.body {
            entries.insert(0, ("name".into(), Y::str(parts.join(" / "))));
        }
        self.body
    }
}

/// Values of Postman key/value lists (`[{key, value}]`, v2.1) or objects (v2.0).
fn params(v: Option<&Json>) -> Vec<(String, Json)> {
    match v {
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("key")?.as_str()?.to_string(),
                    p.get("value").cloned().unwrap_or(Json::Null),
                ))
            })
            .collect(),
        Some(Json::Object(o)) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    }
}

fn param<'a>(ps: &'a [(String, Json)], key: &str) -> Option<&'a Json> {
    ps.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn disabled(v: &Json) -> bool {
    v.get("disabled").and_then(Json::as_bool).unwrap_or(false)
        || v.get("enabled").and_then(Json::as_bool) == Some(false)
}

/// Script lines as a list (Postman stores them as an array of lines or one string).
fn exec_lines(event: &Json) -> Vec<String> {
    let exec = event.get("script").and_then(|s| s.get("exec"));
    let text = match exec {
        Some(Json::Array(lines)) => lines
            .iter()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Json::String(s)) => s.clone(),
        _ => String::new(),
    };
    text.lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect()
}

fn meaningful(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with("//")
}

impl Cx {
    fn tpl(&mut self, s: &str) -> String {
        let mut unknown = Vec::new();
        let out = template(s, &mut self.names, &mut unknown);
        for u in unknown {
            *self.unknown_dynamic.entry(u).or_default() += 1;
        }
        out
    }

    fn value(&mut self, v: &Json) -> Y {
        Y::from_json(v, &mut |s| {
            let mut unknown = Vec::new();
            let out = template(s, &mut self.names, &mut unknown);
            for u in unknown {
                *self.unknown_dynamic.entry(u).or_default() += 1;
            }
            out
        })
    }

    /// A plain parameter value: numbers stay numbers when they read back the same.
    fn scalar(&mut self, v: &Json) -> Y {
        match v {
            Json::String(s) => {
                if let Ok(i) = s.parse::<i64>()
                    && i.to_string() == *s
                {
                    return Y::Int(i);
                }
                Y::Str(self.tpl(s))
            }
            other => self.value(other),
        }
    }

    fn variables(&mut self, v: Option<&Json>, vars: &mut Vec<(String, Y)>, owner: &str) {
        let Some(Json::Array(list)) = v else { return };
        for var in list {
            let Some(key) = var
                .get("key")
                .or_else(|| var.get("id"))
                .and_then(Json::as_str)
            else {
                continue;
            };
            let name = self.names.ident(key);
            if disabled(var) {
                continue;
            }
            let value = if var.get("type").and_then(Json::as_str) == Some("secret") {
                Y::Str(format!(
                    "{{{{ secret('{}') }}}}",
                    super::postman_env::upper_snake(key)
                ))
            } else {
                match var.get("value") {
                    Some(Json::String(s)) => Y::Str(self.tpl(s)),
                    Some(v) => self.value(v),
                    None => Y::str(""),
                }
            };
            match vars.iter().find(|(k, _)| *k == name) {
                Some((_, old)) if *old != value => {
                    self.warnings.push(format!("variable `{name}` of {owner} differs from an earlier definition; the first one is kept"));
                }
                Some(_) => {}
                None => vars.push((name, value)),
            }
        }
    }

    fn walk(
        &mut self,
        items: &[Json],
        path: &[String],
        inherited: Option<&AuthOut>,
        out: &mut Vec<Flat>,
        vars: &mut Vec<(String, Y)>,
    ) {
        for item in items {
            let name = item
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("request")
                .to_string();
            if let Some(children) = item.get("item").and_then(Json::as_array) {
                let mut inner_path = path.to_vec();
                inner_path.push(name.clone());
                self.variables(item.get("variable"), vars, &format!("folder `{name}`"));
                let auth = match item.get("auth") {
                    Some(a) => match self.auth(a) {
                        AuthOut::Inherit => inherited.cloned(),
                        other => Some(other),
                    },
                    None => inherited.cloned(),
                };
                let notes =
                    self.scripts_as_comments(item.get("event"), &format!("folder `{name}`"));
                let start = out.len();
                self.walk(children, &inner_path, auth.as_ref(), out, vars);
                if !notes.is_empty()
                    && let Some(first) = out.get_mut(start)
                {
                    let body = std::mem::replace(&mut first.body, Y::Null);
                    first.body = Y::Noted(notes, Box::new(body));
                }
            } else {
                let body = self.request(item, &name, inherited);
                out.push(Flat {
                    folder: path.first().cloned(),
                    path: path.to_vec(),
                    name,
                    body,
                });
            }
        }
    }

    /// Scripts of a collection or folder: baton has no hooks, so they are kept as comments.
    fn scripts_as_comments(&mut self, events: Option<&Json>, owner: &str) -> Vec<String> {
        let mut notes = Vec::new();
        for e in events
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let listen = e.get("listen").and_then(Json::as_str).unwrap_or("script");
            let lines: Vec<String> = exec_lines(e)
                .into_iter()
                .filter(|l| meaningful(l))
                .collect();
            if !lines.is_empty() {
                notes.push(format!(
                    "postman {owner} {listen} script (runs around every request; not converted):"
                ));
                self.unconverted += lines.len();
                notes.extend(lines.iter().map(|l| format!("  {}", l.trim_end())));
            }
        }
        notes
    }

    fn auth(&mut self, a: &Json) -> AuthOut {
        if a.is_null() {
            return AuthOut::Inherit;
        }
        let kind = a.get("type").and_then(Json::as_str).unwrap_or("inherit");
        let ps = params(a.get(kind));
        let get = |cx: &mut Cx, key: &str| param(&ps, key).map(|v| Y::Str(cx.tpl(&text(v))));
        match kind {
            "inherit" => AuthOut::Inherit,
            "noauth" => AuthOut::Set(Y::str("none")),
            "basic" => {
                let mut m = Y::map();
                m.put(
                    "username",
                    get(self, "username").unwrap_or_else(|| Y::str("")),
                );
                m.put(
                    "password",
                    get(self, "password").unwrap_or_else(|| Y::str("")),
                );
                AuthOut::Set(Y::Map(vec![("basic".into(), m)]))
            }
            "bearer" => AuthOut::Set(Y::Map(vec![(
                "bearer".into(),
                get(self, "token").unwrap_or_else(|| Y::str("")),
            )])),
            "apikey" => {
                let place = param(&ps, "in")
                    .map(text)
                    .unwrap_or_else(|| "header".into());
                let place = if place == "query" { "query" } else { "header" };
                let mut m = Y::map();
                m.put(
                    place,
                    get(self, "key").unwrap_or_else(|| Y::str("X-API-Key")),
                );
                m.put("value", get(self, "value").unwrap_or_else(|| Y::str("")));
                AuthOut::Set(Y::Map(vec![("api_key".into(), m)]))
            }
            "oauth2" => {
                let grant = param(&ps, "grant_type").map(text).unwrap_or_default();
                if grant == "client_credentials" {
                    let mut m = Y::map();
                    m.put(
                        "token_url",
                        get(self, "accessTokenUrl").unwrap_or_else(|| Y::str("")),
                    );
                    m.put(
                        "client_id",
                        get(self, "clientId").unwrap_or_else(|| Y::str("")),
                    );
                    m.put(
                        "client_secret",
                        get(self, "clientSecret").unwrap_or_else(|| Y::str("")),
                    );
                    if let Some(Y::Str(s)) = get(self, "scope")
                        && !s.is_empty()
                    {
                        m.put("scope", Y::Str(s));
                    }
                    let body =
                        param(&ps, "client_authentication").map(text).as_deref() == Some("body");
                    m.put("client_auth", Y::str(if body { "body" } else { "basic" }));
                    AuthOut::Set(Y::Map(vec![("oauth2".into(), m)]))
                } else if let Some(Y::Str(token)) = get(self, "accessToken")
                    && !token.is_empty()
                {
                    self.warnings.push(format!("OAuth 2.0 grant `{grant}` is not supported; its saved access token is sent as a bearer token"));
                    AuthOut::Set(Y::Map(vec![("bearer".into(), Y::Str(token))]))
                } else {
                    AuthOut::Unsupported(format!(
                        "oauth2 ({})",
                        if grant.is_empty() {
                            "authorization_code"
                        } else {
                            &grant
                        }
                    ))
                }
            }
            other => AuthOut::Unsupported(other.to_string()),
        }
    }

    fn request(&mut self, item: &Json, name: &str, inherited: Option<&AuthOut>) -> Y {
        let mut r = Y::map();
        let mut notes: Vec<String> = Vec::new();
        let req = item.get("request").cloned().unwrap_or(Json::Null);
        let req = match req {
            Json::String(url) => serde_json::json!({ "url": url, "method": "GET" }),
            other => other,
        };
        let method = req
            .get("method")
            .and_then(Json::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        if method != "GET" {
            r.put("method", Y::str(method));
        }

        // URL and query
        let (url, query, mut url_notes) = self.url(req.get("url"));
        notes.append(&mut url_notes);
        r.put("url", Y::Str(url));
        if let Some(q) = query {
            r.put("query", q);
        }

        // Body first: it decides which Content-Type header is redundant.
        self.add_content_type = None;
        let (body, implied_type, mut body_notes) = self.body(req.get("body"), &req, name);
        notes.append(&mut body_notes);

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
                self.warnings.push(format!(
                    "request `{name}`: header `{k}` is given twice; the first value is kept"
                ));
                continue;
            }
            let v = self.tpl(&v);
            headers.put(k, Y::Str(v));
        }
        if let Some(t) = self.add_content_type.take()
            && !seen.contains("content-type")
        {
            headers.put("Content-Type", Y::str(t));
        }
        if !headers.is_empty_map() {
            r.put("headers", headers);
        }

        // Auth: the request's own, else its folders'; the collection's goes to `defaults`.
        let own = req
            .get("auth")
            .map(|a| self.auth(a))
            .unwrap_or(AuthOut::Inherit);
        let effective = match own {
            AuthOut::Inherit => inherited.cloned(),
            other => Some(other),
        };
        match effective {
            Some(AuthOut::Set(y)) => r.put("auth", y),
            Some(AuthOut::Unsupported(kind)) => {
                notes.push(format!(
                    "postman auth `{kind}` is not supported by baton; set `auth` by hand"
                ));
                self.warnings.push(format!("request `{name}`: auth type `{kind}` is not supported; the request is sent without authentication"));
                r.put("auth", Y::str("none"));
            }
            _ => {}
        }

        if let Some((key, b)) = body {
            r.put(key, b);
        }

        // Scripts
        let mut t = Translated::default();
        for e in item
            .get("event")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if disabled(e) {
                continue;
            }
            let lines = exec_lines(e);
            match e.get("listen").and_then(Json::as_str) {
                Some("test") => {
                    let mut one = translate_test(&lines, &mut self.names);
                    t.captures.append(&mut one.captures);
                    t.status.append(&mut one.status);
                    t.headers.append(&mut one.headers);
                    t.json.append(&mut one.json);
                    t.body.append(&mut one.body);
                    self.unconverted += one.unconverted.len();
                    notes.extend(
                        one.unconverted
                            .into_iter()
                            .map(|l| format!("postman test: {l}")),
                    );
                }
                other => {
                    let kind = if other == Some("prerequest") {
                        "pre-request"
                    } else {
                        other.unwrap_or("script")
                    };
                    for l in lines.iter().filter(|l| meaningful(l)) {
                        self.unconverted += 1;
                        notes.push(format!("postman {kind}: {}", l.trim()));
                    }
                }
            }
        }
        let expect = expect_map(&t);
        if !expect.is_empty_map() {
            r.put("expect", expect);
        }
        if !t.captures.is_empty() {
            let mut caps = Y::map();
            for (k, v) in t.captures {
                if caps.get(&k).is_none() {
                    caps.put(k, v);
                }
            }
            r.put("capture", caps);
        }
        if let Some(Json::Bool(false)) = item
            .get("protocolProfileBehavior")
            .and_then(|p| p.get("followRedirects"))
        {
            r.put("follow_redirects", Y::Bool(false));
        }
        r.order(crate::collection::keys::REQUEST);
        r.comment(notes);
        r
    }

    /// The URL without its query, the query as a map when that is exact, and notes.
    fn url(&mut self, v: Option<&Json>) -> (String, Option<Y>, Vec<String>) {
        let mut notes = Vec::new();
        let (raw, list, path_vars) = match v {
            Some(Json::String(s)) => (s.clone(), None, Vec::new()),
            Some(Json::Object(o)) => {
                let raw = match o.get("raw").and_then(Json::as_str) {
                    Some(r) => r.to_string(),
                    None => build_url(o),
                };
                let list = o.get("query").and_then(Json::as_array).cloned();
                let vars = params(o.get("variable"));
                (raw, list, vars)
            }
            _ => (String::new(), None, Vec::new()),
        };
        let (base, raw_query) = match raw.split_once('?') {
            Some((b, q)) => (b.to_string(), Some(q.to_string())),
            None => (raw.clone(), None),
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
        let pairs: Vec<(String, Option<String>)> = match list {
            Some(list) => {
                let mut pairs = Vec::new();
                for q in list {
                    let Some(k) = q.get("key").and_then(Json::as_str) else {
                        continue;
                    };
                    let v = q
                        .get("value")
                        .and_then(|v| if v.is_null() { None } else { Some(text(v)) });
                    if disabled(&q) {
                        notes.push(format!(
                            "disabled in Postman: query {k}={}",
                            v.unwrap_or_default()
                        ));
                    } else {
                        pairs.push((k.to_string(), v));
                    }
                }
                pairs
            }
            None => raw_query.as_deref().map(split_query).unwrap_or_default(),
        };
        let url = self.tpl(&base);
        if pairs.is_empty() {
            return (url, None, notes);
        }
        match self.query_map(&pairs) {
            Some(map) => (url, Some(map), notes),
            None => {
                let q: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| v.as_ref().map_or(k.clone(), |v| format!("{k}={v}")))
                    .collect();
                let full = format!("{base}?{}", q.join("&"));
                (self.tpl(&full), None, notes)
            }
        }
    }

    /// A query or form list as a map, when the map sends exactly the same bytes.
    fn query_map(&mut self, pairs: &[(String, Option<String>)]) -> Option<Y> {
        let mut seen = BTreeSet::new();
        for (k, v) in pairs {
            let v = v.as_ref()?;
            if !seen.insert(k.as_str())
                || k.contains(['%', '+'])
                || v.contains(['%', '+'])
                || k.is_empty()
            {
                return None;
            }
        }
        let mut m = Y::map();
        for (k, v) in pairs {
            let y = self.scalar(&Json::String(v.clone().unwrap_or_default()));
            let k = self.tpl(k);
            m.put(k, y);
        }
        Some(m)
    }

    /// The body key and value, the Content-Type baton will set for it, and notes.
    fn body(
        &mut self,
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
        match mode {
            "raw" => {
                let raw = b.get("raw").map(text).unwrap_or_default();
                if raw.trim().is_empty() {
                    return (None, None, notes);
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
                let is_json = language == "json"
                    || header_type.as_deref().is_some_and(|t| t.contains("json"));
                if is_json {
                    match parse_templated_json(&raw) {
                        Some(v) => {
                            return (
                                Some(("json", self.value(&v))),
                                Some("application/json"),
                                notes,
                            );
                        }
                        None => {
                            self.warnings.push(format!(
                                "request `{name}`: the JSON body does not parse; it is sent as text"
                            ));
                            notes.push(
                                "the Postman JSON body does not parse as JSON; kept as text".into(),
                            );
                        }
                    }
                }
                let text = self.tpl(&raw.replace("\r\n", "\n"));
                if header_type.is_none() {
                    // Postman sets the type from the body's language; baton needs it said.
                    let t = match language {
                        "json" => Some("application/json"),
                        "xml" => Some("application/xml"),
                        "html" => Some("text/html"),
                        "javascript" => Some("application/javascript"),
                        _ => None,
                    };
                    self.add_content_type = t;
                }
                (Some(("body", Y::Str(text))), None, notes)
            }
            "urlencoded" => {
                let mut pairs = Vec::new();
                for p in b
                    .get("urlencoded")
                    .and_then(Json::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let Some(k) = p.get("key").and_then(Json::as_str) else {
                        continue;
                    };
                    let v = p.get("value").map(text).unwrap_or_default();
                    if disabled(p) {
                        notes.push(format!("disabled in Postman: form field {k}={v}"));
                    } else {
                        pairs.push((k.to_string(), v));
                    }
                }
                let mut m = Y::map();
                for (k, v) in pairs {
                    if m.get(&k).is_some() {
                        notes.push(format!("repeated form field not converted: {k}={v}"));
                        self.warnings.push(format!("request `{name}`: form field `{k}` is given twice; the first value is kept"));
                        continue;
                    }
                    let y = self.scalar(&Json::String(v));
                    m.put(k, y);
                }
                (
                    Some(("form", m)),
                    Some("application/x-www-form-urlencoded"),
                    notes,
                )
            }
            "formdata" => {
                let mut m = Y::map();
                for p in b
                    .get("formdata")
                    .and_then(Json::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let Some(k) = p.get("key").and_then(Json::as_str) else {
                        continue;
                    };
                    let is_file = p.get("type").and_then(Json::as_str) == Some("file");
                    if disabled(p) {
                        notes.push(format!("disabled in Postman: multipart field {k}"));
                        continue;
                    }
                    if m.get(k).is_some() {
                        notes.push(format!("repeated multipart field not converted: {k}"));
                        self.warnings.push(format!("request `{name}`: multipart field `{k}` is given twice; the first is kept"));
                        continue;
                    }
                    let content_type = p
                        .get("contentType")
                        .and_then(Json::as_str)
                        .filter(|s| !s.is_empty());
                    if is_file {
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
                            self.warnings.push(format!(
                                "request `{name}`: file field `{k}` has no file; it is left out"
                            ));
                            continue;
                        };
                        if srcs.len() > 1 {
                            notes.push(format!("multipart field `{k}` has {} files in Postman; only the first is sent", srcs.len()));
                            self.warnings.push(format!("request `{name}`: file field `{k}` has several files; only the first is kept"));
                        }
                        let mut f = Y::map();
                        f.put("file", Y::str(first.clone()));
                        if let Some(ct) = content_type {
                            f.put("content_type", Y::str(ct));
                        }
                        m.put(k, f);
                    } else {
                        if content_type.is_some() {
                            notes.push(format!("multipart field `{k}` had a content type in Postman, which baton does not set for text parts"));
                        }
                        let y = self.scalar(p.get("value").unwrap_or(&Json::Null));
                        m.put(k, y);
                    }
                }
                (Some(("multipart", m)), Some("multipart/form-data"), notes)
            }
            "file" => match b
                .get("file")
                .and_then(|f| f.get("src"))
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(src) => (
                    Some(("body", Y::Map(vec![("file".into(), Y::str(src))]))),
                    None,
                    notes,
                ),
                None => {
                    notes.push("the Postman body is a file, but no file is selected; add `body: { file: PATH }`".into());
                    self.warnings.push(format!(
                        "request `{name}`: binary body has no file; it is left out"
                    ));
                    (None, None, notes)
                }
            },
            "graphql" => {
                let g = b.get("graphql").cloned().unwrap_or(Json::Null);
                let mut obj = serde_json::Map::new();
                obj.insert(
                    "query".into(),
                    Json::String(g.get("query").map(text).unwrap_or_default()),
                );
                match g.get("variables") {
                    Some(Json::String(s)) if !s.trim().is_empty() => {
                        match parse_templated_json(s) {
                            Some(v) => {
                                obj.insert("variables".into(), v);
                            }
                            None => {
                                notes.push(
                                    "GraphQL variables do not parse as JSON; sent as a string"
                                        .into(),
                                );
                                obj.insert("variables".into(), Json::String(s.clone()));
                            }
                        }
                    }
                    Some(v @ Json::Object(_)) => {
                        obj.insert("variables".into(), v.clone());
                    }
                    _ => {}
                }
                (
                    Some(("json", self.value(&Json::Object(obj)))),
                    Some("application/json"),
                    notes,
                )
            }
            "none" => (None, None, notes),
            other => {
                notes.push(format!(
                    "postman body mode `{other}` is not supported; write the body by hand"
                ));
                self.warnings.push(format!(
                    "request `{name}`: body mode `{other}` is not supported; the body is left out"
                ));
                (None, None, notes)
            }
        }
    }
}

/// `[(name, value, disabled)]` from a v2 header list or a v1-style header string.
fn header_list(v: Option<&Json>) -> Vec<(String, String, bool)> {
    match v {
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|h| {
                let k = h.get("key").and_then(Json::as_str)?.trim().to_string();
                (!k.is_empty())
                    .then(|| (k, h.get("value").map(text).unwrap_or_default(), disabled(h)))
            })
            .collect(),
        Some(Json::String(s)) => s
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                let k = k.trim();
                let (k, off) = match k.strip_prefix("//") {
                    Some(k) => (k.trim(), true),
                    None => (k, false),
                };
                Some((k.to_string(), v.trim().to_string(), off))
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn build_url(o: &serde_json::Map<String, Json>) -> String {
    let join = |v: Option<&Json>, sep: &str| match v {
        Some(Json::Array(a)) => a.iter().map(text).collect::<Vec<_>>().join(sep),
        Some(v) => text(v),
        None => String::new(),
    };
    let mut url = String::new();
    if let Some(p) = o.get("protocol").and_then(Json::as_str) {
        url.push_str(p);
        url.push_str("://");
    }
    url.push_str(&join(o.get("host"), "."));
    if let Some(port) = o.get("port") {
        url.push(':');
        url.push_str(&text(port));
    }
    let path = join(o.get("path"), "/");
    if !path.is_empty() {
        url.push('/');
        url.push_str(&path);
    }
    url
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

fn expect_map(t: &Translated) -> Y {
    let mut e = Y::map();
    match t.status.as_slice() {
        [] => {}
        [one] => e.put("status", Y::Int(*one)),
        many => e.put("status", Y::Seq(many.iter().map(|s| Y::Int(*s)).collect())),
    }
    let merge = |list: &[(String, Y)]| {
        let mut m = Y::map();
        for (k, v) in list {
            match m.get_mut(k) {
                None => m.put(k.clone(), v.clone()),
                Some(Y::Map(old)) => {
                    if let Y::Map(new) = v {
                        for (nk, nv) in new {
                            if !old.iter().any(|(ok, _)| ok == nk) {
                                old.push((nk.clone(), nv.clone()));
                            }
                        }
                    }
                }
                Some(_) => {}
            }
        }
        m
    };
    let h = merge(&t.headers);
    if !h.is_empty_map() {
        e.put("headers", h);
    }
    let j = merge(&t.json);
    if !j.is_empty_map() {
        e.put("json", j);
    }
    if let Some(first) = t.body.first() {
        let mut b = first.clone();
        for more in &t.body[1..] {
            if let (Y::Map(old), Y::Map(new)) = (&mut b, more) {
                for (k, v) in new {
                    if !old.iter().any(|(ok, _)| ok == k) {
                        old.push((k.clone(), v.clone()));
                    }
                }
            }
        }
        e.put("body", b);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(slug("🔐 Auth"), "auth");
        assert_eq!(slug("User & Settings"), "user-settings");
        assert_eq!(slug("🤖"), "collection");
    }
}
