//! The generated files: one document per group of requests, variables used but not
//! defined, captures that cross files, and where each request landed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::super::writer::{Y, document};
use super::super::{Imported, slug};
use super::{Cx, Flat, GLOBALS, list_names, refs, shown_path};

/// What one file's requests use and define.
struct Used {
    missing: Vec<String>,
    captured: Vec<String>,
    refs: BTreeSet<String>,
}

pub(super) fn files(
    cx: &mut Cx,
    groups: Vec<(Option<String>, Vec<Flat>)>,
    name: &str,
    vars: &[(String, Y)],
    default_auth: Option<&Y>,
    out: Option<&Path>,
    imported: &mut Imported,
) {
    let split = out.is_some();
    let mut used_files = BTreeSet::new();
    let mut captured_in: BTreeMap<String, String> = BTreeMap::new();
    let mut file_refs: Vec<(String, BTreeSet<String>)> = Vec::new();
    for (folder, flats) in groups {
        let title = folder.clone().unwrap_or_else(|| name.to_string());
        let file = unique_file(&title, &mut used_files);
        let scripted: Vec<(usize, usize)> = flats.iter().map(|f| (f.kept, f.dropped)).collect();
        let requests: Vec<Y> = flats.into_iter().map(|f| f.request(split)).collect();
        let (requests, used) = finish_requests(cx, requests, vars, default_auth);
        let counts: Vec<(String, usize, usize, bool)> = requests
            .iter()
            .zip(scripted)
            .map(|(r, (kept, dropped))| {
                let name = match r.get("name") {
                    Some(Y::Str(n)) => n.clone(),
                    _ => String::new(),
                };
                (name, kept, dropped, kept + dropped > 0)
            })
            .collect();
        for c in used.captured {
            captured_in.entry(c).or_insert_with(|| file.clone());
        }
        file_refs.push((file.clone(), used.refs));
        // Warnings name where the text goes: `<stdout>` unless files are written.
        let shown = shown_path(out, &file);
        let doc = file_document(
            cx,
            &title,
            name,
            vars,
            &used.missing,
            &shown,
            default_auth,
            requests,
        );
        request_notes(cx, &doc, &shown, &counts);
        imported.files.push((PathBuf::from(file), doc));
    }
    if split {
        cross_file_warnings(cx, &file_refs, &captured_in);
    }
}

#[allow(clippy::too_many_arguments)]
fn file_document(
    cx: &mut Cx,
    title: &str,
    name: &str,
    vars: &[(String, Y)],
    missing: &[String],
    shown: &str,
    default_auth: Option<&Y>,
    requests: Vec<Y>,
) -> String {
    let mut doc = Y::map();
    doc.put("version", Y::Int(1));
    doc.put("name", Y::str(title));
    let mut vmap = Y::map();
    for (k, v) in vars {
        vmap.put(k.clone(), v.clone());
    }
    if !missing.is_empty() {
        vmap.comment(vec![
            "used but not defined in the collection (Postman environment or globals?):".into(),
            "give them with --env FILE (see `baton import postman-env`) or --var NAME=VALUE;"
                .into(),
            "until then each is sent as its own `{{name}}` text, as Newman sends it".into(),
        ]);
        for m in missing {
            vmap.put(m.clone(), Y::Str(format!("{{{{ '{{{{' }}}}{m}}}}}")));
        }
        cx.warnings.push(format!(
            "{shown}: {} used but not defined in the collection; sent as their `{{{{name}}}}` text, as Newman does: give them with --env or --var",
            list_names(missing)
        ));
    }
    if !vmap.is_empty_map() {
        doc.put("vars", vmap);
    }
    if let Some(auth) = default_auth {
        doc.put("defaults", Y::Map(vec![("auth".into(), auth.clone())]));
    }
    doc.put("requests", Y::Seq(requests));
    doc.order(crate::format::keys::TOP);
    let mut header = vec![format!(
        "Imported from the Postman collection \"{name}\" by `baton import postman`."
    )];
    header.extend(cx.top_comments.iter().cloned());
    document(&Y::Noted(header, Box::new(doc)))
}

/// `file:line: request NAME: N checks and captures kept, M assertions dropped` for each
/// request that had scripts.
fn request_notes(cx: &mut Cx, doc: &str, shown: &str, counts: &[(String, usize, usize, bool)]) {
    let starts = doc
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("  - name: "))
        .map(|(i, _)| i + 1);
    for (line, (name, kept, dropped, scripted)) in starts.zip(counts) {
        if *scripted {
            cx.warnings.push(format!(
                "{shown}:{line}: request `{name}`: {kept} assertions kept, {dropped} dropped{}",
                if *dropped > 0 {
                    " (kept as comments)"
                } else {
                    ""
                }
            ));
        }
    }
}

fn cross_file_warnings(
    cx: &mut Cx,
    file_refs: &[(String, BTreeSet<String>)],
    captured_in: &BTreeMap<String, String>,
) {
    for (file, refs) in file_refs {
        for r in refs {
            if let Some(src) = captured_in.get(r)
                && src != file
            {
                cx.warnings.push(format!(
                    "{file} uses `{r}`, which {src} captures; captures do not cross collection files: add `- include: {src}` at the top of its requests, or import without -o"
                ));
            }
        }
    }
}

/// Makes names unique and finds variables used before anything defines them.
fn finish_requests(
    cx: &mut Cx,
    requests: Vec<Y>,
    vars: &[(String, Y)],
    default_auth: Option<&Y>,
) -> (Vec<Y>, Used) {
    let mut defined: BTreeSet<String> = vars.iter().map(|(k, _)| k.clone()).collect();
    defined.extend(GLOBALS.iter().map(|s| s.to_string()));
    defined.insert("fake".into());
    let mut used_all = Used {
        missing: Vec::new(),
        captured: Vec::new(),
        refs: BTreeSet::new(),
    };
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for mut r in requests {
        unique_name(cx, &mut r, &mut names);
        let used = request_refs(&r, default_auth);
        for u in &used {
            if !defined.contains(u) && !used_all.missing.contains(u) {
                used_all.missing.push(u.clone());
            }
        }
        used_all.refs.extend(used);
        if let Some(Y::Map(caps)) = r.get("capture") {
            for (k, _) in caps {
                defined.insert(k.clone());
                used_all.captured.push(k.clone());
            }
        }
        out.push(r);
    }
    for r in &mut out {
        if let Some(Y::Map(checks)) = r.get_mut("expect").and_then(|e| e.get_mut("vars")) {
            for (name, pred) in checks.iter_mut() {
                if used_all.missing.contains(name) {
                    *pred = placeholder_check(name, std::mem::replace(pred, Y::Null));
                }
            }
        }
    }
    (out, used_all)
}

/// A check on a variable that is used but not defined: until it is given, it holds the
/// `{{name}}` text it is sent as, which for Postman is no value at all (`undefined`). So
/// "set" means "not that text", and "unset" means "that text".
fn placeholder_check(name: &str, pred: Y) -> Y {
    let text = Y::Str(format!("{{{{ '{{{{' }}}}{name}}}}}"));
    let Y::Map(mut m) = pred else {
        // A plain value (eq): never the placeholder text itself.
        return pred;
    };
    match m.iter().position(|(k, _)| k == "exists") {
        Some(i) if m[i].1 == Y::Bool(false) => {
            m[i] = ("eq".into(), text);
            return Y::Map(m);
        }
        Some(i) => {
            m.remove(i);
        }
        None => {}
    }
    if !m.iter().any(|(k, _)| k == "ne") {
        m.insert(0, ("ne".into(), text));
    }
    Y::Map(m)
}

fn unique_name(cx: &mut Cx, r: &mut Y, names: &mut BTreeSet<String>) {
    if let Some(Y::Str(n)) = r.get_mut("name") {
        let base = n.clone();
        let mut i = 2;
        while !names.insert(n.clone()) {
            *n = format!("{base} ({i})");
            i += 1;
        }
        if *n != base {
            cx.warnings.push(format!(
                "two requests are named `{base}`; the second is renamed `{n}`"
            ));
        }
    }
}

/// Variables a request's templates read (its expectations included).
fn request_refs(r: &Y, default_auth: Option<&Y>) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for key in [
        "url",
        "query",
        "headers",
        "auth",
        "json",
        "form",
        "multipart",
        "body",
        "expect",
    ] {
        if let Some(v) = r.get(key) {
            refs(v, &mut used);
        }
    }
    if r.get("auth").is_none()
        && let Some(a) = default_auth
    {
        refs(a, &mut used);
    }
    used
}

fn unique_file(title: &str, used: &mut BTreeSet<String>) -> String {
    let mut file = slug(title, "collection");
    let mut i = 2;
    while !used.insert(file.clone()) {
        file = format!("{}-{i}", slug(title, "collection"));
        i += 1;
    }
    format!("{file}.yaml")
}
