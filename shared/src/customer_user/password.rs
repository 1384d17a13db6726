//! Customer-user passwords: a complexity rule, Argon2id hashes, generated passwords.

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use aws_lc_rs::rand::SecureRandom;
use serde::{Deserialize, Serialize};

use crate::domain::InvalidValue;

/// A password that meets the complexity rule. Never logged, stored or returned: only
/// its hash is kept.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// Long enough for passphrases; short enough that hashing cannot be abused.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let length = raw.chars().count();
        let ok = (8..=Self::MAX_CHARS).contains(&length)
            && raw.chars().any(char::is_uppercase)
            && raw.chars().any(char::is_lowercase)
            && raw.chars().any(|c| c.is_ascii_digit());
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidValue::new(
                "must be 8 to 256 characters with at least one upper-case letter, one lower-case letter and one digit",
            ))
        }
    }

    /// A strong random password (128 bits), for users who set their own later.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system random generator is available");
        let body: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // Hex alone has no upper case: a fixed prefix keeps the rule satisfied.
        Self(format!("Aa1{body}"))
    }

    /// Argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane) and a random salt.
    pub fn hash(&self) -> PasswordDigest {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut salt)
            .expect("the system random generator is available");
        let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
        let digest = hasher()
            .hash_password(self.0.as_bytes(), &salt)
            .expect("Argon2 accepts these parameters")
            .to_string();
        PasswordDigest(digest)
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of an Argon2id hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordDigest(String);

impl std::fmt::Debug for PasswordDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordDigest(..)")
    }
}

impl PasswordDigest {
    pub fn verify(&self, candidate: &str) -> bool {
        PasswordHash::new(&self.0)
            .map(|parsed| {
                hasher()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complexity_rule() {
        assert!(Password::parse("Secret123").is_ok());
        for bad in [
            "Short1A",
            "alllower1",
            "ALLUPPER1",
            "NoDigitsHere",
            &format!("Aa1{}", "x".repeat(254)),
        ] {
            assert!(Password::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let password = Password::parse("Secret123").unwrap();
        let a = password.hash();
        let b = password.hash();
        assert!(a.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b, "a fresh salt each time");
        assert!(a.verify("Secret123"));
        assert!(!a.verify("Secret124"));
        assert!(!format!("{a:?}{password:?}").contains("Secret123"));
    }

    #[test]
    fn generated_passwords_meet_the_rule_and_differ() {
        let a = Password::generate();
        assert!(Password::parse(&a.0).is_ok());
        assert_ne!(a.0, Password::generate().0);
    }
}
