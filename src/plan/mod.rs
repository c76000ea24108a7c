//! From what the command line names to a checked plan: the collection files found, loaded
//! and checked (structure and undefined variables together), the values from outside in
//! their layers (`vars`), the `--data` rows, and each run's starting scope. `check`, `run`
//! and `export` all start here; nothing is sent until it has passed.

pub mod discovery;
pub mod vars;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use crate::format::model::Collection;
use crate::format::{Keep, check};
use crate::mock::MockFile;
use crate::openapi::Contract;
use crate::problem::Diag;
use crate::secret::Secrets;
use crate::template::{Host, Vars};
use vars::{Layer, Outside, Unknown};

/// What the command line gives a plan.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub paths: Vec<PathBuf>,
    pub env: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub vars: Vec<String>,
    pub mocks: Vec<PathBuf>,
    pub data: Option<PathBuf>,
    /// Check the undefined variables (not for `export`, which writes them as `${NAME}`).
    pub check_variables: bool,
    /// What to keep of each request: the whole model for a run, outlines for `check`.
    pub keep: Keep,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Usage(String),
    /// Problems with the input, each with its place.
    #[error("{} problem{} found", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Vec<Diag>),
    /// A mock file's or OpenAPI document's problems, already rendered.
    #[error("{0}")]
    Rendered(String),
}

/// Everything checked, before anything is sent.
pub struct Checked {
    pub collections: Vec<Arc<Collection>>,
    pub outside: Outside,
    pub mocks: Vec<MockFile>,
    /// `--data` rows: one run of each collection per row.
    pub rows: Option<Vec<Layer>>,
    pub host: Host,
    /// Files a directory held that are not collections, with the reason.
    pub skipped: Vec<(PathBuf, &'static str)>,
    /// The OpenAPI documents collections are checked against, by resolved path.
    pub contracts: Vec<(PathBuf, Arc<Contract>)>,
    /// What is worth saying but stops nothing (`warning: --var ...`).
    pub warnings: Vec<String>,
}

/// One collection to run, with the scope it starts from.
#[derive(Clone)]
pub struct Planned {
    pub collection: Arc<Collection>,
    pub scope: Vars,
    /// Data-driven runs: the row number (1-based).
    pub iteration: Option<usize>,
    /// The OpenAPI document every response of the collection is checked against.
    pub contract: Option<Arc<Contract>>,
}

/// The variable a run sets when it listens for callbacks.
pub const CALLBACK_URL: &str = "callback_url";

pub fn check(inputs: &Inputs, secrets: Secrets) -> Result<Checked, PlanError> {
    let mut diags: Vec<Diag> = Vec::new();
    let mut env_files = std::collections::BTreeMap::new();
    for f in &inputs.env_files {
        match vars::load_dotenv(f) {
            Ok(m) => env_files.extend(m),
            Err(d) => diags.push(d),
        }
    }
    let host = Host::new(env_files, secrets);
    let mut outside = Outside::default();
    for f in &inputs.env {
        match vars::load_env_file(f, &host) {
            Ok(layer) => outside.env.extend(layer),
            Err(mut d) => diags.append(&mut d),
        }
    }
    for arg in &inputs.vars {
        outside
            .var
            .push(vars::parse_var_arg(arg).map_err(PlanError::Usage)?);
    }
    let mocks = load_mocks(&inputs.mocks, &mut outside)?;
    let rows = inputs
        .data
        .as_deref()
        .map(load_data)
        .transpose()
        .map_err(PlanError::Usage)?;
    let found = discovery::discover(&inputs.paths).map_err(|e| PlanError::Usage(e.to_string()))?;
    let (collections, mut problems) =
        load_collections(inputs, &found.collections, &outside, &rows, &host);
    diags.append(&mut problems);
    let mut warnings = Vec::new();
    if diags.is_empty() {
        let used = collections.iter().flat_map(check::used_variables).collect();
        diags.extend(unused_mocks(&mocks, &inputs.mocks, &used));
        if inputs.check_variables {
            let mut used = used;
            used.extend(mocks.iter().flat_map(MockFile::run_variables));
            warnings.extend(unused_vars(&outside, &used));
        }
    }
    if !diags.is_empty() {
        return Err(PlanError::Invalid(diags));
    }
    Ok(Checked {
        contracts: load_contracts(&collections)?,
        collections: collections.into_iter().map(Arc::new).collect(),
        outside,
        mocks,
        rows,
        host,
        skipped: found.skipped,
        warnings,
    })
}

/// The `--mock` files; each one's variable is defined (with a placeholder URL until its
/// server listens; `check` starts nothing).
fn load_mocks(paths: &[PathBuf], outside: &mut Outside) -> Result<Vec<MockFile>, PlanError> {
    let mut mocks = Vec::new();
    for m in paths {
        let mock = crate::mock::load(m).map_err(PlanError::Rendered)?;
        outside.run.push((
            mock.serves().to_string(),
            Json::String("http://127.0.0.1:0".into()),
        ));
        mocks.push(mock);
    }
    Ok(mocks)
}

/// Every collection loaded and checked (structure, undefined variables, unset `env()` and
/// `secret()`), without the files another collection includes; every problem found.
fn load_collections(
    inputs: &Inputs,
    paths: &[PathBuf],
    outside: &Outside,
    rows: &Option<Vec<Layer>>,
    host: &Host,
) -> (Vec<Collection>, Vec<Diag>) {
    let loaded: Vec<_> = paths
        .iter()
        .map(|p| crate::format::load_partial(p, inputs.keep))
        .collect();
    let receives = loaded
        .iter()
        .any(|l| l.collection.as_ref().is_some_and(Collection::receives));
    // Names defined from outside, whatever values a `--data` row gives them.
    let mut defined = outside.names();
    for row in rows.iter().flatten() {
        defined.extend(row.iter().map(|(k, _)| k.clone()));
    }
    if receives {
        defined.insert(CALLBACK_URL.into());
    }
    let in_env = |name: &str| host.var(name).is_some();
    let mut diags = Vec::new();
    let mut collections = Vec::new();
    for l in loaded {
        diags.extend(l.errors);
        if let Some(c) = l.collection {
            if inputs.check_variables {
                let mut names: BTreeSet<String> = defined.clone();
                names.extend(l.lost_captures);
                diags.extend(check::undefined(&c, &names, &in_env));
                diags.extend(check::unset_env(&c, &in_env));
            }
            collections.push(c);
        }
    }
    // A file that another collection of the run includes is not also run on its own.
    let included: Vec<PathBuf> = collections
        .iter()
        .flat_map(|c| c.includes.iter().cloned())
        .collect();
    collections.retain(|c| {
        let canon = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        !included.contains(&canon)
    });
    (collections, diags)
}

/// The OpenAPI documents of the collections, each loaded once. A document that does not
/// load (a remote `$ref`, a broken one) is found here, before anything is sent.
fn load_contracts(collections: &[Collection]) -> Result<Vec<(PathBuf, Arc<Contract>)>, PlanError> {
    let mut contracts: Vec<(PathBuf, Arc<Contract>)> = Vec::new();
    for c in collections {
        if let Some(p) = &c.openapi
            && !contracts.iter().any(|(q, _)| q == p)
        {
            let contract =
                Contract::load(p).map_err(|e| PlanError::Rendered(format!("error: {e}")))?;
            contracts.push((p.clone(), Arc::new(contract)));
        }
    }
    Ok(contracts)
}

/// A mock whose `serves` variable no collection uses would let the run go to the real
/// server: an error at its `serves` line, with a did-you-mean.
fn unused_mocks(mocks: &[MockFile], paths: &[PathBuf], used: &BTreeSet<String>) -> Vec<Diag> {
    let mut diags = Vec::new();
    for (mock, path) in mocks.iter().zip(paths) {
        let var = mock.serves();
        if used.contains(var) {
            continue;
        }
        let Ok(file) = crate::problem::read_source(path) else {
            continue;
        };
        let pos = serves_pos(&file.text);
        let mut d = crate::problem::Diags::new(&file);
        let diag = d.error(
            pos,
            format!("the mock serves `{var}`, which no collection of the run uses: the requests would go to the real server"),
        );
        match crate::problem::source::did_you_mean(var, used.iter().map(String::as_str)) {
            Some(s) => {
                diag.label(format!("did you mean `{s}`?"));
            }
            None if pos.line == 0 => {
                diag.help("`serves` (default `base_url`) names the variable the mock's URL is given to: write `serves: NAME` with the variable your requests use");
            }
            None => {
                diag.help("name the variable your requests' URLs use (`serves: base_url`)");
            }
        }
        diags.append(&mut d.list);
    }
    diags
}

/// Where a mock file's top-level `serves:` value is (unknown when the key is absent).
fn serves_pos(text: &str) -> crate::problem::source::Pos {
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("serves")
            && let Some(value) = rest.trim_start().strip_prefix(':')
        {
            let col = line.len() - value.trim_start().len() + 1;
            return crate::problem::source::Pos::new(i as u32 + 1, col as u32);
        }
    }
    crate::problem::source::Pos::default()
}

/// A `--var` no collection uses: a warning (a typo, or a value meant for another run).
fn unused_vars(outside: &Outside, used: &BTreeSet<String>) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut said = BTreeSet::new();
    for (name, _) in &outside.var {
        if used.contains(name) || !said.insert(name) {
            continue;
        }
        let hint = match crate::problem::source::did_you_mean(name, used.iter().map(String::as_str))
        {
            Some(s) => format!("; did you mean `{s}`?"),
            None => String::new(),
        };
        warnings.push(format!(
            "warning: --var `{name}`: no collection of the run uses `{name}`{hint}"
        ));
    }
    warnings
}

impl Checked {
    /// Keep only the K-th of N deterministic slices of the collections (`--shard K/N`,
    /// 1 <= K <= N), by path.
    pub fn keep_shard(&mut self, k: usize, n: usize) {
        self.collections.sort_by(|a, b| a.path.cmp(&b.path));
        self.collections = std::mem::take(&mut self.collections)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect();
    }

    /// The values known before a run, for `export curl --render`: what would need a value
    /// only the run has is left out (it stays a shell variable); other problems are errors.
    pub fn known_scope(&self, c: &Collection) -> Result<Vars, Vec<Diag>> {
        vars::initial_scope(c, &self.outside, &self.host, Unknown::LeaveOut)
    }

    /// Whether any collection waits for an inbound request (the run then listens).
    pub fn receives(&self) -> bool {
        self.collections.iter().any(|c| c.receives())
    }

    /// Every collection (once per `--data` row) with the scope it starts from. `run` holds
    /// the values the run itself set: `--mock` URLs, `callback_url`.
    pub fn plan(&self, run: Layer) -> Result<Vec<Planned>, Vec<Diag>> {
        let mut outside = self.outside.clone();
        for (k, v) in run {
            outside.run.retain(|(n, _)| *n != k);
            outside.run.push((k, v));
        }
        let rows: Vec<Option<(usize, &Layer)>> = match &self.rows {
            Some(rows) => rows
                .iter()
                .enumerate()
                .map(|(i, r)| Some((i + 1, r)))
                .collect(),
            None => vec![None],
        };
        let mut plan = Vec::new();
        let mut diags = Vec::new();
        for c in &self.collections {
            for row in &rows {
                let o = match row {
                    Some((_, fields)) => outside.with_row(fields),
                    None => outside.clone(),
                };
                let scope = vars::initial_scope(c, &o, &self.host, Unknown::Refuse);
                if let Ok(scope) = &scope {
                    diags.extend(empty_segments(c, scope));
                }
                match scope {
                    Ok(scope) => plan.push(Planned {
                        collection: Arc::clone(c),
                        scope,
                        iteration: row.map(|(i, _)| i),
                        contract: c.openapi.as_ref().and_then(|p| {
                            self.contracts
                                .iter()
                                .find(|(q, _)| q == p)
                                .map(|(_, k)| Arc::clone(k))
                        }),
                    }),
                    Err(mut d) => diags.append(&mut d),
                }
            }
        }
        if diags.is_empty() {
            Ok(plan)
        } else {
            Err(diags)
        }
    }
}

/// SPEC 5: in a collection tested against an OpenAPI document, a request whose URL path
/// would have an empty segment (`/pet//uploadImage`), because a variable that stands for a
/// whole segment starts out empty, is refused before anything is sent. Variables set later
/// (captures) are not known here and are left alone. Other collections keep Postman's and
/// curl's convention of an empty variable the user fills in (`--var`), as Newman sends it.
fn empty_segments(c: &Collection, scope: &Vars) -> Vec<Diag> {
    if c.openapi.is_none() {
        return Vec::new();
    }
    static SEGMENT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}(?:[/?#]|$)").expect("valid")
    });
    let mut out = Vec::new();
    for (request, span, url) in c.urls() {
        for m in SEGMENT.captures_iter(&url.source) {
            let name = &m[1];
            let empty = match scope.get(name) {
                Some(Json::String(s)) => s.is_empty(),
                Some(Json::Null) => true,
                _ => false,
            };
            if empty {
                let mut d = Diag::whole(span.path(), String::new());
                d.span = crate::problem::source::Span::new(&span.file, url.pos);
                d.message = format!(
                    "the path of `{request}` would have an empty segment: `{name}` is empty"
                );
                d.help(format!(
                    "give `{name}` a value in `vars`, or run with --var {name}=VALUE"
                ));
                out.push(d);
            }
        }
    }
    out
}

/// Rows of a `--data` file: CSV with a header row, or a JSON array of objects.
fn load_data(path: &Path) -> Result<Vec<Layer>, String> {
    let text = crate::problem::read_bounded_string(path)
        .map_err(|e| format!("--data {}: {e}", path.display()))?;
    let is_json =
        path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('[');
    if is_json {
        let v: Json = serde_json::from_str(&text)
            .map_err(|e| format!("--data {}: not valid JSON: {e}", path.display()))?;
        let Json::Array(rows) = v else {
            return Err(format!(
                "--data {}: expected a JSON array of objects",
                path.display()
            ));
        };
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| match row {
                Json::Object(o) => Ok(o.into_iter().collect()),
                _ => Err(format!(
                    "--data {}: row {} is not an object",
                    path.display(),
                    i + 1
                )),
            })
            .collect()
    } else {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| format!("--data {}: {e}", path.display()))?
            .clone();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| format!("--data {}: {e}", path.display()))?;
            rows.push(
                headers
                    .iter()
                    .zip(rec.iter())
                    .map(|(h, v)| (h.to_string(), Json::String(v.to_string())))
                    .collect(),
            );
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn structural_errors_and_undefined_variables_together() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "c.yaml",
            "requests:\n  - name: a\n    methd: GET\n    url: \"{{ nope }}/x\"\n",
        );
        let inputs = Inputs {
            paths: vec![p],
            check_variables: true,
            keep: Keep::Model,
            ..Inputs::default()
        };
        let Err(PlanError::Invalid(d)) = check(&inputs, Secrets::new()) else {
            panic!("invalid")
        };
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("unknown key `methd`")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("`nope` is not defined")),
            "{messages:?}"
        );
    }

    #[test]
    fn data_rows_sit_between_env_and_var() {
        let dir = tempfile::tempdir().unwrap();
        let c = write(
            dir.path(),
            "c.yaml",
            "vars: { a: v, b: v, c: v }\nrequests:\n  - name: r\n    url: \"http://x/{{ a }}{{ b }}{{ c }}\"\n",
        );
        let env = write(dir.path(), "env.yaml", "a: env\nb: env\n");
        let data = write(dir.path(), "rows.csv", "b,c\ndata,data\n");
        let inputs = Inputs {
            paths: vec![c],
            env: vec![env],
            vars: vec!["c=var".into()],
            data: Some(data),
            check_variables: true,
            keep: Keep::Model,
            ..Inputs::default()
        };
        let checked = check(&inputs, Secrets::new()).unwrap_or_else(|_| panic!("checks"));
        let plan = checked.plan(Vec::new()).unwrap();
        let s = &plan[0].scope;
        assert_eq!(s.get("a").unwrap(), "env");
        assert_eq!(s.get("b").unwrap(), "data");
        assert_eq!(s.get("c").unwrap(), "var");
        assert_eq!(plan[0].iteration, Some(1));
    }

    #[test]
    fn the_serves_line_is_found() {
        let pos = serves_pos("# m\nserves:   api_url\nroutes: []\n");
        assert_eq!((pos.line, pos.col), (2, 11));
        assert_eq!(serves_pos("routes: []\n  serves: x\n").line, 0);
    }
}
