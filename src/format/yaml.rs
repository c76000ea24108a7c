//! A YAML document as a tree of nodes that each know their line and column.
//!
//! The tree keeps every key's and value's position so the collection checker can report all
//! problems of a file at once, each with a caret. `events` reads it from the parser's events;
//! what that leaves (anchors, tags, syntax errors...) serde-saphyr reads (`parse_full`).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::problem::source::{Pos, SourceFile, Span};
use crate::problem::{Diag, Diags};

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// A YAML syntax error with its position.
#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    pub pos: Pos,
}

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

/// serde-saphyr's reading of `text`: anchors and aliases (with its limits on them), tags,
/// merge keys and every syntax error with its words. `parse` reads the rest itself.
pub(crate) fn parse_full(text: &str) -> Result<Node, SyntaxError> {
    // YAML 1.2 core booleans: `n`, `no`, `on` stay strings (a variable named `n` is common).
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        budget: serde_saphyr::budget! { max_nodes: 50_000_000, max_events: 100_000_000, max_total_scalar_bytes: 1 << 30 },
    };
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| {
        let pos = e
            .location()
            .map(|l| Pos::new(l.line() as u32, l.column() as u32))
            .unwrap_or(Pos::new(1, 1));
        let message = first_line(&e.to_string());
        SyntaxError { message, pos }
    })
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

fn first_line(s: &str) -> String {
    // serde-saphyr appends its own location and snippet; we render ours.
    let line = s.lines().next().unwrap_or(s).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line.find(" at line ") {
        Some(i) => &line[..i],
        None => line,
    };
    // "line 4 column 9: message": the position is shown by the caret already.
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((pos, msg)) if pos.contains("column") => msg.to_string(),
        _ => line.to_string(),
    }
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    /// The node as plain JSON, the form templates and expectations work on.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Int(i) => Value::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Scalars as text (for keys of header maps and the like).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Null => None,
            _ => None,
        }
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Kind, E> {
        Ok(i64::try_from(v).map_or(Kind::Float(v as f64), Kind::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Kind, E> {
        Ok(Kind::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Kind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyText>>()? {
            let v = map.next_value::<Node>()?;
            let key = Key {
                name: k.value.0,
                pos: Pos::new(k.referenced.line() as u32, k.referenced.column() as u32),
            };
            entries.push((key, v));
        }
        Ok(Kind::Map(entries))
    }
}

struct KindSeed(Kind);

impl<'de> Deserialize<'de> for KindSeed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor).map(KindSeed)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<KindSeed>::deserialize(d)?;
        Ok(Node {
            kind: s.value.0,
            pos: Pos::new(s.referenced.line() as u32, s.referenced.column() as u32),
        })
    }
}

/// A mapping key of any scalar type, kept as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match d.deserialize_any(KindVisitor)? {
            Kind::Str(s) => Ok(KeyText(s)),
            Kind::Int(i) => Ok(KeyText(i.to_string())),
            Kind::Float(f) => Ok(KeyText(f.to_string())),
            Kind::Bool(b) => Ok(KeyText(b.to_string())),
            Kind::Null => Ok(KeyText("null".into())),
            _ => Err(de::Error::custom("a map key must be a plain value")),
        }
    }
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
