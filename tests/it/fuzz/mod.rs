//! Fuzzing on stable Rust: a seeded mutation fuzzer over every input baton reads (collections
//! through `check`, templates, expectations and captures against odd responses, mock files,
//! secret masking, the `receive` listener's inbound requests, OpenAPI documents, Postman
//! scripts), checking properties as well as "no panic, no hang".
//!
//! `cargo test --test it fuzz` runs a bounded number of executions (CI); a long run:
//! `BATON_FUZZ_ITERATIONS=1000000 cargo test --release --test it fuzz -- --nocapture`.
//! Other knobs: `BATON_FUZZ_SEED` (a number, or `random`), `BATON_FUZZ_SECONDS` (stop each
//! target after that long), `BATON_FUZZ_BUDGET_MS` (time allowed per input). A failure is
//! saved to `tests/fuzz/crashes/`; once fixed it moves to `tests/fuzz/regressions/`, which is
//! replayed by the `regressions` test on every run.

pub mod collection;
pub mod engine;
pub mod expect;
pub mod listener;
pub mod masking;
pub mod mock;
pub mod mutate;
pub mod openapi;
pub mod postman;
pub mod seeds;
pub mod template;

use engine::Target;

#[test]
fn collection() {
    engine::fuzz::<collection::Collection>();
}

#[test]
fn template() {
    engine::fuzz::<template::Template>();
}

#[test]
fn expect() {
    engine::fuzz::<expect::Expect>();
}

#[test]
fn mock() {
    engine::fuzz::<mock::Mock>();
}

#[test]
fn masking() {
    engine::fuzz::<masking::Masking>();
}

#[test]
fn listener() {
    engine::fuzz::<listener::Listener>();
}

#[test]
fn openapi() {
    engine::fuzz::<openapi::OpenApi>();
}

#[test]
fn postman() {
    engine::fuzz::<postman::Postman>();
}

/// Every failure ever found, replayed: each must now run clean.
#[test]
fn regressions() {
    let files = engine::files_in(&engine::fuzz_dir().join("regressions"));
    let of = |name: &str| -> Vec<std::path::PathBuf> {
        files
            .iter()
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}-")))
            })
            .cloned()
            .collect()
    };
    let names = [
        collection::Collection::NAME,
        template::Template::NAME,
        expect::Expect::NAME,
        mock::Mock::NAME,
        masking::Masking::NAME,
        listener::Listener::NAME,
        openapi::OpenApi::NAME,
        postman::Postman::NAME,
    ];
    let mut problems = Vec::new();
    for f in &files {
        let n = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !names.iter().any(|t| n.starts_with(&format!("{t}-"))) && n != "README.md" {
            problems.push(format!("{}: names no fuzz target", f.display()));
        }
    }
    problems.extend(engine::replay::<collection::Collection>(&of(names[0])));
    problems.extend(engine::replay::<template::Template>(&of(names[1])));
    problems.extend(engine::replay::<expect::Expect>(&of(names[2])));
    problems.extend(engine::replay::<mock::Mock>(&of(names[3])));
    problems.extend(engine::replay::<masking::Masking>(&of(names[4])));
    problems.extend(engine::replay::<listener::Listener>(&of(names[5])));
    problems.extend(engine::replay::<openapi::OpenApi>(&of(names[6])));
    problems.extend(engine::replay::<postman::Postman>(&of(names[7])));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `BATON_FUZZ_REPLAY=FILE[:FILE...]`: run saved inputs (crashes, corpus files) and say how
/// each went; without it this test does nothing.
#[test]
fn replay() {
    let Ok(list) = std::env::var("BATON_FUZZ_REPLAY") else {
        return;
    };
    let mut problems = Vec::new();
    for f in std::env::split_paths(&list) {
        // `collection-1234.yaml`, or a file of `corpus/collection/`.
        let name = |p: Option<&std::path::Path>| {
            p.and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string()
        };
        let mut n = name(Some(&f));
        if !n.contains('-') || n.starts_with('-') {
            n = name(f.parent());
        }
        if ![
            "collection",
            "template",
            "expect",
            "mock",
            "masking",
            "listener",
            "openapi",
            "postman",
        ]
        .iter()
        .any(|t| n.starts_with(t))
        {
            n = name(f.parent());
        }
        let files = [f.clone()];
        let started = std::time::Instant::now();
        let p = if n.starts_with("collection") {
            engine::replay::<collection::Collection>(&files)
        } else if n.starts_with("template") {
            engine::replay::<template::Template>(&files)
        } else if n.starts_with("expect") {
            engine::replay::<expect::Expect>(&files)
        } else if n.starts_with("mock") {
            engine::replay::<mock::Mock>(&files)
        } else if n.starts_with("masking") {
            engine::replay::<masking::Masking>(&files)
        } else if n.starts_with("listener") {
            engine::replay::<listener::Listener>(&files)
        } else if n.starts_with("openapi") {
            engine::replay::<openapi::OpenApi>(&files)
        } else if n.starts_with("postman") {
            engine::replay::<postman::Postman>(&files)
        } else {
            vec![format!("{}: names no fuzz target", f.display())]
        };
        eprintln!(
            "{}: {} in {:.0} ms",
            f.display(),
            if p.is_empty() { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64() * 1000.0
        );
        problems.extend(p);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
