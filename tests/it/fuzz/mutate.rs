//! Mutations: byte-level (flips, splices, invalid UTF-8), YAML-aware (keys from
//! `baton::format::keys`, odd values, indentation, deep nesting, anchors and aliases, tabs,
//! BOMs) and text-level for templates, all driven by the seeded generator.

use rand::Rng as _;
use rand::seq::IndexedRandom as _;

use super::engine::Rng;

/// Inputs stay below this size, except the blow-ups that repeat lines on purpose.
pub const MAX_LEN: usize = 64 << 10;
const MAX_BLOWN: usize = 1 << 20;

/// What YAML-aware mutations insert.
pub struct Dict {
    pub keys: Vec<&'static str>,
    pub values: Vec<String>,
}

/// YAML values worth trying anywhere: odd scalars, numbers at the edges, templates, paths,
/// regexes, durations, tags, anchors.
pub fn odd_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "~",
        "null",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "''",
        "\"\"",
        "[]",
        "{}",
        "[[]]",
        "{a: }",
        "0",
        "-0",
        "-1",
        "1.5",
        "1e999",
        "-1e999",
        ".inf",
        "-.inf",
        ".nan",
        "0x7FFFFFFFFFFFFFFF",
        "0o777",
        "0b101",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "340282366920938463463374607431768211457",
        "99999999999999999999999999999999999999999999999999",
        "4294967296",
        "65536",
        "1_000",
        "+12",
        "1e-400",
        "2001-12-14t21:59:43.10-05:00",
        "0ms",
        "1ms",
        "250ms",
        "10s",
        "1m30s",
        "99999999999h",
        "18446744073709551615s",
        "1.5s",
        "-1s",
        "1 year",
        "P1D",
        "PT1S",
        "10",
        "GET",
        "PURGE",
        "\"GET \\r\\nX: y\"",
        "none",
        "basic",
        "body",
        "HS256",
        "RS256",
        "ES256",
        "string",
        "integer",
        "object",
        "http://x/",
        "\"http://[::1]:0/a b\"",
        "\"\\u0000\"",
        "\"\\uD800\"",
        "\"\\t\\r\\n\"",
        "\"\\x7f\\x1b[31m\"",
        "'it''s'",
        "\"{{ x }}\"",
        "\"{{ base_url }}/x\"",
        "\"{{ secret('FUZZ_SECRET') }}\"",
        "\"{{ env('FUZZ_SECRET') }}\"",
        "\"{{ env(secret('FUZZ_SECRET')) }}\"",
        "\"{{ secret('FUZZ_SECRET') | int }}\"",
        "\"{{ random_int(secret('FUZZ_SECRET'), 1) }}\"",
        "\"{{ secret('FUZZ_SECRET') | b64decode }}\"",
        "\"{{ secret('FUZZ_SECRET') + 1 }}\"",
        "\"{{ secret('FUZZ_SECRET').x.y }}\"",
        "\"{{ secret('FUZZ_SECRET')[99] }}\"",
        "\"{{ secret('FUZZ_SECRET') | format(1) }}\"",
        "\"{{ [secret('FUZZ_SECRET')] | join(1) }}\"",
        "\"{{ secret_var }}\"",
        "\"{{ secret_var | int }}\"",
        "\"{{ env(secret_var) }}\"",
        "\"{{ secret('NOPE') }}\"",
        "\"{{ uuid() }}\"",
        "\"{{ now() | format('%Y') }}\"",
        "\"{{ random_int(9223372036854775807, -9223372036854775808) }}\"",
        "\"{{ random_int(-9223372036854775808, 9223372036854775807) }}\"",
        "\"{{ 'a' * 1000 }}\"",
        "\"{{ range(100000) | list | length }}\"",
        "\"{{ x\"",
        "\"{% if %}\"",
        "\"{{ item }}\"",
        "\"{{ index }}\"",
        "\"{{ callback_url }}\"",
        "\"{{ inc_var }}\"",
        "\"{{ env_var }}\"",
        "\"{{ a.b[0] }}\"",
        "\"{{ x }}{{ y }}\"",
        "\"}}{{\"",
        "\"{#\"",
        "$",
        "$.a",
        "$..*",
        "$[*]",
        "$['a']",
        "$[0]",
        "$[-1]",
        "$[9223372036854775807]",
        "$[-9223372036854775808]",
        "$[0:10:0]",
        "$[::-1]",
        "\"$[?@.a > 1]\"",
        "\"$[?length(@) > 1]\"",
        "\"$[?match(@.a, '[a-z]+')]\"",
        "\"$[?search(@, '(a+)+$')]\"",
        "\"$..[?@..*]\"",
        "$.",
        "$[",
        "\"$.a\\\\b\"",
        "'(a+)+$'",
        "'['",
        "'\\d{99999}'",
        "'(?i)x'",
        "'.*'",
        "'(((((((((x)))))))))'",
        "Authorization",
        "Set-Cookie",
        "Content-Type",
        "\"bad header\"",
        "\"\\u00e9t\\u00e9\"",
        "café",
        "\"\\U0001F600\"",
        "!!binary aGVsbG8=",
        "!!str 12",
        "!!int '12'",
        "!!float 1",
        "!!map {}",
        "!!seq []",
        "!!set {a}",
        "!custom x",
        "!<tag:yaml.org,2002:str> x",
        "&a x",
        "*a",
        "&b [*a, *a]",
        "*b",
        "<<: *a",
        "|\n  block\n  text",
        ">-\n  folded",
        "|+\n\n",
        "? complex\n: key",
        "schema.json",
        "bad-schema.json",
        "body.txt",
        "inc.yaml",
        "c.yaml",
        "missing.yaml",
        "/dev/null",
        "..",
        ".",
        "''",
        "[1, 2, 3]",
        "{ json: $.a }",
        "{ json: $.a, secret: true }",
        "{ header: Set-Cookie, regex: 'sid=(\\w+)' }",
        "{ body: true, regex: '(' }",
        "{ eq: 1 }",
        "{ not: { eq: 1 } }",
        "{ not: { not: { exists: true } } }",
        "{ length: { gt: 0 } }",
        "{ one_of: [1, 2] }",
        "{ type: strin }",
        "{ matches: '[' }",
        "{ jwt: { key: k } }",
        "{ file: body.txt }",
        "{ file: missing.txt }",
        "{ attempts: 0, interval: 1ms }",
        "{ attempts: 4294967296, interval: 1ms }",
        "{ path: /x/{id}, timeout: 1ms }",
        "{ bearer: \"{{ secret('FUZZ_SECRET') }}\" }",
        "{ basic: { username: u, password: \"{{ secret('FUZZ_SECRET') }}\" } }",
        "{ api_key: { header: X-Key, value: v } }",
        "{ oauth2: { token_url: http://x/t, client_id: a, client_secret: b } }",
        "- include: inc.yaml",
        "- include: c.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("a".repeat(5000));
    v.push(format!("\"{}\"", "\\u0041".repeat(500)));
    v.push(format!("{}{}", "[".repeat(300), "]".repeat(300)));
    v.push(format!("{}x{}", "{a: ".repeat(100), "}".repeat(100)));
    v.push(format!("\"{}\"", "{{".repeat(50)));
    v
}

/// Every key of the collection format, from its one list.
pub fn collection_keys() -> Vec<&'static str> {
    use baton::format::keys::*;
    let mut k: Vec<&'static str> = Vec::new();
    for list in [
        TOP,
        DEFAULTS,
        REQUEST,
        AUTH_KINDS,
        BASIC,
        API_KEY,
        OAUTH2,
        MULTIPART_FILE,
        BODY_FILE,
        GRAPHQL,
        RETRY,
        RECEIVE,
        RECEIVE_RESPOND,
        EXPECT,
        SNAPSHOT,
        PREDICATES,
        JWT,
        CAPTURE_SOURCES,
        CAPTURE_OPTIONS,
    ] {
        k.extend_from_slice(list);
    }
    k.extend([
        "$.a",
        "$",
        "x",
        "Authorization",
        "base_url",
        "<<",
        "? x",
        "- x",
    ]);
    k.sort();
    k.dedup();
    k
}

/// The mock file's keys.
pub fn mock_keys() -> Vec<&'static str> {
    vec![
        "routes", "serves", "when", "respond", "method", "path", "query", "headers", "json",
        "status", "body", "delay", "callback", "url", "<<", "x",
    ]
}

fn lines_of(b: &[u8]) -> Vec<&[u8]> {
    b.split(|c| *c == b'\n').collect()
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    lines.join(&b'\n')
}

fn indent_of(line: &[u8]) -> usize {
    line.iter().take_while(|c| **c == b' ').count()
}

/// A random position, at a char boundary when the text is UTF-8.
fn pos(rng: &mut Rng, b: &[u8]) -> usize {
    if b.is_empty() {
        return 0;
    }
    let p = rng.random_range(0..=b.len());
    match std::str::from_utf8(b) {
        Ok(s) => {
            let mut p = p;
            while !s.is_char_boundary(p) {
                p -= 1;
            }
            p
        }
        Err(_) => p,
    }
}

const INTERESTING_BYTES: &[u8] = b"\0\t\n\r \"'#&*!|>%@`:-?,[]{}$\\\x7f\xff";

/// YAML-aware havoc: one to a few stacked mutations of a YAML file.
pub fn yaml(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], dict: &Dict) -> Vec<u8> {
    let mut out = input.to_vec();
    let n = 1 + rng.random_range(0..4) * rng.random_range(0..2);
    for _ in 0..n {
        out = one_yaml(rng, &out, corpus, dict);
        if out.len() > MAX_BLOWN {
            out.truncate(MAX_BLOWN);
        }
    }
    out
}

fn one_yaml(rng: &mut Rng, b: &[u8], corpus: &[Vec<u8>], dict: &Dict) -> Vec<u8> {
    let mut out = b.to_vec();
    let big = out.len() > MAX_LEN;
    match rng.random_range(0..25) {
        0 => {
            // Flip a bit.
            if !out.is_empty() {
                let i = rng.random_range(0..out.len());
                out[i] ^= 1 << rng.random_range(0..8);
            }
        }
        1 => {
            // An interesting byte.
            if !out.is_empty() {
                let i = rng.random_range(0..out.len());
                out[i] = *INTERESTING_BYTES.choose(rng).unwrap();
            }
        }
        2 => {
            // Delete a range.
            if !out.is_empty() {
                let i = rng.random_range(0..out.len());
                let len = rng.random_range(1..=64.min(out.len() - i));
                out.drain(i..i + len);
            }
        }
        3 if !big => {
            // Duplicate a range.
            if !out.is_empty() {
                let i = rng.random_range(0..out.len());
                let len = rng.random_range(1..=256.min(out.len() - i));
                let chunk = out[i..i + len].to_vec();
                let at = pos(rng, &out);
                out.splice(at..at, chunk);
            }
        }
        4 | 5 => {
            // A key: value line after a random line, at its indentation or deeper.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let i = rng.random_range(0..lines.len());
            let mut ind = indent_of(&lines[i]);
            if lines[i].trim_ascii_start().starts_with(b"- ") && rng.random_bool(0.5) {
                ind += 2;
            }
            match rng.random_range(0..4) {
                0 => ind += 2,
                1 => ind = ind.saturating_sub(2),
                _ => {}
            }
            let key = dict.keys.choose(rng).unwrap();
            let value = dict.values.choose(rng).unwrap();
            let dash = if rng.random_bool(0.15) { "- " } else { "" };
            let line = format!("{}{dash}{key}: {value}", " ".repeat(ind));
            let at = if rng.random_bool(0.5) { i + 1 } else { i };
            let new_lines: Vec<Vec<u8>> = lines_of(line.as_bytes())
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            lines.splice(at..at, new_lines);
            out = join(&lines);
        }
        6 | 7 => {
            // Replace the value of a `key: value` line.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|i| find_colon(&lines[*i]).is_some())
                .collect();
            if let Some(&i) = candidates.choose(rng) {
                let c = find_colon(&lines[i]).unwrap();
                let value = dict.values.choose(rng).unwrap();
                let mut l = lines[i][..c + 1].to_vec();
                l.push(b' ');
                l.extend_from_slice(value.as_bytes());
                // A multi-line value keeps the indentation of the line it replaces.
                let ind = indent_of(&lines[i]) + 2;
                let l =
                    String::from_utf8_lossy(&l).replace('\n', &format!("\n{}", " ".repeat(ind)));
                lines[i] = l.into_bytes();
            }
            out = join(&lines);
        }
        8 if !big => {
            // Replace a key with another.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|i| find_colon(&lines[*i]).is_some())
                .collect();
            if let Some(&i) = candidates.choose(rng) {
                let c = find_colon(&lines[i]).unwrap();
                let line = &lines[i];
                let start = indent_of(line)
                    + if line[indent_of(line)..].starts_with(b"- ") {
                        2
                    } else {
                        0
                    };
                if start <= c {
                    let key = dict.keys.choose(rng).unwrap();
                    let mut l = line[..start].to_vec();
                    l.extend_from_slice(key.as_bytes());
                    l.extend_from_slice(&line[c..]);
                    lines[i] = l;
                }
            }
            out = join(&lines);
        }
        9 => {
            // Indentation: a space more or less, or a tab.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let i = rng.random_range(0..lines.len());
            match rng.random_range(0..4) {
                0 => lines[i].insert(0, b' '),
                1 => {
                    if lines[i].first() == Some(&b' ') {
                        lines[i].remove(0);
                    }
                }
                2 => lines[i].insert(0, b'\t'),
                _ => {
                    let ind = indent_of(&lines[i]);
                    if ind >= 2 {
                        lines[i].splice(0..2, [b'\t']);
                    }
                }
            }
            out = join(&lines);
        }
        10 => {
            // Duplicate, delete or swap lines.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let i = rng.random_range(0..lines.len());
            let j = rng.random_range(0..lines.len());
            match rng.random_range(0..3) {
                0 if !big => {
                    let l = lines[i].clone();
                    lines.insert(j, l);
                }
                1 => {
                    lines.remove(i);
                }
                _ => lines.swap(i, j),
            }
            out = join(&lines);
        }
        11 => {
            // Splice: the head of this input and the tail of another, at line boundaries.
            let other = corpus.choose(rng).unwrap();
            let a: Vec<&[u8]> = lines_of(&out);
            let b: Vec<&[u8]> = lines_of(other);
            let i = rng.random_range(0..=a.len());
            let j = rng.random_range(0..=b.len());
            let mut lines: Vec<Vec<u8>> = a[..i].iter().map(|l| l.to_vec()).collect();
            lines.extend(b[j..].iter().map(|l| l.to_vec()));
            out = join(&lines);
        }
        12 => {
            // A line of another input, at this line's indentation.
            let other = corpus.choose(rng).unwrap();
            let b: Vec<&[u8]> = lines_of(other);
            let src = b.choose(rng).unwrap().trim_ascii_start();
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let i = rng.random_range(0..lines.len());
            let mut l = vec![b' '; indent_of(&lines[i])];
            l.extend_from_slice(src);
            if rng.random_bool(0.5) {
                lines[i] = l;
            } else {
                lines.insert(i, l);
            }
            out = join(&lines);
        }
        13 => {
            // Deep nesting, in flow or block style.
            let depth = *[10usize, 63, 64, 65, 200, 255, 256, 1000, 5000]
                .choose(rng)
                .unwrap();
            let nest = match rng.random_range(0..4) {
                0 => format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
                1 => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
                2 => {
                    let mut s = String::new();
                    for d in 0..depth.min(400) {
                        s.push('\n');
                        s.push_str(&" ".repeat(d + 2));
                        s.push_str("k:");
                    }
                    s.push_str(" 1");
                    s
                }
                _ => format!("{}x", "- ".repeat(depth)),
            };
            let at = value_position(rng, &out);
            out.splice(at..at, nest.into_bytes());
        }
        14 => {
            // A byte-order mark, at the start or anywhere.
            let at = if rng.random_bool(0.7) {
                0
            } else {
                pos(rng, &out)
            };
            out.splice(at..at, "\u{feff}".bytes());
        }
        15 => {
            // Invalid UTF-8.
            let bad: &[&[u8]] = &[
                b"\xc3",
                b"\xff",
                b"\xed\xa0\x80",
                b"\xc0\xaf",
                b"\xf8\x88\x80\x80\x80",
                b"\xe2\x82",
                b"\xfe\xff",
            ];
            let at = pos(rng, &out);
            out.splice(at..at, bad.choose(rng).unwrap().iter().copied());
        }
        16 => {
            // Anchors and aliases: an anchored value reused, or a chain of expansions.
            if rng.random_bool(0.5) {
                let mut s = String::from(
                    "\nx0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
                );
                // Each level multiplies by nine; the parser's budget stops the deep ones.
                let levels = if rng.random_bool(0.03) {
                    rng.random_range(5..10)
                } else {
                    rng.random_range(2..5)
                };
                for i in 1..levels {
                    let refs = vec![format!("*a{}", i - 1); 9].join(", ");
                    s.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
                }
                out.extend_from_slice(s.as_bytes());
            } else {
                let mut lines: Vec<Vec<u8>> =
                    lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
                let with: Vec<usize> = (0..lines.len())
                    .filter(|i| find_colon(&lines[*i]).is_some())
                    .collect();
                if with.len() >= 2 {
                    let a = *with.choose(rng).unwrap();
                    let b = *with.choose(rng).unwrap();
                    let ca = find_colon(&lines[a]).unwrap();
                    lines[a].splice(ca + 1..ca + 1, b" &anc".iter().copied());
                    let cb = find_colon(&lines[b]).unwrap();
                    let mut l = lines[b][..cb + 1].to_vec();
                    l.extend_from_slice(if rng.random_bool(0.7) {
                        b" *anc"
                    } else {
                        b" *nope"
                    });
                    lines[b] = l;
                }
                out = join(&lines);
            }
        }
        17 => {
            // A number at the edge of what fits.
            let nums = [
                "0",
                "-1",
                "9223372036854775807",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "1e308",
                "1e309",
                "4294967295",
                "4294967296",
                "65535",
                "65536",
                "999",
                "1000",
                "0.1",
                "-0.0",
                "1e-320",
            ];
            let s = String::from_utf8_lossy(&out).into_owned();
            let digits: Vec<usize> = s
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            if let Some(&i) = digits.choose(rng) {
                let end = s[i..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(s.len(), |e| i + e);
                let mut t = s.clone();
                t.replace_range(i..end, nums.choose(rng).unwrap());
                out = t.into_bytes();
            }
        }
        18 if !big => {
            // A line repeated: a few times, or (rarely, they are slow) tens of thousands.
            let mut lines: Vec<Vec<u8>> = lines_of(&out).into_iter().map(<[u8]>::to_vec).collect();
            let i = rng.random_range(0..lines.len());
            let times = if rng.random_bool(0.1) {
                *[1000usize, 10_000, 30_000].choose(rng).unwrap()
            } else {
                rng.random_range(2..30)
            };
            let l = lines[i].clone();
            let mut grown = Vec::new();
            let mut size = 0;
            for k in 0..times {
                // Different keys, or the same one again and again.
                let mut l2 = l.clone();
                if rng.random_bool(0.5)
                    && let Some(c) = find_colon(&l2)
                {
                    l2.splice(c..c, k.to_string().into_bytes());
                }
                size += l2.len() + 1;
                grown.push(l2);
                if size > MAX_BLOWN {
                    break;
                }
            }
            lines.splice(i..i + 1, grown);
            out = join(&lines);
        }
        23 if !big => {
            // Blow-up: a list item (a request, a route) repeated, each copy's keys suffixed
            // so names and captured variables stay distinct.
            let lines: Vec<&[u8]> = lines_of(&out);
            let items: Vec<usize> = (0..lines.len())
                .filter(|i| lines[*i].trim_ascii_start().starts_with(b"- "))
                .collect();
            if let Some(&start) = items.choose(rng) {
                let ind = indent_of(lines[start]);
                let end = (start + 1..lines.len())
                    .find(|j| {
                        let l = lines[*j];
                        !l.trim_ascii().is_empty() && indent_of(l) <= ind
                    })
                    .unwrap_or(lines.len());
                let item: Vec<&[u8]> = lines[start..end].to_vec();
                let times = if rng.random_bool(0.1) {
                    *[1000usize, 5000].choose(rng).unwrap()
                } else {
                    rng.random_range(2..50)
                };
                let mut copies: Vec<Vec<u8>> = Vec::new();
                let mut size = 0;
                for k in 0..times {
                    for l in &item {
                        let mut l = l.to_vec();
                        if let Some(c) = find_colon(&l)
                            && l.get(c + 1..)
                                .is_some_and(|rest| !rest.trim_ascii().is_empty())
                        {
                            // `name: a` -> `name: a-7`; a capture's `tok: $.t` -> `tok7: $.t`
                            let key = l[..c].trim_ascii_start();
                            let key = key.strip_prefix(b"- ").unwrap_or(key);
                            if key == b"name" {
                                l.extend_from_slice(format!("-{k}").as_bytes());
                            } else if !dict.keys.iter().any(|d| d.as_bytes() == key) {
                                l.splice(c..c, k.to_string().into_bytes());
                            }
                        }
                        size += l.len() + 1;
                        copies.push(l);
                    }
                    if size > MAX_BLOWN {
                        break;
                    }
                }
                let mut all: Vec<Vec<u8>> = lines[..end].iter().map(|l| l.to_vec()).collect();
                all.extend(copies);
                all.extend(lines[end..].iter().map(|l| l.to_vec()));
                out = join(&all);
            }
        }
        19 => {
            // A token of YAML syntax anywhere.
            let toks = [
                ": ",
                "- ",
                "? ",
                "#",
                " # c",
                "&x ",
                "*x",
                "!!str ",
                "!t ",
                "|",
                ">",
                "'",
                "\"",
                "{",
                "}",
                "[",
                "]",
                ",",
                "---\n",
                "...\n",
                "%YAML 1.1\n---\n",
                "%TAG ! tag:x,2000:\n",
                "\t",
                "\r\n",
                "\r",
                "\u{85}",
                "\u{2028}",
                "\\",
                "{{",
                "}}",
                "{%",
                "%}",
                "$",
                "<<: ",
            ];
            let at = pos(rng, &out);
            out.splice(at..at, toks.choose(rng).unwrap().bytes());
        }
        20 => {
            // Insert a dictionary value somewhere.
            let v = dict.values.choose(rng).unwrap();
            let at = pos(rng, &out);
            out.splice(at..at, v.bytes());
        }
        21 => {
            // Line endings: CRLF everywhere, or none at the end.
            if rng.random_bool(0.5) {
                let s = String::from_utf8_lossy(&out).replace('\n', "\r\n");
                out = s.into_bytes();
            } else {
                while out.last() == Some(&b'\n') {
                    out.pop();
                }
            }
        }
        22 => {
            // Cut short.
            let at = pos(rng, &out);
            out.truncate(at);
        }
        _ => {
            // A random byte inserted.
            let at = pos(rng, &out);
            out.insert(at, rng.random());
        }
    }
    out
}

/// The `:` of a `key: value` line (outside quotes), if it has one.
fn find_colon(line: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &c) in line.iter().enumerate() {
        match (quote, c) {
            (None, b'"' | b'\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'#') => return None,
            (None, b':') if line.get(i + 1).is_none_or(|n| *n == b' ') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Just after a `key: ` of a random line, or anywhere.
fn value_position(rng: &mut Rng, b: &[u8]) -> usize {
    let mut starts = vec![0];
    for (i, c) in b.iter().enumerate() {
        if *c == b'\n' {
            starts.push(i + 1);
        }
    }
    let s = *starts.choose(rng).unwrap();
    let end = b[s..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |e| s + e);
    match find_colon(&b[s..end]) {
        Some(c) => s + c + 1,
        None => pos(rng, b),
    }
}

/// Text havoc for template sources and other strings: always valid UTF-8.
pub fn text(rng: &mut Rng, input: &str, others: &[&str], tokens: &[&str]) -> String {
    let mut s = input.to_string();
    let n = 1 + rng.random_range(0..4) * rng.random_range(0..2);
    for _ in 0..n {
        let at = char_pos(rng, &s);
        match rng.random_range(0..9) {
            0..=2 => s.insert_str(at, tokens.choose(rng).unwrap()),
            3 => {
                if !s.is_empty() {
                    let end = char_pos(rng, &s);
                    let (a, b) = if at <= end { (at, end) } else { (end, at) };
                    let b = (a + (b - a).min(32)).min(s.len());
                    let mut b = b;
                    while !s.is_char_boundary(b) {
                        b -= 1;
                    }
                    s.replace_range(a..b, "");
                }
            }
            4 => {
                if let Some(o) = others.choose(rng) {
                    let j = char_pos(rng, o);
                    s = format!("{}{}", &s[..at], &o[j..]);
                }
            }
            5 => {
                let c = *[
                    '\0',
                    '\n',
                    '\t',
                    '\\',
                    '\'',
                    '"',
                    '{',
                    '}',
                    '%',
                    '#',
                    '|',
                    '~',
                    '-',
                    'é',
                    '\u{feff}',
                    '\u{10ffff}',
                    '😀',
                ]
                .choose(rng)
                .unwrap();
                s.insert(at, c);
            }
            6 => {
                // Repeat a chunk.
                let end = char_pos(rng, &s);
                let (a, b) = if at <= end { (at, end) } else { (end, at) };
                let chunk = s[a..b].to_string();
                // Not a hundred: a template chaining a filter a hundred times (each
                // `| b64encode` a third longer) runs out of memory, by design of templates.
                let times = *[2usize, 5, 10].choose(rng).unwrap();
                if chunk.len() * times < MAX_LEN {
                    s.insert_str(b, &chunk.repeat(times));
                }
            }
            7 => {
                // A number at the edge.
                let nums = [
                    "0",
                    "-1",
                    "9223372036854775807",
                    "9223372036854775808",
                    "-9223372036854775808",
                    "18446744073709551616",
                    "1e308",
                    "1e309",
                    "0.0",
                    "100000",
                    "4294967296",
                ];
                s.insert_str(at, nums.choose(rng).unwrap());
            }
            _ => {
                if s.len() > 1 {
                    s.truncate(at);
                }
            }
        }
        if s.len() > MAX_LEN {
            let mut cut = MAX_LEN;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
        }
    }
    s
}

fn char_pos(rng: &mut Rng, s: &str) -> usize {
    let mut p = rng.random_range(0..=s.len());
    while !s.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// Smaller variants of bytes: without a line, then halves, then single bytes off the end.
pub fn shrink_bytes(b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let lines = lines_of(b);
    if lines.len() > 1 {
        // Big chunks of lines first, then single lines.
        let mut chunk = lines.len() / 2;
        while chunk >= 1 {
            let mut i = 0;
            while i < lines.len() {
                let kept: Vec<Vec<u8>> = lines[..i]
                    .iter()
                    .chain(&lines[(i + chunk).min(lines.len())..])
                    .map(|l| l.to_vec())
                    .collect();
                out.push(join(&kept));
                i += chunk;
            }
            chunk /= 2;
        }
    }
    if b.len() > 1 {
        let mut chunk = b.len() / 2;
        while chunk >= 1 && out.len() < 4000 {
            let mut i = 0;
            while i < b.len() {
                let mut v = b[..i].to_vec();
                v.extend_from_slice(&b[(i + chunk).min(b.len())..]);
                out.push(v);
                i += chunk;
            }
            chunk /= 4;
        }
    }
    out
}

/// Smaller variants of a string, always valid UTF-8.
pub fn shrink_text(s: &str) -> Vec<String> {
    shrink_bytes(s.as_bytes())
        .into_iter()
        .filter_map(|b| String::from_utf8(b).ok())
        .collect()
}
