//! Postman scripts into captures, expectations and variables: parsed with oxc and walked
//! symbolically (SPEC section 6); a statement is translated whole or kept as a comment.

mod branch;
mod chain;
mod check;
mod constant;
mod eval;
mod request;
mod syntax;
mod text;
mod vars;
mod walk;

use std::collections::{BTreeSet, HashMap};

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::{SourceType, Span};

use super::super::Names;
use super::super::writer::Y;
use eval::Sym;

pub(crate) use check::{Check, Target};
pub(crate) use request::ReqInfo;

/// What a script runs around: which variables it may read at run time, which request it
/// belongs to (in order, from 0) and what is known of that request; `None` for a
/// collection or folder script, which runs around many.
#[derive(Clone, Copy)]
pub(crate) struct Around<'a> {
    pub trust: &'a Trust,
    pub at: Option<usize>,
    pub req: Option<&'a ReqInfo>,
}

/// Which script: a test script reads the response, a pre-request script sets variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Test,
    PreRequest,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Test => "postman test",
            Kind::PreRequest => "postman pre-request",
        }
    }
}

/// Which variables a check may read at run time and find what Newman finds there. A
/// variable some script changes in a way the import does not carry over (a setter left as
/// a comment or under a condition, an unset) is not; nor is one a script sets to a value
/// known at import (that value goes to `vars`, so it is there from the start) before the
/// request that sets it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Trust {
    pub never: BTreeSet<String>,
    /// Variable -> the request (in order, from 0) whose scripts first set it to a value
    /// known at import, and whether its pre-request script did; read only after that.
    pub literal: HashMap<String, (usize, Kind)>,
    /// The first value known at import each variable was set to by a script.
    pub values: HashMap<String, Y>,
    /// Variable -> the first script that unsets it: it is not read after that.
    pub unset: HashMap<String, (usize, Kind)>,
    /// The first script that clears every variable: none is read after it.
    pub cleared: Option<(usize, Kind)>,
    /// Variables nothing in the collection gives a value: not defined by it or a folder,
    /// never set by a script, never written as `{{name}}`. A script that reads one (a switch
    /// such as `environment.isIntegrationTest`) finds `undefined` in Newman without an
    /// environment, and a condition on it is known at import.
    pub absent: BTreeSet<String>,
}

impl Trust {
    /// Whether request `at` (`None`: a collection or folder script, around many) may read
    /// `name` (`postman` as Postman spells it) at run time.
    pub fn allows(&self, name: &str, postman: &str, at: Option<usize>, kind: Kind) -> bool {
        let after = |(first, by): (usize, Kind)| {
            at.is_some_and(|a| {
                a > first || (a == first && by == Kind::PreRequest && kind == Kind::Test)
            })
        };
        // A collection or folder script runs after every request's: after a clear too.
        !self.cleared.is_some_and(|c| at.is_none() || after(c))
            && !self
                .unset
                .get(name)
                .is_some_and(|u| at.is_none() || after(*u))
            && !self.never.contains(name)
            && !self.never.contains(postman)
            && self.literal.get(name).is_none_or(|f| after(*f))
    }
}

/// Walks one script's statements, following what each variable stands for.
struct Walker<'s, 'n> {
    src: &'s str,
    kind: Kind,
    names: &'n mut Names,
    around: Around<'n>,
    env: HashMap<String, Sym>,
    out: Translated,
    dropped_spans: Vec<Span>,
    /// Inside an `if`: setters still become captures, checks stay comments.
    conditional: usize,
    /// Assertions understood that check nothing in Postman either (`jsonBody({...})`).
    vacuous: usize,
    /// Variables this script set or unset (baton's names): what reading one back gives,
    /// `None` when that is not known at import (unset, cleared, or set under a condition
    /// or by a statement that was not translated).
    set_here: HashMap<String, Option<Sym>>,
    /// Variables whose value is not known after this script: quoted text (Postman's names)
    /// in statements left as comments that may set variables, and variables set under a
    /// condition.
    forgotten: BTreeSet<String>,
    /// Names a function declared in the script may change whenever it is called: what they
    /// hold is never known.
    volatile: BTreeSet<String>,
    /// `pm.environment.clear()` ran: no variable read afterwards is known.
    cleared: bool,
    /// Conditions may read a variable nothing gives a value as `undefined` (`Trust::absent`).
    absent_known: bool,
}

/// What one script turned into, and what it left as comments.
#[derive(Debug, Default, Clone)]
pub(crate) struct Translated {
    pub checks: Vec<Check>,
    /// `(variable, capture source)` in script order.
    pub captures: Vec<(String, Y)>,
    /// Pre-request setters of values known at import: `(variable, value)`.
    pub vars: Vec<(String, Y)>,
    /// Script text that was not translated (and tests Postman skips), as comment lines.
    pub comments: Vec<String>,
    /// Lines with code in them.
    pub lines: usize,
    /// Lines with code that were not translated.
    pub dropped_lines: usize,
    /// Assertions (`pm.expect`, `tests[...]`, `pm.response.to...`) in untranslated code.
    pub dropped: usize,
    /// What the script does to which variables are set, in script order.
    pub effects: Vec<Effect>,
    /// Variables set or unset in a way that is not carried over (see `Trust`).
    pub unknown_sets: Vec<String>,
    /// The script clears every variable.
    pub clears: bool,
}

/// A script setting or unsetting a variable (baton's name for it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    Set(String),
    Unset(String),
    /// `pm.environment.clear()`, `postman.clearGlobalVariables()`: every variable scripts set.
    UnsetAll,
}

impl Translated {
    /// Adds another script's result (an outer folder's, then the request's own).
    pub fn extend(&mut self, other: Translated) {
        self.checks.extend(other.checks);
        self.captures.extend(other.captures);
        self.vars.extend(other.vars);
        self.comments.extend(other.comments);
        self.lines += other.lines;
        self.dropped_lines += other.dropped_lines;
        self.dropped += other.dropped;
        self.effects.extend(other.effects);
        self.unknown_sets.extend(other.unknown_sets);
        self.clears |= other.clears;
    }
}

/// Translates one script's source text, every variable read at run time.
#[cfg(test)]
pub(crate) fn translate(source: &str, kind: Kind, names: &mut Names) -> Translated {
    let trust = Trust::default();
    let around = Around {
        trust: &trust,
        at: None,
        req: None,
    };
    translate_in(source, kind, names, around)
}

/// Translates one script's source text, reading at run time only the variables its
/// `around` trusts.
pub(crate) fn translate_in(
    source: &str,
    kind: Kind,
    names: &mut Names,
    around: Around<'_>,
) -> Translated {
    let lines = code_lines(source);
    if lines.is_empty() {
        return Translated::default();
    }
    // Deeply nested code would exhaust the stack of a recursive reader (the parser's and
    // this walk's); no real test script nests this deep.
    let too_deep = nesting(source) > MAX_NESTING;
    let allocator = Allocator::default();
    let parsed = (!too_deep).then(|| Parser::new(&allocator, source, SourceType::cjs()).parse());
    let Some(parsed) = parsed.filter(|p| !p.panicked && p.diagnostics.is_empty()) else {
        let mut t = Translated {
            lines: lines.len(),
            dropped_lines: lines.len(),
            dropped: assertions_in(source),
            ..Translated::default()
        };
        t.comments.push(format!(
            "{} (does not parse as JavaScript, or nests too deep; not converted):",
            kind.label()
        ));
        t.comments.extend(
            source
                .lines()
                .filter(|l| meaningful(l))
                .map(|l| format!("  {}", l.trim_end())),
        );
        return t;
    };
    let mut w = Walker::new(source, kind, names, around);
    w.statements(&parsed.program.body);
    let dropped_spans = std::mem::take(&mut w.dropped_spans);
    let mut t = w.out;
    t.clears |= w.cleared;
    // Unsets are known (`Effect::Unset`); what else is not known is in `forgotten`.
    t.unknown_sets.extend(w.forgotten);
    t.lines = lines.len();
    let dropped: BTreeSet<usize> = dropped_spans
        .iter()
        .flat_map(|s| span_lines(source, *s))
        .filter(|l| lines.contains(l))
        .collect();
    t.dropped_lines = dropped.len();
    t
}

/// How deep brackets and `!` prefixes nest in a script, at most.
const MAX_NESTING: usize = 64;

fn nesting(source: &str) -> usize {
    let (mut depth, mut max, mut bangs) = (0usize, 0usize, 0usize);
    for c in source.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        bangs = if c == '!' { bangs + 1 } else { 0 };
        max = max.max(depth).max(bangs);
    }
    // `else if` chains nest without brackets.
    max.max(source.matches("else").count())
}

/// Line numbers (from 0) that hold code, not only blanks or a `//` comment.
fn code_lines(source: &str) -> BTreeSet<usize> {
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| meaningful(l))
        .map(|(i, _)| i)
        .collect()
}

fn meaningful(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with("//")
}

fn span_lines(source: &str, span: Span) -> std::ops::RangeInclusive<usize> {
    let start = span.start as usize;
    let end = (span.end as usize).min(source.len());
    let first = source[..start].matches('\n').count();
    let last = first + source[start..end].matches('\n').count();
    first..=last
}

/// How many assertions a piece of script holds, by the calls that make them.
fn assertions_in(text: &str) -> usize {
    let tests = text.matches("tests[").count() + text.matches("tests.").count();
    let expects = text.matches("expect(").count()
        + text.matches("pm.response.to.").count()
        + text.matches("pm.request.to.").count();
    tests + expects
}

#[cfg(test)]
mod branch_tests;
#[cfg(test)]
mod tests;
