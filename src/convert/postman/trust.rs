//! Which variables checks may read at run time: every script of the collection read once
//! before the import proper, in the order Newman runs the requests (SPEC section 6).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::super::Names;
use super::scope::scripts;
use super::script::{self, Trust};

/// The trust of a collection `root` whose top-level events are `events` and items `items`.
pub(super) fn trust(root: &Json, events: Option<&Json>, items: &[Json]) -> Trust {
    let mut w = Walk::default();
    w.walk(events, items);
    w.t.absent = absent(root, &w);
    // Set to a value known at import (which goes to `vars`, once) and captured too: after
    // a capture baton never has the known value again, where Newman sets it again.
    let both: Vec<String> =
        w.t.literal
            .keys()
            .filter(|n| w.captured.contains(*n))
            .cloned()
            .collect();
    w.t.never.extend(both);
    w.t
}

/// Names scripts read (`environment.x`, `pm.variables.get('x')`, ...) that nothing in the
/// collection gives a value (see `Trust::absent`).
fn absent(root: &Json, w: &Walk) -> BTreeSet<String> {
    let mut given = BTreeSet::new();
    defined(root, &mut given);
    let text = root.to_string();
    given.extend(
        TEMPLATED
            .captures_iter(&text)
            .map(|c| c[1].trim().to_string()),
    );
    let set = w
        .captured
        .iter()
        .chain(w.t.literal.keys())
        .chain(w.t.never.iter())
        .chain(w.t.unset.keys());
    given.extend(set.cloned());
    READS
        .captures_iter(&text)
        // `pm.environment.name` is the environment's name, `environment.get(` a call.
        .filter(|c| c.name("pm").is_none() && c.name("call").is_none())
        .filter_map(|c| {
            c.name("legacy")
                .or_else(|| c.name("getter"))
                .map(|m| m.as_str())
        })
        .filter(|n| !given.contains(*n) && crate::template::is_identifier(n))
        .map(str::to_string)
        .collect()
}

/// `{{name}}` anywhere in the collection's text.
static TEMPLATED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\{\{([^{}]+)\}\}").unwrap());
/// A script reading a variable by name: the legacy `environment.x` and `globals.x`, or a
/// getter's quoted argument (in the JSON text, so quotes may be escaped).
static READS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<pm>pm\.)?\b(?:environment|globals)\.(?P<legacy>[A-Za-z_]\w*)(?P<call>\s*\()?",
        r"|(?:(?:environment|globals|variables|collectionVariables)\.(?:get|has)",
        r#"|get(?:Environment|Global|Collection)Variable)\(\\?['"](?P<getter>[A-Za-z_]\w*)\\?['"]"#,
    ))
    .unwrap()
});

/// Names of the variables the collection and its folders define.
fn defined(v: &Json, out: &mut BTreeSet<String>) {
    if let Some(list) = v.get("variable").and_then(Json::as_array) {
        out.extend(
            list.iter()
                .filter_map(|e| e.get("key").or_else(|| e.get("id")))
                .filter_map(Json::as_str)
                .map(str::to_string),
        );
    }
    for item in v.get("item").and_then(Json::as_array).into_iter().flatten() {
        defined(item, out);
    }
}

/// What the walk has found so far.
#[derive(Default)]
struct Walk {
    t: Trust,
    names: Names,
    /// The number of the next request.
    next: usize,
    /// Variables scripts capture from a response.
    captured: std::collections::BTreeSet<String>,
}

impl Walk {
    /// Reads the scripts of a collection or folder (`events`) and of everything under it.
    fn walk(&mut self, events: Option<&Json>, items: &[Json]) {
        // A collection or folder script runs around its first request and every one after.
        self.note(events);
        for item in items {
            match item.get("item").and_then(Json::as_array) {
                Some(children) => self.walk(item.get("event"), children),
                None => {
                    self.note(item.get("event"));
                    self.next += 1;
                }
            }
        }
    }

    fn note(&mut self, events: Option<&Json>) {
        let at = self.next;
        for (kind, source) in scripts(events) {
            let open = Trust::default();
            let around = script::Around {
                trust: &open,
                at: Some(at),
                req: None,
            };
            let s = script::translate_in(&source, kind, &mut self.names, around);
            if s.clears && self.t.cleared.is_none() {
                self.t.cleared = Some((at, kind));
            }
            self.t.never.extend(s.unknown_sets);
            for e in s.effects {
                if let script::Effect::Unset(n) = e {
                    self.t.unset.entry(n).or_insert((at, kind));
                }
            }
            self.captured.extend(s.captures.into_iter().map(|(n, _)| n));
            for (name, value) in s.vars {
                // Scripts that set different values: `vars` keeps one of them.
                if self.t.values.get(&name).is_some_and(|v| *v != value) {
                    self.t.never.insert(name.clone());
                }
                self.t.values.entry(name.clone()).or_insert(value);
                let first = self.t.literal.entry(name).or_insert((at, kind));
                // A request's pre-request script runs before its test script.
                if first.0 == at && kind == script::Kind::PreRequest {
                    first.1 = kind;
                }
            }
        }
    }
}
