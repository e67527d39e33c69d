//! Files kept by the portal (documents, photos, videos) as content-addressed
//! blobs: a file is stored once under the SHA-256 of its bytes, and events
//! refer to it by that hash, its size and type — never carry the bytes
//! (the claim-check pattern). A file is written whole or not at all: a
//! crash in the middle of an upload leaves nothing visible. Adapters: a
//! folder (`data/files/`, embedded mode) and PostgreSQL (distributed), one
//! contract suite in `infra/tests/file_store_contract.rs` (ADR 0022).

pub mod check;
pub mod dir;
pub mod erasure;
pub mod images;
pub mod kinds;
pub mod postgres;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// A stream of a file's bytes.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type (checked from its bytes when it was uploaded).
    pub content_type: String,
}

/// Why a file was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// More bytes than the limit.
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The body broke off (the client went away).
    #[error("the upload broke off: {0}")]
    Body(std::io::Error),
    /// The bytes do not read as their type (a photo that does not decode).
    #[error("{0}")]
    Unreadable(String),
    /// The storage failed.
    #[error("file storage failure: {0:#}")]
    Storage(#[from] anyhow::Error),
}

/// The file store port.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Stores `body` (at most `limit` bytes) as a file of `content_type`;
    /// the same bytes again are the same file (stored once, the first type kept).
    ///
    /// # Errors
    /// [`PutError`]: nothing is stored then.
    async fn put(
        &self,
        body: ByteStream,
        limit: u64,
        content_type: &str,
    ) -> Result<StoredFile, PutError>;

    /// The file with this hash, when stored.
    ///
    /// # Errors
    /// Storage failures.
    async fn stat(&self, sha256: &str) -> anyhow::Result<Option<StoredFile>>;

    /// The bytes `range` of the file (clamped to its size), as a stream that
    /// never holds the file whole; `None` when it is not stored.
    ///
    /// # Errors
    /// Storage failures.
    async fn read(&self, sha256: &str, range: Range<u64>) -> anyhow::Result<Option<ByteStream>>;

    /// Every stored file.
    ///
    /// # Errors
    /// Storage failures.
    async fn list(&self) -> anyhow::Result<Vec<StoredFile>>;

    /// Removes a file for good (an erasure); true when it was stored.
    ///
    /// # Errors
    /// Storage failures.
    async fn delete(&self, sha256: &str) -> anyhow::Result<bool>;
}

/// A shared handle to any file store.
pub type DynFileStore = std::sync::Arc<dyn FileStore>;

pub use events::files::is_sha256;

/// `name` percent-encoded for a URL's path segment or RFC 5987's `filename*`
/// (all but the unreserved ASCII characters).
pub fn encoded(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path a file is downloaded at, saved under `name`.
pub fn url(sha256: &str, name: &str) -> String {
    format!("/api/v1/files/{sha256}/{}", encoded(name))
}

/// Reads the first [`kinds::HEAD`] bytes of `body`; answers them and the
/// whole body again (those bytes first).
pub async fn head(mut body: ByteStream) -> (Bytes, ByteStream) {
    let mut head = bytes::BytesMut::new();
    let mut failed = None;
    while head.len() < kinds::HEAD {
        match body.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    let head = head.freeze();
    let first: Vec<std::io::Result<Bytes>> = match failed {
        Some(e) => vec![Ok(head.clone()), Err(e)],
        None => vec![Ok(head.clone())],
    };
    (head, futures_util::stream::iter(first).chain(body).boxed())
}

/// Hashes and counts bytes as they pass, refusing more than a limit.
pub(crate) struct Meter {
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl Meter {
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            hasher: Sha256::new(),
            size: 0,
            limit,
        }
    }

    /// Counts `chunk` in; an error when the limit is passed.
    pub(crate) fn take(&mut self, chunk: &[u8]) -> Result<(), PutError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(PutError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        Ok(())
    }

    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The hash, in lowercase hex.
    pub(crate) fn finish(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Regroups a stream of chunks of any size into chunks of `size` bytes (the last shorter).
pub(crate) fn rechunk(body: ByteStream, size: usize) -> ByteStream {
    let state = (body, bytes::BytesMut::new(), false);
    futures_util::stream::unfold(state, move |(mut body, mut buf, mut done)| async move {
        loop {
            if buf.len() >= size {
                let chunk = buf.split_to(size).freeze();
                return Some((Ok(chunk), (body, buf, done)));
            }
            if done {
                if buf.is_empty() {
                    return None;
                }
                let chunk = buf.split().freeze();
                return Some((Ok(chunk), (body, buf, done)));
            }
            match body.next().await {
                Some(Ok(b)) => buf.extend_from_slice(&b),
                Some(Err(e)) => return Some((Err(e), (body, buf, true))),
                None => done = true,
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_regrouped_to_one_size() {
        let parts: Vec<std::io::Result<Bytes>> = ["abc", "", "defgh", "i"]
            .into_iter()
            .map(|s| Ok(Bytes::from(s)))
            .collect();
        let out: Vec<Bytes> = rechunk(futures_util::stream::iter(parts).boxed(), 4)
            .map(|c| c.unwrap())
            .collect()
            .await;
        assert_eq!(
            out,
            [Bytes::from("abcd"), Bytes::from("efgh"), Bytes::from("i")]
        );
    }

    #[test]
    fn the_meter_hashes_and_refuses_past_the_limit() {
        let mut m = Meter::new(5);
        m.take(b"abc").unwrap();
        assert_eq!(
            m.finish(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut m = Meter::new(5);
        assert!(matches!(
            m.take(b"abcdef"),
            Err(PutError::TooLarge { limit: 5 })
        ));
        assert!(is_sha256(
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        ));
        assert!(!is_sha256("../etc/passwd"));
    }
}
