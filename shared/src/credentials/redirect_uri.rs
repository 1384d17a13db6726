//! Public clients and their redirect URIs: what the authorization endpoint may send a
//! browser back to, compared exactly (RFC 9700 2.1: no wildcards, no patterns).

use serde::{Deserialize, Serialize};

/// How an application authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    /// Holds a client secret (a server): client_credentials, and the authorization
    /// code grant with its secret.
    #[default]
    Confidential,
    /// Holds no secret (a browser app, a console on a workstation): people sign in
    /// through it with the authorization code grant and PKCE only.
    Public,
}

/// An application's registered redirect URIs are at most this many.
pub const MAX_REDIRECT_URIS: usize = 5;

/// An absolute `https` URI, or `http` on a loopback host (RFC 8252 7.3), without
/// fragment, user info or wildcard, compared byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

impl RedirectUri {
    pub const MAX_CHARS: usize = 512;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > Self::MAX_CHARS {
            return Err("must be an absolute URI of at most 512 characters");
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters");
        }
        if raw.contains('*') {
            return Err("must be exact: wildcards are not allowed");
        }
        if raw.contains('#') {
            return Err("must not have a fragment");
        }
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or("must be an absolute https URI")?;
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        if authority.contains('@') {
            return Err("must not carry user information");
        }
        let host = host_of(authority);
        if host.is_empty() {
            return Err("must name a host");
        }
        match scheme {
            "https" => Ok(Self(raw.to_owned())),
            "http" if matches!(host, "127.0.0.1" | "[::1]" | "localhost") => {
                Ok(Self(raw.to_owned()))
            }
            "http" => Err(
                "http is allowed on a loopback host only (127.0.0.1, [::1], localhost): use https",
            ),
            _ => Err("must be an https URI (or http on a loopback host)"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this URI, exactly.
    pub fn is(&self, presented: &str) -> bool {
        self.0 == presented
    }
}

fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map(|end| &authority[..=end])
            .unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

impl TryFrom<String> for RedirectUri {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RedirectUri> for String {
    fn from(value: RedirectUri) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_only() {
        assert!(RedirectUri::parse("https://shop.example.com/callback").is_ok());
        assert!(RedirectUri::parse("https://shop.example.com/cb?x=1").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1:8765/callback").is_ok());
        assert!(RedirectUri::parse("http://[::1]:8765/callback").is_ok());
        assert!(RedirectUri::parse("http://localhost/cb").is_ok());
        assert!(RedirectUri::parse("http://shop.example.com/cb").is_err());
        assert!(RedirectUri::parse("http://localhost.evil.com/cb").is_err());
        assert!(RedirectUri::parse("http://127.0.0.1.evil.com/cb").is_err());
        assert!(RedirectUri::parse("javascript:alert(1)").is_err());
        assert!(RedirectUri::parse("ftp://x.example/cb").is_err());
        assert!(RedirectUri::parse("/callback").is_err());
    }

    #[test]
    fn no_wildcard_fragment_or_user_info() {
        assert!(RedirectUri::parse("https://*.example.com/cb").is_err());
        assert!(RedirectUri::parse("https://shop.example.com/cb#x").is_err());
        assert!(RedirectUri::parse("https://user@shop.example.com/cb").is_err());
        assert!(RedirectUri::parse("https:///cb").is_err());
        assert!(RedirectUri::parse(&format!("https://a.example/{}", "x".repeat(600))).is_err());
    }

    #[test]
    fn comparison_is_exact() {
        let uri = RedirectUri::parse("https://shop.example.com/cb").unwrap();
        assert!(uri.is("https://shop.example.com/cb"));
        assert!(!uri.is("https://shop.example.com/cb/"));
        assert!(!uri.is("https://SHOP.example.com/cb"));
        assert!(!uri.is("https://shop.example.com/cb?x=1"));
    }
}
