//! The profile database at rest: encrypted with a key from the vault, refused (untouched)
//! without it, and a plain database of an older version converted without losing a row.

mod common;
use common::*;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use xinbao_store::orders::{self, ListQuery};
use xinbao_store::{paths, DbKey, Store};

const PROFILE: &str = "91350100M000100Y43";

fn db_path(dir: &Path) -> PathBuf {
    paths::profile_db_path(dir, PROFILE).unwrap()
}

/// Every byte the profile keeps on disk: the database and its write-ahead log.
fn bytes_on_disk(path: &Path) -> Vec<u8> {
    let mut all = std::fs::read(path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
        all.extend(wal);
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn search(store: &Store, text: &str) -> usize {
    orders::list(
        store,
        &ListQuery {
            search: Some(text.into()),
            ..Default::default()
        },
    )
    .unwrap()
    .orders
    .len()
}

/// A plain (unencrypted) copy of an encrypted database: what versions before the encryption
/// left on disk, with the same schema and rows.
fn plain_copy(encrypted: &Path, key: &str, plain: &Path) {
    let conn = Connection::open(encrypted).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{key}'\";"))
        .unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [plain.to_str().unwrap()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plain.application_id = {};",
        xinbao_store::APPLICATION_ID
    ))
    .unwrap();
}

#[test]
fn a_new_profile_is_encrypted_and_no_personal_number_is_readable_in_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    let mut store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    assert_eq!(search(&store, "E12345678"), 1);
    let path = db_path(dir.path());
    let on_disk = bytes_on_disk(&path);
    assert!(!on_disk.starts_with(b"SQLite format 3"));
    for secret in ["E12345678", "13900139000", "Ivan Petrov", "袜子"] {
        assert!(
            !contains(&on_disk, secret.as_bytes()),
            "{secret} is readable in the file"
        );
    }
    drop(store);
    // sqlite3 (no key) sees no database.
    let plain = Connection::open(&path).unwrap();
    assert!(plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
        .is_err());
    drop(plain);
    // The same vault opens it again, with everything in it.
    let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov")
    );
    let cipher: String = store
        .connection()
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(!cipher.is_empty());
}

#[test]
fn without_its_key_a_profile_is_refused_with_its_own_code_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    let mut store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    drop(store);
    let path = db_path(dir.path());
    let before = std::fs::read(&path).unwrap();

    // Another computer's keyring (or a wiped one): no key for this id.
    let err = Store::open_profile(dir.path(), PROFILE, &MemoryVault::default())
        .err()
        .expect("refused");
    assert_eq!(err.code(), "store.key_missing");
    assert!(err.to_string().contains("keyring"), "{err}");
    // The key-id file lost: still refused, never a new empty database in its place.
    let key_id = xinbao_store::key::key_id_path(&path);
    let id_text = std::fs::read(&key_id).unwrap();
    std::fs::remove_file(&key_id).unwrap();
    assert_eq!(
        Store::open_profile(dir.path(), PROFILE, &vault)
            .err()
            .unwrap()
            .code(),
        "store.key_missing"
    );
    // A wrong key.
    assert_eq!(
        Store::open(&path, &DbKey::random()).err().unwrap().code(),
        "store.key_wrong"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
    assert!(!key_id.exists());

    // With the key back, everything is there.
    std::fs::write(&key_id, id_text).unwrap();
    let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    assert_eq!(
        orders::list(&store, &ListQuery::default())
            .unwrap()
            .orders
            .len(),
        1
    );
}

#[test]
fn a_plain_profile_of_an_older_version_is_encrypted_with_every_row_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    // An older version's profile: orders, an audit trail, the passport search index.
    {
        let work = tempfile::tempdir().unwrap();
        let key = DbKey::random();
        let source = work.path().join("source.sqlite3");
        let mut store = Store::open(&source, &key).unwrap();
        for _ in 0..30 {
            orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        }
        store
            .connection()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        drop(store);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        plain_copy(&source, &key.to_hex(), &path);
    }
    assert!(std::fs::read(&path)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    // A copy a crash left half-written last time is thrown away, not trusted.
    std::fs::write(format!("{}.encrypting", path.display()), b"half a copy").unwrap();

    let vault = MemoryVault::default();
    let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    assert_eq!(
        orders::list(&store, &ListQuery::default()).unwrap().total,
        30
    );
    assert_eq!(
        search(&store, "E12345678"),
        30,
        "the trigram index came along"
    );
    let report = xinbao_store::doctor::examine(&store).unwrap();
    assert!(report.healthy(), "{report:?}");
    assert!(report.encrypted);
    drop(store);
    let on_disk = bytes_on_disk(&path);
    assert!(!contains(&on_disk, b"E12345678"));
    assert!(!contains(&on_disk, b"SQLite format 3"));
    assert!(!Path::new(&format!("{}.encrypting", path.display())).exists());
    // Opened again, it is the encrypted file that opens, with the same vault.
    let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    assert_eq!(
        orders::list(&store, &ListQuery::default()).unwrap().total,
        30
    );
}

#[test]
fn a_plain_file_is_not_opened_as_if_it_were_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let key = DbKey::random();
    let source = work.path().join("source.sqlite3");
    drop(Store::open(&source, &key).unwrap());
    let plain = dir.path().join("plain.sqlite3");
    plain_copy(&source, &key.to_hex(), &plain);
    let before = std::fs::read(&plain).unwrap();
    assert_eq!(
        Store::open(&plain, &key).err().unwrap().code(),
        "store.not_encrypted"
    );
    assert_eq!(std::fs::read(&plain).unwrap(), before);
}

/// A computer without a keyring: the profile's key is sealed by the clerk's password
/// beside it. The folder alone gives up nothing; the password opens it with everything in
/// it; the keyring's path and the sealed path never take each other's profile.
#[test]
fn without_a_keyring_the_key_is_sealed_by_the_password_and_the_orders_stay() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Store::key_place(dir.path(), PROFILE).unwrap(),
        xinbao_store::KeyPlace::None
    );
    let mut store = Store::open_sealed(dir.path(), PROFILE, ACTOR, "clerk-pass1", None).unwrap();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    drop(store);
    let path = db_path(dir.path());
    assert_eq!(
        Store::key_place(dir.path(), PROFILE).unwrap(),
        xinbao_store::KeyPlace::Sealed
    );
    let sealed = std::fs::read(xinbao_store::sealed::sealed_key_path(&path)).unwrap();
    assert!(!contains(&bytes_on_disk(&path), b"E12345678"));
    assert!(!contains(&sealed, b"clerk-pass1"));
    // The keyring's way refuses it with its own words, never makes a new key for it.
    let err = Store::open_profile(dir.path(), PROFILE, &MemoryVault::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.sealed_profile");
    assert!(!xinbao_store::key::key_id_path(&path).exists());
    let before = std::fs::read(&path).unwrap();
    assert_eq!(
        Store::open_sealed(dir.path(), PROFILE, ACTOR, "wrong-pass9", None)
            .err()
            .unwrap()
            .code(),
        "store.sealed_other_password"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
    // The password opens it, with the draft; after a change here the new one does.
    let store = Store::open_sealed(dir.path(), PROFILE, ACTOR, "clerk-pass1", None).unwrap();
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov")
    );
    store.sealed_key().unwrap().seal("clerk-pass2").unwrap();
    drop(store);
    assert!(Store::open_sealed(dir.path(), PROFILE, ACTOR, "clerk-pass2", None).is_ok());

    // Another database's sealed key in its place: said as such, not as the keyring's fault.
    let stranger = tempfile::tempdir().unwrap();
    drop(Store::open_sealed(stranger.path(), PROFILE, ACTOR, "clerk-pass2", None).unwrap());
    let ours = xinbao_store::sealed::sealed_key_path(&path);
    let kept = std::fs::read(&ours).unwrap();
    std::fs::copy(
        xinbao_store::sealed::sealed_key_path(&db_path(stranger.path())),
        &ours,
    )
    .unwrap();
    let err = Store::open_sealed(dir.path(), PROFILE, ACTOR, "clerk-pass2", None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.sealed_damaged");
    assert!(err.to_string().contains("another database"), "{err}");
    std::fs::write(&ours, kept).unwrap();

    // A keyring appears later: the key moves into it, and the profile opens the keyring's
    // way from then on, with everything in it.
    let vault = MemoryVault::default();
    let store = Store::open_sealed(dir.path(), PROFILE, ACTOR, "clerk-pass2", None).unwrap();
    store.sealed_key().unwrap().move_into(&vault).unwrap();
    assert!(store.sealed_key().is_none(), "moved once");
    drop(store);
    assert_eq!(
        Store::key_place(dir.path(), PROFILE).unwrap(),
        xinbao_store::KeyPlace::Keyring
    );
    let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov")
    );
    drop(store);

    // A profile whose key is in a keyring that is not running is not sealed over.
    let other = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    drop(Store::open_profile(other.path(), PROFILE, &vault).unwrap());
    assert_eq!(
        Store::key_place(other.path(), PROFILE).unwrap(),
        xinbao_store::KeyPlace::Keyring
    );
    let err = Store::open_sealed(other.path(), PROFILE, ACTOR, "clerk-pass1", None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.key_vault");
    assert!(!xinbao_store::sealed::sealed_key_path(&db_path(other.path())).exists());
}

/// The profile's files as a kill in the middle of a rollback-journal transaction leaves
/// them (the switch to WAL right after an encryption is one): the database copied with its
/// `-journal` while the transaction is open, so the copy has a hot journal and no locks.
fn killed_mid_transaction(path: &Path, key: &DbKey, into: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE;
         PRAGMA cache_size = 2;
         BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO audit_log (at, actor, entity, entity_id, action, after_json)
             SELECT 'now', 'unfinished', 'order', i, 'bulk', hex(randomblob(120)) FROM n;",
    )
    .unwrap();
    let journal = PathBuf::from(format!("{}-journal", path.display()));
    assert!(journal.exists(), "the transaction spilled to the file");
    std::fs::create_dir_all(into.parent().unwrap()).unwrap();
    std::fs::copy(path, into).unwrap();
    std::fs::copy(&journal, format!("{}-journal", into.display())).unwrap();
    for beside in [
        xinbao_store::key::key_id_path(path),
        xinbao_store::sealed::sealed_key_path(path),
    ] {
        if beside.exists() {
            std::fs::copy(&beside, into.with_file_name(beside.file_name().unwrap())).unwrap();
        }
    }
    conn.execute_batch("ROLLBACK;").unwrap();
}

/// A kill in the middle of a write of SQLite's own (a rollback journal left behind): the
/// next start rolls the journal back and opens every row; it never calls the key wrong or
/// the file damaged (before, the read-only look that guards against newer versions could
/// not roll back and answered `store.key_wrong`, for good).
#[test]
fn a_hot_journal_left_by_a_kill_is_rolled_back_not_taken_for_a_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryVault::default();
    let mut store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
    orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    drop(store);
    let path = db_path(dir.path());
    let key_id = std::fs::read_to_string(xinbao_store::key::key_id_path(&path)).unwrap();
    let hex = xinbao_store::KeyVault::load(&vault, key_id.split_whitespace().nth(1).unwrap())
        .unwrap()
        .unwrap();
    let key = DbKey::from_hex(&hex).unwrap();

    let crashed = tempfile::tempdir().unwrap();
    killed_mid_transaction(&path, &key, &db_path(crashed.path()));
    let store = Store::open_profile(crashed.path(), PROFILE, &vault)
        .unwrap_or_else(|e| panic!("[{}] {e}", e.code()));
    assert_eq!(
        orders::list(&store, &ListQuery::default()).unwrap().total,
        1
    );
    let rewritten: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE actor = 'unfinished'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rewritten, 0, "the unfinished transaction was rolled back");
    assert!(!Path::new(&format!("{}-journal", db_path(crashed.path()).display())).exists());
}
