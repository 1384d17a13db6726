use async_trait::async_trait;
use aws_sdk_secretsmanager::{
    Client, error::SdkError, operation::get_secret_value::GetSecretValueError,
};

use super::{KeyMaterial, KeySource, KeySourceError};

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

    async fn stage(&self, stage: &str) -> Result<Option<KeyMaterial>, KeySourceError> {
        let result = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(stage)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), GetSecretValueError::ResourceNotFoundException(_)) =>
            {
                return Ok(None);
            }
            Err(e) => {
                return Err(KeySourceError::Backend(
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                ));
            }
        };
        match output.secret_string() {
            None => Ok(None),
            Some(s) if s.trim().is_empty() || s.trim() == "{}" => Ok(None),
            Some(s) => serde_json::from_str(s).map(Some).map_err(malformed),
        }
    }
}

#[async_trait]
impl KeySource for SecretsManagerKeys {
    async fn load(&self) -> Result<Vec<KeyMaterial>, KeySourceError> {
        let current = self
            .stage("AWSCURRENT")
            .await?
            .ok_or(KeySourceError::Missing)?;
        let mut keys = vec![current];
        // A broken older or pending version must not stop signing with the current one.
        for stage in ["AWSPREVIOUS", "AWSPENDING"] {
            match self.stage(stage).await {
                Ok(Some(other)) if keys.iter().all(|k| k.kid != other.kid) => keys.push(other),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, stage, "ignoring a signing key version"),
            }
        }
        Ok(keys)
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
                .map_err(|e| {
                    KeySourceError::Backend(
                        aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                    )
                }),
            Err(e) => Err(KeySourceError::Backend(
                aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            )),
        }
    }

    /// Whether the secret holds a usable current key.
    pub async fn has_key(&self) -> Result<bool, KeySourceError> {
        Ok(self.stage("AWSCURRENT").await?.is_some())
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
