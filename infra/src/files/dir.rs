//! Files in a folder (embedded mode): `ab/abcdef…` holds the bytes of the
//! file whose SHA-256 starts `ab`, `ab/abcdef….type` its type. An upload is
//! written to `tmp/` and, once whole and synced, renamed into place (the
//! type first), so a file is either whole or absent; what a crash left in
//! `tmp/` is removed at the next start.

use super::{rechunk, ByteStream, FileStore, Meter, PutError, StoredFile};
use futures_util::StreamExt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes written or read at a time.
const CHUNK: usize = 256 * 1024;

/// Files in a folder.
pub struct DirFileStore {
    root: PathBuf,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// Writes `bytes` to `path` whole or not at all: a temporary file, fsync, rename.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{}.part", uuid::Uuid::now_v7()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

impl DirFileStore {
    /// The store in `root` (made when missing); removes what interrupted uploads left.
    ///
    /// # Errors
    /// When the folder cannot be made or read.
    pub fn open(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        let tmp = root.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        for entry in std::fs::read_dir(&tmp)? {
            let _ = std::fs::remove_file(entry?.path());
        }
        Ok(Self { root })
    }

    /// The store in `root` as it is, for reading while a portal may be
    /// writing to it (`portal check-files`): nothing is removed.
    pub fn as_it_is(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }
}

/// The file with this hash in the folder `root`.
fn stat_in(root: &Path, sha256: &str) -> std::io::Result<Option<StoredFile>> {
    if !super::is_sha256(sha256) {
        return Ok(None);
    }
    let path = root.join(&sha256[..2]).join(sha256);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let content_type = std::fs::read_to_string(path.with_extension("type"))
        .unwrap_or_else(|_| "application/octet-stream".into());
    Ok(Some(StoredFile {
        sha256: sha256.to_string(),
        size: meta.len(),
        content_type,
    }))
}

#[async_trait::async_trait]
impl FileStore for DirFileStore {
    async fn put(
        &self,
        body: ByteStream,
        limit: u64,
        content_type: &str,
    ) -> Result<StoredFile, PutError> {
        let tmp_dir = self.root.join("tmp");
        let tmp = tmp_dir.join(uuid::Uuid::now_v7().to_string());
        let path = tmp.clone();
        let mut file = Some(blocking(move || std::fs::File::create(path)).await?);
        let mut meter = Meter::new(limit);
        let mut body = rechunk(body, CHUNK);
        let failed = |e: PutError, tmp: &Path| {
            let _ = std::fs::remove_file(tmp);
            Err(e)
        };
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => return failed(PutError::Body(e), &tmp),
            };
            if let Err(e) = meter.take(&chunk) {
                return failed(e, &tmp);
            }
            let mut f = file.take().expect("the file is put back after each write");
            match blocking(move || f.write_all(&chunk).map(|()| f)).await {
                Ok(f) => file = Some(f),
                Err(e) => return failed(PutError::Storage(e), &tmp),
            }
        }
        let size = meter.size();
        let sha256 = meter.finish();
        let (root, content_type) = (self.root.clone(), content_type.to_string());
        let stored = StoredFile {
            sha256: sha256.clone(),
            size,
            content_type: content_type.clone(),
        };
        let f = file.take().expect("the file is there");
        let result = blocking(move || {
            f.sync_all()?;
            drop(f);
            let dir = root.join(&sha256[..2]);
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(&sha256);
            if path.exists() {
                // The same bytes are stored already.
                std::fs::remove_file(&tmp)?;
                return Ok(false);
            }
            write_atomically(
                &root.join("tmp"),
                &path.with_extension("type"),
                content_type.as_bytes(),
            )?;
            std::fs::rename(&tmp, &path)?;
            sync_dir(&dir)?;
            Ok(true)
        })
        .await;
        match result {
            Ok(true) => Ok(stored),
            Ok(false) => Ok(self.stat(&stored.sha256).await?.unwrap_or(stored)),
            Err(e) => {
                let _ = std::fs::remove_file(tmp_dir.join(&stored.sha256));
                Err(PutError::Storage(e))
            }
        }
    }

    async fn stat(&self, sha256: &str) -> anyhow::Result<Option<StoredFile>> {
        let (root, sha256) = (self.root.clone(), sha256.to_string());
        blocking(move || stat_in(&root, &sha256)).await
    }

    async fn read(&self, sha256: &str, range: Range<u64>) -> anyhow::Result<Option<ByteStream>> {
        let Some(stored) = self.stat(sha256).await? else {
            return Ok(None);
        };
        let (start, end) = (range.start.min(stored.size), range.end.min(stored.size));
        let path = self.path(sha256);
        let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
        tokio::task::spawn_blocking(move || {
            let read = || -> std::io::Result<()> {
                let mut f = std::fs::File::open(&path)?;
                f.seek(SeekFrom::Start(start))?;
                let mut left = end.saturating_sub(start);
                while left > 0 {
                    let mut buf = vec![0u8; CHUNK.min(usize::try_from(left).unwrap_or(CHUNK))];
                    f.read_exact(&mut buf)?;
                    left -= buf.len() as u64;
                    if tx.blocking_send(Ok(buf.into())).is_err() {
                        // The client went away.
                        return Ok(());
                    }
                }
                Ok(())
            };
            if let Err(e) = read() {
                let _ = tx.blocking_send(Err(e));
            }
        });
        Ok(Some(
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|c| (c, rx)) },
            )
            .boxed(),
        ))
    }

    async fn list(&self) -> anyhow::Result<Vec<StoredFile>> {
        let root = self.root.clone();
        blocking(move || {
            let mut out = Vec::new();
            let dirs = match std::fs::read_dir(&root) {
                Ok(d) => d,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                Err(e) => return Err(e),
            };
            for dir in dirs {
                let dir = dir?.path();
                if !dir.is_dir() || dir.file_name().is_some_and(|n| n == "tmp") {
                    continue;
                }
                for entry in std::fs::read_dir(&dir)? {
                    let name = entry?.file_name().to_string_lossy().to_string();
                    if let Some(f) = stat_in(&root, &name)? {
                        out.push(f);
                    }
                }
            }
            out.sort_by(|a, b| a.sha256.cmp(&b.sha256));
            Ok(out)
        })
        .await
    }

    async fn delete(&self, sha256: &str) -> anyhow::Result<bool> {
        if !super::is_sha256(sha256) {
            return Ok(false);
        }
        let path = self.path(sha256);
        blocking(move || {
            let had = match std::fs::remove_file(&path) {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => return Err(e),
            };
            let _ = std::fs::remove_file(path.with_extension("type"));
            Ok(had)
        })
        .await
    }
}
