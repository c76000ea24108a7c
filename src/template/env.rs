//! The MiniJinja environment: baton's functions (`env`, `secret`, `uuid`, `now`,
//! `random_int`, `fake`) and filters (`b64encode`, `b64decode`, `sha256`, `format`), and the `Host`
//! through which `env()` and `secret()` reach the run they render for.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use base64::Engine as _;
use minijinja::value::{Object, Rest, Value as MjValue, ValueKind};
use minijinja::{Environment, Error as MjError, ErrorKind, Output, State, UndefinedBehavior};
use sha2::Digest as _;

use crate::secret::Secrets;

/// Names that templates may call without defining them.
pub const GLOBALS: [&str; 10] = [
    "env",
    "secret",
    "uuid",
    "now",
    "random_int",
    "jwt_hs256",
    "fake",
    // minijinja's own global functions.
    "range",
    "dict",
    "namespace",
];

/// The context key under which a render's `Host` travels (not a valid variable name).
pub(super) const HOST_KEY: &str = "\u{0}baton-host";

/// What template functions reach of the run: the environment `env()` and `secret()` read
/// (the process's own variables, then those `--env-file` loaded), and the run's secrets,
/// which `secret()` adds to. Owned by the run, so two runs side by side never share one.
#[derive(Clone, Debug, Default)]
pub struct Host {
    env_files: Arc<BTreeMap<String, String>>,
    pub secrets: Secrets,
}

impl Object for Host {}

impl Host {
    pub fn new(env_files: BTreeMap<String, String>, secrets: Secrets) -> Self {
        Self {
            env_files: Arc::new(env_files),
            secrets,
        }
    }

    /// An environment variable: the process's own wins over an `--env-file` value.
    pub fn var(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.env_files.get(name).cloned())
    }
}

pub(super) static ENV: LazyLock<Environment<'static>> = LazyLock::new(build_env);

fn build_env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.add_function("env", fn_env);
    env.add_function("secret", fn_secret);
    env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    env.add_function("now", || jiff::Timestamp::now().to_string());
    env.add_function("random_int", fn_random_int);
    env.add_function("jwt_hs256", super::jwt::jwt_hs256);
    env.add_function("fake", |kind: String| {
        super::fake::value(&kind)
            .ok_or_else(|| MjError::new(ErrorKind::InvalidOperation, super::fake::unknown(&kind)))
    });
    env.add_filter("b64encode", |s: String| {
        base64::engine::general_purpose::STANDARD.encode(s)
    });
    env.add_filter("b64decode", filter_b64decode);
    env.add_filter("sha256", |s: String| {
        let d = sha2::Sha256::digest(s.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    });
    env.add_filter("format", filter_format);
    env.set_formatter(format_value);
    env
}

/// `{{ uuid }}` without `()` would print a function's Rust name into a request: an error
/// instead, as the same template without any other tag gives (an undefined variable).
fn format_value(out: &mut Output, state: &State, value: &MjValue) -> Result<(), MjError> {
    if value.kind() == ValueKind::Plain {
        return Err(MjError::new(
            ErrorKind::InvalidOperation,
            "a function or macro cannot be printed (call it: `name()`)",
        ));
    }
    if value.kind() == ValueKind::String || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    out.write_str(&super::scalar_text(value))
        .map_err(|e| MjError::new(ErrorKind::WriteFailure, e.to_string()))
}

/// The host of the render in progress (a default one when the caller gave none).
fn host(state: &State) -> Host {
    state
        .lookup(HOST_KEY)
        .and_then(|v| v.downcast_object_ref::<Host>().cloned())
        .unwrap_or_default()
}

fn fn_env(state: &State, name: String, default: Option<MjValue>) -> Result<MjValue, MjError> {
    match host(state).var(&name) {
        Some(v) => Ok(MjValue::from(v)),
        None => default.ok_or_else(|| {
            MjError::new(
                ErrorKind::InvalidOperation,
                format!("environment variable `{name}` is not set (give a default: env('{name}', '...'), or set it, e.g. in an --env-file)"),
            )
        }),
    }
}

fn fn_secret(state: &State, name: String) -> Result<String, MjError> {
    let host = host(state);
    match host.var(&name) {
        Some(v) => {
            host.secrets.register(&v);
            Ok(v)
        }
        None => Err(MjError::new(
            ErrorKind::InvalidOperation,
            format!(
                "environment variable `{name}` is not set (set it, or load it with --env-file)"
            ),
        )),
    }
}

fn fn_random_int(lo: i64, hi: i64) -> Result<i64, MjError> {
    if lo > hi {
        return Err(MjError::new(
            ErrorKind::InvalidOperation,
            format!("random_int({lo}, {hi}): low is above high"),
        ));
    }
    Ok(rand::random_range(lo..=hi))
}

fn filter_b64decode(s: String) -> Result<String, MjError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim()))
        .map_err(|e| MjError::new(ErrorKind::InvalidOperation, format!("b64decode: {e}")))?;
    String::from_utf8(bytes).map_err(|_| {
        MjError::new(
            ErrorKind::InvalidOperation,
            "b64decode: result is not UTF-8 text",
        )
    })
}

/// `now() | format("%Y-%m-%d")` formats a timestamp (strftime); any other value is
/// formatted printf-style (`"%s-%s" | format(a, b)`), as MiniJinja's own `format` does.
fn filter_format(value: MjValue, args: Rest<MjValue>) -> Result<String, MjError> {
    let text = value.to_string();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        let fmt = args
            .first()
            .map_or("%Y-%m-%dT%H:%M:%SZ".to_string(), ToString::to_string);
        return Ok(ts.strftime(&fmt).to_string());
    }
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                Some(_) => out.push_str(&args.next().map(ToString::to_string).unwrap_or_default()),
                None => out.push('%'),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}
