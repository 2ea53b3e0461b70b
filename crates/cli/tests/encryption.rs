//! The encrypted profile through the real `xinbao` binary and the real OS keyring: what the
//! doctor says of it, a missing key, and the conversion of an older plain profile killed
//! (SIGKILL) at every moment.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use xinbao_store::{orders, paths, DbKey, Store};
use xinbao_sync::Secrets;

fn db_path(dir: &Path) -> PathBuf {
    paths::profile_db_path(dir, paths::DEFAULT_PROFILE).unwrap()
}

fn form() -> xinbao_domain::OrderForm {
    xinbao_domain::OrderForm {
        buyer_name: "Ivan Petrov".into(),
        passport_no: "E12345678".into(),
        country: "RU".into(),
        ..Default::default()
    }
}

#[test]
fn the_doctor_answers_for_the_encrypted_file_and_for_a_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_profile(dir.path());
    orders::create_draft(&mut store, "test", &form()).unwrap();
    drop(store);

    let out = xinbao(dir.path(), &["doctor", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["encrypted"], true);
    assert_eq!(v["key_present"], true);
    assert_eq!(v["orders"]["draft"], 1);

    // The keyring loses the key (another computer, a wiped keyring).
    let path = db_path(dir.path());
    let before = std::fs::read(&path).unwrap();
    let id = std::fs::read_to_string(xinbao_store::key::key_id_path(&path)).unwrap();
    let id = id.split_whitespace().nth(1).unwrap().to_string();
    let hex = vault()
        .get(&id)
        .unwrap()
        .expect("the key is in the OS keyring");
    vault().delete(&id).unwrap();

    let out = xinbao(dir.path(), &["doctor", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["key_present"], false);
    assert_eq!(v["encrypted"], true);
    assert_eq!(v["error_code"], "store.key_missing");
    let listed = xinbao(dir.path(), &["orders", "list"]);
    assert!(!listed.status.success());
    assert!(String::from_utf8_lossy(&listed.stderr).contains("store.key_missing"));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "never opened as empty, never overwritten"
    );

    // The key restored to the keyring: the orders are back.
    vault().set(&id, &hex).unwrap();
    let out = xinbao(dir.path(), &["orders", "list", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1);
}

/// A plain profile as versions before the encryption wrote it: `orders` drafts and a long
/// audit trail (a few tens of MB, so that a conversion takes long enough to be interrupted).
fn older_plain_profile(path: &Path) -> (i64, i64) {
    let work = tempfile::tempdir().unwrap();
    let key = DbKey::random();
    let source = work.path().join("source.sqlite3");
    let mut store = Store::open(&source, &key).unwrap();
    for _ in 0..20 {
        orders::create_draft(&mut store, "test", &form()).unwrap();
    }
    store
        .connection()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
             INSERT INTO audit_log (at, actor, entity, entity_id, action, after_json)
                 SELECT 'now', 'bulk', 'order', i, 'bulk', hex(randomblob(120)) FROM n;
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    let audit: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&source).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    conn.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [path.to_str().unwrap()],
    )
    .unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plain.application_id = {};",
        xinbao_store::APPLICATION_ID
    ))
    .unwrap();
    (20, audit)
}

/// `xinbao doctor` on `dir`, told to kill itself at `crash_at` (a crash point of
/// `xinbao_store::crash`): whether it died there.
fn doctor_killed_at(dir: &Path, crash_at: &str) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let out = Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .arg("--data-dir")
        .arg(dir)
        .arg("doctor")
        .env_remove(paths::DATA_DIR_ENV)
        .env(xinbao_store::crash::CRASH_AT_ENV, crash_at)
        .output()
        .unwrap();
    out.status.signal() == Some(9)
}

/// A copy of the older plain profile at `pristine` in a new data folder.
fn plain_profile_from(pristine: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(pristine, &path).unwrap();
    dir
}

/// Whatever the moment of the kill, the next start finds one good database with every row
/// and the key in the keyring; the plain copy is kept until a start after the encryption
/// opened the encrypted file with the keyring's key, and not a moment longer.
fn assert_one_good_file(dir: &Path, (drafts, audit): (i64, i64), when: &str) {
    let path = db_path(dir);
    let out = xinbao(dir, &["doctor", "--json"]);
    assert!(
        out.status.success(),
        "after a kill {when}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["encrypted"], true, "after a kill {when}");
    assert_eq!(v["orders"]["draft"], drafts, "after a kill {when}");
    // A later start, with the key read from the keyring again.
    let store = open_profile(dir);
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, audit, "after a kill {when}");
    drop(store);
    assert!(
        !Path::new(&format!("{}.encrypting", path.display())).exists(),
        "after a kill {when}"
    );
    assert!(
        !xinbao_store::plain_copy_path(&path).exists(),
        "after a kill {when}: the plain copy outlived the start that read the key"
    );
}

/// The conversion's every step through its crash points (the process kills itself there),
/// then kills from outside spread over a whole conversion as long as this machine takes for
/// one (`XINBAO_KILL_ROUNDS` rounds of twenty, one by default): a kill between two points,
/// inside SQLite's own writes, is as safe as one at a point.
#[cfg(unix)]
#[test]
fn a_conversion_killed_at_any_moment_leaves_one_good_file() {
    let pristine_dir = tempfile::tempdir().unwrap();
    let pristine = db_path(pristine_dir.path());
    let expected = older_plain_profile(&pristine);
    assert!(std::fs::read(&pristine)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));

    for point in [
        "key.saved",
        "write.key-id",
        "encrypt.checked",
        "encrypt.copy_kept",
        "encrypt.swapped",
        "open.journal_switched",
    ] {
        let dir = plain_profile_from(&pristine);
        assert!(doctor_killed_at(dir.path(), point), "never reached {point}");
        assert_one_good_file(dir.path(), expected, &format!("at {point}"));
    }
    // The start after the encryption, killed as it removes the plain copy.
    let dir = plain_profile_from(&pristine);
    assert!(xinbao(dir.path(), &["doctor"]).status.success());
    assert!(xinbao_store::plain_copy_path(&db_path(dir.path())).exists());
    assert!(doctor_killed_at(dir.path(), "encrypt.verified"));
    assert_one_good_file(dir.path(), expected, "at encrypt.verified");

    // How long a conversion takes here, busy or not: the kills are spread over it.
    let dir = plain_profile_from(&pristine);
    let started = std::time::Instant::now();
    assert!(xinbao(dir.path(), &["doctor"]).status.success());
    let whole = started.elapsed();
    let rounds: u32 = std::env::var("XINBAO_KILL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let (mut killed_plain, mut killed_encrypted) = (0, 0);
    for round in 0..rounds {
        for i in 0..20u32 {
            // Twenty moments from the start to a little past the end, shifted each round.
            let delay = whole.mul_f64((f64::from(i) + f64::from(round) / f64::from(rounds)) / 18.0);
            let dir = plain_profile_from(&pristine);
            let path = db_path(dir.path());
            let mut child = Command::new(env!("CARGO_BIN_EXE_xinbao"))
                .arg("--data-dir")
                .arg(dir.path())
                .arg("doctor")
                .env_remove(paths::DATA_DIR_ENV)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            if std::fs::read(&path)
                .unwrap()
                .starts_with(b"SQLite format 3\0")
            {
                killed_plain += 1;
            } else {
                killed_encrypted += 1;
            }
            assert_one_good_file(
                dir.path(),
                expected,
                &format!("at {} ms of {} ms", delay.as_millis(), whole.as_millis()),
            );
        }
    }
    eprintln!(
        "a conversion takes {} ms here; killed before the swap: {killed_plain}, after: {killed_encrypted}",
        whole.as_millis()
    );
}

/// The keyring loses the key of a profile it has just been given (a keyring that kept it
/// in memory only, a power cut before it wrote its file): the start after the encryption
/// says so, names the plain copy kept from before it, and `xinbao restore-copy` puts that
/// copy back (the unreadable file kept aside); the start after that encrypts it again.
#[cfg(unix)]
#[test]
fn a_key_the_keyring_lost_after_the_encryption_gives_the_plain_copy_back() {
    let pristine_dir = tempfile::tempdir().unwrap();
    let pristine = db_path(pristine_dir.path());
    let expected = older_plain_profile(&pristine);
    let dir = plain_profile_from(&pristine);
    let path = db_path(dir.path());
    assert!(xinbao(dir.path(), &["doctor"]).status.success());
    let id = std::fs::read_to_string(xinbao_store::key::key_id_path(&path)).unwrap();
    let id = id.split_whitespace().nth(1).unwrap().to_string();
    vault().delete(&id).unwrap();
    let encrypted = std::fs::read(&path).unwrap();

    let out = xinbao(dir.path(), &["doctor", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error_code"], "store.key_lost_copy_kept", "{v}");
    assert_eq!(
        v["plain_copy"],
        xinbao_store::plain_copy_path(&path).display().to_string()
    );
    let words = v["error"].as_str().unwrap();
    assert!(
        words.contains("restore-copy") && !words.contains("damaged"),
        "{words}"
    );
    let listed = xinbao(dir.path(), &["orders", "list"]);
    assert_eq!(listed.status.code(), Some(5), "an authentication matter");
    assert!(String::from_utf8_lossy(&listed.stderr).contains("store.key_lost_copy_kept"));

    let out = xinbao(dir.path(), &["--json", "restore-copy"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let aside = PathBuf::from(v["unreadable_kept_in"].as_str().unwrap());
    assert_eq!(
        std::fs::read(aside.join(path.file_name().unwrap())).unwrap(),
        encrypted,
        "the unreadable file is kept, not deleted"
    );
    assert!(aside.join("key-id").exists());
    assert!(std::fs::read(&path)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    // Nothing more to put back: refused with its reason, nothing changed.
    let again = xinbao(dir.path(), &["--json", "restore-copy"]);
    assert_eq!(again.status.code(), Some(4));
    assert_one_good_file(dir.path(), expected, "never: the keyring lost the key");
}

/// A profile made by the app on a computer without a keyring is sealed by the clerk's
/// password: the command line says so (exit 5, authentication) and never makes a new key
/// or an empty database in its place.
#[test]
fn a_profile_sealed_by_the_password_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_sealed(
        dir.path(),
        paths::DEFAULT_PROFILE,
        "91330782MA2D3M0A1E",
        "Xinbao#2026",
        None,
    )
    .unwrap();
    orders::create_draft(&mut store, "test", &form()).unwrap();
    drop(store);
    let before = std::fs::read(db_path(dir.path())).unwrap();
    let out = xinbao(dir.path(), &["--json", "orders", "list"]);
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "store.sealed_profile");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("open it in the app"),
        "{v}"
    );
    assert_eq!(std::fs::read(db_path(dir.path())).unwrap(), before);
    assert!(!xinbao_store::key::key_id_path(&db_path(dir.path())).exists());
}
