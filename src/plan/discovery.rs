//! Which files a run takes: files named on the command line are collections; a directory
//! gives every YAML file below it whose top level has `requests` (mock files, env files and
//! other YAML are skipped, and said so with `-v`).

use std::path::{Path, PathBuf};

/// The collections found, in path order, and the files passed over with the reason.
#[derive(Debug, Default)]
pub struct Found {
    pub collections: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, &'static str)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or directory")]
    Missing(PathBuf),
    #[error("cannot read directory {0}: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("no collections found (a collection is a .yaml/.yml file with `requests:` at the top)")]
    Nothing,
}

pub fn discover(paths: &[PathBuf]) -> Result<Found, DiscoverError> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Found::default();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files).map_err(|e| DiscoverError::Unreadable(p.clone(), e))?;
            files.sort();
            for f in files {
                match classify(&f) {
                    None => out.collections.push(f),
                    Some(why) => out.skipped.push((f, why)),
                }
            }
        } else if p.exists() {
            out.collections.push(p.clone());
        } else {
            return Err(DiscoverError::Missing(p.clone()));
        }
    }
    if out.collections.is_empty() {
        return Err(DiscoverError::Nothing);
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry.file_type()?.is_dir() {
            if !name.starts_with('.')
                && name != "target"
                && name != "node_modules"
                && name != "__snapshots__"
            {
                walk(&path, out)?;
            }
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// `None` for a collection, else why the file is not one.
fn classify(path: &Path) -> Option<&'static str> {
    let Ok(text) = crate::problem::read_bounded_string(path) else {
        return Some("unreadable, or not UTF-8 text");
    };
    match crate::format::yaml::parse(&text) {
        // A broken file might be a collection: load it so its errors are shown.
        Err(_) => None,
        Ok(node) if node.get("requests").is_some() => None,
        Ok(node) if node.get("routes").is_some() => Some("mock file"),
        Ok(_) => Some("not a collection"),
    }
}
