//! Unit tests of `import::curl`.

use super::*;

fn words(text: &str) -> Vec<Vec<String>> {
    script(text)
        .unwrap()
        .into_iter()
        .map(|c| c.words.iter().map(|w| lit(w)).collect())
        .collect()
}

#[test]
fn quotes_and_variables_as_the_shell_reads_them() {
    assert_eq!(
        words(r#"curl "${base}/x" '${not_a_var}' $id"/y" \$HOME "a\"b\\c\d" 'it'\''s'"#),
        [[
            "curl",
            "${base}/x",
            // A literal `${...}` (single quotes) is not marked as a variable:
            "${not_a_var}",
            "${id}/y",
            "$HOME",
            r#"a"b\c\d"#,
            "it's"
        ]]
    );
    let c = script("curl '${a}' \"${a}\"").unwrap();
    assert_eq!(c[0].words[1], "${a}");
    assert_eq!(c[0].words[2], format!("{VAR_OPEN}a{VAR_CLOSE}"));
    assert_eq!(words("curl a$ '' $1")[0], ["curl", "a$", "", "$1"]);
    assert_eq!(
        words(r#"curl $'{\"a\":\"it\'s\"}\n\x41\u00e9'"#)[0][1],
        "{\"a\":\"it's\"}\nAé"
    );
}

#[test]
fn commands_comments_and_lines() {
    let text = "#!/bin/sh\n# Emnify calls\n\n# login\n# (first)\ncurl -X POST \\\n  https://x.test/a # trailing\n\ncurl https://x.test/b; curl https://x.test/c && curl 'https://x.test/d?a=1&b=2'\ncurl https://x.test/e?a=1&b=2 || curl https://x.test/f\n";
    let cmds = script(text).unwrap();
    let got: Vec<(usize, String, Vec<String>)> = cmds
        .iter()
        .map(|c| (c.line, c.words.last().unwrap().clone(), c.comments.clone()))
        .collect();
    let want = |l: usize, w: &str, c: &[&str]| {
        (l, w.to_string(), c.iter().map(|s| s.to_string()).collect())
    };
    assert_eq!(
        got,
        [
            want(6, "https://x.test/a", &["login", "(first)"]),
            want(9, "https://x.test/b", &[]),
            want(9, "https://x.test/c", &[]),
            want(9, "https://x.test/d?a=1&b=2", &[]),
            want(10, "https://x.test/e?a=1&b=2", &[]),
            want(10, "https://x.test/f", &[]),
        ]
    );
}

#[test]
fn lines_are_counted_inside_quotes() {
    let cmds = script("curl $'a\\nb\n' \"c\nd\" 'e\nf'\ncurl x").unwrap();
    assert_eq!(cmds.iter().map(|c| c.line).collect::<Vec<_>>(), [1, 5]);
}

#[test]
fn what_the_shell_would_run_elsewhere_is_refused() {
    let err = |t: &str| script(t).unwrap_err().to_string();
    assert!(
        err("curl x | jq .").contains("a pipe"),
        "{}",
        err("curl x | jq .")
    );
    assert!(err("curl \"$(cat url)\"").contains("command substitution"));
    assert!(err("curl `cat url`").contains("command substitution"));
    assert!(err("curl \"${base:-http://x}\"").contains("`${base:-http://x}` is not supported"));
    assert!(err("curl\n\n'x").contains("opened on line 3 is not closed"));
}

/// What an import gives, shortly: the `requests:` part of the YAML and the warnings, or the
/// error.
fn shown(text: &str) -> String {
    match curl(text) {
        Ok(c) => {
            let at = c.yaml.find("requests:").unwrap_or(0);
            let mut out = c.yaml[at..].to_string();
            if let Some(vars) = c.yaml.find("vars:") {
                out.insert_str(0, &c.yaml[vars..at]);
            }
            for w in c.warnings {
                out.push_str(&format!("! {w}\n"));
            }
            out
        }
        Err(e) => format!("error: {e}\n"),
    }
}

/// Each command with what it imports to today, one case for each branch of the option
/// handling, the request writing and the shell splitting.
const CASES: &[(&str, &str)] = &[
    (
        "curl -H @headers.txt x.test",
        "error: curl option `-H` is not supported: headers from a file are not read; give each with -H\n",
    ),
    (
        "curl -H 'Accept:' -H 'X-Empty;' x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    headers: { X-Empty: \"\" }\n    follow_redirects: false\n    # curl removed its default header `Accept`; baton does not send it either\n",
    ),
    (
        "curl -H 'no colon' x.test",
        "error: curl option `-H` is not supported: `no colon` is not `Name: value`\n",
    ),
    (
        "curl -d @body.txt x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/x-www-form-urlencoded }\n    body: { file: body.txt }\n    follow_redirects: false\n    # curl -d @FILE strips newlines from the file; baton sends the file as it is\n",
    ),
    (
        "curl --data-binary @a.bin -H 'Content-Type: image/png' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: image/png }\n    body: { file: a.bin }\n    follow_redirects: false\n",
    ),
    (
        "curl -d x=1 --data-binary @a.bin x.test",
        "error: curl option `--data-binary` is not supported: a file body mixed with other data cannot be expressed; send one\n",
    ),
    (
        "curl --data-urlencode @file.txt x.test",
        "error: curl option `--data-urlencode` is not supported: reading the value from a file is not supported; paste the value\n",
    ),
    (
        "curl --data-urlencode '=a b' --data-urlencode 'c d' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/x-www-form-urlencoded }\n    body: a%20b&c%20d\n    follow_redirects: false\n",
    ),
    (
        "curl --data-urlencode 'a=1' -d 'b=%20' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/x-www-form-urlencoded }\n    body: a=1&b=%20\n    follow_redirects: false\n",
    ),
    (
        "curl --form-string 'a=@x' -F 'b=<f.txt' -F 'c=@\"f g.txt\";filename=x;type=text/plain' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    multipart: { a: \"@x\", b: { file: f.txt }, c: { file: f g.txt, content_type: text/plain } }\n    follow_redirects: false\n    # curl sent the text of `f.txt` as the field `b`; baton uploads it as a file part\n    # multipart option `filename=x` of `c` is not converted\n",
    ),
    (
        "curl -F bad x.test",
        "error: curl option `-F` is not supported: `bad` is not `name=value`\n",
    ),
    (
        "curl -F a=1 -F a=2 x.test",
        "error: curl option `-F` is not supported: the field `a` is given twice; baton's multipart is a map\n",
    ),
    (
        "curl -F a=1 -d b=2 x.test",
        "error: curl option `-F` is not supported: curl cannot mix -F with -d or --json\n",
    ),
    (
        "curl -A bot -e 'https://r.test;auto' -b cookies.txt -b a=1 -b b=2 x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    headers: { User-Agent: bot, Referer: https://r.test, Cookie: a=1; b=2 }\n    follow_redirects: false\n    # curl read cookies from the file `cookies.txt`; baton keeps its own cookie jar per collection\n! cookie file `cookies.txt` is not read\n",
    ),
    (
        "curl -m abc x.test",
        "error: curl option `-m` is not supported: `abc` is not a number of seconds\n",
    ),
    (
        "curl -m 3 x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    timeout: 3s\n    follow_redirects: false\n",
    ),
    (
        "curl -m 0.25 x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    timeout: 250ms\n    follow_redirects: false\n",
    ),
    (
        "curl -T up.bin x.test/u",
        "requests:\n  - name: PUT /u\n    method: PUT\n    url: http://x.test/u\n    body: { file: up.bin }\n    follow_redirects: false\n",
    ),
    (
        "curl --connect-timeout 3 -E c.pem --retry 2 --cacert ca.pem x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    follow_redirects: false\n    # --connect-timeout 3: curl limited the connect time; baton's `timeout` covers the whole request\n    # -E c.pem: curl used a client certificate: run with `baton run --cert FILE --key FILE`\n    # --retry 2: curl retried failed transfers; see baton's `retry` (it polls until `expect` holds)\n    # --cacert ca.pem: curl trusted an extra CA: run with `baton run --cacert FILE`\n! `--connect-timeout` is not part of the request: curl limited the connect time; baton's `timeout` covers the whole request\n! `-E` is not part of the request: curl used a client certificate: run with `baton run --cert FILE --key FILE`\n! `--retry` is not part of the request: curl retried failed transfers; see baton's `retry` (it polls until `expect` holds)\n! `--cacert` is not part of the request: curl trusted an extra CA: run with `baton run --cacert FILE`\n",
    ),
    (
        "curl --ntlm x.test",
        "error: curl option `--ntlm` is not supported: baton has no NTLM authentication\n",
    ),
    (
        "curl -K cfg x.test",
        "error: curl option `-K` is not supported: config files are not read; put the options on the command line\n",
    ),
    (
        "curl -o out.txt --output x -w '%{http_code}' -sS --http2 x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    follow_redirects: false\n",
    ),
    (
        "curl --url a.test --url b.test",
        "error: the curl command has more than one URL (`a.test` and `b.test`); give each URL its own curl command\n",
    ),
    (
        "curl -- -odd.test",
        "requests:\n  - name: GET /\n    url: http://-odd.test\n    follow_redirects: false\n",
    ),
    (
        "curl -",
        "requests:\n  - name: GET /\n    url: http://-\n    follow_redirects: false\n",
    ),
    (
        "curl -sSLHAccept:x -XPATCH x.test",
        "requests:\n  - name: PATCH /\n    method: PATCH\n    url: http://x.test\n    headers: { Accept: x }\n",
    ),
    (
        "curl -sH 'A: b' x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    headers: { A: b }\n    follow_redirects: false\n",
    ),
    (
        "curl -G -d a=1 'x.test/s?z=9'",
        "requests:\n  - name: GET /s\n    url: http://x.test/s\n    query: { z: 9, a: 1 }\n    follow_redirects: false\n",
    ),
    (
        "curl -G -d 'a b' x.test/s",
        "requests:\n  - name: GET /s\n    url: http://x.test/s?a b\n    follow_redirects: false\n",
    ),
    (
        "curl -d 'a=1' -X GET x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    form: { a: 1 }\n    follow_redirects: false\n",
    ),
    (
        "curl --json 'not json' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/json, Accept: application/json }\n    body: not json\n    follow_redirects: false\n",
    ),
    (
        "curl --json '{}' --json '[]' -H 'Accept: text/x' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Accept: text/x, Content-Type: application/json }\n    body: \"{}[]\"\n    follow_redirects: false\n",
    ),
    (
        "curl --json '{\"a\":1}' -H 'Content-Type: application/vnd+json' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/vnd+json, Accept: application/json }\n    json: { a: 1 }\n    follow_redirects: false\n",
    ),
    (
        "curl -H 'Content-Type: application/json' -d 'oops' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/json }\n    body: oops\n    follow_redirects: false\n",
    ),
    (
        "curl -H 'Content-Type: text/plain' -d 'a=1' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: text/plain }\n    body: a=1\n    follow_redirects: false\n",
    ),
    (
        "curl -H 'Content-Type: application/x-www-form-urlencoded' -d 'a=1&b=x%20y' x.test",
        "requests:\n  - name: POST /\n    method: POST\n    url: http://x.test\n    headers: { Content-Type: application/x-www-form-urlencoded }\n    body: a=1&b=x%20y\n    follow_redirects: false\n",
    ),
    (
        "curl -H 'X-A: 1' -H 'x-a: 2' x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    headers: { X-A: \"1\" }\n    follow_redirects: false\n    # repeated header not converted: x-a: 2\n! header `x-a` is given twice; the first value is kept\n",
    ),
    (
        "curl -u ann -k x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    auth: { basic: { username: ann, password: \"\" } }\n    follow_redirects: false\n    # curl -k: run with `baton run --insecure` to skip certificate checks\n! `-u` has no password (curl would prompt for it); the password is empty\n! `-k` is not part of the request: run with `baton run --insecure`\n",
    ),
    (
        "curl -u 'ann:p{{w}}' --oauth2-bearer t x.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    auth: { basic: { username: ann, password: \"p{{ '{{' }}w}}\" } }\n    follow_redirects: false\n",
    ),
    (
        "curl 'https://x.test/a?b=1#frag'",
        "requests:\n  - name: GET /a\n    url: https://x.test/a\n    query: { b: 1 }\n    follow_redirects: false\n",
    ),
    (
        "curl 'https://x.test/a?b=1&b=2'",
        "requests:\n  - name: GET /a\n    url: https://x.test/a?b=1&b=2\n    follow_redirects: false\n",
    ),
    (
        "curl 'https://x.test/a?n=007&m=7'",
        "requests:\n  - name: GET /a\n    url: https://x.test/a\n    query: { \"n\": \"007\", m: 7 }\n    follow_redirects: false\n",
    ),
    (
        "curl x.test:8080",
        "requests:\n  - name: GET /\n    url: http://x.test:8080\n    follow_redirects: false\n",
    ),
    (
        "wget x.test",
        "error: the command does not start with `curl` but with `wget`\n",
    ),
    (
        "",
        "error: the input has no curl command (give one as an argument, or on stdin with `-`)\n",
    ),
    (
        "curl x \u{e000}",
        "error: cannot split the curl command into words: the text contains the private-use characters U+E000 or U+E001; remove them\n",
    ),
    (
        "# one\n# two\ncurl x.test/a\n# one\ncurl -k x.test/b\ncurl x.test/a\ncurl x.test/a",
        "requests:\n  - name: one\n    url: http://x.test/a\n    follow_redirects: false\n    # two\n  - name: one (2)\n    url: http://x.test/b\n    follow_redirects: false\n    # curl -k: run with `baton run --insecure` to skip certificate checks\n  - name: GET /a\n    url: http://x.test/a\n    follow_redirects: false\n  - name: GET /a (2)\n    url: http://x.test/a\n    follow_redirects: false\n! one (2): `-k` is not part of the request: run with `baton run --insecure`\n",
    ),
    (
        "curl \"${a}/x\" -H \"X-${k}: v\" -H \"Y: ${v}\"",
        "vars:\n  # shell variables of the curl commands: give them with --var NAME=VALUE or --env FILE\n  a: \"\"\n  v: \"\"\nrequests:\n  - name: GET /x\n    url: \"{{ a }}/x\"\n    headers: { \"X-${k}\": v, \"Y\": \"{{ v }}\" }\n    follow_redirects: false\n! `X-${k}` is a name (a header, field or key), not a template; it is kept as text\n! the variables `a`, `v` are declared in `vars` with an empty value: give them with --var NAME=VALUE or --env FILE\n",
    ),
    (
        "curl \"$base/x\" --frobnicate\n",
        "error: curl option `--frobnicate` is not known to baton's importer (remove it, or write the request by hand)\n",
    ),
    (
        "curl x.test/a\ncurl -m nope x.test/b",
        "error: the command on line 2: curl option `-m` is not supported: `nope` is not a number of seconds\n",
    ),
    (
        "curl \\\r\n  x.test/crlf",
        "requests:\n  - name: GET /crlf\n    url: http://x.test/crlf\n    follow_redirects: false\n",
    ),
    (
        "curl $'\\x41\\101\\u00e9\\q\\e' x.test",
        "error: the curl command has more than one URL (`AAé\\q\u{1b}` and `x.test`); give each URL its own curl command\n",
    ),
    (
        "curl \"a\\$b\\x\" 'c'#d x.test",
        "error: the curl command has more than one URL (`a$b\\x` and `c#d`); give each URL its own curl command\n",
    ),
    (
        "curl $'abc",
        "error: cannot split the curl command into words: the quote ' opened on line 1 is not closed\n",
    ),
    (
        "curl \"${a\"",
        "error: cannot split the curl command into words: the quote { opened on line 1 is not closed\n",
    ),
    (
        "curl \"abc",
        "error: cannot split the curl command into words: the quote \" opened on line 1 is not closed\n",
    ),
    (
        "curl x.test && \n curl y.test ; ; curl z.test",
        "requests:\n  - name: GET /\n    url: http://x.test\n    follow_redirects: false\n  - name: GET / (2)\n    url: http://y.test\n    follow_redirects: false\n  - name: GET / (3)\n    url: http://z.test\n    follow_redirects: false\n",
    ),
    (
        "curl \"$(date)\"",
        "error: cannot split the curl command into words: line 1: command substitution is not supported; paste the value, or use a variable (`${name}`)\n",
    ),
    (
        "curl \"`date`\"",
        "error: cannot split the curl command into words: line 1: command substitution is not supported; paste the value, or use a variable (`${name}`)\n",
    ),
];

#[test]
fn every_option_branch_imports_as_before() {
    for (text, want) in CASES {
        assert_eq!(shown(text), *want, "{text}");
    }
}
