//! The shape docs/architecture.md describes, measured from the tree: every `crate::` and
//! `super::` import goes to a module of the same layer or below, no two files import each
//! other (directly or round a circle), and no file in src/ is over 700 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Top-level module -> layer, from the table in docs/architecture.md.
fn layers() -> BTreeMap<String, u32> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let mut out = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 4
            && let Ok(layer) = cells[1].parse::<u32>()
        {
            for m in cells[2].split(',') {
                out.insert(m.trim().to_string(), layer);
            }
        }
    }
    assert!(out.len() > 10, "the layer table was not found");
    out
}

/// Every `.rs` file under src/, as its module path (`collection::load`).
fn files(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            let mut next = prefix.to_vec();
            next.push(p.file_name().unwrap().to_string_lossy().into_owned());
            files(&p, &next, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let mut path = prefix.to_vec();
            if name != "mod" && name != "lib" && name != "main" {
                path.push(name);
            }
            out.insert(path, p);
        }
    }
}

/// The code of a file without comments, string literals and `#[cfg(test)]` modules.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<usize> = None;
    let mut depth = 0usize;
    let mut pending_test = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if t.starts_with("#[cfg(test)]") {
            pending_test = true;
            continue;
        }
        let opens = line.matches('{').count();
        let closes = line.matches('}').count();
        if pending_test {
            pending_test = false;
            if t.starts_with("mod ") && t.ends_with(';') {
                continue;
            }
            if t.starts_with("mod ") {
                skip_depth = Some(depth);
            }
        }
        depth = (depth + opens).saturating_sub(closes);
        if let Some(d) = skip_depth {
            if depth <= d && closes > 0 {
                skip_depth = None;
            }
            continue;
        }
        // Drop string contents, where paths are words, not imports.
        let mut clean = String::new();
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                clean.push(c);
            }
            prev = c;
        }
        out.push_str(&clean);
        out.push('\n');
    }
    out
}

/// The files a file imports from (`crate::a::b` and `super::x` paths, resolved to files).
fn imports(
    module: &[String],
    is_mod: bool,
    text: &str,
    all: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    let re =
        regex::Regex::new(r"\b((?:crate|super)(?:::super)*(?:::[A-Za-z_][A-Za-z0-9_]*)*)").unwrap();
    let group = regex::Regex::new(r"\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")
        .unwrap();
    let mut paths: Vec<String> = re.captures_iter(text).map(|c| c[1].to_string()).collect();
    for c in group.captures_iter(text) {
        for item in c[2].split(',') {
            let item = item.split_whitespace().next().unwrap_or("");
            if !item.is_empty() && item != "self" {
                paths.push(format!("{}::{item}", &c[1]));
            }
        }
    }
    let mut out = BTreeSet::new();
    for p in paths {
        let mut segs: Vec<String> = Vec::new();
        let mut parts = p.split("::").peekable();
        // A file `a/b.rs` is module `a::b`; its `super` is `a`. A `mod.rs` is its folder.
        let mut base: Vec<String> = module.to_vec();
        if !is_mod {
            base.pop();
        }
        match parts.next() {
            Some("crate") => {}
            Some("super") => {
                segs = base.clone();
                while parts.peek() == Some(&"super") {
                    parts.next();
                    segs.pop();
                }
            }
            _ => continue,
        }
        segs.extend(parts.map(String::from));
        // The longest prefix that is a file.
        while !segs.is_empty() && !all.contains_key(&segs) {
            segs.pop();
        }
        if !segs.is_empty() && segs != module {
            // Importing one's own folder module (`super::Thing` from a child) is allowed
            // only for what the folder re-exports; count it as an edge all the same.
            out.insert(segs);
        }
    }
    out
}

#[test]
fn the_house_has_no_circles_no_stairs_up_and_no_oversized_rooms() {
    let layers = layers();
    let mut all = BTreeMap::new();
    files(&root().join("src"), &[], &mut all);
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (module, path) in &all {
        let text = std::fs::read_to_string(path).unwrap();
        let lines = text.lines().count();
        if lines > 700 {
            problems.push(format!(
                "{} has {lines} lines (at most 700)",
                path.display()
            ));
        }
        if module.is_empty() {
            continue; // lib.rs and main.rs
        }
        let is_mod = path.file_name().is_some_and(|n| n == "mod.rs");
        let targets = imports(module, is_mod, &code(&text), &all);
        let from = &module[0];
        let Some(from_layer) = layers.get(from) else {
            problems.push(format!("module `{from}` is not in the layer table"));
            continue;
        };
        for t in &targets {
            if t.is_empty() || &t[0] == from {
                continue;
            }
            match layers.get(&t[0]) {
                Some(l) if l > from_layer => problems.push(format!(
                    "{} (layer {from_layer}) imports {} (layer {l}), which sits above it",
                    module.join("::"),
                    t.join("::")
                )),
                Some(_) => {}
                None => problems.push(format!("module `{}` is not in the layer table", t[0])),
            }
        }
        edges.insert(module.clone(), targets);
    }
    // Circles between files: a depth-first search for a back edge.
    fn visit(
        n: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
        found: &mut Vec<String>,
    ) {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for m in edges.get(n).into_iter().flatten() {
            // A child using what its folder module declares is the folder's own business:
            // the folder (mod.rs) imports its children, and children name the folder's items.
            if m.len() < n.len() && n.starts_with(m) {
                continue;
            }
            match state.get(m).copied() {
                Some(1) => {
                    let at = stack.iter().position(|s| s == m).unwrap_or(0);
                    let circle: Vec<String> = stack[at..].iter().map(|s| s.join("::")).collect();
                    found.push(format!(
                        "import circle: {} -> {}",
                        circle.join(" -> "),
                        m.join("::")
                    ));
                }
                Some(_) => {}
                None => visit(m, edges, state, stack, found),
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for n in edges.keys() {
        if !state.contains_key(n) {
            visit(n, &edges, &mut state, &mut Vec::new(), &mut found);
        }
    }
    problems.extend(found);
    assert!(
        problems.is_empty(),
        "the architecture (docs/architecture.md) does not hold:\n{}",
        problems.join("\n")
    );
    // The measure can fail: the layer table must cover every module it found.
    let modules: BTreeSet<&String> = all.keys().filter_map(|m| m.first()).collect();
    assert!(modules.len() > 10, "{modules:?}");
}
