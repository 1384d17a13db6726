use std::sync::{Arc, OnceLock};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, Header,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
        EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, RSAKeyParameters,
        RSAKeyType,
    },
};
use serde::Serialize;

use crate::keys::KeyMaterial;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the signing key {kid} is neither an RSA nor a P-256 private key in PEM form")]
    Unsupported { kid: String },
    #[error("the signing key {kid} is unusable: {reason}")]
    Unusable { kid: String, reason: String },
}

/// A private key parsed once: signing with it parses nothing.
enum PrivateKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// The public half of a signing key: what verifies its signatures and what the JWKS
/// lists. The algorithm comes from the key itself (RSA: RS256, P-256: ES256) and never
/// from a token header, which closes algorithm-confusion attacks.
pub struct PublicKey {
    pub kid: String,
    pub algorithm: Algorithm,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl PublicKey {
    /// A key from its JWK, as the token function published it: RSA or P-256, for
    /// signatures, with a `kid`.
    pub fn from_jwk(jwk: Jwk) -> Result<Self, KeyError> {
        let kid = jwk.common.key_id.clone().unwrap_or_default();
        let unsupported = || KeyError::Unsupported { kid: kid.clone() };
        if kid.is_empty()
            || jwk
                .common
                .public_key_use
                .as_ref()
                .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return Err(unsupported());
        }
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            _ => return Err(unsupported()),
        };
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| KeyError::Unusable {
            kid: kid.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            kid,
            algorithm,
            decoding,
            jwk,
        })
    }

    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }
}

/// A private key and its public half. The private key is parsed (and, for RSA,
/// checked, which takes a millisecond) once, before the first signature.
pub struct SigningKey {
    public: Arc<PublicKey>,
    der: Vec<u8>,
    private: OnceLock<PrivateKey>,
}

impl SigningKey {
    pub fn from_material(material: &KeyMaterial) -> Result<Self, KeyError> {
        let kid = material.kid.clone();
        let unsupported = || KeyError::Unsupported { kid: kid.clone() };
        let der = pem::parse(material.private_key_pem.as_bytes())
            .map_err(|_| unsupported())?
            .into_contents();
        let private = OnceLock::new();
        let (algorithm, parameters) = if let Some((n, e)) = rsa_public_components(&der) {
            let parameters = AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: URL_SAFE_NO_PAD.encode(n),
                e: URL_SAFE_NO_PAD.encode(e),
            });
            (Algorithm::RS256, parameters)
        } else {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .or_else(|_| {
                    EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                })
                .map_err(|_| unsupported())?;
            // An uncompressed point: 0x04, then x and y of 32 bytes each.
            let point = pair.public_key().as_ref();
            if point.len() != 65 {
                return Err(unsupported());
            }
            let parameters = AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x: URL_SAFE_NO_PAD.encode(&point[1..33]),
                y: URL_SAFE_NO_PAD.encode(&point[33..]),
            });
            let _ = private.set(PrivateKey::Ecdsa(pair));
            (Algorithm::ES256, parameters)
        };
        let jwk = Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(match algorithm {
                    Algorithm::ES256 => KeyAlgorithm::ES256,
                    _ => KeyAlgorithm::RS256,
                }),
                key_id: Some(kid.clone()),
                ..Default::default()
            },
            algorithm: parameters,
        };
        Ok(Self {
            public: Arc::new(PublicKey::from_jwk(jwk)?),
            der,
            private,
        })
    }

    /// Parses the private key if no signature was made with it yet: the signing
    /// function does this before its first request.
    pub fn prepare(&self) -> Result<(), KeyError> {
        if self.private.get().is_some() {
            return Ok(());
        }
        let pair = RsaKeyPair::from_pkcs8(&self.der)
            .or_else(|_| RsaKeyPair::from_der(&self.der))
            .map_err(|e| KeyError::Unusable {
                kid: self.public.kid.clone(),
                reason: e.to_string(),
            })?;
        let _ = self.private.set(PrivateKey::Rsa(pair));
        Ok(())
    }

    /// A JWS in compact form over `header` (whose `alg` must be this key's) and `claims`.
    pub fn sign<T: Serialize>(&self, header: &Header, claims: &T) -> Result<String, KeyError> {
        let failed = |reason: String| KeyError::Unusable {
            kid: self.public.kid.clone(),
            reason,
        };
        if header.alg != self.public.algorithm {
            return Err(failed(format!(
                "the key signs {:?} only",
                self.public.algorithm
            )));
        }
        self.prepare()?;
        let mut jws = segment(header).map_err(|e| failed(e.to_string()))?;
        jws.push('.');
        jws.push_str(&segment(claims).map_err(|e| failed(e.to_string()))?);
        let random = SystemRandom::new();
        let signature = match self.private.get() {
            Some(PrivateKey::Rsa(pair)) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &random, jws.as_bytes(), &mut signature)
                    .map_err(|e| failed(e.to_string()))?;
                signature
            }
            Some(PrivateKey::Ecdsa(pair)) => pair
                .sign(&random, jws.as_bytes())
                .map_err(|e| failed(e.to_string()))?
                .as_ref()
                .to_vec(),
            None => return Err(failed("not parsed".to_owned())),
        };
        jws.push('.');
        jws.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jws)
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }
}

fn segment<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_vec(value).map(|json| URL_SAFE_NO_PAD.encode(json))
}

/// The modulus and public exponent of an RSA private key in PKCS#8 or PKCS#1 DER, or
/// `None` for any other key. Read without the consistency check of a full parse.
fn rsa_public_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use simple_asn1::{ASN1Block, from_der, oid};
    let outer = from_der(der).ok()?;
    let [ASN1Block::Sequence(_, fields)] = outer.as_slice() else {
        return None;
    };
    let inner;
    let fields = match fields.as_slice() {
        [
            ASN1Block::Integer(..),
            ASN1Block::Sequence(_, algorithm),
            ASN1Block::OctetString(_, key),
            ..,
        ] => {
            let rsa_encryption = oid!(1, 2, 840, 113549, 1, 1, 1);
            if !matches!(algorithm.first(), Some(ASN1Block::ObjectIdentifier(_, id)) if *id == rsa_encryption)
            {
                return None;
            }
            inner = from_der(key).ok()?;
            let [ASN1Block::Sequence(_, fields)] = inner.as_slice() else {
                return None;
            };
            fields
        }
        _ => fields,
    };
    match fields.as_slice() {
        [
            ASN1Block::Integer(..),
            ASN1Block::Integer(_, n),
            ASN1Block::Integer(_, e),
            ..,
        ] => Some((n.to_bytes_be().1, e.to_bytes_be().1)),
        _ => None,
    }
}

/// The keys that verify access tokens.
pub struct KeySet {
    keys: Vec<Arc<PublicKey>>,
}

impl KeySet {
    pub fn new(keys: Vec<Arc<PublicKey>>) -> Self {
        Self { keys }
    }

    pub fn find(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.kid == kid).map(|k| k.as_ref())
    }

    /// The public keys, as served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().map(|k| k.jwk.clone()).collect(),
        }
    }
}

/// The private keys of one load: the first signs, all verify (and are published).
pub struct SigningKeys {
    keys: Vec<Arc<SigningKey>>,
    public: KeySet,
}

impl SigningKeys {
    /// Fails when the first (signing) key is unusable; a broken older or pending one is
    /// left out with a warning, so that a bad version once stored (now `AWSPREVIOUS`)
    /// cannot stop signing with the good one that replaced it. Keys unchanged since
    /// `previous` are taken over as they are, already parsed.
    pub fn from_materials(
        materials: &[KeyMaterial],
        previous: Option<&SigningKeys>,
    ) -> Result<Self, KeyError> {
        let mut keys = Vec::with_capacity(materials.len());
        for (position, material) in materials.iter().enumerate() {
            let same = previous
                .and_then(|set| set.keys.iter().find(|k| k.public.kid == material.kid))
                .filter(|key| {
                    pem::parse(material.private_key_pem.as_bytes())
                        .is_ok_and(|pem| pem.contents() == key.der)
                });
            match same
                .cloned()
                .map_or_else(|| SigningKey::from_material(material).map(Arc::new), Ok)
            {
                Ok(key) => keys.push(key),
                Err(error) if position > 0 => {
                    tracing::warn!(%error, "leaving out an unusable older or pending signing key");
                }
                Err(error) => return Err(error),
            }
        }
        if keys.is_empty() {
            return Err(KeyError::Unsupported { kid: String::new() });
        }
        let public = KeySet::new(keys.iter().map(|k| k.public.clone()).collect());
        Ok(Self { keys, public })
    }

    pub fn signing(&self) -> &SigningKey {
        &self.keys[0]
    }

    /// Every key's public half.
    pub fn public(&self) -> &KeySet {
        &self.public
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
        assert_eq!(rsa.public().algorithm, Algorithm::RS256);
        let ec = SigningKey::from_material(&material(KeyKind::Es256, "e")).unwrap();
        assert_eq!(ec.public().algorithm, Algorithm::ES256);
    }

    #[test]
    fn an_unusable_older_key_is_left_out_but_an_unusable_signing_key_fails() {
        let broken = KeyMaterial {
            kid: "broken".into(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                .into(),
        };
        let good = material(KeyKind::Es256, "good");
        let set = SigningKeys::from_materials(&[good.clone(), broken.clone()], None).unwrap();
        assert_eq!(set.signing().public().kid, "good");
        assert!(set.public().find("broken").is_none());
        assert!(SigningKeys::from_materials(&[broken, good], None).is_err());
    }

    #[test]
    fn jwks_lists_every_key_without_private_parts() {
        let set = SigningKeys::from_materials(
            &[
                material(KeyKind::Rs256, "new"),
                material(KeyKind::Es256, "old"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(set.signing().public().kid, "new");
        assert!(set.public().find("old").is_some());
        let json = serde_json::to_value(set.public().jwks()).unwrap();
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

    fn verify(key: &SigningKey, token: &str) -> serde_json::Value {
        let mut validation = jsonwebtoken::Validation::new(key.public().algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        jsonwebtoken::decode::<serde_json::Value>(token, key.public().decoding_key(), &validation)
            .expect("the signature verifies with the public half")
            .claims
    }

    #[test]
    fn signatures_verify_with_the_public_half_for_both_algorithms() {
        for kind in [KeyKind::Rs256, KeyKind::Es256] {
            let key = SigningKey::from_material(&material(kind, "k")).unwrap();
            let token = key
                .sign(
                    &Header::new(key.public().algorithm),
                    &serde_json::json!({"sub": "s"}),
                )
                .unwrap();
            assert_eq!(verify(&key, &token)["sub"], "s");
        }
    }

    /// The same key in its legacy PEM form: the key PKCS#8 wraps, under `label`.
    fn unwrapped(pkcs8: &KeyMaterial, label: &str) -> KeyMaterial {
        let der = pem::parse(pkcs8.private_key_pem.as_bytes())
            .unwrap()
            .into_contents();
        let blocks = simple_asn1::from_der(&der).unwrap();
        let simple_asn1::ASN1Block::Sequence(_, fields) = &blocks[0] else {
            panic!("PKCS#8 is a sequence")
        };
        let simple_asn1::ASN1Block::OctetString(_, inner) = &fields[2] else {
            panic!("the third field holds the wrapped key")
        };
        KeyMaterial {
            kid: pkcs8.kid.clone(),
            private_key_pem: pem::encode(&pem::Pem::new(label, inner.clone())),
        }
    }

    #[test]
    fn a_pkcs1_rsa_key_reads_like_its_pkcs8_form() {
        let pkcs8 = material(KeyKind::Rs256, "k");
        let pkcs1 = unwrapped(&pkcs8, "RSA PRIVATE KEY");
        let from_pkcs1 = SigningKey::from_material(&pkcs1).unwrap();
        let from_pkcs8 = SigningKey::from_material(&pkcs8).unwrap();
        assert_eq!(from_pkcs1.public().algorithm, Algorithm::RS256);
        assert_eq!(from_pkcs1.public().jwk(), from_pkcs8.public().jwk());
        let token = from_pkcs1
            .sign(
                &Header::new(Algorithm::RS256),
                &serde_json::json!({"sub": "s"}),
            )
            .unwrap();
        assert_eq!(verify(&from_pkcs8, &token)["sub"], "s");
    }

    #[test]
    fn a_sec1_ec_key_reads_like_its_pkcs8_form() {
        let pkcs8 = material(KeyKind::Es256, "k");
        let sec1 = unwrapped(&pkcs8, "EC PRIVATE KEY");
        let from_sec1 = SigningKey::from_material(&sec1).unwrap();
        assert_eq!(from_sec1.public().algorithm, Algorithm::ES256);
        assert_eq!(
            from_sec1.public().jwk(),
            SigningKey::from_material(&pkcs8).unwrap().public().jwk()
        );
    }

    #[test]
    fn a_header_naming_another_algorithm_is_not_signed() {
        let key = SigningKey::from_material(&material(KeyKind::Es256, "k")).unwrap();
        let refused = key.sign(&Header::new(Algorithm::RS256), &serde_json::json!({}));
        assert!(matches!(refused, Err(KeyError::Unusable { .. })));
    }

    #[test]
    fn a_reload_keeps_unchanged_keys_already_parsed() {
        let current = material(KeyKind::Rs256, "a");
        let first = SigningKeys::from_materials(std::slice::from_ref(&current), None).unwrap();
        first.signing().prepare().unwrap();
        let again = SigningKeys::from_materials(
            &[material(KeyKind::Es256, "b"), current.clone()],
            Some(&first),
        )
        .unwrap();
        assert!(Arc::ptr_eq(&first.keys[0], &again.keys[1]));
        let replaced = KeyMaterial {
            kid: "a".into(),
            private_key_pem: material(KeyKind::Rs256, "a").private_key_pem,
        };
        let changed = SigningKeys::from_materials(&[replaced], Some(&first)).unwrap();
        assert!(!Arc::ptr_eq(&first.keys[0], &changed.keys[0]));
    }

    #[test]
    fn a_published_jwk_verifies_what_its_private_key_signed() {
        for kind in [KeyKind::Rs256, KeyKind::Es256] {
            let signing = SigningKey::from_material(&material(kind, "k")).unwrap();
            let json = serde_json::to_string(signing.public().jwk()).unwrap();
            let public = PublicKey::from_jwk(serde_json::from_str(&json).unwrap()).unwrap();
            assert_eq!(
                (public.kid.as_str(), public.algorithm),
                ("k", signing.public().algorithm)
            );
            let token = signing
                .sign(
                    &Header::new(signing.public().algorithm),
                    &serde_json::json!({"sub": "s"}),
                )
                .unwrap();
            let mut validation = jsonwebtoken::Validation::new(public.algorithm);
            validation.required_spec_claims.clear();
            validation.validate_exp = false;
            jsonwebtoken::decode::<serde_json::Value>(&token, public.decoding_key(), &validation)
                .expect("verifies with the key read back from its JWK");
        }
    }

    #[test]
    fn a_jwk_that_cannot_verify_our_tokens_is_refused() {
        let signing = SigningKey::from_material(&material(KeyKind::Es256, "k")).unwrap();
        let good = serde_json::to_value(signing.public().jwk()).unwrap();
        let variants = [
            ("no kid", "kid", serde_json::Value::Null),
            ("encryption key", "use", serde_json::json!("enc")),
            ("another curve", "crv", serde_json::json!("P-384")),
        ];
        for (case, field, value) in variants {
            let mut jwk = good.clone();
            if value.is_null() {
                jwk.as_object_mut().unwrap().remove(field);
            } else {
                jwk[field] = value;
            }
            let refused = serde_json::from_value(jwk)
                .map_err(|e| e.to_string())
                .and_then(|jwk| PublicKey::from_jwk(jwk).map_err(|e| e.to_string()));
            assert!(refused.is_err(), "{case}");
        }
        let symmetric = serde_json::json!({"kty": "oct", "kid": "k", "k": "c2VjcmV0"});
        let refused = PublicKey::from_jwk(serde_json::from_value(symmetric).unwrap());
        assert!(
            refused.is_err(),
            "a shared secret never verifies our tokens"
        );
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
