//! The Postman corpus (tests/fixtures/postman-corpus/: real public collections with test
//! scripts) imported, checked and run against httpbin on 127.0.0.1, held to Newman's
//! recorded verdicts: a request Newman finds red is never green in baton.
//!
//! A module of the interop tests: the run needs their httpbin. `bench/postman/compare
//! --record` rewrites the verdicts from a real Newman run.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::Failed;
use serde_json::Value;

/// Requests green in baton and red in Newman today, each with why: the local stand-in
/// server answers otherwise than the service they were written for, in a way baton's checks
/// cannot see. A new one fails the test, and so does one that is fixed (take it out of this
/// list). A request red in baton and green in Newman fails it too.
const KNOWN_FALSE_GREEN: [(&str, &str, &str); 2] = [
    (
        "newman-echo-v2.postman_collection.json",
        "Cookies / Delete Cookies",
        "httpbin answers /cookies/delete with a redirect whose Set-Cookie (Max-Age=0) deletes the cookie; \
         Newman keeps the request's Cookie header on the redirect hop and sends it again, baton's jar \
         drops it as browsers do (postman-echo itself answers without a redirect)",
    ),
    (
        "newman-super-sandbox-test.postman_collection.json",
        "r1",
        "httpbin has no /type/xml (postman-echo has): Newman's xml2Json of the 404 page is falsy; \
         baton has no check that a body is well-formed XML (the other checks test the sandbox \
         itself on constants)",
    ),
];

/// Every host the corpus names, and the local server that stands in for it (as
/// bench/postman/compare does): nothing leaves the machine.
const HOSTS: [&str; 8] = [
    "postman-echo.com",
    "httpbin.org",
    "expired.badssl.com",
    "google.com",
    "github.com",
    "localhost:4041",
    "localhost:4042",
    "127.1:4041",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/postman-corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".postman_collection.json"))
        .collect();
    files.sort();
    files
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Points the public hosts at `host`: in the text (raw URLs, scripts) and in the parts of
/// each URL object (`host`, `port`, `protocol`), which Newman sends to when they are given.
fn localise(text: &str, host: &str) -> String {
    let mut text = text.trim_start_matches('\u{feff}').to_string();
    for from in HOSTS {
        for scheme in ["https://", "http://"] {
            text = text.replace(&format!("{scheme}{from}"), &format!("http://{host}"));
        }
        text = text.replace(from, host);
    }
    let Ok(mut doc) = serde_json::from_str::<Value>(&text) else {
        return text;
    };
    localise_parts(&mut doc, host);
    doc.to_string()
}

fn localise_parts(node: &mut Value, to: &str) {
    match node {
        Value::Object(o) => {
            if let Some(Value::Object(url)) = o.get_mut("url")
                && url.contains_key("host")
            {
                let name = match &url["host"] {
                    Value::Array(a) => a
                        .iter()
                        .map(|p| p.as_str().map_or(p.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join("."),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let key = match url.get("port") {
                    Some(Value::String(p)) if !p.is_empty() => format!("{name}:{p}"),
                    Some(Value::Number(p)) => format!("{name}:{p}"),
                    _ => name,
                };
                if HOSTS.contains(&key.as_str()) {
                    let (h, p) = to.split_once(':').unwrap_or((to, ""));
                    url.insert("host".into(), Value::String(h.into()));
                    url.insert("port".into(), Value::String(p.into()));
                    url.insert("protocol".into(), Value::String("http".into()));
                }
            }
            o.values_mut().for_each(|v| localise_parts(v, to));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| localise_parts(v, to)),
        _ => {}
    }
}

fn baton(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .output()
        .expect("run baton")
}

/// Imports one collection (pointed at `host`) into `dir`; returns the YAML file.
fn import(src: &Path, host: &str, dir: &Path) -> Result<PathBuf, String> {
    import_counted(src, host, dir).map(|(yaml, _)| yaml)
}

/// `import`, and how many script lines the import says it did not convert.
fn import_counted(src: &Path, host: &str, dir: &Path) -> Result<(PathBuf, usize), String> {
    let json = dir.join(file_name(src));
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    std::fs::write(&json, localise(&text, host)).map_err(|e| e.to_string())?;
    let out = baton(&["import", "postman", &json.to_string_lossy()]);
    if !out.status.success() {
        return Err(format!(
            "{}: import failed: {}",
            file_name(src),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let yaml = dir.join(file_name(src).replace(".postman_collection.json", ".yaml"));
    std::fs::write(&yaml, &out.stdout).map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let dropped = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("warning: ")?
                .strip_suffix(" script lines not converted; see comments")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    Ok((yaml, dropped))
}

/// Lines with code in every enabled test and pre-request script, each script once (as
/// bench/postman/compare counts them).
fn script_lines(node: &Value) -> usize {
    let events = match &node["event"] {
        Value::Array(a) => a.clone(),
        one @ Value::Object(_) => vec![one.clone()],
        _ => Vec::new(),
    };
    let mut n = 0;
    for e in &events {
        let on = e["listen"] == "test" || e["listen"] == "prerequest";
        if !on || e["disabled"] == true {
            continue;
        }
        let text = match &e["script"]["exec"] {
            Value::Array(lines) => lines
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        n += text
            .replace("\r\n", "\n")
            .split('\n')
            .filter(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with("//")
            })
            .count();
    }
    n + node["item"]
        .as_array()
        .into_iter()
        .flatten()
        .map(script_lines)
        .sum::<usize>()
}

pub fn every_import_passes_check() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut refused = Vec::new();
    let mut checked = 0;
    for src in corpus() {
        let yaml = import(&src, "127.0.0.1:9", dir.path())?;
        let out = baton(&["check", &yaml.to_string_lossy()]);
        checked += 1;
        if !out.status.success() {
            refused.push(format!(
                "{}:\n{}",
                file_name(&src),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if checked < 30 {
        return Err(format!("only {checked} collections in the corpus").into());
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!("`baton check` refused:\n{}", refused.join("\n")).into())
    }
}

/// `(name, green)` of each request in a `--report json` document.
fn baton_verdicts(report: &Value) -> Vec<(String, bool)> {
    report["collections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["requests"].as_array().cloned().unwrap_or_default())
        .map(|r| {
            (
                r["name"].as_str().unwrap_or("").to_string(),
                r["outcome"] == "passed",
            )
        })
        .collect()
}

pub fn no_false_green(httpbin: &str) -> Result<(), Failed> {
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/postman-corpus/newman-verdicts.json"))
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (mut false_green, mut no_longer, mut agree, mut total) = (Vec::new(), Vec::new(), 0, 0);
    let mut false_red = Vec::new();
    let (mut dropped, mut lines) = (0, 0);
    for src in corpus() {
        let name = file_name(&src);
        let newman = recorded[&name]
            .as_array()
            .ok_or_else(|| format!("no Newman verdicts for {name}"))?;
        let (yaml, not_converted) = import_counted(&src, httpbin, dir.path())?;
        dropped += not_converted;
        let text = std::fs::read_to_string(&src).map_err(|e| e.to_string())?;
        let doc: Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| e.to_string())?;
        lines += script_lines(&doc);
        let report = dir.path().join("report.json");
        let _ = std::fs::remove_file(&report);
        let run = baton(&[
            "run",
            &yaml.to_string_lossy(),
            "--timeout",
            "10s",
            "--report",
            &format!("json={}", report.display()),
        ]);
        let text = std::fs::read_to_string(&report).map_err(|e| {
            format!(
                "{name}: no report ({e}); stderr:\n{}",
                String::from_utf8_lossy(&run.stderr)
            )
        })?;
        let ours = baton_verdicts(&serde_json::from_str(&text).map_err(|e| e.to_string())?);
        let mut next = 0;
        for n in newman {
            let nname = match n["name"].as_str().unwrap_or("") {
                "" => "request".to_string(),
                other => other.replace("HTTPBIN", &format!("http://{httpbin}")),
            };
            let nname = nname.as_str();
            let ngreen = n["green"] == true;
            let found =
                (next..ours.len()).find(|&k| ours[k].0 == nname || bare(&ours[k].0) == nname);
            let Some(k) = found else { continue };
            next = k + 1;
            total += 1;
            agree += usize::from(ours[k].1 == ngreen);
            let known = KNOWN_FALSE_GREEN.iter().any(|(c, r, _)| {
                *c == name && *r == ours[k].0.replace(&format!("http://{httpbin}"), "HTTPBIN")
            });
            if !ours[k].1 && ngreen {
                false_red.push(format!("{name}: {}", ours[k].0));
            }
            match (ours[k].1 && !ngreen, known) {
                (true, false) => false_green.push(format!("{name}: {}", ours[k].0)),
                (false, true) => no_longer.push(format!("{name}: {}", ours[k].0)),
                _ => {}
            }
        }
    }
    let known = KNOWN_FALSE_GREEN.len();
    eprintln!(
        "postman corpus: verdicts agree on {agree} of {total} requests ({:.1}%); false greens: {} \
         ({known} known); false reds: {}; script lines dropped: {dropped} of {lines} ({:.1}%)",
        100.0 * agree as f64 / total.max(1) as f64,
        false_green.len() + known,
        false_red.len(),
        100.0 * dropped as f64 / lines.max(1) as f64,
    );
    let mut problems = Vec::new();
    if total < 80 {
        problems.push(format!("only {total} requests matched Newman's"));
    }
    if !false_green.is_empty() {
        problems.push(format!(
            "green in baton, red in Newman:\n  {}",
            false_green.join("\n  ")
        ));
    }
    if !false_red.is_empty() {
        problems.push(format!(
            "red in baton, green in Newman:\n  {}",
            false_red.join("\n  ")
        ));
    }
    if !no_longer.is_empty() {
        problems.push(format!(
            "no longer green in baton and red in Newman; take them out of KNOWN_FALSE_GREEN:\n  {}",
            no_longer.join("\n  ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// A request's own name: without its folders and the ` (2)` that makes it unique.
fn bare(name: &str) -> &str {
    let last = name.rsplit(" / ").next().unwrap_or(name);
    match last.rfind(" (") {
        Some(i)
            if last.ends_with(')')
                && last[i + 2..last.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit()) =>
        {
            &last[..i]
        }
        _ => last,
    }
}
