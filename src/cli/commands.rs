//! The commands besides `run`: `check`, `export curl`, `import`, `fmt`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::exit::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use super::{
    CheckArgs, ImportCommand, VarArgs, print_diags, print_skipped, report_plan_error, usage_error,
};
use crate::plan;
use crate::secret::Secrets;

pub(super) fn check(args: &CheckArgs) -> i32 {
    let checked = match plan::check(&args.vars.inputs(&args.paths), Secrets::new()) {
        Ok(c) => c,
        Err(e) => return report_plan_error(&e),
    };
    print_skipped(&checked, args.verbose);
    // Rendering the starting scopes is where a missing secret() shows.
    if let Err(d) = checked.plan(Vec::new()) {
        print_diags(&d);
        return EXIT_INVALID;
    }
    let n: usize = checked
        .collections
        .iter()
        .map(|c| c.requests().count())
        .sum();
    let cs = checked.collections.len();
    let _ = writeln!(
        std::io::stdout(),
        "ok: {cs} collection{}, {n} request{}",
        if cs == 1 { "" } else { "s" },
        if n == 1 { "" } else { "s" }
    );
    EXIT_OK
}

pub(super) fn export_curl(
    path: &Path,
    request: Option<&str>,
    render: bool,
    show_secrets: bool,
    v: &VarArgs,
) -> i32 {
    // Variables without a value are written as `${NAME}`: they need no definition here.
    let mut inputs = v.inputs(&[path.to_path_buf()]);
    inputs.check_variables = false;
    let checked = match plan::check(&inputs, Secrets::new()) {
        Ok(c) => c,
        Err(e) => return report_plan_error(&e),
    };
    let Some(c) = checked.collections.first() else {
        return usage_error(&format!("{} is included by itself", path.display()));
    };
    let scope = render.then(|| {
        // What cannot be known before the run stays a shell variable.
        let mut scope = crate::template::Vars::with_host(checked.host.clone());
        for (k, v) in checked.outside.values() {
            scope.set(k.clone(), v);
        }
        for (name, value) in &c.vars {
            if checked.outside.contains(name) {
                continue;
            }
            if let Ok(v) = value.render(&scope) {
                scope.set(name.clone(), &v);
            }
        }
        scope
    });
    let opts = crate::export::ExportOptions {
        render: scope,
        show_secrets,
    };
    match crate::export::curl(c, request, &opts) {
        Ok(text) => {
            let _ = std::io::stdout().write_all(text.as_bytes());
            EXIT_OK
        }
        Err(e) => usage_error(&e),
    }
}

pub(super) fn import(cmd: ImportCommand) -> i32 {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let warn = |warnings: &[String]| {
        let mut err = std::io::stderr().lock();
        for w in warnings {
            let _ = writeln!(err, "warning: {w}");
        }
    };
    let write_out = |imported: crate::import::Imported, out: Option<PathBuf>| {
        warn(&imported.warnings);
        match out {
            Some(dir) => {
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                for (name, yaml) in &imported.files {
                    let path = dir.join(name);
                    std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
                    let _ = writeln!(std::io::stdout(), "wrote {}", path.display());
                }
            }
            None => {
                for (_, yaml) in &imported.files {
                    let _ = std::io::stdout().write_all(yaml.as_bytes());
                }
            }
        }
        Ok::<(), String>(())
    };
    let result: Result<(), String> = (|| match cmd {
        ImportCommand::Postman { file, out } => {
            let imported = crate::import::postman_to(&read(&file)?, out.as_deref())
                .map_err(|e| e.to_string())?;
            write_out(imported, out)
        }
        ImportCommand::Openapi { file, out } => {
            if let Some(dir) = &out {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let key = crate::openapi::document_key(&file, out.as_deref());
            let imported = crate::openapi::import_file(&file, &key, out.is_some())
                .map_err(|e| e.to_string())?;
            write_out(imported, out)
        }
        ImportCommand::PostmanEnv { file } => {
            let c = crate::import::postman_env(&read(&file)?).map_err(|e| e.to_string())?;
            warn(&c.warnings);
            let _ = std::io::stdout().write_all(c.yaml.as_bytes());
            Ok(())
        }
        ImportCommand::Curl { command } => {
            let text = match command.as_deref() {
                Some("-") | None => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                        .map_err(|e| format!("stdin: {e}"))?;
                    s
                }
                Some(c) => c.to_string(),
            };
            let c = crate::import::curl(&text).map_err(|e| e.to_string())?;
            warn(&c.warnings);
            let _ = std::io::stdout().write_all(c.yaml.as_bytes());
            Ok(())
        }
    })();
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => usage_error(&e),
    }
}

pub(super) fn fmt(paths: &[PathBuf], check: bool) -> i32 {
    let files = match crate::discover::discover(paths) {
        Ok(f) => f.collections,
        Err(e) => return usage_error(&e.to_string()),
    };
    let mut unformatted = 0;
    let mut errors = 0;
    let mut out = std::io::stdout().lock();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                errors += 1;
                continue;
            }
        };
        match crate::fmt::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                unformatted += 1;
                if check {
                    let _ = writeln!(out, "would reformat {}", path.display());
                } else if let Err(e) = std::fs::write(&path, formatted) {
                    let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                    errors += 1;
                } else {
                    let _ = writeln!(out, "formatted {}", path.display());
                }
            }
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {}: {e}", path.display());
                errors += 1;
            }
        }
    }
    if errors > 0 {
        EXIT_INVALID
    } else if check && unformatted > 0 {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
