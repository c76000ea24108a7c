//! Postman test scripts with conditions, as the RealWorld (Conduit) suite writes them,
//! imported and run: checks under a status the script asserts first, an `if`/`else` on the
//! body (one JSON Schema with if/then/else), a switch variable nothing sets, and
//! `responseJSON.user || {}`. Each request's verdict is the one Newman gives.

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use serde_json::json;

use crate::support::{import_postman, outcomes, postman_test, run, serve};

fn server() -> (String, tokio::runtime::Runtime) {
    let article = json!({"title": "t", "slug": "t-1", "tagList": ["a"], "favoritesCount": 0,
                         "createdAt": "2026-12-04T10:00:00.000Z"});
    let app = Router::new()
        .route(
            "/user",
            get(|| async { axum::Json(json!({"user": {"email": "a@b.c", "token": "t0k"}})) }),
        )
        .route(
            "/articles",
            get(
                move |q: Query<std::collections::HashMap<String, String>>| async move {
                    let body = match q.get("case").map(String::as_str) {
                        Some("empty") => json!({"articles": [], "articlesCount": 0}),
                        Some("bad-count") => json!({"articles": [], "articlesCount": 3}),
                        Some("no-title") => {
                            json!({"articles": [{"slug": "s", "tagList": [], "favoritesCount": 0,
                                                 "createdAt": "2026-12-04T10:00:00.000Z"}],
                                   "articlesCount": 1})
                        }
                        _ => json!({"articles": [article], "articlesCount": 1}),
                    };
                    axum::Json(body)
                },
            ),
        );
    serve(app)
}

const LIST_TEST: &[&str] = &[
    "var is200Response = responseCode.code === 200;",
    "tests['Response code is 200 OK'] = is200Response;",
    "if(is200Response){",
    "    var responseJSON = JSON.parse(responseBody);",
    "    tests['Response contains \"articles\" property'] = responseJSON.hasOwnProperty('articles');",
    "    tests['articlesCount is an integer'] = Number.isInteger(responseJSON.articlesCount);",
    "    if(responseJSON.articles.length){",
    "        var article = responseJSON.articles[0];",
    "        tests['Article has \"title\" property'] = article.hasOwnProperty('title');",
    "        tests['Article has \"createdAt\" property'] = article.hasOwnProperty('createdAt');",
    "        tests['createdAt is ISO 8601'] = /^\\d{4,}-[01]\\d-[0-3]\\dT[0-2]\\d:[0-5]\\d:[0-5]\\d.\\d+(?:[+-][0-2]\\d:[0-5]\\d|Z)$/.test(article.createdAt);",
    "        tests['tagList is an Array'] = Array.isArray(article.tagList);",
    "    } else {",
    "        tests['articlesCount is 0 when feed is empty'] = responseJSON.articlesCount === 0;",
    "    }",
    "}",
];

fn collection(base: &str) -> String {
    let test = postman_test;
    let list = |name: &str, case: &str| {
        json!({ "name": name, "request": { "method": "GET", "url": format!("{base}/articles?case={case}") },
                "event": test(LIST_TEST) })
    };
    json!({
        "info": { "name": "conduit-like", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
        "item": [
            { "name": "user", "request": { "method": "GET", "url": format!("{base}/user") },
              "event": test(&[
                  "if (!(environment.isIntegrationTest)) {",
                  "var responseJSON = JSON.parse(responseBody);",
                  "var user = responseJSON.user || {};",
                  "tests['User has \"email\" property'] = user.hasOwnProperty('email');",
                  "tests['User has \"token\" property'] = user.hasOwnProperty('token');",
                  "tests['User has \"bio\" property'] = user.hasOwnProperty('bio');",
                  "}"
              ]) },
            list("one article", "one"),
            list("no articles", "empty"),
            list("no articles, counted", "bad-count"),
            list("an article without a title", "no-title")
        ]
    })
    .to_string()
}

#[test]
fn conditions_on_status_body_and_a_switch_have_newmans_verdicts() {
    let (url, _rt) = server();
    let dir = tempfile::tempdir().unwrap();
    let out = import_postman(dir.path(), &collection(&url));
    // Every script line was translated: none stays a comment.
    assert!(!out.stderr.contains("not converted"), "{}", out.stderr);
    assert!(out.stdout.contains("schema:"), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "scripts read variable `isIntegrationTest`, which nothing in the collection sets: taken as unset"
        ),
        "{}",
        out.stderr
    );
    let check = run(dir.path(), &["check", "c.yaml"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let out = run(dir.path(), &["run", "c.yaml"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        outcomes(&out.stdout),
        [
            // `bio` is missing: the switch is unset, so Newman checks it and fails too.
            "✗ user",
            "✓ one article",
            "✓ no articles",
            "✗ no articles, counted",
            "✗ an article without a title",
        ],
        "{}",
        out.stdout
    );
}
