//! The local store of Xinbao Desk: one SQLite file per account profile.
//!
//! Operations are plain functions over a [`Store`] (see [`orders`], [`links`]); each runs in
//! one transaction that also writes its audit rows and, when the platform must hear of the
//! change, its outbox rows. The freeze rules of the order's life are enforced twice: by the
//! domain's state machine here, and by triggers in the database (`migrations/`).

pub mod audit;
pub mod doctor;
mod error;
pub mod imports;
pub mod links;
mod migrate;
pub mod order_book;
pub mod orders;
pub mod outbox;
pub mod paths;
pub mod platform_cache;
pub mod reveal;
pub mod settings;
pub mod unsaved;

pub use error::StoreError;
pub use migrate::{supported_schema_version, APPLICATION_ID};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// SQLite page cache of a connection, in KiB (negative: SQLite's unit for KiB).
const DEFAULT_CACHE_KIB: i64 = -8_192;
/// While a large import is accepted: its lines update random pages of the uuid and audit
/// indexes, which a small cache turns into disk reads.
const BULK_CACHE_KIB: i64 = -65_536;

/// An open profile database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// A database written by a newer Xinbao Desk, or a file that is not ours, is refused
    /// before anything is written to it.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        migrate::refuse_foreign_or_newer(path)?;
        private_file(path)?;
        let mut conn = Connection::open(path)?;
        // WAL: readers (the CLI) never block the app. FULL sync: a saved draft survives a
        // power cut, not only a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "cache_size", DEFAULT_CACHE_KIB)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate::run(&mut conn, path)?;
        outbox::redact_old_acknowledged(&mut conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.ensure_device()?;
        Ok(store)
    }

    /// Opens the database of `profile` under `data_dir` (see [`paths`]).
    pub fn open_profile(data_dir: &Path, profile: &str) -> Result<Store> {
        Store::open(&paths::profile_db_path(data_dir, profile)?)
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
