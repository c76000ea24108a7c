//! Helpers for the trust tests: every spelling a secret can take on the way out, a search of
//! every output byte for any of them, signals, and a child's peak memory.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// Every form `secret` can take in what baton shows or writes, labelled. A leak of any of
/// these (or of its first 8 characters, which is what a cut leaves) is a failure.
pub fn forms(secret: &str) -> Vec<(&'static str, String)> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
    // What the url crate leaves alone in a path segment (it encodes these and `/`, `%`).
    const PATH: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'?')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'%')
        .add(b'\\');
    let b64 = STANDARD.encode(secret);
    let pct = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
    let mut url = url::Url::parse("http://x/").unwrap();
    url.set_path(&format!("/{secret}"));
    let mut out = vec![
        ("raw", secret.to_string()),
        ("base64", b64.clone()),
        ("base64 unpadded", b64.trim_end_matches('=').to_string()),
        ("base64url", URL_SAFE_NO_PAD.encode(secret)),
        ("base64 JSON-escaped", php_json(&b64)),
        (
            "base64 percent-encoded",
            utf8_percent_encode(&b64, NON_ALPHANUMERIC).to_string(),
        ),
        (
            "form-urlencoded",
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        ),
        ("percent-encoded", pct.clone()),
        ("percent-encoded lower", lower_hex(&pct)),
        (
            "path segment",
            utf8_percent_encode(secret, PATH).to_string(),
        ),
        ("url path", url.path()[1..].to_string()),
        ("JSON", json(secret)),
        ("JSON in a JSON string", json(&json(secret))),
        ("JSON with \\/ in a JSON string", json(&php_json(secret))),
        ("JSON with \\/ and \\uXXXX", php_json(secret)),
        ("JSON all \\uXXXX", all_unicode(secret)),
        ("HTML", html(secret)),
    ];
    // A multi-line secret may be shown a line at a time (a diff, a line-by-line dump).
    for l in secret.lines().filter(|l| l.chars().count() >= 8) {
        if l != secret {
            out.push(("one of its lines", l.to_string()));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out.dedup_by(|a, b| a.1 == b.1);
    out
}

/// As serde_json writes it inside a string (no quotes).
pub fn json(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap();
    q[1..q.len() - 1].to_string()
}

/// As PHP's json_encode writes it: `/` as `\/`, non-ASCII as `\uXXXX`.
pub fn php_json(s: &str) -> String {
    let mut out = String::new();
    for c in json(s).chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Every character as `\uXXXX`.
pub fn all_unicode(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let mut buf = [0u16; 2];
        for u in c.encode_utf16(&mut buf) {
            out.push_str(&format!("\\u{u:04X}"));
        }
    }
    out
}

pub fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn lower_hex(pct: &str) -> String {
    let mut out = String::new();
    let mut chars = pct.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(d) = chars.next() {
                    out.push(d.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

/// The ways one output can be read back: as written, with HTML/XML entities decoded, with
/// GitHub workflow-command escapes decoded, and every string of it if it is JSON.
fn readings(text: &str) -> Vec<String> {
    let mut out = vec![
        text.to_string(),
        text.replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#10;", "\n")
            .replace("&#xA;", "\n")
            .replace("&amp;", "&"),
        text.replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%"),
    ];
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        let mut strings = String::new();
        collect_strings(&v, &mut strings);
        out.push(strings);
    }
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push_str(k);
            out.push('\n');
            collect_strings(x, out);
        }),
        _ => {}
    }
}

/// The leaks of any form of any secret in any output: for each output and secret, the first
/// form found (with where).
pub fn leaks(outputs: &[(String, String)], secrets: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in outputs {
        let readings = readings(text);
        for (label, secret) in secrets {
            let before = found.len();
            for (form, value) in forms(secret) {
                if found.len() > before {
                    break;
                }
                let prefix: String = value.chars().take(8).collect();
                for r in &readings {
                    if r.contains(&value) {
                        found.push(format!("{name}: {label} ({form}) `{value}`"));
                        break;
                    }
                    if prefix.chars().count() == 8 && r.contains(&prefix) {
                        let at = r.find(&prefix).unwrap();
                        let start = r[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
                        let context: String = r[start..].chars().take(100).collect();
                        found.push(format!(
                            "{name}: {label} ({form}) prefix `{prefix}` in `{context}`"
                        ));
                        break;
                    }
                }
            }
        }
    }
    found
}

/// Panic listing every leak.
pub fn assert_no_leaks(outputs: &[(String, String)], secrets: &[(&str, &str)]) {
    let found = leaks(outputs, secrets);
    assert!(
        found.is_empty(),
        "{} leaks:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Every file under `dir` (reports), as outputs named by their file name.
pub fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
            ));
        }
    }
    out
}

/// Send a signal (`INT`, `TERM`) to a child.
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} failed");
}

/// Wait for `cond` for at most `limit`, panicking with `what` when it never holds.
pub fn wait_until(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "{what} (waited {limit:?})");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Wait for the child to exit (at most `limit`, else kill it and panic), watching its peak
/// resident memory (`VmHWM` from /proc) until its last moment. Returns (exit code, peak bytes).
pub fn wait_with_peak(child: &mut Child, limit: Duration) -> (Option<i32>, u64) {
    let start = Instant::now();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        // Read before checking for exit: the last reading is from just before it ended.
        if let Ok(s) = std::fs::read_to_string(&status_file)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), peak);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
