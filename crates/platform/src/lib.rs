//! `xinbao-platform`: the reference implementation of the platform contract
//! (`api/openapi.yaml`). Real software, not a mock: its own SQLite database and migrations,
//! HTTPS with a locally generated CA, argon2id passwords, captchas, lockout, and the sync
//! endpoint that applies each device's operations exactly once, in order.
//!
//! The handlers (`http`) are thin: each module below is plain functions over a SQLite
//! connection, so the rules are testable and the benchmark can call them directly.

pub mod accounts;
pub mod admin;
pub mod captcha;
pub mod db;
pub mod demo;
pub mod error;
pub mod faults;
pub mod feeds;
mod http;
pub mod limits;
pub mod realname;
pub mod settlement;
pub mod sink;
pub mod sync;
pub mod tls;
pub mod updates;

pub use error::ApiErr;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Seed demo data (idempotent).
    pub demo: bool,
    /// Session lifetime in seconds.
    pub session_ttl_s: i64,
    /// Write captcha answers and SMS codes to `dev-sink.jsonl` (a demo or development
    /// server only: `--demo` or `--dev-sink`).
    pub dev_sink: bool,
    /// Requests a second allowed per client address ([`limits::PER_ADDRESS_RATE`]).
    pub rate_per_address: f64,
}

/// What every request handler shares.
#[derive(Clone)]
pub struct Platform {
    pub(crate) conn: Arc<Mutex<rusqlite::Connection>>,
    pub(crate) sink: Arc<sink::Sink>,
    pub(crate) session_ttl_s: i64,
    pub(crate) faults: Option<Arc<Mutex<faults::Faults>>>,
}

impl Platform {
    /// Opens (creating and migrating) the database under `data_dir`.
    pub fn open(data_dir: &Path, session_ttl_s: i64) -> Result<Platform, error::StartError> {
        private_dir(data_dir)?;
        let conn = db::open(&data_dir.join("platform.sqlite3"))?;
        Ok(Platform {
            conn: Arc::new(Mutex::new(conn)),
            sink: Arc::new(sink::Sink::new(data_dir.join("dev-sink.jsonl"))),
            session_ttl_s,
            faults: faults::Faults::from_env().map(|f| Arc::new(Mutex::new(f))),
        })
    }

    /// Runs `f` on the database off the async threads.
    pub(crate) async fn db<T, F>(&self, f: F) -> Result<T, ApiErr>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection, &sink::Sink) -> Result<T, ApiErr> + Send + 'static,
    {
        let conn = self.conn.clone();
        let sink = self.sink.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard, &sink)
        })
        .await
        .map_err(|_| ApiErr::internal("the database task failed"))?
    }
}

/// The data directory, readable by its owner only (0700): it holds the database, the TLS
/// key and, in development, the sink.
fn private_dir(dir: &Path) -> Result<(), error::StartError> {
    let io = |e| error::StartError::Io(dir.into(), e);
    std::fs::create_dir_all(dir).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    Ok(())
}

/// A started server: its address and the CA file clients must trust.
pub struct Running {
    pub addr: SocketAddr,
    pub ca_path: PathBuf,
    pub handle: axum_server::Handle,
}

/// Starts serving; returns once the listener is bound.
pub async fn start(config: Config) -> Result<Running, error::StartError> {
    let mut platform = Platform::open(&config.data_dir, config.session_ttl_s)?;
    if !config.dev_sink {
        platform.sink = Arc::new(sink::Sink::off(config.data_dir.join("dev-sink.jsonl")));
    }
    if config.demo {
        let mut conn = platform.conn.lock().unwrap_or_else(|p| p.into_inner());
        demo::seed(&mut conn)?;
    }
    let files = tls::ensure(&config.data_dir)?;
    let tls_config = tls::server_config(&files)?;
    let handle = axum_server::Handle::new();
    let app = http::router(platform, limits::Limits::with_rate(config.rate_per_address));
    let server = axum_server::bind_rustls(
        config.listen,
        axum_server::tls_rustls::RustlsConfig::from_config(tls_config),
    )
    .handle(handle.clone());
    tokio::spawn(async move {
        if let Err(e) = server
            .serve(app.into_make_service_with_connect_info::<SocketAddr>())
            .await
        {
            tracing::error!("server stopped: {e}");
        }
    });
    let addr = handle
        .listening()
        .await
        .ok_or_else(|| error::StartError::Bind(config.listen))?;
    Ok(Running {
        addr,
        ca_path: files.ca_cert,
        handle,
    })
}

impl Platform {
    /// The database connection, for the administrator's commands and benchmarks.
    pub fn connection(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}
