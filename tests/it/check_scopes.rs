//! `check`'s undefined-variable scopes where one request adds names for itself only:
//! `item` and `index` of a `for_each` request, next to captures of the same names.

use crate::support::{run, write};

#[test]
fn a_captured_item_stays_defined_after_a_for_each_request() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "each.yaml",
        "name: each\nrequests:\n  - name: first\n    url: http://127.0.0.1:9/\n    capture: { item: $.id }\n  - name: loop\n    url: \"http://127.0.0.1:9/{{ item }}/{{ index }}\"\n    for_each: [1, 2]\n  - name: after\n    url: \"http://127.0.0.1:9/{{ item }}\"\n",
    );
    let out = run(d.path(), &["check", "each.yaml"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn index_of_a_for_each_is_gone_after_it_and_captures_before_it_are_seen() {
    let d = tempfile::tempdir().unwrap();
    let mut text = String::from("name: many\nrequests:\n");
    for i in 0..200_usize {
        text.push_str(&format!(
            "  - name: r{i}\n    url: \"http://127.0.0.1:9/{{{{ v{} }}}}\"\n    capture: {{ v{i}: $.id }}\n",
            i.saturating_sub(1)
        ));
    }
    text.push_str(
        "  - name: loop\n    url: \"http://127.0.0.1:9/{{ v199 }}/{{ index }}\"\n    for_each: [1]\n  - name: after\n    url: \"http://127.0.0.1:9/{{ index }}\"\n",
    );
    write(d.path(), "many.yaml", &text);
    let out = run(d.path(), &["check", "many.yaml"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    // r0 reads `v0` before anything captured it; `after` reads `index` outside the loop.
    assert!(
        out.stderr.contains("variable `v0` is not defined"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("variable `index` is not defined"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("2 problems found"), "{}", out.stderr);
}
