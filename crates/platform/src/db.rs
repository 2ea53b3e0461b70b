//! The platform's SQLite file and its own migrations (`crates/platform/migrations`).

use rusqlite::{Connection, Transaction};
use std::path::Path;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// Opens the database and applies pending migrations (each in its own transaction).
pub fn open(path: &Path) -> Result<Connection, crate::error::StartError> {
    // Created 0600 before SQLite opens it: the -wal and -shm files take its permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e| crate::error::StartError::Io(path.into(), e);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged batch survives a power cut, so the client may drop it.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Each sync operation runs in a savepoint, whose sub-journal keeps every page's old
    // content; on disk that was a quarter of a push's time in pwrite calls.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    embedded::migrations::runner().run(&mut conn)?;
    Ok(conn)
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds (the contract's time format).
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

/// The next revision number: feeds return rows whose `rev` is above the client's cursor.
///
/// Revisions are microseconds of the clock (and always above the last one): a database
/// restored from an older copy goes on giving out revisions above every one it gave before
/// the restore, so a client's cursor never hides what changes after it, and a revision is
/// never given to two different states of an order.
pub fn next_rev(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO revisions (rev, at)
         SELECT max(coalesce((SELECT max(rev) FROM revisions), 0) + 1, ?1), ?2",
    )?
    .execute(rusqlite::params![now * 1000, now])?;
    Ok(tx.last_insert_rowid())
}

/// Today's date (UTC), for validators that need it (ID birth dates).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
