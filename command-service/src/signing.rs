//! The keys that sign audit exports, so that an auditor can verify an export
//! offline with standard tools: a JWS in the flattened JSON serialization
//! (RFC 7515 §7.2.2), signed with EdDSA over Ed25519 (RFC 8037), whose key
//! ids are RFC 7638 thumbprints; the public keys are published as a JWKS at
//! `/.well-known/jwks.json`, the retired ones with them, so that old exports
//! still verify after a rotation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use blake2::{Blake2b, Digest};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};
use std::path::Path;

/// The current signing key and every published public key.
pub struct SigningKeys {
    current: SigningKey,
    kid: String,
    published: Vec<(String, VerifyingKey)>,
}

/// The RFC 7638 thumbprint of an Ed25519 public key.
fn thumbprint(key: &VerifyingKey) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64.encode(key.as_bytes())
    );
    B64.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

impl SigningKeys {
    /// From 32-byte seeds: the first signs, all are published.
    ///
    /// # Panics
    /// When `seeds` is empty.
    pub fn from_seeds(seeds: &[[u8; 32]]) -> Self {
        let keys: Vec<SigningKey> = seeds.iter().map(SigningKey::from_bytes).collect();
        let published: Vec<(String, VerifyingKey)> = keys
            .iter()
            .map(|k| (thumbprint(&k.verifying_key()), k.verifying_key()))
            .collect();
        Self {
            kid: published[0].0.clone(),
            current: keys[0].clone(),
            published,
        }
    }

    /// A key derived from the token secret, for services given no key file
    /// (every replica derives the same one).
    pub fn derived(secret: &[u8]) -> Self {
        let digest = Blake2b::<blake2::digest::consts::U32>::new()
            .chain_update(secret)
            .chain_update(b"portal audit signing key")
            .finalize();
        Self::from_seeds(&[digest.into()])
    }

    /// Reads a key file: one base64url seed (32 bytes) per line, the first
    /// signing, the following ones retired but still published.
    ///
    /// # Errors
    /// When the file cannot be read or a line is not a seed.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the signing key {}: {e}", path.display()))?;
        let seeds = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{}: a line is not a base64url Ed25519 seed of 32 bytes",
                            path.display()
                        )
                    })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!seeds.is_empty(), "{} holds no key", path.display());
        Ok(Self::from_seeds(&seeds))
    }

    /// A new random seed, as a line of a key file.
    pub fn new_seed_line() -> String {
        B64.encode(rand::random::<[u8; 32]>())
    }

    /// The published keys as a JWKS (RFC 7517).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .published
            .iter()
            .map(|(kid, key)| {
                json!({ "kty": "OKP", "crv": "Ed25519", "x": B64.encode(key.as_bytes()),
                        "kid": kid, "alg": "EdDSA", "use": "sig" })
            })
            .collect();
        json!({ "keys": keys })
    }

    /// `payload` signed: `{ protected, payload, signature }`.
    pub fn sign(&self, payload: &Value) -> Value {
        let header = json!({ "alg": "EdDSA", "kid": self.kid, "cty": "application/json" });
        let protected = B64.encode(header.to_string());
        let payload = B64.encode(payload.to_string());
        let signature = self
            .current
            .sign(format!("{protected}.{payload}").as_bytes());
        json!({ "protected": protected, "payload": payload, "signature": B64.encode(signature.to_bytes()) })
    }

    /// The payload of a JWS signed by one of the published keys.
    ///
    /// # Errors
    /// What is wrong: the form, an unknown key, a signature that does not hold.
    pub fn verify(&self, jws: &Value) -> Result<Value, String> {
        let part = |name: &str| {
            jws[name]
                .as_str()
                .ok_or_else(|| format!("the export has no {name}"))
        };
        let (protected, payload, signature) =
            (part("protected")?, part("payload")?, part("signature")?);
        let header: Value = B64
            .decode(protected)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or("the protected header does not read")?;
        if header["alg"] != "EdDSA" {
            return Err("the algorithm is not EdDSA".into());
        }
        let kid = header["kid"].as_str().unwrap_or_default();
        let key = self
            .published
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| format!("the key {kid:?} is not one of this portal's"))?;
        let signature = B64
            .decode(signature)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or("the signature does not read")?;
        key.verify(format!("{protected}.{payload}").as_bytes(), &signature)
            .map_err(|_| "the signature does not match the export".to_string())?;
        B64.decode(payload)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| "the payload does not read".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_payload_verifies_and_any_change_fails() {
        let keys = SigningKeys::from_seeds(&[[7; 32]]);
        let jws = keys.sign(&json!({ "stream": "service/s1", "n": 1 }));
        assert_eq!(keys.verify(&jws).unwrap()["n"], 1);
        let mut changed = jws.clone();
        let payload = B64.encode(json!({ "stream": "service/s1", "n": 2 }).to_string());
        changed["payload"] = json!(payload);
        assert!(keys.verify(&changed).is_err());
        let other = SigningKeys::from_seeds(&[[8; 32]]);
        assert!(other.verify(&jws).unwrap_err().contains("not one of"));
        // After a rotation, old exports still verify; new ones use the new key.
        let rotated = SigningKeys::from_seeds(&[[8; 32], [7; 32]]);
        assert!(rotated.verify(&jws).is_ok());
        assert_eq!(rotated.jwks()["keys"].as_array().unwrap().len(), 2);
        assert_ne!(rotated.kid, keys.kid);
    }

    #[test]
    fn the_key_id_is_the_rfc_7638_thumbprint() {
        // RFC 8037 appendix A.3: the thumbprint of its example key.
        let x = B64
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        let key = VerifyingKey::from_bytes(&x.try_into().unwrap()).unwrap();
        assert_eq!(
            thumbprint(&key),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }
}
