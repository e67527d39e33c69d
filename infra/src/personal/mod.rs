//! Personal data that must stay erasable while the log stays as it is
//! (DESIGN.md §2): each person (a forum author) has a key of their own in the
//! **personal key store**; what they wrote is sealed under it before it
//! enters an event, and erasing the key (crypto-shredding) leaves only
//! ciphertext that nobody can open. An erased person keeps a tombstone, so
//! no new key is ever made for them.
//!
//! Adapters: PostgreSQL and embedded SQLite (with `secure_delete`).

pub mod postgres;
pub mod sqlite;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use events::forum::Sealed;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// A person's key (256 bits).
#[derive(Clone, PartialEq, Eq)]
pub struct PersonKey([u8; 32]);

impl PersonKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// The key from its stored bytes; `None` unless there are 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Its bytes, for storing.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for PersonKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKey(…)")
    }
}

/// Seals `value` (as JSON) under the person's key; the person's id is bound
/// in as associated data, so a sealed text cannot be passed off as another's.
///
/// # Panics
/// Never: serialising plain data and encrypting in memory do not fail.
pub fn seal<T: Serialize>(key: &PersonKey, person: Uuid, value: &T) -> Sealed {
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let nonce: [u8; 24] = rand::random();
    let plain = serde_json::to_vec(value).expect("plain data serialises");
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: person.as_bytes(),
            },
        )
        .expect("encryption in memory does not fail");
    Sealed {
        nonce: URL_SAFE_NO_PAD.encode(nonce),
        ciphertext: URL_SAFE_NO_PAD.encode(ciphertext),
    }
}

/// Opens what [`seal`] sealed; `None` when the key, the person or the
/// bytes do not match.
pub fn open<T: DeserializeOwned>(key: &PersonKey, person: Uuid, sealed: &Sealed) -> Option<T> {
    let nonce: [u8; 24] = URL_SAFE_NO_PAD
        .decode(&sealed.nonce)
        .ok()?
        .try_into()
        .ok()?;
    let ciphertext = URL_SAFE_NO_PAD.decode(&sealed.ciphertext).ok()?;
    let cipher = XChaCha20Poly1305::new((&key.0).into());
    let plain = cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &ciphertext,
                aad: person.as_bytes(),
            },
        )
        .ok()?;
    serde_json::from_slice(&plain).ok()
}

/// Why the personal key store failed.
#[derive(Debug, thiserror::Error)]
#[error("personal key store failure: {0}")]
pub struct PersonalKeyError(#[source] pub anyhow::Error);

/// The personal key store port.
#[async_trait::async_trait]
pub trait PersonalKeyStore: Send + Sync + 'static {
    /// The person's key, made on first use; `None` when the person was erased.
    ///
    /// # Errors
    /// Storage failures.
    async fn key_for_writing(&self, person: Uuid) -> Result<Option<PersonKey>, PersonalKeyError>;

    /// The keys of those of `persons` who have one (erased and unknown persons are absent).
    ///
    /// # Errors
    /// Storage failures.
    async fn keys(&self, persons: &[Uuid]) -> Result<HashMap<Uuid, PersonKey>, PersonalKeyError>;

    /// Destroys the person's key for good and leaves a tombstone; true when a key was destroyed.
    ///
    /// # Errors
    /// Storage failures.
    async fn erase(&self, person: Uuid) -> Result<bool, PersonalKeyError>;
}

/// A shared handle to any personal key store.
pub type DynPersonalKeyStore = std::sync::Arc<dyn PersonalKeyStore>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_person() {
        let key = PersonKey::generate();
        let person = Uuid::from_u128(1);
        let sealed = seal(&key, person, &"Jana Nováková píše");
        assert!(!sealed.ciphertext.contains("Jana"));
        assert_eq!(
            open::<String>(&key, person, &sealed).as_deref(),
            Some("Jana Nováková píše")
        );
        assert_eq!(
            open::<String>(&PersonKey::generate(), person, &sealed),
            None
        );
        assert_eq!(open::<String>(&key, Uuid::from_u128(2), &sealed), None);
        let again = seal(&key, person, &"Jana Nováková píše");
        assert_ne!(again.nonce, sealed.nonce, "every seal has its own nonce");
        let mut tampered = sealed.clone();
        tampered.ciphertext.replace_range(0..2, "AA");
        assert_eq!(open::<String>(&key, person, &tampered), None);
    }
}
