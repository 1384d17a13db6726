use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// What a backend (back-office) token may do: one read/write pair per area.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    #[serde(rename = "directory:read")]
    DirectoryRead,
    #[serde(rename = "directory:write")]
    DirectoryWrite,
    #[serde(rename = "customer_users:read")]
    CustomerUsersRead,
    #[serde(rename = "customer_users:write")]
    CustomerUsersWrite,
    #[serde(rename = "roles:read")]
    RolesRead,
    #[serde(rename = "roles:write")]
    RolesWrite,
    #[serde(rename = "consents:read")]
    ConsentsRead,
    #[serde(rename = "consents:write")]
    ConsentsWrite,
    #[serde(rename = "oauth_apps:read")]
    OauthAppsRead,
    #[serde(rename = "oauth_apps:write")]
    OauthAppsWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
}

impl Scope {
    pub const ALL: [Scope; 11] = [
        Scope::DirectoryRead,
        Scope::DirectoryWrite,
        Scope::CustomerUsersRead,
        Scope::CustomerUsersWrite,
        Scope::RolesRead,
        Scope::RolesWrite,
        Scope::ConsentsRead,
        Scope::ConsentsWrite,
        Scope::OauthAppsRead,
        Scope::OauthAppsWrite,
        Scope::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::DirectoryRead => "directory:read",
            Scope::DirectoryWrite => "directory:write",
            Scope::CustomerUsersRead => "customer_users:read",
            Scope::CustomerUsersWrite => "customer_users:write",
            Scope::RolesRead => "roles:read",
            Scope::RolesWrite => "roles:write",
            Scope::ConsentsRead => "consents:read",
            Scope::ConsentsWrite => "consents:write",
            Scope::OauthAppsRead => "oauth_apps:read",
            Scope::OauthAppsWrite => "oauth_apps:write",
            Scope::AuditRead => "audit:read",
        }
    }

    /// Parses an RFC 6749 space-delimited scope list; the first unknown scope is the error.
    pub fn parse_list(raw: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for part in raw.split(' ').filter(|p| !p.is_empty()) {
            let scope = part.parse::<Scope>().map_err(|_| part.to_owned())?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips_through_text_and_json() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
        }
    }

    #[test]
    fn lists_are_space_delimited_and_deduplicated() {
        assert_eq!(
            Scope::parse_list(" directory:read  directory:read roles:write"),
            Ok(vec![Scope::DirectoryRead, Scope::RolesWrite])
        );
        assert_eq!(
            Scope::parse_list("directory:read admin"),
            Err("admin".into())
        );
        assert_eq!(Scope::parse_list(""), Ok(vec![]));
    }
}
