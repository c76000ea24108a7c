//! curl command lines into a baton collection: one request per command.
//!
//! The mapping is lossless for the common shape `curl -X METHOD 'URL' -H 'K: V' --data-raw 'BODY'`:
//! headers keep their order and spelling, a URL query or form body becomes a map only
//! when the map sends the same bytes, and `follow_redirects: false` is written exactly
//! when `-L` is absent (curl does not follow redirects without it).
//!
//! The input is read as a shell script would be, so what `baton export curl` prints comes
//! back: several commands (split by newlines, `;`, `&&`, `||`), each named by the `# name`
//! comment above it, and shell variables (`${name}`, `$name`, unquoted or in double quotes)
//! as the templates `{{ name }}`, declared in `vars` with an empty value.

use std::collections::BTreeSet;

use super::writer::{Y, document};
use super::{Converted, ImportError, Names};

mod cmd;
mod options;
mod words;

use cmd::{Cmd, OneRequest};
use options::{long_opt, short_opt};
use words::{Command, VAR_CLOSE, VAR_OPEN, lit, script};

/// Converts curl commands (`\` line continuations allowed; each starts with `curl`) into one
/// collection with a request per command.
pub fn curl(input: &str) -> Result<Converted, ImportError> {
    if input.contains([VAR_OPEN, VAR_CLOSE]) {
        return Err(ImportError::CurlSyntax(
            "the text contains the private-use characters U+E000 or U+E001; remove them".into(),
        ));
    }
    let commands = script(input)?;
    if commands.is_empty() {
        return Err(ImportError::CurlEmpty);
    }
    let mut import = Import {
        many: commands.len() > 1,
        ..Import::default()
    };
    for c in commands {
        import.add(c)?;
    }
    Ok(import.converted())
}

/// One import under way: the requests converted so far and what they share (titles,
/// variables, warnings).
#[derive(Default)]
struct Import {
    /// More than one command: errors name the line, warnings the request.
    many: bool,
    names: Names,
    /// Shell variables seen, in order, as template names.
    vars: Vec<String>,
    requests: Vec<Y>,
    warnings: Vec<String>,
    titles: BTreeSet<String>,
}

impl Import {
    /// Converts one command and adds its request, named by the comment above it.
    fn add(&mut self, c: Command) -> Result<(), ImportError> {
        let mut done = command(c.words).map_err(|e| self.located(e, c.line))?;
        let title = self.unique(c.comments.first().cloned().unwrap_or(done.name));
        if let Some(n) = done.request.get_mut("name") {
            *n = Y::str(title.clone());
        }
        let mut notes: Vec<String> = c.comments.iter().skip(1).cloned().collect();
        notes.extend(done.notes.iter().map(|n| lit(n)));
        done.request.comment(notes);
        let mut in_keys = Vec::new();
        templates(
            &mut done.request,
            &mut self.names,
            &mut self.vars,
            &mut in_keys,
        );
        for k in in_keys {
            done.warnings.push(format!(
                "`{k}` is a name (a header, field or key), not a template; it is kept as text"
            ));
        }
        for w in &done.warnings {
            self.warnings.push(if self.many {
                format!("{title}: {}", lit(w))
            } else {
                lit(w)
            });
        }
        self.requests.push(done.request);
        Ok(())
    }

    /// An error in the user's words, with the command's line when there are several.
    fn located(&self, e: ImportError, line: usize) -> ImportError {
        let e = readable(e);
        if self.many {
            ImportError::CurlAt {
                line,
                source: Box::new(e),
            }
        } else {
            e
        }
    }

    /// `title`, or `title (2)`, `title (3)`... when another request has it.
    fn unique(&mut self, base: String) -> String {
        let mut title = base.clone();
        let mut i = 2;
        while !self.titles.insert(title.clone()) {
            title = format!("{base} ({i})");
            i += 1;
        }
        title
    }

    /// The collection document: `version`, `vars` (the shell variables, empty) and `requests`.
    fn converted(mut self) -> Converted {
        self.warnings.extend(self.names.warnings());
        let mut doc = Y::map();
        doc.put("version", Y::Int(1));
        if !self.vars.is_empty() {
            doc.put("vars", self.empty_vars());
        }
        let n = self.requests.len();
        doc.put("requests", Y::Seq(self.requests));
        doc.order(crate::format::keys::TOP);
        let header = vec![if self.many {
            format!("Imported from {n} curl commands by `baton import curl`.")
        } else {
            "Imported from a curl command by `baton import curl`.".to_string()
        }];
        Converted {
            yaml: document(&Y::Noted(header, Box::new(doc))),
            warnings: self.warnings,
        }
    }

    /// The shell variables declared with empty values, and the warning that says so.
    fn empty_vars(&mut self) -> Y {
        let mut v = Y::map();
        v.comment(vec![
            "shell variables of the curl commands: give them with --var NAME=VALUE or --env FILE"
                .into(),
        ]);
        for name in &self.vars {
            v.put(name.clone(), Y::str(""));
        }
        self.warnings.push(format!(
            "{} declared in `vars` with an empty value: give {} with --var NAME=VALUE or --env FILE",
            list(&self.vars),
            if self.vars.len() == 1 { "it" } else { "them" }
        ));
        v
    }
}

/// "the variable `a` is" / "the variables `a`, `b` are".
fn list(vars: &[String]) -> String {
    let shown: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
    match shown.len() {
        1 => format!("the variable {} is", shown[0]),
        _ => format!("the variables {} are", shown.join(", ")),
    }
}

/// An error's words as the user wrote them.
fn readable(e: ImportError) -> ImportError {
    use ImportError::*;
    match e {
        CurlSyntax(s) => CurlSyntax(lit(&s)),
        NotCurl(s) => NotCurl(lit(&s)),
        CurlMissingValue(s) => CurlMissingValue(lit(&s)),
        CurlUnsupported { flag, why } => CurlUnsupported {
            flag: lit(&flag),
            why: lit(&why),
        },
        CurlUnknownOption(s) => CurlUnknownOption(lit(&s)),
        CurlManyUrls(a, b) => CurlManyUrls(lit(&a), lit(&b)),
        other => other,
    }
}

/// Turns the variables in the request's strings into templates (`{{ name }}`, collecting the
/// names in `vars`); in keys, which are not templates, they are written back as `${name}`.
fn templates(y: &mut Y, names: &mut Names, vars: &mut Vec<String>, in_keys: &mut Vec<String>) {
    match y {
        Y::Str(s) if s.contains(VAR_OPEN) => {
            let mut out = String::with_capacity(s.len() + 8);
            let mut rest = s.as_str();
            while let Some(i) = rest.find(VAR_OPEN) {
                out.push_str(&rest[..i]);
                let after = &rest[i + VAR_OPEN.len_utf8()..];
                let j = after.find(VAR_CLOSE).unwrap_or(after.len());
                let name = names.ident(&after[..j]);
                out.push_str("{{ ");
                out.push_str(&name);
                out.push_str(" }}");
                if !vars.contains(&name) {
                    vars.push(name);
                }
                rest = after.get(j + VAR_CLOSE.len_utf8()..).unwrap_or("");
            }
            out.push_str(rest);
            *s = out;
        }
        Y::Seq(items) => {
            for i in items {
                templates(i, names, vars, in_keys);
            }
        }
        Y::Map(entries) => {
            for (k, v) in entries {
                if k.contains(VAR_OPEN) {
                    *k = lit(k);
                    in_keys.push(k.clone());
                }
                templates(v, names, vars, in_keys);
            }
        }
        Y::Noted(_, v) => templates(v, names, vars, in_keys),
        _ => {}
    }
}

/// Converts one command's words (`curl` first).
fn command(words: Vec<String>) -> Result<OneRequest, ImportError> {
    let mut words = words.into_iter().peekable();
    match words.next() {
        Some(w) if w == "curl" || w.ends_with("/curl") || w == "curl.exe" => {}
        Some(w) => return Err(ImportError::NotCurl(w)),
        None => return Err(ImportError::NotCurl(String::new())),
    }
    let mut c = Cmd::default();
    let mut only_urls = false;
    while let Some(w) = words.next() {
        if only_urls || !w.starts_with('-') || w == "-" {
            c.url(w)?;
            continue;
        }
        if w == "--" {
            only_urls = true;
            continue;
        }
        if let Some(long) = w.strip_prefix("--") {
            let opt = long_opt(long).ok_or_else(|| ImportError::CurlUnknownOption(w.clone()))?;
            let arg = if opt.takes_arg() {
                Some(
                    words
                        .next()
                        .ok_or_else(|| ImportError::CurlMissingValue(w.clone()))?,
                )
            } else {
                None
            };
            c.apply(opt, &w, arg)?;
        } else {
            // A cluster of short options: `-sSL`, `-XPOST`, `-HAccept:x`.
            for (i, ch) in w[1..].char_indices() {
                let flag = format!("-{ch}");
                let opt =
                    short_opt(ch).ok_or_else(|| ImportError::CurlUnknownOption(flag.clone()))?;
                if opt.takes_arg() {
                    let rest = &w[1 + i + ch.len_utf8()..];
                    let arg = if rest.is_empty() {
                        words
                            .next()
                            .ok_or_else(|| ImportError::CurlMissingValue(flag.clone()))?
                    } else {
                        rest.to_string()
                    };
                    c.apply(opt, &flag, Some(arg))?;
                    break;
                }
                c.apply(opt, &flag, None)?;
            }
        }
    }
    c.finish()
}

#[cfg(test)]
mod tests;
