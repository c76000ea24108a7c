//! The YAML tree read straight from the parser's events (granit-parser, the parser under
//! serde-saphyr), each node at its event's line and column: no serde, no `Spanned` wrapper
//! per value. It reads what collections are written in; whatever else a file holds (anchors
//! and aliases, tags, merge keys, keys that are not text, more than one document, a number
//! not in plain decimal digits, a syntax error) is left to serde-saphyr (`yaml::parse_full`),
//! which reads and reports it exactly as it always has. For what it does read, it gives the
//! same tree serde-saphyr gives (the tests below hold the two to each other).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle};

use super::node::{Key, Kind, Node};
use crate::problem::source::Pos;

/// What to do with the items of the root map's (first) `requests` list, one by one as each
/// is read, so that a large file never holds the tree of all its requests at once.
pub trait Items {
    /// The root map's entries before `requests`: true to be given the items (the list is
    /// then empty in the tree).
    fn start(&mut self, before: &[(Key, Node)]) -> bool;
    fn item(&mut self, item: Node);
}

/// A document read.
pub enum Read {
    /// The whole tree.
    Tree(Node),
    /// The tree without the items of `requests`, which went to `Items::item`.
    Streamed(Node),
}

/// serde-saphyr's limits (`yaml::parse_full`), kept with room to spare: a document near one
/// of them is left to serde-saphyr, which says which one it breaks.
const MAX_DEPTH: usize = 60;
const MAX_NODES: usize = 40_000_000;
const MAX_EVENTS: usize = 80_000_000;
const MAX_SCALAR_BYTES: usize = 512 << 20;
const MAX_COMMENT_BYTES: usize = 32 << 20;

/// The parser set as serde-saphyr sets it for `yaml::parse_full` (its default budget's
/// parser limits), so that what one accepts the other does.
fn parser_options() -> Options {
    let mut o = Options::default();
    o.emit_comments = true;
    o.max_buffered_comment_events = 32;
    o.simple_key_max_lookahead = 1024;
    o.flow_nesting_limit = 255;
    o.block_nesting_limit = o.block_nesting_limit.max(65);
    o.strict_indentation = false;
    o
}

/// The tree of `text`, or None when serde-saphyr is to read it. `items`, if given, takes the
/// items of the root map's `requests` list.
pub fn read(text: &str, items: Option<&mut dyn Items>) -> Option<Read> {
    let mut b = Builder {
        stack: Vec::new(),
        root: None,
        items,
        streamed: false,
        requests_seen: false,
        requests_next: false,
        nodes: 0,
        scalar_bytes: 0,
        numbers: HashMap::new(),
    };
    let mut events = 0usize;
    let mut comment_bytes = 0usize;
    let mut documents = 0usize;
    for next in Parser::new_from_str_with_options(text, parser_options()) {
        let (event, span) = next.ok()?;
        events += 1;
        if events > MAX_EVENTS {
            return None;
        }
        let pos = Pos::new(span.start.line() as u32, span.start.col() as u32 + 1);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(_, version) => {
                documents += 1;
                if documents > 1 || version.is_some() {
                    return None;
                }
            }
            Event::Comment(c, _) => {
                comment_bytes += c.len();
                if comment_bytes > MAX_COMMENT_BYTES {
                    return None;
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.scalar(value, style, pos)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.open(false, pos)?;
            }
            Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                b.open(true, pos)?;
            }
            Event::SequenceEnd | Event::MappingEnd => b.close()?,
            _ => return None,
        }
    }
    if !b.stack.is_empty() {
        return None;
    }
    let root = b.root?;
    Some(if b.streamed {
        Read::Streamed(root)
    } else {
        Read::Tree(root)
    })
}

enum Frame {
    Seq {
        pos: Pos,
        items: Vec<Node>,
        /// The items go to `Items::item`.
        streaming: bool,
    },
    Map {
        pos: Pos,
        entries: Vec<(Key, Node)>,
        /// The key whose value comes next.
        key: Option<Key>,
    },
}

struct Builder<'a> {
    stack: Vec<Frame>,
    root: Option<Node>,
    items: Option<&'a mut dyn Items>,
    streamed: bool,
    /// The root map's first `requests` key has been read (only its list is streamed).
    requests_seen: bool,
    /// Its value comes next.
    requests_next: bool,
    nodes: usize,
    scalar_bytes: usize,
    /// Plain scalars serde-saphyr read for us (numbers other than decimal integers).
    numbers: HashMap<String, Kind>,
}

impl Builder<'_> {
    fn count(&mut self, bytes: usize) -> Option<()> {
        self.nodes += 1;
        self.scalar_bytes += bytes;
        (self.nodes <= MAX_NODES && self.scalar_bytes <= MAX_SCALAR_BYTES).then_some(())
    }

    fn scalar(&mut self, value: Cow<'_, str>, style: ScalarStyle, pos: Pos) -> Option<()> {
        self.count(value.len())?;
        let at_root = self.stack.len() == 1;
        if let Some(Frame::Map {
            key: key @ None, ..
        }) = self.stack.last_mut()
        {
            let name = key_text(value, style)?;
            if at_root && !self.requests_seen && name == "requests" {
                self.requests_seen = true;
                self.requests_next = true;
            }
            *key = Some(Key { name, pos });
            return Some(());
        }
        let kind = if style == ScalarStyle::Plain {
            match plain(&value) {
                Plain::Is(kind) => kind,
                Plain::Text => Kind::Str(value.into_owned()),
                Plain::Unsure => self.number(&value)?,
            }
        } else {
            Kind::Str(value.into_owned())
        };
        self.attach(Node { kind, pos })
    }

    /// A plain scalar that may be a number of a form other than decimal digits: read by
    /// serde-saphyr as the value of a one-line map (once per spelling).
    fn number(&mut self, text: &str) -> Option<Kind> {
        if let Some(k) = self.numbers.get(text) {
            return Some(k.clone());
        }
        let one_line = !text.contains(['\n', '\r', '\t']) && !text.contains(" #");
        if !one_line || text.contains(": ") || text.ends_with(':') {
            return None;
        }
        let node = super::saphyr::parse_full(&format!("v: {text}")).ok()?;
        let kind = match node.kind {
            Kind::Map(mut entries) if entries.len() == 1 && entries[0].0.name == "v" => {
                entries.pop()?.1.kind
            }
            _ => return None,
        };
        if matches!(kind, Kind::Map(_) | Kind::Seq(_)) {
            return None;
        }
        self.numbers.insert(text.to_string(), kind.clone());
        Some(kind)
    }

    fn open(&mut self, map: bool, pos: Pos) -> Option<()> {
        self.count(0)?;
        if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
            return None; // a map or list as a key
        }
        if self.stack.len() >= MAX_DEPTH {
            return None;
        }
        let frame = if map {
            Frame::Map {
                pos,
                entries: Vec::new(),
                key: None,
            }
        } else {
            let mut streaming = false;
            if self.stack.len() == 1 && self.requests_next {
                if let (Some(items), Some(Frame::Map { entries, .. })) =
                    (self.items.as_deref_mut(), self.stack.first())
                {
                    streaming = items.start(entries);
                }
                self.streamed |= streaming;
            }
            Frame::Seq {
                pos,
                items: Vec::new(),
                streaming,
            }
        };
        self.requests_next = false;
        self.stack.push(frame);
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        let node = match self.stack.pop()? {
            Frame::Seq { pos, items, .. } => Node {
                kind: Kind::Seq(items),
                pos,
            },
            Frame::Map { pos, entries, key } => {
                if key.is_some() {
                    return None;
                }
                Node {
                    kind: Kind::Map(entries),
                    pos,
                }
            }
        };
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Option<()> {
        if self.stack.len() == 1 {
            self.requests_next = false;
        }
        match self.stack.last_mut() {
            None if self.root.is_none() => self.root = Some(node),
            None => return None,
            Some(Frame::Seq {
                streaming: true, ..
            }) => {
                if let Some(items) = self.items.as_deref_mut() {
                    items.item(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => entries.push((key.take()?, node)),
        }
        Some(())
    }
}

enum Plain {
    Is(Kind),
    /// Text whatever its spelling.
    Text,
    /// Possibly a number that is not plain decimal digits: serde-saphyr decides.
    Unsure,
}

/// What a plain scalar is, as serde-saphyr reads it for an untyped value (YAML 1.2 core
/// schema with its strict booleans).
fn plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Is(Kind::Null),
        "true" | "True" | "TRUE" => return Plain::Is(Kind::Bool(true)),
        "false" | "False" | "FALSE" => return Plain::Is(Kind::Bool(false)),
        _ => {}
    }
    // Only a scalar that starts like a number (a sign, a dot or a digit) can be one.
    if !matches!(s.as_bytes()[0], b'0'..=b'9' | b'-' | b'+' | b'.') {
        return Plain::Text;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let decimal = (1..=18).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    match s.parse::<i64>() {
        Ok(i) if decimal => Plain::Is(Kind::Int(i)),
        _ if s == "0" => Plain::Is(Kind::Int(0)),
        _ => Plain::Unsure,
    }
}

/// A key as text, when serde-saphyr would read it as text: quoted, or plain and neither
/// null, a boolean, a number nor a merge key (`<<`).
fn key_text(value: Cow<'_, str>, style: ScalarStyle) -> Option<String> {
    if style != ScalarStyle::Plain {
        return Some(value.into_owned());
    }
    match plain(&value) {
        Plain::Text if value != "<<" => Some(value.into_owned()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::saphyr::parse_full;

    /// Items put back into their list, to compare a streamed read with serde-saphyr's tree.
    struct Keep(Vec<Node>);

    impl Items for Keep {
        fn start(&mut self, _: &[(Key, Node)]) -> bool {
            true
        }
        fn item(&mut self, item: Node) {
            self.0.push(item);
        }
    }

    fn unstream(mut root: Node, items: Vec<Node>) -> Node {
        if let Kind::Map(entries) = &mut root.kind
            && let Some((_, v)) = entries.iter_mut().find(|(k, _)| k.name == "requests")
            && let Kind::Seq(list) = &mut v.kind
        {
            *list = items;
        }
        root
    }

    /// Whatever the fast reader reads, serde-saphyr reads the same (values and positions),
    /// streamed or not. Returns whether the fast reader read it.
    fn same(text: &str) -> bool {
        let Some(Read::Tree(fast)) = read(text, None) else {
            assert!(
                read(text, Some(&mut Keep(Vec::new()))).is_none(),
                "{text:?}"
            );
            return false;
        };
        let full = match parse_full(text) {
            Ok(n) => n,
            Err(e) => panic!("serde-saphyr refuses what the fast reader read: {e:?}\n{text}"),
        };
        assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{text}");
        let mut keep = Keep(Vec::new());
        let streamed = match read(text, Some(&mut keep)) {
            Some(Read::Streamed(root)) => unstream(root, keep.0),
            Some(Read::Tree(root)) => root,
            None => panic!("streaming changed the reading of {text:?}"),
        };
        assert_eq!(format!("{streamed:?}"), format!("{full:?}"), "{text}");
        true
    }

    /// Plain spellings serde-saphyr reads as null, booleans, numbers or text.
    const WORDS: &[&str] = &[
        "a",
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "0",
        "-0",
        "+0",
        "00",
        "007",
        "1",
        "-1",
        "+1",
        "12345678901234567",
        "123456789012345678",
        "1234567890123456789",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "18446744073709551616",
        "1_000",
        "0x1F",
        "0X1f",
        "0o17",
        "0b101",
        "1.5",
        "-1.5",
        ".5",
        "5.",
        "1e3",
        "1E-3",
        "-1e999",
        "1e999",
        ".inf",
        "-.inf",
        "+.INF",
        ".nan",
        ".NaN",
        "inf",
        "nan",
        "infinity",
        "NaN",
        "-",
        "+",
        ".",
        "..",
        "-.",
        "1-2",
        "1:2",
        "2024-01-01",
        "12:30:00",
        "1.2.3",
        "$.id",
        "$[0]",
        "<<",
        "=",
        "a b",
        "1 2",
        "- a",
        "#",
        "\"q\"",
        "'q'",
        "|\n  x\n",
        ">-\n  x\n  y\n",
        "\"1\"",
        "'true'",
    ];

    #[test]
    fn scalars_as_serde_saphyr_reads_them() {
        for w in WORDS {
            for text in [
                format!("k: {w}\n"),
                format!("{w}: v\n"),
                format!("- {w}\n"),
                format!("[{w}]\n"),
                format!("{{k: {w}}}\n"),
                w.to_string(),
            ] {
                same(&text);
            }
        }
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() && !name.starts_with('.') && name != "target" {
                yaml_files(&p, out);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                if name.ends_with(".yaml") || name.ends_with(".yml") {
                    out.push(text);
                } else if name.ends_with(".md") {
                    // The examples in the docs.
                    for block in text.split("```yaml\n").skip(1) {
                        out.push(block.split("```").next().unwrap_or_default().to_string());
                    }
                }
            }
        }
    }

    /// Tokens that change how YAML reads: anchors, tags, merge keys, indicators, numbers.
    const TOKENS: &[&str] = &[
        "&a ",
        "*a",
        "!!str ",
        "!x ",
        "<<: ",
        "- ",
        ": ",
        "\n",
        "  ",
        "'",
        "\"",
        "#",
        "{",
        "}",
        "[",
        "]",
        ",",
        "0x1F",
        "1.5",
        "-0",
        "+1",
        ".inf",
        "~",
        "null",
        "true",
        "yes",
        "1e3",
        "0o17",
        "007",
        "1_000",
        "---\n",
        "...\n",
        "%YAML 1.2\n",
        "? ",
        "|\n",
        ">-\n",
        "\t",
        "\r\n",
        "\u{feff}",
        "requests:\n",
        "- name: x\n",
        "defaults: ",
        "é",
        "\\",
        "\"\\u00e9\"",
        "2: ",
        "'k': ",
    ];

    /// `text` with one to three changes: a cut, a line repeated, a token inserted.
    fn mutate(text: &[char], next: &mut dyn FnMut(usize) -> usize) -> String {
        let mut c = text.to_vec();
        for _ in 0..1 + next(3) {
            let at = next(c.len() + 1);
            match next(4) {
                0 => {
                    let end = (at + next(8)).min(c.len());
                    c.drain(at..end);
                }
                1 => {
                    let start = c[..at]
                        .iter()
                        .rposition(|&x| x == '\n')
                        .map_or(0, |i| i + 1);
                    let end = c[at..]
                        .iter()
                        .position(|&x| x == '\n')
                        .map_or(c.len(), |i| at + i + 1);
                    let line: Vec<char> = c[start..end].to_vec();
                    c.splice(end..end, line);
                }
                _ => {
                    let t = TOKENS[next(TOKENS.len())];
                    c.splice(at..at, t.chars());
                }
            }
        }
        c.into_iter().collect()
    }

    /// Every YAML file of the project and the docs' examples, and mutations of them (odd
    /// tokens inserted, text cut, lines repeated): the two readers agree.
    #[test]
    fn every_file_and_its_mutations_as_serde_saphyr_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for d in [
            "bench",
            "collections",
            "docs",
            "tests",
            "examples",
            "schema",
        ] {
            yaml_files(&root.join(d), &mut files);
        }
        assert!(files.len() > 50, "{} files", files.len());
        let read_fast = files.iter().filter(|t| same(t)).count();
        assert!(
            read_fast * 10 > files.len() * 8,
            "{read_fast} of {}",
            files.len()
        );
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let (mut tried, mut fast) = (0, 0);
        for text in files.iter().filter(|t| t.len() < 20_000) {
            let chars: Vec<char> = text.chars().collect();
            for _ in 0..16 {
                tried += 1;
                fast += usize::from(same(&mutate(&chars, &mut next)));
            }
        }
        // Mutations often break the YAML or add what the fast reader leaves: many, not all.
        assert!(fast * 4 > tried, "{fast} of {tried} mutations read fast");
    }
}
