//! The undefined-variable check: every template of a collection, in order, reads only
//! variables defined by then (outside values, collection vars, earlier captures, earlier
//! includes' vars, and `item`/`index` inside a `for_each` request).

use std::collections::BTreeSet;
use std::sync::Arc;

use super::model::{
    Action, Auth, Body, Collection, Outline, Part, Pred, Request, RespondBody, Step,
};
use crate::problem::source::{SourceFile, did_you_mean};
use crate::problem::{Diag, Diags};
use crate::template::{TValue, Tmpl};

/// Problems of `c`, given the names defined from outside (`--env`, `--var`, `--mock`, ...);
/// `in_env` says whether a name is an environment variable (`--env-file`), which a
/// template reads with `secret()` or `env()`, not by its bare name.
pub fn undefined(
    c: &Collection,
    outside: &BTreeSet<String>,
    in_env: &dyn Fn(&str) -> bool,
) -> Vec<Diag> {
    let mut defined = outside.clone();
    let mut errors = Vec::new();
    let mut d = Diags::new(&c.file);
    for (name, value) in &c.vars {
        report(&templates_of(value), &defined, in_env, &mut d);
        defined.insert(name.clone());
    }
    errors.append(&mut d.list);
    for step in &c.steps {
        if let Step::IncludeVars { file, vars } = step {
            let mut d = Diags::new(file);
            for (name, value) in vars {
                report(&templates_of(value), &defined, in_env, &mut d);
                defined.insert(name.clone());
            }
            errors.append(&mut d.list);
        }
        let Some(p) = parts(step) else { continue };
        let mut d = Diags::new(p.file);
        report(&p.for_each, &defined, in_env, &mut d);
        // A `for_each` request also sees `item` and `index`: added for it and taken out
        // again (a copy of `defined` per request made `check` quadratic).
        let mut added = Vec::new();
        if p.loops {
            for n in ["item", "index"] {
                if defined.insert(n.to_string()) {
                    added.push(n);
                }
            }
        }
        report(&p.templates, &defined, in_env, &mut d);
        for n in added {
            defined.remove(n);
        }
        errors.append(&mut d.list);
        for cap in p.captures {
            defined.insert(cap.to_string());
        }
    }
    errors
}

/// What the checks read of a request step, whether the request or its outline.
struct Parts<'a> {
    file: &'a Arc<SourceFile>,
    /// Whether it has `for_each`, and the templates of its `for_each`.
    loops: bool,
    for_each: Vec<&'a Tmpl>,
    templates: Vec<&'a Tmpl>,
    captures: Vec<&'a str>,
}

/// A request step's parts (None for an included file's `vars`).
fn parts(step: &Step) -> Option<Parts<'_>> {
    match step {
        Step::IncludeVars { .. } => None,
        Step::Request(r) => Some(Parts {
            file: &r.span.file,
            loops: r.for_each.is_some(),
            for_each: r.for_each.as_ref().map(templates_of).unwrap_or_default(),
            templates: request_templates(r),
            captures: r.captures.iter().map(|c| c.var.as_str()).collect(),
        }),
        Step::Outline(o) => Some(Parts {
            file: &o.span.file,
            loops: o.for_each.is_some(),
            for_each: o.for_each.iter().flat_map(|f| f.iter()).collect(),
            templates: o.templates.iter().collect(),
            captures: o.captures.iter().map(String::as_str).collect(),
        }),
    }
}

/// What `check` keeps of `r`: its templates that read something (a variable, `env()`,
/// `secret()`), its captures' names and its URL; the rest of the request is dropped.
pub fn outline(r: &Request) -> Outline {
    let reads = |t: &&Tmpl| !t.is_literal();
    let for_each = r
        .for_each
        .as_ref()
        .map(|f| templates_of(f).into_iter().filter(reads).cloned().collect());
    Outline {
        name: r.name.clone(),
        span: r.span.clone(),
        url: match &r.action {
            Action::Send(s) => Some(s.url.clone()),
            Action::Receive(_) => None,
        },
        for_each,
        templates: request_templates(r)
            .into_iter()
            .filter(reads)
            .cloned()
            .collect(),
        captures: r.captures.iter().map(|c| c.var.clone()).collect(),
        receives: matches!(r.action, Action::Receive(_)),
    }
}

fn templates_of(v: &TValue) -> Vec<&Tmpl> {
    let mut ts = Vec::new();
    v.templates(&mut ts);
    ts
}

fn report(
    templates: &[&Tmpl],
    defined: &BTreeSet<String>,
    in_env: &dyn Fn(&str) -> bool,
    d: &mut Diags,
) {
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
                diag.note(in_scope(defined));
            }
            match name.as_str() {
                "callback_url" => diag.help("`callback_url` is set when a collection of the run has a `receive` step (the URL senders reach baton at)"),
                "item" | "index" => diag.help(format!("`{name}` is set only in a request with `for_each`")),
                _ if in_env(name) => diag.help(format!("`{name}` is an environment variable (an --env-file or the process's): read it with `{{{{ secret('{name}') }}}}` (masked in every report) or `{{{{ env('{name}') }}}}`")),
                _ => diag.help(format!("define `{name}` in `vars:`, capture it in an earlier request, or pass --var {name}=...")),
            };
        }
    }
}

/// The note naming the variables in scope: all of them, or the first `IN_SCOPE_SHOWN` and
/// how many more (a collection that captures in every request has thousands).
fn in_scope(defined: &BTreeSet<String>) -> String {
    let list: Vec<&str> = defined
        .iter()
        .take(IN_SCOPE_SHOWN)
        .map(String::as_str)
        .collect();
    let more = defined.len().saturating_sub(IN_SCOPE_SHOWN);
    if more == 0 {
        format!("variables in scope: {}", list.join(", "))
    } else {
        format!("variables in scope: {}, and {more} more", list.join(", "))
    }
}

const IN_SCOPE_SHOWN: usize = 30;

/// Every template a request renders (not `for_each`, which renders before it).
pub fn request_templates(r: &Request) -> Vec<&Tmpl> {
    let mut ts: Vec<&Tmpl> = Vec::new();
    if let Some(w) = &r.when {
        ts.push(w);
    }
    match &r.action {
        Action::Send(s) => {
            ts.push(&s.url);
            for (_, v) in &s.query {
                v.templates(&mut ts);
            }
            for (_, v) in &s.headers {
                ts.push(v);
            }
            match &s.body {
                Some(Body::Json(v)) => v.templates(&mut ts),
                Some(Body::Form(f)) => f.iter().for_each(|(_, v)| v.templates(&mut ts)),
                Some(Body::Multipart(parts)) => parts.iter().for_each(|(_, p)| {
                    if let Part::Text(v) = p {
                        v.templates(&mut ts);
                    }
                }),
                Some(Body::Raw(t)) => ts.push(t),
                Some(Body::GraphQl {
                    query,
                    variables,
                    operation_name,
                }) => {
                    ts.push(query);
                    if let Some(v) = variables {
                        v.templates(&mut ts);
                    }
                    ts.extend(operation_name);
                }
                Some(Body::File(_)) | None => {}
            }
            match &s.auth {
                Auth::None => {}
                Auth::Basic { username, password } => ts.extend([username, password]),
                Auth::Bearer(t) => ts.push(t),
                Auth::ApiKey { value, .. } => ts.push(value),
                Auth::OAuth2(o) => {
                    ts.extend([&o.token_url, &o.client_id, &o.client_secret]);
                    ts.extend(o.scope.as_ref());
                    ts.extend(o.params.iter().map(|(_, t)| t));
                }
                Auth::Digest { username, password } => ts.extend([username, password]),
                Auth::AwsSigV4(a) => {
                    ts.extend([
                        &a.access_key_id,
                        &a.secret_access_key,
                        &a.region,
                        &a.service,
                    ]);
                    ts.extend(a.session_token.as_ref());
                }
            }
        }
        Action::Receive(rc) => {
            ts.extend(rc.path_template.as_ref());
            ts.extend(rc.respond.headers.iter().map(|(_, t)| t));
            match &rc.respond.body {
                RespondBody::Json(v) => v.templates(&mut ts),
                RespondBody::Text(t) => ts.push(t),
                RespondBody::None => {}
            }
        }
    }
    for item in &r.expect.items {
        for c in &item.checks {
            pred_templates(&c.pred, &mut ts);
        }
    }
    ts
}

fn pred_templates<'a>(p: &'a Pred, ts: &mut Vec<&'a Tmpl>) {
    if let Some(v) = p.value() {
        return v.templates(ts);
    }
    match p {
        Pred::Matches(super::model::Matcher::Template(t)) => ts.push(t),
        Pred::Jwt(j) => {
            ts.push(&j.key);
            for (_, checks) in &j.claims {
                for c in checks {
                    pred_templates(&c.pred, ts);
                }
            }
        }
        _ => {}
    }
}

/// `env('NAME')` without a default, and `secret('NAME')`, with a literal name.
static ENV_CALL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"\b(env|secret)\s*\(\s*(?:'([^'\\]*)'|"([^"\\]*)")\s*([,)])"#)
        .expect("a valid regex")
});

/// The environment variables `t` reads with `secret()` or with `env()` without a default,
/// each with the function that reads it.
fn env_reads(t: &Tmpl) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    // Most templates call neither: no need to run the regex over them.
    if !t.source.contains("env") && !t.source.contains("secret") {
        return out;
    }
    for c in ENV_CALL.captures_iter(&t.source) {
        let func = if &c[1] == "env" { "env" } else { "secret" };
        if func == "env" && &c[4] == "," {
            continue; // a default is given
        }
        let name = c.get(2).or_else(|| c.get(3)).map_or("", |m| m.as_str());
        if !out.iter().any(|(f, n)| *f == func && n == name) {
            out.push((func, name.to_string()));
        }
    }
    out
}

/// Every `env()` without a default and `secret()` of a request (auth, `defaults` and inline
/// values included) or of an included file's `vars` whose variable `is_set` says is unset:
/// found before anything is sent, not when the request is about to go. The collection's own
/// `vars` are left to the starting scope, which renders them (and skips overridden ones).
pub fn unset_env(c: &Collection, is_set: &dyn Fn(&str) -> bool) -> Vec<Diag> {
    let mut errors = Vec::new();
    // A `defaults` value is in every request: said once.
    let mut seen = BTreeSet::new();
    for step in &c.steps {
        let (file, templates) = match step {
            Step::IncludeVars { file, vars } => {
                let mut ts = Vec::new();
                vars.iter().for_each(|(_, v)| v.templates(&mut ts));
                (file, ts)
            }
            step => {
                let Some(p) = parts(step) else { continue };
                let mut ts = p.templates;
                ts.extend(p.for_each);
                (p.file, ts)
            }
        };
        let mut d = Diags::new(file);
        for t in templates {
            for (func, name) in env_reads(t) {
                if is_set(&name) || !seen.insert((file.path.clone(), t.pos, name.clone())) {
                    continue;
                }
                let diag = d.error(t.pos, format!("environment variable `{name}` is not set"));
                diag.label(format!("read by `{func}('{name}')`"));
                if func == "env" {
                    diag.help(format!(
                        "set it, load it with --env-file, or give a default: env('{name}', '...')"
                    ));
                } else {
                    diag.help("set it, or load it with --env-file (a dotenv file)");
                }
            }
        }
        errors.append(&mut d.list);
    }
    errors
}

/// The variables a collection reads (in any template) or defines in its `vars` (its own and
/// its includes'): what a value from outside (`--var`, a mock's `serves`) can be for.
pub fn used_variables(c: &Collection) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut read = |ts: Vec<&Tmpl>| {
        for t in ts {
            used.extend(t.variables().iter().cloned());
        }
    };
    for (_, v) in &c.vars {
        read(templates_of(v));
    }
    for step in &c.steps {
        match step {
            Step::IncludeVars { vars, .. } => vars.iter().for_each(|(_, v)| read(templates_of(v))),
            step => {
                if let Some(p) = parts(step) {
                    read(p.templates);
                    read(p.for_each);
                }
            }
        }
    }
    used.extend(c.vars.iter().map(|(k, _)| k.clone()));
    for step in &c.steps {
        if let Step::IncludeVars { vars, .. } = step {
            used.extend(vars.iter().map(|(k, _)| k.clone()));
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::source::Pos;

    fn reads(src: &str) -> Vec<(&'static str, String)> {
        env_reads(&Tmpl::compile(src, Pos::default()).unwrap())
    }

    #[test]
    fn env_reads_without_a_default_and_every_secret() {
        assert_eq!(
            reads("{{ secret('A') }}/{{ env(\"B\") }}/{{ env('C', 'x') }}/{{ secret('A') }}"),
            vec![("secret", "A".to_string()), ("env", "B".to_string())]
        );
        assert!(reads("{{ env(name) }}").is_empty());
        assert!(reads("{{ myenv('A') }}").is_empty());
    }
}
