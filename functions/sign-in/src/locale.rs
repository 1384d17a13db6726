//! The sign-in page's words in each locale the emails have, and which one a request
//! asks for (`ui_locales`, then `Accept-Language`).

/// The words of the sign-in and error pages.
pub struct Words {
    pub lang: &'static str,
    pub title: &'static str,
    pub heading: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub submit: &'static str,
    pub forgot: &'static str,
    pub failed: &'static str,
    pub expired_form: &'static str,
    pub error_title: &'static str,
    pub bad_client: &'static str,
    pub bad_redirect: &'static str,
}

const EN_US: Words = Words {
    lang: "en-US",
    title: "Sign in",
    heading: "Sign in",
    email: "Email",
    password: "Password",
    submit: "Sign in",
    forgot: "Forgot your password?",
    failed: "The email or password is wrong, or this account cannot sign in here.",
    expired_form: "This form expired. Please enter your email and password again.",
    error_title: "Sign-in is not possible",
    bad_client: "The application that sent you here is unknown or inactive.",
    bad_redirect: "The application that sent you here gave an address that is not registered for it.",
};

const DE_DE: Words = Words {
    lang: "de-DE",
    title: "Anmelden",
    heading: "Anmelden",
    email: "E-Mail",
    password: "Passwort",
    submit: "Anmelden",
    forgot: "Passwort vergessen?",
    failed: "E-Mail oder Passwort ist falsch, oder dieses Konto kann sich hier nicht anmelden.",
    expired_form: "Dieses Formular ist abgelaufen. Bitte geben Sie E-Mail und Passwort erneut ein.",
    error_title: "Anmeldung nicht möglich",
    bad_client: "Die Anwendung, die Sie hierher geschickt hat, ist unbekannt oder inaktiv.",
    bad_redirect: "Die Anwendung, die Sie hierher geschickt hat, hat eine Adresse angegeben, die für sie nicht registriert ist.",
};

const FR_FR: Words = Words {
    lang: "fr-FR",
    title: "Connexion",
    heading: "Connexion",
    email: "E-mail",
    password: "Mot de passe",
    submit: "Se connecter",
    forgot: "Mot de passe oublié ?",
    failed: "L’e-mail ou le mot de passe est incorrect, ou ce compte ne peut pas se connecter ici.",
    expired_form: "Ce formulaire a expiré. Veuillez saisir à nouveau votre e-mail et votre mot de passe.",
    error_title: "Connexion impossible",
    bad_client: "L’application qui vous a envoyé ici est inconnue ou inactive.",
    bad_redirect: "L’application qui vous a envoyé ici a donné une adresse qui n’est pas enregistrée pour elle.",
};

fn by_language(tag: &str) -> Option<&'static Words> {
    let language = tag
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match language.as_str() {
        "en" => Some(&EN_US),
        "de" => Some(&DE_DE),
        "fr" => Some(&FR_FR),
        _ => None,
    }
}

/// The first supported of `ui_locales` (space-separated, in order of preference), else
/// the most preferred supported language of `Accept-Language`, else en_US.
pub fn choose(ui_locales: Option<&str>, accept_language: Option<&str>) -> &'static Words {
    if let Some(words) = ui_locales.and_then(|l| l.split_whitespace().find_map(by_language)) {
        return words;
    }
    let mut ranked: Vec<(u16, usize, &str)> = accept_language
        .unwrap_or("")
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some(((q * 1000.0) as u16, i, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .iter()
        .find_map(|(_, _, tag)| by_language(tag))
        .unwrap_or(&EN_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_win_then_accept_language_by_quality() {
        assert_eq!(choose(Some("fr-FR de"), Some("de")).lang, "fr-FR");
        assert_eq!(choose(Some("ja"), Some("de-DE,en;q=0.5")).lang, "de-DE");
        assert_eq!(choose(None, Some("en;q=0.4, fr-CA;q=0.8")).lang, "fr-FR");
        assert_eq!(choose(None, Some("de;q=0, fr;q=0.1")).lang, "fr-FR");
        assert_eq!(choose(None, Some("ja, zh")).lang, "en-US");
        assert_eq!(choose(None, None).lang, "en-US");
    }
}
