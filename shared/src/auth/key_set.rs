//! Cryptographic key sets: the private keys that sign access tokens (RS256 or ES256)
//! and the public keys, as JWKs, that verify them.
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

use crate::key_source::KeyMaterial;

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

    /// The public half alone, for a key that only verifies: its private key is dropped.
    pub fn into_public(self) -> Arc<PublicKey> {
        self.public
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
    /// As published beside them: since when (Unix milliseconds) the token function has
    /// found no usable signing key, if it has not.
    keys_missing_since: Option<i64>,
}

impl KeySet {
    pub fn new(keys: Vec<Arc<PublicKey>>) -> Self {
        Self {
            keys,
            keys_missing_since: None,
        }
    }

    pub fn with_keys_missing_since(self, since: Option<i64>) -> Self {
        Self {
            keys_missing_since: since,
            ..self
        }
    }

    /// Whether the token function reported, when these keys were read, that it has no
    /// usable signing key (so it refuses every token request).
    pub fn signing_keys_missing(&self) -> bool {
        self.keys_missing_since.is_some()
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

/// The keys of one load, each with the version of the key secret it comes from: the
/// current version's private key signs, and every version's public half verifies (and
/// is published).
pub struct SigningKeys {
    signing: Arc<SigningKey>,
    /// The signing key's version first.
    versions: Vec<String>,
    /// In the order of `versions`.
    public: KeySet,
}

impl SigningKeys {
    /// `signing`, read from version `current`, then the public halves of `others`; a
    /// key whose kid an earlier one has is left out, since a kid names one key.
    pub fn new(
        current: String,
        signing: Arc<SigningKey>,
        others: Vec<(String, Arc<PublicKey>)>,
    ) -> Self {
        let mut versions = vec![current];
        let mut keys = vec![signing.public.clone()];
        for (version, key) in others {
            if keys.iter().all(|k| k.kid != key.kid) {
                versions.push(version);
                keys.push(key);
            } else {
                tracing::warn!(kid = %key.kid, %version, "leaving out a key version whose kid is taken");
            }
        }
        Self {
            signing,
            versions,
            public: KeySet::new(keys),
        }
    }

    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    /// The signing key, to hold on to while its version stays current.
    pub fn signing_key(&self) -> Arc<SigningKey> {
        self.signing.clone()
    }

    pub fn signing_version(&self) -> &str {
        &self.versions[0]
    }

    /// The public key held from `version`.
    pub fn of_version(&self, version: &str) -> Option<Arc<PublicKey>> {
        let position = self.versions.iter().position(|v| v == version)?;
        Some(self.public.keys[position].clone())
    }

    /// Every key's public half with its version, the signing key first.
    pub fn versioned(&self) -> impl Iterator<Item = (&str, &PublicKey)> {
        self.versions
            .iter()
            .map(String::as_str)
            .zip(self.public.keys.iter().map(|k| k.as_ref()))
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
    fn jwks_lists_every_key_without_private_parts() {
        let signing = SigningKey::from_material(&material(KeyKind::Rs256, "new")).unwrap();
        let older = SigningKey::from_material(&material(KeyKind::Es256, "old")).unwrap();
        let set = SigningKeys::new(
            "v2".into(),
            Arc::new(signing),
            vec![("v1".into(), older.into_public())],
        );
        assert_eq!(set.signing().public().kid, "new");
        assert_eq!(set.signing_version(), "v2");
        assert_eq!(set.of_version("v1").unwrap().kid, "old");
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
    fn a_kid_names_one_key_the_signing_one_first() {
        let signing = SigningKey::from_material(&material(KeyKind::Es256, "k")).unwrap();
        let reused = SigningKey::from_material(&material(KeyKind::Es256, "k")).unwrap();
        let set = SigningKeys::new(
            "v2".into(),
            Arc::new(signing),
            vec![("v1".into(), reused.into_public())],
        );
        assert_eq!(set.public().jwks().keys.len(), 1);
        assert!(set.of_version("v1").is_none());
        assert_eq!(
            set.public().find("k").unwrap().jwk(),
            set.signing().public().jwk()
        );
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
