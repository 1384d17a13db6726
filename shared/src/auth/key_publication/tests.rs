use std::sync::Mutex;

use super::*;
use crate::{
    auth::{KeyKind, generate_private_key_pem},
    key_source::{KeyMaterial, Publication},
};

fn material(kid: &str) -> KeyMaterial {
    KeyMaterial {
        kid: kid.to_owned(),
        private_key_pem: generate_private_key_pem(KeyKind::Es256).unwrap(),
    }
}

/// The version id these tests give a key: one per kid.
fn version_of(material: &KeyMaterial) -> String {
    format!("v-{}", material.kid)
}

fn signing(materials: &[KeyMaterial]) -> SigningKeys {
    let key = |m: &KeyMaterial| SigningKey::from_material(m).unwrap();
    let others = materials[1..]
        .iter()
        .map(|m| (version_of(m), key(m).into_public()))
        .collect();
    SigningKeys::new(
        version_of(&materials[0]),
        Arc::new(key(&materials[0])),
        others,
    )
}

fn published(keys: &SigningKeys, kid: &str, at: i64) -> PublishedKey {
    let (version, key) = keys.versioned().find(|(_, k)| k.kid == kid).unwrap();
    PublishedKey {
        kid: kid.to_owned(),
        jwk: serde_json::to_string(key.jwk()).unwrap(),
        secret_version: Some(version.to_owned()),
        published_at: at,
    }
}

#[test]
fn a_plan_publishes_what_is_new_or_changed_and_withdraws_what_is_gone() {
    let kept = material("kept");
    let legacy = material("legacy");
    let old = signing(&[kept.clone(), material("changed"), legacy.clone()]);
    let new = signing(&[material("fresh"), kept, material("changed"), legacy]);
    let stored = vec![
        published(&old, "kept", 100),
        published(&old, "changed", 100),
        PublishedKey {
            secret_version: None,
            ..published(&old, "legacy", 100)
        },
        PublishedKey {
            kid: "retired".into(),
            ..published(&old, "kept", 100)
        },
        PublishedKey {
            kid: "published-after-this-read".into(),
            ..published(&old, "kept", 300)
        },
    ];
    let plan = Plan::new(&new, &stored, 200);
    let publishing: Vec<_> = plan
        .publish
        .iter()
        .map(|(key, replacing)| (key.kid.as_str(), replacing.as_ref().map(|r| r.kid.as_str())))
        .collect();
    assert_eq!(
        publishing,
        [
            ("fresh", None),
            ("changed", Some("changed")),
            ("legacy", Some("legacy"))
        ]
    );
    assert!(
        plan.publish
            .iter()
            .all(|(key, _)| key.secret_version == Some(format!("v-{}", key.kid)))
    );
    let withdrawing: Vec<_> = plan.withdraw.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(withdrawing, ["retired"]);
}

/// The ports in memory: these tests are about the order of reads and writes; the
/// DynamoDB and Secrets Manager adapters have tests of their own against the emulator.
#[derive(Default)]
struct Memory {
    /// The secret's versions, the current one first.
    secret: Mutex<Vec<(String, KeyMaterial)>>,
    /// The versions whose keys were read, in order.
    reads: Mutex<Vec<String>>,
    table: Mutex<Vec<PublishedKey>>,
    table_fails: Mutex<bool>,
    secret_fails: Mutex<bool>,
    keys_missing_since: Mutex<Option<i64>>,
    /// Every write of the signing state, in order.
    state_writes: Mutex<Vec<Option<i64>>>,
}

impl Memory {
    fn store(&self, materials: Vec<KeyMaterial>) {
        *self.secret.lock().unwrap() = materials.into_iter().map(|m| (version_of(&m), m)).collect();
    }

    fn reads(&self) -> Vec<String> {
        std::mem::take(&mut *self.reads.lock().unwrap())
    }
}

#[async_trait]
impl KeySource for Memory {
    async fn versions(&self) -> Result<KeyVersions, KeySourceError> {
        if *self.secret_fails.lock().unwrap() {
            return Err(KeySourceError::Backend(
                "Secrets Manager is unavailable".into(),
            ));
        }
        let secret = self.secret.lock().unwrap();
        let (current, others) = secret.split_first().ok_or(KeySourceError::Missing)?;
        Ok(KeyVersions {
            current: current.0.clone(),
            others: others.iter().map(|(v, _)| v.clone()).collect(),
        })
    }

    async fn read(&self, version: &str) -> Result<Option<KeyMaterial>, KeySourceError> {
        self.reads.lock().unwrap().push(version.to_owned());
        let secret = self.secret.lock().unwrap();
        Ok(secret
            .iter()
            .find(|(v, _)| v == version)
            .map(|(_, m)| m.clone()))
    }
}

#[async_trait]
impl PublicKeyStore for Memory {
    async fn publication(&self) -> Result<Publication, KeySourceError> {
        if *self.table_fails.lock().unwrap() {
            return Err(KeySourceError::Backend("the table is unavailable".into()));
        }
        Ok(Publication {
            keys: self.table.lock().unwrap().clone(),
            keys_missing_since: *self.keys_missing_since.lock().unwrap(),
        })
    }

    async fn record_keys_missing(&self, since: Option<i64>) -> Result<(), KeySourceError> {
        self.state_writes.lock().unwrap().push(since);
        let mut recorded = self.keys_missing_since.lock().unwrap();
        if since.is_none() || recorded.is_none() {
            *recorded = since;
        }
        Ok(())
    }

    async fn publish_key(
        &self,
        key: &PublishedKey,
        replacing: Option<&PublishedKey>,
    ) -> Result<bool, KeySourceError> {
        let mut table = self.table.lock().unwrap();
        let stored = table.iter().position(|p| p.kid == key.kid);
        match (stored, replacing) {
            (None, None) => table.push(key.clone()),
            (Some(i), Some(seen)) if table[i] == *seen => table[i] = key.clone(),
            _ => return Ok(false),
        }
        Ok(true)
    }

    async fn withdraw_key(&self, key: &PublishedKey) -> Result<(), KeySourceError> {
        self.table.lock().unwrap().retain(|p| p != key);
        Ok(())
    }
}

fn memory(secret: Vec<KeyMaterial>) -> Arc<Memory> {
    let memory = Memory::default();
    memory.store(secret);
    Arc::new(memory)
}

fn kids(table: &Memory) -> Vec<String> {
    let mut kids: Vec<_> = table
        .table
        .lock()
        .unwrap()
        .iter()
        .map(|p| p.kid.clone())
        .collect();
    kids.sort();
    kids
}

#[tokio::test]
async fn the_signer_publishes_its_keys_and_verifiers_read_them_back() {
    let current = material("current");
    let memory = memory(vec![current.clone(), material("previous")]);
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    let keys = publisher.load(None).await.unwrap();
    assert_eq!(kids(&memory), ["current", "previous"]);

    let verifying = PublishedKeyReader::new(memory.clone())
        .load(None)
        .await
        .unwrap();
    for kid in ["current", "previous"] {
        assert_eq!(
            verifying.find(kid).unwrap().jwk(),
            keys.public().find(kid).unwrap().jwk()
        );
    }

    // A rotation drops the previous key: the next load withdraws it (a load only
    // withdraws keys published before the millisecond its own read began).
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    memory.store(vec![material("next"), current]);
    publisher.load(Some(Arc::new(keys))).await.unwrap();
    assert_eq!(kids(&memory), ["current", "next"]);
}

#[tokio::test]
async fn a_key_is_read_from_the_secret_only_while_it_is_not_known() {
    let current = material("current");
    let memory = memory(vec![current.clone(), material("previous")]);
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    let first = Arc::new(publisher.load(None).await.unwrap());
    assert_eq!(memory.reads(), ["v-current", "v-previous"]);

    let refreshed = publisher.load(Some(first.clone())).await.unwrap();
    assert!(memory.reads().is_empty(), "no version changed");
    assert!(
        Arc::ptr_eq(&first.signing_key(), &refreshed.signing_key()),
        "the signing key stays parsed"
    );

    let started = publisher.load(None).await.unwrap();
    assert_eq!(
        memory.reads(),
        ["v-current"],
        "a new container takes the previous key from the table"
    );
    assert_eq!(
        started.public().find("previous").unwrap().jwk(),
        first.public().find("previous").unwrap().jwk()
    );

    memory.store(vec![material("next"), current]);
    let rotated = publisher.load(Some(Arc::new(started))).await.unwrap();
    assert_eq!(memory.reads(), ["v-next"]);
    assert_eq!(rotated.signing().public().kid, "next");
    assert_eq!(rotated.of_version("v-current").unwrap().kid, "current");
}

#[tokio::test]
async fn a_key_published_without_a_usable_version_is_read_and_published_with_it() {
    let memory = memory(vec![material("current"), material("previous")]);
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    publisher.load(None).await.unwrap();
    memory.reads();
    for key in memory.table.lock().unwrap().iter_mut() {
        if key.kid == "previous" {
            key.secret_version = None;
        }
    }
    publisher.load(None).await.unwrap();
    assert_eq!(memory.reads(), ["v-current", "v-previous"]);
    let table = memory.table.lock().unwrap().clone();
    assert!(
        table
            .iter()
            .all(|k| k.secret_version == Some(format!("v-{}", k.kid))),
        "{table:?}"
    );

    // A published JWK that no longer parses is not trusted either.
    for key in memory.table.lock().unwrap().iter_mut() {
        if key.kid == "previous" {
            key.jwk = "{}".into();
        }
    }
    publisher.load(None).await.unwrap();
    assert_eq!(memory.reads(), ["v-current", "v-previous"]);
}

#[tokio::test]
async fn an_unusable_older_version_is_left_out_but_an_unusable_current_one_fails() {
    let broken = KeyMaterial {
        kid: "broken".into(),
        private_key_pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
    };
    let good = material("good");
    let memory = memory(vec![good.clone(), broken.clone()]);
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    let keys = publisher.load(None).await.unwrap();
    assert_eq!(keys.signing().public().kid, "good");
    assert!(keys.public().find("broken").is_none());
    assert_eq!(kids(&memory), ["good"]);

    memory.store(vec![broken, good]);
    assert!(publisher.load(None).await.is_err());
}

#[tokio::test]
async fn keys_that_cannot_be_published_do_not_sign() {
    let memory = memory(vec![material("current")]);
    *memory.table_fails.lock().unwrap() = true;
    let refused = KeyPublisher::new(memory.clone(), memory.clone())
        .load(None)
        .await;
    assert!(refused.is_err(), "verifiers could not check what it signs");
}

#[tokio::test]
async fn a_key_published_under_the_same_kid_by_another_signer_is_not_overwritten() {
    let memory = memory(vec![material("k")]);
    let theirs = signing(&[material("k")]);
    memory
        .table
        .lock()
        .unwrap()
        .push(published(&theirs, "k", 1));
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    // This signer read the table before the other key was there.
    let mine = signing(&[material("k")]);
    let plan = Plan {
        publish: vec![(published(&mine, "k", 2), None)],
        withdraw: vec![],
    };
    assert!(publisher.publish(plan).await.is_err());
    assert_eq!(memory.table.lock().unwrap()[0].published_at, 1);
}

#[tokio::test]
async fn the_signer_refuses_a_key_it_cannot_sign_with() {
    let memory = memory(vec![broken_rsa("broken")]);
    let refused = KeyPublisher::new(memory.clone(), memory.clone())
        .load(None)
        .await;
    assert!(refused.is_err(), "no usable key: the endpoint says 503");
    assert!(kids(&memory).is_empty(), "and nothing is published");
}

#[tokio::test]
async fn verifiers_skip_an_unusable_published_key_and_need_one_usable() {
    let memory = memory(vec![]);
    let reader = PublishedKeyReader::new(memory.clone());
    assert!(reader.load(None).await.is_err(), "nothing published yet");

    let good = signing(&[material("good")]);
    memory.table.lock().unwrap().extend([
        published(&good, "good", 1),
        PublishedKey {
            kid: "bad".into(),
            jwk: r#"{"kty":"oct","kid":"bad","k":"c2VjcmV0"}"#.into(),
            secret_version: None,
            published_at: 1,
        },
    ]);
    let keys = reader.load(None).await.unwrap();
    assert!(keys.find("good").is_some());
    assert!(keys.find("bad").is_none());
}

/// An RSA key whose public half reads but whose private half is inconsistent.
fn broken_rsa(kid: &str) -> KeyMaterial {
    use simple_asn1::{ASN1Block, from_der, to_der};
    let good = generate_private_key_pem(KeyKind::Rs256).unwrap();
    let der = pem::parse(good.as_bytes()).unwrap().into_contents();
    let outer = from_der(&der).unwrap();
    let ASN1Block::Sequence(_, fields) = &outer[0] else {
        panic!("PKCS#8 is a sequence")
    };
    let ASN1Block::OctetString(_, pkcs1) = &fields[2] else {
        panic!("the PKCS#1 key")
    };
    let mut inner = from_der(pkcs1).unwrap();
    let ASN1Block::Sequence(_, parts) = &mut inner[0] else {
        panic!("PKCS#1 is a sequence")
    };
    // The private exponent, off by two.
    let ASN1Block::Integer(offset, d) = &parts[3] else {
        panic!("d")
    };
    parts[3] = ASN1Block::Integer(*offset, d + 2);
    KeyMaterial {
        kid: kid.to_owned(),
        private_key_pem: pem::encode(&pem::Pem::new(
            "RSA PRIVATE KEY",
            to_der(&inner[0]).unwrap(),
        )),
    }
}

#[tokio::test]
async fn the_signer_records_when_the_secret_holds_no_usable_key_and_when_it_does_again() {
    let memory = memory(vec![]);
    let publisher = KeyPublisher::new(memory.clone(), memory.clone());
    assert!(publisher.load(None).await.is_err());
    let since = memory.keys_missing_since.lock().unwrap().expect("recorded");
    assert!(publisher.load(None).await.is_err());
    assert_eq!(
        *memory.state_writes.lock().unwrap(),
        [Some(since)],
        "written once, when it changed"
    );

    // A read that fails says nothing about the key: nothing is recorded either way.
    *memory.keys_missing_since.lock().unwrap() = None;
    *memory.secret_fails.lock().unwrap() = true;
    assert!(publisher.load(None).await.is_err());
    assert_eq!(memory.state_writes.lock().unwrap().len(), 1);
    *memory.secret_fails.lock().unwrap() = false;

    // A key that cannot sign is no key.
    memory.store(vec![KeyMaterial {
        kid: "broken".into(),
        private_key_pem: "not a key".into(),
    }]);
    assert!(publisher.load(None).await.is_err());
    assert!(memory.keys_missing_since.lock().unwrap().is_some());

    memory.store(vec![material("back")]);
    publisher.load(None).await.unwrap();
    assert_eq!(*memory.keys_missing_since.lock().unwrap(), None);
    assert_eq!(memory.state_writes.lock().unwrap().last(), Some(&None));
    let writes = memory.state_writes.lock().unwrap().len();
    publisher.load(None).await.unwrap();
    assert_eq!(
        memory.state_writes.lock().unwrap().len(),
        writes,
        "no change, no write"
    );
}
