//! `baton completions SHELL` prints a completion script the shell accepts.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bash_completions_load_and_offer_the_commands() {
    let out = crate::support::run(&root(), &["completions", "bash"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for word in [
        "_baton()",
        "complete -F _baton",
        "run",
        "check",
        "--update-snapshots",
    ] {
        assert!(out.stdout.contains(word), "missing `{word}`");
    }
    // bash itself reads it: the function is defined and completes `baton ch` to `check`.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("baton.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(baton ch); COMP_CWORD=1; COMP_LINE='baton ch'; COMP_POINT=8; _baton baton ch baton; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let run = std::process::Command::new("bash")
        .args(["--norc", "-c", &probe])
        .output()
        .expect("bash runs");
    let offered = String::from_utf8_lossy(&run.stdout);
    assert!(
        offered.lines().any(|l| l == "check"),
        "bash offered: {offered}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn zsh_completions_describe_the_commands() {
    let out = crate::support::run(&root(), &["completions", "zsh"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("#compdef baton"), "{}", out.stdout);
    for word in [
        "_baton()",
        "'run:Run collections",
        "'check:Check collections",
        "--callback-url",
    ] {
        assert!(out.stdout.contains(word), "missing `{word}`");
    }
    // Where zsh is installed, it must parse the script.
    if let Ok(z) = std::process::Command::new("zsh")
        .args(["-n", "-c", &out.stdout])
        .output()
    {
        assert!(z.status.success(), "{}", String::from_utf8_lossy(&z.stderr));
    }
}

#[test]
fn every_shell_clap_knows_and_an_unknown_one_is_refused() {
    for shell in ["fish", "powershell", "elvish"] {
        let out = crate::support::run(&root(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("baton"), "{shell}");
    }
    let out = crate::support::run(&root(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("possible values"), "{}", out.stderr);
}
