//! Checks into a request's `expect` map: checks on one target are merged; two predicates
//! of the same name are both kept (a JSONPath spelled another way, or a `not: { not: }`
//! level) or, when that cannot be written, both left as comments; never reduced to one.

use super::super::writer::Y;
use super::script::{Check, Target};

/// The `expect` map, how many checks it holds, and the checks that could not be written.
pub(super) fn expect_map(checks: &[Check]) -> (Y, usize, Vec<String>) {
    let mut merged: Vec<(Target, Vec<(String, Y)>)> = Vec::new();
    let mut conflicted: Vec<Target> = Vec::new();
    let checks = one_schema(same_header_spelling(checks));
    let checks = checks.as_slice();
    for c in checks {
        let Y::Map(preds) = &c.pred else { continue };
        let mut target = c.target.clone();
        let mut spelling = 0;
        loop {
            let last = respell(&c.target, spelling + 1).is_none();
            match merge_into(&mut merged, &target, preds, last) {
                Ok(()) => break,
                Err(()) if !last => {
                    spelling += 1;
                    target = respell(&c.target, spelling).unwrap_or(target);
                }
                Err(()) => {
                    conflicted.push(c.target.clone());
                    break;
                }
            }
        }
    }
    let mut notes = Vec::new();
    for t in &conflicted {
        if merged.iter().any(|(m, _)| m == t) {
            merged.retain(|(m, _)| m != t);
            notes.push(format!(
                "postman checks on {} disagree (both cannot hold); kept as comments:",
                describe(t)
            ));
            for c in checks.iter().filter(|c| c.target == *t) {
                notes.push(format!("  {}", super::super::writer::flow(&c.pred)));
            }
        }
    }
    let kept = checks
        .iter()
        .filter(|c| !conflicted.contains(&c.target))
        .count();
    (write(merged), kept, notes)
}

/// Several JSON Schemas of the body as one that holds when all of them do (`allOf`): an
/// expectation has one `schema`.
fn one_schema(checks: Vec<Check>) -> Vec<Check> {
    let schemas: Vec<Y> = checks
        .iter()
        .filter(|c| c.target == Target::Schema)
        .filter_map(|c| c.pred.get("schema").cloned())
        .collect();
    if schemas.len() < 2 {
        return checks;
    }
    let mut out: Vec<Check> = checks
        .into_iter()
        .filter(|c| c.target != Target::Schema)
        .collect();
    out.push(Check::new(
        Target::Schema,
        "schema",
        Y::Map(vec![("allOf".into(), Y::Seq(schemas))]),
    ));
    out
}

/// Header names match in any case: each header is written as first spelled.
fn same_header_spelling(checks: &[Check]) -> Vec<Check> {
    let mut seen: Vec<String> = Vec::new();
    checks
        .iter()
        .map(|c| match &c.target {
            Target::Header(h) => {
                let name = match seen.iter().find(|s| s.eq_ignore_ascii_case(h)) {
                    Some(s) => s.clone(),
                    None => {
                        seen.push(h.clone());
                        h.clone()
                    }
                };
                Check {
                    target: Target::Header(name),
                    pred: c.pred.clone(),
                }
            }
            _ => c.clone(),
        })
        .collect()
}

fn merge_into(
    merged: &mut Vec<(Target, Vec<(String, Y)>)>,
    target: &Target,
    preds: &[(String, Y)],
    nest: bool,
) -> Result<(), ()> {
    match merged.iter_mut().find(|(t, _)| t == target) {
        None => {
            merged.push((target.clone(), preds.to_vec()));
            Ok(())
        }
        Some((_, old)) => {
            let clash = preds
                .iter()
                .any(|(k, v)| old.iter().any(|(ok, ov)| ok == k && ov != v));
            if clash && !nest {
                return Err(());
            }
            let mut trial = old.clone();
            for (k, v) in preds {
                add(&mut trial, k, v)?;
            }
            *old = trial;
            Ok(())
        }
    }
}

/// Adds a predicate to a map of predicates that must all hold. A second predicate of the
/// same name (two `contains`, two status codes) goes one level down a `not: { not: ... }`
/// chain, which holds exactly when the map inside it holds.
fn add(m: &mut Vec<(String, Y)>, k: &str, v: &Y) -> Result<(), ()> {
    match m.iter().find(|(ok, _)| ok == k) {
        None => {
            m.push((k.to_string(), v.clone()));
            return Ok(());
        }
        Some((_, ov)) if ov == v => return Ok(()),
        Some(_) if k == "not" => return Err(()),
        Some(_) => {}
    }
    let slot = m.iter().position(|(ok, _)| ok == "not");
    let Some(i) = slot else {
        m.push((
            "not".into(),
            Y::Map(vec![(
                "not".into(),
                Y::Map(vec![(k.to_string(), v.clone())]),
            )]),
        ));
        return Ok(());
    };
    // `not: X` becomes `not: { not: { not: X } }`: the same meaning, with room inside.
    let is_chain = matches!(&m[i].1, Y::Map(x) if x.len() == 1 && x[0].0 == "not" && matches!(x[0].1, Y::Map(_)));
    if !is_chain {
        let x = std::mem::replace(&mut m[i].1, Y::Null);
        m[i].1 = Y::Map(vec![("not".into(), Y::Map(vec![("not".into(), x)]))]);
    }
    match &mut m[i].1 {
        Y::Map(x) => match &mut x[0].1 {
            Y::Map(inner) => add(inner, k, v),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// The same JSONPath written another way (`$.a.b` -> `$.a['b']` -> `$.a["b"]`), so two
/// checks of one value can both be kept.
fn respell(t: &Target, n: usize) -> Option<Target> {
    let Target::Json(p) = t else { return None };
    let dot = p.rfind('.')?;
    let key = &p[dot + 1..];
    if key.is_empty() || key.contains(['[', ']', '\'', '"']) || dot == 0 {
        return None;
    }
    let base = &p[..dot];
    match n {
        1 => Some(Target::Json(format!("{base}['{key}']"))),
        2 => Some(Target::Json(format!("{base}[\"{key}\"]"))),
        _ => None,
    }
}

fn describe(t: &Target) -> String {
    match t {
        Target::Status => "the status".into(),
        Target::Header(h) => format!("header {h}"),
        Target::Json(p) => p.clone(),
        Target::Body => "the body".into(),
        Target::Duration => "the duration".into(),
        Target::Schema => "the JSON Schema".into(),
        Target::Var(v) => format!("variable {v}"),
        Target::Cookie(c) => format!("cookie {c}"),
    }
}

fn write(merged: Vec<(Target, Vec<(String, Y)>)>) -> Y {
    let mut e = Y::map();
    let mut headers = Y::map();
    let mut json = Y::map();
    let mut vars = Y::map();
    let mut cookies = Y::map();
    let (mut status, mut body, mut duration, mut schema) = (None, None, None, None);
    for (t, preds) in merged {
        let v = Check::written(&Y::Map(preds));
        match t {
            Target::Status => status = Some(v),
            Target::Header(h) => headers.put(h, v),
            Target::Json(p) => json.put(p, v),
            Target::Body => body = Some(v),
            Target::Duration => duration = Some(v),
            Target::Schema => schema = v.get("schema").cloned(),
            Target::Var(n) => vars.put(n, v),
            Target::Cookie(c) => cookies.put(c, v),
        }
    }
    if let Some(s) = status {
        e.put("status", s);
    }
    if !headers.is_empty_map() {
        e.put("headers", headers);
    }
    if !json.is_empty_map() {
        e.put("json", json);
    }
    if let Some(b) = body {
        e.put("body", b);
    }
    if let Some(d) = duration {
        e.put("duration", d);
    }
    if let Some(s) = schema {
        e.put("schema", s);
    }
    if !vars.is_empty_map() {
        e.put("vars", vars);
    }
    if !cookies.is_empty_map() {
        e.put("cookies", cookies);
    }
    e
}
