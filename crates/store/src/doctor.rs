//! `xinbao doctor`: what an admin needs to know of a profile database without opening it
//! by hand: whether SQLite finds it sound, its schema against this version's, the queue
//! to the platform, its size and who may read it.

use crate::{Result, Store};
use rusqlite::OptionalExtension;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Doctor {
    pub path: String,
    /// Whether the file on disk is encrypted (SQLCipher), and the cipher library's version.
    pub encrypted: bool,
    pub cipher_version: String,
    /// Whether the key was found: always, for a database that opened (the CLI reports a
    /// missing key itself, see [`key_missing`]).
    pub key_present: bool,
    /// `ok`, or what `PRAGMA integrity_check` found (at most 20 lines).
    pub integrity: Vec<String>,
    pub foreign_key_violations: i64,
    pub schema_version: i64,
    pub supported_schema_version: i64,
    pub database_bytes: u64,
    pub wal_bytes: u64,
    /// The file's permission bits (octal), where the OS has them.
    pub file_mode: Option<String>,
    pub orders: OrderCounts,
    pub queue: Queue,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderCounts {
    pub draft: i64,
    pub confirmed: i64,
    pub declared: i64,
    pub lines: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub pending: i64,
    pub oldest_pending_at: Option<String>,
    pub rejected: i64,
    pub acknowledged: i64,
    /// Acknowledged operations whose payload still holds personal numbers (should be 0).
    pub unredacted: i64,
}

impl Doctor {
    /// Whether nothing is wrong.
    pub fn healthy(&self) -> bool {
        self.encrypted
            && self.integrity == ["ok"]
            && self.foreign_key_violations == 0
            && self.schema_version == self.supported_schema_version
            && self.queue.unredacted == 0
    }
}

pub fn examine(store: &Store) -> Result<Doctor> {
    let conn = &store.conn;
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check(20)")?
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    let foreign_key_violations = conn
        .prepare("PRAGMA foreign_key_check")?
        .query_map([], |_| Ok(()))?
        .count() as i64;
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = std::path::PathBuf::from(format!("{}-wal", store.path.display()));
    #[cfg(unix)]
    let file_mode = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(&store.path)
            .ok()
            .map(|m| format!("{:o}", m.permissions().mode() & 0o777))
    };
    #[cfg(not(unix))]
    let file_mode = None;
    let cipher_version: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    Ok(Doctor {
        path: store.path.display().to_string(),
        encrypted: crate::file_kind(&store.path)? == crate::FileKind::Encrypted,
        cipher_version,
        key_present: true,
        integrity,
        foreign_key_violations,
        schema_version: count("SELECT coalesce(max(version), 0) FROM refinery_schema_history")?,
        supported_schema_version: crate::supported_schema_version(),
        database_bytes: size(&store.path),
        wal_bytes: size(&wal),
        file_mode,
        orders: OrderCounts {
            draft: count("SELECT count(*) FROM export_orders WHERE state = 'draft'")?,
            confirmed: count("SELECT count(*) FROM export_orders WHERE state = 'confirmed'")?,
            declared: count("SELECT count(*) FROM export_orders WHERE state = 'declared'")?,
            lines: count("SELECT count(*) FROM order_lines")?,
        },
        queue: Queue {
            pending: count("SELECT count(*) FROM outbox WHERE acked_at IS NULL")?,
            oldest_pending_at: conn.query_row(
                "SELECT min(created_at) FROM outbox WHERE acked_at IS NULL",
                [],
                |r| r.get(0),
            )?,
            rejected: count("SELECT count(*) FROM outbox WHERE verdict = 'rejected'")?,
            acknowledged: count("SELECT count(*) FROM outbox WHERE acked_at IS NOT NULL")?,
            unredacted: count(
                "SELECT count(*) FROM outbox WHERE acked_at IS NOT NULL AND redacted = 0",
            )?,
        },
    })
}

/// What the doctor can say of a database that did not open for want of its key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyMissing {
    pub path: String,
    pub encrypted: bool,
    pub key_present: bool,
    pub key_id_file: bool,
    /// The plain copy kept from before the encryption, when there is one to put back.
    pub plain_copy: Option<String>,
    pub error_code: String,
    pub error: String,
}

/// The report for a profile whose key is missing or wrong (`store.key_missing`,
/// `store.key_wrong`): the file is there and encrypted, the key is not.
pub fn key_missing(path: &std::path::Path, error: &crate::StoreError) -> KeyMissing {
    KeyMissing {
        path: path.display().to_string(),
        encrypted: crate::file_kind(path).ok() == Some(crate::FileKind::Encrypted),
        key_present: false,
        key_id_file: crate::key::key_id_path(path).exists(),
        plain_copy: match error {
            crate::StoreError::KeyLostCopyKept { copy, .. } => Some(copy.display().to_string()),
            _ => None,
        },
        error_code: error.code().to_string(),
        error: error.to_string(),
    }
}
