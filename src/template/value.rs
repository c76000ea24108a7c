//! The values templates render with: `Vars` (a scope, cheap to clone) and `TValue` (a YAML
//! value whose strings are templates), plus the plain-text form of a JSON value.

use std::collections::HashMap;
use std::sync::Arc;

use minijinja::Value as MjValue;
use minijinja::value::{Enumerator, Object};
use serde_json::Value as Json;

use super::env::{HOST_KEY, Host};
use super::{TemplateError, Tmpl};

/// Variables in scope while rendering: name -> value, cheap to clone and share, and the run
/// (`Host`) that template functions such as `secret()` report to.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    pub(super) map: Arc<HashMap<String, MjValue>>,
    host: Host,
}

impl Vars {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty scope whose template functions read and report to `host`.
    pub fn with_host(host: Host) -> Self {
        Self {
            map: Arc::default(),
            host,
        }
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub fn set(&mut self, name: impl Into<String>, value: &Json) {
        Arc::make_mut(&mut self.map).insert(name.into(), MjValue::from_serialize(value));
    }

    /// Forget a variable (the `item` of a `for_each` after its loop).
    pub fn remove(&mut self, name: &str) {
        if self.map.contains_key(name) {
            Arc::make_mut(&mut self.map).remove(name);
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn get(&self, name: &str) -> Option<Json> {
        self.map
            .get(name)
            .and_then(|v| serde_json::to_value(v).ok())
    }

    pub(super) fn context(&self) -> MjValue {
        MjValue::from_object(Scope {
            map: Arc::clone(&self.map),
            host: self.host.clone(),
        })
    }
}

/// The render context: the variables, and the host under a name no template can write.
#[derive(Debug)]
struct Scope {
    map: Arc<HashMap<String, MjValue>>,
    host: Host,
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &MjValue) -> Option<MjValue> {
        let k = key.as_str()?;
        if k == HOST_KEY {
            return Some(MjValue::from_object(self.host.clone()));
        }
        self.map.get(k).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.map.keys().map(|k| MjValue::from(k.as_str())).collect())
    }
}

/// A YAML value whose strings are templates.
#[derive(Debug, Clone)]
pub enum TValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Tmpl),
    Seq(Vec<TValue>),
    Map(Vec<(String, TValue)>),
}

impl TValue {
    /// A value whose strings are never rendered.
    pub fn literal(v: &Json) -> TValue {
        match v {
            Json::Null => TValue::Null,
            Json::Bool(b) => TValue::Bool(*b),
            Json::Number(n) => TValue::Number(n.clone()),
            Json::String(s) => {
                TValue::Str(Tmpl::literal(s, crate::problem::source::Pos::default()))
            }
            Json::Array(a) => TValue::Seq(a.iter().map(TValue::literal).collect()),
            Json::Object(o) => TValue::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), TValue::literal(v)))
                    .collect(),
            ),
        }
    }

    pub fn render(&self, vars: &Vars) -> Result<Json, TemplateError> {
        Ok(match self {
            TValue::Null => Json::Null,
            TValue::Bool(b) => Json::Bool(*b),
            TValue::Number(n) => Json::Number(n.clone()),
            TValue::Str(t) => t.render_value(vars)?,
            TValue::Seq(items) => Json::Array(
                items
                    .iter()
                    .map(|i| i.render(vars))
                    .collect::<Result<_, _>>()?,
            ),
            TValue::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.render(vars)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
        })
    }

    /// Every template inside, for the undefined-variable check.
    pub fn templates<'a>(&'a self, out: &mut Vec<&'a Tmpl>) {
        match self {
            TValue::Str(t) => out.push(t),
            TValue::Seq(items) => items.iter().for_each(|i| i.templates(out)),
            TValue::Map(entries) => entries.iter().for_each(|(_, v)| v.templates(out)),
            _ => {}
        }
    }
}

/// The plain text of a JSON value: strings without quotes, the rest as JSON.
pub fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value as a longer template prints it: strings bare, everything else as JSON writes it
/// (`true`, `null`, `1.0`, compact `[1,"a"]`), never MiniJinja's `none` or Python's `True`.
pub(super) fn scalar_text(v: &MjValue) -> String {
    use minijinja::value::ValueKind;
    match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        ValueKind::Undefined => String::new(),
        ValueKind::None => "null".into(),
        ValueKind::Bool => (if v.is_true() { "true" } else { "false" }).into(),
        ValueKind::Number => v.to_string(),
        _ => serde_json::to_string(v).unwrap_or_else(|_| v.to_string()),
    }
}

/// A name templates can read as `{{ name }}`: letters, digits and `_`, not starting with a digit.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
