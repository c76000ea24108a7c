//! Micro-benchmarks of the per-request hot paths and of loading a large collection.
//! `cargo bench --bench hot_paths`; figures are in bench/README.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

use baton::format::load_str;
use baton::format::model::{Action, Step};
use baton::http::response::Response;
use baton::secret::Secrets;
use baton::template::Vars;

fn collection_text(n: usize) -> String {
    let mut s = String::from("name: big\nvars:\n  base_url: http://127.0.0.1:18080\nrequests:\n");
    for i in 0..n {
        s.push_str(&format!(
            "  - name: r{i}\n    method: POST\n    url: \"{{{{ base_url }}}}/api/v1/endpoint\"\n    headers: {{ Authorization: \"Bearer {{{{ token }}}}\" }}\n    json: {{ id: {i}, token: \"{{{{ token }}}}\" }}\n    expect:\n      status: 200\n      json:\n        $[0].name: arduino01\n    capture:\n      endpoint_id: $[0].id\n"
        ));
    }
    s
}

fn scope() -> Vars {
    let mut v = Vars::new();
    v.set("base_url", &json!("http://127.0.0.1:18080"));
    v.set("token", &json!("eyJhbGciOiJIUzI1NiJ9.YmVuY2g.c2lnbmF0dXJl"));
    v
}

fn response() -> Response {
    let body = br#"[{"id":1,"name":"arduino01","status":{"id":1,"description":"Disabled"}},{"id":2,"name":"arduino02","status":{"id":2,"description":"Enabled"}},{"id":3,"name":"esp32-01","status":{"id":2,"description":"Enabled"}}]"#;
    Response::new(
        200,
        vec![("content-type".into(), "application/json".into())],
        body.to_vec(),
        std::time::Duration::from_millis(1),
    )
}

fn benches(c: &mut Criterion) {
    let text = collection_text(1000);
    c.bench_function("load and check a 1000-request collection", |b| {
        b.iter(|| load_str(Path::new("big.yaml"), black_box(text.clone())).expect("loads"))
    });

    let col = load_str(Path::new("one.yaml"), collection_text(1)).expect("loads");
    let Some(Step::Request(req)) = col.steps.first() else {
        panic!("a request")
    };
    let Action::Send(send) = &req.action else {
        panic!("a send")
    };
    let vars = scope();
    let secrets = Secrets::new();
    c.bench_function(
        "render a request's templates (url, header, json body)",
        |b| {
            b.iter(|| {
                let url = send.url.render_string(&vars).expect("url");
                let h: Vec<String> = send
                    .headers
                    .iter()
                    .map(|(_, t)| t.render_string(&vars).expect("header"))
                    .collect();
                let body = match &send.body {
                    Some(baton::format::model::Body::Json(v)) => v.render(&vars).expect("body"),
                    _ => json!(null),
                };
                black_box((url, h, body))
            })
        },
    );

    c.bench_function("JSONPath capture from a response", |b| {
        b.iter(|| {
            let resp = response();
            for cap in &req.captures {
                black_box(baton::verdict::capture::run(cap, &resp, &secrets).ok());
            }
        })
    });

    c.bench_function("check expectations on a response", |b| {
        b.iter(|| {
            let resp = response();
            black_box(baton::verdict::expectation::check(
                &req.expect,
                &resp,
                &vars,
                &secrets,
            ))
        })
    });

    c.bench_function("redact a response body", |b| {
        secrets.register("eyJhbGciOiJIUzI1NiJ9.YmVuY2g.c2lnbmF0dXJl");
        let body = String::from_utf8(response().body).expect("utf8");
        b.iter(|| black_box(secrets.redact(black_box(&body))))
    });
}

/// A 10 MB body of one kind, with `secret` in it now and then.
fn big_body(kind: &str, secret: &str) -> String {
    let mut s = String::with_capacity(11 << 20);
    let mut i = 0u64;
    while s.len() < 10 << 20 {
        i += 1;
        match kind {
            "plain" => s.push_str(&format!(
                "line {i} lorem ipsum dolor sit amet consectetur\n"
            )),
            "percent" => s.push_str("%41%42%2F%3D%25%20%7E%41%42%43"),
            "backslashes" => s.push_str(r#"a\\b\\\\c\"d\\\\\\\"e\/f\\n"#),
            _ => s.push_str(&format!(
                "{{\"id\":{i},\"name\":\"item-{i}\",\"url\":\"https:\\/\\/x.test\\/{i}\"}},"
            )),
        }
        if i.is_multiple_of(50_000) {
            s.push_str(secret);
        }
    }
    s
}

/// Masking cost against the number of secrets: one pass whatever their number.
fn masking(c: &mut Criterion) {
    let tokens: Vec<String> = (0..500)
        .map(|i| {
            format!(
                "tok-{i:04}-{:016x}",
                (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            )
        })
        .collect();
    let mut g = c.benchmark_group("mask a 10 MB body");
    g.sample_size(10);
    for kind in ["plain", "percent", "backslashes", "json"] {
        let body = big_body(kind, &tokens[0]);
        for n in [10, 100, 500] {
            let secrets = Secrets::new();
            tokens[..n].iter().for_each(|t| secrets.register(t));
            secrets.redact("warm the automaton %\\&");
            g.bench_function(format!("{kind}, {n} secrets"), |b| {
                b.iter(|| black_box(secrets.redact(black_box(&body))))
            });
        }
    }
    g.finish();
}

/// The large-body workload (bench/README.md, L): a list of 150,000 objects of 5 fields
/// (19.5 MiB) with a length, an index and a filter check; parsing the body included.
fn large_json(c: &mut Criterion) {
    let n = 150_000;
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"id":{i},"name":"device-{i:06}","email":"owner{i:06}@example.com","status":"{}","description":"sensor {:02} in rack {:02}, fw 2.{}.{}"}}"#,
                ["active", "disabled", "pending", "archived"][i % 4],
                i % 97,
                i % 13,
                i % 7,
                i % 11
            )
        })
        .collect();
    let body = format!("[{}]", items.join(",")).into_bytes();
    let last = n - 1;
    let yaml = format!(
        "requests:\n  - name: big\n    url: http://x/\n    expect:\n      json:\n        $: {{ length: {n} }}\n        $[75000].name: device-075000\n        \"$[?@.id == {last}].email\": owner{last:06}@example.com\n"
    );
    let col = load_str(Path::new("large.yaml"), yaml).expect("loads");
    let Some(Step::Request(req)) = col.steps.first() else {
        panic!("a request")
    };
    let (vars, secrets) = (Vars::new(), Secrets::new());
    let mut g = c.benchmark_group("large JSON body");
    g.sample_size(10);
    g.bench_function("3 JSONPath checks on a 150,000-item list", |b| {
        b.iter(|| {
            let resp = Response::new(200, vec![], body.clone(), std::time::Duration::ZERO);
            let results = baton::verdict::expectation::check(&req.expect, &resp, &vars, &secrets);
            assert!(results.iter().all(|r| r.passed), "{results:?}");
            black_box(results)
        })
    });
    g.finish();
}

criterion_group!(hot, benches, masking, large_json);
criterion_main!(hot);
