use aws_lc_rs::{constant_time, digest, hmac, rand::SecureRandom};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

/// A client secret as issued: 256 random bits, base64url. Shown once, never stored.
pub struct ClientSecret(String);

/// What is stored of a client secret. The secret has 256 bits of entropy, so a fast
/// hash resists brute force; the token endpoint never runs a slow hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretHash(String);

impl std::fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

impl ClientSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system random generator is available");
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The unkeyed hash, for one-time link tokens (looked up by it).
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }

    /// The keyed hash stored for client secrets: a copy of the table alone does not
    /// let anyone test guesses.
    pub fn keyed_hash(&self, pepper: &Pepper) -> SecretHash {
        SecretHash::keyed(pepper, &self.0)
    }
}

/// The key of client-secret hashes, kept in Secrets Manager apart from the table.
#[derive(Clone)]
pub struct Pepper(hmac::Key);

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pepper(..)")
    }
}

impl Pepper {
    /// At least 32 bytes, base64 (standard or URL-safe) as stored in the secret.
    pub fn from_base64(encoded: &str) -> Option<Self> {
        use base64::engine::general_purpose::STANDARD;
        let trimmed = encoded.trim();
        let bytes = URL_SAFE_NO_PAD
            .decode(trimmed.trim_end_matches('='))
            .or_else(|_| STANDARD.decode(trimmed))
            .ok()?;
        (bytes.len() >= 32).then(|| Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes)))
    }

    /// A new random pepper, base64url, for provisioning.
    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::SystemRandom::new()
            .fill(&mut bytes)
            .expect("the system random generator is available");
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

impl SecretHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn of(presented: &str) -> Self {
        let digest = digest::digest(&digest::SHA256, presented.as_bytes());
        Self(URL_SAFE_NO_PAD.encode(digest.as_ref()))
    }

    /// HMAC-SHA-256 of a presented secret under the pepper.
    pub fn keyed(pepper: &Pepper, presented: &str) -> Self {
        let tag = hmac::sign(&pepper.0, presented.as_bytes());
        Self(URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Constant-time comparison with a presented hash (a CSRF token).
    pub fn equals(&self, presented: &str) -> bool {
        constant_time::verify_slices_are_equal(self.0.as_bytes(), presented.as_bytes()).is_ok()
    }

    /// Constant-time comparison with a presented client secret.
    pub fn matches_keyed(&self, pepper: &Pepper, presented: &str) -> bool {
        let candidate = Self::keyed(pepper, presented);
        constant_time::verify_slices_are_equal(self.0.as_bytes(), candidate.0.as_bytes()).is_ok()
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_256_bit_and_distinct() {
        let a = ClientSecret::generate();
        let b = ClientSecret::generate();
        assert_eq!(URL_SAFE_NO_PAD.decode(a.expose()).unwrap().len(), 32);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn keyed_hash_matches_only_the_same_secret_and_pepper() {
        let pepper = Pepper::from_base64(&Pepper::generate_base64()).unwrap();
        let other = Pepper::from_base64(&Pepper::generate_base64()).unwrap();
        let secret = ClientSecret::generate();
        let hash = secret.keyed_hash(&pepper);
        assert!(hash.matches_keyed(&pepper, secret.expose()));
        assert!(!hash.matches_keyed(&other, secret.expose()));
        assert!(!hash.matches_keyed(&pepper, ClientSecret::generate().expose()));
        assert_ne!(hash, secret.hash(), "keyed, not a plain digest");
        assert!(Pepper::from_base64("short").is_none());
    }

    #[test]
    fn hash_does_not_contain_the_secret() {
        let secret = ClientSecret::generate();
        let hash = secret.hash();
        assert!(!format!("{hash:?} {:?}", secret).contains(secret.expose()));
        assert!(
            !serde_json::to_string(&hash)
                .unwrap()
                .contains(secret.expose())
        );
    }
}
