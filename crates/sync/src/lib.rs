//! The platform client of Xinbao Desk, without Tauri: used by the app and the `xinbao` CLI.
//!
//! - [`client`]: HTTPS to the platform (`api/openapi.yaml`), rustls, an extra trusted CA.
//! - [`secrets`]: the session token and the offline verifier in the OS keyring, never in
//!   SQLite, logs or error messages.
//! - [`account`]: login, logout, offline unlock (argon2id, lockout), the platform settings.
//! - [`store_access`]: how sync reaches the store, and the settings it keeps there.
//! - [`engine`]: one sync pass: reconcile with the platform's state, drain the outbox in
//!   order, record verdicts, pull feeds and the company's order book.
//! - [`status`]: what the sync panel and `xinbao status` show.
//! - [`background`]: the pass repeated, with exponential backoff and jitter.

pub mod account;
pub mod background;
pub mod client;
pub mod engine;
mod error;
pub mod secrets;
pub mod status;
pub mod store_access;

pub use client::{ClientSettings, PlatformClient};
pub use engine::{sync_once, SyncReport};
pub use error::SyncError;
pub use secrets::{MemorySecrets, OsKeyring, Secrets};
pub use store_access::StoreAccess;

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
