//! The file store's contract, against PostgreSQL and a folder: a file
//! stored under its SHA-256, read whole and by ranges across chunk
//! boundaries, the same bytes stored once, the limit, a body that breaks
//! off leaving nothing, deletion.

use bytes::Bytes;
use futures_util::StreamExt;
use infra::files::dir::DirFileStore;
use infra::files::postgres::PostgresFileStore;
use infra::files::{ByteStream, DynFileStore, PutError};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use test_support::{TempDir, TestPostgres};

/// 3 MiB and a bit of bytes that do not repeat, so a misplaced chunk shows.
fn content() -> Vec<u8> {
    (0u32..(3 * 1024 * 1024 + 12_345) / 4)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect()
}

/// `bytes` in uneven pieces, as a network would deliver them.
fn body(bytes: &[u8]) -> ByteStream {
    let pieces: Vec<std::io::Result<Bytes>> = bytes
        .chunks(70_001)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(pieces).boxed()
}

async fn read(store: &DynFileStore, sha: &str, range: std::ops::Range<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stream = store.read(sha, range).await.unwrap().unwrap();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

async fn contract(store: DynFileStore) {
    let bytes = content();
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let limit = 10 * 1024 * 1024;
    let stored = store
        .put(body(&bytes), limit, "application/pdf")
        .await
        .unwrap();
    assert_eq!(
        (
            stored.sha256.as_str(),
            stored.size,
            stored.content_type.as_str()
        ),
        (sha.as_str(), bytes.len() as u64, "application/pdf")
    );
    assert_eq!(store.stat(&sha).await.unwrap(), Some(stored.clone()));
    let size = bytes.len() as u64;
    assert_eq!(read(&store, &sha, 0..size).await, bytes);
    let mib = 1024 * 1024;
    for (from, to) in [
        (0, 10),
        (mib - 5, mib + 5),
        (256 * 1024 - 1, 3 * mib + 1),
        (size - 3, size),
    ] {
        assert_eq!(
            read(&store, &sha, from..to).await,
            bytes[usize::try_from(from).unwrap()..usize::try_from(to).unwrap()],
            "{from}..{to}"
        );
    }
    // A range past the end is cut at the end.
    assert_eq!(
        read(&store, &sha, size - 3..size + 100).await,
        bytes[bytes.len() - 3..]
    );
    assert!(read(&store, &sha, size..size + 1).await.is_empty());

    // The same bytes again: the same file, stored once (the first type kept).
    let again = store.put(body(&bytes), limit, "text/plain").await.unwrap();
    assert_eq!(again, stored);
    assert_eq!(store.list().await.unwrap(), vec![stored.clone()]);

    // Beyond the limit, or a body that breaks off: nothing is stored.
    let other = b"another file".repeat(100_000);
    assert!(matches!(
        store.put(body(&other), 1000, "text/plain").await,
        Err(PutError::TooLarge { limit: 1000 })
    ));
    let broken = futures_util::stream::iter(vec![
        Ok(Bytes::from_static(b"the start of")),
        Err(std::io::Error::other("the client went away")),
    ])
    .boxed();
    assert!(matches!(
        store.put(broken, limit, "text/plain").await,
        Err(PutError::Body(_))
    ));
    assert_eq!(store.list().await.unwrap(), vec![stored]);
    let empty = store.put(body(b""), limit, "text/plain").await.unwrap();
    assert_eq!(empty.size, 0);
    assert!(read(&store, &empty.sha256, 0..10).await.is_empty());

    // Deleted for good.
    assert!(store.delete(&sha).await.unwrap());
    assert!(!store.delete(&sha).await.unwrap());
    assert_eq!(store.stat(&sha).await.unwrap(), None);
    assert!(store.read(&sha, 0..1).await.unwrap().is_none());
    assert!(store.stat("../../etc/passwd").await.unwrap().is_none());
}

#[tokio::test]
async fn postgres_adapter() {
    let db = TestPostgres::new();
    let pool = infra::postgres::connect(&db.settings).await.unwrap();
    contract(Arc::new(PostgresFileStore::new(pool).await.unwrap())).await;
}

#[tokio::test]
async fn folder_adapter() {
    let dir = TempDir::new();
    contract(Arc::new(
        DirFileStore::open(dir.path().join("files")).unwrap(),
    ))
    .await;
    // Nothing is left half-written.
    let tmp = std::fs::read_dir(dir.path().join("files/tmp"))
        .unwrap()
        .count();
    assert_eq!(tmp, 0);
}
