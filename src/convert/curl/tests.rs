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
