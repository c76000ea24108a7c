//! Postman test scripts into captures and expectations: the common one-line patterns only.
//!
//! A statement is either understood completely or kept, verbatim, as a comment.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value as Json;

use super::Names;
use super::writer::Y;

/// What a test script turned into.
#[derive(Debug, Default, Clone)]
pub(crate) struct Translated {
    /// `(variable, capture source)` in script order.
    pub captures: Vec<(String, Y)>,
    pub status: Vec<i64>,
    /// `(header name, predicate)`.
    pub headers: Vec<(String, Y)>,
    /// `(JSONPath, predicate)`.
    pub json: Vec<(String, Y)>,
    pub body: Vec<Y>,
    /// Lines kept as comments (not converted).
    pub unconverted: Vec<String>,
}

static SETTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:postman\.set(?:Environment|Global)Variable|pm\.(?:environment|collectionVariables|globals|variables)\.set)\(\s*(?:"([^"]+)"|'([^']+)')\s*,\s*(.+)\)$"#).unwrap()
});
static JSON_VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:var|let|const)\s+)?([A-Za-z_$][\w$]*)\s*=\s*(?:JSON\.parse\(\s*(?:responseBody|pm\.response\.text\(\))\s*\)|pm\s*\.\s*response\s*\.\s*json\(\))$").unwrap()
});
static TEST_OPEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^pm\.test\(\s*(?:"[^"]*"|'[^']*'|`[^`]*`)\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(.*)$"#).unwrap()
});
static TESTS_ASSIGN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^tests\[\s*(?:"[^"]*"|'[^']*')\s*\]\s*=\s*(.+)$"#).unwrap());
static EXPECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^pm\.expect\((.+?)\)\.(to\..+)$").unwrap());
static HEADER_GET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:pm\.response\.headers\.get|postman\.getResponseHeader|pm\.response\.getHeader)\(\s*(?:"([^"]+)"|'([^']+)')\s*\)$"#).unwrap()
});
static HAVE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^pm\.response\.to\.have\.header\(\s*(?:"([^"]+)"|'([^']+)')\s*(?:,\s*(.+))?\)$"#)
        .unwrap()
});
static HAVE_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^pm\.response\.to\.(?:have|be)\.status\(\s*(\d{3})\s*\)$").unwrap()
});
static CODE_CMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:responseCode\.code|pm\.response\.code)\s*={2,3}\s*(\d{3})$").unwrap()
});
static COOKIE_GET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^pm\.cookies\.get\(\s*(?:"([^"]+)"|'([^']+)')\s*\)$"#).unwrap());

/// Translates the lines of one test script.
pub(crate) fn translate_test(lines: &[String], names: &mut Names) -> Translated {
    let mut t = Translated::default();
    let mut json_vars: BTreeSet<String> = BTreeSet::new();
    for raw in lines {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let statements = split_statements(line);
        // Statements apply to a copy, so a line is taken whole or kept whole as a comment.
        let mut trial = t.clone();
        let mut vars = json_vars.clone();
        if !statements.is_empty()
            && statements
                .iter()
                .all(|st| statement(st, &mut vars, &mut trial, names))
        {
            t = trial;
            json_vars = vars;
        } else {
            t.unconverted.push(line.to_string());
        }
    }
    t
}

/// Splits a line on `;` outside strings and brackets; the pieces are trimmed and non-empty.
fn split_statements(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ';' if depth <= 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One statement; `false` when it is not understood.
fn statement(
    st: &str,
    json_vars: &mut BTreeSet<String>,
    t: &mut Translated,
    names: &mut Names,
) -> bool {
    let st = st.trim();
    // `pm.test("...", function () {` and its closing `});` are structure.
    if matches!(st, "})" | "});" | "}" | "{") {
        // A lone `}` closes an `if` we could not translate as often as a test; only `})` is safe.
        return st != "}" && st != "{";
    }
    if let Some(c) = TEST_OPEN.captures(st) {
        let body = c[1].trim();
        let body = body.strip_suffix(';').map_or(body, str::trim_end);
        let body = body.strip_suffix(')').map_or(body, str::trim_end);
        let body = body.strip_suffix('}').map_or(body, str::trim_end);
        return split_statements(body)
            .iter()
            .all(|s| statement(s, json_vars, t, names));
    }
    if let Some(c) = JSON_VAR.captures(st) {
        json_vars.insert(c[1].to_string());
        return true;
    }
    if let Some(c) = SETTER.captures(st) {
        let var = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        let Some(source) = capture_source(c[3].trim(), json_vars) else {
            return false;
        };
        let name = names.ident(var);
        if t.captures.iter().any(|(n, _)| *n == name) {
            return false;
        }
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
        t.captures.push((name, source));
        return true;
    }
    if let Some(c) = HAVE_STATUS.captures(st) {
        return push_status(t, &c[1]);
    }
    if let Some(c) = TESTS_ASSIGN.captures(st) {
        let rhs = c[1].trim();
        if let Some(c) = CODE_CMP.captures(rhs) {
            return push_status(t, &c[1]);
        }
        if let Some(arg) = rhs
            .strip_prefix("responseBody.has(")
            .and_then(|r| r.strip_suffix(')'))
            && let Some(Json::String(s)) = js_literal(arg)
        {
            t.body.push(Y::Map(vec![("contains".into(), Y::Str(s))]));
            return true;
        }
        if let Some((lhs, v)) = rhs.split_once("===").or_else(|| rhs.split_once("=="))
            && let Some(path) = json_path(lhs.trim(), json_vars)
            && let Some(v) = js_literal(v.trim())
        {
            t.json.push((path, json_to_y(&v)));
            return true;
        }
        return false;
    }
    if let Some(c) = HAVE_HEADER.captures(st) {
        let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
        let pred = match c.get(3) {
            None => Y::Map(vec![("exists".into(), Y::Bool(true))]),
            Some(v) => match js_literal(v.as_str().trim()) {
                Some(Json::String(s)) => Y::Str(s),
                _ => return false,
            },
        };
        t.headers.push((name, pred));
        return true;
    }
    if st == "pm.response.to.be.json" || st == "pm.response.to.have.jsonBody()" {
        t.json
            .push(("$".into(), Y::Map(vec![("exists".into(), Y::Bool(true))])));
        return true;
    }
    if let Some(c) = EXPECT.captures(st) {
        return expectation(c[1].trim(), &c[2], json_vars, t);
    }
    false
}

fn push_status(t: &mut Translated, code: &str) -> bool {
    let Ok(code) = code.parse::<i64>() else {
        return false;
    };
    // Two different expected codes are branches of an `if`; keep the first only.
    if t.status.iter().any(|s| *s != code) {
        return false;
    }
    if !t.status.contains(&code) {
        t.status.push(code);
    }
    true
}

/// `pm.expect(SUBJECT).to....`
fn expectation(
    subject: &str,
    chain: &str,
    json_vars: &BTreeSet<String>,
    t: &mut Translated,
) -> bool {
    let Some(pred) = predicate(chain) else {
        return false;
    };
    if subject == "pm.response.code" || subject == "responseCode.code" {
        return match pred {
            (None, Json::Number(n)) => n.as_i64().is_some_and(|c| push_status(t, &c.to_string())),
            (Some("one_of"), Json::Array(list)) if t.status.is_empty() => {
                let codes: Vec<i64> = list.iter().filter_map(Json::as_i64).collect();
                if codes.len() != list.len() {
                    return false;
                }
                t.status.extend(codes);
                true
            }
            _ => false,
        };
    }
    if subject == "pm.response.text()" || subject == "responseBody" {
        return match pred {
            (Some(op @ ("contains" | "matches")), Json::String(s)) => {
                t.body.push(Y::Map(vec![(op.into(), Y::Str(s))]));
                true
            }
            (None, Json::String(s)) => {
                t.body.push(Y::Map(vec![("eq".into(), Y::Str(s))]));
                true
            }
            _ => false,
        };
    }
    if let Some(c) = HEADER_GET.captures(subject) {
        let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
        let y = match pred {
            (None, Json::String(s)) => Y::Str(s),
            (Some("exists"), Json::Bool(b)) => Y::Map(vec![("exists".into(), Y::Bool(b))]),
            (Some(op), Json::String(s)) => Y::Map(vec![(op.into(), Y::Str(s))]),
            _ => return false,
        };
        t.headers.push((name, y));
        return true;
    }
    // `pm.expect(jsonData).to.have.property("x")` checks `$.x` exists.
    if let Some(path) = json_path(subject, json_vars) {
        let (path, y) = match pred {
            (Some("property"), Json::String(p)) => (
                join_path(&path, &p),
                Y::Map(vec![("exists".into(), Y::Bool(true))]),
            ),
            (None, v) => (path, json_to_y(&v)),
            (Some(op), v) => (path, Y::Map(vec![(op.into(), json_to_y(&v))])),
        };
        t.json.push((path, y));
        return true;
    }
    false
}

/// A chai chain (`to.eql(5)`, `to.be.above(0)`, ...) as (baton predicate or `None` for eq, operand).
fn predicate(chain: &str) -> Option<(Option<&'static str>, Json)> {
    let chain = chain.trim();
    let simple = [
        ("to.be.true", None, Json::Bool(true)),
        ("to.be.false", None, Json::Bool(false)),
        ("to.be.null", None, Json::Null),
        ("to.exist", Some("exists"), Json::Bool(true)),
        ("to.not.exist", Some("exists"), Json::Bool(false)),
        ("to.be.undefined", Some("exists"), Json::Bool(false)),
        ("to.not.be.undefined", Some("exists"), Json::Bool(true)),
        ("to.be.empty", Some("length"), Json::from(0)),
    ];
    for (text, op, v) in simple {
        if chain == text {
            return Some((op, v));
        }
    }
    let (method, arg) = chain.strip_suffix(')')?.split_once('(')?;
    let op = match method {
        "to.eql" | "to.equal" | "to.eq" | "to.be.equal" | "to.deep.equal" | "to.be.eql"
        | "to.deep.eql" => None,
        "to.be.above" | "to.be.greaterThan" | "to.be.gt" => Some("gt"),
        "to.be.at.least" | "to.be.gte" => Some("ge"),
        "to.be.below" | "to.be.lessThan" | "to.be.lt" => Some("lt"),
        "to.be.at.most" | "to.be.lte" => Some("le"),
        "to.include" | "to.contain" | "to.have.string" => Some("contains"),
        "to.match" => Some("matches"),
        "to.have.lengthOf" | "to.have.length" => Some("length"),
        "to.be.oneOf" => Some("one_of"),
        "to.not.eql" | "to.not.equal" => Some("ne"),
        "to.have.property" => Some("property"),
        "to.be.a" | "to.be.an" => Some("type"),
        _ => return None,
    };
    let v = match op {
        Some("matches") => regex_literal(arg.trim()).map(Json::String)?,
        Some("type") => match js_literal(arg.trim())? {
            Json::String(s)
                if ["null", "boolean", "number", "string", "array", "object"]
                    .contains(&s.as_str()) =>
            {
                Json::String(s)
            }
            _ => return None,
        },
        _ => js_literal(arg.trim())?,
    };
    Some((op, v))
}

/// `/abc/` -> `abc` (flags are not supported).
fn regex_literal(s: &str) -> Option<String> {
    let inner = s.strip_prefix('/')?.strip_suffix('/')?;
    Some(inner.to_string())
}

/// Where a captured value comes from, as a capture source.
fn capture_source(expr: &str, json_vars: &BTreeSet<String>) -> Option<Y> {
    if let Some(path) = json_path(expr, json_vars) {
        return Some(Y::Str(path));
    }
    if let Some(c) = HEADER_GET.captures(expr) {
        let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        return Some(Y::Map(vec![("header".into(), Y::str(name))]));
    }
    if let Some(c) = COOKIE_GET.captures(expr) {
        let name = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        return Some(Y::Map(vec![("cookie".into(), Y::str(name))]));
    }
    match expr {
        "responseBody" | "pm.response.text()" => Some(Y::Map(vec![("body".into(), Y::Bool(true))])),
        "pm.response.code" | "responseCode.code" => {
            Some(Y::Map(vec![("status".into(), Y::Bool(true))]))
        }
        "pm.response.responseTime" | "responseTime" => {
            Some(Y::Map(vec![("duration".into(), Y::Bool(true))]))
        }
        _ => None,
    }
}

/// `data.a.b[0]["c"]` (with `data` a parsed response) as the JSONPath `$.a.b[0].c`.
pub(crate) fn json_path(expr: &str, json_vars: &BTreeSet<String>) -> Option<String> {
    let expr = expr.trim();
    let rest = if let Some(r) = expr.strip_prefix("pm.response.json()") {
        r
    } else if let Some(r) = expr.strip_prefix("JSON.parse(responseBody)") {
        r
    } else {
        let end = expr.find(['.', '[']).unwrap_or(expr.len());
        if !json_vars.contains(&expr[..end]) {
            return None;
        }
        &expr[end..]
    };
    let mut path = String::from("$");
    let mut rest = rest.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            path = join_path(&path, &r[..end]);
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            if inner.chars().all(|c| c.is_ascii_digit()) && !inner.is_empty() {
                path.push_str(&format!("[{inner}]"));
            } else {
                match js_literal(inner)? {
                    Json::String(k) => path = join_path(&path, &k),
                    _ => return None,
                }
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(path)
}

fn join_path(path: &str, key: &str) -> String {
    let ident = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    if ident {
        format!("{path}.{key}")
    } else {
        format!(
            "{path}['{}']",
            key.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }
}

/// A JavaScript literal: number, quoted string, boolean, null, or a JSON-like array/object.
fn js_literal(s: &str) -> Option<Json> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        if inner.contains('\'') && !inner.contains("\\'") {
            return None;
        }
        return Some(Json::String(
            inner.replace("\\'", "'").replace("\\\\", "\\"),
        ));
    }
    match serde_json::from_str::<Json>(s) {
        Ok(v) => Some(v),
        Err(_) if s.starts_with('[') => {
            let items: Option<Vec<Json>> = s[1..s.len() - 1].split(',').map(js_literal).collect();
            items.map(Json::Array)
        }
        Err(_) => None,
    }
}

fn json_to_y(v: &Json) -> Y {
    Y::from_json(v, &mut |s| s.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Translated {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        translate_test(&lines, &mut Names::default())
    }

    #[test]
    fn seed_pattern() {
        let t = run(&[
            "var data = JSON.parse(responseBody);",
            "postman.setEnvironmentVariable(\"Auth_Token\", data.auth_token);",
        ]);
        assert!(t.unconverted.is_empty());
        assert_eq!(t.captures.len(), 1);
        assert_eq!(t.captures[0].0, "Auth_Token");
    }

    #[test]
    fn paths() {
        let vars: BTreeSet<String> = ["d".to_string()].into();
        assert_eq!(
            json_path("pm.response.json().a.b[0].c", &vars).as_deref(),
            Some("$.a.b[0].c")
        );
        assert_eq!(
            json_path("d['x-y'][2]", &vars).as_deref(),
            Some("$['x-y'][2]")
        );
        assert_eq!(json_path("d", &vars).as_deref(), Some("$"));
        assert_eq!(json_path("e.x", &vars), None);
        assert_eq!(json_path("d.x.toString()", &vars), None);
    }

    #[test]
    fn statements() {
        let t = run(&[
            "pm.test(\"ok\", function () {",
            "    pm.response.to.have.status(201);",
            "});",
            "pm.test(\"s\", () => { pm.expect(pm.response.code).to.eql(201); });",
            "tests[\"Status code is 201\"] = responseCode.code === 201;",
            "pm.response.to.have.header(\"Location\");",
            "const jsonData = pm.response.json();",
            "pm.expect(jsonData.name).to.eql('x');",
            "pm.expect(jsonData.items).to.have.lengthOf(2);",
            "pm.environment.set(\"loc\", pm.response.headers.get('Location'));",
            "if (x) {",
            "}",
            "console.log(jsonData);",
        ]);
        assert_eq!(t.status, [201]);
        assert_eq!(t.headers.len(), 1);
        assert_eq!(t.json.len(), 2);
        assert_eq!(t.captures.len(), 1);
        assert_eq!(t.unconverted, ["if (x) {", "}", "console.log(jsonData);"]);
    }
}
