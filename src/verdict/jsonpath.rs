//! JSONPath on a compact body ([`crate::http::jsondoc`]) for the common forms: names,
//! indexes, wildcards and filters that compare singular queries with literals or test that
//! they exist. A path with anything else (slices, descendants, functions, escapes in
//! strings) is `None` here, and the caller evaluates it with `serde_json_path` on the full
//! document. The results are the same as `serde_json_path`'s: the comparisons are its own.

use std::borrow::Cow;

use serde_json::{Number, Value as Json};

use crate::http::jsondoc::NodeRef;

/// A path this module can evaluate.
#[derive(Debug)]
pub struct Path(Vec<Segment>);

/// One bracketed selection (or `.name`, `.*`): its selectors, in order.
type Segment = Vec<Selector>;

#[derive(Debug)]
enum Selector {
    Name(String),
    Index(i64),
    Wild,
    Filter(Expr),
}

#[derive(Debug)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Exists(Query),
    Cmp(Operand, Op, Operand),
}

#[derive(Debug)]
enum Operand {
    Lit(Json),
    Query(Query),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// `@...` or `$...` of names and indexes only.
#[derive(Debug)]
struct Query {
    absolute: bool,
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Name(String),
    Index(i64),
}

impl Path {
    /// The path, when every part of it is one this module evaluates.
    pub fn parse(text: &str) -> Option<Path> {
        let mut p = Parser { s: text, i: 0 };
        p.eat("$").then_some(())?;
        let mut segments = Vec::new();
        loop {
            p.blank();
            if p.i == p.s.len() {
                return Some(Path(segments));
            }
            segments.push(p.segment()?);
        }
    }

    /// The nodes the path selects, in order.
    pub fn select<'a>(&self, root: NodeRef<'a>) -> Vec<NodeRef<'a>> {
        let mut nodes = vec![root];
        for segment in &self.0 {
            let mut next = Vec::new();
            for node in &nodes {
                for sel in segment {
                    select(sel, *node, root, &mut next);
                }
            }
            nodes = next;
        }
        nodes
    }
}

fn select<'a>(sel: &Selector, node: NodeRef<'a>, root: NodeRef<'a>, out: &mut Vec<NodeRef<'a>>) {
    match sel {
        Selector::Name(n) => out.extend(node.get(n)),
        Selector::Index(i) => out.extend(node.index(*i)),
        Selector::Wild => out.extend(node.children()),
        Selector::Filter(e) => out.extend(node.children().filter(|c| test(e, *c, root))),
    }
}

fn test(e: &Expr, current: NodeRef, root: NodeRef) -> bool {
    match e {
        Expr::Or(all) => all.iter().any(|e| test(e, current, root)),
        Expr::And(all) => all.iter().all(|e| test(e, current, root)),
        Expr::Not(e) => !test(e, current, root),
        // An existence test is a query, where a negative index counts from the end.
        Expr::Exists(q) => q.eval(current, root, true).is_some(),
        Expr::Cmp(l, op, r) => compare(&value(l, current, root), *op, &value(r, current, root)),
    }
}

impl Query {
    /// The node selected; a comparison's singular query takes no negative index.
    fn eval<'a>(
        &self,
        current: NodeRef<'a>,
        root: NodeRef<'a>,
        negative: bool,
    ) -> Option<NodeRef<'a>> {
        let mut at = if self.absolute { root } else { current };
        for step in &self.steps {
            at = match step {
                Step::Name(n) => at.get(n)?,
                Step::Index(i) if *i < 0 && !negative => return None,
                Step::Index(i) => at.index(*i)?,
            };
        }
        Some(at)
    }
}

/// A comparable's value: `None` is "Nothing" (a query that selects no node).
fn value<'o>(o: &'o Operand, current: NodeRef, root: NodeRef) -> Option<Cow<'o, Json>> {
    match o {
        Operand::Lit(v) => Some(Cow::Borrowed(v)),
        Operand::Query(q) => q
            .eval(current, root, false)
            .map(|n| Cow::Owned(n.to_json())),
    }
}

/// `serde_json_path`'s comparison of two comparables.
fn compare(l: &Option<Cow<Json>>, op: Op, r: &Option<Cow<Json>>) -> bool {
    let eq = || match (l, r) {
        (Some(a), Some(b)) => value_equal(a, b),
        (None, None) => true,
        _ => false,
    };
    let lt = || match (l, r) {
        (Some(a), Some(b)) => value_less(a, b),
        _ => false,
    };
    let same = || match (l, r) {
        (Some(a), Some(b)) => {
            std::mem::discriminant(a.as_ref()) == std::mem::discriminant(b.as_ref())
        }
        _ => false,
    };
    match op {
        Op::Eq => eq(),
        Op::Ne => !eq(),
        Op::Lt => same() && lt(),
        Op::Gt => same() && !lt() && !eq(),
        Op::Le => same() && (lt() || eq()),
        Op::Ge => same() && !lt(),
    }
}

fn value_equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => number_cmp(x, y, |a, b| a == b, |a, b| a == b),
        _ => a == b,
    }
}

fn value_less(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => number_cmp(x, y, |a, b| a < b, |a, b| a < b),
        (Json::String(x), Json::String(y)) => x < y,
        _ => false,
    }
}

/// As `serde_json_path`: as floats when both are, else as signed, else as unsigned integers.
fn number_cmp(
    x: &Number,
    y: &Number,
    f: impl Fn(f64, f64) -> bool,
    i: impl Fn(i128, i128) -> bool,
) -> bool {
    if let (Some(a), Some(b)) = (x.as_f64(), y.as_f64()) {
        f(a, b)
    } else if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        i(a.into(), b.into())
    } else if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        i(a.into(), b.into())
    } else {
        false
    }
}

/// A recursive-descent reader of the forms above; `None` at anything else.
struct Parser<'s> {
    s: &'s str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.i += token.len();
        }
        found
    }

    fn blank(&mut self) {
        let n = self.rest().len()
            - self
                .rest()
                .trim_start_matches([' ', '\t', '\n', '\r'])
                .len();
        self.i += n;
    }

    fn segment(&mut self) -> Option<Segment> {
        if self.rest().starts_with("..") {
            return None;
        }
        if self.eat(".") {
            if self.eat("*") {
                return Some(vec![Selector::Wild]);
            }
            return Some(vec![Selector::Name(self.shorthand()?)]);
        }
        self.eat("[").then_some(())?;
        let mut selectors = Vec::new();
        loop {
            self.blank();
            selectors.push(self.selector()?);
            self.blank();
            if self.eat("]") {
                return Some(selectors);
            }
            self.eat(",").then_some(())?;
        }
    }

    fn selector(&mut self) -> Option<Selector> {
        if self.eat("*") {
            return Some(Selector::Wild);
        }
        if self.eat("?") {
            self.blank();
            return Some(Selector::Filter(self.or()?));
        }
        if let Some(name) = self.quoted() {
            return Some(Selector::Name(name));
        }
        Some(Selector::Index(self.int()?))
    }

    /// `name` after a `.`: a letter, `_` or non-ASCII, then those or digits.
    fn shorthand(&mut self) -> Option<String> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_' || !first.is_ascii()) {
            return None;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()))
            .unwrap_or(rest.len());
        let name = rest[..end].to_string();
        self.i += end;
        Some(name)
    }

    /// `'name'` or `"name"` with no escapes.
    fn quoted(&mut self) -> Option<String> {
        let quote = self
            .rest()
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')?;
        let body = &self.rest()[1..];
        let end = body.find(quote)?;
        let name = &body[..end];
        if name.contains('\\') {
            return None;
        }
        let name = name.to_string();
        self.i += end + 2;
        Some(name)
    }

    /// An integer not followed by `:` (a slice).
    fn int(&mut self) -> Option<i64> {
        let rest = self.rest();
        let digits = rest.strip_prefix('-').unwrap_or(rest);
        let len = digits.len()
            - digits
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .len();
        if len == 0 {
            return None;
        }
        let end = rest.len() - digits.len() + len;
        let n = rest[..end].parse().ok()?;
        self.i += end;
        self.blank();
        (!self.rest().starts_with(':')).then_some(n)
    }

    fn or(&mut self) -> Option<Expr> {
        let mut all = vec![self.and()?];
        loop {
            self.blank();
            if !self.eat("||") {
                return Some(if all.len() == 1 {
                    all.remove(0)
                } else {
                    Expr::Or(all)
                });
            }
            self.blank();
            all.push(self.and()?);
        }
    }

    fn and(&mut self) -> Option<Expr> {
        let mut all = vec![self.basic()?];
        loop {
            self.blank();
            if !self.rest().starts_with("&&") {
                return Some(if all.len() == 1 {
                    all.remove(0)
                } else {
                    Expr::And(all)
                });
            }
            self.i += 2;
            self.blank();
            all.push(self.basic()?);
        }
    }

    fn basic(&mut self) -> Option<Expr> {
        if self.eat("!") {
            self.blank();
            let inner = if self.eat("(") {
                self.paren()?
            } else {
                Expr::Exists(self.query()?)
            };
            return Some(Expr::Not(Box::new(inner)));
        }
        if self.eat("(") {
            return self.paren();
        }
        let left = self.operand()?;
        let save = self.i;
        self.blank();
        let Some(op) = self.op() else {
            self.i = save;
            return match left {
                Operand::Query(q) => Some(Expr::Exists(q)),
                Operand::Lit(_) => None,
            };
        };
        self.blank();
        Some(Expr::Cmp(left, op, self.operand()?))
    }

    fn paren(&mut self) -> Option<Expr> {
        self.blank();
        let e = self.or()?;
        self.blank();
        self.eat(")").then_some(e)
    }

    fn op(&mut self) -> Option<Op> {
        let ops = [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let (token, op) = ops.into_iter().find(|(t, _)| self.rest().starts_with(t))?;
        self.i += token.len();
        Some(op)
    }

    fn operand(&mut self) -> Option<Operand> {
        if self.rest().starts_with(['@', '$']) {
            return Some(Operand::Query(self.query()?));
        }
        if let Some(s) = self.quoted() {
            return Some(Operand::Lit(Json::String(s)));
        }
        for (word, v) in [
            ("true", Json::Bool(true)),
            ("false", Json::Bool(false)),
            ("null", Json::Null),
        ] {
            let after = self.rest().strip_prefix(word);
            if after.is_some_and(|a| !a.starts_with(|c: char| c.is_alphanumeric() || c == '_')) {
                self.i += word.len();
                return Some(Operand::Lit(v));
            }
        }
        self.number().map(Operand::Lit)
    }

    /// A number literal: `-`, digits, `.`, `e`/`E`, `+`.
    fn number(&mut self) -> Option<Json> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
            .unwrap_or(rest.len());
        let n: Number = serde_json::from_str(&rest[..end]).ok()?;
        self.i += end;
        Some(Json::Number(n))
    }

    /// `@` or `$` then names and indexes, as in `@.a['b'][0]`.
    fn query(&mut self) -> Option<Query> {
        let absolute = match self.rest().chars().next()? {
            '$' => true,
            '@' => false,
            _ => return None,
        };
        self.i += 1;
        let mut steps = Vec::new();
        loop {
            if self.rest().starts_with("..") {
                return None;
            }
            if self.eat(".") {
                steps.push(Step::Name(self.shorthand()?));
            } else if self.eat("[") {
                self.blank();
                let step = match self.quoted() {
                    Some(name) => Step::Name(name),
                    None => Step::Index(self.int()?),
                };
                self.blank();
                self.eat("]").then_some(())?;
                steps.push(step);
            } else {
                return Some(Query { absolute, steps });
            }
        }
    }
}

#[cfg(test)]
mod tests;
