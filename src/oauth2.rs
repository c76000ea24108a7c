//! OAuth2 client credentials and the run-wide token cache. (Being written on another branch; this is the interface.)

use std::time::Duration;

use crate::collection::model::ClientAuth;

pub struct TokenRequest {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
    pub client_auth: ClientAuth,
}

#[derive(Clone, Default)]
pub struct TokenCache {}

pub struct Token {
    pub value: String,
    pub fetched: Option<FetchInfo>,
}

pub struct FetchInfo {
    pub url: String,
    pub status: u16,
    pub duration: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token request failed: {0}")]
    Failed(String),
}

impl TokenCache {
    pub async fn token(
        &self,
        client: &reqwest::Client,
        req: &TokenRequest,
    ) -> Result<Token, TokenError> {
        let _ = (client, req);
        Err(TokenError::Failed("not yet".into()))
    }
    pub fn invalidate(&self, req: &TokenRequest, token: &str) {
        let _ = (req, token);
    }
}
