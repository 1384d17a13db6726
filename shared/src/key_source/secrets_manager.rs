use async_trait::async_trait;
use aws_sdk_secretsmanager::{
    Client,
    error::{DisplayErrorContext, SdkError},
    operation::get_secret_value::builders::GetSecretValueFluentBuilder,
};

use super::{KeyMaterial, KeySource, KeySourceError, KeyVersions};

/// Reads signing keys from one Secrets Manager secret: the `AWSCURRENT` version signs,
/// `AWSPREVIOUS` still verifies tokens signed before a rotation, and `AWSPENDING`, staged
/// for the next rotation, is published before it signs anything.
#[derive(Clone)]
pub struct SecretsManagerKeys {
    client: Client,
    secret_id: String,
}

impl SecretsManagerKeys {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
        }
    }

    async fn value(
        &self,
        pick: impl FnOnce(GetSecretValueFluentBuilder) -> GetSecretValueFluentBuilder,
    ) -> Result<Option<KeyMaterial>, KeySourceError> {
        let request = self.client.get_secret_value().secret_id(&self.secret_id);
        let output = match pick(request).send().await {
            Ok(output) => output,
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                return Ok(None);
            }
            Err(e) => return Err(backend(e)),
        };
        match output.secret_string() {
            None => Ok(None),
            Some(s) if s.trim().is_empty() || s.trim() == "{}" => Ok(None),
            Some(s) => serde_json::from_str(s).map(Some).map_err(malformed),
        }
    }
}

/// A failed call: an outage of Secrets Manager, or a failure.
pub(super) fn backend<E, R>(error: SdkError<E, R>) -> KeySourceError
where
    E: aws_sdk_secretsmanager::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + crate::aws::HasStatus,
{
    match crate::aws::outage(&error) {
        Some(outage) => KeySourceError::Unavailable(outage),
        None => KeySourceError::Backend(DisplayErrorContext(error).to_string()),
    }
}

#[async_trait]
impl KeySource for SecretsManagerKeys {
    async fn versions(&self) -> Result<KeyVersions, KeySourceError> {
        let output = match self
            .client
            .describe_secret()
            .secret_id(&self.secret_id)
            .send()
            .await
        {
            Ok(output) => output,
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                return Err(KeySourceError::Missing);
            }
            Err(e) => return Err(backend(e)),
        };
        let stages = output.version_ids_to_stages();
        let labelled = |label: &str| {
            stages
                .into_iter()
                .flatten()
                .find(|(_, labels)| labels.iter().any(|l| l == label))
                .map(|(version, _)| version.clone())
        };
        let current = labelled("AWSCURRENT").ok_or(KeySourceError::Missing)?;
        let mut others = Vec::new();
        for label in ["AWSPREVIOUS", "AWSPENDING"] {
            if let Some(version) = labelled(label).filter(|v| *v != current && !others.contains(v))
            {
                others.push(version);
            }
        }
        Ok(KeyVersions { current, others })
    }

    async fn read(&self, version: &str) -> Result<Option<KeyMaterial>, KeySourceError> {
        self.value(|request| request.version_id(version)).await
    }
}

impl SecretsManagerKeys {
    /// Stores `material` as the new `AWSCURRENT` version (the old one becomes
    /// `AWSPREVIOUS`), creating the secret if needed.
    pub async fn put(&self, material: &KeyMaterial) -> Result<(), KeySourceError> {
        let value = serde_json::to_string(material)
            .map_err(|e| KeySourceError::Malformed(e.to_string()))?;
        let result = self
            .client
            .put_secret_value()
            .secret_id(&self.secret_id)
            .secret_string(&value)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => self
                .client
                .create_secret()
                .name(&self.secret_id)
                .description("JWT signing key: {\"kid\", \"private_key_pem\"}")
                .secret_string(value)
                .send()
                .await
                .map(|_| ())
                .map_err(backend),
            Err(e) => Err(backend(e)),
        }
    }

    /// Whether the secret holds a usable current key.
    pub async fn has_key(&self) -> Result<bool, KeySourceError> {
        Ok(self
            .value(|request| request.version_stage("AWSCURRENT"))
            .await?
            .is_some())
    }
}

/// Why a secret value is not a key, without its text: serde quotes the value it
/// could not take, and that value may be the private key itself.
fn malformed(error: serde_json::Error) -> KeySourceError {
    KeySourceError::Malformed(format!(
        "expected a JSON object {{\"kid\", \"private_key_pem\"}} ({:?} error at line {}, column {})",
        error.classify(),
        error.line(),
        error.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_secret_is_described_without_its_text() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----";
        let quoted =
            serde_json::from_str::<KeyMaterial>(&serde_json::to_string(pem).unwrap()).unwrap_err();
        assert!(
            quoted.to_string().contains("MIGHAgEAMBMGByqGSM49"),
            "serde quotes the value it could not take"
        );
        for value in [
            serde_json::to_string(pem).unwrap(),
            format!("{{\"kid\": \"k\", \"private_key_pem\": {pem:?}, \"extra\": 1}}"),
        ] {
            let error = serde_json::from_str::<KeyMaterial>(&value).unwrap_err();
            let described = malformed(error).to_string();
            assert!(!described.contains("MIGH"), "{described}");
            assert!(described.contains("line 1"), "{described}");
        }
    }
}
