//! What a collection or folder hands down to each request under it: auth, and the checks
//! and captures of its test scripts (Newman runs them around every request).

use serde_json::Value as Json;

use super::script::{self, Kind, Translated};
use super::{AuthOut, Cx, auth, disabled, exec_source};

/// Inherited by every request under a collection or folder.
#[derive(Default, Clone)]
pub(super) struct Scope {
    pub auth: Option<AuthOut>,
    /// Checks and captures of the test scripts above, outermost first; `dropped` counts
    /// their assertions left as comments.
    pub tests: Translated,
}

/// The scope of a collection or folder inside `parent`; the comments of its scripts are
/// left in `scope_notes` for the caller to place.
pub(super) fn scope(
    cx: &mut Cx,
    events: Option<&Json>,
    owner: &str,
    parent: &Scope,
    auth: Option<&Json>,
) -> Scope {
    let mut inner = parent.clone();
    if let Some(a) = auth {
        match auth::auth(cx, a) {
            AuthOut::Inherit => {}
            other => inner.auth = Some(other),
        }
    }
    let mut notes = Vec::new();
    for (kind, source) in scripts(events) {
        let around = script::Around {
            trust: &cx.trust,
            at: None,
            req: None,
        };
        let t = script::translate_in(&source, kind, &mut cx.names, around);
        cx.unconverted += t.dropped_lines;
        if !t.comments.is_empty() {
            notes.push(format!(
                "postman {owner} {} script, run around every request below; not converted:",
                if kind == Kind::Test {
                    "test"
                } else {
                    "pre-request"
                }
            ));
            notes.extend(t.comments.iter().map(|c| format!("  {c}")));
        }
        cx.pre_vars.extend(t.vars.iter().cloned());
        if t.effects
            .iter()
            .any(|e| !matches!(e, script::Effect::Set(_)))
        {
            cx.warnings.push(format!(
                "the {owner} script unsets variables around every request; baton keeps them set"
            ));
        }
        inner.tests.checks.extend(t.checks);
        inner.tests.captures.extend(t.captures);
        inner.tests.dropped += t.dropped;
    }
    cx.scope_notes = notes;
    inner
}

/// The enabled test and pre-request scripts of an item, with their source text.
pub(super) fn scripts(events: Option<&Json>) -> Vec<(Kind, String)> {
    // Newman also reads a lone event object where the list belongs.
    let list = match events {
        Some(Json::Array(list)) => list.as_slice(),
        Some(one @ Json::Object(_)) => std::slice::from_ref(one),
        _ => &[],
    };
    list.iter()
        .filter(|e| !disabled(e))
        .filter_map(|e| {
            let kind = match e.get("listen").and_then(Json::as_str) {
                Some("test") => Kind::Test,
                Some("prerequest") => Kind::PreRequest,
                _ => return None,
            };
            Some((kind, exec_source(e)))
        })
        .collect()
}
