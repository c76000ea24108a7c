//! The JavaScript a script is made of, read without meaning: member and call chains, call
//! arguments, literal values, and a body path joined with a key.

use oxc_ast::ast::{
    Argument, ArrayExpressionElement, Expression, ObjectPropertyKind, PropertyKey, UnaryOperator,
};
use serde_json::Value as Json;

/// One step of a member/call chain, from the base outwards.
pub(super) enum Link<'b, 'a> {
    Prop(&'b str),
    Index(&'b Expression<'a>),
    Call(&'b str, &'b [Argument<'a>]),
}

impl Link<'_, '_> {
    pub fn prop(&self) -> Option<&str> {
        match self {
            Link::Prop(p) => Some(p),
            _ => None,
        }
    }

    pub fn call(&self) -> Option<(&str, &[Argument<'_>])> {
        match self {
            Link::Call(n, a) => Some((n, a)),
            _ => None,
        }
    }
}

/// `a.b(c)[d]` as its base `a` and the links `.b`, `(c)`, `[d]`.
pub(super) fn flatten<'b, 'a>(
    mut e: &'b Expression<'a>,
) -> (&'b Expression<'a>, Vec<Link<'b, 'a>>) {
    let mut links = Vec::new();
    loop {
        match e {
            Expression::ParenthesizedExpression(p) => e = &p.expression,
            Expression::CallExpression(c) => match &c.callee {
                Expression::StaticMemberExpression(m) => {
                    links.push(Link::Call(m.property.name.as_str(), &c.arguments));
                    e = &m.object;
                }
                _ => break,
            },
            Expression::StaticMemberExpression(m) => {
                links.push(Link::Prop(m.property.name.as_str()));
                e = &m.object;
            }
            Expression::ComputedMemberExpression(m) => {
                links.push(Link::Index(&m.expression));
                e = &m.object;
            }
            _ => break,
        }
    }
    links.reverse();
    (e, links)
}

pub(super) fn arg<'b, 'a>(args: &'b [Argument<'a>], i: usize) -> Option<&'b Expression<'a>> {
    args.get(i).and_then(Argument::as_expression)
}

/// A string literal's value.
pub(super) fn string_arg(args: &[Argument<'_>], i: usize) -> Option<String> {
    match literal(arg(args, i)?)? {
        Json::String(s) => Some(s),
        _ => None,
    }
}

/// A literal JavaScript value (numbers, strings, booleans, null, arrays and objects of them).
pub(super) fn literal(e: &Expression<'_>) -> Option<Json> {
    Some(match e {
        Expression::ParenthesizedExpression(p) => return literal(&p.expression),
        Expression::BooleanLiteral(b) => Json::Bool(b.value),
        Expression::NullLiteral(_) => Json::Null,
        Expression::NumericLiteral(n) => number(n.value)?,
        Expression::StringLiteral(s) => Json::String(s.value.as_str().to_string()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => Json::String(
            t.quasis
                .iter()
                .map(|q| q.value.cooked.map_or("", |c| c.as_str()))
                .collect(),
        ),
        Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
            match literal(&u.argument)? {
                Json::Number(n) => number(-n.as_f64()?)?,
                _ => return None,
            }
        }
        Expression::ArrayExpression(a) => Json::Array(
            a.elements
                .iter()
                .map(|el| match el {
                    ArrayExpressionElement::SpreadElement(_)
                    | ArrayExpressionElement::Elision(_) => None,
                    other => literal(other.as_expression()?),
                })
                .collect::<Option<_>>()?,
        ),
        Expression::ObjectExpression(o) => {
            let mut m = serde_json::Map::new();
            for p in &o.properties {
                let ObjectPropertyKind::ObjectProperty(p) = p else {
                    return None;
                };
                let key = match &p.key {
                    PropertyKey::StaticIdentifier(id) => id.name.as_str().to_string(),
                    PropertyKey::StringLiteral(s) => s.value.as_str().to_string(),
                    _ => return None,
                };
                if p.computed || p.method {
                    return None;
                }
                m.insert(key, literal(&p.value)?);
            }
            Json::Object(m)
        }
        _ => return None,
    })
}

pub(super) fn number(f: f64) -> Option<Json> {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Some(Json::from(f as i64))
    } else {
        serde_json::Number::from_f64(f).map(Json::Number)
    }
}

/// `$.a` joined with a key: `$.a.b`, or `$.a['x-y']` when the key is not an identifier.
pub(super) fn join_path(path: &str, key: &str) -> String {
    let ident = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        return format!("{path}.{key}");
    }
    // RFC 9535: a quote and a backslash are escaped, and so is every control character.
    let mut quoted = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '\'' => quoted.push_str("\\'"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if u32::from(c) < 0x20 => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    format!("{path}['{quoted}']")
}
