//! One translated assertion: what it reads from the response and the predicates on it.

use serde_json::Value as Json;

use super::super::super::writer::Y;

/// What part of the response a check reads.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target {
    Status,
    Header(String),
    Json(String),
    Body,
    Duration,
    /// The body against a JSON Schema (the predicate map holds `schema: {...}`).
    Schema,
    /// A variable's value at run time (baton's name for it).
    Var(String),
    /// A cookie's value in the cookie jar, for the URL that answered.
    Cookie(String),
}

/// A target and a map of predicates that must all hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    pub target: Target,
    pub pred: Y,
}

impl Check {
    pub fn new(target: Target, op: &str, value: Y) -> Check {
        Check {
            target,
            pred: Y::Map(vec![(op.to_string(), value)]),
        }
    }

    pub fn exists(path: String, present: bool) -> Check {
        Check::new(Target::Json(path), "exists", Y::Bool(present))
    }

    /// JavaScript truthiness of a JSON value: present and none of `false null 0 ""`.
    pub fn truthy(path: String) -> Check {
        Check::truthy_of(Target::Json(path))
    }

    /// JavaScript truthiness of any value: present and none of `false null 0 ""`.
    pub fn truthy_of(target: Target) -> Check {
        let falsy = Y::Seq(vec![Y::Bool(false), Y::Null, Y::Int(0), Y::str("")]);
        Check {
            target,
            pred: Y::Map(vec![
                ("exists".into(), Y::Bool(true)),
                ("not".into(), Y::Map(vec![("one_of".into(), falsy)])),
            ]),
        }
    }

    /// The check that holds when this one does not. baton's `not` negates each predicate
    /// in it, so the negation of several at once is stricter than "not all of them": never
    /// a false green. "Not truthy" (falsy or absent) cannot be said; absent is asked for.
    pub fn negate(self) -> Check {
        let truthy = matches!(&self.pred, Y::Map(m) if m.len() == 2 && m[0] == ("exists".to_string(), Y::Bool(true)) && m[1].0 == "not");
        if truthy {
            return Check::new(self.target, "exists", Y::Bool(false));
        }
        let pred = match self.pred {
            Y::Map(mut m) if m.len() == 1 && m[0].0 == "not" => m.remove(0).1,
            Y::Map(m) if m.len() == 1 && m[0].0 == "exists" => match m[0].1 {
                Y::Bool(b) => Y::Map(vec![("exists".into(), Y::Bool(!b))]),
                _ => Y::Map(vec![("not".into(), Y::Map(m))]),
            },
            other => Y::Map(vec![("not".into(), other)]),
        };
        Check { pred, ..self }
    }

    /// The predicates as written under their target: a lone `eq` of a scalar is the plain value.
    pub fn written(pred: &Y) -> Y {
        match pred {
            Y::Map(m)
                if m.len() == 1 && m[0].0 == "eq" && !matches!(m[0].1, Y::Map(_) | Y::Seq(_)) =>
            {
                m[0].1.clone()
            }
            other => other.clone(),
        }
    }

    /// A check of the whole body against an inline JSON Schema; `None` for one that does
    /// not compile (Newman's test fails on it; baton's `check` would refuse it).
    pub fn schema(s: Json) -> Option<Check> {
        if !s.is_object() || jsonschema::validator_for(&s).is_err() {
            return None;
        }
        let y = Y::from_json(&s, &mut |t| super::super::super::escape_jinja(t));
        Some(Check::new(Target::Schema, "schema", y))
    }
}
