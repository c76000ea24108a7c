//! Unit tests of the runner: a plan run against an in-process server, without the command
//! line: events in order, captures flowing into later requests, failures and skips, fail-fast,
//! and two runs side by side that share nothing.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::json;

use super::*;
use crate::template::Host;

/// A server: `POST /login` gives a token, `GET /items/{id}` needs it.
async fn server(token: &'static str) -> String {
    let app = Router::new()
        .route(
            "/login",
            post(move || async move { axum::Json(json!({ "token": token })) }),
        )
        .route(
            "/items/{id}",
            get(move |UrlPath(id): UrlPath<u32>, h: HeaderMap| async move {
                let auth = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if auth != format!("Bearer {token}") {
                    return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(json!({})));
                }
                (
                    axum::http::StatusCode::OK,
                    axum::Json(json!({ "id": id, "echo": auth })),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn collection(name: &str, base: &str, yaml: &str) -> Arc<Collection> {
    let text = format!("name: {name}\nvars: {{ base: \"{base}\" }}\n{yaml}");
    Arc::new(
        crate::format::load_str(std::path::Path::new("t.yaml"), text)
            .unwrap_or_else(|e| panic!("{}", e.render())),
    )
}

const FLOW: &str = r#"requests:
  - name: login
    method: POST
    url: "{{ base }}/login"
    capture:
      tok: { json: $.token, secret: true }
  - name: item
    url: "{{ base }}/items/7"
    auth: { bearer: "{{ tok }}" }
    expect:
      status: 200
      json: { $.id: 7 }
  - name: skipped
    url: "{{ base }}/items/8"
    when: "false"
  - name: wrong
    url: "{{ base }}/items/9"
    auth: { bearer: "{{ tok }}" }
    expect:
      json: { $.id: 1, $.echo: "Bearer {{ tok }}" }
"#;

/// Run a plan; the events it emitted, and the summary.
async fn run_plan(
    plan: Vec<Planned>,
    opts: RunOptions,
    secrets: Secrets,
) -> (Vec<Event>, RunSummary) {
    let (_tx, cancel) = watch::channel(false);
    let services = Services {
        http: Arc::new(Http::new(&Default::default()).unwrap()),
        tokens: TokenCache::default(),
        secrets,
        cancel,
        listener: None,
        recorder: None,
    };
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let summary = run(
        plan,
        opts,
        services,
        move |e: &crate::secret::Redacted<Event>| sink.lock().unwrap().push(Event::clone(e)),
    )
    .await;
    let events = events.lock().unwrap().clone();
    (events, summary)
}

fn planned(c: Arc<Collection>, host: &Host) -> Planned {
    let scope = crate::plan::vars::initial_scope(
        &c,
        &Default::default(),
        host,
        crate::plan::vars::Unknown::Refuse,
    )
    .unwrap();
    Planned {
        collection: c,
        scope,
        iteration: None,
        contract: None,
    }
}

fn results(events: &[Event]) -> Vec<RequestResult> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::RequestFinished(r) => Some((**r).clone()),
            _ => None,
        })
        .collect()
}

use crate::report::event::RequestResult;

#[tokio::test]
async fn a_capture_flows_into_later_requests_and_every_outcome_is_reported() {
    let url = server("tok-runner-1234").await;
    let secrets = Secrets::new();
    let host = Host::new(Default::default(), secrets.clone());
    let plan = vec![planned(collection("c", &url, FLOW), &host)];
    let (events, summary) = run_plan(plan, RunOptions::default(), secrets).await;
    assert!(matches!(
        events.first(),
        Some(Event::RunStarted { collections: 1 })
    ));
    assert!(matches!(events.last(), Some(Event::RunFinished(_))));
    let r = results(&events);
    let outcomes: Vec<(&str, Outcome)> = r.iter().map(|r| (r.name.as_str(), r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            ("login", Outcome::Passed),
            ("item", Outcome::Passed),
            ("skipped", Outcome::Skipped),
            ("wrong", Outcome::Failed),
        ]
    );
    assert_eq!(summary.counts.passed, 2);
    assert_eq!(summary.counts.failed, 1);
    assert_eq!(summary.counts.skipped, 1);
    // The secret capture is masked in every string of the events.
    let text = format!("{events:?}");
    assert!(!text.contains("tok-runner-1234"), "{text}");
    let wrong = &r[3];
    assert!(
        wrong
            .assertions
            .iter()
            .any(|a| !a.passed && a.subject == "json $.id")
    );
    // `$.echo` equals the rendered expectation: it passes, and shows masked.
    assert!(
        wrong
            .assertions
            .iter()
            .any(|a| a.passed && a.subject == "json $.echo")
    );
}

#[tokio::test]
async fn fail_fast_stops_after_the_first_failure() {
    let url = server("tok-runner-1234").await;
    let secrets = Secrets::new();
    let host = Host::new(Default::default(), secrets.clone());
    let failing = "requests:\n  - name: first\n    url: \"{{ base }}/items/1\"\n    expect: { status: 200 }\n  - name: second\n    url: \"{{ base }}/items/2\"\n";
    let plan = vec![planned(collection("c", &url, failing), &host)];
    let opts = RunOptions {
        fail_fast: true,
        ..RunOptions::default()
    };
    let (events, summary) = run_plan(plan, opts, secrets).await;
    // The request not run is reported skipped, so the totals do not depend on timing.
    let rs = results(&events);
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[1].message.as_deref(), Some("skipped: --fail-fast"));
    assert_eq!(summary.counts.failed, 1);
    assert_eq!(summary.counts.skipped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_side_by_side_share_no_secrets_and_keep_their_order() {
    let (a_url, b_url) = (server("tok-AAAA-1111").await, server("tok-BBBB-2222").await);
    let run_one = |url: String, name: &'static str| async move {
        let secrets = Secrets::new();
        let host = Host::new(Default::default(), secrets.clone());
        let plan = vec![
            planned(collection(&format!("{name}-1"), &url, FLOW), &host),
            planned(collection(&format!("{name}-2"), &url, FLOW), &host),
        ];
        let opts = RunOptions {
            jobs: 2,
            ..RunOptions::default()
        };
        let (events, _) = run_plan(plan, opts, secrets.clone()).await;
        (events, secrets)
    };
    let ((a_events, a_secrets), (b_events, b_secrets)) =
        tokio::join!(run_one(a_url, "a"), run_one(b_url, "b"));
    // Each run masks its own token and knows nothing of the other's.
    assert_eq!(a_secrets.redact("tok-AAAA-1111"), "***");
    assert_eq!(a_secrets.redact("tok-BBBB-2222"), "tok-BBBB-2222");
    assert_eq!(b_secrets.redact("tok-AAAA-1111"), "tok-AAAA-1111");
    // Collections come out grouped and in order, whatever finished first.
    for (events, name) in [(&a_events, "a"), (&b_events, "b")] {
        let order: Vec<String> = events
            .iter()
            .filter_map(|e| match e {
                Event::CollectionStarted(c) => Some(c.name.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(order, [format!("{name}-1"), format!("{name}-2")]);
        let first_done = events
            .iter()
            .position(|e| matches!(e, Event::CollectionFinished { collection: 0, .. }))
            .unwrap();
        let second_start = events
            .iter()
            .position(|e| matches!(e, Event::CollectionStarted(c) if c.index == 1))
            .unwrap();
        assert!(first_done < second_start);
        assert_eq!(results(events).len(), 8);
    }
}
