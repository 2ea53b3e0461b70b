//! The desktop app's update feed: releases the administrator published (a package and its
//! minisign signature, per target and architecture), offered to an install of an older
//! version in the form tauri-plugin-updater reads. The platform only serves them: the app
//! checks each package's signature against the public key its administrator configured.

use crate::error::ApiErr;
use axum::http::StatusCode;
use rusqlite::{params, Connection, OptionalExtension};
use xinbao_wire::AppRelease;

/// `MAJOR.MINOR.PATCH`, each part at most nine digits.
pub fn parse_version(text: &str) -> Result<(i64, i64, i64), ApiErr> {
    let bad = || {
        ApiErr::unprocessable(
            "update.version",
            format!("'{text}' is not a version MAJOR.MINOR.PATCH"),
        )
    };
    let parts: Vec<&str> = text.split('.').collect();
    let [major, minor, patch] = parts.as_slice() else {
        return Err(bad());
    };
    let part = |p: &str| -> Result<i64, ApiErr> {
        if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    Ok((part(major)?, part(minor)?, part(patch)?))
}

/// A target or architecture name: `linux`, `x86_64`, …
fn name(kind: &str, text: &str) -> Result<(), ApiErr> {
    if text.is_empty()
        || text.len() > 16
        || !text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ApiErr::unprocessable(
            "update.version",
            format!("'{text}' is not a {kind} name"),
        ));
    }
    Ok(())
}

/// Publishes a release (the administrator's command); returns its id.
pub fn publish(
    conn: &mut Connection,
    target: &str,
    arch: &str,
    version: &str,
    notes: &str,
    signature: &str,
    package: &[u8],
) -> Result<i64, ApiErr> {
    name("target", target)?;
    name("architecture", arch)?;
    let (major, minor, patch) = parse_version(version)?;
    if signature.trim().is_empty() || package.is_empty() {
        return Err(ApiErr::unprocessable(
            "update.package",
            "a release needs its package and its signature",
        ));
    }
    conn.execute(
        "INSERT INTO app_releases (target, arch, major, minor, patch, notes, pub_date, signature, package)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            target,
            arch,
            major,
            minor,
            patch,
            notes,
            crate::db::rfc3339(crate::db::now_ms()),
            signature.trim(),
            package
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The newest release for `target`/`arch` if it is newer than `current`; its package's
/// address is under `base` (the platform's address as the client reached it).
pub fn newer(
    conn: &Connection,
    target: &str,
    arch: &str,
    current: &str,
    base: &str,
) -> Result<Option<AppRelease>, ApiErr> {
    name("target", target)?;
    name("architecture", arch)?;
    let (major, minor, patch) = parse_version(current)?;
    Ok(conn
        .query_row(
            "SELECT id, major, minor, patch, notes, pub_date, signature FROM app_releases
             WHERE target = ?1 AND arch = ?2 AND (major, minor, patch) > (?3, ?4, ?5)
             ORDER BY major DESC, minor DESC, patch DESC LIMIT 1",
            params![target, arch, major, minor, patch],
            |r| {
                let id: i64 = r.get(0)?;
                Ok(AppRelease {
                    version: format!(
                        "{}.{}.{}",
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?
                    ),
                    notes: r.get(4)?,
                    pub_date: r.get(5)?,
                    url: format!("{base}/updates/files/{id}"),
                    signature: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// A published release's package.
pub fn package(conn: &Connection, id: i64) -> Result<Vec<u8>, ApiErr> {
    conn.query_row(
        "SELECT package FROM app_releases WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| ApiErr::new(StatusCode::NOT_FOUND, "update.not_found", "no such release"))
}
