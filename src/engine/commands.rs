//! The commands besides `run`, each from settings to an outcome: `check`, `export curl`,
//! `mock`, `import` and `fmt`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CheckSettings, Console, EngineError, ExportSettings, MockSettings, note_skipped};
use crate::convert::Imported;
use crate::plan;
use crate::secret::Secrets;

/// Check everything `run` would, sending nothing; prints `ok: N collections, M requests`.
pub fn check(s: &CheckSettings, console: &Console) -> Result<(), EngineError> {
    let checked = plan::check(&s.inputs, Secrets::new())?;
    note_skipped(console, &checked, s.list_skipped);
    for w in checked.contracts.iter().flat_map(|(_, c)| c.warnings()) {
        console.note(&w.to_string());
    }
    // Rendering the starting scopes is where a missing secret() shows.
    checked.plan(Vec::new()).map_err(EngineError::Unresolved)?;
    let n: usize = checked.collections.iter().map(|c| c.request_count()).sum();
    let cs = checked.collections.len();
    console.emit(&format!(
        "ok: {cs} collection{}, {n} request{}\n",
        plural(cs),
        plural(n)
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `export curl`: the collection's requests as curl commands, on the output stream.
pub fn export_curl(s: &ExportSettings, console: &Console) -> Result<(), EngineError> {
    let checked = plan::check(&s.inputs, Secrets::new())?;
    let Some(c) = checked.collections.first() else {
        let path = s.inputs.paths.first().map(|p| p.display().to_string());
        return Err(EngineError::usage(format!(
            "{} is included by itself",
            path.unwrap_or_default()
        )));
    };
    let render = if s.render {
        Some(checked.known_scope(c).map_err(EngineError::Unresolved)?)
    } else {
        None
    };
    let opts = crate::convert::export::ExportOptions {
        render,
        show_secrets: s.show_secrets,
    };
    let text =
        crate::convert::export::curl(c, s.request.as_deref(), &opts).map_err(EngineError::usage)?;
    console.emit(&text)
}

/// `baton mock`: serve a mock file on 127.0.0.1 until SIGINT or SIGTERM.
pub fn serve_mock(s: &MockSettings, console: &Console) -> Result<(), EngineError> {
    let mock = crate::mock::load(&s.file).map_err(EngineError::Rendered)?;
    let notes = console.clone();
    let options = crate::mock::MockOptions {
        port: s.port,
        vars: serde_json::Map::new(),
        log: Some(Arc::new(move |message: &str| notes.note(message))),
        host: crate::template::Host::default(),
    };
    super::runtime(1)?.block_on(async {
        let var = mock.serves().to_string();
        let routes = mock.routes.len();
        let running = crate::mock::start(mock, options).await.map_err(|e| {
            EngineError::Failed(format!("cannot listen on 127.0.0.1:{}: {e}", s.port))
        })?;
        console.emit(&format!(
            "mock: serving {} ({routes} route{}) on {} (variable {var})\n",
            s.file.display(),
            plural(routes),
            running.url
        ))?;
        super::signals::wait().await;
        running.stop().await;
        Ok(())
    })
}

/// What `baton import` converts.
#[derive(Debug, Clone)]
pub enum ImportSource {
    /// A Postman collection; with a directory, one file per top-level folder.
    Postman { file: PathBuf, out: Option<PathBuf> },
    /// A Postman environment, to an `--env` file.
    PostmanEnv { file: PathBuf },
    /// curl command lines (`None`: read them from standard input).
    Curl { command: Option<String> },
    /// An OpenAPI document; with a directory, one file per tag. Its `$ref`s load files
    /// under its own folder only, unless `refs_outside`.
    Openapi {
        file: PathBuf,
        out: Option<PathBuf>,
        refs_outside: bool,
    },
}

/// Convert, print the warnings, and write the result (standard output, or files in `out`).
pub fn import(source: ImportSource, console: &Console) -> Result<(), EngineError> {
    let failed = |e: String| EngineError::usage(e);
    let imported = match source {
        ImportSource::Postman { file, out } => {
            let text = read(&file).map_err(failed)?;
            let imported = crate::convert::postman_to(&text, out.as_deref())
                .map_err(|e| failed(e.to_string()))?;
            (imported, out)
        }
        ImportSource::Openapi {
            file,
            out,
            refs_outside,
        } => {
            if let Some(dir) = &out {
                std::fs::create_dir_all(dir)
                    .map_err(|e| failed(format!("{}: {e}", dir.display())))?;
            }
            let key = crate::openapi::document_key(&file, out.as_deref());
            let scope = match refs_outside {
                true => crate::openapi::RefScope::Anywhere,
                false => crate::openapi::RefScope::Tree,
            };
            let imported = crate::openapi::import_file(&file, &key, out.is_some(), scope)
                .map_err(|e| failed(e.to_string()))?;
            (imported, out)
        }
        ImportSource::PostmanEnv { file } => {
            let text = read(&file).map_err(failed)?;
            let c = crate::convert::postman_env(&text).map_err(|e| failed(e.to_string()))?;
            return converted(c, console);
        }
        ImportSource::Curl { command } => {
            let text = match command.as_deref() {
                Some("-") | None => stdin().map_err(failed)?,
                Some(c) => c.to_string(),
            };
            let c = crate::convert::curl(&text).map_err(|e| failed(e.to_string()))?;
            return converted(c, console);
        }
    };
    write_out(imported.0, imported.1, console).map_err(failed)
}

fn read(p: &Path) -> Result<String, String> {
    crate::problem::read_bounded_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn stdin() -> Result<String, String> {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
        .map_err(|e| format!("stdin: {e}"))?;
    Ok(s)
}

fn warn(warnings: &[String], console: &Console) {
    for w in warnings {
        console.note(&format!("warning: {w}"));
    }
}

fn converted(c: crate::convert::Converted, console: &Console) -> Result<(), EngineError> {
    warn(&c.warnings, console);
    console.emit(&c.yaml)
}

fn write_out(imported: Imported, out: Option<PathBuf>, console: &Console) -> Result<(), String> {
    warn(&imported.warnings, console);
    let Some(dir) = out else {
        for (_, yaml) in &imported.files {
            console.emit(yaml).map_err(|e| e.to_string())?;
        }
        return Ok(());
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, yaml) in &imported.files {
        let path = dir.join(name);
        std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
        console
            .emit(&format!("wrote {}\n", path.display()))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What `baton fmt` did.
#[derive(Debug, Default)]
pub struct FmtOutcome {
    /// Files that were (or, with `--check`, would be) rewritten.
    pub unformatted: usize,
    /// Files that could not be read, parsed or written.
    pub errors: usize,
}

/// Rewrite collections with their keys in the canonical order (with `check`: only say which
/// files would change).
pub fn fmt(paths: &[PathBuf], check: bool, console: &Console) -> Result<FmtOutcome, EngineError> {
    let files = crate::plan::discovery::discover(paths)
        .map_err(|e| EngineError::usage(e.to_string()))?
        .collections;
    let mut outcome = FmtOutcome::default();
    for path in files {
        match fmt_file(&path, check) {
            Ok(None) => {}
            Ok(Some(said)) => {
                outcome.unformatted += 1;
                console.emit(&format!("{said} {}\n", path.display()))?;
            }
            Err(e) => {
                outcome.errors += 1;
                console.note(&format!("error: {}: {e}", path.display()));
            }
        }
    }
    Ok(outcome)
}

/// `None` when the file is formatted; else what was done ("formatted", "would reformat").
fn fmt_file(path: &Path, check: bool) -> Result<Option<&'static str>, String> {
    let text = crate::problem::read_bounded_string(path).map_err(|e| e.to_string())?;
    let formatted = crate::format::canonical::format(&text).map_err(|e| e.to_string())?;
    if formatted == text {
        return Ok(None);
    }
    if check {
        return Ok(Some("would reformat"));
    }
    std::fs::write(path, formatted).map_err(|e| e.to_string())?;
    Ok(Some("formatted"))
}
