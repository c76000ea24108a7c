//! A small YAML writer for generated collections: block style, flow style for short
//! leaf maps, strings quoted only when YAML would misread them, and comments.

use std::fmt::Write as _;

/// A YAML value to write. `Comment` lines may stand in a `Map` (key ignored) or a `Seq`.
#[derive(Clone, Debug, PartialEq)]
pub enum Y {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
    /// Comment lines written just before the entry or item holding the value.
    Noted(Vec<String>, Box<Y>),
    /// Comment lines on their own (only inside a `Map` or `Seq`).
    Comment(Vec<String>),
}

/// Lines longer than this are not put into flow style.
const FLOW_WIDTH: usize = 100;

impl Y {
    pub fn str(s: impl Into<String>) -> Y {
        Y::Str(s.into())
    }

    pub fn map() -> Y {
        Y::Map(Vec::new())
    }

    /// Adds an entry to a map (no-op on other kinds).
    pub fn put(&mut self, key: impl Into<String>, value: Y) {
        if let Y::Map(entries) = self {
            entries.push((key.into(), value));
        }
    }

    /// Puts a map's entries in the order of `keys` (a list of `collection::keys`, the
    /// format's one description), keys it does not name after them, each comment staying
    /// with the entry that follows it.
    pub fn order(&mut self, keys: &[&str]) {
        let Y::Map(entries) = self else { return };
        let rank = |k: &str| keys.iter().position(|x| *x == k).unwrap_or(keys.len());
        let mut ranks = vec![usize::MAX; entries.len()];
        let mut next = usize::MAX;
        for i in (0..entries.len()).rev() {
            if !matches!(entries[i].1, Y::Comment(_)) {
                next = rank(&entries[i].0);
            }
            ranks[i] = next;
        }
        let mut indexed: Vec<(usize, (String, Y))> =
            std::mem::take(entries).into_iter().enumerate().collect();
        indexed.sort_by_key(|(i, _)| ranks[*i]);
        *entries = indexed.into_iter().map(|(_, e)| e).collect();
    }

    /// Adds comment lines to a map or sequence, in order with its entries.
    pub fn comment(&mut self, lines: Vec<String>) {
        if lines.is_empty() {
            return;
        }
        match self {
            Y::Map(entries) => entries.push((String::new(), Y::Comment(lines))),
            Y::Seq(items) => items.push(Y::Comment(lines)),
            _ => {}
        }
    }

    pub fn get(&self, key: &str) -> Option<&Y> {
        match self {
            Y::Map(entries) => entries
                .iter()
                .find(|(k, v)| k == key && !matches!(v, Y::Comment(_)))
                .map(|(_, v)| v.inner()),
            Y::Noted(_, v) => v.get(key),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Y> {
        match self {
            Y::Map(entries) => entries
                .iter_mut()
                .find(|(k, v)| k == key && !matches!(v, Y::Comment(_)))
                .map(|(_, v)| v),
            Y::Noted(_, v) => v.get_mut(key),
            _ => None,
        }
    }

    pub fn is_empty_map(&self) -> bool {
        matches!(self, Y::Map(e) if e.is_empty())
    }

    fn inner(&self) -> &Y {
        match self {
            Y::Noted(_, v) => v.inner(),
            v => v,
        }
    }

    /// Converts JSON, turning every string with `f`.
    pub fn from_json(v: &serde_json::Value, f: &mut dyn FnMut(&str) -> String) -> Y {
        use serde_json::Value as J;
        match v {
            J::Null => Y::Null,
            J::Bool(b) => Y::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Y::Int(i),
                None => Y::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Y::Str(f(s)),
            J::Array(a) => Y::Seq(a.iter().map(|x| Y::from_json(x, f)).collect()),
            J::Object(o) => Y::Map(o.iter().map(|(k, x)| (f(k), Y::from_json(x, f))).collect()),
        }
    }

    /// The value as JSON; `None` when it holds comments on their own.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        use serde_json::Value as J;
        Some(match self {
            Y::Null => J::Null,
            Y::Bool(b) => J::Bool(*b),
            Y::Int(n) => J::from(*n),
            Y::Float(f) => J::from(*f),
            Y::Str(s) => J::String(s.clone()),
            Y::Seq(items) => J::Array(items.iter().map(Y::to_json).collect::<Option<_>>()?),
            Y::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Y::Noted(_, v) => v.to_json()?,
            Y::Comment(_) => return None,
        })
    }
}

/// Writes a whole document (a map at the top), ending with a newline.
pub fn document(root: &Y) -> String {
    let mut out = String::new();
    match root {
        Y::Map(entries) => write_map(&mut out, entries, 0),
        Y::Noted(lines, v) => {
            write_comments(&mut out, lines, 0);
            out.push_str(&document(v));
        }
        other => {
            out.push_str(&scalar(other, false));
            out.push('\n');
        }
    }
    out
}

fn write_comments(out: &mut String, lines: &[String], indent: usize) {
    for line in lines {
        // Every line break YAML knows ends a comment; what YAML does not allow in a document
        // at all (control characters) is written as an escape.
        for l in line.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
            let l = printable(l);
            let _ = writeln!(
                out,
                "{:indent$}#{}{}",
                "",
                if l.is_empty() { "" } else { " " },
                l
            );
        }
    }
}

/// Text with the characters a YAML document may not hold (C0 and C1 controls but tab, DEL,
/// a byte-order mark, non-characters) written as `\u{..}`.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\t') || c == '\u{feff}' || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !s.contains(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| {
            if bad(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

fn write_map(out: &mut String, entries: &[(String, Y)], indent: usize) {
    for (key, value) in entries {
        let (notes, value) = split_notes(value);
        write_comments(out, &notes, indent);
        if let Y::Comment(lines) = value {
            write_comments(out, lines, indent);
            continue;
        }
        let k = scalar_str(key, false);
        let _ = write!(out, "{:indent$}{k}:", "");
        write_value(out, value, indent, k.len() + 2 + indent);
    }
}

/// Writes the value after `key:` (or `-`), with the current column for flow-width checks.
fn write_value(out: &mut String, value: &Y, indent: usize, column: usize) {
    match value {
        Y::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Y::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Y::Map(_) | Y::Seq(_)
            if indent > 0 && fits_flow(value, FLOW_WIDTH.saturating_sub(column + 1)) =>
        {
            let _ = writeln!(out, " {}", flow(value));
        }
        Y::Map(entries) => {
            out.push('\n');
            write_map(out, entries, indent + 2);
        }
        Y::Seq(items) => {
            out.push('\n');
            write_seq(out, items, indent + 2);
        }
        Y::Str(s) if needs_literal(s) => write_literal(out, s, indent + 2),
        other => {
            let _ = writeln!(out, " {}", scalar(other, false));
        }
    }
}

fn write_seq(out: &mut String, items: &[Y], indent: usize) {
    for item in items {
        let (notes, item) = split_notes(item);
        write_comments(out, &notes, indent);
        match item {
            Y::Comment(lines) => write_comments(out, lines, indent),
            Y::Map(entries) if !entries.is_empty() => {
                let mut block = String::new();
                write_map(&mut block, entries, indent + 2);
                let mut first = true;
                for line in block.lines() {
                    if first && !line.trim_start().starts_with('#') {
                        let _ = writeln!(out, "{:indent$}- {}", "", &line[indent + 2..]);
                        first = false;
                    } else {
                        let _ = writeln!(out, "{line}");
                    }
                }
            }
            Y::Seq(inner)
                if !inner.is_empty() && !fits_flow(item, FLOW_WIDTH.saturating_sub(indent + 2)) =>
            {
                let _ = write!(out, "{:indent$}-", "");
                out.push('\n');
                write_seq(out, inner, indent + 2);
            }
            other => {
                let _ = write!(out, "{:indent$}-", "");
                write_value(out, other, indent, indent + 2);
            }
        }
    }
}

fn split_notes(v: &Y) -> (Vec<String>, &Y) {
    let mut notes = Vec::new();
    let mut v = v;
    while let Y::Noted(lines, inner) = v {
        notes.extend(lines.iter().cloned());
        v = inner;
    }
    (notes, v)
}

fn fits_flow(v: &Y, width: usize) -> bool {
    fn ok(v: &Y) -> bool {
        match v {
            Y::Noted(..) | Y::Comment(_) => false,
            Y::Str(s) => !s.contains('\n'),
            Y::Map(e) => e.iter().all(|(_, v)| ok(v)),
            Y::Seq(i) => i.iter().all(ok),
            _ => true,
        }
    }
    ok(v) && flow(v).len() <= width
}

pub(crate) fn flow(v: &Y) -> String {
    match v {
        Y::Map(e) if e.is_empty() => "{}".into(),
        Y::Seq(i) if i.is_empty() => "[]".into(),
        Y::Map(e) => {
            let parts: Vec<String> = e
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar_str(k, true), flow(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        Y::Seq(i) => {
            let parts: Vec<String> = i.iter().map(flow).collect();
            format!("[{}]", parts.join(", "))
        }
        other => scalar(other, true),
    }
}

fn scalar(v: &Y, in_flow: bool) -> String {
    match v {
        Y::Null => "null".into(),
        Y::Bool(b) => b.to_string(),
        Y::Int(i) => i.to_string(),
        Y::Float(f) => {
            if f.is_finite() {
                let s = serde_json::Number::from_f64(*f)
                    .map_or_else(|| f.to_string(), |n| n.to_string());
                if s.contains(['.', 'e', 'E']) {
                    s
                } else {
                    format!("{s}.0")
                }
            } else if f.is_nan() {
                ".nan".into()
            } else if *f > 0.0 {
                ".inf".into()
            } else {
                "-.inf".into()
            }
        }
        Y::Str(s) => scalar_str(s, in_flow),
        Y::Noted(_, v) => scalar(v, in_flow),
        Y::Seq(_) | Y::Map(_) => flow(v),
        Y::Comment(_) => String::new(),
    }
}

/// A string as a plain scalar when YAML reads it back as the same string, else double-quoted.
pub fn scalar_str(s: &str, in_flow: bool) -> String {
    if plain_ok(s, in_flow) {
        s.to_string()
    } else {
        quote(s)
    }
}

fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`$~".contains(first) {
        return false;
    }
    if s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.contains("{{")
        || s.contains("{%")
    {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
    ) {
        return false;
    }
    // Numbers (any YAML version), dates and times stay strings only when quoted.
    let numberish = s.chars().all(|c| {
        c.is_ascii_digit()
            || "+-._:eExXoObB".contains(c)
            || c.is_ascii_hexdigit()
            || c == ' '
            || c == 'T'
            || c == 'Z'
    });
    if numberish
        && s.chars().any(|c| c.is_ascii_digit())
        && (first.is_ascii_digit() || "+-.".contains(first))
    {
        return false;
    }
    if s.parse::<f64>().is_ok() || matches!(lower.as_str(), ".inf" | "-.inf" | "+.inf" | ".nan") {
        return false;
    }
    true
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Multi-line text reads best as a literal block, when it has no characters a block can't hold.
fn needs_literal(s: &str) -> bool {
    s.contains('\n')
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
        && s.lines().any(|l| !l.trim().is_empty())
}

fn write_literal(out: &mut String, s: &str, indent: usize) {
    let trailing = s.len() - s.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let body = s.trim_end_matches('\n');
    let first = body.lines().find(|l| !l.is_empty()).unwrap_or("");
    let indicator = if first.starts_with(' ') { "2" } else { "" };
    let _ = writeln!(out, " |{indicator}{chomp}");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{:indent$}{line}", "");
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) {
        let doc = document(&Y::Map(vec![("k".into(), Y::str(s))]));
        let parsed: serde_json::Value =
            serde_saphyr::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(parsed["k"], serde_json::Value::String(s.into()), "{doc}");
    }

    #[test]
    fn strings_read_back_as_written() {
        for s in [
            "",
            " x",
            "x ",
            "{{ a }}",
            "a: b",
            "a #b",
            "#x",
            "$.a",
            "*x",
            "&x",
            "!x",
            "@x",
            "%x",
            "yes",
            "No",
            "true",
            "null",
            "~",
            "1",
            "1.5",
            "1e3",
            "0x1f",
            "2024-10-15",
            "12:30",
            "-1",
            "-x",
            "a\nb",
            "a\nb\n",
            "a\nb\n\n",
            "  a\nb",
            "tab\there",
            "quote\"d",
            "back\\slash",
            "https://x.test/a?b=c",
            "Bearer {{ t }}",
            "multi\r\nline",
            ".5",
            "+1",
            "a,b",
            "[x]",
            "é",
            "x:",
            "?x",
            "'a'",
            "|",
            ">",
        ] {
            round_trip(s);
        }
    }

    #[test]
    fn block_and_flow() {
        let mut req = Y::map();
        req.put("name", Y::str("login"));
        req.put("auth", Y::Map(vec![("bearer".into(), Y::str("{{ t }}"))]));
        req.comment(vec!["postman test: x()".into()]);
        let mut root = Y::map();
        root.put("requests", Y::Seq(vec![req]));
        assert_eq!(
            document(&root),
            "requests:\n  - name: login\n    auth: { bearer: \"{{ t }}\" }\n    # postman test: x()\n"
        );
    }
}
