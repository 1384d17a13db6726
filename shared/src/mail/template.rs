//! Email templates kept in `templates/<locale>/<name>.{subject,txt,html}` and compiled
//! into the binary. A locale without the template falls back to `en_US`.

use crate::domain::Localization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A new account, with a one-time set-password link.
    Welcome,
    /// Confirm the email address, with a one-time link.
    Confirmation,
    /// The email is confirmed: sign in at the website.
    WelcomeAfterConfirmation,
    /// An administrator requires a new password, with a one-time link.
    ForcedPasswordReset,
    /// Someone asked to reset the password, with a one-time link.
    ForgotPassword,
    /// An OAuth application was added to the account.
    OauthApplicationAdded,
    /// Sent to the previous address: the account's email was changed to `new_email`.
    EmailChanged,
}

impl Template {
    pub const ALL: [Template; 7] = [
        Template::Welcome,
        Template::Confirmation,
        Template::WelcomeAfterConfirmation,
        Template::ForcedPasswordReset,
        Template::ForgotPassword,
        Template::OauthApplicationAdded,
        Template::EmailChanged,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Template::Welcome => "welcome",
            Template::Confirmation => "confirmation",
            Template::WelcomeAfterConfirmation => "welcome_after_confirmation",
            Template::ForcedPasswordReset => "forced_password_reset",
            Template::ForgotPassword => "forgot_password",
            Template::OauthApplicationAdded => "oauth_application_added",
            Template::EmailChanged => "email_changed",
        }
    }
}

/// The locales every template is written in.
pub const LOCALES: [&str; 3] = ["en_US", "de_DE", "fr_FR"];

/// (locale, template, subject, text, html)
type Source = (
    &'static str,
    Template,
    &'static str,
    &'static str,
    &'static str,
);

macro_rules! template {
    ($locale:literal, $template:expr, $name:literal) => {
        (
            $locale,
            $template,
            include_str!(concat!("../../templates/", $locale, "/", $name, ".subject")),
            include_str!(concat!("../../templates/", $locale, "/", $name, ".txt")),
            include_str!(concat!("../../templates/", $locale, "/", $name, ".html")),
        )
    };
}

macro_rules! locale {
    ($locale:literal) => {
        [
            template!($locale, Template::Welcome, "welcome"),
            template!($locale, Template::Confirmation, "confirmation"),
            template!(
                $locale,
                Template::WelcomeAfterConfirmation,
                "welcome_after_confirmation"
            ),
            template!(
                $locale,
                Template::ForcedPasswordReset,
                "forced_password_reset"
            ),
            template!($locale, Template::ForgotPassword, "forgot_password"),
            template!(
                $locale,
                Template::OauthApplicationAdded,
                "oauth_application_added"
            ),
            template!($locale, Template::EmailChanged, "email_changed"),
        ]
    };
}

const SOURCES: [[Source; 7]; 3] = [locale!("en_US"), locale!("de_DE"), locale!("fr_FR")];

const FALLBACK: &str = "en_US";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Fills `{{name}}` placeholders; values are HTML-escaped in the HTML part.
pub fn render(
    template: Template,
    locale: Option<&Localization>,
    values: &[(&str, &str)],
) -> Rendered {
    let wanted = locale.map(|l| l.as_str()).unwrap_or(FALLBACK);
    let find = |code: &str| {
        SOURCES
            .iter()
            .flatten()
            .find(|(l, t, ..)| *l == code && *t == template)
    };
    let (_, _, subject, text, html) = find(wanted)
        .or_else(|| find(FALLBACK))
        .expect("every template exists in the fallback locale");
    Rendered {
        subject: fill(subject, values, |v| v.to_owned()).trim().to_owned(),
        text: fill(text, values, |v| v.to_owned()),
        html: fill(html, values, escape_html),
    }
}

/// One pass over the template: a value is never read for placeholders, so a first
/// name such as `{{link}}` stays that text.
fn fill(source: &str, values: &[(&str, &str)], encode: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(&encode(value));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape_html(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_never_filled_in_itself() {
        let r = render(
            Template::Welcome,
            None,
            &[
                ("first_name", "{{link}}"),
                ("last_name", "{{expires}}"),
                ("website_name", "Shop"),
                ("link", "https://x/?t=secret"),
                ("expires", "soon"),
            ],
        );
        assert!(r.text.contains("Hello {{link}} {{expires}}"), "{}", r.text);
        assert_eq!(
            r.text.matches("https://x/?t=secret").count(),
            1,
            "{}",
            r.text
        );
        assert_eq!(
            fill("{{a}} {{b} {{}} {{", &[("a", "1")], |v| v.to_owned()),
            "1 {{b} {{}} {{"
        );
    }

    #[test]
    fn fills_values_and_escapes_html_only_in_html() {
        let r = render(
            Template::Welcome,
            None,
            &[
                ("first_name", "<Jane>"),
                ("last_name", "Doe"),
                ("website_name", "Shop"),
                ("link", "https://x/?t=1&u=2"),
                ("expires", "soon"),
            ],
        );
        assert_eq!(r.subject, "Welcome to Shop");
        assert!(r.text.contains("Hello <Jane> Doe"));
        assert!(r.html.contains("Hello &lt;Jane&gt; Doe"));
        assert!(r.html.contains("https://x/?t=1&amp;u=2"));
        assert!(!r.text.contains("{{"));
    }

    #[test]
    fn unknown_locales_fall_back_to_en_us() {
        let it = Localization::parse("it_IT").unwrap();
        let subject = render(Template::Welcome, Some(&it), &[("website_name", "S")]).subject;
        assert_eq!(subject, "Welcome to S");
    }

    #[test]
    fn every_template_exists_in_every_locale_and_differs_by_language() {
        for template in Template::ALL {
            let subjects: Vec<String> = LOCALES
                .iter()
                .map(|code| {
                    render(template, Some(&Localization::parse(code).unwrap()), &[]).subject
                })
                .collect();
            assert_ne!(subjects[0], subjects[1], "{} de_DE", template.name());
            assert_ne!(subjects[0], subjects[2], "{} fr_FR", template.name());
        }
        let de = Localization::parse("de_DE").unwrap();
        let german = render(Template::Welcome, Some(&de), &[("website_name", "S")]);
        assert_eq!(german.subject, "Willkommen bei S");
    }
}
