//! Text a script takes apart: comparisons with `undefined`, and a header's value cut at
//! positions found with `indexOf` (`h.slice(h.indexOf('"', h.indexOf('realm')) + 1, ...)`),
//! which becomes a capture with a regex.

use oxc_ast::ast::{Argument, BinaryOperator, Expression};

use super::super::super::writer::Y;
use super::Walker;
use super::check::{Check, Target};
use super::eval::{Sym, arg, named, string_arg};

impl Walker<'_, '_> {
    /// `x === undefined` (x is not there) or `x !== undefined` (it is), either way round;
    /// `None` for any other comparison (loose `==` is not read: it takes `null` too).
    pub(super) fn presence(
        &mut self,
        op: BinaryOperator,
        l: &Expression<'_>,
        r: &Expression<'_>,
    ) -> Option<Vec<Check>> {
        let present = match op {
            BinaryOperator::StrictEquality => false,
            BinaryOperator::StrictInequality => true,
            _ => return None,
        };
        let subject = match (self.is_undefined(l), self.is_undefined(r)) {
            (true, false) => self.eval(r)?,
            (false, true) => self.eval(l)?,
            _ => return None,
        };
        let target = match subject {
            Sym::Json(p) => Target::Json(p),
            other => named(&other)?,
        };
        Some(vec![Check::new(target, "exists", Y::Bool(present))])
    }

    /// The identifier `undefined`, when the script does not bind that name.
    fn is_undefined(&self, e: &Expression<'_>) -> bool {
        matches!(e.without_parentheses(), Expression::Identifier(id) if id.name == "undefined")
            && !self.env.contains_key("undefined")
    }
}

impl Walker<'_, '_> {
    /// `h.indexOf(text[, from])`, `h.slice(a, b)`, `h.substring(a, b)` on a header's value
    /// `h`. A position is known as a regex that ends there; `from` must be a position in
    /// the same value, and a text searched for after one a single character.
    pub(super) fn text_call(
        &mut self,
        header: String,
        method: &str,
        args: &[Argument<'_>],
    ) -> Option<Sym> {
        let pos = |me: &mut Self, i: usize| match me.eval(arg(args, i)?)? {
            Sym::Pos {
                header: h,
                pre,
                follow,
            } if h == header => Some((pre, follow)),
            _ => None,
        };
        match (method, args.len()) {
            ("indexOf", 1) => Some(Sym::Pos {
                header: header.clone(),
                pre: String::new(),
                follow: string_arg(args, 0)?,
            }),
            ("indexOf", 2) => {
                let text = string_arg(args, 0)?;
                let mut chars = text.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return None;
                };
                let (pre, follow) = pos(self, 1)?;
                // The first `c` at `from` or after: in the text known to be there, or past it.
                let pre = match follow.find(c) {
                    Some(i) => format!("{pre}{}", regex::escape(&follow[..i])),
                    None => format!(
                        "{pre}{}[^{}]*",
                        regex::escape(&follow),
                        regex::escape(&text)
                    ),
                };
                Some(Sym::Pos {
                    header,
                    pre,
                    follow: text,
                })
            }
            ("slice" | "substring", 2) => {
                let (start, start_follow) = pos(self, 0)?;
                let (end, follow) = pos(self, 1)?;
                // The end must have been found from the start: past the text known to be
                // at the start, or inside it (not at the start itself).
                let known = regex::escape(&start_follow);
                let between = end.strip_prefix(start.as_str())?;
                let past = format!("{end}{}", regex::escape(&follow))
                    .starts_with(&format!("{start}{known}"));
                let inside = !between.is_empty() && known.starts_with(between);
                if !(past || inside) {
                    return None;
                }
                Some(Sym::HeaderPart {
                    header,
                    regex: format!("{start}({between}){}", regex::escape(&follow)),
                })
            }
            _ => None,
        }
    }

    /// A position `n` characters on, within the text known to be there.
    pub(super) fn advance(&self, pos: Sym, n: u64) -> Option<Sym> {
        let Sym::Pos {
            header,
            pre,
            follow,
        } = pos
        else {
            return None;
        };
        let n = usize::try_from(n).ok()?;
        let cut = follow.char_indices().nth(n).map_or(
            (follow.chars().count() == n).then_some(follow.len()),
            |(i, _)| Some(i),
        )?;
        Some(Sym::Pos {
            header,
            pre: format!("{pre}{}", regex::escape(&follow[..cut])),
            follow: follow[cut..].to_string(),
        })
    }
}

/// Whether a statement left as a comment only checks: a chai chain or `tests[...] = ...`
/// that assigns nothing else and calls nothing that changes a value. What the script's
/// names stand for is still known after it.
pub(super) fn only_checks(text: &str) -> bool {
    let t = text.trim_start();
    let (check, rest) = if let Some(r) = t
        .strip_prefix("tests[")
        .or_else(|| t.strip_prefix("tests."))
    {
        // The one assignment is the test's own.
        match r.split_once('=') {
            Some((_, value)) if !value.starts_with('=') => (true, value),
            _ => (false, r),
        }
    } else {
        (
            t.starts_with("pm.expect(") || t.starts_with("pm.response.to."),
            t,
        )
    };
    const CHANGES: [&str; 12] = [
        "++", "--", "push(", "pop(", "shift(", "splice(", "sort(", "reverse(", "fill(", "delete ",
        "set(", "assign(",
    ];
    check && !assigns(rest) && !CHANGES.iter().any(|c| rest.contains(c))
}

/// Whether text holds an assignment: an `=` that is no part of `==`, `!=`, `<=`, `>=`, `=>`.
fn assigns(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len()).any(|i| {
        b[i] == b'='
            && !matches!(b.get(i + 1), Some(b'=' | b'>'))
            && !(i > 0 && matches!(b[i - 1], b'=' | b'!' | b'<' | b'>'))
    })
}
