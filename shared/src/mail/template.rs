//! Email templates kept in `templates/<locale>/<name>.{subject,txt,html}` and compiled
//! into the binary. A locale without the template falls back to `en_US`.

use crate::domain::Localization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// A new account, with a one-time set-password link.
    Welcome,
}

impl Template {
    pub fn name(self) -> &'static str {
        match self {
            Template::Welcome => "welcome",
        }
    }
}

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

const SOURCES: &[Source] = &[template!("en_US", Template::Welcome, "welcome")];

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

fn fill(source: &str, values: &[(&str, &str)], encode: impl Fn(&str) -> String) -> String {
    values.iter().fold(source.to_owned(), |out, (name, value)| {
        out.replace(&format!("{{{{{name}}}}}"), &encode(value))
    })
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
        let de = Localization::parse("de_DE").unwrap();
        assert_eq!(
            render(Template::Welcome, Some(&de), &[("website_name", "S")]).subject,
            "Welcome to S"
        );
    }
}
