//! The undefined-variable check: every template of a collection, in order, reads only
//! variables defined by then (outside values, collection vars, earlier captures, earlier
//! includes' vars, and `item`/`index` inside a `for_each` request).

use std::collections::BTreeSet;

use super::model::{Action, Auth, Body, Collection, Part, Pred, Request, RespondBody, Step};
use crate::problem::source::did_you_mean;
use crate::problem::{Diag, Diags};
use crate::template::{TValue, Tmpl};

/// Problems of `c`, given the names defined from outside (`--env`, `--var`, `--mock`, ...).
pub fn undefined(c: &Collection, outside: &BTreeSet<String>) -> Vec<Diag> {
    let mut defined = outside.clone();
    let mut errors = Vec::new();
    let mut d = Diags::new(&c.file);
    for (name, value) in &c.vars {
        report(&templates_of(value), &defined, &mut d);
        defined.insert(name.clone());
    }
    errors.append(&mut d.list);
    for step in &c.steps {
        match step {
            Step::IncludeVars { file, vars } => {
                let mut d = Diags::new(file);
                for (name, value) in vars {
                    report(&templates_of(value), &defined, &mut d);
                    defined.insert(name.clone());
                }
                errors.append(&mut d.list);
            }
            Step::Request(r) => {
                let mut d = Diags::new(&r.span.file);
                if let Some(f) = &r.for_each {
                    report(&templates_of(f), &defined, &mut d);
                }
                // A `for_each` request also sees `item` and `index`: added for it and taken
                // out again (a copy of `defined` per request made `check` quadratic).
                let mut added = Vec::new();
                if r.for_each.is_some() {
                    for n in ["item", "index"] {
                        if defined.insert(n.to_string()) {
                            added.push(n);
                        }
                    }
                }
                report(&request_templates(r), &defined, &mut d);
                for n in added {
                    defined.remove(n);
                }
                errors.append(&mut d.list);
                for cap in &r.captures {
                    defined.insert(cap.var.clone());
                }
            }
        }
    }
    errors
}

fn templates_of(v: &TValue) -> Vec<&Tmpl> {
    let mut ts = Vec::new();
    v.templates(&mut ts);
    ts
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
            match name.as_str() {
                "callback_url" => diag.help("`callback_url` is set when a collection of the run has a `receive` step (the URL senders reach baton at)"),
                "item" | "index" => diag.help(format!("`{name}` is set only in a request with `for_each`")),
                _ => diag.help(format!("define `{name}` in `vars:`, capture it in an earlier request, or pass --var {name}=...")),
            };
        }
    }
}

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
