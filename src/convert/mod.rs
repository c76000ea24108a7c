//! Importers: Postman collections and environments, and curl commands, into baton YAML text
//! (OpenAPI documents are imported by `crate::openapi`, with the same writer and types).
//!
//! Importers never drop input silently: what has no baton equivalent is kept as a YAML
//! comment next to where it belonged and reported in `warnings`.

mod curl;
pub mod export;
mod postman;
mod postman_env;
pub(crate) mod writer;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use curl::curl;
pub use postman::{postman, postman_to};
pub use postman_env::postman_env;
pub(crate) use postman_env::upper_snake;

/// The result of an import: files to write (relative names) and what the user should know.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub files: Vec<(PathBuf, String)>,
    pub warnings: Vec<String>,
}

/// One converted YAML document and what the user should know about it.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    pub yaml: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the input is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("not a Postman collection: {0}")]
    NotPostman(String),
    #[error("not a Postman environment: {0}")]
    NotEnvironment(String),
    #[error("cannot split the curl command into words: {0}")]
    CurlSyntax(String),
    #[error("the command does not start with `curl` but with `{0}`")]
    NotCurl(String),
    #[error("curl option `{0}` needs a value")]
    CurlMissingValue(String),
    #[error("curl option `{flag}` is not supported: {why}")]
    CurlUnsupported { flag: String, why: String },
    #[error(
        "curl option `{0}` is not known to baton's importer (remove it, or write the request by hand)"
    )]
    CurlUnknownOption(String),
    #[error("the input has no curl command (give one as an argument, or on stdin with `-`)")]
    CurlEmpty,
    #[error("the curl command has no URL")]
    CurlNoUrl,
    #[error(
        "the curl command has more than one URL (`{0}` and `{1}`); give each URL its own curl command"
    )]
    CurlManyUrls(String, String),
    #[error("the command on line {line}: {source}")]
    CurlAt {
        line: usize,
        source: Box<ImportError>,
    },
}

/// Postman variable names mapped to baton identifiers, the same way for every importer.
///
/// MiniJinja reads `base-url` as a subtraction, so names that are not identifiers are
/// renamed (`base-url` -> `base_url`), and names that clash with template functions or
/// keywords get a trailing `_`.
#[derive(Debug, Default)]
pub(crate) struct Names {
    map: BTreeMap<String, String>,
    taken: BTreeMap<String, String>,
    pub renamed: Vec<(String, String)>,
}

impl Names {
    pub fn ident(&mut self, original: &str) -> String {
        if let Some(n) = self.map.get(original) {
            return n.clone();
        }
        let base = sanitize(original);
        let mut name = base.clone();
        let mut i = 2;
        while self.taken.get(&name).is_some_and(|o| o != original) {
            name = format!("{base}_{i}");
            i += 1;
        }
        self.taken.insert(name.clone(), original.to_string());
        self.map.insert(original.to_string(), name.clone());
        if name != original {
            self.renamed.push((original.to_string(), name.clone()));
        }
        name
    }

    pub fn warnings(&self) -> Vec<String> {
        self.renamed
            .iter()
            .map(|(o, n)| {
                format!(
                    "variable `{o}` is renamed to `{n}` (template variables must be identifiers)"
                )
            })
            .collect()
    }
}

const RESERVED: [&str; 20] = [
    "env",
    "fake",
    "secret",
    "uuid",
    "now",
    "random_int",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "loop",
];

pub(crate) fn sanitize(s: &str) -> String {
    let mut out: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("var");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Converts Postman `{{name}}` references in text into baton templates `{{ name }}`.
///
/// Dynamic variables (`{{$guid}}`) become template functions where baton has one; the
/// others are replaced by their literal name and reported through `unknown`.
pub(crate) fn template(s: &str, names: &mut Names, unknown: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let inner = rest[start + 2..start + 2 + len].trim();
        out.push_str(&escape_jinja(&rest[..start]));
        if inner.is_empty() || inner.contains('{') {
            out.push_str(&escape_jinja(&rest[start..start + 4 + len]));
        } else if let Some(dynamic) = inner.strip_prefix('$') {
            match dynamic_variable(dynamic) {
                Some(expr) => {
                    out.push_str("{{ ");
                    out.push_str(&expr);
                    out.push_str(" }}");
                }
                None => {
                    unknown.push(format!("{{{{{inner}}}}}"));
                    out.push_str(&escape_jinja(inner));
                }
            }
        } else {
            out.push_str("{{ ");
            out.push_str(&names.ident(inner));
            out.push_str(" }}");
        }
        rest = &rest[start + 4 + len..];
    }
    out.push_str(&escape_jinja(rest));
    out
}

/// A file name from a title: lowercase letters and digits joined by `-`; `fallback` when
/// nothing is left (`"🔐 Auth"` -> `auth`).
pub(crate) fn slug(s: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        fallback.into()
    } else {
        out.into()
    }
}

/// Text outside `{{ }}` that MiniJinja would still read as a tag or comment.
pub(crate) fn escape_jinja(s: &str) -> String {
    if !s.contains("{%") && !s.contains("{#") && !s.contains("{{") {
        return s.to_string();
    }
    s.replace("{{", "{{ '{{' }}")
        .replace("{%", "{{ '{%' }}")
        .replace("{#", "{{ '{#' }}")
}

fn dynamic_variable(name: &str) -> Option<String> {
    Some(match name {
        "guid" | "randomUUID" => "uuid()".into(),
        "timestamp" => "now() | format('%s')".into(),
        "isoTimestamp" => "now()".into(),
        "randomInt" => "random_int(0, 1000)".into(),
        "randomBoolean" => "random_int(0, 1) == 1".into(),
        _ => {
            let kind = name.strip_prefix("random")?;
            if !POSTMAN_FAKE.contains(&kind) {
                return None;
            }
            let mut chars = kind.chars();
            let first = chars.next()?.to_ascii_lowercase();
            format!("fake('{first}{}')", chars.as_str())
        }
    })
}

/// Postman's `{{$random...}}` dynamic variables (without `random`), which `fake()` offers.
const POSTMAN_FAKE: &[&str] = &[
    "AlphaNumeric",
    "Color",
    "HexColor",
    "Abbreviation",
    "IP",
    "IPV6",
    "MACAddress",
    "Password",
    "Locale",
    "UserAgent",
    "Protocol",
    "Semver",
    "FirstName",
    "LastName",
    "FullName",
    "NamePrefix",
    "NameSuffix",
    "JobArea",
    "JobDescriptor",
    "JobTitle",
    "JobType",
    "PhoneNumber",
    "PhoneNumberExt",
    "City",
    "StreetName",
    "StreetAddress",
    "Country",
    "CountryCode",
    "Latitude",
    "Longitude",
    "AvatarImage",
    "ImageUrl",
    "AbstractImage",
    "AnimalsImage",
    "BusinessImage",
    "CatsImage",
    "CityImage",
    "FoodImage",
    "NightlifeImage",
    "FashionImage",
    "PeopleImage",
    "NatureImage",
    "SportsImage",
    "TransportImage",
    "ImageDataUri",
    "BankAccount",
    "BankAccountName",
    "CreditCardMask",
    "BankAccountBic",
    "BankAccountIban",
    "TransactionType",
    "CurrencyCode",
    "CurrencyName",
    "CurrencySymbol",
    "Bitcoin",
    "CompanyName",
    "CompanySuffix",
    "Bs",
    "BsAdjective",
    "BsBuzz",
    "BsNoun",
    "CatchPhrase",
    "CatchPhraseAdjective",
    "CatchPhraseDescriptor",
    "CatchPhraseNoun",
    "DatabaseColumn",
    "DatabaseType",
    "DatabaseCollation",
    "DatabaseEngine",
    "DateFuture",
    "DatePast",
    "DateRecent",
    "Weekday",
    "Month",
    "DomainName",
    "DomainSuffix",
    "DomainWord",
    "Email",
    "ExampleEmail",
    "UserName",
    "Url",
    "FileName",
    "FileType",
    "FileExt",
    "CommonFileName",
    "CommonFileType",
    "CommonFileExt",
    "FilePath",
    "DirectoryPath",
    "MimeType",
    "Price",
    "Product",
    "ProductAdjective",
    "ProductMaterial",
    "ProductName",
    "Department",
    "Noun",
    "Verb",
    "Ingverb",
    "Adjective",
    "Word",
    "Words",
    "Phrase",
    "LoremWord",
    "LoremWords",
    "LoremSentence",
    "LoremSentences",
    "LoremParagraph",
    "LoremParagraphs",
    "LoremText",
    "LoremSlug",
    "LoremLines",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_names() {
        let mut names = Names::default();
        let mut unknown = Vec::new();
        assert_eq!(
            template("{{base-url}}/x/{{id}}", &mut names, &mut unknown),
            "{{ base_url }}/x/{{ id }}"
        );
        assert_eq!(
            template(
                "{{$guid}} {{$timestamp}} {{$randomInt}}",
                &mut names,
                &mut unknown
            ),
            "{{ uuid() }} {{ now() | format('%s') }} {{ random_int(0, 1000) }}"
        );
        assert_eq!(
            template(
                "{{$randomFirstName}} {{$randomEmail}}",
                &mut names,
                &mut unknown
            ),
            "{{ fake('firstName') }} {{ fake('email') }}"
        );
        assert_eq!(
            template("{{$randomNope}}", &mut names, &mut unknown),
            "$randomNope"
        );
        assert_eq!(unknown, ["{{$randomNope}}"]);
        assert_eq!(names.ident("base_url"), "base_url_2");
        assert_eq!(names.ident("now"), "now_");
        assert_eq!(names.ident("Total Price"), "Total_Price");
        assert_eq!(names.ident("2fa"), "_2fa");
    }
}
