//! The embedded stores keep their promises on disk: after an erasure no file
//! of the folder (main file, `-wal`, `-shm`) holds the person's data or key,
//! and the folder and its files are readable by their owner only.

use infra::credentials::sqlite::SqliteCredentialStore;
use infra::credentials::{CredentialStore, Credentials};
use infra::personal::sqlite::SqlitePersonalKeyStore;
use infra::personal::PersonalKeyStore;
use std::path::Path;
use test_support::{files_holding, TempDir};
use uuid::Uuid;

fn credentials(account_id: Uuid, login: &str) -> Credentials {
    Credentials {
        account_id,
        login: login.into(),
        email: format!("{login}@example.cz"),
        display_name: format!("Jméno {login}"),
        password_hash: format!("$argon2id$hash-of-{login}"),
    }
}

#[tokio::test]
async fn an_erased_account_is_in_no_file_of_the_folder() {
    let dir = TempDir::new();
    let store = SqliteCredentialStore::open(dir.path().join("private.sqlite3")).unwrap();
    let jana = Uuid::now_v7();
    store
        .insert(credentials(jana, "jana.novakova"))
        .await
        .unwrap();
    store
        .insert(credentials(Uuid::now_v7(), "petr.svoboda"))
        .await
        .unwrap();
    store
        .set_password_hash(jana, "$argon2id$second-hash")
        .await
        .unwrap();
    assert!(!files_holding(dir.path(), b"jana.novakova").is_empty());

    assert!(store.erase(jana).await.unwrap());
    for trace in [
        "jana.novakova",
        "jana.novakova@example.cz",
        "Jméno jana.novakova",
        "hash-of-jana.novakova",
        "second-hash",
    ] {
        assert_eq!(
            files_holding(dir.path(), trace.as_bytes()),
            Vec::<String>::new(),
            "{trace} is still on disk"
        );
    }
    assert!(
        !files_holding(dir.path(), b"petr.svoboda").is_empty(),
        "others stay"
    );
}

#[tokio::test]
async fn an_erased_authors_key_is_in_no_file_of_the_folder() {
    let dir = TempDir::new();
    let store = SqlitePersonalKeyStore::open(dir.path().join("personal-keys.sqlite3")).unwrap();
    let jana = Uuid::now_v7();
    let key = store.key_for_writing(jana).await.unwrap().unwrap();
    let other = store
        .key_for_writing(Uuid::now_v7())
        .await
        .unwrap()
        .unwrap();
    assert!(!files_holding(dir.path(), key.as_bytes()).is_empty());

    assert!(store.erase(jana).await.unwrap());
    assert_eq!(
        files_holding(dir.path(), key.as_bytes()),
        Vec::<String>::new(),
        "the key is still on disk"
    );
    assert!(!files_holding(dir.path(), other.as_bytes()).is_empty());
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_folder_and_its_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    // An existing folder with files of a former version, readable by all.
    let dir = TempDir::new();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let old = data.join("private.sqlite3");
    drop(SqliteCredentialStore::open(&old).unwrap());
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::create_dir(data.join("territory")).unwrap();
    std::fs::write(data.join("territory/obce.csv"), "kod\n").unwrap();

    infra::sqlite::private_dir(&data).unwrap();
    let store = SqliteCredentialStore::open(&old).unwrap();
    store
        .insert(credentials(Uuid::now_v7(), "jana"))
        .await
        .unwrap();
    // A new file in the folder.
    let keys = SqlitePersonalKeyStore::open(data.join("personal-keys.sqlite3")).unwrap();
    keys.key_for_writing(Uuid::now_v7()).await.unwrap();

    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("territory")), 0o700);
    let mut files = 0;
    for name in [
        "private.sqlite3",
        "private.sqlite3-wal",
        "private.sqlite3-shm",
        "personal-keys.sqlite3",
        "personal-keys.sqlite3-wal",
        "personal-keys.sqlite3-shm",
        "territory/obce.csv",
    ] {
        let path = data.join(name);
        assert!(path.exists(), "{name} was not made");
        assert_eq!(mode(&path), 0o600, "{name}");
        files += 1;
    }
    assert_eq!(files, 7);
}
