//! Statements: `pm.test` bodies, declarations followed through assignments, setters,
//! `tests[...] = ...`, `try`; anything else (an `if`, a loop, a helper function) is kept as
//! a comment and counted as dropped.

use std::collections::HashMap;

use oxc_ast::ast::{
    Argument, AssignmentTarget, BindingPattern, Expression, IfStatement, PropertyKey, Statement,
    TryStatement, VariableDeclaration,
};
use oxc_span::{GetSpan, Span};
use serde_json::Value as Json;

use super::super::super::Names;
use super::super::super::writer::Y;
use super::check::{Check, Target};
use super::eval::{Link, Sym, arg, flatten, join_path, string_arg};
use super::{Around, Effect, Kind, Translated, Walker, assertions_in};

/// What to restore when a statement turns out not to be translatable.
pub(super) struct Mark {
    pub env: HashMap<String, Sym>,
    checks: usize,
    captures: usize,
    vars: usize,
    effects: usize,
}

/// The statements of a test callback: a block, or an arrow's expression.
pub(super) enum Body<'b, 'a> {
    Block(&'b [Statement<'a>]),
    Expr(&'b Expression<'a>),
}

impl<'s, 'n> Walker<'s, 'n> {
    pub fn new(src: &'s str, kind: Kind, names: &'n mut Names, around: Around<'n>) -> Self {
        Walker {
            src,
            kind,
            names,
            around,
            env: HashMap::new(),
            out: Translated::default(),
            dropped_spans: Vec::new(),
            conditional: 0,
            vacuous: 0,
            set_here: HashMap::new(),
            forgotten: std::collections::BTreeSet::new(),
            volatile: std::collections::BTreeSet::new(),
            cleared: false,
            absent_known: false,
        }
    }

    pub fn statements(&mut self, list: &[Statement<'_>]) {
        // A function declared here can be called before its declaration (it is hoisted):
        // what it may change is not known from the start.
        for s in list {
            if let Statement::FunctionDeclaration(f) = s {
                let text = &self.src[f.span.start as usize..f.span.end as usize];
                self.forget(text);
                self.volatile.extend(words(text).map(str::to_string));
            }
        }
        for s in list {
            if let Statement::ReturnStatement(_) = s
                && self.conditional == 0
            {
                // Postman stops here too: what follows is never run, so it is no check.
                let end = list.last().map_or(s.span().end, |l| l.span().end);
                let text = &self.src[s.span().start as usize..end as usize];
                self.out.comments.push(format!(
                    "{} (never run: it follows a `return`):",
                    self.kind.label()
                ));
                self.out
                    .comments
                    .extend(text.lines().map(|l| format!("  {}", l.trim_end())));
                return;
            }
            self.statement(s);
        }
    }

    pub(super) fn mark(&self) -> Mark {
        Mark {
            env: self.env.clone(),
            checks: self.out.checks.len(),
            captures: self.out.captures.len(),
            vars: self.out.vars.len(),
            effects: self.out.effects.len(),
        }
    }

    pub(super) fn restore(&mut self, m: Mark) {
        self.env = m.env;
        self.out.checks.truncate(m.checks);
        self.out.captures.truncate(m.captures);
        self.out.vars.truncate(m.vars);
        self.out.effects.truncate(m.effects);
    }

    /// Keeps a statement's text as comment lines and counts it as dropped.
    fn drop_span(&mut self, span: Span) {
        let text = &self.src[span.start as usize..span.end as usize];
        self.forget(text);
        self.dropped_spans.push(span);
        self.out.dropped += assertions_in(text);
        let label = self.kind.label();
        self.out
            .comments
            .extend(text.lines().map(|l| format!("{label}: {}", l.trim_end())));
    }

    /// What a statement that is not translated may change is no longer known: each name
    /// in it, and each variable it may set (every quoted name, when it calls a setter).
    fn forget(&mut self, text: &str) {
        if !super::text::only_checks(text) {
            for word in words(text) {
                self.env.remove(word);
            }
        }
        if changes_variables(text) {
            // Postman's names as written: naming them here would report renames of text
            // that is no variable.
            self.forgotten.extend(quoted_texts(text));
            if text.contains("clear") {
                self.cleared = true;
            }
        }
    }

    pub(super) fn statement(&mut self, s: &Statement<'_>) {
        match s {
            Statement::EmptyStatement(_) => {}
            Statement::BlockStatement(b) => self.statements(&b.body),
            Statement::TryStatement(t) => self.try_statement(t),
            Statement::IfStatement(i) => self.if_statement(i, s.span()),
            Statement::ExpressionStatement(e) if test_call(&e.expression).is_some() => {
                self.test(&e.expression, s.span());
            }
            _ => {
                let mark = self.mark();
                let checks = self.out.checks.len();
                let ok = self.simple(s).is_some();
                if !ok || (self.conditional > 0 && self.out.checks.len() > checks) {
                    self.restore(mark);
                    self.drop_span(s.span());
                }
            }
        }
    }

    /// `if (...) { ... } else { ... }`: a check that holds only under the condition stays a
    /// comment; a setter still captures (a capture that finds nothing fails the request,
    /// which is never a false green). With nothing translated, the whole `if` is a comment.
    fn if_statement(&mut self, i: &IfStatement<'_>, span: Span) {
        // A condition known at import: the branch it takes is all that runs.
        if let Some(holds) = self.decided(i) {
            match (holds, &i.alternate) {
                (true, _) => self.statement(&i.consequent),
                (false, Some(alt)) => self.statement(alt),
                (false, None) => {}
            }
            return;
        }
        // `tests['200'] = code === 200; if (code === 200) { ... }`: a condition this script has
        // already checked holds whenever the request passes, so what runs under it is checked
        // as Newman checks it; an `else` runs only on a request that already fails.
        if self.conditional == 0 && self.asserted(&i.test) {
            self.statement(&i.consequent);
            if let Some(alt) = &i.alternate {
                self.conditional += 1;
                self.statement(alt);
                self.conditional -= 1;
            }
            return;
        }
        // `if (code === 200) ... else if (code === 302) ... else { tests[..] = false }`: the
        // branches stay comments, but a status none of them takes fails the test.
        if self.conditional == 0
            && let Some(codes) = self.status_chain(i)
        {
            let codes = codes.into_iter().map(Y::Int).collect();
            self.out
                .checks
                .push(Check::new(Target::Status, "one_of", Y::Seq(codes)));
        }
        // Condition and branches on the body alone: one schema with if/then/else.
        if self.conditional == 0 && self.body_branches(i).is_some() {
            return;
        }
        let before = (
            self.out.captures.len(),
            self.out.comments.len(),
            self.dropped_spans.len(),
            self.out.dropped,
        );
        self.conditional += 1;
        self.statement(&i.consequent);
        if let Some(alt) = &i.alternate {
            self.statement(alt);
        }
        self.conditional -= 1;
        if self.out.captures.len() == before.0 {
            self.out.comments.truncate(before.1);
            self.dropped_spans.truncate(before.2);
            self.out.dropped = before.3;
            self.drop_span(span);
        } else {
            let t = i.test.span();
            let cond = &self.src[t.start as usize..t.end as usize];
            self.out.comments.push(format!(
                "{}: if ({cond}): not a condition in baton; the captures under it are always made",
                self.kind.label()
            ));
            self.dropped_spans.push(t);
        }
    }

    /// Whether every check a condition stands for is already made, unconditionally, by this
    /// script: then the request fails whenever the condition does not hold.
    fn asserted(&mut self, test: &Expression<'_>) -> bool {
        let mark = self.mark();
        let checks = self.cond(test);
        self.restore(mark);
        checks.is_some_and(|cs| !cs.is_empty() && cs.iter().all(|c| self.out.checks.contains(c)))
    }

    /// The codes of an `if`/`else if` chain on the status whose last `else` fails the test.
    fn status_chain(&mut self, first: &IfStatement<'_>) -> Option<Vec<i64>> {
        let mut codes = Vec::new();
        let mut cur = first;
        loop {
            let [c] = <[Check; 1]>::try_from(self.cond(&cur.test)?).ok()?;
            let (Target::Status, Y::Map(m)) = (&c.target, &c.pred) else {
                return None;
            };
            match m.as_slice() {
                [(op, Y::Int(n))] if op == "eq" => codes.push(*n),
                _ => return None,
            }
            match cur.alternate.as_ref()? {
                Statement::IfStatement(next) => cur = next,
                Statement::BlockStatement(b) if b.body.iter().any(marks_failed) => {
                    return Some(codes);
                }
                other if marks_failed(other) => return Some(codes),
                _ => return None,
            }
        }
    }

    /// `pm.test(name, fn)`: each statement of its body on its own; a skipped test is a comment.
    fn test(&mut self, e: &Expression<'_>, span: Span) {
        let Some((skip, body)) = test_call(e) else {
            return;
        };
        if skip {
            let text = &self.src[span.start as usize..span.end as usize];
            self.out
                .comments
                .push("postman test skipped in Postman (not a check there either):".into());
            self.out
                .comments
                .extend(text.lines().map(|l| format!("  {}", l.trim_end())));
            return;
        }
        let before = (
            self.out.checks.len(),
            self.out.captures.len(),
            self.out.comments.len(),
            self.dropped_spans.len(),
            self.out.dropped,
        );
        let vacuous = self.vacuous;
        match body {
            Body::Block(list) => self.statements(list),
            Body::Expr(x) => {
                let mark = self.mark();
                let checks = self.out.checks.len();
                let ok = self.expression(x).is_some();
                if !ok || (self.conditional > 0 && self.out.checks.len() > checks) {
                    self.restore(mark);
                    self.drop_span(x.span());
                }
            }
        }
        let translated = self.out.checks.len() > before.0
            || self.out.captures.len() > before.1
            || self.vacuous > vacuous;
        let dropped_any = self.dropped_spans.len() > before.3;
        if !translated && dropped_any {
            // Nothing inside was understood: keep the whole test as one comment.
            self.out.comments.truncate(before.2);
            self.dropped_spans.truncate(before.3);
            self.out.dropped = before.4;
            self.drop_span(span);
        }
    }

    /// `try { ... } catch (e) { ... }`: the block is translated; a catch that only reports a
    /// failure (`tests[...] = false`, `console.log`, `pm.expect.fail`) adds nothing.
    fn try_statement(&mut self, t: &TryStatement<'_>) {
        self.statements(&t.block.body);
        if let Some(h) = &t.handler {
            let catch = &h.body.body;
            let fails = catch.iter().any(marks_failed);
            if !catch
                .iter()
                .all(|s| reports_failure(s) || (fails && sets_literal(s)))
            {
                self.drop_span(h.span);
            } else if fails && self.conditional == 0 {
                // The catch fails the test: what in the block can throw must not. A body
                // that is not JSON is what throws in `JSON.parse(responseBody)`.
                let block = &self.src[t.block.span.start as usize..t.block.span.end as usize];
                if block.contains("JSON.parse(responseBody)") || block.contains("response.json()") {
                    self.out.checks.push(Check::exists("$".into(), true));
                }
            }
        }
        if let Some(f) = &t.finalizer {
            self.statements(&f.body);
        }
    }

    /// A statement without nested statements; `None` when not understood.
    fn simple(&mut self, s: &Statement<'_>) -> Option<()> {
        match s {
            Statement::ExpressionStatement(e) => self.expression(&e.expression),
            Statement::VariableDeclaration(d) => self.declare(d),
            Statement::ForStatement(f) => self.for_loop(f),
            _ => None,
        }
    }

    /// `var a = 1, b;`: each name bound to what its value stands for.
    pub(super) fn declare(&mut self, d: &VariableDeclaration<'_>) -> Option<()> {
        for decl in &d.declarations {
            match (&decl.init, &decl.id) {
                // `var x;` only declares: nothing is known of `x` yet.
                (None, BindingPattern::BindingIdentifier(id)) => {
                    self.env.remove(id.name.as_str());
                }
                (init, pattern) => {
                    let sym = self.eval(init.as_ref()?)?;
                    self.bind(pattern, sym)?;
                }
            }
        }
        Some(())
    }

    /// `x = value` or `{ a, b: c } = value` (each name bound to its part).
    fn bind(&mut self, pattern: &BindingPattern<'_>, sym: Sym) -> Option<()> {
        match pattern {
            BindingPattern::BindingIdentifier(id) => {
                self.env.insert(id.name.as_str().to_string(), sym);
                Some(())
            }
            BindingPattern::ObjectPattern(o) if o.rest.is_none() => {
                let Sym::Json(path) = sym else { return None };
                for p in &o.properties {
                    let key = match &p.key {
                        PropertyKey::StaticIdentifier(k) if !p.computed => {
                            k.name.as_str().to_string()
                        }
                        PropertyKey::StringLiteral(k) => k.value.as_str().to_string(),
                        _ => return None,
                    };
                    self.bind(&p.value, Sym::Json(join_path(&path, &key)))?;
                }
                Some(())
            }
            _ => None,
        }
    }

    /// An expression statement: an assertion, a setter, an assignment, or logging.
    pub(super) fn expression(&mut self, e: &Expression<'_>) -> Option<()> {
        if let Expression::AssignmentExpression(a) = e {
            return self.assignment(&a.left, &a.right);
        }
        let (base, links) = flatten(e);
        if let [Link::Call("forEach", [f])] = links.as_slice() {
            return self.each(base, f.as_expression()?);
        }
        let Expression::Identifier(id) = base else {
            return None;
        };
        let p0 = links.first().and_then(Link::prop);
        let c0 = links.first().and_then(Link::call);
        match (id.name.as_str(), p0, c0) {
            ("console", _, _) => self.logged(links.last()?),
            ("_", None, Some(("each" | "forEach", [list, f]))) if links.len() == 1 => {
                self.each(list.as_expression()?, f.as_expression()?)
            }
            ("pm", None, Some(("expect", args))) => {
                let subject = self.eval(arg(args, 0)?)?;
                let checks = self.chai(subject, &links[1..])?;
                self.vacuous += usize::from(checks.is_empty());
                self.out.checks.extend(checks);
                Some(())
            }
            ("pm", Some(r @ ("response" | "request")), _)
                if links.get(1).and_then(Link::prop) == Some("to") =>
            {
                let subject = match r {
                    "response" => Sym::Response,
                    _ => Sym::Request(self.around.req?.clone()),
                };
                let checks = self.chai(subject, &links[1..])?;
                self.vacuous += usize::from(checks.is_empty());
                self.out.checks.extend(checks);
                Some(())
            }
            (
                "pm",
                Some(scope @ ("environment" | "globals" | "collectionVariables" | "variables")),
                _,
            ) => {
                let (method, args) = links.get(1)?.call()?;
                (links.len() == 2).then_some(())?;
                match (method, scope) {
                    ("set", _) => self.setter(args),
                    ("unset", "environment" | "globals" | "collectionVariables") => {
                        self.unset(Some(&string_arg(args, 0)?))
                    }
                    ("clear", "environment" | "globals") if args.is_empty() => self.unset(None),
                    _ => None,
                }
            }
            ("postman", None, Some(("clearEnvironmentVariable" | "clearGlobalVariable", args)))
                if links.len() == 1 =>
            {
                self.unset(Some(&string_arg(args, 0)?))
            }
            ("postman", None, Some(("clearEnvironmentVariables" | "clearGlobalVariables", [])))
                if links.len() == 1 =>
            {
                self.unset(None)
            }
            (
                "postman",
                None,
                Some((
                    "setEnvironmentVariable" | "setGlobalVariable" | "setCollectionVariable",
                    args,
                )),
            ) if links.len() == 1 => self.setter(args),
            _ => None,
        }
    }

    /// `console.log(...)` shows what it is given and changes nothing, unless what it is
    /// given is a call that sets or clears variables (`console.log(pm.environment.clear())`):
    /// that call is translated, or the statement is not.
    fn logged(&mut self, call: &Link<'_, '_>) -> Option<()> {
        let Link::Call(_, args) = call else {
            return Some(());
        };
        for a in args.iter().filter_map(Argument::as_expression) {
            let text = &self.src[a.span().start as usize..a.span().end as usize];
            if changes_variables(text) {
                self.expression(a)?;
            }
        }
        Some(())
    }

    /// `tests["name"] = condition;` or `x = value;`.
    fn assignment(&mut self, left: &AssignmentTarget<'_>, right: &Expression<'_>) -> Option<()> {
        match left {
            AssignmentTarget::AssignmentTargetIdentifier(id) => {
                let sym = self.eval(right)?;
                self.env.insert(id.name.as_str().to_string(), sym);
                Some(())
            }
            AssignmentTarget::ComputedMemberExpression(m) if is_ident(&m.object, "tests") => {
                self.tests_entry(right)
            }
            AssignmentTarget::StaticMemberExpression(m) if is_ident(&m.object, "tests") => {
                self.tests_entry(right)
            }
            _ => None,
        }
    }

    fn tests_entry(&mut self, right: &Expression<'_>) -> Option<()> {
        if self.kind != Kind::Test {
            return None;
        }
        if let Expression::BooleanLiteral(b) = right {
            // `tests[...] = true` always passes; `= false` always fails, which baton cannot say.
            return b.value.then_some(());
        }
        let checks = self.cond(right)?;
        self.out.checks.extend(checks);
        Some(())
    }

    /// `pm.environment.unset(name)` (or every variable scripts set, with `None`): later
    /// requests send `{{name}}` as its text, as Newman does. Not under a condition.
    fn unset(&mut self, name: Option<&str>) -> Option<()> {
        (self.conditional == 0).then_some(())?;
        let effect = match name {
            Some(n) => {
                let n = self.names.ident(n);
                self.set_here.insert(n.clone(), None);
                Effect::Unset(n)
            }
            None => {
                self.cleared = true;
                Effect::UnsetAll
            }
        };
        self.out.effects.push(effect);
        Some(())
    }

    /// `pm.environment.set(name, value)`: a capture in a test script, a variable in a
    /// pre-request script when the value is known at import.
    fn setter(&mut self, args: &[Argument<'_>]) -> Option<()> {
        let name = self.names.ident(&string_arg(args, 0)?);
        let value = self.eval(arg(args, 1)?)?;
        let read_back = (self.conditional == 0).then(|| value.clone());
        if read_back.is_none() {
            self.forgotten.insert(name.clone());
        }
        self.set_here.insert(name.clone(), read_back);
        match (self.kind, value) {
            // A value known at import is a variable, whichever script sets it.
            (_, Sym::Lit(v)) => {
                let y = match v {
                    Json::String(s) => Y::Str(super::super::super::escape_jinja(&s)),
                    Json::Object(_) | Json::Array(_) => return None,
                    other => Y::from_json(&other, &mut |s| s.to_string()),
                };
                self.out.vars.push((name, y));
            }
            (Kind::PreRequest, _) => return None,
            (Kind::Test, value) => {
                let source = capture_source(value)?;
                let source = if is_secret_name(&name) {
                    let mut m = match source {
                        Y::Str(path) => Y::Map(vec![("json".into(), Y::Str(path))]),
                        other => other,
                    };
                    m.put("secret", Y::Bool(true));
                    m
                } else {
                    source
                };
                self.out.captures.push((name.clone(), source));
                self.out.effects.push(Effect::Set(name));
                return Some(());
            }
        }
        if let Some((name, _)) = self.out.vars.last() {
            self.out.effects.push(Effect::Set(name.clone()));
        }
        Some(())
    }
}

/// Where a captured value comes from, as a capture source.
fn capture_source(v: Sym) -> Option<Y> {
    let flag = |k: &str| Y::Map(vec![(k.into(), Y::Bool(true))]);
    Some(match v {
        Sym::Json(p) => Y::Str(p),
        Sym::Header(h) => Y::Map(vec![("header".into(), Y::Str(h))]),
        Sym::Cookie(c) => Y::Map(vec![("cookie".into(), Y::Str(c))]),
        Sym::HeaderPart { header, regex } => Y::Map(vec![
            ("header".into(), Y::Str(header)),
            ("regex".into(), Y::Str(regex)),
        ]),
        Sym::Body => flag("body"),
        Sym::Status => flag("status"),
        Sym::Duration => flag("duration"),
        _ => return None,
    })
}

/// `pm.test(name, fn)` or `pm.test.skip(name, fn)`: whether skipped, and the body.
fn test_call<'b, 'a>(e: &'b Expression<'a>) -> Option<(bool, Body<'b, 'a>)> {
    let Expression::CallExpression(c) = e else {
        return None;
    };
    let (base, links) = flatten(&c.callee);
    if !is_ident(base, "pm") {
        return None;
    }
    let skip = match links.as_slice() {
        [Link::Prop("test")] => false,
        [Link::Prop("test"), Link::Prop("skip")] => true,
        _ => return None,
    };
    let body = match arg(&c.arguments, 1)? {
        Expression::FunctionExpression(f) => Body::Block(&f.body.as_ref()?.statements),
        Expression::ArrowFunctionExpression(f) => match f.body.as_function_body() {
            Some(b) => Body::Block(&b.statements),
            None => Body::Expr(f.body.as_expression()?),
        },
        _ => return None,
    };
    Some((skip, body))
}

fn is_ident(e: &Expression<'_>, name: &str) -> bool {
    matches!(e, Expression::Identifier(id) if id.name.as_str() == name)
}

/// `tests[...] = false` or `pm.expect.fail(...)`: the test fails.
fn marks_failed(s: &Statement<'_>) -> bool {
    reports_failure(s)
        && !matches!(s, Statement::ExpressionStatement(e) if matches!(flatten(&e.expression).0, Expression::Identifier(id) if id.name == "console"))
}

/// `name = <literal>;` (in a catch that fails the test, it changes no verdict).
fn sets_literal(s: &Statement<'_>) -> bool {
    matches!(s, Statement::ExpressionStatement(e) if matches!(&e.expression,
        Expression::AssignmentExpression(a)
            if matches!(a.left, AssignmentTarget::AssignmentTargetIdentifier(_))
                && super::eval::literal(&a.right).is_some()))
}

/// A catch-block statement that only marks the test failed or logs.
fn reports_failure(s: &Statement<'_>) -> bool {
    let Statement::ExpressionStatement(e) = s else {
        return false;
    };
    match &e.expression {
        Expression::AssignmentExpression(a) => {
            matches!(&a.right, Expression::BooleanLiteral(b) if !b.value)
                && matches!(&a.left, AssignmentTarget::ComputedMemberExpression(m) if is_ident(&m.object, "tests"))
        }
        other => {
            let (base, links) = flatten(other);
            is_ident(base, "console")
                || (is_ident(base, "pm")
                    && matches!(
                        links.as_slice(),
                        [Link::Call("expect", _), Link::Call("fail", _)]
                            | [Link::Prop("expect"), Link::Call("fail", _)]
                    ))
        }
    }
}

/// The names in a piece of script.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
}

/// Whether a piece of script may call a setter or a clear of variables.
fn changes_variables(text: &str) -> bool {
    ["set(", "Variable(", "unset(", "clear(", "Variables("]
        .iter()
        .any(|m| text.contains(m))
}

/// The texts between quotes in a piece of script (`'a'`, `"b"`, `` `c` ``), without escapes.
fn quoted_texts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '\'' | '"' | '`') {
            let mut s = String::new();
            for d in chars.by_ref() {
                if d == c {
                    break;
                }
                s.push(d);
            }
            out.push(s);
        }
    }
    out
}

/// Captured tokens and passwords are kept out of reports.
fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token", "secret", "password", "passwd", "apikey", "api_key", "jwt", "session",
    ]
    .iter()
    .any(|w| n.contains(w))
}
