//! Chai chains (`pm.expect(x).to.have.property('a').and.equal(1)`) and Postman's response
//! assertions (`pm.response.to.have.status(200)`) as checks.

use oxc_ast::ast::{Argument, Expression};
use oxc_span::GetSpan;
use serde_json::Value as Json;

use super::super::super::writer::Y;
use super::Walker;
use super::check::{Check, Target};
use super::eval::{Link, Sym, arg, compare, compare_checks, join_path, literal, named, string_arg};

/// The state of a chain as it is read left to right.
struct Chain {
    subject: Sym,
    negated: bool,
    /// `.include`/`.contain` as a flag (`to.include.keys`), `.any` (`to.have.any.keys`).
    include: bool,
    any: bool,
    checks: Vec<Check>,
    /// A link that asserts nothing in Postman either (`jsonBody({...})`).
    vacuous: bool,
    /// `.nested`: a property name is a path (`.nested.property('a.b')`).
    nested: bool,
}

impl Chain {
    fn push(&mut self, c: Check) {
        self.checks.push(if self.negated { c.negate() } else { c });
    }

    /// Several checks at once hold together; negating them would need an "or".
    fn push_all(&mut self, cs: Vec<Check>) -> Option<()> {
        if self.negated && cs.len() != 1 {
            return None;
        }
        cs.into_iter().for_each(|c| self.push(c));
        Some(())
    }

    fn compare(&mut self, op: &str, value: &Sym) -> Option<()> {
        if let (Sym::Lit(a), Sym::Lit(b)) = (&self.subject, value) {
            // Both known at import: holds, or stays a comment.
            let holds = match (op, a, b) {
                ("eq", _, _) => a == b,
                ("contains", Json::String(a), Json::String(b)) => a.contains(b.as_str()),
                _ => return None,
            };
            (holds != self.negated).then_some(())?;
            self.vacuous = true;
            return Some(());
        }
        if self.negated {
            let c = compare(&self.subject, op, value)?;
            self.push(c);
            return Some(());
        }
        let cs = compare_checks(&self.subject, op, value)?;
        self.push_all(cs)
    }

    fn boolean(&mut self, want: bool) -> Option<()> {
        match self.subject.clone() {
            Sym::Cond(cs) if want => self.push_all(cs),
            Sym::Cond(cs) => match <[Check; 1]>::try_from(cs) {
                Ok([one]) => {
                    self.push(one.negate());
                    Some(())
                }
                Err(_) => None,
            },
            Sym::Json(_) | Sym::Var(_) => self.compare("eq", &Sym::Lit(Json::Bool(want))),
            // Known at import: nothing to check when it holds; never a check when not.
            Sym::Lit(Json::Bool(b)) if (b == want) != self.negated => {
                self.vacuous = true;
                Some(())
            }
            _ => None,
        }
    }
}

const FILLERS: [&str; 19] = [
    "to", "be", "been", "is", "that", "which", "and", "has", "have", "with", "at", "of", "same",
    "but", "does", "still", "also", "own", "deep",
];

impl Walker<'_, '_> {
    /// The checks a chain makes of `subject`; `None` when any part is not understood.
    pub(super) fn chai(&mut self, subject: Sym, links: &[Link<'_, '_>]) -> Option<Vec<Check>> {
        let mut st = Chain {
            subject,
            negated: false,
            include: false,
            any: false,
            checks: Vec::new(),
            vacuous: false,
            nested: false,
        };
        for l in links {
            match l {
                Link::Prop(w) if FILLERS.contains(w) || *w == "a" || *w == "an" => {}
                Link::Prop(w) => word(&mut st, w)?,
                Link::Call(name, args) => self.call(&mut st, name, args)?,
                Link::Index(_) => return None,
            }
        }
        (!st.checks.is_empty() || st.vacuous).then_some(st.checks)
    }

    fn call(&mut self, st: &mut Chain, name: &str, args: &[Argument<'_>]) -> Option<()> {
        if st.subject == Sym::Response && name != "property" {
            return response_call(st, name, args);
        }
        if let Sym::Request(req) = &st.subject {
            // `pm.request.to.have.header(name[, value])`, known at import.
            (name == "header").then_some(())?;
            let value = match arg(args, 1) {
                Some(v) => Some(match literal(v)? {
                    Json::String(s) => s,
                    _ => return None,
                }),
                None => None,
            };
            let has = req.has_header(&string_arg(args, 0)?, value.as_deref())?;
            (has != st.negated).then_some(())?;
            st.vacuous = true;
            return Some(());
        }
        let value = |w: &mut Self, i: usize| w.eval(arg(args, i)?);
        match name {
            "equal" | "equals" | "eq" | "eql" | "eqls" => match (&st.subject, value(self, 0)?) {
                (Sym::Cond(_), Sym::Lit(Json::Bool(b))) => st.boolean(b),
                (_, v) => st.compare("eq", &v),
            },
            "above" | "gt" | "greaterThan" => st.compare("gt", &value(self, 0)?),
            "least" | "gte" | "greaterThanOrEqual" => st.compare("ge", &value(self, 0)?),
            "below" | "lt" | "lessThan" => st.compare("lt", &value(self, 0)?),
            "most" | "lte" | "lessThanOrEqual" => st.compare("le", &value(self, 0)?),
            "within" => {
                let cs = vec![
                    compare(&st.subject, "ge", &value(self, 0)?)?,
                    compare(&st.subject, "le", &value(self, 1)?)?,
                ];
                st.push_all(cs)
            }
            "include" | "includes" | "contain" | "contains" | "string" => match value(self, 0) {
                Some(v @ (Sym::Lit(Json::String(_) | Json::Number(_)) | Sym::Var(_))) => {
                    st.compare("contains", &v)
                }
                Some(_) => None,
                None => {
                    let e = arg(args, 0)?;
                    known_parts(st, e)?;
                    let text = self.src[e.span().start as usize..e.span().end as usize]
                        .replace(['\n', '\r'], " ");
                    self.out.comments.push(format!(
                        "{}: only the parts of {text} known at import are checked",
                        self.kind.label()
                    ));
                    Some(())
                }
            },
            "match" | "matches" => {
                let re = regex_arg(arg(args, 0)?)?;
                st.compare("matches", &Sym::Lit(Json::String(re)))
            }
            "lengthOf" | "length" => {
                st.subject = Sym::Len(Box::new(st.subject.clone()));
                let n = value(self, 0)?;
                st.compare("eq", &n)
            }
            "oneOf" => st.compare("one_of", &value(self, 0)?),
            "a" | "an" => type_of(st, &string_arg(args, 0)?),
            "property" | "ownProperty" | "haveOwnProperty" => self.property(st, args),
            "keys" | "key" | "all" => self.keys(st, args),
            "jsonSchema" => {
                let s = literal(arg(args, 0)?).or_else(|| match self.eval(arg(args, 0)?) {
                    Some(Sym::Lit(v)) => Some(v),
                    _ => None,
                })?;
                json_schema(st, s)
            }
            _ => None,
        }
    }

    /// `.property(k)` checks `k` exists and makes it the chain's subject; `.property(k, v)`
    /// also checks its value.
    fn property(&mut self, st: &mut Chain, args: &[Argument<'_>]) -> Option<()> {
        if let Sym::Jar = st.subject {
            return self.cookie_property(st, args);
        }
        // `pm.expect(pm.response).to.have.property('code', 200)`
        if st.subject == Sym::Response {
            let Sym::Lit(Json::String(key)) = self.eval(arg(args, 0)?)? else {
                return None;
            };
            st.subject = match key.as_str() {
                "code" => Sym::Status,
                "responseTime" => Sym::Duration,
                _ => return None,
            };
            return match arg(args, 1) {
                Some(v) => {
                    let v = self.eval(v)?;
                    st.compare("eq", &v)
                }
                None => Some(()),
            };
        }
        let Sym::Json(p) = &st.subject else {
            return None;
        };
        let Sym::Lit(Json::String(key)) = self.eval(arg(args, 0)?)? else {
            return None;
        };
        let path = if st.nested {
            lodash_path_from(p, &key)?
        } else {
            join_path(p, &key)
        };
        st.subject = Sym::Json(path.clone());
        match arg(args, 1) {
            Some(v) => {
                let v = self.eval(v)?;
                st.compare("eq", &v)
            }
            None => {
                st.push(Check::exists(path, true));
                Some(())
            }
        }
    }

    /// `pm.expect(pm.cookies.toObject()).to.have.property(name[, value])`: the cookie is in
    /// the jar (with that value).
    fn cookie_property(&mut self, st: &mut Chain, args: &[Argument<'_>]) -> Option<()> {
        if st.nested {
            return None;
        }
        let Sym::Lit(Json::String(name)) = self.eval(arg(args, 0)?)? else {
            return None;
        };
        st.subject = Sym::Cookie(name.clone());
        match arg(args, 1) {
            Some(v) => {
                let v = self.eval(v)?;
                st.compare("eq", &v)
            }
            None => {
                st.push(Check::new(Target::Cookie(name), "exists", Y::Bool(true)));
                Some(())
            }
        }
    }

    /// `.keys('a', 'b')` or `.keys(['a', 'b'])`: each exists, and no others unless
    /// `.include`/`.contain` came first.
    fn keys(&mut self, st: &mut Chain, args: &[Argument<'_>]) -> Option<()> {
        let Sym::Json(p) = st.subject.clone() else {
            return None;
        };
        if st.negated || st.any {
            return None;
        }
        let keys: Vec<String> = match args {
            [one] => match literal(one.as_expression()?)? {
                Json::Array(a) => a
                    .iter()
                    .map(|k| k.as_str().map(str::to_string))
                    .collect::<Option<_>>()?,
                Json::String(s) => vec![s],
                _ => return None,
            },
            many => (0..many.len())
                .map(|i| string_arg(args, i))
                .collect::<Option<_>>()?,
        };
        for k in &keys {
            st.push(Check::exists(join_path(&p, k), true));
        }
        if !st.include {
            st.push(Check::new(
                Target::Json(p),
                "length",
                Y::Int(keys.len() as i64),
            ));
        }
        Some(())
    }
}

/// `.jsonSchema(s)`: of the body, a `schema` check (`{not: s}` under `.not`); of a value
/// known at import, computed (holds: nothing to check; fails: a comment).
fn json_schema(st: &mut Chain, s: Json) -> Option<()> {
    match &st.subject {
        Sym::Json(p) if p == "$" => {
            let s = if st.negated {
                serde_json::json!({ "not": s })
            } else {
                s
            };
            st.checks.push(Check::schema(s)?);
        }
        Sym::Lit(v) => {
            (super::eval::schema_holds(&s, v)? != st.negated).then_some(())?;
            st.vacuous = true;
        }
        _ => return None,
    }
    Some(())
}

/// `.include(`text ${unknown} text`)`: text that holds the whole also holds each part
/// known at import, so those are checked (less than the script, never more). Not under
/// `.not`, where checking less would be checking more.
fn known_parts(st: &mut Chain, e: &Expression<'_>) -> Option<()> {
    let Expression::TemplateLiteral(t) = e else {
        return None;
    };
    if st.negated || !matches!(st.subject, Sym::Body | Sym::Json(_) | Sym::Header(_)) {
        return None;
    }
    let parts: Vec<String> = t
        .quasis
        .iter()
        .filter_map(|q| q.value.cooked.as_ref().map(|c| c.as_str().to_string()))
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    for p in parts {
        st.compare("contains", &Sym::Lit(Json::String(p)))?;
    }
    Some(())
}

/// A property that asserts (`.true`, `.empty`, `.ok`) or changes the chain (`.not`).
fn word(st: &mut Chain, w: &str) -> Option<()> {
    if st.subject == Sym::Response {
        return response_word(st, w);
    }
    if let Sym::Request(_) = st.subject {
        match (w, st.negated) {
            ("not", _) => st.negated = !st.negated,
            ("postmanRequest" | "postmanRequestOrResponse", false) | ("postmanResponse", true) => {
                st.vacuous = true
            }
            _ => return None,
        }
        return Some(());
    }
    match w {
        "not" => st.negated = !st.negated,
        "include" | "contain" | "includes" | "contains" => st.include = true,
        "any" => st.any = true,
        // `.all.keys(...)`: every key, which `.keys` says already.
        "all" => {}
        "nested" => st.nested = true,
        "length" | "lengthOf" => st.subject = Sym::Len(Box::new(st.subject.clone())),
        "true" => st.boolean(true)?,
        "false" => st.boolean(false)?,
        "null" => st.compare("eq", &Sym::Lit(Json::Null))?,
        "undefined" => match &st.subject {
            Sym::Json(p) => st.push(Check::exists(p.clone(), false)),
            other => st.push(Check::new(named(other)?, "exists", Y::Bool(false))),
        },
        "exist" | "exists" => match &st.subject {
            Sym::Json(p) => st.push(Check::new(Target::Json(p.clone()), "ne", Y::Null)),
            Sym::Header(h) => st.push(Check::new(
                Target::Header(h.clone()),
                "exists",
                Y::Bool(true),
            )),
            other => st.push(Check::new(named(other)?, "exists", Y::Bool(true))),
        },
        "empty" => {
            st.subject = Sym::Len(Box::new(st.subject.clone()));
            st.compare("eq", &Sym::Lit(Json::from(0)))?;
        }
        "ok" => match st.subject.clone() {
            Sym::Json(p) => st.push(Check::truthy(p)),
            Sym::Cond(_) => st.boolean(true)?,
            other => st.push(Check::truthy_of(named(&other)?)),
        },
        _ => return None,
    }
    Some(())
}

fn type_of(st: &mut Chain, t: &str) -> Option<()> {
    let target = match st.subject.clone() {
        Sym::Json(p) => Target::Json(p),
        other => named(&other)?,
    };
    let t = t.to_ascii_lowercase();
    let c = match t.as_str() {
        "undefined" => Check::new(target, "exists", Y::Bool(false)),
        "object" | "array" | "string" | "number" | "boolean" | "null" => {
            Check::new(target, "type", Y::Str(t))
        }
        _ => return None,
    };
    st.push(c);
    Some(())
}

/// `/abc/i` as a regex for baton (`(?i)abc`).
pub(super) fn regex_arg(e: &Expression<'_>) -> Option<String> {
    match e {
        Expression::RegExpLiteral(r) => {
            let mut flags = String::new();
            let f = r.regex.flags;
            for (bit, c) in [
                (oxc_ast::ast::RegExpFlags::I, 'i'),
                (oxc_ast::ast::RegExpFlags::M, 'm'),
                (oxc_ast::ast::RegExpFlags::S, 's'),
            ] {
                if f.contains(bit) {
                    flags.push(c);
                }
            }
            let pattern = r.regex.pattern.text.as_str();
            Some(if flags.is_empty() {
                pattern.to_string()
            } else {
                format!("(?{flags}){pattern}")
            })
        }
        Expression::StringLiteral(s) => Some(s.value.as_str().to_string()),
        _ => None,
    }
    // One baton cannot compile stays a comment (`matches` would be refused at `check`).
    .filter(|re| regex::Regex::new(re).is_ok())
}

/// The status range a Postman response property stands for.
fn status_word(w: &str) -> Option<Y> {
    let range = |lo: i64, hi: i64| {
        Some(Y::Map(vec![
            ("ge".into(), Y::Int(lo)),
            ("lt".into(), Y::Int(hi)),
        ]))
    };
    let code = |c: i64| Some(Y::Map(vec![("eq".into(), Y::Int(c))]));
    match w {
        "info" => range(100, 200),
        "success" => range(200, 300),
        "redirection" => range(300, 400),
        "clientError" => range(400, 500),
        "serverError" => range(500, 600),
        "error" => range(400, 600),
        "ok" => code(200),
        "accepted" => code(202),
        "withoutContent" | "noContent" => code(204),
        "badRequest" => code(400),
        "unauthorized" | "unauthorised" => code(401),
        "forbidden" => code(403),
        "notFound" => code(404),
        "rateLimited" => code(429),
        _ => None,
    }
}

fn response_word(st: &mut Chain, w: &str) -> Option<()> {
    match w {
        "not" => st.negated = !st.negated,
        // What the response is, in the sandbox: true of every response.
        "postmanResponse" | "postmanRequestOrResponse" if !st.negated => st.vacuous = true,
        "postmanRequest" if st.negated => st.vacuous = true,
        "json" => st.push(Check::exists("$".into(), true)),
        "withBody" => st.push(Check::new(
            Target::Body,
            "length",
            Y::Map(vec![("gt".into(), Y::Int(0))]),
        )),
        _ if FILLERS.contains(&w) || w == "a" || w == "an" => {}
        // Status codes run from 100 to 599: outside an end range is one comparison; outside
        // a middle range would need an "or" (left as a comment).
        _ if st.negated && matches!(w, "info" | "serverError" | "error") => {
            let (op, code) = match w {
                "info" => ("ge", 200),
                "serverError" => ("lt", 500),
                _ => ("lt", 400),
            };
            st.checks.push(Check::new(Target::Status, op, Y::Int(code)));
        }
        _ if st.negated && matches!(w, "success" | "redirection" | "clientError") => return None,
        _ => st.push(Check {
            target: Target::Status,
            pred: status_word(w)?,
        }),
    }
    Some(())
}

fn response_call(st: &mut Chain, name: &str, args: &[Argument<'_>]) -> Option<()> {
    let lit = |i: usize| arg(args, i).and_then(literal);
    match name {
        // Postman's reason for a code is its standard phrase: a reason is its code.
        "status" | "statusCode" | "statusReason" => {
            let code = match (name, lit(0)?) {
                ("status" | "statusCode", Json::Number(n)) => n.as_i64()?,
                ("status" | "statusReason", Json::String(reason)) => reason_code(&reason)?,
                _ => return None,
            };
            st.push(Check::new(Target::Status, "eq", Y::Int(code)));
        }
        "header" => {
            let h = string_arg(args, 0)?;
            match lit(1) {
                None if args.len() == 1 => {
                    st.push(Check::new(Target::Header(h), "exists", Y::Bool(true)))
                }
                Some(Json::String(v)) => st.push(Check::new(
                    Target::Header(h),
                    "eq",
                    Y::Str(super::super::super::escape_jinja(&v)),
                )),
                _ => return None,
            }
        }
        "body" => match (args.len(), lit(0)) {
            (0, _) => st.push(Check::new(
                Target::Body,
                "length",
                Y::Map(vec![("gt".into(), Y::Int(0))]),
            )),
            (1, Some(Json::String(s))) => st.push(Check::new(
                Target::Body,
                "eq",
                Y::Str(super::super::super::escape_jinja(&s)),
            )),
            _ => return None,
        },
        "jsonSchema" => {
            st.subject = Sym::Json("$".into());
            json_schema(st, lit(0)?)?;
        }
        "jsonBody" => match (args.len(), lit(0)) {
            (0, _) => st.push(Check::exists("$".into(), true)),
            (1, Some(Json::String(p))) => st.push(Check::exists(lodash_path(&p)?, true)),
            // `jsonBody({...})`: Postman's chai plugin asserts nothing unless the first
            // argument is a path (text), whatever the body: no check.
            (1 | 2, Some(Json::Object(_) | Json::Array(_))) => st.vacuous = true,
            (2, Some(Json::String(p))) => {
                let v = lit(1)?;
                st.push(Check::new(
                    Target::Json(lodash_path(&p)?),
                    "eq",
                    Y::from_json(&v, &mut |t| super::super::super::escape_jinja(t)),
                ));
            }
            _ => return None,
        },
        _ => return None,
    }
    Some(())
}

/// `a.b[0].c` (lodash's `_.get` path) as `$.a.b[0].c`.
fn lodash_path(p: &str) -> Option<String> {
    lodash_path_from("$", p)
}

/// A lodash path under `base` (a JSONPath): `a.b[0]` under `$.x` is `$.x.a.b[0]`.
pub(super) fn lodash_path_from(base: &str, p: &str) -> Option<String> {
    let mut out = base.to_string();
    for part in p.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out = join_path(&out, key);
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            let n: u64 = idx.trim_end_matches(']').parse().ok()?;
            out.push_str(&format!("[{n}]"));
        }
    }
    Some(out)
}

/// The code of a reason phrase (`to.have.status('Created')`).
fn reason_code(reason: &str) -> Option<i64> {
    const CODES: [(i64, &str); 22] = [
        (200, "ok"),
        (201, "created"),
        (202, "accepted"),
        (204, "no content"),
        (301, "moved permanently"),
        (302, "found"),
        (304, "not modified"),
        (307, "temporary redirect"),
        (308, "permanent redirect"),
        (400, "bad request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not found"),
        (405, "method not allowed"),
        (406, "not acceptable"),
        (409, "conflict"),
        (410, "gone"),
        (415, "unsupported media type"),
        (422, "unprocessable entity"),
        (429, "too many requests"),
        (500, "internal server error"),
        (503, "service unavailable"),
    ];
    let r = reason.trim().to_ascii_lowercase();
    CODES.iter().find(|(_, n)| *n == r).map(|(c, _)| *c)
}
