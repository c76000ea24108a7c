//! `check` of collections over 1 MiB, which are parsed on a thread of their own and checked
//! from each request's outline: the same findings, at the same lines, as a small file gives,
//! and a run of the same file still has every request.

use crate::support::{TestServer, run, write};

/// A collection of `n` requests, each ten lines long (request `i` starts on line
/// `4 + 10 * i`), with `last` as the text of the final request.
fn collection(n: usize, last: &str) -> String {
    let mut text = String::from("name: large\nvars:\n  base_url: http://127.0.0.1:9\nrequests:\n");
    for i in 0..n - 1 {
        text.push_str(&format!(
            "  - name: r{i}\n    method: POST\n    url: \"{{{{ base_url }}}}/items/{i}\"\n    headers: {{ X-Id: \"{i}\" }}\n    json: {{ id: {i}, owner: \"{{{{ base_url }}}}\" }}\n    expect:\n      status: 201\n      json: {{ $.id: {i} }}\n    capture:\n      item_{i}: $.id\n"
        ));
    }
    text.push_str(last);
    text
}

const LINES: usize = 10;

#[test]
fn a_large_collection_checks_ok_with_every_request_counted() {
    let dir = tempfile::tempdir().unwrap();
    let text = collection(
        8000,
        "  - name: last\n    url: \"{{ base_url }}/items/{{ item_7998 }}\"\n",
    );
    assert!(text.len() > 1 << 20, "{} bytes", text.len());
    write(dir.path(), "big.yaml", &text);
    let out = run(dir.path(), &["check", "big.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "ok: 1 collection, 8000 requests\n");
}

#[test]
fn an_undefined_variable_at_the_end_of_a_large_collection_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // `item_8000` is captured by no request; `item_7` by the eighth.
    let last = "  - name: last\n    url: \"{{ base_url }}/{{ item_7 }}/{{ item_8000 }}\"\n";
    let n = 8000;
    write(dir.path(), "big.yaml", &collection(n, last));
    let out = run(dir.path(), &["check", "big.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let line = 4 + LINES * (n - 1) + 2;
    assert!(
        out.stderr
            .contains("error: variable `item_8000` is not defined\n")
            && out.stderr.contains(&format!("--> big.yaml:{line}:10\n")),
        "{}",
        out.stderr
    );
    // The names in scope are many: a few are shown, and how many more there are.
    assert!(out.stderr.contains(", and 7970 more\n"), "{}", out.stderr);
    assert!(out.stderr.len() < 4000, "{}", out.stderr.len());
    assert!(
        out.stderr.contains("did you mean `item_800`?"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("`item_7` is not defined"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("-->").count(), 1, "{}", out.stderr);
}

#[test]
fn a_syntax_error_at_the_end_of_a_large_collection_is_said_as_for_a_small_one() {
    let dir = tempfile::tempdir().unwrap();
    let last = "  - name: last\n    url: [unclosed\n";
    write(dir.path(), "big.yaml", &collection(8000, last));
    write(dir.path(), "small.yaml", &collection(2, last));
    let big = run(dir.path(), &["check", "big.yaml"]);
    let small = run(dir.path(), &["check", "small.yaml"]);
    assert_eq!(big.code, 2);
    assert_eq!(small.code, 2);
    // The same message, at the line the last request has in each file.
    let shift = LINES * (8000 - 2);
    let (b, s) = (place(&big.stderr), place(&small.stderr));
    assert_eq!(b.0, s.0 + shift, "{}\n{}", big.stderr, small.stderr);
    assert_eq!(b.1, s.1);
    assert_eq!(
        big.stderr.lines().next(),
        small.stderr.lines().next(),
        "{}\n{}",
        big.stderr,
        small.stderr
    );
}

#[test]
fn anchors_at_the_end_of_a_large_collection_are_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let last = "  - name: last\n    url: &u \"{{ base_url }}/x\"\n    headers: { X-Url: *u }\n";
    write(dir.path(), "big.yaml", &collection(8000, last));
    let out = run(dir.path(), &["check", "big.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "ok: 1 collection, 8000 requests\n");
}

#[test]
fn a_run_of_a_large_collection_sends_every_request() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let base = &server.url;
    let n = 3000;
    let mut text = format!(
        "vars:\n  base_url: {base}\n  pad: \"{}\"\nrequests:\n",
        "p".repeat(400)
    );
    for i in 0..n {
        text.push_str(&format!(
            "  - name: r{i}\n    url: \"{{{{ base_url }}}}/status/200?i={i}\"\n    headers: {{ X-Pad: \"{}\" }}\n",
            "q".repeat(300)
        ));
    }
    assert!(text.len() > 1 << 20, "{} bytes", text.len());
    write(dir.path(), "big.yaml", &text);
    let out = run(dir.path(), &["run", "big.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains(&format!("{n} passed, 0 failed, 0 skipped")),
        "{}",
        out.stdout.lines().last().unwrap_or_default()
    );
    assert_eq!(server.count(), n);
}

/// The line and column of the first `--> FILE:LINE:COL`.
fn place(stderr: &str) -> (usize, usize) {
    let at = stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))
        .unwrap_or_else(|| panic!("no place in {stderr}"));
    let mut parts = at.rsplit(':');
    let col = parts.next().unwrap().parse().unwrap();
    let line = parts.next().unwrap().parse().unwrap();
    (line, col)
}
