//! Which variables checks may read at run time: every script of the collection read once
//! before the import proper, in the order Newman runs the requests (SPEC section 6).

use serde_json::Value as Json;

use super::super::Names;
use super::scope::scripts;
use super::script::{self, Trust};

/// The trust of a collection whose top-level events are `events` and items `items`.
pub(super) fn trust(events: Option<&Json>, items: &[Json]) -> Trust {
    let mut w = Walk::default();
    w.walk(events, items);
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
