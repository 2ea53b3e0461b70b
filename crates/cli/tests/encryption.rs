//! The encrypted profile through the real `xinbao` binary and the real OS keyring: what the
//! doctor says of it, a missing key, and the conversion of an older plain profile killed
//! (SIGKILL) at every moment.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
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

#[cfg(unix)]
#[test]
fn a_conversion_killed_at_any_moment_leaves_one_good_file() {
    let pristine_dir = tempfile::tempdir().unwrap();
    let pristine = db_path(pristine_dir.path());
    let (drafts, audit) = older_plain_profile(&pristine);
    assert!(std::fs::read(&pristine)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));

    let mut killed_plain = 0;
    let mut killed_encrypted = 0;
    for delay_ms in [
        0u64, 20, 60, 120, 250, 400, 550, 700, 850, 1000, 1200, 1500, 2000,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(&pristine, &path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_xinbao"))
            .arg("--data-dir")
            .arg(dir.path())
            .arg("doctor")
            .env_remove(paths::DATA_DIR_ENV)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
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

        // Whatever the moment, the next start finds one good database with every row.
        let out = xinbao(dir.path(), &["doctor", "--json"]);
        assert!(
            out.status.success(),
            "after a kill at {delay_ms} ms: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["encrypted"], true);
        assert_eq!(
            v["orders"]["draft"], drafts,
            "after a kill at {delay_ms} ms"
        );
        let store = open_profile(dir.path());
        let rows: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, audit, "after a kill at {delay_ms} ms");
        drop(store);
        assert!(!Path::new(&format!("{}.encrypting", path.display())).exists());
    }
    eprintln!("killed before the swap: {killed_plain}, after: {killed_encrypted}");
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
