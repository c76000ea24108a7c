//! `baton check` of a large collection, in process: workload K of `bench/gen_scale.py` (each
//! request with a templated URL, a header, a JSON body with a template, status + two JSON
//! expectations and a capture) at 10,000 requests: loading, then the undefined-variable and
//! unset-environment checks, once keeping the model (as a run loads it) and once keeping
//! outlines (as `baton check` does, from a file of 3 MB: parsed on a thread of its own).
//! `cargo bench --bench check_scale`; figures in bench/README.md.

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

use baton::format::check;
use baton::format::{Keep, load_partial, load_str};

/// The text `gen_scale.py` writes for workload K.
fn workload_k(n: usize) -> String {
    let mut s = String::from(
        "name: big check\nvars:\n  base_url: http://127.0.0.1:18081\n  token: t0k3n\n  user: alice\nrequests:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  - name: r{i}\n    method: POST\n    url: \"{{{{ base_url }}}}/api/v1/items/{i}\"\n    headers: {{ Authorization: \"Bearer {{{{ token }}}}\" }}\n    json: {{ id: {i}, owner: \"{{{{ user }}}}\", tags: [a, b] }}\n    expect:\n      status: 201\n      json:\n        $.id: {i}\n        $.owner: {{ eq: \"{{{{ user }}}}\" }}\n    capture:\n      item_{i}: $.id\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = workload_k(10_000);
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function(
        "load and check a 10,000-request collection (workload K)",
        |b| {
            b.iter(|| {
                let c = load_str(Path::new("K10k.yaml"), black_box(text.clone())).expect("loads");
                let none = |_: &str| false;
                assert!(check::undefined(&c, &BTreeSet::new(), &none).is_empty());
                assert!(check::unset_env(&c, &none).is_empty());
                c
            })
        },
    );
    // What `baton check` itself does: each request's outline kept, not its model.
    let dir = std::env::temp_dir().join(format!("baton-check-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let path = dir.join("K10k.yaml");
    std::fs::write(&path, &text).expect("the workload written");
    group.bench_function(
        "check a 10,000-request collection from outlines (workload K, as `baton check`)",
        |b| {
            b.iter(|| {
                let loaded = load_partial(black_box(&path), Keep::Outline);
                assert!(loaded.errors.is_empty());
                let c = loaded.collection.expect("loads");
                let none = |_: &str| false;
                assert!(check::undefined(&c, &BTreeSet::new(), &none).is_empty());
                assert!(check::unset_env(&c, &none).is_empty());
                c
            })
        },
    );
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(scale, bench);
criterion_main!(scale);
