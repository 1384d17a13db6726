use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey,
    jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse},
};

use crate::keys::KeyMaterial;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the signing key {kid} is neither an RSA nor a P-256 private key in PEM form")]
    Unsupported { kid: String },
    #[error("the signing key {kid} is unusable: {reason}")]
    Unusable { kid: String, reason: String },
}

/// A parsed signing key. The algorithm comes from the key itself (RSA: RS256, P-256:
/// ES256) and never from a token header, which closes algorithm-confusion attacks.
pub struct SigningKey {
    pub kid: String,
    pub algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl SigningKey {
    pub fn from_material(material: &KeyMaterial) -> Result<Self, KeyError> {
        let pem = material.private_key_pem.as_bytes();
        let (encoding, algorithm) = match EncodingKey::from_rsa_pem(pem) {
            Ok(key) => (key, Algorithm::RS256),
            Err(_) => match EncodingKey::from_ec_pem(pem) {
                Ok(key) => (key, Algorithm::ES256),
                Err(_) => {
                    return Err(KeyError::Unsupported {
                        kid: material.kid.clone(),
                    });
                }
            },
        };
        let unusable = |e: jsonwebtoken::errors::Error| KeyError::Unusable {
            kid: material.kid.clone(),
            reason: e.to_string(),
        };
        let mut jwk = Jwk::from_encoding_key(&encoding, algorithm).map_err(unusable)?;
        jwk.common.key_id = Some(material.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(match algorithm {
            Algorithm::ES256 => KeyAlgorithm::ES256,
            _ => KeyAlgorithm::RS256,
        });
        let decoding = DecodingKey::from_jwk(&jwk).map_err(unusable)?;
        Ok(Self {
            kid: material.kid.clone(),
            algorithm,
            encoding,
            decoding,
            jwk,
        })
    }

    pub fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// The keys of one load: the first signs, all verify.
pub struct KeySet {
    keys: Vec<SigningKey>,
}

impl KeySet {
    /// Fails on the first unusable key; needs at least one.
    pub fn from_materials(materials: &[KeyMaterial]) -> Result<Self, KeyError> {
        let keys = materials
            .iter()
            .map(SigningKey::from_material)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::Unsupported { kid: String::new() });
        }
        Ok(Self { keys })
    }

    pub fn signing(&self) -> &SigningKey {
        &self.keys[0]
    }

    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().map(|k| k.jwk.clone()).collect(),
        }
    }
}

/// The algorithm of a freshly generated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rs256,
    Es256,
}

/// Generates a private key as PKCS#8 PEM: RSA 2048 for RS256, P-256 for ES256.
pub fn generate_private_key_pem(kind: KeyKind) -> Result<String, KeyError> {
    use aws_lc_rs::encoding::AsDer;
    let failed = |reason: &str| KeyError::Unusable {
        kid: String::new(),
        reason: reason.to_owned(),
    };
    let der = match kind {
        KeyKind::Rs256 => aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .and_then(|k| k.as_der())
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| failed("RSA key generation failed"))?,
        KeyKind::Es256 => aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .and_then(|k| k.to_pkcs8v1())
        .map(|d| d.as_ref().to_vec())
        .map_err(|_| failed("P-256 key generation failed"))?,
    };
    Ok(pem::encode(&pem::Pem::new("PRIVATE KEY", der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material(kind: KeyKind, kid: &str) -> KeyMaterial {
        KeyMaterial {
            kid: kid.to_owned(),
            private_key_pem: generate_private_key_pem(kind).unwrap(),
        }
    }

    #[test]
    fn generated_keys_parse_with_their_algorithm() {
        let rsa = SigningKey::from_material(&material(KeyKind::Rs256, "r")).unwrap();
        assert_eq!(rsa.algorithm, Algorithm::RS256);
        let ec = SigningKey::from_material(&material(KeyKind::Es256, "e")).unwrap();
        assert_eq!(ec.algorithm, Algorithm::ES256);
    }

    #[test]
    fn jwks_lists_every_key_without_private_parts() {
        let set = KeySet::from_materials(&[
            material(KeyKind::Rs256, "new"),
            material(KeyKind::Es256, "old"),
        ])
        .unwrap();
        assert_eq!(set.signing().kid, "new");
        assert!(set.find("old").is_some());
        let json = serde_json::to_value(set.jwks()).unwrap();
        let kids: Vec<_> = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["new", "old"]);
        assert_eq!(json["keys"][0]["kty"], "RSA");
        assert_eq!(json["keys"][0]["alg"], "RS256");
        assert_eq!(json["keys"][0]["use"], "sig");
        assert!(json["keys"][0].get("d").is_none());
        assert_eq!(json["keys"][1]["crv"], "P-256");
    }

    #[test]
    fn garbage_is_refused() {
        let bad = KeyMaterial {
            kid: "x".into(),
            private_key_pem: "not a key".into(),
        };
        assert!(SigningKey::from_material(&bad).is_err());
    }
}
