//! Schema migrations (`migrations/` at the repository root, embedded in the binary) and the
//! guard that refuses a database written by a newer version.

use crate::{DbKey, Result, StoreError};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// `PRAGMA application_id` of our files ("XBDK"), so a foreign SQLite file is recognised.
pub const APPLICATION_ID: i32 = 0x5842_444B;

/// The newest schema version this binary knows.
pub fn supported_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

/// Looks at an existing file read-only (with `key` if it is encrypted): refuses one that is
/// not ours, that the key does not open, or that a newer version migrated past what we
/// know. Nothing is written on refusal.
pub(crate) fn refuse_foreign_or_newer(path: &Path, key: Option<&DbKey>) -> Result<()> {
    if !path.exists()
        || std::fs::metadata(path)
            .map(|m| m.len() == 0)
            .unwrap_or(false)
    {
        return Ok(());
    }
    let not_ours = || StoreError::NotOurDatabase { path: path.into() };
    let conn = match look(path, key, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        // A kill in the middle of a write left a hot rollback journal, which a read-only
        // connection cannot roll back. SQLite's own recovery must run before anyone can read
        // the file (a newer version would run it too): the look is taken read-write, and
        // what it writes is the file as it was at its last commit.
        Err(StoreError::Sqlite(e)) if is_hot_journal(&e) => look(
            path,
            key,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?,
        other => other?,
    };
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|_| not_ours())?;
    if tables == 0 {
        return Ok(());
    }
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if app_id != APPLICATION_ID {
        return Err(not_ours());
    }
    let found: Option<i64> = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|_| not_ours())?
        .flatten();
    let supported = supported_schema_version();
    match found {
        Some(found) if found > supported => Err(StoreError::DatabaseTooNew {
            path: path.into(),
            found,
            supported,
        }),
        _ => Ok(()),
    }
}

/// A connection to an existing file with `flags`, its first page read (with `key` if it
/// is encrypted). A file SQLite does not take for a database is not ours; a wrong key is
/// [`StoreError::KeyWrong`]; any other failure is SQLite's own.
fn look(path: &Path, key: Option<&DbKey>, flags: OpenFlags) -> Result<Connection> {
    let not_ours = || StoreError::NotOurDatabase { path: path.into() };
    let conn = Connection::open_with_flags(path, flags).map_err(|_| not_ours())?;
    match key {
        Some(key) => crate::unlock(&conn, key, path)?,
        None => {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| match crate::sqlite_code(&e) {
                Some(rusqlite::ErrorCode::NotADatabase) => not_ours(),
                _ => StoreError::from(e),
            })?;
        }
    }
    Ok(conn)
}

/// SQLITE_READONLY_ROLLBACK: a read-only connection found a hot journal it may not roll back.
fn is_hot_journal(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK)
}

/// Applies the pending migrations, each in its own transaction.
pub(crate) fn run(conn: &mut Connection, path: &Path) -> Result<()> {
    let fresh: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if fresh == 0 {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    embedded::migrations::runner()
        .set_grouped(false)
        .set_abort_divergent(true)
        .run(conn)
        .map_err(|e| StoreError::Migration(format!("{}: {e}", path.display())))?;
    Ok(())
}
