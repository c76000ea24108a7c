//! Code over values known at import, run at import: a `for` loop that builds text or a
//! list from constants (`for (var i = 32; i < 127; i++) { chars.push(...) }`), and the
//! sandbox's functions on constants it uses (`String.fromCharCode`, `encodeURIComponent`).

use oxc_ast::ast::{
    AssignmentOperator, AssignmentTarget, Expression, ForStatement, ForStatementInit,
    SimpleAssignmentTarget, Statement, UpdateOperator,
};
use serde_json::Value as Json;

use super::Walker;
use super::eval::{Link, Sym, flatten};

/// How many times a loop's body runs at most at import.
const STEPS: usize = 10_000;

/// What a statement of a loop's body does to the loop.
enum Flow {
    Next,
    Continue,
    Break,
}

impl Walker<'_, '_> {
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
            super::eval::number(nums.iter().sum::<f64>() / nums.len() as f64)?
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
    let text = super::eval::number(f)?.to_string();
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
