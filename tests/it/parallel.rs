//! --jobs, --shard and --fail-fast through the binary, observed from the server's side.

use crate::support::{TestServer, run, write};

#[test]
fn shards_cover_every_collection_exactly_once() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..12 {
        write(
            dir.path(),
            &format!("suite/c{i:02}.yaml"),
            &format!(
                "requests:\n  - name: r\n    url: \"{}/echo?c={i}\"\n",
                server.url
            ),
        );
    }
    let mut per_shard = Vec::new();
    for k in 1..=3 {
        let before = server.count();
        let out = run(dir.path(), &["run", "suite", "--shard", &format!("{k}/3")]);
        assert_eq!(out.code, 0, "{}", out.stdout);
        per_shard.push(server.count() - before);
    }
    let mut seen: Vec<String> = server.hits().iter().map(|h| h.query.clone()).collect();
    seen.sort();
    let mut expected: Vec<String> = (0..12).map(|i| format!("c={i}")).collect();
    expected.sort();
    assert_eq!(
        seen, expected,
        "every collection ran exactly once across the shards"
    );
    assert_eq!(per_shard, [4, 4, 4]);
}

#[test]
fn jobs_run_collections_at_the_same_time_with_output_in_order() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..8 {
        write(
            dir.path(),
            &format!("c{i}.yaml"),
            &format!(
                "name: c{i}\nrequests:\n  - name: slow {i}\n    url: \"{}/slow?ms=200\"\n",
                server.url
            ),
        );
    }
    let out = run(dir.path(), &["run", ".", "--jobs", "4"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(server.count(), 8);
    // The server saw several requests in flight at once: collections overlapped.
    assert!(
        server.max_in_flight() >= 3,
        "max in flight: {}",
        server.max_in_flight()
    );
    // Output stays grouped and in collection order.
    let headers: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('c')).collect();
    let expected: Vec<String> = (0..8).map(|i| format!("c{i} (./c{i}.yaml)")).collect();
    assert_eq!(headers, expected, "{}", out.stdout);
}

#[test]
fn serial_run_never_overlaps() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write(
            dir.path(),
            &format!("c{i}.yaml"),
            &format!(
                "requests:\n  - name: s\n    url: \"{}/slow?ms=50\"\n",
                server.url
            ),
        );
    }
    assert_eq!(run(dir.path(), &["run", "."]).code, 0);
    assert_eq!(server.max_in_flight(), 1);
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: bad\n    url: {0}/status/500\n    expect: {{ status: 200 }}\n  - name: after\n    url: {0}/status/200\n",
            server.url
        ),
    );
    assert_eq!(run(dir.path(), &["run", "c.yaml"]).code, 1);
    assert_eq!(server.count(), 2);
    assert_eq!(run(dir.path(), &["run", "c.yaml", "--fail-fast"]).code, 1);
    assert_eq!(server.count(), 3);
}

#[test]
fn data_rows_run_each_collection_once_per_row() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rows.csv", "user,n\nann,1\nbob,2\n");
    write(dir.path(), "rows.json", r#"[{"user": "cy", "n": 3}]"#);
    write(
        dir.path(),
        "c.yaml",
        &format!(
            "requests:\n  - name: r\n    url: \"{}/echo\"\n    query: {{ user: \"{{{{ user }}}}\", n: \"{{{{ n }}}}\" }}\n",
            server.url
        ),
    );
    let out = run(dir.path(), &["run", "c.yaml", "--data", "rows.csv"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("[row 2]"), "{}", out.stdout);
    let out = run(dir.path(), &["run", "c.yaml", "--data", "rows.json"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let q: Vec<String> = server.hits().iter().map(|h| h.query.clone()).collect();
    assert_eq!(q, ["user=ann&n=1", "user=bob&n=2", "user=cy&n=3"]);
}
