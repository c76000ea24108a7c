//! Expressions as symbolic values: a part of the response (a JSONPath, a header, the
//! status), a value known at import, a variable read at run time, or a condition.

use oxc_ast::ast::{BinaryOperator, Expression, LogicalOperator, UnaryOperator};
use serde_json::Value as Json;

use super::super::super::escape_jinja;
use super::super::super::writer::Y;
use super::Walker;
use super::check::{Check, Target};
pub(super) use super::syntax::{Link, arg, flatten, join_path, literal, string_arg};

/// What an expression stands for.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Sym {
    /// A part of the parsed response body.
    Json(String),
    /// `.length` of a part of the body, or of the body text.
    Len(Box<Sym>),
    Header(String),
    Status,
    Duration,
    /// The response body as text.
    Body,
    /// A cookie's value in the jar (`pm.cookies.get(name)`): checks read the jar for the
    /// URL that answered; a capture reads the response's `Set-Cookie`.
    Cookie(String),
    /// The jar's cookies as an object (`pm.cookies.toObject()`).
    Jar,
    /// A cookie of the jar as Postman's object (`postman.getResponseCookie(name)`): its
    /// `.value` is the cookie's value; it is truthy when the cookie is there.
    CookieObj(String),
    /// A position in a header's value found with `indexOf`: where a match of the regex
    /// `pre` (searched for in the value) ends, with the text `follow` right after it.
    Pos {
        header: String,
        pre: String,
        follow: String,
    },
    /// A part of a header's value: the first group of `regex` (searched for in it).
    HeaderPart {
        header: String,
        regex: String,
    },
    /// `pm.response` itself (for `pm.expect(pm.response).to.have.status(200)`).
    Response,
    /// `pm.request`, as far as the import knows it.
    Request(super::ReqInfo),
    /// A value known at import.
    Lit(Json),
    /// A variable's value at run time (baton's name for it).
    Var(String),
    /// A boolean that is true when all these checks hold.
    Cond(Vec<Check>),
    /// The sandbox's JSON Schema library (`require('ajv')`), an instance of it, and a
    /// schema it compiled: what they say of values known at import is computed.
    Ajv,
    AjvInstance,
    /// `require('lodash')`: the sandbox's `_`.
    Lodash,
    Validator(Json),
}

/// A value to compare with, as YAML: literals (with template syntax escaped) or templates.
pub(super) fn operand(s: &Sym) -> Option<Y> {
    match s {
        Sym::Lit(v) => Some(Y::from_json(v, &mut |t| escape_jinja(t))),
        Sym::Var(n) => Some(Y::Str(format!("{{{{ {n} }}}}"))),
        _ => None,
    }
}

/// A check that `subject OP value` holds (`op` a baton predicate name).
pub(super) fn compare(subject: &Sym, op: &str, value: &Sym) -> Option<Check> {
    let v = operand(value)?;
    let pred = |v: Y| Y::Map(vec![(op.to_string(), v)]);
    Some(match subject {
        Sym::Json(p) => Check {
            target: Target::Json(p.clone()),
            pred: pred(v),
        },
        Sym::Var(_) | Sym::Cookie(_) => Check {
            target: named(subject)?,
            pred: pred(v),
        },
        Sym::Len(inner) => {
            let target = match &**inner {
                Sym::Json(p) => Target::Json(p.clone()),
                Sym::Body => Target::Body,
                other => named(other)?,
            };
            // A length is a whole number: one compared with anything else stays a comment.
            if let Sym::Lit(n) = value
                && n.as_u64().is_none()
            {
                return None;
            }
            let inner_pred = if op == "eq" { v } else { pred(v) };
            Check::new(target, "length", inner_pred)
        }
        Sym::Status => {
            let code = |n: &Json| n.as_u64().is_some_and(|n| n <= 999);
            let codes = match value {
                Sym::Lit(Json::Array(list)) => list.iter().all(code),
                Sym::Lit(n) => code(n),
                _ => false,
            };
            if !codes {
                return None;
            }
            Check {
                target: Target::Status,
                pred: pred(v),
            }
        }
        Sym::Duration => {
            let Sym::Lit(Json::Number(n)) = value else {
                return None;
            };
            let ms = n.as_f64().filter(|ms| (0.0..=1e12).contains(ms))?;
            if !matches!(op, "lt" | "le" | "gt" | "ge") {
                return None;
            }
            Check::new(Target::Duration, op, Y::Str(format!("{ms}ms")))
        }
        Sym::Header(h) if matches!(op, "eq" | "ne" | "contains" | "matches" | "one_of") => Check {
            target: Target::Header(h.clone()),
            pred: pred(v),
        },
        Sym::Body if matches!(op, "eq" | "ne" | "contains" | "matches") => Check {
            target: Target::Body,
            pred: pred(v),
        },
        _ => return None,
    })
}

/// A value read by name at run time: a variable's, or a cookie's in the jar.
pub(super) fn named(s: &Sym) -> Option<Target> {
    match s {
        Sym::Var(n) => Some(Target::Var(n.clone())),
        Sym::Cookie(c) => Some(Target::Cookie(c.clone())),
        _ => None,
    }
}

/// `compare`, and when the value compared with is a variable, that the variable is set:
/// in Postman an unset one is `undefined`, which nothing but `undefined` equals or orders
/// against (`!=` needs no more).
pub(super) fn compare_checks(subject: &Sym, op: &str, value: &Sym) -> Option<Vec<Check>> {
    let mut out = vec![compare(subject, op, value)?];
    if let Sym::Var(n) = value
        && op != "ne"
        && !matches!(subject, Sym::Var(m) if m == n)
    {
        out.push(Check::new(Target::Var(n.clone()), "exists", Y::Bool(true)));
    }
    Some(out)
}

impl Walker<'_, '_> {
    /// The symbolic value of an expression, when it has one.
    pub(super) fn eval(&mut self, e: &Expression<'_>) -> Option<Sym> {
        if let Some(v) = literal(e) {
            return Some(Sym::Lit(v));
        }
        match e {
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression),
            Expression::Identifier(id) => self.ident(id.name.as_str()),
            Expression::TemplateLiteral(t) => {
                // `${a}-${b}`: text joined at import when every part is known.
                let mut text = String::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    text.push_str(q.value.cooked.as_ref()?.as_str());
                    if let Some(x) = t.expressions.get(i) {
                        let Sym::Lit(v) = self.eval(x)? else {
                            return None;
                        };
                        text.push_str(&js_text(&v)?);
                    }
                }
                Some(Sym::Lit(Json::String(text)))
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                // `'Basic ' + token`: text joined at import when both sides are known.
                match (self.eval(&b.left)?, self.eval(&b.right)?) {
                    (Sym::Lit(l), Sym::Lit(r)) if l.is_string() || r.is_string() => Some(Sym::Lit(
                        Json::String([l, r].iter().map(js_text).collect::<Option<String>>()?),
                    )),
                    // `h.indexOf('"') + 1`: a position in a header's value, moved on.
                    (pos @ Sym::Pos { .. }, Sym::Lit(Json::Number(n))) => {
                        self.advance(pos, n.as_u64()?)
                    }
                    _ => None,
                }
            }
            Expression::BinaryExpression(_) => self.cond(e).map(Sym::Cond),
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And => {
                self.cond(e).map(Sym::Cond)
            }
            // `json.user || {}`: the part itself. Where it is absent or falsy, a path below it
            // selects nothing, which fails what reading `{}` would fail (and more: stricter).
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::Or => {
                match (self.eval(&l.left)?, literal(&l.right)?) {
                    (part @ Sym::Json(_), Json::Object(o)) if o.is_empty() => Some(part),
                    (part @ Sym::Json(_), Json::Array(a)) if a.is_empty() => Some(part),
                    _ => None,
                }
            }
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                self.cond(e).map(Sym::Cond)
            }
            Expression::CallExpression(c) if matches!(c.callee, Expression::Identifier(_)) => {
                let Expression::Identifier(id) = &c.callee else {
                    return None;
                };
                self.plain_call(id.name.as_str(), &c.arguments)
            }
            Expression::ConditionalExpression(c) => {
                if self.known(&c.test)? {
                    self.eval(&c.consequent)
                } else {
                    self.eval(&c.alternate)
                }
            }
            Expression::NewExpression(n) => match (&n.callee, n.arguments.len()) {
                (Expression::Identifier(id), 0 | 1)
                    if self.ident(id.name.as_str())? == Sym::Ajv =>
                {
                    Some(Sym::AjvInstance)
                }
                _ => None,
            },
            Expression::CallExpression(_)
            | Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_) => {
                let (base, links) = flatten(e);
                let (sym, used) = self.root(base, &links)?;
                self.apply(sym, &links[used..])
            }
            _ => None,
        }
    }

    pub(super) fn ident(&self, name: &str) -> Option<Sym> {
        if let Some(s) = self.env.get(name) {
            if self.volatile.contains(name) {
                return None;
            }
            return Some(s.clone());
        }
        match name {
            "responseBody" => Some(Sym::Body),
            "responseJSON" => Some(Sym::Json("$".into())),
            "responseTime" => Some(Sym::Duration),
            _ => None,
        }
    }

    /// The value a chain starts from, and how many of its links that used.
    pub(super) fn root(
        &mut self,
        base: &Expression<'_>,
        links: &[Link<'_, '_>],
    ) -> Option<(Sym, usize)> {
        let Expression::Identifier(id) = base else {
            if let (Expression::RegExpLiteral(_), Some(Link::Call("test", [x]))) =
                (base, links.first())
            {
                return Some((self.regex_test(base, x.as_expression()?)?, 1));
            }
            // A call of a plain function (`parseInt(x)`) is its own base: nothing known.
            if links.is_empty() {
                return None;
            }
            return Some((self.eval(base)?, 0));
        };
        let p = |i: usize| links.get(i).and_then(Link::prop);
        let c = |i: usize| links.get(i).and_then(Link::call);
        let name = id.name.as_str();
        Some(match name {
            "pm" => self.pm_root(links)?,
            "responseCode" if p(0) == Some("code") => (Sym::Status, 1),
            "JSON" => match c(0)? {
                ("parse", args) if self.eval(arg(args, 0)?)? == Sym::Body => {
                    (Sym::Json("$".into()), 1)
                }
                _ => return None,
            },
            "postman" => match c(0)? {
                ("getResponseHeader", args) => (Sym::Header(string_arg(args, 0)?), 1),
                ("getResponseCookie", args) => (Sym::CookieObj(string_arg(args, 0)?), 1),
                (
                    "getEnvironmentVariable" | "getGlobalVariable" | "getCollectionVariable",
                    args,
                ) => (self.var(&string_arg(args, 0)?)?, 1),
                _ => return None,
            },
            "responseHeaders" => (Sym::Header(self.key(links.first()?)?), 1),
            "CryptoJS" | "Buffer" | "String" | "Object" | "Array" | "Number" => {
                self.constants(name, links)?
            }
            "_" => (self.lodash(c(0)?)?, 1),
            "tv4" => match c(0)? {
                ("validate", args) => {
                    if self.eval(arg(args, 0)?)? != Sym::Json("$".into()) {
                        return None;
                    }
                    let Sym::Lit(s) = self.eval(arg(args, 1)?)? else {
                        return None;
                    };
                    (Sym::Cond(vec![Check::schema(s)?]), 1)
                }
                _ => return None,
            },
            // The legacy `request` object: its name, description, method and URL.
            "request" if !self.env.contains_key("request") => {
                let v = self.around.req?.prop(p(0)?)?;
                (Sym::Lit(v), 1)
            }
            "environment" | "globals" => {
                let k = self.key(links.first()?)?;
                (self.var(&k)?, 1)
            }
            _ => (self.ident(name)?, 0),
        })
    }

    /// What `pm.` starts: the response, its parts, a variable or a cookie.
    fn pm_root(&mut self, links: &[Link<'_, '_>]) -> Option<(Sym, usize)> {
        let p = |i: usize| links.get(i).and_then(Link::prop);
        let c = |i: usize| links.get(i).and_then(Link::call);
        Some(match (p(0), p(1)) {
            (Some("response"), Some("code")) => (Sym::Status, 2),
            (Some("response"), Some("responseTime")) => (Sym::Duration, 2),
            (Some("response"), Some("headers")) => match c(2)? {
                ("get", args) => (Sym::Header(string_arg(args, 0)?), 3),
                ("has", [only]) => {
                    let h = string_arg(std::slice::from_ref(only), 0)?;
                    (
                        Sym::Cond(vec![Check::new(Target::Header(h), "exists", Y::Bool(true))]),
                        3,
                    )
                }
                _ => return None,
            },
            (Some("response"), _) => match c(1) {
                Some(("json", [])) => (Sym::Json("$".into()), 2),
                Some(("text", [])) => (Sym::Body, 2),
                _ => (Sym::Response, 1),
            },
            (Some("info"), Some("requestName")) => {
                (Sym::Lit(Json::String(self.around.req?.name.clone())), 2)
            }
            (Some("request"), p1) => {
                let req = self.around.req?;
                match p1.and_then(|p| req.prop(p)) {
                    Some(v) if p1 != Some("name") => (Sym::Lit(v), 2),
                    _ => (Sym::Request(req.clone()), 1),
                }
            }
            (Some("environment" | "globals" | "collectionVariables" | "variables"), _) => {
                match c(1)? {
                    ("get", args) => (self.var(&string_arg(args, 0)?)?, 2),
                    ("has", [only]) => {
                        let name = string_arg(std::slice::from_ref(only), 0)?;
                        (self.var_set(&name)?, 2)
                    }
                    _ => return None,
                }
            }
            (Some("cookies"), _) => match c(1)? {
                ("get", args) => (Sym::Cookie(string_arg(args, 0)?), 2),
                ("has", [only]) => {
                    let name = string_arg(std::slice::from_ref(only), 0)?;
                    (
                        Sym::Cond(vec![Check::new(
                            Target::Cookie(name),
                            "exists",
                            Y::Bool(true),
                        )]),
                        2,
                    )
                }
                ("toObject", []) => (Sym::Jar, 2),
                _ => return None,
            },
            _ => return None,
        })
    }

    /// A property name: `.x`, `['x']`, or `[k]` with `k` known.
    fn key(&mut self, l: &Link<'_, '_>) -> Option<String> {
        match l {
            Link::Prop(p) => Some((*p).to_string()),
            Link::Index(e) => match self.eval(e)? {
                Sym::Lit(Json::String(s)) => Some(s),
                _ => None,
            },
            Link::Call(..) => None,
        }
    }

    /// Follows links from a value: paths into the body, `.length`, `hasOwnProperty`, `has`.
    pub(super) fn apply(&mut self, mut sym: Sym, links: &[Link<'_, '_>]) -> Option<Sym> {
        for l in links {
            sym = match (sym, l) {
                (Sym::Json(p), Link::Prop("length")) => Sym::Len(Box::new(Sym::Json(p))),
                (Sym::Body, Link::Prop("length")) => Sym::Len(Box::new(Sym::Body)),
                (Sym::Json(p), Link::Call("hasOwnProperty", args)) => {
                    Sym::Cond(vec![Check::exists(
                        join_path(&p, &string_arg(args, 0)?),
                        true,
                    )])
                }
                (Sym::Json(p), Link::Index(e)) => match self.eval(e)? {
                    Sym::Lit(Json::String(k)) => Sym::Json(join_path(&p, &k)),
                    Sym::Lit(Json::Number(n)) => Sym::Json(format!("{p}[{}]", n.as_u64()?)),
                    _ => return None,
                },
                (Sym::Json(p), Link::Prop(k)) => Sym::Json(join_path(&p, k)),
                (Sym::Body, Link::Call("has" | "includes", args)) => Sym::Cond(vec![Check::new(
                    Target::Body,
                    "contains",
                    operand(&Sym::Lit(Json::String(string_arg(args, 0)?)))?,
                )]),
                (
                    subject @ (Sym::Json(_) | Sym::Body | Sym::Header(_)),
                    Link::Call(m @ ("startsWith" | "endsWith"), [affix]),
                ) => {
                    let Sym::Lit(Json::String(affix)) = self.eval(affix.as_expression()?)? else {
                        return None;
                    };
                    Sym::Cond(vec![affix_check(&subject, m, &affix)?])
                }
                (Sym::Header(h), Link::Call(m @ ("indexOf" | "slice" | "substring"), args)) => {
                    self.text_call(h, m, args)?
                }
                (Sym::Header(h), Link::Call("includes", args)) => Sym::Cond(vec![Check::new(
                    Target::Header(h),
                    "contains",
                    operand(&Sym::Lit(Json::String(string_arg(args, 0)?)))?,
                )]),
                (Sym::Jar, l @ (Link::Prop(_) | Link::Index(_))) => Sym::Cookie(self.key(l)?),
                (Sym::CookieObj(c), Link::Prop("value")) => Sym::Cookie(c),
                (Sym::Lit(v), l) => self.apply_lit(v, l)?,
                (Sym::AjvInstance, Link::Call(m, args)) => self.ajv(m, args)?,
                _ => return None,
            };
        }
        Some(sym)
    }

    /// A boolean expression as the checks that make it true.
    pub(super) fn cond(&mut self, e: &Expression<'_>) -> Option<Vec<Check>> {
        // Known at import: nothing to check when it holds; never a check when it does not.
        if let Some(holds) = self.known(e) {
            return holds.then(Vec::new);
        }
        match e {
            Expression::ParenthesizedExpression(p) => self.cond(&p.expression),
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And => {
                // `a && b && c` nests to the left: walk it with a loop, not recursion.
                let mut terms = vec![&l.right];
                let mut left = &l.left;
                while let Expression::LogicalExpression(inner) = left
                    && inner.operator == LogicalOperator::And
                {
                    terms.push(&inner.right);
                    left = &inner.left;
                }
                terms.push(left);
                let mut all = Vec::new();
                for t in terms.into_iter().rev() {
                    all.extend(self.cond(t)?);
                }
                Some(all)
            }
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                match self.cond(&u.argument)?.as_slice() {
                    [one] => Some(vec![one.clone().negate()]),
                    _ => None,
                }
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::In => {
                let (Sym::Lit(Json::String(k)), Sym::Json(p)) =
                    (self.eval(&b.left)?, self.eval(&b.right)?)
                else {
                    return None;
                };
                Some(vec![Check::exists(join_path(&p, &k), true)])
            }
            Expression::BinaryExpression(b)
                if let Some(checks) = self.presence(b.operator, &b.left, &b.right) =>
            {
                Some(checks)
            }
            Expression::BinaryExpression(b) => {
                let (op, flipped) = match b.operator {
                    BinaryOperator::StrictEquality | BinaryOperator::Equality => ("eq", "eq"),
                    BinaryOperator::StrictInequality | BinaryOperator::Inequality => ("ne", "ne"),
                    BinaryOperator::LessThan => ("lt", "gt"),
                    BinaryOperator::GreaterThan => ("gt", "lt"),
                    BinaryOperator::LessEqualThan => ("le", "ge"),
                    BinaryOperator::GreaterEqualThan => ("ge", "le"),
                    _ => return None,
                };
                let (l, r) = (self.eval(&b.left)?, self.eval(&b.right)?);
                match (&l, &r) {
                    // A variable against a value known at import: a check of the variable.
                    (Sym::Var(_), Sym::Lit(_)) => compare(&l, op, &r).map(|c| vec![c]),
                    (Sym::Lit(_), Sym::Var(_)) => compare(&r, flipped, &l).map(|c| vec![c]),
                    _ => match (operand(&l), operand(&r)) {
                        (None, Some(_)) => compare_checks(&l, op, &r),
                        (Some(_), None) => compare_checks(&r, flipped, &l),
                        _ => None,
                    },
                }
            }
            _ => match self.eval(e)? {
                Sym::Cond(c) => Some(c),
                Sym::Json(p) => Some(vec![Check::truthy(p)]),
                v @ (Sym::Var(_) | Sym::Cookie(_)) => Some(vec![Check::truthy_of(named(&v)?)]),
                Sym::CookieObj(c) => {
                    Some(vec![Check::new(Target::Cookie(c), "exists", Y::Bool(true))])
                }
                // A length is truthy when it is not 0.
                len @ Sym::Len(_) => compare(&len, "gt", &Sym::Lit(Json::from(0))).map(|c| vec![c]),
                // A header's value is truthy when the header is there and not empty.
                Sym::Header(h) => Some(vec![Check::new(Target::Header(h), "matches", Y::str("."))]),
                _ => None,
            },
        }
    }
}

/// Whether `data` is valid against `schema`, both known at import; `None` when the schema
/// does not compile.
pub(super) fn schema_holds(schema: &Json, data: &Json) -> Option<bool> {
    Some(jsonschema::validator_for(schema).ok()?.is_valid(data))
}

/// `text.startsWith(affix)` / `text.endsWith(affix)` (or lodash's `_.startsWith(text,
/// affix)`) as a `matches` check on the text.
pub(super) fn affix_check(subject: &Sym, method: &str, affix: &str) -> Option<Check> {
    let target = match subject {
        Sym::Json(p) => Target::Json(p.clone()),
        Sym::Body => Target::Body,
        Sym::Header(h) => Target::Header(h.clone()),
        _ => return None,
    };
    let re = match method {
        "startsWith" => format!("^{}", regex::escape(affix)),
        _ => format!("{}$", regex::escape(affix)),
    };
    Some(Check::new(target, "matches", Y::Str(escape_jinja(&re))))
}

/// A value as JavaScript's `+` joins it into text: strings and numbers.
pub(super) fn js_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
