//! `if (A) { X } else { Y }` where `A`, `X` and `Y` read only the parsed body: one JSON
//! Schema with `if`/`then`/`else`, so what holds only under the condition stays under it
//! (SPEC section 6). Each check is a schema at the end of its path; every step of a path
//! is an object or an array that must be there, as reading it in JavaScript needs it.

use oxc_ast::ast::{IfStatement, Statement};

use super::super::super::writer::Y;
use oxc_span::GetSpan;

use super::check::{Check, Target};
use super::eval::join_path;
use super::{Walker, assertions_in};

impl Walker<'_, '_> {
    /// Translates an `if` whose condition and branches all read the body into one schema
    /// check, and checks that what the condition reads can be read (JavaScript throws on a
    /// property of `null` or `undefined`, which fails the test). `None`: not such an `if`.
    pub(super) fn body_branches(&mut self, i: &IfStatement<'_>) -> Option<()> {
        let cond = {
            let (checks, env) = (self.out.checks.len(), self.env.clone());
            let c = self.cond(&i.test);
            self.out.checks.truncate(checks);
            self.env = env;
            c?
        };
        if cond.is_empty() {
            return None;
        }
        let if_schema = schema_of(&cond)?;
        let reach: Vec<Check> = cond.iter().map(readable).collect::<Option<_>>()?;
        let then = self.branch_checks(&i.consequent)?;
        let otherwise = match &i.alternate {
            Some(alt) => self.branch_checks(alt)?,
            None => Vec::new(),
        };
        if then.is_empty() && otherwise.is_empty() {
            return None;
        }
        let mut schema = vec![("if".to_string(), if_schema)];
        for (key, checks) in [("then", then), ("else", otherwise)] {
            if !checks.is_empty() {
                schema.push((key.to_string(), schema_of(&checks)?));
            }
        }
        let schema = Y::Map(schema);
        // A pattern the schema's regex dialect refuses would fail `check`: a comment instead.
        jsonschema::validator_for(&schema.to_json()?).ok()?;
        for c in reach {
            if !self.out.checks.contains(&c) {
                self.out.checks.push(c);
            }
        }
        self.out
            .checks
            .push(Check::new(Target::Schema, "schema", schema));
        Some(())
    }

    /// Which branch of an `if` runs, when that is known at import. A condition on a
    /// variable nothing in the collection gives a value is decided as Newman without an
    /// environment decides it only when the branch it skips checks nothing: were the
    /// variable given, baton would then check more than Newman, never less.
    pub(super) fn decided(&mut self, i: &IfStatement<'_>) -> Option<bool> {
        if let Some(holds) = self.known(&i.test) {
            return Some(holds);
        }
        self.absent_known = true;
        let holds = self.known(&i.test);
        self.absent_known = false;
        let holds = holds?;
        let skipped = if holds {
            i.alternate.as_ref()
        } else {
            Some(&i.consequent)
        };
        let text = skipped.map_or("", |s| {
            let span = s.span();
            &self.src[span.start as usize..span.end as usize]
        });
        (assertions_in(text) == 0).then_some(holds)
    }

    /// The checks one branch makes, when it makes nothing else (no capture, no variable,
    /// no statement left as a comment); the walk's state is as before.
    fn branch_checks(&mut self, s: &Statement<'_>) -> Option<Vec<Check>> {
        let at = (
            self.out.checks.len(),
            self.out.captures.len(),
            self.out.vars.len(),
            self.out.effects.len(),
            self.out.comments.len(),
            self.dropped_spans.len(),
            self.out.dropped,
        );
        let kept = (
            self.env.clone(),
            self.set_here.clone(),
            self.forgotten.clone(),
        );
        self.statement(s);
        let added = self.out.checks.split_off(at.0);
        let clean = (
            self.out.captures.len(),
            self.out.vars.len(),
            self.out.effects.len(),
        ) == (at.1, at.2, at.3)
            && self.out.comments.len() == at.4
            && self.dropped_spans.len() == at.5;
        self.out.captures.truncate(at.1);
        self.out.vars.truncate(at.2);
        self.out.effects.truncate(at.3);
        self.out.comments.truncate(at.4);
        self.dropped_spans.truncate(at.5);
        self.out.dropped = at.6;
        (self.env, self.set_here, self.forgotten) = kept;
        clean.then_some(added)
    }
}

/// The furthest item of a list a schema names.
const MAX_INDEX: usize = 1_000;

/// One step of a path into the body.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `$.a['b-c'][0]` as its steps; `None` for wildcards, filters, slices and the like.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            out.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = &r[..end];
            let quoted = ['\'', '"']
                .iter()
                .find_map(|q| inner.strip_prefix(*q)?.strip_suffix(*q));
            match quoted {
                Some(k) if !k.contains(['\\', '\'', '"']) => out.push(Step::Key(k.to_string())),
                Some(_) => return None,
                // An item far down a list is no schema's business (`prefixItems` lists
                // every item before it).
                None => out.push(Step::Index(inner.parse().ok().filter(|n| *n <= MAX_INDEX)?)),
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// Checks as one schema: each at the end of its path, paths that share steps merged.
fn schema_of(checks: &[Check]) -> Option<Y> {
    let mut root = Tree::default();
    for c in checks {
        root.add(c)?;
    }
    Some(root.render())
}

/// Schemas at places in the body, by place.
#[derive(Default)]
struct Tree {
    /// Schemas of the value here.
    here: Vec<Y>,
    /// Keys that must be there (an object), and what is below each.
    keys: Vec<(String, Tree)>,
    /// Items that must be there (an array), and what is below each.
    items: Vec<(usize, Tree)>,
    /// Keys that must not be there.
    absent: Vec<String>,
    /// An index that must not be there: the array is shorter.
    shorter_than: Option<usize>,
}

impl Tree {
    fn add(&mut self, c: &Check) -> Option<()> {
        let path = match &c.target {
            Target::Schema => {
                self.here.push(c.pred.get("schema")?.clone());
                return Some(());
            }
            Target::Json(p) => steps(p)?,
            _ => return None,
        };
        let Y::Map(preds) = &c.pred else {
            return None;
        };
        if let [(op, Y::Bool(false))] = preds.as_slice()
            && op == "exists"
        {
            let (last, parent) = path.split_last()?;
            let at = self.at(parent);
            match last {
                Step::Key(k) => at.absent.push(k.clone()),
                Step::Index(n) => at.shorter_than = Some(at.shorter_than.map_or(*n, |m| m.min(*n))),
            }
            return Some(());
        }
        let schema = preds_schema(preds)?;
        let at = self.at(&path);
        // Being there is said by the place itself.
        if schema != Y::Bool(true) {
            at.here.push(schema);
        }
        Some(())
    }

    /// The place at the end of `path`, made on the way.
    fn at(&mut self, path: &[Step]) -> &mut Tree {
        let Some((first, rest)) = path.split_first() else {
            return self;
        };
        let child = match first {
            Step::Key(k) => match self.keys.iter().position(|(n, _)| n == k) {
                Some(i) => &mut self.keys[i].1,
                None => {
                    self.keys.push((k.clone(), Tree::default()));
                    &mut self.keys.last_mut().expect("just pushed").1
                }
            },
            Step::Index(n) => match self.items.iter().position(|(i, _)| i == n) {
                Some(i) => &mut self.items[i].1,
                None => {
                    self.items.push((*n, Tree::default()));
                    &mut self.items.last_mut().expect("just pushed").1
                }
            },
        };
        child.at(rest)
    }

    fn render(self) -> Y {
        let mut parts = Vec::new();
        if !self.keys.is_empty() || !self.absent.is_empty() {
            let mut m = vec![("type".to_string(), Y::str("object"))];
            if !self.keys.is_empty() {
                let names = self.keys.iter().map(|(k, _)| Y::str(k.clone())).collect();
                m.push(("required".into(), Y::Seq(names)));
                let props: Vec<(String, Y)> = self
                    .keys
                    .into_iter()
                    .map(|(k, t)| (k, t.render()))
                    .filter(|(_, s)| *s != Y::Bool(true))
                    .collect();
                if !props.is_empty() {
                    m.push(("properties".into(), Y::Map(props)));
                }
            }
            if !self.absent.is_empty() {
                let any = self
                    .absent
                    .into_iter()
                    .map(|k| map([("required", Y::Seq(vec![Y::str(k)]))]))
                    .collect();
                m.push(("not".into(), map([("anyOf", Y::Seq(any))])));
            }
            parts.push(Y::Map(m));
        }
        if !self.items.is_empty() || self.shorter_than.is_some() {
            let mut m = vec![("type".to_string(), Y::str("array"))];
            let mut items = self.items;
            items.sort_by_key(|(i, _)| *i);
            if let Some((last, _)) = items.last() {
                m.push(("minItems".into(), Y::Int(*last as i64 + 1)));
                let mut prefix: Vec<Y> = (0..=*last).map(|_| Y::Bool(true)).collect();
                for (i, t) in items {
                    prefix[i] = t.render();
                }
                m.push(("prefixItems".into(), Y::Seq(prefix)));
            }
            if let Some(n) = self.shorter_than {
                m.push(("maxItems".into(), Y::Int(n as i64)));
            }
            parts.push(Y::Map(m));
        }
        parts.extend(self.here);
        all_of(parts)
    }
}

/// What must be readable for JavaScript to evaluate a condition's check without throwing:
/// the value whose `length` it reads, or else the object it reads a property of.
fn readable(c: &Check) -> Option<Check> {
    let Target::Json(p) = &c.target else {
        return None;
    };
    let length = c.pred.get("length").is_some();
    let mut s = steps(p)?;
    if !length {
        s.pop()?;
    }
    let mut path = String::from("$");
    for step in s {
        match step {
            Step::Key(k) => path = join_path(&path, &k),
            Step::Index(n) => path.push_str(&format!("[{n}]")),
        }
    }
    Some(Check::new(Target::Json(path), "ne", Y::Null))
}

/// baton's predicates on a value as a schema; `None` for one a schema cannot say.
fn preds_schema(preds: &[(String, Y)]) -> Option<Y> {
    let mut parts = Vec::new();
    for (op, v) in preds {
        let part = match (op.as_str(), v) {
            ("exists", Y::Bool(true)) => continue,
            ("eq", v) => map([("const", v.clone())]),
            ("ne", v) => map([("not", map([("const", v.clone())]))]),
            ("one_of", Y::Seq(_)) => map([("enum", v.clone())]),
            ("type", Y::Str(t))
                if [
                    "null", "boolean", "number", "integer", "string", "array", "object",
                ]
                .contains(&t.as_str()) =>
            {
                map([("type", v.clone())])
            }
            ("matches", Y::Str(_)) => map([("type", Y::str("string")), ("pattern", v.clone())]),
            ("gt" | "ge" | "lt" | "le", Y::Int(_) | Y::Float(_)) => {
                let key = match op.as_str() {
                    "gt" => "exclusiveMinimum",
                    "ge" => "minimum",
                    "lt" => "exclusiveMaximum",
                    _ => "maximum",
                };
                map([("type", Y::str("number")), (key, v.clone())])
            }
            ("length", v) => length_schema(v)?,
            ("not", Y::Map(inner)) => map([("not", preds_schema(inner)?)]),
            _ => return None,
        };
        parts.push(part);
    }
    Some(all_of(parts))
}

/// `length: n` or `length: { gt: n, ... }` of an array or a text.
fn length_schema(v: &Y) -> Option<Y> {
    let bounds: Vec<(&str, i64)> = match v {
        Y::Int(n) => vec![("eq", *n)],
        Y::Map(m) => m
            .iter()
            .map(|(op, v)| match v {
                Y::Int(n) => Some((op.as_str(), *n)),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    let (mut min, mut max) = (0i64, None::<i64>);
    for (op, n) in bounds {
        match op {
            "eq" => (min, max) = (min.max(n), Some(max.map_or(n, |m| m.min(n)))),
            "gt" => min = min.max(n + 1),
            "ge" => min = min.max(n),
            "lt" => max = Some(max.map_or(n - 1, |m| m.min(n - 1))),
            "le" => max = Some(max.map_or(n, |m| m.min(n))),
            _ => return None,
        }
    }
    if max.is_some_and(|x| x < min) {
        return Some(Y::Bool(false));
    }
    let of = |t: &str, lo: &str, hi: &str| {
        let mut m = vec![
            (String::from("type"), Y::str(t)),
            (lo.to_string(), Y::Int(min)),
        ];
        if let Some(x) = max {
            m.push((hi.to_string(), Y::Int(x)));
        }
        Y::Map(m)
    };
    Some(map([(
        "anyOf",
        Y::Seq(vec![
            of("array", "minItems", "maxItems"),
            of("string", "minLength", "maxLength"),
        ]),
    )]))
}

/// Schemas that must all hold: the one itself, `true` for none, else `allOf`.
fn all_of(mut parts: Vec<Y>) -> Y {
    match parts.len() {
        0 => Y::Bool(true),
        1 => parts.remove(0),
        _ => map([("allOf", Y::Seq(parts))]),
    }
}

fn map<const N: usize>(entries: [(&str, Y); N]) -> Y {
    Y::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
