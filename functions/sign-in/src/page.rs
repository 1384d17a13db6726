//! The HTML of the sign-in and error pages, and the headers that keep them safe: no
//! caching, no framing, no script, no referrer.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::locale::Words;

/// Escapes text for an HTML text node or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The origin (`scheme://authority`) of a registered redirect URI, when it is plain
/// enough to name in a header.
pub fn origin_of(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let plain = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    plain.then(|| format!("{scheme}://{authority}"))
}

/// What the sign-in form shows and carries.
pub struct Form<'a> {
    pub words: &'static Words,
    /// The authorization request, carried in hidden fields (each checked again on POST).
    pub hidden: &'a [(&'static str, String)],
    pub csrf: &'a str,
    pub email: &'a str,
    /// The error to announce, if the last attempt failed.
    pub error: Option<&'a str>,
    pub forgot_url: Option<String>,
}

pub fn sign_in_page(form: &Form<'_>) -> String {
    let w = form.words;
    let mut hidden = String::new();
    for (name, value) in form.hidden {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
            escape(value)
        ));
    }
    let error = match form.error {
        Some(message) => format!("<p id=\"error\" role=\"alert\">{}</p>\n", escape(message)),
        None => "<div id=\"error\" role=\"alert\"></div>\n".to_owned(),
    };
    let invalid = if form.error.is_some() {
        " aria-invalid=\"true\" aria-describedby=\"error\""
    } else {
        ""
    };
    // With an error the password field takes the focus: the email is kept.
    let (email_focus, password_focus) = match form.error {
        Some(_) => ("", " autofocus"),
        None => (" autofocus", ""),
    };
    let forgot = form
        .forgot_url
        .as_deref()
        .map(|url| {
            format!(
                "<p><a href=\"{}\">{}</a></p>\n",
                escape(url),
                escape(w.forgot)
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{heading}</h1>\n{error}\
<form method=\"post\" action=\"/oauth2/authorize\">\n{hidden}\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n\
<p><label for=\"email\">{email_label}</label><br>\n\
<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{email}\"{invalid}{email_focus}></p>\n\
<p><label for=\"password\">{password_label}</label><br>\n\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required{invalid}{password_focus}></p>\n\
<p><button type=\"submit\">{submit}</button></p>\n</form>\n{forgot}</main>\n</body>\n</html>\n",
        lang = w.lang,
        title = escape(w.title),
        heading = escape(w.heading),
        csrf = escape(form.csrf),
        email_label = escape(w.email),
        email = escape(form.email),
        password_label = escape(w.password),
        submit = escape(w.submit),
    )
}

pub fn error_page(words: &'static Words, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n\
<p role=\"alert\">{message}</p>\n</main>\n</body>\n</html>\n",
        lang = words.lang,
        title = escape(words.error_title),
        message = escape(message),
    )
}

/// The headers of every page: never cached, never framed, no script, no referrer
/// (the address holds the authorization request). `form_target` is the client's
/// origin, where the form's answer redirects.
pub fn secure_headers(headers: &mut HeaderMap, form_target: Option<&str>) {
    let form_action = match form_target {
        Some(origin) => format!("form-action 'self' {origin}"),
        None => "form-action 'self'".to_owned(),
    };
    let policy =
        format!("default-src 'none'; {form_action}; frame-ancestors 'none'; base-uri 'none'");
    let pairs = [
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::PRAGMA, "no-cache".to_owned()),
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_FRAME_OPTIONS, "DENY".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::REFERRER_POLICY, "no-referrer".to_owned()),
        (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// An HTML page with the safe headers.
pub fn html(status: StatusCode, body: String, form_target: Option<&str>) -> Response {
    let mut response = (status, body).into_response();
    secure_headers(response.headers_mut(), form_target);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn origins_only_of_plain_authorities() {
        assert_eq!(
            origin_of("https://shop.example.com/cb?x=1").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8765/cb").as_deref(),
            Some("http://127.0.0.1:8765")
        );
        assert_eq!(origin_of("https://a.example;script-src/cb"), None);
    }

    #[test]
    fn the_page_escapes_what_the_request_carried() {
        let hidden = [("state", "\"><script>x</script>".to_owned())];
        let page = sign_in_page(&Form {
            words: crate::locale::choose(None, None),
            hidden: &hidden,
            csrf: "c",
            email: "<b>",
            error: Some("bad"),
            forgot_url: None,
        });
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;b&gt;"));
        assert!(page.contains("role=\"alert\">bad"));
        assert!(page.contains("<label for=\"email\">"));
    }
}
