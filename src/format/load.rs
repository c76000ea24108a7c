//! Loading: file -> spanned YAML -> checked model, following includes. Every problem of a
//! file is collected (with its position) before anything is returned, so nothing runs until
//! the whole input is good. The request, auth, body, expect and capture parts live in their
//! own files; this one reads the top level.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::keys;
use super::model::{Collection, Request, Step};
use super::request::{self, Defaults};
use crate::format::events::{self, Read};
use crate::format::reader;
use crate::format::yaml::{self, Kind, Node};
use crate::problem::source::{Pos, SourceFile};
use crate::problem::{Diag, Diags};

/// Everything wrong with a collection (and the files it includes), ready to print.
#[derive(Debug, thiserror::Error)]
#[error("{}", render_all(.0))]
pub struct LoadErrors(pub Vec<Diag>);

impl LoadErrors {
    pub fn render(&self) -> String {
        render_all(&self.0)
    }
}

fn render_all(diags: &[Diag]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render());
        out.push('\n');
    }
    out
}

/// Load and check one collection file, following its includes.
pub fn load(path: &Path) -> Result<Collection, LoadErrors> {
    let file = crate::problem::read_source(path).map_err(|d| LoadErrors(vec![d]))?;
    load_file(&file)
}

/// Load a collection from text already read (`path` is used for messages and relative paths).
pub fn load_str(path: &Path, text: String) -> Result<Collection, LoadErrors> {
    load_file(&SourceFile::new(path, text))
}

/// A collection as far as it could be read, and everything wrong with it: enough for
/// `check` to look for undefined variables in a file that also has structural errors.
#[derive(Debug)]
pub struct Loaded {
    pub collection: Option<Collection>,
    pub errors: Vec<Diag>,
    /// Variables captured by requests that could not be read (taken as defined).
    pub lost_captures: BTreeSet<String>,
}

/// What a load keeps of each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// The whole request, as a run needs it.
    #[default]
    Model,
    /// Its outline only (`Step::Outline`), which is all `check` looks at: memory follows
    /// the size of what is checked, not of the model.
    Outline,
}

/// Load a file, keeping what could be read even when there are errors.
pub fn load_partial(path: &Path, keep: Keep) -> Loaded {
    match crate::problem::read_source(path) {
        Ok(file) => load_loaded(&file, keep),
        Err(d) => Loaded {
            collection: None,
            errors: vec![d],
            lost_captures: BTreeSet::new(),
        },
    }
}

fn load_file(file: &Arc<SourceFile>) -> Result<Collection, LoadErrors> {
    let l = load_loaded(file, Keep::Model);
    if l.errors.is_empty() {
        l.collection.ok_or(LoadErrors(Vec::new()))
    } else {
        Err(LoadErrors(l.errors))
    }
}

fn load_loaded(file: &Arc<SourceFile>, keep: Keep) -> Loaded {
    // The same header, body or expectation in every request is compiled once and shared.
    let _sharing = (
        crate::template::share_compiled(),
        super::expect::share_paths(),
    );
    let mut loader = Loader {
        errors: Vec::new(),
        stack: Vec::new(),
        includes: Vec::new(),
        lost: BTreeSet::new(),
        keep,
    };
    let collection = loader.collection(file);
    // Report in reading order: by file (as first met), then line and column.
    let mut order: Vec<PathBuf> = Vec::new();
    for d in &loader.errors {
        if !order.contains(&d.span.file.path) {
            order.push(d.span.file.path.clone());
        }
    }
    loader.errors.sort_by_key(|d| {
        (
            order.iter().position(|p| *p == d.span.file.path),
            d.span.pos,
        )
    });
    Loaded {
        collection,
        errors: loader.errors,
        lost_captures: loader.lost,
    }
}

struct Loader {
    errors: Vec<Diag>,
    /// Canonical paths of the files being loaded, to catch include cycles.
    stack: Vec<PathBuf>,
    includes: Vec<PathBuf>,
    lost: BTreeSet<String>,
    keep: Keep,
}

/// Request names and snapshot files met so far in a file.
#[derive(Default)]
struct Seen {
    names: HashMap<String, Pos>,
    snapshots: HashMap<String, String>,
}

/// A file's requests read one by one as the parser reaches them (`events::Items`).
struct Reading<'a> {
    loader: &'a mut Loader,
    file: &'a Arc<SourceFile>,
    d: &'a mut Diags,
    /// The file's `defaults`, when given before `requests`.
    defaults: Option<Defaults>,
    seen: Seen,
    steps: Vec<Step>,
    /// Items read but not yet turned into steps: from the first very large one on, items wait
    /// until the whole file has parsed, so a syntax error after a huge request costs no more
    /// than it did when the file was parsed first and read after.
    held: Vec<Node>,
}

/// An item of more nodes than this waits for the whole file to parse.
const HELD_FROM_NODES: usize = 10_000;

/// Whether `node` has more than `limit` nodes (counting stops there).
fn larger_than(node: &Node, limit: &mut usize) -> bool {
    if *limit == 0 {
        return true;
    }
    *limit -= 1;
    match &node.kind {
        Kind::Seq(items) => items.iter().any(|n| larger_than(n, limit)),
        Kind::Map(entries) => entries.iter().any(|(_, n)| larger_than(n, limit)),
        _ => false,
    }
}

impl Reading<'_> {
    fn step(&mut self, item: Node) {
        yaml::duplicate_keys(&item, self.d);
        let fallback = Defaults::default();
        let defaults = self.defaults.as_ref().unwrap_or(&fallback);
        self.loader.request_item(
            &item,
            self.file,
            defaults,
            &mut self.seen,
            &mut self.steps,
            self.d,
        );
    }

    /// The steps, once the whole file has parsed.
    fn finish(mut self) -> Vec<Step> {
        for item in std::mem::take(&mut self.held) {
            self.step(item);
        }
        self.steps
    }
}

impl events::Items for Reading<'_> {
    fn start(&mut self, before: &[(yaml::Key, Node)]) -> bool {
        if let Some((_, n)) = before.iter().find(|(k, _)| k.name == "defaults") {
            self.defaults = Some(request::defaults(n, self.d));
        }
        true
    }

    fn item(&mut self, item: Node) {
        if !self.held.is_empty() || larger_than(&item, &mut { HELD_FROM_NODES }) {
            self.held.push(item);
        } else {
            self.step(item);
        }
    }
}

impl Loader {
    fn collection(&mut self, file: &Arc<SourceFile>) -> Option<Collection> {
        let canonical = std::fs::canonicalize(&file.path).unwrap_or_else(|_| file.path.clone());
        self.stack.push(canonical);
        let mut diags = Diags::new(file);
        let result = self.collection_in(file, &mut diags);
        self.errors.append(&mut diags.list);
        self.stack.pop();
        result
    }

    fn collection_in(&mut self, file: &Arc<SourceFile>, d: &mut Diags) -> Option<Collection> {
        let (mut root, streamed) = self.read_tree(file, d)?;
        yaml::duplicate_keys(&root, d);
        let Some(map) = root.as_map() else {
            d.error(
                root.pos,
                format!(
                    "a collection must be a map with `requests:`, found {}",
                    root.type_name()
                ),
            )
            .help("start the file with `requests:` followed by a list of requests");
            return None;
        };
        reader::check_keys(map, keys::TOP, "collection", d);
        if let Some(v) = root.get("version")
            && !matches!(v.kind, Kind::Int(1))
        {
            d.error(v.pos, "unsupported collection version")
                .label("only version 1 exists")
                .help("write `version: 1` or leave the key out");
        }
        let stem = file
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "collection".into());
        let name = root
            .get("name")
            .and_then(|n| reader::string(n, "name", d))
            .unwrap_or(stem);
        let base = file.dir();
        let openapi = root.get("openapi").and_then(|n| {
            let rel = reader::string(n, "openapi", d)?;
            reader::existing_file(&rel, n.pos, &base, d)
        });
        let vars = root
            .get("vars")
            .map(|n| reader::vars_map(n, "vars", d))
            .unwrap_or_default();
        let cookies = root
            .get("cookies")
            .and_then(|n| reader::boolean(n, "cookies", d))
            .unwrap_or(true);
        let steps = match streamed {
            Some(steps) => steps,
            None => self.requests_of(&mut root, file, d),
        };
        Some(Collection {
            name,
            path: file.path.clone(),
            file: Arc::clone(file),
            vars,
            cookies,
            steps,
            includes: std::mem::take(&mut self.includes),
            openapi,
        })
    }

    /// The file's tree and, when its requests were read as the parser went (each request's
    /// nodes freed once it is read, so a large file never holds its whole tree, nor its tree
    /// and its model at once), its steps. Otherwise (anchors, tags, `defaults` after
    /// `requests`, a syntax error...) whatever that reading found is forgotten and the file is
    /// read whole, by serde-saphyr when the fast reader leaves it.
    fn read_tree(
        &mut self,
        file: &Arc<SourceFile>,
        d: &mut Diags,
    ) -> Option<(Node, Option<Vec<Step>>)> {
        let saved = (
            self.errors.len(),
            self.includes.clone(),
            self.lost.clone(),
            d.list.len(),
        );
        let mut reading = Reading {
            loader: self,
            file,
            d,
            defaults: None,
            seen: Seen::default(),
            steps: Vec::new(),
            held: Vec::new(),
        };
        let read = match events::read(&file.text, Some(&mut reading)) {
            Some(Read::Tree(root)) => return Some((root, None)),
            Some(Read::Streamed(root))
                if reading.defaults.is_some() || root.get("defaults").is_none() =>
            {
                return Some((root, Some(reading.finish())));
            }
            read => read,
        };
        self.errors.truncate(saved.0);
        self.includes = saved.1;
        self.lost = saved.2;
        d.list.truncate(saved.3);
        // `defaults` after `requests`: the fast reader reads it whole; otherwise serde-saphyr.
        let whole = match read {
            Some(_) => yaml::parse_file(file),
            None => yaml::parse_file_full(file),
        };
        match whole {
            Ok(root) => Some((root, None)),
            Err(diag) => {
                d.list.push(diag);
                None
            }
        }
    }

    /// The steps of a tree read whole: its `defaults`, then its `requests` list, taken out of
    /// the tree so that each request's nodes are freed once it is read.
    fn requests_of(&mut self, root: &mut Node, file: &Arc<SourceFile>, d: &mut Diags) -> Vec<Step> {
        let defaults = root
            .get("defaults")
            .map(|n| request::defaults(n, d))
            .unwrap_or_default();
        let Some(node) = take(root, "requests") else {
            d.error(root.pos, "the collection has no `requests:` list")
                .help("add `requests:` with at least one `- name: ...` / `url: ...` item");
            return Vec::new();
        };
        let Kind::Seq(items) = node.kind else {
            d.error(
                node.pos,
                format!("`requests` must be a list, found {}", node.type_name()),
            )
            .help("write each request as a list item starting with `- name: ...`");
            return Vec::new();
        };
        let mut steps = Vec::with_capacity(items.len());
        let mut seen = Seen::default();
        for item in items {
            self.request_item(&item, file, &defaults, &mut seen, &mut steps, d);
        }
        steps
    }

    /// One item of `requests`: an include, or a request.
    fn request_item(
        &mut self,
        item: &Node,
        file: &Arc<SourceFile>,
        defaults: &Defaults,
        seen: &mut Seen,
        steps: &mut Vec<Step>,
        d: &mut Diags,
    ) {
        if let Some(inc) = item.get("include") {
            if let Some(map) = item.as_map() {
                for (k, _) in map.iter().filter(|(k, _)| k.name != "include") {
                    d.error(
                        k.pos,
                        format!("unexpected key `{}` next to `include`", k.name),
                    )
                    .help("an include item has only `include: path/to/file.yaml`");
                }
            }
            self.include(inc, file, steps, d);
            return;
        }
        if let Some(name_node) = item.get("name")
            && let Some(name) = name_node.scalar_text()
        {
            if let Some(first) = seen.names.get(&name) {
                d.error(name_node.pos, format!("duplicate request name `{name}`"))
                    .label("used again here")
                    .note(format!("first used on line {}", first.line))
                    .help("request names must be unique within a file");
            } else {
                seen.names.insert(name, name_node.pos);
            }
        }
        match request::request(item, file, defaults, d) {
            Some(mut req) => {
                if req.expect.snapshot.is_some() {
                    same_snapshot(&mut seen.snapshots, &req, item, d);
                }
                steps.push(match self.keep {
                    Keep::Model => {
                        compact(&mut req);
                        Step::Request(Box::new(req))
                    }
                    Keep::Outline => Step::Outline(Box::new(super::check::outline(&req))),
                });
            }
            None => {
                if let Some(caps) = item.get("capture").and_then(Node::as_map) {
                    self.lost.extend(caps.iter().map(|(k, _)| k.name.clone()));
                }
            }
        }
    }

    fn include(
        &mut self,
        node: &Node,
        file: &Arc<SourceFile>,
        steps: &mut Vec<Step>,
        d: &mut Diags,
    ) {
        let Some(rel) = reader::string(node, "include", d) else {
            return;
        };
        let path = file.dir().join(&rel);
        let canonical = match std::fs::canonicalize(&path) {
            Ok(p) => p,
            Err(e) => {
                d.error(node.pos, format!("cannot include `{rel}`: {e}"))
                    .help(format!(
                        "paths are relative to this file's directory ({})",
                        file.dir().display()
                    ));
                return;
            }
        };
        if self.stack.contains(&canonical) {
            d.error(
                node.pos,
                format!("`{rel}` includes itself (directly or through other files)"),
            )
            .help("remove the include that closes the cycle");
            return;
        }
        let inc_file = match crate::problem::read_source(&path) {
            Ok(f) => SourceFile::new(display_join(&file.path, &rel), f.text.clone()),
            Err(mut e) => {
                if e.span.pos.line == 0 {
                    d.error(node.pos, format!("cannot read `{rel}`: {}", e.message));
                } else {
                    e.message = format!("included from {}: {}", file.path.display(), e.message);
                    d.list.push(e);
                }
                return;
            }
        };
        if !self.includes.contains(&canonical) {
            self.includes.push(canonical);
        }
        let saved = std::mem::take(&mut self.includes);
        let included = self.collection(&inc_file);
        let mut nested = std::mem::take(&mut self.includes);
        self.includes = saved;
        if let Some(c) = included {
            for p in nested.drain(..).chain(c.includes) {
                if !self.includes.contains(&p) {
                    self.includes.push(p);
                }
            }
            if !c.vars.is_empty() {
                steps.push(Step::IncludeVars {
                    file: Arc::clone(&inc_file),
                    vars: c.vars,
                });
            }
            steps.extend(c.steps);
        }
    }
}

/// A request's lists hold what they read and no spare room: lists grown one item at a time
/// keep room for four, which a collection of 100,000 requests pays for in every request.
fn compact(req: &mut Request) {
    req.captures.shrink_to_fit();
    req.expect.items.shrink_to_fit();
    for item in &mut req.expect.items {
        item.checks.shrink_to_fit();
    }
}

/// The value of `key` in a map node, moved out (a null is left in its place).
fn take(node: &mut Node, key: &str) -> Option<Node> {
    let Kind::Map(entries) = &mut node.kind else {
        return None;
    };
    let (k, v) = entries.iter_mut().find(|(k, _)| k.name == key)?;
    let null = Node {
        kind: Kind::Null,
        pos: k.pos,
    };
    Some(std::mem::replace(v, null))
}

/// An included file's path as shown in messages: relative to where the user is, like its includer.
fn display_join(includer: &Path, rel: &str) -> PathBuf {
    let joined = includer
        .parent()
        .map(|p| p.join(rel))
        .unwrap_or_else(|| PathBuf::from(rel));
    // Drop `./` and `dir/../` noise without touching the file system.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some_and(|n| n != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `List orders` and `list-orders` would share one snapshot file: an error, not a silent
/// overwrite.
fn same_snapshot(
    seen: &mut HashMap<String, String>,
    req: &crate::format::model::Request,
    item: &Node,
    d: &mut Diags,
) {
    let file = snapshot_file_name(&req.name);
    match seen.get(&file) {
        Some(first) if *first != req.name => {
            let pos = item.get("name").map_or(item.pos, |n| n.pos);
            d.error(
                pos,
                format!(
                    "requests `{first}` and `{}` share the snapshot file `{file}.json`",
                    req.name
                ),
            )
            .help("rename one of them: a snapshot file is named by the request's name in lowercase, other characters as `-`");
        }
        _ => {
            seen.insert(file, req.name.clone());
        }
    }
}

/// The file name (without extension) of a request's snapshot: `List endpoints [0]` ->
/// `list-endpoints-0-`, lowercase, every run of characters other than `a-z0-9` one `-`.
pub fn snapshot_file_name(request: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in request.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::model::Action;
    use std::time::Duration;

    fn errors(text: &str) -> Vec<String> {
        match load_str(Path::new("t.yaml"), text.to_string()) {
            Ok(_) => Vec::new(),
            Err(e) => {
                e.0.iter()
                    .map(|d| format!("{}:{} {}", d.span.pos.line, d.span.pos.col, d.message))
                    .collect()
            }
        }
    }

    #[test]
    fn minimal_collection_loads() {
        let c = load_str(
            Path::new("dir/smoke.yaml"),
            "requests:\n  - name: a\n    url: http://x/\n".into(),
        )
        .unwrap();
        assert_eq!(c.name, "smoke");
        assert_eq!(c.requests().count(), 1);
        assert_eq!(c.requests().next().unwrap().method(), "GET");
    }

    #[test]
    fn all_errors_of_a_file_together() {
        let e = errors(
            "requests:\n  - name: a\n    methd: GET\n    url: http://x/\n  - name: a\n    url: \"{{ x\"\n    json: {}\n    form: {}\n    timeout: soon\n",
        );
        assert_eq!(e.len(), 5, "{e:#?}");
        assert!(e[0].starts_with("3:5 unknown key `methd`"), "{e:#?}");
        assert!(e.iter().any(|m| m.contains("duplicate request name `a`")));
        assert!(e.iter().any(|m| m.contains("at most one body")));
        assert!(e.iter().any(|m| m.contains("`soon` is not a duration")));
        assert!(
            e.iter()
                .any(|m| m.starts_with("6:10 `url`: template syntax error"))
        );
    }

    #[test]
    fn defaults_merge_and_null_removes() {
        let c = load_str(
            Path::new("t.yaml"),
            "defaults:\n  headers: { Accept: application/json, X-A: a }\n  timeout: 5s\nrequests:\n  - name: a\n    url: http://x/\n    headers: { x-a: null, X-B: b }\n"
                .into(),
        )
        .unwrap();
        let r = c.requests().next().unwrap();
        let Action::Send(s) = &r.action else {
            panic!("a send")
        };
        let names: Vec<&str> = s.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Accept", "X-B"]);
        assert_eq!(s.timeout, Some(Duration::from_secs(5)));
    }

    #[test]
    fn bad_version_and_auth() {
        let e = errors(
            "version: 2\nrequests:\n  - name: a\n    url: http://x/\n    auth: { bearr: x }\n",
        );
        assert!(
            e[0].starts_with("1:10 unsupported collection version"),
            "{e:#?}"
        );
        assert!(e[1].contains("unknown auth kind `bearr`"), "{e:#?}");
    }

    #[test]
    fn a_file_that_is_not_utf8_points_at_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.yaml");
        std::fs::write(&p, b"requests:\n  - name: caf\xe9\n").unwrap();
        let e = load(&p).unwrap_err();
        assert_eq!(e.0[0].span.pos, Pos::new(2, 14), "{}", e.render());
        assert!(e.render().contains("is not UTF-8"), "{}", e.render());
    }
}
