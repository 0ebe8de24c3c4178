//! The blocking HTTP client and the two-step token flow. (Stub: filled in by the client issue.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Error, Family};
use crate::secret::Secret;

/// A callback that receives one line per request (`-v`): method, URL without secrets, status.
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

/// How to reach a Nexus server.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL including the context path, e.g. `http://host:8081/nexus`.
    pub base_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request.
    pub timeout: Duration,
    /// Extra trusted CA certificates (PEM file, several allowed).
    pub ca_cert: Option<PathBuf>,
    /// Receives one line per request, for `-v`.
    pub trace: Option<Trace>,
}

impl ClientConfig {
    /// Defaults: 10 s to connect, 30 s per request.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            ca_cert: None,
            trace: None,
        }
    }
}

/// A user token as Nexus returns it.
#[derive(Debug, Clone)]
pub struct UserToken {
    /// The token's user part (`nameCode`).
    pub name_code: String,
    /// The token's password part (`passCode`).
    pub pass_code: Secret<String>,
    /// When the server created the token, as it sent it (opaque ISO-8601 string).
    pub created: Option<String>,
}

/// What detection found out about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The API family to use.
    pub family: Family,
    /// The version, when the server told it.
    pub version: Option<String>,
    /// The edition (`PRO`, `OSS`, ...), when the server told it.
    pub edition: Option<String>,
}

/// Token expiry as told by Nexus 3.69+ (`user-token/attributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenAttributes {
    /// Whether the server expires tokens at all.
    pub expiration_enabled: bool,
    /// Expiry time in milliseconds since the epoch, when enabled.
    pub expires_at_ms: Option<i64>,
}

/// A Nexus client bound to one base URL. (Stub.)
pub struct Client {
    config: ClientConfig,
}

impl Client {
    /// Builds the client (TLS roots, timeouts, redirect policy).
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        Ok(Client { config })
    }

    /// The base URL, without userinfo.
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Detects the family (and edition) for `--api auto`.
    pub fn detect(&self) -> Result<Detection, Error> {
        Err(Error::Other("not implemented yet".into()))
    }

    /// The two-step flow: ticket, then the current token.
    pub fn fetch_token(
        &self,
        _family: Family,
        _username: &str,
        _password: &Secret<String>,
    ) -> Result<UserToken, Error> {
        Err(Error::Other("not implemented yet".into()))
    }
}
