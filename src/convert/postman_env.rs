//! Postman environments into `--env` YAML files.

use serde_json::Value as Json;

use super::writer::{Y, document};
use super::{Converted, ImportError, Names, template};

/// Converts a Postman environment export into a YAML map for `baton run --env FILE`.
///
/// Secret values are not written: they become `{{ secret('NAME') }}`, read from the
/// process environment at run time; a warning names the variables to set.
pub fn postman_env(json: &str) -> Result<Converted, ImportError> {
    let root: Json = serde_json::from_str(json)?;
    let Some(values) = root.get("values").and_then(Json::as_array) else {
        let hint = if root.get("item").is_some() {
            "; this looks like a collection: use `baton import postman`"
        } else {
            ""
        };
        return Err(ImportError::NotEnvironment(format!(
            "there is no `values` list{hint}"
        )));
    };
    let name = root
        .get("name")
        .and_then(Json::as_str)
        .unwrap_or("environment");
    let mut names = Names::default();
    let mut doc = Y::map();
    let mut secrets = Vec::new();
    let mut warnings = Vec::new();
    let mut unknown = Vec::new();
    for v in values {
        let Some(key) = v.get("key").and_then(Json::as_str) else {
            continue;
        };
        let ident = names.ident(key);
        let value = v.get("value").cloned().unwrap_or(Json::Null);
        let enabled = v.get("enabled").and_then(Json::as_bool).unwrap_or(true)
            && !v.get("disabled").and_then(Json::as_bool).unwrap_or(false);
        let secret = v.get("type").and_then(Json::as_str) == Some("secret");
        if !enabled {
            let shown = if secret {
                "(secret)".to_string()
            } else {
                text(&value)
            };
            doc.comment(vec![format!("disabled in Postman: {ident}: {shown}")]);
            continue;
        }
        let y = if secret {
            let env = upper_snake(key);
            secrets.push(format!("{env} (for `{ident}`)"));
            Y::Str(format!("{{{{ secret('{env}') }}}}"))
        } else {
            match &value {
                Json::String(s) => Y::Str(template(s, &mut names, &mut unknown)),
                other => Y::from_json(other, &mut |s| s.to_string()),
            }
        };
        // Postman reads the last enabled value of a key given twice.
        match doc.get_mut(&ident) {
            Some(old) => {
                *old = y;
                warnings.push(format!(
                    "`{key}` is given more than once; the last enabled value is kept"
                ));
            }
            None => doc.put(ident, y),
        }
    }
    warnings.extend(names.warnings());
    for u in unknown {
        warnings.push(format!(
            "Postman dynamic variable `{u}` has no baton equivalent; replaced by its name"
        ));
    }
    if !secrets.is_empty() {
        warnings.push(format!("secret values are not written; set these environment variables (or use --env-file): {}", secrets.join(", ")));
    }
    Ok(Converted {
        yaml: env_document(name, doc),
        warnings,
    })
}

/// The `--env` file: a comment naming the environment, then its map (`{}` when empty).
fn env_document(name: &str, doc: Y) -> String {
    let header =
        format!("Variables of the Postman environment \"{name}\", for `baton run --env FILE`.");
    if doc.is_empty_map() {
        format!("# {header}\n{{}}\n")
    } else {
        document(&Y::Noted(vec![header], Box::new(doc)))
    }
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `apiKey` -> `API_KEY`, `client-secret` -> `CLIENT_SECRET`.
pub(crate) fn upper_snake(key: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in key.trim().chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() { "SECRET".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_keeps_its_last_enabled_value() {
        let env = r#"{"name": "e", "values": [
            {"key": "k", "value": "1", "enabled": true},
            {"key": "k", "value": "2", "enabled": true},
            {"key": "k", "value": "3", "enabled": false}
        ]}"#;
        let out = postman_env(env).unwrap();
        let doc = crate::format::yaml::parse(&out.yaml).unwrap().to_json();
        assert_eq!(doc["k"], "2", "{}", out.yaml);
        assert_eq!(out.yaml.matches("\nk:").count(), 1, "{}", out.yaml);
    }

    #[test]
    fn snake() {
        assert_eq!(upper_snake("apiKey"), "API_KEY");
        assert_eq!(upper_snake("client-secret"), "CLIENT_SECRET");
        assert_eq!(upper_snake("Auth_Token"), "AUTH_TOKEN");
        assert_eq!(upper_snake("oauth2Secret"), "OAUTH2_SECRET");
    }
}
