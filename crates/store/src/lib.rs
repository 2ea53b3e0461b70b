//! The local store of Xinbao Desk: one SQLite file per account profile.
//!
//! Operations are plain functions over a [`Store`] (see [`orders`], [`links`]); each runs in
//! one transaction that also writes its audit rows and, when the platform must hear of the
//! change, its outbox rows. The freeze rules of the order's life are enforced twice: by the
//! domain's state machine here, and by triggers in the database (`migrations/`).

pub mod audit;
pub mod crash;
pub mod customs_bulk;
pub mod doctor;
mod encryption;
mod error;
pub mod imports;
pub mod key;
pub mod lines;
pub mod links;
pub mod matching;
mod migrate;
pub mod order_book;
pub mod orders;
pub mod outbox;
pub mod paths;
pub mod platform_cache;
pub mod reveal;
pub mod sealed;
pub mod settings;
pub mod unsaved;

pub use encryption::{plain_copy_path, restore_plain_copy};
pub use error::StoreError;
pub use key::{DbKey, KeyVault};
pub use migrate::{supported_schema_version, APPLICATION_ID};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// SQLite page cache of a connection, in KiB (negative: SQLite's unit for KiB), filled only
/// as pages are read. 64 MiB since the encryption: a page that falls out of it is decrypted
/// and authenticated again at its next read, and with 8 MiB the sync-state filters of a
/// 100k-order book went from 15 to 57 ms (list-bench); with 64 MiB they take 7 ms.
const DEFAULT_CACHE_KIB: i64 = -65_536;
/// While a large import is accepted or the order book applied: their lines update random
/// pages of the uuid and audit indexes, which a small cache turns into disk reads.
const BULK_CACHE_KIB: i64 = -65_536;
/// SQLite's default: a commit that leaves more WAL than this copies it into the database.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 1000;
/// One-pass work (staging a file, a job's own connection): each page is written or read
/// once, so a large cache only adds to the peak (a 1M-row staging: 117 MB at 64 MiB).
const STREAM_CACHE_KIB: i64 = -8_192;

/// Where a profile's database key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    /// No encrypted database yet (new, or plain from before the encryption).
    None,
    /// In the OS keyring, named by the `key-id` file.
    Keyring,
    /// Sealed by the clerk's password beside the database (made without a keyring).
    Sealed,
}

/// An open profile database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Kept for [`Store::open_another`]; wiped when the last connection closes.
    key: std::sync::Arc<DbKey>,
}

impl Store {
    /// Opens (creating if needed) the encrypted database at `path` with `key` and brings its
    /// schema up to date. A database written by a newer Xinbao Desk, a file that is not ours
    /// and a wrong key are refused before anything is written to the file.
    pub fn open(path: &Path, key: &DbKey) -> Result<Store> {
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        match file_kind(path)? {
            FileKind::Plain => {
                migrate::refuse_foreign_or_newer(path, None)?;
                return Err(StoreError::NotEncrypted { path: path.into() });
            }
            FileKind::Foreign => return Err(StoreError::NotOurDatabase { path: path.into() }),
            FileKind::New | FileKind::Encrypted => {}
        }
        migrate::refuse_foreign_or_newer(path, Some(key))?;
        private_file(path)?;
        let mut conn = Connection::open(path)?;
        unlock(&conn, key, path)?;
        // WAL: readers (the CLI, a second connection) never block the app.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        crate::crash::point("open.journal_switched");
        configure(&conn)?;
        migrate::run(&mut conn, path)?;
        outbox::redact_old_acknowledged(&mut conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            key: std::sync::Arc::new(key.clone()),
        };
        store.ensure_device()?;
        // Made now, not at the first look at an order: a read must never have to write (it
        // would wait behind a long job's write).
        orders::grouping_secret(&store)?;
        Ok(store)
    }

    /// A second connection to the same database, for a long job (an import, an accept, an
    /// export) that should not hold the app's connection: in WAL mode the list and the
    /// editor read on while it writes. A write of the other connection that waits longer
    /// than the busy timeout is `store.busy`.
    pub fn open_another(&self) -> Result<Store> {
        let conn = Connection::open(&self.path)?;
        unlock(&conn, &self.key, &self.path)?;
        configure(&conn)?;
        conn.pragma_update(None, "cache_size", STREAM_CACHE_KIB)?;
        Ok(Store {
            conn,
            path: self.path.clone(),
            key: self.key.clone(),
        })
    }

    /// Opens the database of `profile` under `data_dir` (see [`paths`]) with its key from
    /// `vault`. A new profile gets a new key; a plain database of an older version is
    /// encrypted first ([`encryption`]), its plain copy kept until a later start opens the
    /// encrypted one with the vault's key; an encrypted one whose key is gone is refused with
    /// `store.key_missing` (or `store.key_lost_copy_kept` while that copy exists), never
    /// opened as empty, never overwritten.
    pub fn open_profile(data_dir: &Path, profile: &str, vault: &dyn KeyVault) -> Result<Store> {
        let path = paths::profile_db_path(data_dir, profile)?;
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        let kind = file_kind(&path)?;
        if kind == FileKind::Foreign {
            return Err(StoreError::NotOurDatabase { path });
        }
        if sealed::is_sealed(&path) {
            return Err(StoreError::SealedProfile { path });
        }
        if kind == FileKind::Encrypted {
            let opened =
                key::load_or_create(&path, vault, false).and_then(|key| Store::open(&path, &key));
            return match opened {
                Ok(store) => {
                    encryption::forget_plain_copy(&path)?;
                    sealed::forget_set_aside(&path)?;
                    Ok(store)
                }
                // A seal moved into this keyring whose key the keyring cannot give back: the
                // profile is the seal's again.
                Err(
                    e @ (StoreError::KeyMissing { .. }
                    | StoreError::KeyWrong { .. }
                    | StoreError::KeyVault(_)),
                ) if sealed::take_back_set_aside(&path)? => {
                    drop(e);
                    Err(StoreError::SealedProfile { path })
                }
                Err(e) => Err(encryption::lost_key_with_copy(&path, e)),
            };
        }
        let key = key::load_or_create(&path, vault, true)?;
        if kind == FileKind::Plain {
            encryption::encrypt_in_place(&path, &key)?;
        }
        Store::open(&path, &key)
    }

    /// Where the key of `profile`'s database is kept, before opening it: decides whether
    /// the app needs the keyring or the clerk's password.
    pub fn key_place(data_dir: &Path, profile: &str) -> Result<KeyPlace> {
        let path = paths::profile_db_path(data_dir, profile)?;
        Ok(if sealed::is_sealed(&path) {
            KeyPlace::Sealed
        } else if file_kind(&path)? == FileKind::Encrypted {
            KeyPlace::Keyring
        } else {
            KeyPlace::None
        })
    }

    /// Opens `profile`'s database with its key sealed by the clerk's `password`
    /// ([`sealed`]), for a computer without a keyring; a new profile is sealed under it.
    /// `old_password` opens a seal made before the password changed, and reseals it.
    pub fn open_sealed(
        data_dir: &Path,
        profile: &str,
        owner: &str,
        password: &str,
        old_password: Option<&str>,
    ) -> Result<Store> {
        let path = paths::profile_db_path(data_dir, profile)?;
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        let kind = file_kind(&path)?;
        match kind {
            FileKind::Foreign => return Err(StoreError::NotOurDatabase { path }),
            // Its key is in a keyring that is not running here: never replaced by a new one.
            FileKind::Encrypted if !sealed::is_sealed(&path) => {
                return Err(StoreError::KeyVault(
                    "the database's key is in a keyring that is not running".into(),
                ))
            }
            _ => {}
        }
        let key = sealed::open_or_create(&path, owner, password, old_password)
            .map_err(|e| encryption::lost_key_with_copy(&path, e))?;
        if kind == FileKind::Plain {
            encryption::encrypt_in_place(&path, &key)?;
        }
        let store = Store::open(&path, &key).map_err(|e| match e {
            // The seal opened, so it is not the password: the file is another database's.
            StoreError::KeyWrong { .. } => encryption::lost_key_with_copy(
                &path,
                StoreError::SealedDamaged {
                    path: sealed::sealed_key_path(&path),
                },
            ),
            e => e,
        })?;
        if kind == FileKind::Encrypted {
            encryption::forget_plain_copy(&path)?;
        }
        Ok(store)
    }

    /// A sealed profile's key, to seal again under a new password or move into a keyring
    /// without holding the store (argon2id takes a second, a keyring may not answer at
    /// once); `None` for a keyring's profile.
    pub fn sealed_key(&self) -> Option<sealed::SealedKey> {
        sealed::is_sealed(&self.path).then(|| sealed::SealedKey {
            db_path: self.path.clone(),
            key: self.key.clone(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for tests and diagnostics that must bypass the operations.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// This installation's device id (the platform orders our outbox by it and `seq`).
    pub fn device_id(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT device_id FROM device WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    fn ensure_device(&mut self) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO device (id, device_id, created_at) VALUES (1, ?1, ?2)",
            (uuid::Uuid::new_v4().to_string(), now()),
        )?;
        Ok(())
    }
}

/// What a database file holds, read from its first 16 bytes (SQLCipher encrypts even the
/// header; a plain SQLite file starts with its magic string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Missing or empty: a new profile.
    New,
    /// An unencrypted SQLite file, as versions before the encryption wrote them.
    Plain,
    Encrypted,
    /// Neither: SQLCipher files are whole pages, so a size that is not a multiple of 512
    /// bytes cannot be one.
    Foreign,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

pub(crate) fn file_kind(path: &Path) -> Result<FileKind> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    match std::fs::File::open(path) {
        Ok(f) => f
            .take(16)
            .read_to_end(&mut head)
            .map_err(|e| StoreError::Io {
                path: path.into(),
                source: e,
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::New),
        Err(e) => {
            return Err(StoreError::Io {
                path: path.into(),
                source: e,
            })
        }
    };
    let len = std::fs::metadata(path)
        .map_err(|e| StoreError::Io {
            path: path.into(),
            source: e,
        })?
        .len();
    Ok(match head.len() {
        0 => FileKind::New,
        _ if head == SQLITE_MAGIC => FileKind::Plain,
        _ if len % 512 == 0 => FileKind::Encrypted,
        _ => FileKind::Foreign,
    })
}

/// What every connection sets. FULL sync: a saved draft survives a power cut, not only a
/// crash.
fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", DEFAULT_CACHE_KIB)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Gives SQLCipher the key: the connection's first statement. A wrong key (or a file that
/// is not a database at all) shows at the first read as SQLite's "not a database"; any other
/// failure of that read (a journal a read-only look cannot roll back, a busy file, a disk
/// error) is that failure, never called a wrong key.
pub(crate) fn unlock(conn: &Connection, key: &DbKey, path: &Path) -> Result<()> {
    sqlcipher_ready();
    let statement =
        zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\";", key.sql_literal().as_str()));
    conn.execute_batch(&statement)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| match sqlite_code(&e) {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::KeyWrong { path: path.into() },
        _ => StoreError::from(e),
    })?;
    Ok(())
}

/// Waits until SQLCipher has initialised itself. SQLite runs SQLCipher's initialisation
/// after it marks itself initialised and outside its own lock (`SQLITE_EXTRA_INIT`), so a
/// thread that opens a connection in that moment has its `PRAGMA key` refused ("An error
/// occurred with PRAGMA key or rekey", nothing logged): seen when tests opened profiles in
/// parallel at a process's start. Every key given by this crate passes here first: the first
/// caller initialises and proves a key is taken, the others wait for it.
pub(crate) fn sqlcipher_ready() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        for _ in 0..5_000 {
            let taken = Connection::open_in_memory()
                .and_then(|c| c.execute_batch("PRAGMA key = 'ready';"))
                .is_ok();
            if taken {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
}

/// SQLite's primary result code of a failure, if it is one of SQLite's.
pub(crate) fn sqlite_code(e: &rusqlite::Error) -> Option<rusqlite::ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    }
}

pub(crate) fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Io {
            path: path.into(),
            source: e,
        }),
    }
}

/// Makes a rename in `path`'s folder durable (a no-op where folders cannot be synced).
pub(crate) fn sync_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::Io {
                path: dir.into(),
                source: e,
            })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a small file whole or not at all, readable by its owner alone.
/// Writes `bytes` to `path` through a 0600 temporary file renamed over it, synced.
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| StoreError::Io { path: p, source: e }
    };
    remove_if_exists(&tmp)?;
    private_file(&tmp)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    if let Some(name) = path.file_name() {
        crate::crash::point(&format!("write.{}", name.to_string_lossy()));
    }
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(path)
}

/// The profile's folder, its owner's alone (0700): it holds the orders, the passports of
/// buyers and the mobiles of merchants.
fn private_dir(dir: &Path) -> Result<()> {
    let io = |e| StoreError::Io {
        path: dir.into(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

/// The database file, created 0600 before SQLite opens it (its -wal and -shm take its
/// permissions), and made 0600 if an older version left it readable by others.
fn private_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e| StoreError::Io {
            path: path.into(),
            source: e,
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        for side in ["-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{side}", path.display()));
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    Ok(())
}

/// Now, UTC, as stored: RFC 3339 with milliseconds.
pub fn now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .expect("formatting a UTC time cannot fail")
}
