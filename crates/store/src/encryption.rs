//! The one-time encryption of a plain profile database of an older version, and the plain
//! copy kept until the encrypted file has been opened with its key by a later start.
//!
//! The order of events, each safe against a kill (the crash points of [`crate::crash`]):
//! 1. the key is saved in the vault and read back, then its id written beside the database
//!    ([`crate::key`]);
//! 2. the encrypted copy is written to `….encrypting`, checked and synced;
//! 3. the plain file is kept as `….before-encryption` (a hard link: no second copy of the
//!    bytes), and the encrypted copy renamed over the plain file;
//! 4. a *later* start that opens the encrypted file with the key it read from the vault
//!    removes the plain copy.
//!
//! A keyring's answer that it saved the key is not a promise that the next process (after a
//! crash, a power cut, a keyring that writes its file later) can read it. Until step 4 the
//! plain file is there; a start that finds the encrypted file without a readable key while
//! the copy exists says so ([`StoreError::KeyLostCopyKept`]) and [`restore_plain_copy`]
//! puts the copy back: never "damaged", never a lost draft from before the encryption.

use crate::{migrate, paths, private_file, remove_if_exists, sync_dir, unlock};
use crate::{DbKey, FileKind, Result, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The temporary file an encryption writes before it replaces the plain database.
fn encrypting_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.encrypting", path.display()))
}

/// The plain database as it was just before its encryption, kept until a later start opened
/// the encrypted one with the vault's key.
pub fn plain_copy_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.before-encryption", path.display()))
}

/// A database file's SQLite side files.
fn side_files(path: &Path) -> [PathBuf; 3] {
    ["-journal", "-wal", "-shm"].map(|side| PathBuf::from(format!("{}{side}", path.display())))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { path, source }
}

/// Encrypts a plain profile database of an older version, safe against a kill at any
/// moment: the encrypted copy is written beside it, checked (SQLite finds it sound and every
/// table holds as many rows as the original), synced, the plain file kept as its copy, and
/// only then the encrypted one renamed over it. Until the rename the plain file is untouched
/// and the half-written copy is thrown away at the next start; after it, the encrypted file
/// is whole and the plain one is still beside it ([`plain_copy_path`]).
pub(crate) fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<()> {
    migrate::refuse_foreign_or_newer(path, None)?;
    let tmp = encrypting_path(path);
    remove_if_exists(&tmp)?;
    for side in side_files(&tmp) {
        remove_if_exists(&side)?;
    }
    // A copy from an earlier attempt is older than (or the same as) the plain file here.
    remove_if_exists(&plain_copy_path(path))?;
    private_file(&tmp)?;
    crate::sqlcipher_ready();
    let counts = {
        let plain = Connection::open(path)?;
        plain.busy_timeout(std::time::Duration::from_secs(5))?;
        // Everything into the main file, and out of WAL mode: a plain -wal left beside the
        // encrypted file would be read as its journal, and the kept copy is the file alone.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        plain.pragma_update(None, "journal_mode", "DELETE")?;
        let counts = table_counts(&plain)?;
        let app_id: i64 = plain.pragma_query_value(None, "application_id", |r| r.get(0))?;
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            (tmp.to_string_lossy(), key.sql_literal().as_str()),
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        plain.execute_batch(&format!("PRAGMA encrypted.application_id = {app_id};"))?;
        plain.execute_batch("DETACH DATABASE encrypted;")?;
        counts
    };
    {
        let copy = Connection::open(&tmp)?;
        unlock(&copy, key, &tmp)?;
        let integrity: String = copy.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?;
        if integrity != "ok" || table_counts(&copy)? != counts {
            drop(copy);
            remove_if_exists(&tmp)?;
            return Err(StoreError::EncryptionCheck {
                path: path.into(),
                found: integrity,
            });
        }
    }
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(&tmp))?;
    crate::crash::point("encrypt.checked");
    keep_plain_copy(path)?;
    crate::crash::point("encrypt.copy_kept");
    std::fs::rename(&tmp, path).map_err(io(path))?;
    crate::crash::point("encrypt.swapped");
    sync_dir(path)?;
    Ok(())
}

/// The plain file kept under [`plain_copy_path`]: a hard link (the same bytes, no second
/// copy), or a synced copy where the file system has no hard links.
fn keep_plain_copy(path: &Path) -> Result<()> {
    let copy = plain_copy_path(path);
    if std::fs::hard_link(path, &copy).is_err() {
        std::fs::copy(path, &copy).map_err(io(&copy))?;
        std::fs::File::open(&copy)
            .and_then(|f| f.sync_all())
            .map_err(io(&copy))?;
    }
    sync_dir(path)
}

/// Called once the encrypted file at `path`, encrypted by an earlier start, opened with the
/// key this start read from its vault or seal: the key is proven, the plain copy goes.
pub(crate) fn forget_plain_copy(path: &Path) -> Result<()> {
    let copy = plain_copy_path(path);
    if copy.exists() {
        crate::crash::point("encrypt.verified");
        remove_if_exists(&copy)?;
        sync_dir(path)?;
    }
    Ok(())
}

/// `error` (the encrypted file at `path` did not open for want of its key) as the clerk must
/// hear it while the plain copy from before the encryption exists: that copy can be put
/// back. Any other error, or no copy, is `error` itself.
pub(crate) fn lost_key_with_copy(path: &Path, error: StoreError) -> StoreError {
    let copy = plain_copy_path(path);
    let why = match &error {
        StoreError::KeyMissing { why, .. } => why.clone(),
        StoreError::KeyWrong { .. } => "the key the keyring gives does not open it".into(),
        StoreError::SealedDamaged { .. } => "its sealed key is damaged".into(),
        _ => return error,
    };
    if crate::file_kind(&copy).ok() == Some(FileKind::Plain) {
        StoreError::KeyLostCopyKept {
            path: path.into(),
            copy,
            why,
        }
    } else {
        error
    }
}

/// Puts back the plain copy of `profile`'s database kept from before its encryption, when the
/// encrypted file cannot be opened for want of its key ([`StoreError::KeyLostCopyKept`]).
/// Nothing is deleted: the encrypted file, its write-ahead log and its key id are moved into
/// a folder beside it (returned), in case its key turns up. The next start encrypts the
/// copy again with a new key.
///
/// Each step is safe against a kill: the unreadable set is linked aside first; its WAL is
/// removed before the plain copy takes its place (a plain file must never read an encrypted
/// WAL); the copy is renamed over the encrypted file in one step.
pub fn restore_plain_copy(data_dir: &Path, profile: &str) -> Result<PathBuf> {
    let path = paths::profile_db_path(data_dir, profile)?;
    let copy = plain_copy_path(&path);
    if crate::file_kind(&copy)? != FileKind::Plain
        || crate::file_kind(&path)? != FileKind::Encrypted
    {
        return Err(StoreError::NoPlainCopy { path });
    }
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("formatting a UTC time cannot fail");
    let aside = PathBuf::from(format!("{}.unreadable-{stamp}", path.display()));
    crate::private_dir(&aside)?;
    let key_id = crate::key::key_id_path(&path);
    let mut set = vec![path.clone(), key_id.clone()];
    set.extend(side_files(&path));
    for file in set.iter().filter(|f| f.exists()) {
        let into = aside.join(file.file_name().expect("a file name"));
        if !into.exists() && std::fs::hard_link(file, &into).is_err() {
            std::fs::copy(file, &into).map_err(io(&into))?;
        }
    }
    sync_dir(&aside.join("any"))?;
    sync_dir(&path)?;
    for side in side_files(&path) {
        remove_if_exists(&side)?;
    }
    crate::crash::point("restore.wal_removed");
    std::fs::rename(&copy, &path).map_err(io(&path))?;
    sync_dir(&path)?;
    remove_if_exists(&key_id)?;
    sync_dir(&path)?;
    Ok(aside)
}

/// Rows per table (the virtual tables' shadow tables included), to compare two copies.
fn table_counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND rootpage > 0 \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    names
        .into_iter()
        .map(|name| {
            let n = conn.query_row(
                &format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")),
                [],
                |r| r.get(0),
            )?;
            Ok((name, n))
        })
        .collect()
}
