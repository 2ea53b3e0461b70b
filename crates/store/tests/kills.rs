//! A kill at every moment a profile's key and its file change together, besides the
//! encryption of an older plain profile (the CLI's tests kill that one, with the real
//! keyring): a new profile (keyring or sealed), a seal moved into a keyring, a seal made
//! again under a new password, the plain copy put back. The work runs in a child process
//! (this test binary again, running [`drill`]) that kills itself (SIGKILL) at the crash
//! point named (`xinbao_store::crash`); the next start must find the profile whole, with
//! its key.
#![cfg(unix)]

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use xinbao_store::crash::CRASH_AT_ENV;
use xinbao_store::orders::{self, ListQuery};
use xinbao_store::{paths, KeyPlace, KeyVault, Store, StoreError};

const PROFILE: &str = "91350100M000100Y43";
const PASSWORD: &str = "clerk-pass1";
const NEW_PASSWORD: &str = "clerk-pass2";
const DRILL: &str = "XINBAO_DRILL";
const DRILL_DIR: &str = "XINBAO_DRILL_DIR";

/// A vault kept in a file, written whole and synced before `save` returns: it outlives the
/// killed child as a keyring does.
struct FileVault(PathBuf);

impl FileVault {
    fn of(dir: &Path) -> FileVault {
        FileVault(dir.join("vault.json"))
    }
    fn entries(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(&self.0)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }
    /// The keyring forgets everything (wiped, or it never wrote its file).
    fn forget(&self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl KeyVault for FileVault {
    fn load(&self, key_id: &str) -> Result<Option<String>, String> {
        Ok(self.entries().get(key_id).cloned())
    }
    fn save(&self, key_id: &str, key_hex: &str) -> Result<(), String> {
        let mut all = self.entries();
        all.insert(key_id.into(), key_hex.into());
        xinbao_store::write_private_atomically(&self.0, &serde_json::to_vec(&all).unwrap())
            .map_err(|e| e.to_string())
    }
}

fn db_path(dir: &Path) -> PathBuf {
    paths::profile_db_path(dir, PROFILE).unwrap()
}

fn drafts(store: &Store) -> i64 {
    orders::list(store, &ListQuery::default()).unwrap().total
}

/// The child's side: one operation on the profile in `XINBAO_DRILL_DIR`.
#[test]
#[ignore = "run in a child process by the kill tests below"]
fn drill() {
    let op = std::env::var(DRILL).expect("run by a kill test");
    let dir = PathBuf::from(std::env::var(DRILL_DIR).unwrap());
    let vault = FileVault::of(&dir);
    let sealed = || Store::open_sealed(&dir, PROFILE, ACTOR, PASSWORD, None).unwrap();
    match op.as_str() {
        "new-keyring" => {
            let mut store = Store::open_profile(&dir, PROFILE, &vault).unwrap();
            orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        }
        "new-sealed" => {
            let mut store = sealed();
            orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        }
        "move" => sealed().sealed_key().unwrap().move_into(&vault).unwrap(),
        "reseal" => sealed().sealed_key().unwrap().seal(NEW_PASSWORD).unwrap(),
        "restore" => {
            xinbao_store::restore_plain_copy(&dir, PROFILE).unwrap();
        }
        other => panic!("no drill {other}"),
    }
}

/// Runs `op` in a child told to die at `point`; whether it died there.
fn killed_at(dir: &Path, op: &str, point: &str) -> bool {
    use std::os::unix::process::ExitStatusExt;
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "drill", "--ignored", "--test-threads=1"])
        .env(DRILL, op)
        .env(DRILL_DIR, dir)
        .env(CRASH_AT_ENV, point)
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.signal() == Some(9),
        "{op} failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    out.status.signal() == Some(9)
}

/// Opens the profile the way its files say: sealed (with the password, the old one offered
/// as the app does after a change) or through the vault.
fn reopen(dir: &Path, password: &str) -> Store {
    let place = Store::key_place(dir, PROFILE).unwrap();
    let opened = match place {
        KeyPlace::Sealed => Store::open_sealed(dir, PROFILE, ACTOR, password, Some(PASSWORD)),
        _ => match Store::open_profile(dir, PROFILE, &FileVault::of(dir)) {
            Err(StoreError::SealedProfile { .. }) => {
                Store::open_sealed(dir, PROFILE, ACTOR, password, Some(PASSWORD))
            }
            other => other,
        },
    };
    opened.unwrap_or_else(|e| panic!("[{}] {e}", e.code()))
}

#[test]
fn a_new_profile_killed_at_any_step_opens_with_its_key() {
    for (op, points) in [
        (
            "new-keyring",
            &["key.saved", "write.key-id", "open.journal_switched"][..],
        ),
        (
            "new-sealed",
            &["write.key-sealed", "open.journal_switched"][..],
        ),
    ] {
        for point in points {
            let dir = tempfile::tempdir().unwrap();
            assert!(
                killed_at(dir.path(), op, point),
                "{op} never reached {point}"
            );
            let mut store = reopen(dir.path(), PASSWORD);
            orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
            drop(store);
            assert_eq!(drafts(&reopen(dir.path(), PASSWORD)), 1, "{op} at {point}");
        }
    }
}

/// A sealed profile with one draft, as the app makes it without a keyring.
fn sealed_profile() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_sealed(dir.path(), PROFILE, ACTOR, PASSWORD, None).unwrap();
    orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    dir
}

#[test]
fn a_seal_moved_into_a_keyring_killed_at_any_step_keeps_one_way_in() {
    for point in [
        "key.saved",
        "write.key-id",
        "move.adopted",
        "move.set_aside",
    ] {
        let dir = sealed_profile();
        assert!(
            killed_at(dir.path(), "move", point),
            "never reached {point}"
        );
        assert_eq!(drafts(&reopen(dir.path(), PASSWORD)), 1, "at {point}");
    }
    // Moved whole; then the keyring loses the key before any start has read it back: the
    // seal set aside is taken back, and the password opens the profile again.
    let dir = sealed_profile();
    assert!(!killed_at(dir.path(), "move", "none"));
    let path = db_path(dir.path());
    assert!(xinbao_store::sealed::set_aside_path(&path).exists());
    assert_eq!(
        Store::key_place(dir.path(), PROFILE).unwrap(),
        KeyPlace::Keyring
    );
    FileVault::of(dir.path()).forget();
    let err = Store::open_profile(dir.path(), PROFILE, &FileVault::of(dir.path()))
        .err()
        .unwrap();
    assert_eq!(err.code(), "store.sealed_profile");
    assert_eq!(
        Store::key_place(dir.path(), PROFILE).unwrap(),
        KeyPlace::Sealed
    );
    assert_eq!(drafts(&reopen(dir.path(), PASSWORD)), 1);
    // Moved again, and this time read back by a later start: the seal set aside goes.
    assert!(!killed_at(dir.path(), "move", "none"));
    drop(reopen(dir.path(), PASSWORD));
    assert!(!xinbao_store::sealed::set_aside_path(&path).exists());
    assert!(!xinbao_store::sealed::sealed_key_path(&path).exists());
    assert_eq!(drafts(&reopen(dir.path(), PASSWORD)), 1);
}

#[test]
fn a_seal_made_again_under_a_new_password_killed_opens_with_one_of_the_two() {
    for point in ["write.key-sealed", "none"] {
        let dir = sealed_profile();
        let died = killed_at(dir.path(), "reseal", point);
        assert_eq!(died, point != "none");
        // The app gives the new password, and the old one when the seal asks for it.
        assert_eq!(drafts(&reopen(dir.path(), NEW_PASSWORD)), 1, "at {point}");
        assert!(
            Store::open_sealed(dir.path(), PROFILE, ACTOR, NEW_PASSWORD, None).is_ok(),
            "sealed again under the new one at {point}"
        );
    }
}

#[test]
fn putting_the_plain_copy_back_killed_at_any_step_can_be_done_again() {
    for point in ["restore.wal_removed", "none"] {
        // A plain profile encrypted by one start, its key lost before the next read it.
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(dir.path());
        let work = tempfile::tempdir().unwrap();
        let key = xinbao_store::DbKey::random();
        let source = work.path().join("source.sqlite3");
        let mut store = Store::open(&source, &key).unwrap();
        orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        drop(store);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        plain_copy_of(&source, &key, &path);
        let vault = FileVault::of(dir.path());
        let mut store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
        // Written after the encryption: in the WAL, lost with the key.
        orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        drop(store);
        vault.forget();
        let err = Store::open_profile(dir.path(), PROFILE, &vault)
            .err()
            .unwrap();
        assert_eq!(err.code(), "store.key_lost_copy_kept", "{err}");

        killed_at(dir.path(), "restore", point);
        if let Err(e) = Store::open_profile(dir.path(), PROFILE, &vault) {
            assert_eq!(e.code(), "store.key_lost_copy_kept", "at {point}: {e}");
            xinbao_store::restore_plain_copy(dir.path(), PROFILE).unwrap();
        }
        let store = Store::open_profile(dir.path(), PROFILE, &vault).unwrap();
        assert_eq!(drafts(&store), 1, "the draft from before the encryption");
        assert!(xinbao_store::doctor::examine(&store).unwrap().healthy());
    }
}

/// A plain (unencrypted) copy of the encrypted database at `from`.
fn plain_copy_of(from: &Path, key: &xinbao_store::DbKey, to: &Path) {
    let conn = rusqlite::Connection::open(from).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [to.to_str().unwrap()])
        .unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA plain.application_id = {};",
        xinbao_store::APPLICATION_ID
    ))
    .unwrap();
}
