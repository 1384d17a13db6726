use aws_lc_rs::{constant_time, digest, rand::SecureRandom};
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

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
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

    /// Constant-time comparison with a presented secret.
    pub fn matches(&self, presented: &str) -> bool {
        let candidate = Self::of(presented);
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
    fn hash_matches_only_the_same_secret_and_does_not_contain_it() {
        let secret = ClientSecret::generate();
        let hash = secret.hash();
        assert!(hash.matches(secret.expose()));
        assert!(!hash.matches(ClientSecret::generate().expose()));
        assert!(!format!("{hash:?} {:?}", secret).contains(secret.expose()));
        assert!(
            !serde_json::to_string(&hash)
                .unwrap()
                .contains(secret.expose())
        );
    }
}
