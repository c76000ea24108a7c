//! Postman collections (v2.0 and v2.1 JSON) into baton collections.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::writer::{Y, document};
use super::{ImportError, Imported, Names, slug, template};
use crate::template::GLOBALS;

mod body;
mod request;

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
        let mut file = slug(&title, "collection");
        let mut i = 2;
        while !used_files.insert(file.clone()) {
            file = format!("{}-{i}", slug(&title, "collection"));
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
        doc.order(crate::format::keys::TOP);
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
}

#[cfg(test)]
mod tests;
