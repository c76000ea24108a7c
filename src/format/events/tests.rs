//! The fast reader held to serde-saphyr's reading, on this thread and apart.

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
    for stream in [false, true] {
        assert_eq!(apart(text, stream), here(text, stream), "{text}");
    }
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

/// The reading of `text` with the parser on a thread of its own (in batches of three
/// events, so that a reader stopping early leaves batches unread), printed.
fn apart(text: &str, stream: bool) -> String {
    let mut keep = Keep(Vec::new());
    let items: Option<&mut dyn Items> = if stream { Some(&mut keep) } else { None };
    match read_with(text, items, Some(3)) {
        Some(Read::Tree(root)) => format!("tree {root:?}"),
        Some(Read::Streamed(root)) => format!("streamed {:?}", unstream(root, keep.0)),
        None => "left to serde-saphyr".into(),
    }
}

/// The same, on this thread.
fn here(text: &str, stream: bool) -> String {
    let mut keep = Keep(Vec::new());
    let items: Option<&mut dyn Items> = if stream { Some(&mut keep) } else { None };
    match read_with(text, items, None) {
        Some(Read::Tree(root)) => format!("tree {root:?}"),
        Some(Read::Streamed(root)) => format!("streamed {:?}", unstream(root, keep.0)),
        None => "left to serde-saphyr".into(),
    }
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
