//! `jwt_hs256(claims, key)`: a template function that signs a JWT, so a mock can send a
//! callback signed the way a provider signs it (emnify signs with the API callback secret).

use minijinja::value::Value as MjValue;
use minijinja::{Error as MjError, ErrorKind};
use serde_json::Value as Json;

/// Sign `claims` (a map) with HMAC-SHA256 under `key`; the compact `header.payload.signature`.
pub fn jwt_hs256(claims: MjValue, key: String) -> Result<String, MjError> {
    let fail = |m: String| MjError::new(ErrorKind::InvalidOperation, format!("jwt_hs256: {m}"));
    let claims: Json = serde_json::to_value(&claims).map_err(|e| fail(e.to_string()))?;
    if !claims.is_object() {
        return Err(fail(
            "the claims are a map, e.g. jwt_hs256({'sub': 'demo'}, secret('KEY'))".into(),
        ));
    }
    if key.is_empty() {
        return Err(fail("the key is empty".into()));
    }
    let key =
        jsonwebtoken::EncodingKey::from_secret(key.as_bytes()).map_err(|e| fail(e.to_string()))?;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &key,
    )
    .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::source::Pos;
    use crate::template::{Tmpl, Vars};

    fn render(src: &str) -> Result<String, String> {
        Tmpl::compile(src, Pos::default())
            .map_err(|e| e.to_string())?
            .render_string(&Vars::new())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn signs_a_token_that_verifies() {
        let token =
            render("{{ jwt_hs256({'sub': 'demo', 'exp': 4102444800, 'n': 1}, 'k3y') }}").unwrap();
        let header = token.split('.').next().unwrap();
        let header =
            base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
                .unwrap();
        assert_eq!(header, br#"{"typ":"JWT","alg":"HS256"}"#);
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Json>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(b"k3y").unwrap(),
            &v,
        )
        .unwrap();
        assert_eq!(data.claims["sub"], "demo");
        assert_eq!(data.claims["n"], 1);
        assert!(
            jsonwebtoken::decode::<Json>(
                &token,
                &jsonwebtoken::DecodingKey::from_secret(b"other").unwrap(),
                &v,
            )
            .is_err()
        );
    }

    #[test]
    fn bad_arguments_say_what_to_give() {
        let e = render("{{ jwt_hs256('x', 'k') }}").unwrap_err();
        assert!(e.contains("jwt_hs256: the claims are a map"), "{e}");
        let e = render("{{ jwt_hs256({}, '') }}").unwrap_err();
        assert!(e.contains("jwt_hs256: the key is empty"), "{e}");
    }
}
