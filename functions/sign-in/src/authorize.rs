//! `GET /oauth2/authorize` shows the sign-in page; `POST /oauth2/authorize` checks the
//! email and password and sends the browser back to the client with a code.

use std::sync::OnceLock;

use axum::{
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use shared::{
    application::Owner,
    auth::{Pepper, SecretHash},
    customer_user::{Password, PasswordDigest},
    domain::{Email, now},
    http::MAX_BODY_BYTES,
    session::{AuthorizationCode, Person, random_token},
};

use crate::{
    SignInState,
    locale::{Words, choose},
    page::{Form, error_page, html, origin_of, sign_in_page},
    request::{Redirected, Trusted, Untrusted, Valid, parse, trust, validate, with_query},
};

/// The cookie that binds the form's CSRF token to this browser.
const CSRF_COOKIE: &str = "__Host-sign-in";

/// The form's CSRF token: a keyed hash of the browser's cookie nonce.
fn csrf_token(pepper: &Pepper, nonce: &str) -> String {
    SecretHash::keyed(pepper, &format!("sign-in-csrf:{nonce}"))
        .as_str()
        .to_owned()
}

fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == CSRF_COOKIE && value.len() == 43)
        .map(|(_, value)| value.to_owned())
}

fn words(headers: &HeaderMap, ui_locales: Option<&str>) -> &'static Words {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    choose(ui_locales, accept)
}

fn untrusted_page(words: &'static Words, why: Untrusted) -> Response {
    let message = match why {
        Untrusted::BadRedirect => words.bad_redirect,
        Untrusted::BadClient | Untrusted::Malformed => words.bad_client,
    };
    tracing::info!(?why, "refused an authorization request");
    html(StatusCode::BAD_REQUEST, error_page(words, message), None)
}

/// Back to the client's trusted redirect URI, with `state` (and `iss`, RFC 9207).
fn redirect(state: &SignInState, trusted: &Trusted, pairs: &[(&str, &str)]) -> Response {
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    if let Some(s) = trusted.params.state.as_deref() {
        all.push(("state", s));
    }
    all.push(("iss", state.issuer.as_str()));
    let location = with_query(&trusted.redirect_uri, &all);
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
    crate::page::secure_headers(headers, None);
    response
}

fn redirect_error(state: &SignInState, trusted: &Trusted, problem: Redirected) -> Response {
    tracing::info!(
        error = problem.error,
        "authorization request refused to the client"
    );
    redirect(
        state,
        trusted,
        &[
            ("error", problem.error),
            ("error_description", problem.description),
        ],
    )
}

/// The hidden fields that carry the authorization request through the form.
fn hidden_fields(valid: &Valid) -> Vec<(&'static str, String)> {
    let p = &valid.trusted.params;
    let mut fields = vec![
        ("client_id", p.client_id.clone().unwrap_or_default()),
        ("redirect_uri", valid.trusted.redirect_uri.clone()),
        ("response_type", "code".to_owned()),
        ("code_challenge", valid.code_challenge.clone()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    for (name, value) in [
        ("scope", &p.scope),
        ("state", &p.state),
        ("ui_locales", &p.ui_locales),
    ] {
        if let Some(value) = value {
            fields.push((name, value.clone()));
        }
    }
    fields
}

/// The sign-in page for a valid request, with a CSRF token bound to a cookie.
async fn show(
    state: &SignInState,
    headers: &HeaderMap,
    valid: &Valid,
    email: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let words = words(headers, valid.trusted.params.ui_locales.as_deref());
    let Some(pepper) = state.pepper.get().await else {
        tracing::warn!("the sign-in page has no pepper");
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            error_page(words, words.bad_client),
            None,
        );
    };
    let nonce = cookie_nonce(headers).unwrap_or_else(random_token);
    let csrf = csrf_token(&pepper, &nonce);
    let target = origin_of(&valid.trusted.redirect_uri);
    // A storefront's own password-reset page (where its reset emails lead, too).
    let forgot_url = match valid.trusted.application.owner {
        Owner::Frontend { .. } => target
            .as_ref()
            .map(|origin| format!("{origin}/customer-user/password-reset")),
        Owner::Backend { .. } => None,
    };
    let hidden = hidden_fields(valid);
    let body = sign_in_page(&Form {
        words,
        hidden: &hidden,
        csrf: &csrf,
        email,
        error,
        forgot_url,
    });
    let mut response = html(status, body, target.as_deref());
    let cookie =
        format!("{CSRF_COOKIE}={nonce}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Shows the sign-in page for an authorization request.
#[utoipa::path(
    get,
    path = "/oauth2/authorize", operation_id = "showSignIn",
    tag = "sign-in",
    params(
        ("client_id" = String, Query, description = "The client (a public or confidential application with redirect URIs)"),
        ("redirect_uri" = String, Query, description = "Exactly one of the client's registered redirect URIs"),
        ("response_type" = String, Query, description = "`code`"),
        ("code_challenge" = String, Query, description = "PKCE: base64url(SHA-256(code_verifier))"),
        ("code_challenge_method" = String, Query, description = "`S256` (required)"),
        ("state" = Option<String>, Query, description = "Returned unchanged with the code or the error"),
        ("scope" = Option<String>, Query, description = "Back-office clients: space-delimited scopes (default: all the client holds, narrowed to the person's)"),
        ("ui_locales" = Option<String>, Query, description = "Preferred languages (en-US, de-DE, fr-FR); else Accept-Language")
    ),
    responses(
        (status = 200, description = "The sign-in page (HTML, no-store, strict Content-Security-Policy)", content_type = "text/html"),
        (status = 303, description = "Back to the redirect URI with `error` and `state` (a bad request from a trusted client)"),
        (status = 400, description = "An error page: unknown or inactive client, or a redirect URI not registered for it (never a redirect)", content_type = "text/html")
    )
)]
pub async fn page(State(state): State<SignInState>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or("").as_bytes().to_vec();
    let headers = request.headers();
    let fallback = words(headers, None);
    let trusted = match parse(&query) {
        Ok(params) => trust(&state, params).await,
        Err(why) => Err(why),
    };
    let trusted = match trusted {
        Ok(trusted) => trusted,
        Err(why) => return untrusted_page(fallback, why),
    };
    match validate(trusted) {
        Ok(valid) => show(&state, headers, &valid, "", None, StatusCode::OK).await,
        Err(refused) => {
            let (trusted, problem) = *refused;
            redirect_error(&state, &trusted, problem)
        }
    }
}

/// Checks the email and password of the sign-in form.
#[utoipa::path(
    post,
    path = "/oauth2/authorize", operation_id = "submitSignIn",
    tag = "sign-in",
    request_body(
        content_type = "application/x-www-form-urlencoded",
        description = "The sign-in form: the authorization request's parameters (as in GET), csrf (from the page, with its cookie), email and password",
        content = String
    ),
    responses(
        (status = 303, description = "Back to the redirect URI with `code`, `state` and `iss`; or with `error` and `state`"),
        (status = 400, description = "The page again with one answer for every failed sign-in, or an error page for a bad client or redirect URI", content_type = "text/html"),
        (status = 403, description = "The page again: the form expired or its CSRF token does not match the cookie", content_type = "text/html")
    )
)]
pub async fn submit(State(state): State<SignInState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let fallback = words(headers, None);
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return untrusted_page(fallback, Untrusted::Malformed);
    };
    let trusted = match parse(&body) {
        Ok(params) => trust(&state, params).await,
        Err(why) => Err(why),
    };
    let trusted = match trusted {
        Ok(trusted) => trusted,
        Err(why) => return untrusted_page(fallback, why),
    };
    let valid = match validate(trusted) {
        Ok(valid) => valid,
        Err(refused) => {
            let (trusted, problem) = *refused;
            return redirect_error(&state, &trusted, problem);
        }
    };
    let words = words(headers, valid.trusted.params.ui_locales.as_deref());
    let email = valid.trusted.params.email.clone().unwrap_or_default();
    let Some(pepper) = state.pepper.get().await else {
        tracing::warn!("the sign-in form has no pepper");
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            error_page(words, words.bad_client),
            None,
        );
    };
    let csrf_ok = match (cookie_nonce(headers), valid.trusted.params.csrf.as_deref()) {
        (Some(nonce), Some(presented)) => {
            SecretHash::keyed(&pepper, &format!("sign-in-csrf:{nonce}")).equals(presented)
        }
        _ => false,
    };
    if !csrf_ok {
        tracing::info!("sign-in form refused: missing or mismatched CSRF token");
        return show(
            &state,
            headers,
            &valid,
            &email,
            Some(words.expired_form),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let password = valid.trusted.params.password.clone().unwrap_or_default();
    let person = match check_credentials(&state, &valid, &email, &password).await {
        Ok(person) => person,
        Err(reason) => {
            tracing::info!(
                reason,
                client_id = valid.trusted.params.client_id.as_deref().unwrap_or(""),
                "sign-in failed"
            );
            return show(
                &state,
                headers,
                &valid,
                &email,
                Some(words.failed),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let (code, stored) = AuthorizationCode::issue(
        &pepper,
        valid.trusted.application.id,
        &valid.trusted.redirect_uri,
        &valid.code_challenge,
        person.person,
        person.scopes,
        now(),
    );
    if let Err(error) = state.sessions.put_code(&stored).await {
        tracing::error!(%error, "the authorization code was not stored");
        return redirect_error(
            &state,
            &valid.trusted,
            Redirected {
                error: "temporarily_unavailable",
                description: "try again",
            },
        );
    }
    tracing::info!(sub = %person.person.subject(), "signed in");
    redirect(&state, &valid.trusted, &[("code", &code)])
}

/// Who signed in, and the scopes the session gets.
struct SignedIn {
    person: Person,
    scopes: Vec<shared::auth::Scope>,
}

/// A digest that no password matches, checked when there is no account, so that an
/// unknown email costs the same time as a wrong password.
fn decoy_digest() -> &'static PasswordDigest {
    static DECOY: OnceLock<PasswordDigest> = OnceLock::new();
    DECOY.get_or_init(|| Password::generate().hash())
}

fn verify(digest: Option<&PasswordDigest>, password: &str) -> bool {
    match digest {
        Some(digest) => digest.verify(password),
        None => {
            decoy_digest().verify(password);
            false
        }
    }
}

/// The person the email and password name, for this client: customer users of the
/// client's organization for a storefront client, back-office users of it for a
/// back-office client. The reason of a failure is for the log only.
async fn check_credentials(
    state: &SignInState,
    valid: &Valid,
    email: &str,
    password: &str,
) -> Result<SignedIn, &'static str> {
    let application = &valid.trusted.application;
    let email = Email::parse(email).map_err(|_| "not an email address")?;
    let store_error = |error: shared::ports::StoreError| {
        tracing::error!(%error, "the account could not be read");
        "the account could not be read"
    };
    match application.owner {
        Owner::Frontend { .. } => {
            let found = state
                .customer_users
                .customer_user_by_email(application.organization_id, &email)
                .await
                .map_err(store_error)?;
            let matches = verify(found.as_ref().and_then(|u| u.password.as_ref()), password);
            let user = found.ok_or("unknown email")?;
            if !matches {
                return Err("wrong password or none set");
            }
            if !user.enabled {
                return Err("disabled customer user");
            }
            if !user.confirmed {
                return Err("unconfirmed customer user");
            }
            if user.password_reset_required {
                return Err("a password reset is required");
            }
            Ok(SignedIn {
                person: Person::Customer {
                    customer_user_id: user.id,
                },
                scopes: Vec::new(),
            })
        }
        Owner::Backend { .. } => {
            let found = state
                .users
                .user_for_sign_in(&email)
                .await
                .map_err(store_error)?;
            let matches = verify(found.as_ref().and_then(|(_, d)| d.as_ref()), password);
            let (user, _) = found.ok_or("unknown email")?;
            if !matches {
                return Err("wrong password or none set");
            }
            if !user.enabled {
                return Err("disabled user");
            }
            if user.organization_id != application.organization_id {
                return Err("a user of another organization");
            }
            // The session holds what was asked of the client and the person holds.
            Ok(SignedIn {
                person: Person::BackOffice { user_id: user.id },
                scopes: valid
                    .scopes
                    .iter()
                    .copied()
                    .filter(|scope| user.scopes.contains(scope))
                    .collect(),
            })
        }
    }
}
