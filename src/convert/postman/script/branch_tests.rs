//! Unit tests of conditions the import carries over: on the body (a JSON Schema with
//! `if`/`then`/`else`, checked here against bodies), asserted before (`if (is200)`), and on
//! a variable nothing gives a value (a switch); and of `x || {}`, `Array.isArray`,
//! `Number.isInteger`.

use serde_json::json;

use super::tests::{run, shown};
use super::*;

/// The one schema check of a translation, compiled.
fn schema(t: &Translated) -> jsonschema::Validator {
    let s = t
        .checks
        .iter()
        .find(|c| c.target == Target::Schema)
        .and_then(|c| c.pred.get("schema"))
        .expect("a schema check");
    jsonschema::validator_for(&s.to_json().expect("no comments")).expect("a valid schema")
}

const LIST: &str = "var r = JSON.parse(responseBody);\n\
    if (r.articles.length) {\n\
      var a = r.articles[0];\n\
      tests['title'] = a.hasOwnProperty('title');\n\
      tests['tags'] = Array.isArray(a.tagList);\n\
      tests['count'] = Number.isInteger(a.favoritesCount);\n\
      tests['no secret'] = !a.hasOwnProperty('password');\n\
      tests['at'] = /^\\d{4}-/.test(a.createdAt);\n\
    } else {\n\
      tests['zero'] = r.articlesCount === 0;\n\
    }";

#[test]
fn a_condition_on_the_body_becomes_a_schema_that_keeps_it_a_condition() {
    let t = run(LIST);
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // Reading `.length` of `r.articles` throws when it is null or missing: that is checked.
    assert_eq!(shown(&t)[0], "Json(\"$.articles\"): { ne: null }");
    let v = schema(&t);
    let good = json!({"title": "t", "tagList": [], "favoritesCount": 2, "createdAt": "2026-12-04T10:00:00.000Z"});
    for (body, holds) in [
        (
            json!({"articles": [good.clone()], "articlesCount": 1}),
            true,
        ),
        (json!({"articles": [], "articlesCount": 0}), true),
        // The else branch: an empty list with a count that is not 0.
        (json!({"articles": [], "articlesCount": 3}), false),
        // The then branch: only the first article is read.
        (
            json!({"articles": [good.clone(), {}], "articlesCount": 2}),
            true,
        ),
        (
            json!({"articles": [{"title": "t"}], "articlesCount": 1}),
            false,
        ),
        (
            json!({"articles": [{"tagList": "x", "title": "t", "favoritesCount": 1, "createdAt": "2026-"}]}),
            false,
        ),
        (
            json!({"articles": [{"title": "t", "tagList": [], "favoritesCount": 1.5, "createdAt": "2026-"}]}),
            false,
        ),
        (
            json!({"articles": [{"title": "t", "tagList": [], "favoritesCount": 1, "createdAt": "x"}]}),
            false,
        ),
        (
            json!({"articles": [{"title": "t", "tagList": [], "favoritesCount": 1, "createdAt": "2026-", "password": "p"}]}),
            false,
        ),
        (json!({"articles": [null]}), false),
    ] {
        assert_eq!(v.is_valid(&body), holds, "{body}");
    }
}

#[test]
fn a_branch_that_does_more_than_check_the_body_stays_a_comment() {
    for src in [
        // A check on the status in a branch.
        "var r = pm.response.json();\nif (r.ok) { pm.response.to.have.status(200); }",
        // A capture in a branch: a setter under a condition is its own rule.
        "var r = pm.response.json();\nif (r.ok) { tests['a'] = r.a === 1; pm.environment.set('x', r.x); }",
        // A line not understood in a branch.
        "var r = pm.response.json();\nif (r.ok) { tests['a'] = r.a === 1; doSomething(); }",
        // A condition on what is not the body.
        "if (responseCode.code === 200) { tests['a'] = JSON.parse(responseBody).a === 1; }",
    ] {
        let t = run(src);
        assert!(
            !t.checks.iter().any(|c| c.target == Target::Schema),
            "{src}: {t:?}"
        );
        assert!(t.dropped_lines > 0, "{src}: {t:?}");
    }
}

#[test]
fn an_else_if_chain_on_the_body_nests() {
    let t = run("var r = pm.response.json();\n\
         if (r.kind === 'a') { tests['a'] = r.a === 1; }\n\
         else if (r.kind === 'b') { tests['b'] = r.b === 2; }\n\
         else { tests['none'] = false; }");
    // `tests[..] = false` fails at import, so the last branch is no check: it stays.
    assert!(t.dropped_lines > 0, "{t:?}");
    let t = run("var r = pm.response.json();\n\
         if (r.kind === 'a') { tests['a'] = r.a === 1; }\n\
         else if (r.kind === 'b') { tests['b'] = r.b === 2; }");
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    let v = schema(&t);
    for (body, holds) in [
        (json!({"kind": "a", "a": 1}), true),
        (json!({"kind": "a", "a": 2}), false),
        (json!({"kind": "b", "b": 2}), true),
        (json!({"kind": "b", "a": 1}), false),
        (json!({"kind": "c"}), true),
    ] {
        assert_eq!(v.is_valid(&body), holds, "{body}");
    }
}

#[test]
fn checks_under_a_condition_the_script_asserts_are_made() {
    let t = run("var ok = responseCode.code === 200;\n\
         tests['200'] = ok;\n\
         if (ok) {\n\
           var user = JSON.parse(responseBody).user || {};\n\
           tests['email'] = user.hasOwnProperty('email');\n\
         } else {\n\
           tests['error'] = responseBody.has('error');\n\
         }");
    assert_eq!(
        shown(&t),
        [
            "Status: { eq: 200 }",
            "Json(\"$.user.email\"): { exists: true }"
        ]
    );
    // The else branch runs only on a request that already fails: it stays a comment.
    assert_eq!(t.dropped_lines, 1, "{t:?}");
    assert_eq!(
        t.comments,
        ["postman test: tests['error'] = responseBody.has('error');"]
    );
    // A condition not asserted before is no guard.
    let t = run("var ok = responseCode.code === 200;\n\
         if (ok) { tests['a'] = responseBody.has('a'); }\n\
         tests['200'] = ok;");
    assert!(!shown(&t).iter().any(|c| c.starts_with("Body")), "{t:?}");
    assert!(t.dropped_lines > 0, "{t:?}");
}

#[test]
fn type_idioms_and_a_part_or_nothing() {
    let t = run("var d = pm.response.json();\n\
         var u = d.user || {};\n\
         var l = d.list || [];\n\
         tests['a'] = Array.isArray(l);\n\
         tests['i'] = Number.isInteger(u.age);\n\
         tests['n'] = u.name === 'ann';");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.list\"): { type: array }",
            "Json(\"$.user.age\"): { type: integer }",
            "Json(\"$.user.name\"): { eq: ann }",
        ]
    );
    // Anything else after `||` is not known.
    let t = run("var d = pm.response.json();\nvar u = d.user || {a: 1};\ntests['n'] = u.a === 1;");
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn a_variable_nothing_gives_a_value_is_undefined_in_a_condition() {
    let source =
        "if (!(environment.isIntegrationTest)) {\n  tests['a'] = responseBody.has('a');\n}";
    let mut trust = Trust::default();
    trust.absent.insert("isIntegrationTest".into());
    let around = Around {
        trust: &trust,
        at: Some(0),
        req: None,
    };
    let t = translate_in(source, Kind::Test, &mut Names::default(), around);
    assert_eq!(shown(&t), ["Body: { contains: a }"]);
    // Decided so, the skipped branch would check: given the variable, Newman would check
    // what baton does not. It stays a condition (a comment).
    let skipping = "if (environment.isIntegrationTest) {\n  tests['a'] = responseBody.has('a');\n}";
    let t = translate_in(skipping, Kind::Test, &mut Names::default(), around);
    assert!(t.checks.is_empty(), "{t:?}");
    assert!(t.dropped_lines > 0, "{t:?}");
    // Not absent (set somewhere, or given): the condition is not known, the check stays.
    let t = run(source);
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn a_check_left_as_a_comment_does_not_make_later_ones_unknown() {
    // `.to.deep.include(...)` is not translated; `j` still stands for the body after it.
    let t = run("var j = pm.response.json();\n\
         pm.expect(j.args).to.deep.include({a: '1'});\n\
         pm.expect(j).to.have.all.keys('args', 'url');\n\
         pm.expect(pm.response).to.have.property('code', 200);\n\
         tests['x'] = j.x === 1;");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.args\"): { exists: true }",
            "Json(\"$.url\"): { exists: true }",
            "Json(\"$\"): { length: 2 }",
            "Status: { eq: 200 }",
            "Json(\"$.x\"): { eq: 1 }",
        ]
    );
    assert_eq!(t.dropped_lines, 1, "{t:?}");
    // One that may change a value makes what it names unknown.
    let t = run("var j = pm.response.json();\n\
         pm.expect(j.list.push(1)).to.equal(2);\n\
         tests['x'] = j.x === 1;");
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn an_item_far_down_a_list_is_no_schema() {
    let t = run("var r = pm.response.json();\n\
         if (r.ok) { tests['a'] = r.list[99999999999].id === 1; }");
    assert!(
        !t.checks.iter().any(|c| c.target == Target::Schema),
        "{t:?}"
    );
    let t = run("var r = pm.response.json();\nif (r.ok) { tests['a'] = r.list[1000].id === 1; }");
    assert!(t.checks.iter().any(|c| c.target == Target::Schema), "{t:?}");
}
