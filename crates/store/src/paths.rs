//! Where profile databases live. The app and the CLI resolve the same place.

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};

/// The application identifier (also Tauri's), naming the OS app-data folder.
pub const APP_IDENTIFIER: &str = "cn.yiwu.xinbao-desk";

/// Environment variable that overrides the data directory (tests, portable installs).
pub const DATA_DIR_ENV: &str = "XINBAO_DATA_DIR";

/// The profile used before any account has logged in on this machine.
pub const DEFAULT_PROFILE: &str = "default";

/// `$XINBAO_DATA_DIR`, else the OS app-data directory (`~/.local/share/cn.yiwu.xinbao-desk`
/// on Linux, `%APPDATA%\cn.yiwu.xinbao-desk` on Windows, `~/Library/Application Support/…`).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_IDENTIFIER)
}

/// `DATA_DIR/profiles/PROFILE/xinbao.sqlite3`; the profile name becomes a folder, so only
/// a safe alphabet is accepted.
pub fn profile_db_path(data_dir: &Path, profile: &str) -> Result<PathBuf> {
    let ok = (1..=64).contains(&profile.len())
        && profile
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(StoreError::BadProfileName(profile.to_string()));
    }
    Ok(data_dir
        .join("profiles")
        .join(profile)
        .join("xinbao.sqlite3"))
}
