//! The authorization request (RFC 6749 4.1.1 with PKCE, RFC 7636 4.3): first the
//! client and its exact redirect URI (an error page when either is wrong, never a
//! redirect), then everything else (errors go back to the redirect URI with `state`).

use shared::{
    application::{Application, Owner, application_id_of},
    auth::Scope,
    session::is_s256_challenge,
};

use crate::SignInState;

/// The parameters of an authorization request, each at most once.
#[derive(Debug, Default, Clone)]
pub struct Params {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub ui_locales: Option<String>,
    /// The sign-in form's own fields (POST only).
    pub email: Option<String>,
    pub password: Option<String>,
    pub csrf: Option<String>,
}

/// Why a request is refused before its redirect URI is trusted.
#[derive(Debug, PartialEq, Eq)]
pub enum Untrusted {
    /// A parameter sent twice, or a form that is not a form.
    Malformed,
    BadClient,
    BadRedirect,
}

/// An RFC 6749 (4.1.2.1) error for the trusted redirect URI.
#[derive(Debug, PartialEq, Eq)]
pub struct Redirected {
    pub error: &'static str,
    pub description: &'static str,
}

/// An authorization request whose client and redirect URI are trusted.
pub struct Trusted {
    pub application: Application,
    pub redirect_uri: String,
    pub params: Params,
}

/// A valid authorization request.
pub struct Valid {
    pub trusted: Trusted,
    pub scopes: Vec<Scope>,
    pub code_challenge: String,
}

/// Longest `state` accepted: it travels in URLs.
const MAX_STATE: usize = 1024;

pub fn parse(raw: &[u8]) -> Result<Params, Untrusted> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(raw).map_err(|_| Untrusted::Malformed)?;
    let mut params = Params::default();
    for (name, value) in pairs {
        let slot = match name.as_str() {
            "client_id" => &mut params.client_id,
            "redirect_uri" => &mut params.redirect_uri,
            "response_type" => &mut params.response_type,
            "scope" => &mut params.scope,
            "state" => &mut params.state,
            "code_challenge" => &mut params.code_challenge,
            "code_challenge_method" => &mut params.code_challenge_method,
            "ui_locales" => &mut params.ui_locales,
            "email" => &mut params.email,
            "password" => &mut params.password,
            "csrf" => &mut params.csrf,
            _ => continue,
        };
        // RFC 6749 (3.1): parameters must not be repeated; empty counts as omitted.
        if slot.is_some() {
            return Err(Untrusted::Malformed);
        }
        if !value.is_empty() {
            *slot = Some(value);
        }
    }
    Ok(params)
}

/// The client and its redirect URI, exactly as registered.
pub async fn trust(state: &SignInState, params: Params) -> Result<Trusted, Untrusted> {
    let application_id = params
        .client_id
        .as_deref()
        .and_then(application_id_of)
        .ok_or(Untrusted::BadClient)?;
    let application = state
        .applications
        .get_application(application_id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "the client could not be read");
            Untrusted::BadClient
        })?
        .filter(|a| a.usable())
        .ok_or(Untrusted::BadClient)?;
    let redirect_uri = params
        .redirect_uri
        .as_deref()
        .and_then(|uri| application.redirect_uri(uri))
        .ok_or(Untrusted::BadRedirect)?
        .as_str()
        .to_owned();
    Ok(Trusted {
        application,
        redirect_uri,
        params,
    })
}

/// The rest of the request, now that errors may go back to the client.
/// A refusal carries the trusted request, to answer at its redirect URI.
pub type Refused = Box<(Trusted, Redirected)>;

pub fn validate(trusted: Trusted) -> Result<Valid, Refused> {
    let refuse = |error, description| Redirected { error, description };
    let p = &trusted.params;
    let problem = if p.response_type.as_deref() != Some("code") {
        Some(refuse(
            "unsupported_response_type",
            "response_type must be code",
        ))
    } else if p.state.as_deref().is_some_and(|s| s.len() > MAX_STATE) {
        Some(refuse("invalid_request", "state is too long"))
    } else if p.code_challenge_method.as_deref() != Some("S256") {
        Some(refuse(
            "invalid_request",
            "PKCE is required: code_challenge_method must be S256",
        ))
    } else if !p.code_challenge.as_deref().is_some_and(is_s256_challenge) {
        Some(refuse(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the code verifier",
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        return Err(Box::new((trusted, problem)));
    }
    let scopes = match scopes(&trusted.application, p.scope.as_deref()) {
        Ok(scopes) => scopes,
        Err(problem) => return Err(Box::new((trusted, problem))),
    };
    let code_challenge = p.code_challenge.clone().unwrap_or_default();
    Ok(Valid {
        trusted,
        scopes,
        code_challenge,
    })
}

/// A back-office client grants scopes it holds (none asked: all it holds, narrowed
/// to the person's at sign-in); a storefront client grants none (roles decide).
fn scopes(application: &Application, raw: Option<&str>) -> Result<Vec<Scope>, Redirected> {
    let invalid = Redirected {
        error: "invalid_scope",
        description: "a requested scope is unknown or not held by this client",
    };
    let requested = match raw {
        None => Vec::new(),
        Some(raw) => Scope::parse_list(raw).map_err(|_| Redirected { ..invalid })?,
    };
    match application.owner {
        Owner::Frontend { .. } if !requested.is_empty() => Err(invalid),
        Owner::Frontend { .. } => Ok(Vec::new()),
        Owner::Backend { .. } => application.grant(&requested).map_err(|_| invalid),
    }
}

/// `base` with the query parameters added (after any it has).
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_malformed() {
        assert_eq!(
            parse(b"client_id=a&client_id=b").err(),
            Some(Untrusted::Malformed)
        );
        let params = parse(b"client_id=a&state=&unknown=1").unwrap();
        assert_eq!(params.client_id.as_deref(), Some("a"));
        assert_eq!(params.state, None);
    }

    #[test]
    fn query_parameters_follow_an_existing_query() {
        assert_eq!(
            with_query(
                "https://a.example/cb?x=1",
                &[("code", "c d"), ("state", "s&")]
            ),
            "https://a.example/cb?x=1&code=c+d&state=s%26"
        );
        assert_eq!(
            with_query("https://a.example/cb", &[("code", "c")]),
            "https://a.example/cb?code=c"
        );
    }
}
