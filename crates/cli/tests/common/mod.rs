#![allow(dead_code)]
//! Shared by the CLI's tests: the real `xinbao` binary on a data directory, and that
//! directory's profile opened as the binary opens it (its key from the OS keyring).

use std::path::Path;
use std::process::{Command, Output};
use xinbao_store::{paths, Store};
use xinbao_sync::OsKeyring;

pub fn xinbao(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove(paths::DATA_DIR_ENV)
        .output()
        .unwrap()
}

/// The OS keyring's entries of the profile databases' keys, as the app and the CLI use it.
pub fn vault() -> OsKeyring {
    OsKeyring::database_keys(paths::APP_IDENTIFIER)
}

/// The default profile of `data_dir`.
pub fn open_profile(data_dir: &Path) -> Store {
    Store::open_profile(data_dir, paths::DEFAULT_PROFILE, &vault()).unwrap()
}
