//! Every input file is read with one bound (64 MiB, `problem::MAX_INPUT_BYTES`): `/dev/zero`
//! given as the collection, an `include:`, a `schema:`, `--env`, `--mock` or `--cacert` is an
//! error naming the file, after reading no more than the bound, not a run out of memory.

use std::process::Stdio;
use std::time::Duration;

use crate::support::trust::wait_with_peak;
use crate::support::write;

/// Runs baton, returns (exit code, stderr, peak RSS in MiB).
fn bounded(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, u64) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, peak) = wait_with_peak(&mut child, Duration::from_secs(60));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    (code, stderr, peak >> 20)
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_at_the_bound_wherever_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n",
    );
    write(
        dir.path(),
        "inc.yaml",
        "requests:\n  - include: /dev/zero\n",
    );
    write(
        dir.path(),
        "schema.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n    expect: { schema: /dev/zero }\n",
    );
    let cases: [&[&str]; 10] = [
        &["check", "/dev/zero"],
        &["run", "c.yaml", "--data", "/dev/zero"],
        &["import", "openapi", "/dev/zero"],
        &["import", "postman", "/dev/zero"],
        &["run", "c.yaml", "--cert", "/dev/zero"],
        &["check", "inc.yaml"],
        &["check", "schema.yaml"],
        &["check", "c.yaml", "--env", "/dev/zero"],
        &["run", "c.yaml", "--mock", "/dev/zero"],
        &["run", "c.yaml", "--cacert", "/dev/zero"],
    ];
    for args in cases {
        let (code, stderr, peak) = bounded(dir.path(), args);
        assert!(code.is_some_and(|c| c != 0), "{args:?}: {code:?} {stderr}");
        assert!(
            stderr.contains("larger than 64 MiB") && stderr.contains("/dev/zero"),
            "{args:?}: {stderr}"
        );
        // The bound plus the program: nowhere near the gigabytes an endless read takes.
        assert!(peak < 200, "{args:?}: peak {peak} MiB");
        eprintln!("{args:?}: peak {peak} MiB");
    }
}

#[test]
fn mock_files_have_a_route_and_response_cap() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        "requests:\n  - name: a\n    url: http://127.0.0.1:9/\n",
    );
    let mut routes = String::from("routes:\n");
    for i in 0..10_001 {
        routes.push_str(&format!(
            "  - {{ when: {{ path: /r{i} }}, respond: {{ status: 200 }} }}\n"
        ));
    }
    write(dir.path(), "routes.yaml", &routes);
    let mut list = String::from("routes:\n  - when: { path: /x }\n    respond:\n");
    for _ in 0..10_001 {
        list.push_str("      - { status: 200 }\n");
    }
    write(dir.path(), "list.yaml", &list);
    for (file, line, what) in [
        ("routes.yaml", 10_002, "at most 10000 routes"),
        ("list.yaml", 10_004, "at most 10000 responses"),
    ] {
        let out = crate::support::run(dir.path(), &["run", "c.yaml", "--mock", file]);
        assert_ne!(out.code, 0, "{file}");
        assert!(out.stderr.contains(what), "{file}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("{file}:{line}:")),
            "{file}: {}",
            out.stderr
        );
    }
}
