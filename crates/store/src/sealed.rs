//! A profile's database key sealed by the clerk's password, for a computer without a keyring.
//!
//! Where no Secret Service runs (a minimal desktop, a kiosk) the key cannot live in the OS
//! keyring ([`crate::key`]). Keeping it only in memory would lose every draft at exit, and
//! keeping it in a file beside the database would hand it to whoever copies the folder. So
//! it is sealed: ChaCha20-Poly1305 under a key derived from the clerk's platform password by
//! argon2id (m=64 MiB, t=3, p=1, a fresh salt each seal), in `key-sealed` beside the
//! database (mode 0600). The app opens such a profile only after the platform accepted the
//! password online; a copied folder costs an attacker an argon2id guess per password tried.
//!
//! A password changed on another computer does not open the seal: the clerk gives the old
//! one once ([`open_or_create`]'s `old_password`), and the key is sealed again under the new.

use crate::key::DbKey;
use crate::{Result, StoreError};
use std::path::{Path, PathBuf};

/// The file beside the database that holds its sealed key.
pub fn sealed_key_path(db_path: &Path) -> PathBuf {
    db_path.with_file_name("key-sealed")
}

/// argon2id cost of the sealing key: stronger than the offline verifier's (19 MiB, t=2),
/// since the sealed file, unlike the keyring, travels with a copied folder.
const M_KIB: u32 = 64 * 1024;
const T_COST: u32 = 3;
const FORMAT: &str = "xinbao-sealed-key-v1";

#[derive(serde::Serialize, serde::Deserialize)]
struct SealedFile {
    format: String,
    /// The company whose orders these are (its USCC, not secret): another company's login
    /// is told so, not asked for an "old password" it never had.
    #[serde(default)]
    owner: Option<String>,
    m_kib: u32,
    t_cost: u32,
    salt: String,
    nonce: String,
    /// The 32-byte key and the 16-byte tag.
    sealed: String,
}

/// Whether `db_path`'s key is sealed beside it (the profile was made without a keyring).
pub fn is_sealed(db_path: &Path) -> bool {
    sealed_key_path(db_path).exists()
}

/// The key of the database at `db_path`, unsealed with `password`. When there is no sealed
/// key yet, a new key is sealed under `password` (written before the database exists). When
/// `password` does not open the seal, `old_password` (the one used here before) is tried and
/// the key sealed again under `password`; without it the answer is
/// [`StoreError::SealedOtherPassword`].
pub(crate) fn open_or_create(
    db_path: &Path,
    owner: &str,
    password: &str,
    old_password: Option<&str>,
) -> Result<DbKey> {
    let path = sealed_key_path(db_path);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DbKey::random();
            seal(db_path, owner, &key, password)?;
            return Ok(key);
        }
        Err(e) => return Err(StoreError::Io { path, source: e }),
    };
    let file: SealedFile = serde_json::from_str(&text)
        .ok()
        .filter(|f: &SealedFile| f.format == FORMAT)
        .ok_or_else(|| StoreError::SealedDamaged { path: path.clone() })?;
    if let Some(other) = file.owner.as_deref().filter(|o| *o != owner) {
        return Err(StoreError::SealedOtherCompany {
            uscc: other.to_string(),
        });
    }
    if let Some(key) = unseal(&file, password, &path)? {
        return Ok(key);
    }
    let Some(old) = old_password.filter(|o| !o.is_empty()) else {
        return Err(StoreError::SealedOtherPassword);
    };
    match unseal(&file, old, &path)? {
        Some(key) => {
            seal(db_path, owner, &key, password)?;
            Ok(key)
        }
        None => Err(StoreError::SealedOtherPassword),
    }
}

/// The company a sealed profile belongs to, if its file names one.
pub fn owner(db_path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(sealed_key_path(db_path)).ok()?;
    serde_json::from_str::<SealedFile>(&text).ok()?.owner
}

/// Seals `key` under `password` into `key-sealed` beside `db_path` (atomically, 0600),
/// naming `owner`.
pub(crate) fn seal(db_path: &Path, owner: &str, key: &DbKey, password: &str) -> Result<()> {
    use rand::RngCore;
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealing = sealing_key(password, &salt, M_KIB, T_COST)?;
    let mut in_out = key.bytes().to_vec();
    sealing
        .seal_in_place_append_tag(
            ring::aead::Nonce::assume_unique_for_key(nonce),
            ring::aead::Aad::from(aad(Some(owner)).as_bytes()),
            &mut in_out,
        )
        .map_err(|_| StoreError::KeyVault("could not seal the database key".into()))?;
    let file = SealedFile {
        format: FORMAT.into(),
        owner: Some(owner.into()),
        m_kib: M_KIB,
        t_cost: T_COST,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        sealed: hex::encode(&in_out),
    };
    let json = serde_json::to_string_pretty(&file).expect("the sealed key encodes");
    crate::write_private_atomically(&sealed_key_path(db_path), json.as_bytes())
}

/// A sealed profile's key, taken out of the store ([`crate::Store::sealed_key`]).
pub struct SealedKey {
    pub(crate) db_path: std::path::PathBuf,
    pub(crate) key: std::sync::Arc<DbKey>,
}

impl SealedKey {
    /// Seals the key under `password`, for the company that owns the profile.
    pub fn seal(&self, password: &str) -> Result<()> {
        let owner = owner(&self.db_path).unwrap_or_default();
        seal(&self.db_path, &owner, &self.key, password)
    }

    /// Moves the key into `vault` (a keyring appeared since the profile was made without
    /// one): kept there and named beside the database first, the seal set aside last, so a
    /// crash in between leaves the sealed way working. The seal is kept aside
    /// ([`set_aside_path`]) until a later start has opened the profile with the keyring's
    /// key; a start whose keyring cannot give the key takes the seal back. The vault's
    /// refusal is its error, and the profile stays sealed.
    pub fn move_into(&self, vault: &dyn crate::KeyVault) -> Result<()> {
        crate::key::adopt(&self.db_path, vault, &self.key)?;
        crate::crash::point("move.adopted");
        let (seal, aside) = (
            sealed_key_path(&self.db_path),
            set_aside_path(&self.db_path),
        );
        std::fs::rename(&seal, &aside).map_err(|source| StoreError::Io { path: seal, source })?;
        crate::crash::point("move.set_aside");
        crate::sync_dir(&self.db_path)
    }
}

/// A seal whose key was moved into a keyring, kept until the keyring has given the key to a
/// later start.
pub fn set_aside_path(db_path: &Path) -> PathBuf {
    db_path.with_file_name("key-sealed.moved")
}

/// The keyring's key opened the profile: the seal set aside is no longer needed.
pub(crate) fn forget_set_aside(db_path: &Path) -> Result<()> {
    let aside = set_aside_path(db_path);
    if aside.exists() {
        crate::remove_if_exists(&aside)?;
        crate::sync_dir(db_path)?;
    }
    Ok(())
}

/// The keyring cannot give the key the seal was moved for: the seal is put back (the
/// profile opens the password's way again). Whether there was one to put back.
pub(crate) fn take_back_set_aside(db_path: &Path) -> Result<bool> {
    let aside = set_aside_path(db_path);
    if !aside.exists() {
        return Ok(false);
    }
    std::fs::rename(&aside, sealed_key_path(db_path)).map_err(|source| StoreError::Io {
        path: aside,
        source,
    })?;
    crate::sync_dir(db_path)?;
    Ok(true)
}

/// The key, or `None` when `password` is not the one it was sealed with.
fn unseal(file: &SealedFile, password: &str, path: &Path) -> Result<Option<DbKey>> {
    let damaged = || StoreError::SealedDamaged { path: path.into() };
    let salt = unhex(&file.salt)
        .filter(|s| (8..=64).contains(&s.len()))
        .ok_or_else(damaged)?;
    let nonce: [u8; 12] = unhex(&file.nonce)
        .and_then(|n| n.try_into().ok())
        .ok_or_else(damaged)?;
    let mut in_out = zeroize::Zeroizing::new(unhex(&file.sealed).ok_or_else(damaged)?);
    // A stranger's file must not make us allocate gigabytes or spin for hours.
    if !(8 * 1024..=1024 * 1024).contains(&file.m_kib) || !(1..=10).contains(&file.t_cost) {
        return Err(damaged());
    }
    let sealing = sealing_key(password, &salt, file.m_kib, file.t_cost)?;
    let opened = sealing.open_in_place(
        ring::aead::Nonce::assume_unique_for_key(nonce),
        ring::aead::Aad::from(aad(file.owner.as_deref()).as_bytes()),
        &mut in_out,
    );
    match opened {
        Ok(plain) => DbKey::from_bytes(plain).map(Some).ok_or_else(damaged),
        Err(_) => Ok(None),
    }
}

/// What the seal authenticates besides the key: the format and the company named, so an
/// edited owner does not open.
fn aad(owner: Option<&str>) -> String {
    format!("{FORMAT} {}", owner.unwrap_or(""))
}

fn sealing_key(
    password: &str,
    salt: &[u8],
    m_kib: u32,
    t_cost: u32,
) -> Result<ring::aead::LessSafeKey> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let failed = |_| StoreError::KeyVault("could not derive the sealing key".into());
    let params = Params::new(m_kib, t_cost, 1, Some(32)).map_err(failed)?;
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(failed)?;
    let unbound = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, out.as_ref())
        .map_err(|_| StoreError::KeyVault("could not make the sealing key".into()))?;
    Ok(ring::aead::LessSafeKey::new(unbound))
}

/// Hex of the sealed file's fields; `None` for text that is not, or too long to be, one.
fn unhex(text: &str) -> Option<Vec<u8>> {
    (text.len() <= 256)
        .then(|| hex::decode(text).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "91330782MA2D3M0A1E";

    #[test]
    fn another_companys_login_is_told_whose_orders_these_are() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("default.sqlite3");
        open_or_create(&db, OWNER, "first-pass1", None).unwrap();
        assert_eq!(owner(&db).as_deref(), Some(OWNER));
        match open_or_create(&db, "91330782MA2D3M0B2F", "their-pass1", None) {
            Err(StoreError::SealedOtherCompany { uscc }) => assert_eq!(uscc, OWNER),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn sealed_by_the_password_opened_by_it_and_by_the_old_one_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("default.sqlite3");
        let key = open_or_create(&db, OWNER, "first-pass1", None).unwrap();
        let sealed = std::fs::read_to_string(sealed_key_path(&db)).unwrap();
        assert!(
            !sealed.contains(key.to_hex().as_str()),
            "the key is sealed, not copied"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(sealed_key_path(&db))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = open_or_create(&db, OWNER, "first-pass1", None).unwrap();
        assert_eq!(again.to_hex().as_str(), key.to_hex().as_str());
        // The password was changed on another computer: the seal asks for the old one.
        assert!(matches!(
            open_or_create(&db, OWNER, "second-pass2", None),
            Err(StoreError::SealedOtherPassword)
        ));
        assert!(matches!(
            open_or_create(&db, OWNER, "second-pass2", Some("not-it")),
            Err(StoreError::SealedOtherPassword)
        ));
        let moved = open_or_create(&db, OWNER, "second-pass2", Some("first-pass1")).unwrap();
        assert_eq!(moved.to_hex().as_str(), key.to_hex().as_str());
        // Sealed again under the new password: the old one no longer opens it.
        assert!(open_or_create(&db, OWNER, "second-pass2", None).is_ok());
        assert!(matches!(
            open_or_create(&db, OWNER, "first-pass1", None),
            Err(StoreError::SealedOtherPassword)
        ));
    }

    #[test]
    fn an_altered_or_hostile_file_is_refused_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("default.sqlite3");
        open_or_create(&db, OWNER, "first-pass1", None).unwrap();
        let path = sealed_key_path(&db);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut file: SealedFile = serde_json::from_str(&text).unwrap();
        // One flipped bit of the sealed key: the tag no longer matches.
        let mut sealed = unhex(&file.sealed).unwrap();
        sealed[0] ^= 1;
        file.sealed = hex::encode(&sealed);
        std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        assert!(matches!(
            open_or_create(&db, OWNER, "first-pass1", None),
            Err(StoreError::SealedOtherPassword)
        ));
        // The company named is sealed with the key: edited, the right password opens nothing.
        let mut renamed = serde_json::from_str::<SealedFile>(&text).unwrap();
        renamed.owner = Some("91330782MA2D3M0B2F".into());
        std::fs::write(&path, serde_json::to_string(&renamed).unwrap()).unwrap();
        assert!(matches!(
            open_or_create(&db, "91330782MA2D3M0B2F", "first-pass1", None),
            Err(StoreError::SealedOtherPassword)
        ));
        // A salt argon2 would refuse is the file's damage, not the keyring's.
        let mut short = serde_json::from_str::<SealedFile>(&text).unwrap();
        short.salt = "00".into();
        std::fs::write(&path, serde_json::to_string(&short).unwrap()).unwrap();
        assert!(matches!(
            open_or_create(&db, OWNER, "first-pass1", None),
            Err(StoreError::SealedDamaged { .. })
        ));
        // A cost that would take the machine's memory is refused before any work.
        file.m_kib = u32::MAX;
        std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        assert!(matches!(
            open_or_create(&db, OWNER, "first-pass1", None),
            Err(StoreError::SealedDamaged { .. })
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            open_or_create(&db, OWNER, "first-pass1", None),
            Err(StoreError::SealedDamaged { .. })
        ));
    }
}
