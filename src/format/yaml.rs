//! A YAML document as a tree of nodes that each know their line and column.
//!
//! The tree keeps every key's and value's position so the collection checker can report all
//! problems of a file at once, each with a caret. `events` reads it from the parser's events;
//! what that leaves (anchors, tags, syntax errors...) serde-saphyr reads (`saphyr`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

pub use super::node::{Key, Kind, Node, SyntaxError};
pub use super::saphyr::parse_full;
use crate::problem::source::{Pos, SourceFile, Span};
use crate::problem::{Diag, Diags};

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.trim().is_empty() {
        return Ok(Node {
            kind: Kind::Null,
            pos: Pos::new(1, 1),
        });
    }
    match super::events::read(text, None) {
        Some(super::events::Read::Tree(n)) => Ok(n),
        _ => parse_full(text),
    }
}

/// Parse a file into the spanned tree, or one diagnostic for its syntax error.
pub fn parse_file(file: &Arc<SourceFile>) -> Result<Node, Diag> {
    parse(&file.text).map_err(|e| syntax_diag(file, e))
}

/// `parse_file` by serde-saphyr alone (for a file the fast reader has already left to it).
pub fn parse_file_full(file: &Arc<SourceFile>) -> Result<Node, Diag> {
    let text = &file.text;
    if text.trim().is_empty() {
        return parse_file(file);
    }
    parse_full(text).map_err(|e| syntax_diag(file, e))
}

fn syntax_diag(file: &Arc<SourceFile>, e: SyntaxError) -> Diag {
    let help = file
        .line(e.pos.line)
        .and_then(unquoted_template_fix)
        .unwrap_or_else(|| {
            "help: check the indentation and quoting on this line and the one before".into()
        });
    Diag {
        span: Span::new(file, e.pos),
        message: format!("invalid YAML: {}", e.message),
        label: String::new(),
        notes: vec![help],
    }
}

/// `url: {{ base }}/x` is the most common YAML mistake in a collection: a value starting
/// with `{{` reads as a YAML map. Suggest the quoted form.
fn unquoted_template_fix(line: &str) -> Option<String> {
    let (key, value) = line.split_once(": ")?;
    let value = value.trim();
    if !value.starts_with("{{") {
        return None;
    }
    let quoted = serde_json::to_string(value).ok()?;
    let key = key.trim().trim_start_matches("- ");
    Some(format!(
        "help: a value that starts with `{{{{` must be quoted: {key}: {quoted}"
    ))
}

/// A key given twice in any map of the file (YAML would silently keep one of them).
pub fn duplicate_keys(node: &Node, d: &mut Diags) {
    match &node.kind {
        Kind::Map(entries) if entries.len() <= 12 => {
            // A request's maps are small: comparing with the keys before is cheaper than hashing.
            for (i, (k, v)) in entries.iter().enumerate() {
                if let Some((f, _)) = entries[..i].iter().find(|(f, _)| f.name == k.name) {
                    duplicate(k, f.pos, d);
                }
                duplicate_keys(v, d);
            }
        }
        Kind::Map(entries) => {
            // A map of thousands of keys (a generated `json:` body) stays linear.
            let mut first: HashMap<&str, Pos> = HashMap::with_capacity(entries.len());
            for (k, v) in entries {
                match first.entry(k.name.as_str()) {
                    Entry::Occupied(f) => duplicate(k, *f.get(), d),
                    Entry::Vacant(e) => {
                        e.insert(k.pos);
                    }
                }
                duplicate_keys(v, d);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|i| duplicate_keys(i, d)),
        _ => {}
    }
}

fn duplicate(k: &Key, first: Pos, d: &mut Diags) {
    d.error(k.pos, format!("`{}` is given twice", k.name))
        .label("again here")
        .note(format!("first given on line {}", first.line))
        .help("keep one of them");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let n = parse("a: 1\nb:\n  - x: \"s\"\n    y: [1, 2]\n").unwrap();
        let m = n.as_map().unwrap();
        assert_eq!(m[0].0.name, "a");
        assert_eq!(m[0].0.pos, Pos::new(1, 1));
        assert_eq!(m[0].1.pos, Pos::new(1, 4));
        let Kind::Seq(items) = &m[1].1.kind else {
            panic!()
        };
        assert_eq!(items[0].pos.line, 3);
        let inner = items[0].as_map().unwrap();
        assert_eq!(inner[1].0.pos, Pos::new(4, 5));
        assert_eq!(inner[0].1.kind, Kind::Str("s".into()));
    }

    #[test]
    fn syntax_error_has_position() {
        // The flow list opened on line 1 is still open where line 2's `b: 3` starts.
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e:?}");
        let e = parse("a: 1\nb: \"open\nc: 3\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        let e = parse("a:\n  - x\n - y\n").unwrap_err();
        assert_eq!(e.pos.line, 3, "{e:?}");
    }

    #[test]
    fn quoted_number_stays_string() {
        let n = parse("a: \"1\"\nb: 1\nc: ~\nd: yes\nn: 5\n").unwrap();
        assert_eq!(n.get("d").unwrap().kind, Kind::Str("yes".into()));
        assert_eq!(n.get("n").unwrap().kind, Kind::Int(5));
        assert_eq!(n.get("a").unwrap().kind, Kind::Str("1".into()));
        assert_eq!(n.get("b").unwrap().kind, Kind::Int(1));
        assert_eq!(n.get("c").unwrap().kind, Kind::Null);
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    #[test]
    fn duplicate_keys_reach_the_checker() {
        let n = parse("a: 1\nb: 2\na: 3\n").unwrap();
        let keys: Vec<&str> = n
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(keys, ["a", "b", "a"]);
    }
}
