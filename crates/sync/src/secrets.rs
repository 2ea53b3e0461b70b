//! Secrets behind a small trait, so the code paths are the same in tests and in the app,
//! and the tests run against a real keyring (secret service or the kernel's).

use crate::{Result, SyncError};

/// The secret store: one value per key, per profile.
pub trait Secrets: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>>;
    fn set(&self, key: &str, value: &str) -> Result<()>;
    fn delete(&self, key: &str) -> Result<()>;
}

/// The session token.
pub const SESSION: &str = "session";
/// The argon2id hash that unlocks the app offline.
pub const OFFLINE_VERIFIER: &str = "offline-verifier";
/// The offline unlock's recent failures and lock, beside the verifier they protect: a file
/// edit cannot reset them.
pub const OFFLINE_LOCK: &str = "offline-lock";

/// The OS keyring (Secret Service on Linux, Credential Manager, Keychain).
pub struct OsKeyring {
    service: String,
    profile: String,
}

impl OsKeyring {
    /// Entries are named `<service>` / `<profile>:<key>`.
    pub fn new(service: &str, profile: &str) -> OsKeyring {
        OsKeyring {
            service: service.into(),
            profile: profile.into(),
        }
    }

    /// The keyring of one profile database, as the app and the CLI both open it: entries
    /// are named after the profile and its database's device id, so two data directories
    /// (a test run, a second installation) never share or overwrite a login.
    pub fn for_profile(
        service: &str,
        profile: &str,
        store: &xinbao_store::Store,
    ) -> Result<OsKeyring> {
        Ok(OsKeyring::new(
            service,
            &format!("{profile}.{}", store.device_id()?),
        ))
    }

    /// The keyring entries of the profile databases' keys: `<service>` / `db-key:<key id>`
    /// (the key id is the random name in the profile's `key-id` file).
    pub fn database_keys(service: &str) -> OsKeyring {
        OsKeyring::new(service, "db-key")
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &format!("{}:{key}", self.profile)).map_err(keyring_err)
    }
}

/// Whether a keyring's failure means that no Secret Service exists on this computer (a
/// minimal desktop, a kiosk): nothing provides it on the session bus, or there is no bus.
/// A locked keyring, a dismissed prompt or a timeout is not that: it is shown as it is,
/// never answered by sealing the profile for good.
pub fn no_secret_service(why: &str) -> bool {
    [
        "org.freedesktop.secrets was not provided",
        "ServiceUnknown",
        "Failed to connect to socket",
        "Unable to autolaunch",
        "DBUS_SESSION_BUS_ADDRESS",
    ]
    .iter()
    .any(|marker| why.contains(marker))
}

/// Secrets kept in memory for this run, where no keyring runs (a minimal desktop, a
/// kiosk): the session ends with the app, and nothing unlocks it offline later.
#[derive(Default)]
pub struct MemorySecrets(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl Secrets for MemorySecrets {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.into(), value.into());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        Ok(())
    }
}

// The keyring's own messages name the backend's trouble, never the secret.
fn keyring_err(e: keyring::Error) -> SyncError {
    SyncError::Keyring(e.to_string())
}

impl Secrets for OsKeyring {
    fn get(&self, key: &str) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_err(e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.entry(key)?.set_password(value).map_err(keyring_err)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_err(e)),
        }
    }
}

impl xinbao_store::KeyVault for OsKeyring {
    fn load(&self, key_id: &str) -> std::result::Result<Option<String>, String> {
        self.get(key_id).map_err(|e| e.to_string())
    }

    fn save(&self, key_id: &str, key_hex: &str) -> std::result::Result<(), String> {
        self.set(key_id, key_hex).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::no_secret_service;

    #[test]
    fn only_a_missing_secret_service_is_taken_for_no_keyring() {
        // As keyring reports them (seen on a kiosk's session bus and in CI).
        assert!(no_secret_service(
            "the OS keyring failed: Platform secure storage failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files"
        ));
        assert!(!no_secret_service(
            "the OS keyring failed: Platform secure storage failure: DBus error: Cannot create an item in a locked collection"
        ));
        assert!(!no_secret_service(
            "the OS keyring failed: prompt dismissed"
        ));
    }
}
