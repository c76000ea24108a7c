//! Variable scopes and precedence: collection `vars` < `--env` files < `--var` < `--mock`,
//! and the check that every template only reads variables defined by then.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as Json;

use crate::collection::load::{is_identifier, parse_yaml};
use crate::collection::model::{Auth, Body, Collection, Part, Step, TValue};
use crate::diag::{Diag, Diags};
use crate::source::{SourceFile, did_you_mean};
use crate::template::{Tmpl, Vars};

/// Values set from outside the collection, already in precedence order (later wins).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub values: Vec<(String, Json)>,
}

impl Overrides {
    pub fn set(&mut self, name: impl Into<String>, value: Json) {
        let name = name.into();
        self.values.retain(|(k, _)| *k != name);
        self.values.push((name, value));
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values.iter().any(|(k, _)| k == name)
    }

    /// Read an `--env FILE`: a YAML map of names to values; string values may use templates
    /// (functions such as `secret('NAME')`, and names set earlier in the same file).
    pub fn load_env_file(&mut self, path: &Path) -> Result<(), Vec<Diag>> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| vec![crate::collection::load::io_error(path, &e)])?;
        let file = SourceFile::new(path, text);
        let node = parse_yaml(&file).map_err(|d| vec![d])?;
        let mut d = Diags::new(&file);
        crate::collection::load::duplicate_keys(&node, &mut d);
        let Some(map) = node.as_map() else {
            if !matches!(node.kind, crate::yaml::Kind::Null) {
                d.error(
                    node.pos,
                    "an --env file must be a map of variable names to values",
                )
                .help("write one `name: value` per line");
            }
            return if d.is_empty() { Ok(()) } else { Err(d.list) };
        };
        let mut scope = Vars::new();
        for (k, v) in map {
            if !is_identifier(&k.name) {
                d.error(k.pos, format!("`{}` is not a valid variable name", k.name))
                    .help("use letters, digits and `_`, not starting with a digit");
                continue;
            }
            let tv = TValue::from_node(v, &mut d);
            match tv.render(&scope) {
                Ok(value) => {
                    scope.set(k.name.clone(), &value);
                    self.set(k.name.clone(), value);
                }
                Err(e) => {
                    d.error(v.pos, e.to_string());
                }
            }
        }
        if d.is_empty() { Ok(()) } else { Err(d.list) }
    }
}

/// The scope a collection starts from: its `vars` (rendered in order, skipping the ones
/// overridden from outside, so an overridden `secret()` need not be set), then the overrides.
pub fn initial_scope(c: &Collection, overrides: &Overrides) -> Result<Vars, Vec<Diag>> {
    let mut scope = Vars::new();
    for (k, v) in &overrides.values {
        scope.set(k.clone(), v);
    }
    let mut d = Diags::new(&c.file);
    for (name, value) in &c.vars {
        if overrides.contains(name) {
            continue;
        }
        match value.render(&scope) {
            Ok(v) => scope.set(name.clone(), &v),
            Err(e) => {
                let pos = first_pos(value).unwrap_or_default();
                d.error(pos, format!("variable `{name}`: {e}"));
            }
        }
    }
    if d.is_empty() { Ok(scope) } else { Err(d.list) }
}

fn first_pos(v: &TValue) -> Option<crate::source::Pos> {
    let mut ts = Vec::new();
    v.templates(&mut ts);
    ts.first().map(|t| t.pos)
}

/// Every template of the collection, in order, must read only variables defined by then:
/// outside values, collection vars, earlier captures and earlier includes' vars.
pub fn check_undefined(c: &Collection, overrides: &Overrides) -> Vec<Diag> {
    let mut defined: BTreeSet<String> = overrides.values.iter().map(|(k, _)| k.clone()).collect();
    let mut errors = Vec::new();
    let mut d = Diags::new(&c.file);
    for (name, value) in &c.vars {
        let mut ts = Vec::new();
        value.templates(&mut ts);
        report(&ts, &defined, &mut d);
        defined.insert(name.clone());
    }
    errors.append(&mut d.list);
    for step in &c.steps {
        match step {
            Step::IncludeVars { file, vars } => {
                let mut d = Diags::new(file);
                for (name, value) in vars {
                    let mut ts = Vec::new();
                    value.templates(&mut ts);
                    report(&ts, &defined, &mut d);
                    defined.insert(name.clone());
                }
                errors.append(&mut d.list);
            }
            Step::Request(r) => {
                let mut d = Diags::new(&r.span.file);
                report(&request_templates(r), &defined, &mut d);
                errors.append(&mut d.list);
                for cap in &r.captures {
                    defined.insert(cap.var.clone());
                }
            }
        }
    }
    errors
}

fn report(templates: &[&Tmpl], defined: &BTreeSet<String>, d: &mut Diags) {
    for t in templates {
        for name in t.variables() {
            if defined.contains(name) {
                continue;
            }
            let diag = d.error(t.pos, format!("variable `{name}` is not defined"));
            if let Some(s) = did_you_mean(name, defined.iter().map(String::as_str)) {
                diag.label(format!("did you mean `{s}`?"));
            }
            if defined.is_empty() {
                diag.note("no variables are defined at this point");
            } else {
                let list: Vec<&str> = defined.iter().map(String::as_str).collect();
                diag.note(format!("variables in scope: {}", list.join(", ")));
            }
            diag.help(format!("define `{name}` in `vars:`, capture it in an earlier request, or pass --var {name}=..."));
        }
    }
}

/// Every template a request renders before or after sending.
pub fn request_templates(r: &crate::collection::model::Request) -> Vec<&Tmpl> {
    let mut ts: Vec<&Tmpl> = Vec::new();
    if let Some(w) = &r.when {
        ts.push(w);
    }
    ts.push(&r.url);
    for (_, v) in &r.query {
        v.templates(&mut ts);
    }
    for (_, v) in &r.headers {
        ts.push(v);
    }
    match &r.body {
        Some(Body::Json(v)) => v.templates(&mut ts),
        Some(Body::Form(f)) => f.iter().for_each(|(_, v)| v.templates(&mut ts)),
        Some(Body::Multipart(parts)) => parts.iter().for_each(|(_, p)| {
            if let Part::Text(v) = p {
                v.templates(&mut ts);
            }
        }),
        Some(Body::Raw(t)) => ts.push(t),
        Some(Body::File(_)) | None => {}
    }
    match &r.auth {
        Auth::None => {}
        Auth::Basic { username, password } => ts.extend([username, password]),
        Auth::Bearer(t) => ts.push(t),
        Auth::ApiKey { value, .. } => ts.push(value),
        Auth::OAuth2(o) => {
            ts.extend([&o.token_url, &o.client_id, &o.client_secret]);
            ts.extend(o.scope.as_ref());
        }
    }
    ts.extend(r.expect.templates());
    ts
}

/// Parse `--var NAME=VALUE`.
pub fn parse_var_arg(arg: &str) -> Result<(String, String), String> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| format!("--var `{arg}`: expected NAME=VALUE"))?;
    if !is_identifier(k) {
        return Err(format!("--var `{arg}`: `{k}` is not a valid variable name"));
    }
    Ok((k.to_string(), v.to_string()))
}
