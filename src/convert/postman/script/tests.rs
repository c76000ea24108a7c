//! Unit tests of the script translator.

use super::super::super::writer::flow;
use super::*;

pub(super) fn run(src: &str) -> Translated {
    translate(src, Kind::Test, &mut Names::default())
}

/// Each check as `target: predicates` in flow style.
pub(super) fn shown(t: &Translated) -> Vec<String> {
    t.checks
        .iter()
        .map(|c| format!("{:?}: {}", c.target, flow(&c.pred)))
        .collect()
}

#[test]
fn pm_test_bodies_and_chai_chains() {
    let t = run("var jsonData = pm.response.json();\n\
         pm.test('a', function () {\n\
           pm.response.to.have.status(200);\n\
           pm.expect(jsonData.args).to.have.property('source')\n\
             .and.equal('x');\n\
           pm.expect(jsonData.items.length).to.be.above(0);\n\
           pm.expect(jsonData.name).to.be.a('string');\n\
         });");
    assert_eq!(
        shown(&t),
        [
            "Status: { eq: 200 }",
            "Json(\"$.args.source\"): { exists: true }",
            "Json(\"$.args.source\"): { eq: x }",
            "Json(\"$.items\"): { length: { gt: 0 } }",
            "Json(\"$.name\"): { type: string }",
        ]
    );
    assert_eq!((t.lines, t.dropped_lines, t.dropped), (8, 0, 0));
}

#[test]
fn tests_assignments_and_idioms() {
    let t = run("var data = JSON.parse(responseBody);\n\
         tests['status'] = responseCode.code === 201;\n\
         tests['has id'] = data.hasOwnProperty('id') && 'name' in data;\n\
         tests['count'] = data.items.length > 2;\n\
         tests['body'] = responseBody.has('ok');\n\
         tests['fast'] = responseTime < 200;\n\
         tests['not'] = !data.hasOwnProperty('error');");
    assert_eq!(
        shown(&t),
        [
            "Status: { eq: 201 }",
            "Json(\"$.id\"): { exists: true }",
            "Json(\"$.name\"): { exists: true }",
            "Json(\"$.items\"): { length: { gt: 2 } }",
            "Body: { contains: ok }",
            "Duration: { lt: 200ms }",
            "Json(\"$.error\"): { exists: false }",
        ]
    );
}

#[test]
fn variables_follow_assignments_and_setters_capture() {
    let t = run("let body = pm.response.json();\n\
         let first = body.data[0];\n\
         first = body.data[1];\n\
         pm.environment.set('id', first.id);\n\
         postman.setEnvironmentVariable('authToken', body.token);\n\
         pm.collectionVariables.set('loc', pm.response.headers.get('Location'));");
    let caps: Vec<String> = t
        .captures
        .iter()
        .map(|(k, v)| format!("{k}: {}", flow(v)))
        .collect();
    assert_eq!(
        caps,
        [
            "id: \"$.data[1].id\"",
            "authToken: { json: \"$.token\", secret: true }",
            "loc: { header: Location }"
        ]
    );
}

#[test]
fn conditions_and_skips_are_never_checks() {
    let t = run("var d = pm.response.json();\n\
         if (d.articlesCount > 0) {\n\
           pm.expect(d.articles.length).to.eql(d.articlesCount);\n\
         } else {\n\
           pm.expect(d.articlesCount).to.eql(0);\n\
         }\n\
         pm.test.skip('later', function () { pm.response.to.have.status(418); });");
    assert!(t.checks.is_empty(), "{:?}", shown(&t));
    assert_eq!(t.dropped_lines, 5);
    assert_eq!(t.dropped, 2);
    assert!(
        t.comments
            .iter()
            .any(|c| c.contains("if (d.articlesCount > 0)"))
    );
    assert!(t.comments.iter().any(|c| c.contains("skipped in Postman")));
}

#[test]
fn try_catch_wrapper_and_response_assertions() {
    let t = run("try {\n\
           var j = JSON.parse(responseBody);\n\
           tests['a'] = j.a === 1;\n\
         } catch (e) {\n\
           tests['a'] = false;\n\
           console.log(e);\n\
         }\n\
         pm.response.to.be.ok;\n\
         pm.response.to.be.json;\n\
         pm.response.to.have.jsonBody('data.items[0].id', 7);\n\
         pm.response.to.have.header('X-Id');\n\
         pm.response.to.have.status('Created');\n\
         pm.response.to.not.be.error;");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.a\"): { eq: 1 }",
            // The catch fails the test when the body is not JSON.
            "Json(\"$\"): { exists: true }",
            "Status: { eq: 200 }",
            "Json(\"$\"): { exists: true }",
            "Json(\"$.data.items[0].id\"): { eq: 7 }",
            "Header(\"X-Id\"): { exists: true }",
            "Status: { eq: 201 }",
            "Status: { lt: 400 }",
        ]
    );
    assert_eq!(t.dropped_lines, 0);
}

#[test]
fn negation_and_truthiness() {
    let t = run("const r = pm.response.json();\n\
         pm.expect(r.ok).to.be.true;\n\
         pm.expect(r.error).to.not.exist;\n\
         pm.expect(r.list).to.be.empty;\n\
         pm.expect(r.x).to.be.ok;\n\
         pm.expect(r.name).to.not.eql('y');\n\
         pm.expect(r.name).to.match(/^ab/i);\n\
         pm.expect(pm.response.headers.get('Content-Type')).to.include('json');\n\
         pm.expect(r).to.have.keys('a', 'b');");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.ok\"): { eq: true }",
            "Json(\"$.error\"): { not: { ne: null } }",
            "Json(\"$.list\"): { length: 0 }",
            "Json(\"$.x\"): { exists: true, not: { one_of: [false, null, 0, \"\"] } }",
            "Json(\"$.name\"): { not: { eq: \"y\" } }",
            "Json(\"$.name\"): { matches: (?i)^ab }",
            "Header(\"Content-Type\"): { contains: json }",
            "Json(\"$.a\"): { exists: true }",
            "Json(\"$.b\"): { exists: true }",
            "Json(\"$\"): { length: 2 }",
        ]
    );
}

#[test]
fn untranslated_lines_are_comments_and_counted() {
    let t = run("var d = pm.response.json();\n\
         pm.test('mixed', function () {\n\
           pm.expect(d.id).to.eql(1);\n\
           pm.expect(tv4.validate(d, schema)).to.be.true;\n\
         });\n\
         _.each(d.items, function (i) { pm.expect(i.id).to.exist; });\n\
         // a comment line\n\
         \n\
         postman.setNextRequest('x');");
    assert_eq!(shown(&t), ["Json(\"$.id\"): { eq: 1 }"]);
    assert_eq!((t.lines, t.dropped_lines, t.dropped), (7, 3, 2));
    assert_eq!(t.comments.len(), 3);
}

#[test]
fn pre_request_literals_become_vars() {
    let mut names = Names::default();
    let t = translate(
        "pm.environment.set('limit', 5);\npm.variables.set('who', 'me');\npm.environment.set('t', Date.now());",
        Kind::PreRequest,
        &mut names,
    );
    let vars: Vec<String> = t
        .vars
        .iter()
        .map(|(k, v)| format!("{k}={}", flow(v)))
        .collect();
    assert_eq!(vars, ["limit=5", "who=me"]);
    assert_eq!(t.dropped_lines, 1);
}

#[test]
fn a_script_that_does_not_parse_is_kept_whole() {
    let t = run("pm.test('x', function () {\n  pm.expect(1).to.eql(1);\n");
    assert!(t.checks.is_empty());
    assert_eq!(t.dropped_lines, 2);
    assert!(t.comments[0].contains("does not parse"));
}

#[test]
fn header_presence_and_whole_body() {
    let t = run(
        "tests['auth'] = (postman.getResponseHeader('WWW-Authenticate'));\n\
         pm.expect(pm.response.headers.has('Authorization')).to.equal(false);\n\
         pm.response.to.have.jsonBody({ authenticated: true });",
    );
    assert_eq!(
        shown(&t),
        [
            "Header(\"WWW-Authenticate\"): { matches: . }",
            "Header(\"Authorization\"): { exists: false }",
        ]
    );
    // `jsonBody(object)` asserts nothing in Postman: translated into no check at all.
    assert_eq!((t.dropped_lines, t.dropped), (0, 0));
}

#[test]
fn code_after_a_return_is_never_run() {
    let t = run("return 0; tests['302'] = responseCode.code === 302;");
    assert!(t.checks.is_empty());
    assert_eq!((t.dropped_lines, t.dropped), (0, 0));
    assert!(t.comments[0].contains("never run"));
}

#[test]
fn deep_or_long_scripts_do_not_exhaust_the_stack() {
    let long_and = format!(
        "var d = pm.response.json(); tests['x'] = {};",
        vec!["d.a === 1"; 20_000].join(" && ")
    );
    assert_eq!(run(&long_and).checks.len(), 20_000);
    for deep in [
        format!("tests['x'] = {}true;", "!".repeat(20_000)),
        format!(
            "pm.expect({}1{}).to.eql(1);",
            "(".repeat(5_000),
            ")".repeat(5_000)
        ),
        format!("if (a) {{ x(); }}{}", " else if (a) { x(); }".repeat(5_000)),
    ] {
        let t = run(&deep);
        assert!(t.checks.is_empty());
        assert!(t.comments[0].contains("nests too deep"));
    }
}

#[test]
fn text_known_at_import_is_computed() {
    let mut names = Names::default();
    let t = translate(
        "const {headers: {authorization}} = pm.response.json();\n\
         pm.expect(authorization).to.equal('Basic ' + Buffer.from('us@r:p').toString('base64'));\n\
         pm.globals.set('a', CryptoJS.MD5('samplePayload').toString());\n\
         pm.expect(pm.response.code).to.equal(1 + 2);",
        Kind::Test,
        &mut names,
    );
    assert_eq!(t.checks.len(), 1, "{t:?}");
    assert_eq!(
        t.checks[0].target,
        Target::Json("$.headers.authorization".into())
    );
    assert_eq!(
        t.checks[0].pred,
        Y::Map(vec![("eq".into(), Y::str("Basic dXNAcjpw"))])
    );
    assert_eq!(
        t.vars,
        vec![("a".to_string(), Y::str("da9ebb087d8e926c503e4909d9203a04"))]
    );
    // Numbers added are not text joined: not translated.
    assert_eq!(t.dropped_lines, 1);
}

#[test]
fn outside_a_status_range() {
    let t = run("pm.response.to.not.be.serverError;\npm.response.to.not.be.info;");
    assert_eq!(shown(&t), ["Status: { lt: 500 }", "Status: { ge: 200 }"]);
    // Outside 2xx is "below 200 or from 300": no single check says it.
    let t = run("pm.response.to.not.be.success;");
    assert!(t.checks.is_empty());
    assert_eq!(t.dropped_lines, 1);
}

#[test]
fn a_test_with_a_vacuous_assertion_keeps_only_what_is_not_understood() {
    let t = run(
        "pm.test('x', function () {\n  pm.response.to.have.jsonBody({ a: 1 });\n  pm.request.to.have.header('A');\n});",
    );
    assert!(t.checks.is_empty());
    // Only the `pm.request` line is a comment, not the whole test.
    assert_eq!((t.dropped_lines, t.dropped), (1, 1), "{t:?}");
}

#[test]
fn conditions_known_at_import_hold_or_stay_comments() {
    let t = run("tests['repeat'] = 'a'.repeat(5) === 'aaaaa';\n\
         tests['ends'] = 'jumpy'.endsWith('py');\n\
         tests['not ends'] = !('jumpy'.endsWith('MPY'));\n\
         tests['md5'] = (CryptoJS.MD5('jasonpurse') == '288d14f08b5ad40da43dbe06467729c9');");
    // All hold in Postman: nothing to check, nothing dropped.
    assert!(t.checks.is_empty());
    assert_eq!((t.dropped_lines, t.dropped), (0, 0), "{t:?}");
    // One that never holds fails in Postman whatever the response: a comment, counted.
    let t = run(
        "tests['no'] = 'abc'.startsWith('b');\nvar d = pm.response.json(); tests['x'] = 1 < 2 && d.a === 1;",
    );
    assert_eq!(shown(&t), ["Json(\"$.a\"): { eq: 1 }"]);
    assert_eq!((t.dropped_lines, t.dropped), (1, 1), "{t:?}");
}

#[test]
fn variables_are_checked_as_variables() {
    let t = run("pm.test('v', function () {\n\
           pm.expect(pm.environment.has('a')).to.be.false;\n\
           pm.expect(pm.environment.get('a')).to.be.undefined;\n\
           pm.expect(pm.variables.get('b-c')).to.equal('1');\n\
           pm.expect(pm.globals.get('d')).to.be.a('string');\n\
         });\n\
         tests['e'] = postman.getEnvironmentVariable('e') === 'x';\n\
         var j = pm.response.json();\n\
         tests['f'] = j.f === pm.environment.get('f');");
    assert_eq!(
        shown(&t),
        [
            "Var(\"a\"): { exists: false }",
            "Var(\"a\"): { exists: false }",
            "Var(\"b_c\"): { eq: \"1\" }",
            "Var(\"d\"): { type: string }",
            "Var(\"e\"): { eq: x }",
            // Compared with a variable: Postman's unset one is `undefined`.
            "Json(\"$.f\"): { eq: \"{{ f }}\" }",
            "Var(\"f\"): { exists: true }",
        ]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
}

#[test]
fn a_variable_set_in_the_script_reads_back_what_it_was_set_to() {
    let t = run("var j = pm.response.json();\n\
         pm.environment.set('id', j.id);\n\
         pm.expect(pm.environment.get('id')).to.equal(7);\n\
         pm.environment.set('k', 'v');\n\
         tests['k'] = pm.environment.get('k') === 'v';\n\
         if (j.x) { pm.environment.set('c', j.x); }\n\
         tests['c'] = pm.environment.get('c') === 1;");
    // Set under a condition: not known, so the check stays a comment (as does the `if`).
    assert_eq!(shown(&t), ["Json(\"$.id\"): { eq: 7 }"]);
    assert_eq!(t.dropped_lines, 2, "{t:?}");
    assert_eq!(t.unknown_sets, ["c"]);
}

#[test]
fn variables_changed_where_the_import_cannot_follow_are_not_read() {
    let mut trust = Trust::default();
    trust.never.insert("count".into());
    trust.literal.insert("seed".into(), (3, Kind::Test));
    let src = "tests['a'] = pm.environment.get('count') === 1;\n\
               tests['b'] = pm.environment.get('seed') === 'x';";
    let at = |n| test_at(src, &trust, n);
    // `count` is never read; `seed` only after request 3, which sets it.
    assert!(at(Some(9)).checks.len() == 1 && at(Some(9)).dropped_lines == 1);
    assert_eq!((at(Some(3)).checks.len(), at(None).checks.len()), (0, 0));
    // A statement left as a comment may change what it names.
    let t = run("var n = 1;\nn++;\nvar j = pm.response.json();\ntests['n'] = j.n === n;");
    assert!(t.checks.is_empty(), "{t:?}");
    let t = run(
        "var s = 'k';\nfoo(pm.environment.set('v', s + bar()));\ntests['v'] = pm.environment.get('v') === 'k';",
    );
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn affixes_and_text_with_unknown_parts() {
    let t = run("var f = JSON.parse(responseBody).files['a.json'];\n\
         tests['f'] = _.startsWith(f, 'data:{x}');\n\
         tests['g'] = pm.response.json().g.endsWith('.png');\n\
         var name = 'n';\n\
         pm.expect(pm.response.text()).to.include(`id ${name}`);\n\
         pm.expect(pm.response.text()).to.include(`GET /${chars.join('/')} HTTP`);\n\
         pm.expect(pm.response.text()).to.not.include(`x ${chars}`);");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.files['a.json']\"): { matches: \"^data:\\\\{x\\\\}\" }",
            "Json(\"$.g\"): { matches: \\.png$ }",
            "Body: { contains: id n }",
            // Text that holds the whole holds each known part.
            "Body: { contains: GET / }",
            "Body: { contains: \" HTTP\" }",
        ]
    );
    // Under `.not`, checking a part would be checking more: a comment.
    assert_eq!(t.dropped_lines, 1, "{t:?}");
}

/// `translate_in` of a test script of request `at` (None: of the collection or a folder),
/// with what `trust` says of the variables there.
fn test_at(src: &str, trust: &Trust, at: Option<usize>) -> Translated {
    let around = Around {
        trust,
        at,
        req: None,
    };
    translate_in(src, Kind::Test, &mut Names::default(), around)
}

/// `translate_in` of a test script of request 0, known as `req`.
fn run_for(src: &str, req: &ReqInfo) -> Translated {
    let trust = Trust::default();
    let around = Around {
        trust: &trust,
        at: Some(0),
        req: Some(req),
    };
    translate_in(src, Kind::Test, &mut Names::default(), around)
}

#[test]
fn loops_over_values_known_at_import_run_at_import() {
    let t = run("var encode = [' ', '<'], chars = [], c;\n\
         for (var i = 32; i < 65; i++) {\n\
           c = String.fromCharCode(i);\n\
           if (c === '#' || c === '?') { continue; }\n\
           if (i > 62) break;\n\
           chars.push(encode.includes(c) ? encodeURIComponent(c) : c);\n\
         }\n\
         pm.expect(pm.response.text()).to.include(`GET /${chars.join('')}`);");
    assert_eq!(
        shown(&t),
        ["Body: { contains: \"GET /%20!\\\"$%&'()*+,-./0123456789:;%3C=>\" }"]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // A loop that reads the response is not run: a comment, and what it changes unknown.
    let t = run(
        "var n = 0;\nfor (var i = 0; i < pm.response.json().k; i++) { n++; }\n\
                 tests['n'] = pm.response.json().n === n;",
    );
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn the_sandbox_libraries_on_constants_are_computed() {
    let t = run(
        "var Ajv = require('ajv'), s = { properties: { a: { type: 'boolean' } } };\n\
         pm.test('ajv', function () {\n\
           var ajv = new Ajv({ logger: false }), v = ajv.compile(s);\n\
           pm.expect(ajv.validate(s, { a: true })).to.be.true;\n\
           pm.expect(v({ a: 1 })).to.be.false;\n\
           pm.expect({ a: true }).to.be.jsonSchema(s);\n\
           pm.expect(1).to.not.be.jsonSchema({ type: 'string' });\n\
         });\n\
         tests['sugar'] = [1, 2, 3].average() === 2 && (56).ordinalize() === '56th'\n\
           && (56789.1).format() === '56,789.1' && 'a-beta'.camelize() === 'ABeta'\n\
           && 'a-b_cD'.spacify() === 'a b c d' && 'abc'.shift(1) === 'bcd' && [[1], [2]].any([2]);\n\
         pm.response.to.not.have.jsonSchema({ properties: { url: { type: 'number' } } });",
    );
    // What holds at import checks nothing; the negated schema of the body is `not`.
    assert_eq!(
        shown(&t),
        ["Schema: { schema: { not: { properties: { url: { type: number } } } } }"]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // One that does not hold at import is a comment.
    let t = run("pm.expect(new (require('ajv'))().validate({ type: 'string' }, 1)).to.be.true;");
    assert_eq!(t.dropped_lines, 1, "{t:?}");
}

#[test]
fn what_a_script_knows_of_its_request() {
    let req = ReqInfo {
        name: "r1".into(),
        description: Some("d".into()),
        method: "POST".into(),
        url: Some("http://h/p?q=1".into()),
        headers: Some(vec![("Authorization".into(), "Basic eDp5".into())]),
    };
    let t = run_for(
        "if (request.name !== 'r1' || request.description !== 'd') { undefFunction(); }\n\
         pm.expect(pm.request.url.toString()).to.equal('http://h/p?q=1');\n\
         tests['m'] = pm.request.method === 'POST' && pm.info.requestName === 'r1';\n\
         pm.request.to.have.header('authorization', 'Basic eDp5');\n\
         pm.request.to.have.header('Host');\n\
         pm.request.to.not.have.header('Foo-Bar');\n\
         pm.request.to.be.a.postmanRequest;",
        &req,
    );
    assert!(t.checks.is_empty(), "{t:?}");
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // What does not hold, or is not known (headers Newman adds), stays a comment.
    let t = run_for(
        "pm.request.to.have.header('Foo-Bar');\npm.request.to.not.have.header('User-Agent');\n\
         pm.expect(pm.request.url.toString()).to.equal('http://other/');",
        &req,
    );
    assert_eq!(t.dropped_lines, 3, "{t:?}");
    // Without its request (a folder's script), none of it is known.
    let t = run("tests['n'] = pm.info.requestName === 'r1';");
    assert_eq!(t.dropped_lines, 1, "{t:?}");
}

#[test]
fn unsets_and_clears_hold_from_where_they_run() {
    let mut trust = Trust::default();
    trust.unset.insert("u".into(), (2, Kind::Test));
    trust.cleared = Some((5, Kind::PreRequest));
    let src = "tests['u'] = pm.environment.get('u') === 'x';\n\
               tests['v'] = pm.environment.get('v') === 'y';";
    let at = |n| test_at(src, &trust, n).checks.len();
    assert_eq!(
        (at(Some(2)), at(Some(3)), at(Some(5)), at(None)),
        (2, 1, 0, 0)
    );
    // In the script itself: read after an unset or a clear, nothing is known.
    let t = run(
        "pm.environment.unset('a');\ntests['a'] = pm.environment.get('a') === 1;\n\
                 console.log(pm.environment.clear());\ntests['b'] = pm.environment.get('b') === 1;",
    );
    assert!(t.checks.is_empty() && t.clears, "{t:?}");
}

#[test]
fn a_function_declared_later_may_change_what_it_names() {
    let t = run(
        "var n = 0;\nbump();\nvar j = pm.response.json();\ntests['n'] = j.n === n;\n\
                 function bump() { n++; }",
    );
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn a_loop_over_a_list_known_at_import_checks_each_item() {
    let t = run("var j = pm.response.json();\n\
         ['id', 'name'].forEach(function (k) {\n\
           pm.expect(j).to.have.property(k);\n\
         });\n\
         _.each([1, 2], (n) => pm.expect(j.ids).to.include(n));");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.id\"): { exists: true }",
            "Json(\"$.name\"): { exists: true }",
            "Json(\"$.ids\"): { contains: 1 }",
            "Json(\"$.ids\"): { contains: 2 }",
        ]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // A body not translated whole is a comment, once.
    let t = run(
        "var j = pm.response.json();\n['a'].forEach(function (k) {\n  pm.expect(j[k]).to.be.ok;\n  foo(k);\n});",
    );
    assert!(t.checks.is_empty(), "{t:?}");
    assert_eq!(t.dropped_lines, 4, "{t:?}");
}

#[test]
fn lodash_paths_nested_properties_and_keys() {
    let t = run("var _ = require('lodash');\n\
         var r;\n\
         try { r = JSON.parse(responseBody); }\n\
         catch (e) { r = {}; tests['json'] = false; }\n\
         tests['h'] = _.has(r, 'headers.host') && _.get(r, 'args.q[0]') === 'x';\n\
         tests['k'] = Object.keys(r.cookies).length > 0;\n\
         pm.expect(pm.response.json()).to.have.nested.property('headers.accept-encoding')\n\
           .and.to.match(/gzip/);");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$\"): { exists: true }",
            "Json(\"$.headers.host\"): { exists: true }",
            "Json(\"$.args.q[0]\"): { eq: x }",
            "Json(\"$.cookies\"): { length: { gt: 0 } }",
            "Json(\"$.headers['accept-encoding']\"): { exists: true }",
            "Json(\"$.headers['accept-encoding']\"): { matches: gzip }",
        ]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
}

#[test]
fn a_status_chain_whose_last_else_fails_checks_the_codes() {
    let t = run(
        "if (responseCode.code === 200) {\n  tests['a'] = responseBody.has('x');\n}\n\
                 else if (pm.response.code === 302) {\n  tests['b'] = true;\n}\n\
                 else {\n  tests['ok'] = false;\n}",
    );
    assert_eq!(shown(&t), ["Status: { one_of: [200, 302] }"]);
    // Without the failing else, nothing holds whatever the status.
    let t = run("if (responseCode.code === 200) { tests['a'] = responseBody.has('x'); }");
    assert!(t.checks.is_empty(), "{t:?}");
}

#[test]
fn checks_on_the_cookie_jar() {
    let t = run("pm.test('a', function () {\n\
           pm.expect(pm.cookies.toObject()).to.have.property('foo1', 'bar1');\n\
           pm.expect(pm.cookies.toObject()).to.not.have.property('gone');\n\
           pm.expect(pm.cookies.has('sid')).to.be.true;\n\
           pm.expect(pm.cookies.get('theme')).to.equal('dark');\n\
         });\n\
         tests['v'] = postman.getResponseCookie('foo').value === 'bar';\n\
         tests['u'] = _.get(postman.getResponseCookie('old'), 'value') === undefined;\n\
         tests['o'] = !!postman.getResponseCookie('there');");
    assert_eq!(
        shown(&t),
        [
            "Cookie(\"foo1\"): { eq: bar1 }",
            "Cookie(\"gone\"): { exists: false }",
            "Cookie(\"sid\"): { exists: true }",
            "Cookie(\"theme\"): { eq: dark }",
            "Cookie(\"foo\"): { eq: bar }",
            "Cookie(\"old\"): { exists: false }",
            "Cookie(\"there\"): { exists: true }",
        ]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
}

#[test]
fn comparisons_with_undefined_are_checks_of_presence() {
    let t = run("var d = pm.response.json();\n\
         tests['a'] = d.a === undefined;\n\
         tests['b'] = undefined !== d.b;\n\
         tests['c'] = pm.environment.get('c') === undefined;");
    assert_eq!(
        shown(&t),
        [
            "Json(\"$.a\"): { exists: false }",
            "Json(\"$.b\"): { exists: true }",
            "Var(\"c\"): { exists: false }",
        ]
    );
    // A script that binds `undefined` to a value compares with that value.
    let t = run("var undefined = 1;\ntests['a'] = pm.response.json().a === undefined;");
    assert_eq!(shown(&t), ["Json(\"$.a\"): { eq: 1 }"]);
}

#[test]
fn a_header_value_cut_at_quotes_is_captured_with_a_regex() {
    let t = run("var h = postman.getResponseHeader('WWW-Authenticate'),\n\
           start = h.indexOf('\"', h.indexOf('realm')) + 1,\n\
           end = h.indexOf('\"', start),\n\
           realm = h.slice(start, end),\n\
           from = h.indexOf('nonce'),\n\
           word = h.substring(from, h.indexOf('=', from));\n\
         postman.setGlobalVariable('realm', realm);\n\
         pm.globals.set('word', word);");
    let caps: Vec<String> = t
        .captures
        .iter()
        .map(|(n, s)| format!("{n}: {}", flow(s)))
        .collect();
    assert_eq!(
        caps,
        [
            "realm: { header: WWW-Authenticate, regex: \"realm[^\\\"]*\\\"([^\\\"]*)\\\"\" }",
            "word: { header: WWW-Authenticate, regex: \"(nonce[^=]*)=\" }",
        ]
    );
    assert_eq!(t.dropped_lines, 0, "{t:?}");
    // A slice whose end was not found from its start is not known.
    let t = run("var h = postman.getResponseHeader('X'),\n\
           a = h.indexOf('a'), b = h.indexOf('b');\n\
         pm.globals.set('x', h.slice(a, b));");
    assert!(t.captures.is_empty(), "{t:?}");
}
