//! Postman collections (v2.0 and v2.1 JSON) into baton collections, with the same verdicts
//! as Newman where the scripts allow (SPEC section 6).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::writer::Y;
use super::{ImportError, Imported, Names, template};
use crate::template::GLOBALS;

mod auth;
mod body;
mod expect;
mod files;
mod request;
mod scope;
pub(crate) mod script;
mod trust;
mod url;

use scope::Scope;

/// Converts a Postman collection. With `split_folders`, each top-level folder becomes a file
/// of its own (requests outside folders go to a file named after the collection).
pub fn postman(json: &str, split_folders: bool) -> Result<Imported, ImportError> {
    postman_to(json, split_folders.then_some(Path::new("")))
}

/// Converts a Postman collection whose files go to `out` (one per top-level folder), or to
/// standard output when `out` is `None`; the per-request notes name where each request is.
pub fn postman_to(json: &str, out: Option<&Path>) -> Result<Imported, ImportError> {
    let root: Json = serde_json::from_str(json)?;
    let (obj, items) = collection_parts(&root)?;
    // v2 keeps the name under `info`; Newman also reads one at the top.
    let name = obj
        .get("info")
        .and_then(|i| i.get("name"))
        .or_else(|| obj.get("name"))
        .and_then(Json::as_str)
        .unwrap_or("postman")
        .to_string();

    let mut cx = Cx {
        trust: trust::trust(&root, obj.get("event"), items),
        ..Cx::default()
    };
    for name in &cx.trust.absent {
        cx.warnings.push(format!(
            "scripts read variable `{name}`, which nothing in the collection sets: taken as unset, as in Newman without an environment, where a condition on it skips no check (giving it later with --var does not change what the import decided)"
        ));
    }
    let mut vars = Vec::new();
    cx.variables(obj.get("variable"), &mut vars, "the collection");
    let default_auth = cx.collection_auth(obj.get("auth"));
    let scope = scope::scope(
        &mut cx,
        obj.get("event"),
        "collection",
        &Scope::default(),
        None,
    );
    let top = std::mem::take(&mut cx.scope_notes);
    cx.top_comments.extend(top);

    let mut flat = Vec::new();
    cx.walk(items, &[], &scope, &mut flat, &mut vars);
    cx.script_vars(&mut vars);
    let groups = group(flat, out.is_some());
    let mut imported = Imported::default();
    files::files(
        &mut cx,
        groups,
        &name,
        &vars,
        default_auth.as_ref(),
        out,
        &mut imported,
    );
    imported.warnings = cx.all_warnings();
    Ok(imported)
}

/// The collection object and its items, or why this is not a v2 collection.
fn collection_parts(root: &Json) -> Result<(&serde_json::Map<String, Json>, &[Json]), ImportError> {
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
    Ok((obj, items))
}

/// Requests grouped by output file: one group, or one per top-level folder.
fn group(flat: Vec<Flat>, split: bool) -> Vec<(Option<String>, Vec<Flat>)> {
    let mut groups: Vec<(Option<String>, Vec<Flat>)> = Vec::new();
    for f in flat {
        let key = if split { f.folder.clone() } else { None };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    if groups.is_empty() {
        groups.push((None, Vec::new()));
    }
    groups
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
    /// Variables that pre-request scripts set to values known at import.
    pre_vars: Vec<(String, Y)>,
    /// Comments of the scope (collection or folder) just read.
    scope_notes: Vec<String>,
    /// Variables a request's scripts unset, as the requests are read in order: from then
    /// on `{{name}}` is sent as its text (as Newman does) until a script sets it again.
    unset: BTreeSet<String>,
    /// Variables scripts set so far, and those the collection and folders define.
    script_set: BTreeSet<String>,
    declared: BTreeSet<String>,
    /// Which variables checks may read at run time.
    trust: script::Trust,
    /// The number of the next request, in order from 0.
    next_request: usize,
    /// Values of the variables the collection and folders define, as Postman has them,
    /// when they are plain text.
    declared_text: BTreeMap<String, String>,
}

/// One request with everything it inherits from its folders.
struct Flat {
    folder: Option<String>,
    /// Folder names, outermost first.
    path: Vec<String>,
    name: String,
    body: Y,
    /// Comments of the folders that start with this request.
    notes: Vec<String>,
    /// Checks and captures written, and assertions left as comments.
    kept: usize,
    dropped: usize,
}

impl Flat {
    fn request(mut self, split: bool) -> Y {
        let skip = usize::from(split && self.folder.is_some());
        let mut parts: Vec<&str> = self.path.iter().skip(skip).map(String::as_str).collect();
        parts.push(&self.name);
        if let Y::Map(entries) = &mut self.body {
            entries.insert(0, ("name".into(), Y::str(parts.join(" / "))));
        }
        if self.notes.is_empty() {
            self.body
        } else {
            Y::Noted(self.notes, Box::new(self.body))
        }
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

/// A script's source (Postman stores it as an array of lines or one string).
fn exec_source(event: &Json) -> String {
    let exec = event.get("script").and_then(|s| s.get("exec"));
    match exec {
        Some(Json::Array(lines)) => lines
            .iter()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Json::String(s)) => s.clone(),
        _ => String::new(),
    }
    .replace("\r\n", "\n")
}

impl Cx {
    fn tpl(&mut self, s: &str) -> String {
        let mut unknown = Vec::new();
        let out = template(s, &mut self.names, &mut unknown);
        for u in unknown {
            *self.unknown_dynamic.entry(u).or_default() += 1;
        }
        as_text(&self.unset, out)
    }

    fn value(&mut self, v: &Json) -> Y {
        let unset = self.unset.clone();
        Y::from_json(v, &mut |s| {
            let mut unknown = Vec::new();
            let out = template(s, &mut self.names, &mut unknown);
            for u in unknown {
                *self.unknown_dynamic.entry(u).or_default() += 1;
            }
            as_text(&unset, out)
        })
    }

    /// What a script does to the variables, for the requests after it.
    fn apply(&mut self, effects: &[script::Effect]) {
        for e in effects {
            match e {
                script::Effect::Set(n) => {
                    self.unset.remove(n);
                    self.script_set.insert(n.clone());
                }
                script::Effect::Unset(n) if self.declared.contains(n) => {
                    self.warnings.push(format!("a script unsets `{n}`, which the collection defines; baton keeps sending the collection's value"));
                }
                script::Effect::Unset(n) => {
                    self.unset.insert(n.clone());
                }
                script::Effect::UnsetAll => {
                    let set: Vec<String> = self
                        .script_set
                        .difference(&self.declared)
                        .cloned()
                        .collect();
                    self.unset.extend(set);
                }
            }
        }
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

    fn collection_auth(&mut self, auth: Option<&Json>) -> Option<Y> {
        match auth.map(|a| auth::auth(self, a)) {
            Some(AuthOut::Set(y)) => Some(y),
            Some(AuthOut::Unsupported(kind)) => {
                self.warnings.push(format!(
                    "collection auth type `{kind}` is not supported; requests are sent without it"
                ));
                self.top_comments.push(format!(
                    "postman collection auth `{kind}` is not supported by baton"
                ));
                None
            }
            _ => None,
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
            self.declared.insert(name.clone());
            if let Some(Json::String(v)) = var.get("value")
                && !v.contains('{')
                && var.get("type").and_then(Json::as_str) != Some("secret")
            {
                self.declared_text.entry(name.clone()).or_insert(v.clone());
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
        scope: &Scope,
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
                let inner = scope::scope(
                    self,
                    item.get("event"),
                    &format!("folder `{name}`"),
                    scope,
                    item.get("auth"),
                );
                let notes = std::mem::take(&mut self.scope_notes);
                let start = out.len();
                self.walk(children, &inner_path, &inner, out, vars);
                match out.get_mut(start) {
                    Some(first) => {
                        first.notes.splice(0..0, notes);
                    }
                    None => self.top_comments.extend(notes),
                }
            } else {
                let (body, kept, dropped) = request::request(self, item, &name, scope);
                out.push(Flat {
                    folder: path.first().cloned(),
                    path: path.to_vec(),
                    name,
                    body,
                    notes: Vec::new(),
                    kept,
                    dropped,
                });
            }
        }
    }

    /// Variables scripts set to values known at import: they win over the collection's own
    /// (Postman's environment does); when two scripts disagree, the first is kept.
    fn script_vars(&mut self, vars: &mut Vec<(String, Y)>) {
        let mut seen: Vec<(String, Y)> = Vec::new();
        for (k, v) in std::mem::take(&mut self.pre_vars) {
            match seen.iter().find(|(n, _)| *n == k) {
                Some((_, old)) if *old != v => self.warnings.push(format!(
                    "scripts set `{k}` to different values; the first ({}) is kept in `vars`",
                    super::writer::flow(old)
                )),
                Some(_) => {}
                None => seen.push((k, v)),
            }
        }
        for (k, v) in seen {
            match vars.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => slot.1 = v,
                None => vars.push((k, v)),
            }
        }
    }

    fn all_warnings(&mut self) -> Vec<String> {
        let mut warnings = self.names.warnings();
        warnings.append(&mut self.warnings);
        for (d, count) in &self.unknown_dynamic {
            warnings.push(format!(
                "Postman dynamic variable `{d}` has no baton equivalent; {count} use(s) replaced by the text `{}`",
                d.trim_start_matches("{{").trim_end_matches("}}")
            ));
        }
        if self.unconverted > 0 {
            warnings.push(format!(
                "{} script lines not converted; see comments",
                self.unconverted
            ));
        }
        warnings
    }
}

/// `{{ name }}` of a variable scripts unset, written as the text `{{name}}` Newman sends.
fn as_text(unset: &BTreeSet<String>, mut out: String) -> String {
    for n in unset {
        out = out.replace(
            &format!("{{{{ {n} }}}}"),
            &format!("{{{{ '{{{{' }}}}{n}}}}}"),
        );
    }
    out
}

/// Where a generated file's text goes: `<stdout>` or its path.
fn shown_path(out: Option<&Path>, file: &str) -> String {
    match out {
        None => "<stdout>".into(),
        Some(dir) => dir.join(file).display().to_string(),
    }
}

#[cfg(test)]
mod tests;
