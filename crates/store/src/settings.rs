//! Preferences of a profile (language, …). Never secrets: those live in the OS keyring.

use crate::{Result, Store};
use rusqlite::OptionalExtension;

pub fn get(store: &Store, key: &str) -> Result<Option<String>> {
    Ok(store
        .conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set(store: &Store, key: &str, value: &str) -> Result<()> {
    store.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )?;
    Ok(())
}

pub fn delete(store: &Store, key: &str) -> Result<()> {
    store
        .conn
        .execute("DELETE FROM settings WHERE key = ?1", [key])?;
    Ok(())
}
