//! Which variables checks may read at run time: every script of the collection read once
//! before the import proper, in the order Newman runs the requests (SPEC section 6).

use serde_json::Value as Json;

use super::super::Names;
use super::scope::scripts;
use super::script::{self, Trust};

/// The trust of a collection whose top-level events are `events` and items `items`.
pub(super) fn trust(events: Option<&Json>, items: &[Json]) -> Trust {
    let mut t = Trust::default();
    let mut names = Names::default();
    let mut next = 0;
    walk(events, items, &mut t, &mut names, &mut next);
    t
}

/// Reads the scripts of a collection or folder (`events`) and of everything under it;
/// `next` is the number of the next request.
fn walk(events: Option<&Json>, items: &[Json], t: &mut Trust, names: &mut Names, next: &mut usize) {
    // A collection or folder script runs around its first request and every one after.
    note(events, *next, t, names);
    for item in items {
        match item.get("item").and_then(Json::as_array) {
            Some(children) => walk(item.get("event"), children, t, names, next),
            None => {
                note(item.get("event"), *next, t, names);
                *next += 1;
            }
        }
    }
}

fn note(events: Option<&Json>, at: usize, t: &mut Trust, names: &mut Names) {
    for (kind, source) in scripts(events) {
        let s = script::translate_in(&source, kind, names, &Trust::default(), Some(at));
        t.none |= s.clears;
        t.never.extend(s.unknown_sets);
        for (name, _) in s.vars {
            t.literal.entry(name).or_insert(at);
        }
    }
}
