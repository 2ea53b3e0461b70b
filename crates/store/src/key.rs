//! The profile database's encryption key (SQLCipher, AES-256), and where it is kept.
//!
//! Each profile has its own random 256-bit key. It lives in the OS keyring (behind
//! [`KeyVault`], which the sync crate implements over the keyring), never on disk beside the
//! database: whoever copies the profile folder gets ciphertext. The folder holds only a
//! random *key id* (`key-id`), which names the keyring entry, so a folder moved or restored
//! from a backup still finds its key on the same account.

use crate::{Result, StoreError};
use std::fmt;
use std::path::{Path, PathBuf};

/// A raw SQLCipher key: 32 random bytes, used as is (no passphrase derivation, so opening
/// costs nothing). Wiped from memory when dropped; never printed.
pub struct DbKey(zeroize::Zeroizing<[u8; 32]>);

impl DbKey {
    pub fn random() -> DbKey {
        use rand::RngCore;
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        DbKey(bytes)
    }

    /// 64 hexadecimal digits, as kept in the keyring.
    pub fn to_hex(&self) -> zeroize::Zeroizing<String> {
        let mut s = zeroize::Zeroizing::new(String::with_capacity(64));
        for b in self.0.iter() {
            s.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
            s.push(char::from_digit(u32::from(b & 15), 16).expect("nibble"));
        }
        s
    }

    /// The key read back from the keyring; `None` if it is not 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Option<DbKey> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |c: u8| char::from(c).to_digit(16);
            bytes[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
        }
        Some(DbKey(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key from its 32 raw bytes (as unsealed); `None` for another length.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<DbKey> {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        if bytes.len() != 32 {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(DbKey(key))
    }

    /// The statement argument SQLCipher reads as a raw key: `x'…'`.
    pub(crate) fn sql_literal(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(format!("x'{}'", self.to_hex().as_str()))
    }
}

impl Clone for DbKey {
    fn clone(&self) -> DbKey {
        DbKey(zeroize::Zeroizing::new(*self.0))
    }
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(…)")
    }
}

/// Where profile keys are kept: the OS keyring in the app and the CLI. Errors are the
/// backend's words (never the key).
pub trait KeyVault {
    fn load(&self, key_id: &str) -> std::result::Result<Option<String>, String>;
    fn save(&self, key_id: &str, key_hex: &str) -> std::result::Result<(), String>;
}

/// The file beside the database that names its key in the vault.
pub fn key_id_path(db_path: &Path) -> PathBuf {
    db_path.with_file_name("key-id")
}

const KEY_ID_PREFIX: &str = "xinbao-db-key-v1 ";

/// The key id recorded beside the database, if any.
pub(crate) fn read_key_id(db_path: &Path) -> Result<Option<String>> {
    let path = key_id_path(db_path);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .trim()
            .strip_prefix(KEY_ID_PREFIX)
            .map(str::to_string)
            .filter(|id| uuid::Uuid::parse_str(id).is_ok())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Io { path, source: e }),
    }
}

/// The key of the database at `db_path`: the one its key id names, or, when `create` and
/// there is none yet, a new one saved to the vault *before* its id is written beside the
/// database (a crash between the two leaves an unused keyring entry, never a database
/// without its key).
pub(crate) fn load_or_create(db_path: &Path, vault: &dyn KeyVault, create: bool) -> Result<DbKey> {
    let missing = |why: &str| StoreError::KeyMissing {
        path: db_path.into(),
        why: why.into(),
    };
    let vault_err = |e: String| StoreError::KeyVault(e);
    if let Some(id) = read_key_id(db_path)? {
        return match vault.load(&id).map_err(vault_err)? {
            Some(hex) => {
                DbKey::from_hex(&hex).ok_or_else(|| missing("the keyring's entry is damaged"))
            }
            None if create => new_key(db_path, vault),
            None => Err(missing("the keyring holds no key for it")),
        };
    }
    if create {
        new_key(db_path, vault)
    } else {
        Err(missing("its key-id file is missing"))
    }
}

/// Keeps `key` (the database's own) in `vault`, under the id named beside the database or a
/// new one.
pub(crate) fn adopt(db_path: &Path, vault: &dyn KeyVault, key: &DbKey) -> Result<()> {
    let id = match read_key_id(db_path)? {
        Some(id) => id,
        None => uuid::Uuid::new_v4().to_string(),
    };
    keep(db_path, vault, &id, key)
}

fn new_key(db_path: &Path, vault: &dyn KeyVault) -> Result<DbKey> {
    let key = DbKey::random();
    keep(db_path, vault, &uuid::Uuid::new_v4().to_string(), &key)?;
    Ok(key)
}

/// Saves `key` to the vault under `id` *before* the id is written beside the database: a
/// crash between the two leaves an unused vault entry, never a database without its key.
/// The vault must give the key back before anything depends on it: its "saved" answers for
/// the call, and a read-back through a new request is the least proof that the entry is
/// there to be read (what a keyring keeps across a crash or a power cut is its own affair:
/// the encryption keeps the plain copy until a later start has read the key, see
/// [`crate::encryption`]).
fn keep(db_path: &Path, vault: &dyn KeyVault, id: &str, key: &DbKey) -> Result<()> {
    let hex = key.to_hex();
    vault.save(id, hex.as_str()).map_err(StoreError::KeyVault)?;
    let back = vault
        .load(id)
        .map_err(StoreError::KeyVault)?
        .map(zeroize::Zeroizing::new);
    if back.as_ref().map(|b| b.trim()) != Some(hex.as_str()) {
        return Err(StoreError::KeyVault(
            "the keyring said it kept the database key, but does not give it back".into(),
        ));
    }
    crate::crash::point("key.saved");
    crate::write_private_atomically(
        &key_id_path(db_path),
        format!("{KEY_ID_PREFIX}{id}\n").as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_refusals() {
        let key = DbKey::random();
        let back = DbKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(*key.0, *back.0);
        assert!(DbKey::from_hex("00").is_none());
        assert!(DbKey::from_hex(&"g".repeat(64)).is_none());
        assert_eq!(format!("{key:?}"), "DbKey(…)");
    }
}
