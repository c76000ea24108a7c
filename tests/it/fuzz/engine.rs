//! The fuzzing engine: a seeded mutation loop over a corpus. Every input runs on a worker
//! thread under `catch_unwind` and a time budget; a panic, a hang or a property that does not
//! hold is a failure, shrunk, saved to `tests/fuzz/crashes/` and reported.
//!
//! Feedback without instrumentation (stable Rust has no coverage-guided fuzzing): each run
//! returns a signature of what happened (which errors, which outcome), and an input whose
//! signature is new joins the corpus, so mutations reach past the first layer of errors.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Once, mpsc};
use std::time::{Duration, Instant};

use rand::{Rng as _, SeedableRng as _};
use sha2::Digest as _;

use super::mutate::MAX_LEN;

pub type Rng = rand::rngs::StdRng;

/// One thing to fuzz: how its inputs are made, stored and run.
pub trait Target: 'static {
    type Input: Clone + Send + 'static;
    type Worker: Worker<Self::Input>;
    const NAME: &'static str;
    /// Executions in a default run (CI, debug build): all targets together stay near a minute.
    const ITERATIONS: u64;
    /// Stack of the worker thread: where this code runs in baton (main thread or runtime worker).
    const STACK: usize = 8 << 20;
    fn seeds() -> Vec<Self::Input>;
    fn mutate(rng: &mut Rng, input: &Self::Input, corpus: &[Self::Input]) -> Self::Input;
    fn encode(input: &Self::Input) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> Result<Self::Input, String>;
    /// Smaller variants of a failing input, tried in order while shrinking it.
    fn shrink(input: &Self::Input) -> Vec<Self::Input>;
}

/// Runs inputs of one target; made on its own thread (it may own a temporary directory).
pub trait Worker<I> {
    fn new() -> Self;
    /// A signature of what happened, or the property that did not hold.
    fn run(&mut self, input: &I) -> Result<u64, String>;
}

/// A failing input's fault.
#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub message: String,
}

impl Failure {
    /// Same fault, for deduplication and shrinking: the panic's place, or the property's first line.
    fn signature(&self) -> String {
        // The message's first line without what varies from input to input: numbers and
        // anything quoted.
        let first = self.message.lines().next().unwrap_or_default();
        // A panic's place stays whole: `panicked at src/x.rs:12:5: ...`.
        let (place, first) = match first.strip_prefix("panicked at ") {
            Some(rest) => rest.split_once(": ").unwrap_or((rest, "")),
            None => ("", first),
        };
        let mut out = place.to_string();
        let mut quote: Option<char> = None;
        for c in first.chars() {
            match (quote, c) {
                (None, '"' | '`') => {
                    quote = Some(c);
                    out.push('_');
                }
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, c) if c.is_ascii_digit() => {}
                (None, c) => out.push(c),
            }
        }
        format!(
            "{}: {}",
            self.kind,
            out.chars().take(120).collect::<String>()
        )
    }
}

/// Settings from the environment.
pub struct Config {
    pub iterations: Option<u64>,
    pub seconds: Option<u64>,
    pub seed: u64,
    pub budget: Duration,
    pub max_failures: usize,
}

impl Config {
    pub fn from_env() -> Self {
        let num = |name: &str| {
            std::env::var(name).ok().map(|v| {
                v.trim()
                    .replace('_', "")
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("{name}={v}: expected a number"))
            })
        };
        let seed = match std::env::var("BATON_FUZZ_SEED").ok().as_deref() {
            None | Some("") => 0,
            Some("random") => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default(),
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| panic!("BATON_FUZZ_SEED={v}: a number or `random`")),
        };
        // A debug build is ~20x slower than a release one; both budgets stay far above the
        // slowest honest input, so only a real hang (or a blow-up) trips them.
        let default_budget = if cfg!(debug_assertions) {
            60_000
        } else {
            10_000
        };
        Self {
            iterations: num("BATON_FUZZ_ITERATIONS"),
            seconds: num("BATON_FUZZ_SECONDS"),
            seed,
            budget: Duration::from_millis(num("BATON_FUZZ_BUDGET_MS").unwrap_or(default_budget)),
            max_failures: num("BATON_FUZZ_MAX_FAILURES").unwrap_or(10) as usize,
        }
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on worker threads are recorded for the report, not printed as they happen.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let on_worker = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("fuzz-"));
            if !on_worker {
                default(info);
                return;
            }
            let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "(non-text panic payload)".to_string()
            };
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("panicked at {at}: {msg}")));
        }));
    });
}

/// Run `f` on a thread of its own with `stack` bytes of stack (to run code where baton runs
/// it, such as a runtime worker); a panic there comes back as one here, message and all.
pub fn on_thread<R: Send>(stack: usize, f: impl FnOnce() -> R + Send) -> R {
    let r = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("fuzz-inner".into())
            .stack_size(stack)
            .spawn_scoped(scope, || {
                panic::catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
                    LAST_PANIC
                        .with(|p| p.borrow_mut().take())
                        .unwrap_or_else(|| "panicked".into())
                })
            })
            .expect("spawn a thread")
            .join()
            .unwrap_or_else(|_| Err("the thread died".into()))
    });
    match r {
        Ok(r) => r,
        // Not `panic!`: the message already says where the panic happened.
        Err(message) => panic::resume_unwind(Box::new(message)),
    }
}

/// A worker thread running inputs one at a time; a hung one is abandoned for a new one.
struct Executor<T: Target> {
    tx: mpsc::Sender<T::Input>,
    rx: mpsc::Receiver<Result<u64, Failure>>,
}

impl<T: Target> Executor<T> {
    fn spawn() -> Self {
        install_hook();
        let (tx, inputs) = mpsc::channel::<T::Input>();
        let (results, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("fuzz-{}", T::NAME))
            .stack_size(T::STACK)
            .spawn(move || {
                let mut worker = T::Worker::new();
                while let Ok(input) = inputs.recv() {
                    let r = match panic::catch_unwind(AssertUnwindSafe(|| worker.run(&input))) {
                        Ok(Ok(sig)) => Ok(sig),
                        Ok(Err(m)) => Err(Failure {
                            kind: "property",
                            message: m,
                        }),
                        Err(payload) => Err(Failure {
                            kind: "panic",
                            message: LAST_PANIC
                                .with(|p| p.borrow_mut().take())
                                .or_else(|| payload.downcast_ref::<String>().cloned())
                                .unwrap_or_else(|| "panicked".into()),
                        }),
                    };
                    if results.send(r).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn a fuzz worker");
        Self { tx, rx }
    }

    /// Run one input within `budget`; on a hang the worker is replaced.
    fn run(&mut self, input: T::Input, budget: Duration) -> Result<u64, Failure> {
        if self.tx.send(input).is_err() {
            *self = Self::spawn();
            return Err(Failure {
                kind: "panic",
                message: "the worker thread died".into(),
            });
        }
        match self.rx.recv_timeout(budget) {
            Ok(r) => r,
            Err(e) => {
                // The old thread keeps running (threads cannot be killed); it is left behind.
                *self = Self::spawn();
                Err(Failure {
                    kind: "hang",
                    message: match e {
                        mpsc::RecvTimeoutError::Timeout => {
                            format!("no result within {} ms", budget.as_millis())
                        }
                        mpsc::RecvTimeoutError::Disconnected => "the worker thread died".into(),
                    },
                })
            }
        }
    }
}

pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz")
}

fn short_hash(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file an input is written to while it runs: a crash that takes the whole process down
/// (a stack overflow aborts, it does not unwind) leaves it behind for the next run to report.
struct InFlight {
    path: PathBuf,
    file: fs::File,
}

impl InFlight {
    fn open(target: &str) -> Self {
        let dir = fuzz_dir().join("crashes");
        fs::create_dir_all(&dir).expect("create tests/fuzz/crashes");
        let path = dir.join(format!("{target}.inflight"));
        if let Ok(left) = fs::read(&path)
            && !left.is_empty()
        {
            let saved = write_crash(target, &left);
            eprintln!(
                "fuzz {target}: the previous run died on an input (stack overflow or abort); saved to {}",
                saved.display()
            );
        }
        let file = fs::File::create(&path).expect("create the in-flight file");
        Self { path, file }
    }

    fn set(&mut self, bytes: &[u8]) {
        use std::io::Seek as _;
        let _ = self.file.set_len(0);
        let _ = self.file.seek(std::io::SeekFrom::Start(0));
        let _ = self.file.write_all(bytes);
    }

    fn close(self) {
        drop(self.file);
        let _ = fs::remove_file(&self.path);
    }
}

/// Inputs kept for mutation, at most, and their encoded bytes at most: a long run's memory
/// stays bounded as its inputs grow.
const MAX_CORPUS: usize = 20_000;
const MAX_CORPUS_BYTES: usize = 32 << 20;

/// Fuzz one target: every seed as it is, then mutations, until the iterations (or seconds)
/// are used up. Panics with every distinct failure when there was any.
pub fn fuzz<T: Target>() {
    let cfg = Config::from_env();
    let iterations = cfg.iterations.unwrap_or(T::ITERATIONS);
    let deadline = cfg.seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let seed =
        cfg.seed ^ u64::from_le_bytes(sha2::Sha256::digest(T::NAME)[..8].try_into().unwrap());
    let mut rng = Rng::seed_from_u64(seed);
    let seeds = T::seeds();
    assert!(!seeds.is_empty(), "fuzz {}: no seed inputs", T::NAME);
    let mut corpus = seeds.clone();
    let mut sizes: Vec<usize> = corpus.iter().map(|c| T::encode(c).len()).collect();
    let mut corpus_bytes: usize = sizes.iter().sum();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut distinct: HashSet<String> = HashSet::new();
    let mut failures: Vec<(Failure, PathBuf)> = Vec::new();
    let mut exec = Executor::<T>::spawn();
    let mut inflight = InFlight::open(T::NAME);
    let start = Instant::now();
    let mut last_note = start;
    let mut slowest = (Duration::ZERO, 0usize);
    let mut executions = 0u64;
    let mut hangs = 0;
    while executions < iterations {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let input = if (executions as usize) < seeds.len() {
            seeds[executions as usize].clone()
        } else {
            let base = &corpus[rng.random_range(0..corpus.len())];
            T::mutate(&mut rng, base, &corpus)
        };
        let encoded = T::encode(&input);
        inflight.set(&encoded);
        let t0 = Instant::now();
        let result = exec.run(input.clone(), cfg.budget);
        let took = t0.elapsed();
        executions += 1;
        if took > slowest.0 {
            slowest = (took, encoded.len());
        }
        match result {
            Ok(sig) => {
                // Blow-ups stay one-offs: mutating them again only slows the run down. A full
                // corpus keeps its seeds and gives a random other place to the newcomer.
                if seen.insert(sig) && encoded.len() <= MAX_LEN {
                    let full = corpus.len() >= MAX_CORPUS
                        || corpus_bytes + encoded.len() > MAX_CORPUS_BYTES;
                    if !full || corpus.len() == seeds.len() {
                        corpus.push(input);
                        sizes.push(encoded.len());
                        corpus_bytes += encoded.len();
                    } else {
                        // A random other place, if the newcomer fits the byte budget there.
                        let i = rng.random_range(seeds.len()..corpus.len());
                        if corpus_bytes - sizes[i] + encoded.len() <= MAX_CORPUS_BYTES {
                            corpus_bytes = corpus_bytes - sizes[i] + encoded.len();
                            corpus[i] = input;
                            sizes[i] = encoded.len();
                        }
                    }
                }
            }
            Err(f) => {
                if f.kind == "hang" {
                    hangs += 1;
                }
                if !distinct.insert(f.signature()) {
                    continue;
                }
                let (input, f) = if f.kind == "hang" {
                    (input, f)
                } else {
                    shrink::<T>(&mut exec, input, f, cfg.budget)
                };
                let path = save::<T>(&input, &f);
                report::<T>(&input, &f, &path);
                failures.push((f, path));
                // A hung thread cannot be stopped: it keeps a core busy and would make every
                // later input of this run look slow, so a hang ends the run of this target.
                if failures.len() >= cfg.max_failures || hangs > 0 {
                    break;
                }
            }
        }
        if last_note.elapsed() > Duration::from_secs(30) {
            last_note = Instant::now();
            eprintln!(
                "fuzz {}: {executions} executions, {:.0}/s, corpus {} ({} KiB), {} failures",
                T::NAME,
                executions as f64 / start.elapsed().as_secs_f64(),
                corpus.len(),
                corpus_bytes >> 10,
                failures.len()
            );
        }
    }
    inflight.close();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {}: {executions} executions in {secs:.1}s ({:.0}/s), seed {}, corpus {} -> {}, slowest input {:.0} ms ({} bytes), {} failures",
        T::NAME,
        executions as f64 / secs.max(1e-9),
        cfg.seed,
        seeds.len(),
        corpus.len(),
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1,
        failures.len()
    );
    if !failures.is_empty() {
        let list: Vec<String> = failures
            .iter()
            .map(|(f, p)| format!("  {} ({})", f.signature(), p.display()))
            .collect();
        panic!(
            "fuzz {}: {} failure(s):\n{}\nfix them, then move the files to tests/fuzz/regressions/",
            T::NAME,
            failures.len(),
            list.join("\n")
        );
    }
}

/// Greedily take smaller variants that fail the same way.
fn shrink<T: Target>(
    exec: &mut Executor<T>,
    mut input: T::Input,
    mut failure: Failure,
    budget: Duration,
) -> (T::Input, Failure) {
    let want = failure.signature();
    let start = Instant::now();
    let mut attempts = 0;
    'outer: while start.elapsed() < Duration::from_secs(60) && attempts < 5_000 {
        for candidate in T::shrink(&input) {
            attempts += 1;
            if attempts >= 5_000 || start.elapsed() >= Duration::from_secs(60) {
                break 'outer;
            }
            if let Err(f) = exec.run(candidate.clone(), budget)
                && f.signature() == want
            {
                input = candidate;
                failure = f;
                continue 'outer;
            }
        }
        break;
    }
    (input, failure)
}

/// Inputs bigger than this are saved gzipped (the blow-ups compress a hundredfold).
const GZIP_ABOVE: usize = 64 << 10;

fn save<T: Target>(input: &T::Input, _f: &Failure) -> PathBuf {
    write_crash(T::NAME, &T::encode(input))
}

/// `tests/fuzz/crashes/<target>-<hash>.yaml`, gzipped when big.
fn write_crash(target: &str, bytes: &[u8]) -> PathBuf {
    let bytes = bytes.to_vec();
    let dir = fuzz_dir().join("crashes");
    let _ = fs::create_dir_all(&dir);
    let name = format!("{target}-{}.yaml", short_hash(&bytes));
    let (path, written) = if bytes.len() > GZIP_ABOVE {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gz.write_all(&bytes);
        (
            dir.join(format!("{name}.gz")),
            gz.finish().unwrap_or_default(),
        )
    } else {
        (dir.join(name), bytes)
    };
    if let Err(e) = fs::write(&path, &written) {
        eprintln!("fuzz {target}: cannot save {}: {e}", path.display());
    }
    path
}

/// A saved input's bytes, gunzipped when its name ends in `.gz`.
pub fn read_saved(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)
            .map_err(|e| format!("not gzip: {e}"))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

fn report<T: Target>(input: &T::Input, f: &Failure, path: &Path) {
    let bytes = T::encode(input);
    let shown = match std::str::from_utf8(&bytes) {
        Ok(s) if s.len() <= 4000 => s.to_string(),
        Ok(s) => format!(
            "{}... ({} bytes)",
            &s[..s.floor_char_boundary(4000)],
            s.len()
        ),
        Err(_) => format!(
            "{:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(4000)])
        ),
    };
    eprintln!(
        "\n=== fuzz {}: {} ===\n{}\n--- input (saved to {}) ---\n{shown}\n===\n",
        T::NAME,
        f.kind,
        f.message,
        path.display()
    );
}

/// Replay saved inputs of one target as a normal test: each must run clean.
pub fn replay<T: Target>(files: &[PathBuf]) -> Vec<String> {
    let cfg = Config::from_env();
    let mut exec = Executor::<T>::spawn();
    let mut problems = Vec::new();
    for path in files {
        let bytes = match read_saved(path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        let input = match T::decode(&bytes) {
            Ok(i) => i,
            Err(e) => {
                problems.push(format!("{}: cannot decode: {e}", path.display()));
                continue;
            }
        };
        if let Err(f) = exec.run(input, cfg.budget) {
            problems.push(format!("{}: {}: {}", path.display(), f.kind, f.message));
        }
    }
    problems
}

/// The files of a directory, sorted (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// A signature from anything hashable.
pub fn sig<H: std::hash::Hash>(h: &H) -> u64 {
    use std::hash::Hasher as _;
    let mut s = std::hash::DefaultHasher::new();
    h.hash(&mut s);
    s.finish()
}
