//! What scripts compute from values known at import, computed there: `for` loops and
//! `forEach` over lists known at import, conditions of constants, and the sandbox's
//! functions on constants (`CryptoJS.MD5`, `Buffer`, `String.fromCharCode`,
//! `encodeURIComponent`, lodash's `startsWith`/`has`/`get`, ajv, SugarJS's methods), and
//! `xml2Json` of the body (`type: xml`).

use oxc_ast::ast::{
    Argument, AssignmentOperator, AssignmentTarget, BinaryOperator, BindingPattern, Expression,
    ForStatement, ForStatementInit, LogicalOperator, SimpleAssignmentTarget, Statement,
    UnaryOperator, UpdateOperator,
};
use serde_json::Value as Json;

use super::super::super::writer::Y;
use super::Walker;
use super::check::{Check, Target};
use super::eval::{
    Link, Sym, affix_check, arg, compare, flatten, js_text, literal, schema_holds, string_arg,
};
use super::walk::Body;

/// How many times a loop's body runs at most at import.
const STEPS: usize = 10_000;

/// What a statement of a loop's body does to the loop.
enum Flow {
    Next,
    Continue,
    Break,
}

impl Walker<'_, '_> {
    /// A call of a plain function: `require('ajv')`, or a compiled schema on a value.
    pub(super) fn plain_call(&mut self, name: &str, args: &[Argument<'_>]) -> Option<Sym> {
        if name == "encodeURIComponent" {
            let Sym::Lit(Json::String(t)) = self.eval(arg(args, 0)?)? else {
                return None;
            };
            return Some(Sym::Lit(Json::String(encode_uri_component(&t))));
        }
        // The sandbox's `xml2Json(text)`: an object when the text is well-formed XML, and
        // nothing otherwise; of the body, what its truthiness says is `type: xml`.
        if name == "xml2Json" && !self.env.contains_key(name) && args.len() == 1 {
            return match self.eval(arg(args, 0)?)? {
                Sym::Body => Some(Sym::Cond(vec![Check::new(
                    Target::Body,
                    "type",
                    Y::str("xml"),
                )])),
                _ => None,
            };
        }
        if name == "require" && args.len() == 1 {
            return match string_arg(args, 0)?.as_str() {
                "ajv" => Some(Sym::Ajv),
                "lodash" => Some(Sym::Lodash),
                _ => None,
            };
        }
        match (self.ident(name)?, args) {
            (Sym::Validator(schema), [data]) => {
                let Sym::Lit(data) = self.eval(data.as_expression()?)? else {
                    return None;
                };
                Some(Sym::Lit(Json::Bool(schema_holds(&schema, &data)?)))
            }
            _ => None,
        }
    }

    /// The sandbox's functions on values known at import: `CryptoJS.MD5(text)`,
    /// `Buffer.from(text).toString('base64')`, `String.fromCharCode(code)`.
    pub(super) fn constants(&mut self, name: &str, links: &[Link<'_, '_>]) -> Option<(Sym, usize)> {
        let c = |i: usize| links.get(i).and_then(Link::call);
        Some(match name {
            // `Object.keys(x).length`: how many keys `x` has.
            "Object" => match (c(0)?, links.get(1).and_then(Link::prop)) {
                (("keys", [x]), Some("length")) => match self.eval(x.as_expression()?)? {
                    json @ Sym::Json(_) => (Sym::Len(Box::new(json)), 2),
                    _ => return None,
                },
                _ => return None,
            },
            // `Array.isArray(x)`, `Number.isInteger(x)`: the type of a part of the body.
            "Array" | "Number" => {
                let (t, [x]) = (match (name, c(0)?) {
                    ("Array", ("isArray", args)) => ("array", args),
                    ("Number", ("isInteger", args)) => ("integer", args),
                    _ => return None,
                }) else {
                    return None;
                };
                let Sym::Json(p) = self.eval(x.as_expression()?)? else {
                    return None;
                };
                let check = Check::new(Target::Json(p), "type", Y::str(t));
                (Sym::Cond(vec![check]), 1)
            }
            "CryptoJS" => match c(0)? {
                (hash @ ("MD5" | "SHA256"), args) => {
                    let Sym::Lit(Json::String(text)) = self.eval(arg(args, 0)?)? else {
                        return None;
                    };
                    (Sym::Lit(Json::String(digest_hex(hash, &text))), 1)
                }
                _ => return None,
            },
            "Buffer" => match (c(0)?, c(1)?) {
                (("from", args), ("toString", [enc])) if args.len() == 1 => {
                    let Sym::Lit(Json::String(text)) = self.eval(arg(args, 0)?)? else {
                        return None;
                    };
                    let enc = enc.as_expression().and_then(literal)?;
                    (enc == "base64").then_some(())?;
                    use base64::Engine as _;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                    (Sym::Lit(Json::String(b64)), 2)
                }
                _ => return None,
            },
            "String" => match c(0)? {
                ("fromCharCode", [code]) => {
                    let Sym::Lit(Json::Number(n)) = self.eval(code.as_expression()?)? else {
                        return None;
                    };
                    let c = char::from_u32(u32::try_from(n.as_u64()?).ok()?)?;
                    (Sym::Lit(Json::String(c.to_string())), 1)
                }
                _ => return None,
            },
            _ => return None,
        })
    }

    /// `/re/.test(x)`: x matches.
    pub(super) fn regex_test(&mut self, re: &Expression<'_>, x: &Expression<'_>) -> Option<Sym> {
        let re = super::chain::regex_arg(re)?;
        let subject = self.eval(x)?;
        let c = compare(&subject, "matches", &Sym::Lit(Json::String(re)))?;
        Some(Sym::Cond(vec![c]))
    }

    /// `_.startsWith(text, affix)`, `_.endsWith(text, affix)` of a part of the response.
    pub(super) fn lodash(&mut self, (method, args): (&str, &[Argument<'_>])) -> Option<Sym> {
        match (method, args) {
            (m @ ("startsWith" | "endsWith"), [x, affix]) => {
                let subject = self.eval(x.as_expression()?)?;
                let Sym::Lit(Json::String(affix)) = self.eval(affix.as_expression()?)? else {
                    return None;
                };
                Some(Sym::Cond(vec![affix_check(&subject, m, &affix)?]))
            }
            // `_.has(json, 'a.b')`, `_.get(json, 'a.b')`: a path into the body.
            (m @ ("has" | "get"), [x, path]) => {
                let base = match self.eval(x.as_expression()?)? {
                    Sym::Json(base) => base,
                    // `_.get(postman.getResponseCookie(name), 'value')`
                    Sym::CookieObj(c)
                        if m == "get" && literal(path.as_expression()?)? == "value" =>
                    {
                        return Some(Sym::Cookie(c));
                    }
                    _ => return None,
                };
                let Sym::Lit(Json::String(path)) = self.eval(path.as_expression()?)? else {
                    return None;
                };
                let p = super::chain::lodash_path_from(&base, &path)?;
                Some(match m {
                    "has" => Sym::Cond(vec![super::check::Check::exists(p, true)]),
                    _ => Sym::Json(p),
                })
            }
            _ => None,
        }
    }

    /// `ajv.validate(schema, data)` and `ajv.compile(schema)` on values known at import.
    pub(super) fn ajv(&mut self, method: &str, args: &[Argument<'_>]) -> Option<Sym> {
        let mut lits = Vec::new();
        for a in args {
            let Sym::Lit(v) = self.eval(a.as_expression()?)? else {
                return None;
            };
            lits.push(v);
        }
        match (method, lits.as_slice()) {
            ("validate", [schema, data]) => Some(Sym::Lit(Json::Bool(schema_holds(schema, data)?))),
            ("compile", [schema]) => {
                jsonschema::validator_for(schema).ok()?;
                Some(Sym::Validator(schema.clone()))
            }
            _ => None,
        }
    }

    /// A property or method of a value known at import, computed.
    pub(super) fn apply_lit(&mut self, v: Json, l: &Link<'_, '_>) -> Option<Sym> {
        let lit = |w: &mut Self, x: &Argument<'_>| match w.eval(x.as_expression()?)? {
            Sym::Lit(v) => Some(v),
            _ => None,
        };
        Some(Sym::Lit(match (v, l) {
            (Json::String(s), Link::Prop("length")) => Json::from(s.chars().count()),
            (Json::Array(a), Link::Prop("length")) => Json::from(a.len()),
            (Json::Array(a), Link::Call("includes", [x])) => Json::Bool(a.contains(&lit(self, x)?)),
            (Json::Array(a), Link::Call("join", [sep])) => {
                let Json::String(sep) = lit(self, sep)? else {
                    return None;
                };
                let parts: Option<Vec<String>> = a.iter().map(js_text).collect();
                Json::String(parts?.join(&sep))
            }
            (Json::String(s), Link::Call(method, args)) => {
                return match self.string_method(&s, method, args) {
                    Some(v) => Some(v),
                    None => self.sugar(&Json::String(s), method, args),
                };
            }
            (v @ (Json::Number(_) | Json::Array(_)), Link::Call(method, args)) => {
                return self.sugar(&v, method, args);
            }
            _ => return None,
        }))
    }

    /// A method the sandbox's SugarJS adds (`[1, 2].average()`, `(56).ordinalize()`) on a
    /// value known at import, computed.
    pub(super) fn sugar(&mut self, v: &Json, method: &str, args: &[Argument<'_>]) -> Option<Sym> {
        let mut values = Vec::new();
        for a in args {
            let Sym::Lit(x) = self.eval(a.as_expression()?)? else {
                return None;
            };
            values.push(x);
        }
        sugar(v, method, &values).map(Sym::Lit)
    }

    /// A method of text known at import (`'jumpy'.endsWith('py')`), computed.
    pub(super) fn string_method(
        &mut self,
        s: &str,
        method: &str,
        args: &[Argument<'_>],
    ) -> Option<Sym> {
        let text_arg = |w: &mut Self| match w.eval(arg(args, 0)?)? {
            Sym::Lit(Json::String(t)) => Some(t),
            _ => None,
        };
        let v = match (method, args.len()) {
            ("toString" | "valueOf", 0) => Json::String(s.to_string()),
            ("toUpperCase", 0) => Json::String(s.to_uppercase()),
            ("toLowerCase", 0) => Json::String(s.to_lowercase()),
            ("trim", 0) => Json::String(s.trim().to_string()),
            ("endsWith", 1) => Json::Bool(s.ends_with(&text_arg(self)?)),
            ("startsWith", 1) => Json::Bool(s.starts_with(&text_arg(self)?)),
            // `has` is the sandbox's SugarJS for `includes`.
            ("includes" | "has", 1) => Json::Bool(s.contains(&text_arg(self)?)),
            ("repeat", 1) => match self.eval(arg(args, 0)?)? {
                Sym::Lit(Json::Number(n)) if n.as_u64().is_some_and(|n| n <= 1000) => {
                    Json::String(s.repeat(n.as_u64()? as usize))
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(Sym::Lit(v))
    }

    /// The truth of a condition that reads nothing of the response or of variables, when
    /// it can be computed at import (`'a'.repeat(2) === 'aa'`).
    pub(super) fn known(&mut self, e: &Expression<'_>) -> Option<bool> {
        match e {
            Expression::ParenthesizedExpression(p) => self.known(&p.expression),
            Expression::LogicalExpression(l) if l.operator != LogicalOperator::Coalesce => {
                // `a && b && c` nests to the left: walk it with a loop, not recursion.
                let op = l.operator;
                let mut all = self.known(&l.right)?;
                let mut left = &l.left;
                while let Expression::LogicalExpression(inner) = left
                    && inner.operator == op
                {
                    let b = self.known(&inner.right)?;
                    all = if op == LogicalOperator::And {
                        all && b
                    } else {
                        all || b
                    };
                    left = &inner.left;
                }
                let b = self.known(left)?;
                Some(if op == LogicalOperator::And {
                    all && b
                } else {
                    all || b
                })
            }
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                self.known(&u.argument).map(|b| !b)
            }
            Expression::BinaryExpression(b) => {
                let (Sym::Lit(l), Sym::Lit(r)) = (self.eval(&b.left)?, self.eval(&b.right)?) else {
                    return None;
                };
                static_compare(b.operator, &l, &r)
            }
            Expression::CallExpression(_)
            | Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::BooleanLiteral(_) => match self.eval(e)? {
                Sym::Lit(Json::Bool(b)) => Some(b),
                // A variable nothing gives a value is `undefined`: false.
                Sym::Var(n) if self.absent_known && self.around.trust.absent.contains(&n) => {
                    Some(false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `list.forEach(fn)` or `_.each(list, fn)` over a list known at import: the body,
    /// translated whole, once for each item with the parameter bound to it.
    pub(super) fn each(&mut self, list: &Expression<'_>, f: &Expression<'_>) -> Option<()> {
        let Sym::Lit(Json::Array(items)) = self.eval(list)? else {
            return None;
        };
        let (param, body) = callback(f)?;
        if items.len() > 1_000 {
            return None;
        }
        let mark = self.mark();
        let before = (
            self.out.comments.len(),
            self.dropped_spans.len(),
            self.out.dropped,
        );
        let mut ok = true;
        for item in items {
            self.env.insert(param.clone(), Sym::Lit(item));
            ok &= match &body {
                Body::Block(list) => {
                    self.statements(list);
                    self.dropped_spans.len() == before.1
                }
                Body::Expr(x) => self.expression(x).is_some(),
            };
            if !ok {
                break;
            }
        }
        self.env.remove(&param);
        if !ok {
            self.out.comments.truncate(before.0);
            self.dropped_spans.truncate(before.1);
            self.out.dropped = before.2;
            self.restore(mark);
            return None;
        }
        self.env = mark.env;
        Some(())
    }

    /// Runs a `for` loop whose every value is known at import; `None` (and nothing
    /// changed) when any is not.
    pub(super) fn for_loop(&mut self, f: &ForStatement<'_>) -> Option<()> {
        let saved = self.env.clone();
        let ran = self.run_loop(f);
        if ran.is_none() {
            self.env = saved;
        }
        ran
    }

    fn run_loop(&mut self, f: &ForStatement<'_>) -> Option<()> {
        match &f.init {
            None => {}
            Some(ForStatementInit::VariableDeclaration(d)) => self.declare(d)?,
            Some(init) => self.step(init.as_expression()?)?,
        }
        for _ in 0..STEPS {
            if let Some(test) = &f.test
                && !self.known(test)?
            {
                return Some(());
            }
            if let Flow::Break = self.run(&f.body)? {
                return Some(());
            }
            if let Some(update) = &f.update {
                self.step(update)?;
            }
        }
        None
    }

    /// One statement of a loop's body.
    fn run(&mut self, s: &Statement<'_>) -> Option<Flow> {
        match s {
            Statement::BlockStatement(b) => {
                for s in &b.body {
                    match self.run(s)? {
                        Flow::Next => {}
                        other => return Some(other),
                    }
                }
                Some(Flow::Next)
            }
            Statement::EmptyStatement(_) => Some(Flow::Next),
            Statement::ContinueStatement(c) if c.label.is_none() => Some(Flow::Continue),
            Statement::BreakStatement(b) if b.label.is_none() => Some(Flow::Break),
            Statement::IfStatement(i) => match (self.known(&i.test)?, &i.alternate) {
                (true, _) => self.run(&i.consequent),
                (false, Some(alt)) => self.run(alt),
                (false, None) => Some(Flow::Next),
            },
            Statement::VariableDeclaration(d) => {
                self.declare(d)?;
                Some(Flow::Next)
            }
            Statement::ExpressionStatement(e) => {
                self.step(&e.expression)?;
                Some(Flow::Next)
            }
            _ => None,
        }
    }

    /// An expression run for what it changes: `x = v`, `x += v`, `i++`, `list.push(v)`.
    fn step(&mut self, e: &Expression<'_>) -> Option<()> {
        match e {
            Expression::AssignmentExpression(a) => {
                let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
                    return None;
                };
                let name = id.name.as_str();
                let Sym::Lit(v) = self.eval(&a.right)? else {
                    return None;
                };
                let v = match a.operator {
                    AssignmentOperator::Assign => v,
                    AssignmentOperator::Addition => add(self.lit(name)?, v)?,
                    _ => return None,
                };
                self.env.insert(name.to_string(), Sym::Lit(v));
                Some(())
            }
            Expression::UpdateExpression(u) => {
                let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = &u.argument else {
                    return None;
                };
                let name = id.name.as_str();
                let n = self.lit(name)?.as_i64()?;
                let n = match u.operator {
                    UpdateOperator::Increment => n.checked_add(1)?,
                    UpdateOperator::Decrement => n.checked_sub(1)?,
                };
                self.env.insert(name.to_string(), Sym::Lit(Json::from(n)));
                Some(())
            }
            Expression::CallExpression(_) => {
                let (base, links) = flatten(e);
                let (Expression::Identifier(id), [Link::Call("push", args)]) = (base, &links[..])
                else {
                    return None;
                };
                let mut items = match self.lit(id.name.as_str())? {
                    Json::Array(a) => a,
                    _ => return None,
                };
                for a in args.iter() {
                    let Sym::Lit(v) = self.eval(a.as_expression()?)? else {
                        return None;
                    };
                    items.push(v);
                }
                self.env
                    .insert(id.name.as_str().to_string(), Sym::Lit(Json::Array(items)));
                Some(())
            }
            _ => None,
        }
    }

    /// The value of a name known at import.
    fn lit(&self, name: &str) -> Option<Json> {
        match self.env.get(name)? {
            Sym::Lit(v) => Some(v.clone()),
            _ => None,
        }
    }
}

/// `a + b` of numbers (whole) or text.
fn add(a: Json, b: Json) -> Option<Json> {
    match (&a, &b) {
        (Json::Number(x), Json::Number(y)) => {
            Some(Json::from(x.as_i64()?.checked_add(y.as_i64()?)?))
        }
        (Json::String(x), Json::String(y)) => Some(Json::String(format!("{x}{y}"))),
        _ => None,
    }
}

/// `encodeURIComponent(text)`: every byte but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as `%XX`.
pub(super) fn encode_uri_component(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SugarJS's `value.method(args)` for the methods of arrays, numbers and text that test
/// scripts use, on values known at import; `None` for any other.
pub(super) fn sugar(v: &Json, method: &str, args: &[Json]) -> Option<Json> {
    Some(match (v, method, args) {
        (Json::Array(a), "none", [x]) => Json::Bool(!a.contains(x)),
        (Json::Array(a), "any", [x]) => Json::Bool(a.contains(x)),
        (Json::Array(a), "average", []) if !a.is_empty() => {
            let nums: Option<Vec<f64>> = a.iter().map(Json::as_f64).collect();
            let nums = nums?;
            super::syntax::number(nums.iter().sum::<f64>() / nums.len() as f64)?
        }
        (Json::Number(n), "hex", []) => Json::String(format!("{:x}", n.as_u64()?)),
        (Json::Number(n), "isEven", []) => Json::Bool(n.as_i64()? % 2 == 0),
        (Json::Number(n), "isOdd", []) => Json::Bool(n.as_i64()? % 2 != 0),
        (Json::Number(n), "ordinalize", []) => Json::String(ordinalize(n.as_u64()?)),
        (Json::Number(n), "format", []) => Json::String(grouped(n.as_f64()?)?),
        (Json::String(s), "camelize", []) => Json::String(camelize(s)),
        (Json::String(s), "shift", [Json::Number(k)]) => {
            let k = u32::try_from(k.as_u64()?).ok()?;
            let shifted: Option<String> = s
                .chars()
                .map(|c| char::from_u32((c as u32).checked_add(k)?))
                .collect();
            Json::String(shifted?)
        }
        (Json::String(s), "spacify", []) => Json::String(underscore(s).replace('_', " ")),
        _ => return None,
    })
}

/// `56` -> `56th`, `1` -> `1st`, `12` -> `12th`.
fn ordinalize(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `56789.1` -> `56,789.1`: thousands grouped with `,`, the fraction as it is.
fn grouped(f: f64) -> Option<String> {
    if !f.is_finite() || f < 0.0 {
        return None;
    }
    let text = super::syntax::number(f)?.to_string();
    let (whole, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// SugarJS's `camelize()`: words split at `-`, `_` and spaces, each capitalised
/// (`a-beta` -> `ABeta`).
fn camelize(s: &str) -> String {
    s.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_uppercase().collect::<String>() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// SugarJS's `underscore()`: `a-b_cD` -> `a_b_c_d`.
fn underscore(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c == '-' || c == ' ' {
            out.push('_');
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// `CryptoJS.MD5(text)` / `CryptoJS.SHA256(text)` as lowercase hex, computed at import.
fn digest_hex(hash: &str, text: &str) -> String {
    use md5::Digest as _;
    let bytes: Vec<u8> = match hash {
        "MD5" => md5::Md5::digest(text.as_bytes()).to_vec(),
        _ => sha2::Sha256::digest(text.as_bytes()).to_vec(),
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `l OP r` for two values known at import, as JavaScript compares them (strict, or loose
/// between a number and numeric text); `None` when that is not plain.
fn static_compare(op: BinaryOperator, l: &Json, r: &Json) -> Option<bool> {
    let num = |v: &Json| match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let loose = matches!(op, BinaryOperator::Equality | BinaryOperator::Inequality);
    let same = std::mem::discriminant(l) == std::mem::discriminant(r);
    let equal = if same {
        match (l, r) {
            (Json::Number(_), Json::Number(_)) => num(l)? == num(r)?,
            _ => l == r,
        }
    } else if loose && (l.is_number() || r.is_number()) {
        num(l)? == num(r)?
    } else if loose {
        return None;
    } else {
        false
    };
    let order = || match (l, r) {
        (Json::String(a), Json::String(b)) => Some(a.cmp(b)),
        _ => num(l)?.partial_cmp(&num(r)?),
    };
    use std::cmp::Ordering::{Greater, Less};
    Some(match op {
        BinaryOperator::StrictEquality | BinaryOperator::Equality => equal,
        BinaryOperator::StrictInequality | BinaryOperator::Inequality => !equal,
        BinaryOperator::LessThan => order()? == Less,
        BinaryOperator::GreaterThan => order()? == Greater,
        BinaryOperator::LessEqualThan => order()? != Greater,
        BinaryOperator::GreaterEqualThan => order()? != Less,
        _ => return None,
    })
}

/// A callback's first parameter and its body: `function (k) { ... }` or `k => ...`.
fn callback<'b, 'a>(f: &'b Expression<'a>) -> Option<(String, Body<'b, 'a>)> {
    let (params, body) = match f {
        Expression::FunctionExpression(f) => (&f.params, Body::Block(&f.body.as_ref()?.statements)),
        Expression::ArrowFunctionExpression(f) => (
            &f.params,
            match f.body.as_function_body() {
                Some(b) => Body::Block(&b.statements),
                None => Body::Expr(f.body.as_expression()?),
            },
        ),
        _ => return None,
    };
    let BindingPattern::BindingIdentifier(id) = &params.items.first()?.pattern else {
        return None;
    };
    Some((id.name.as_str().to_string(), body))
}
