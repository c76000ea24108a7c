//! Reading spanned YAML into typed values, each problem recorded with its place: the helpers
//! every baton file format shares (collections, mock files, `--env` files).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::format::yaml::{Key, Kind, Node};
use crate::problem::Diags;
use crate::problem::source::{Pos, did_you_mean};
use crate::template::{TValue, Tmpl, is_identifier};

/// Unknown keys, with a did-you-mean. A key given twice is reported once, elsewhere.
pub fn check_keys(map: &[(Key, Node)], allowed: &[&str], what: &str, d: &mut Diags) {
    // A request's maps are small: looking at the keys before is cheaper than hashing them.
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, (k, _)) in map.iter().enumerate() {
        if allowed.contains(&k.name.as_str()) {
            continue;
        }
        let again = if map.len() <= 12 {
            map[..i].iter().any(|(f, _)| f.name == k.name)
        } else {
            !seen.insert(&k.name)
        };
        if !again {
            let diag = d.error(k.pos, format!("unknown key `{}` in {what}", k.name));
            match did_you_mean(&k.name, allowed.iter().copied()) {
                Some(s) => diag
                    .label(format!("did you mean `{s}`?"))
                    .help(format!("rename it to `{s}`")),
                None => diag.help(format!("the known keys: {}", allowed.join(", "))),
            };
        }
    }
}

/// The entries of a map, or an error saying `what` must be one.
pub fn map<'a>(node: &'a Node, what: &str, d: &mut Diags) -> Option<&'a [(Key, Node)]> {
    match &node.kind {
        Kind::Map(m) => Some(m),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be a map, found {}", node.type_name()),
            )
            .help(format!(
                "write `{what}:` followed by indented `key: value` lines"
            ));
            None
        }
    }
}

/// A scalar as text (numbers and booleans in their plain form).
pub fn string(node: &Node, what: &str, d: &mut Diags) -> Option<String> {
    match &node.kind {
        Kind::Str(s) => Some(s.clone()),
        Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => node.scalar_text(),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be a string, found {}", node.type_name()),
            );
            None
        }
    }
}

pub fn boolean(node: &Node, what: &str, d: &mut Diags) -> Option<bool> {
    match &node.kind {
        Kind::Bool(b) => Some(*b),
        _ => {
            d.error(
                node.pos,
                format!("`{what}` must be true or false, found {}", node.type_name()),
            );
            None
        }
    }
}

/// A scalar compiled as a template.
pub fn template(node: &Node, what: &str, d: &mut Diags) -> Option<Tmpl> {
    let text = string(node, what, d)?;
    match Tmpl::compile(&text, node.pos) {
        Ok(t) => Some(t),
        Err(e) => {
            d.error(node.pos, format!("`{what}`: {e}"))
                .help("templates use MiniJinja syntax: {{ variable }}, {{ value | filter }}");
            None
        }
    }
}

/// `250ms`, `10s`, `1m`.
pub fn duration(node: &Node, d: &mut Diags) -> Option<Duration> {
    let Kind::Str(text) = &node.kind else {
        d.error(
            node.pos,
            format!(
                "a duration must be text like 250ms, 10s or 1m, found {}",
                node.type_name()
            ),
        )
        .help("add a unit: `10s`, `500ms`");
        return None;
    };
    match crate::duration::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            d.error(node.pos, e);
            None
        }
    }
}

/// Any value, with every string inside compiled as a template.
pub fn tvalue(node: &Node, d: &mut Diags) -> TValue {
    match &node.kind {
        Kind::Null => TValue::Null,
        Kind::Bool(b) => TValue::Bool(*b),
        Kind::Int(i) => TValue::Number((*i).into()),
        Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(TValue::Null, TValue::Number),
        Kind::Str(s) => match Tmpl::compile(s, node.pos) {
            Ok(t) => TValue::Str(t),
            Err(e) => {
                d.error(node.pos, e.to_string())
                    .help("templates use MiniJinja syntax: {{ variable }}, {{ value | filter }}");
                TValue::Null
            }
        },
        Kind::Seq(items) => TValue::Seq(items.iter().map(|n| tvalue(n, d)).collect()),
        Kind::Map(entries) => TValue::Map(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), tvalue(v, d)))
                .collect(),
        ),
    }
}

/// A map of names to template values.
pub fn tvalue_map(node: &Node, what: &str, d: &mut Diags) -> Vec<(String, TValue)> {
    let Some(m) = map(node, what, d) else {
        return Vec::new();
    };
    m.iter()
        .map(|(k, v)| (k.name.clone(), tvalue(v, d)))
        .collect()
}

/// A key that names a variable; an error when templates could not read it.
pub fn variable_name(key: &Key, d: &mut Diags) -> bool {
    if is_identifier(&key.name) {
        return true;
    }
    d.error(
        key.pos,
        format!("`{}` is not a valid variable name", key.name),
    )
    .help(
        "use letters, digits and `_`, not starting with a digit (templates read it as {{ name }})",
    );
    false
}

/// A `vars:`-like map: variable names to template values.
pub fn vars_map(node: &Node, what: &str, d: &mut Diags) -> Vec<(String, TValue)> {
    let Some(m) = map(node, what, d) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in m {
        if variable_name(k, d) {
            out.push((k.name.clone(), tvalue(v, d)));
        }
    }
    out
}

/// A file path relative to `base` that must exist.
pub fn existing_file(rel: &str, pos: Pos, base: &Path, d: &mut Diags) -> Option<PathBuf> {
    let path = base.join(rel);
    if path.is_file() {
        Some(path)
    } else {
        d.error(pos, format!("file `{rel}` not found"))
            .help(format!(
                "paths are relative to the collection's directory; looked for {}",
                path.display()
            ));
        None
    }
}
