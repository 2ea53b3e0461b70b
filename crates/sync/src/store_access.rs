//! How the sync crate reaches the store: briefly, never across a network wait. The app
//! shares one store behind a lock; the CLI and the tests use a plain mutex.

use crate::Result;
use xinbao_store::{platform_cache, settings, Store};

pub trait StoreAccess: Send + Sync {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for std::sync::Mutex<Store> {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// The settings keys of the feeds' cursors and of what sync remembers of the platform.
pub(crate) mod keys {
    pub const LAST_SUCCESS: &str = "sync.last_success";
    pub const CURSOR_MERCHANTS: &str = "sync.cursor.merchants";
    pub const CURSOR_MERCHANT_ORDERS: &str = "sync.cursor.merchant_orders";
    pub const CURSOR_AUTHORIZATIONS: &str = "sync.cursor.authorizations";
    pub const CURSOR_ORDER_BOOK: &str = "sync.cursor.order_book";
    /// The platform database's epoch as last seen.
    pub const EPOCH: &str = "sync.epoch";
    /// The last time the platform or this computer was found to have gone back in time.
    pub const RECOVERY: &str = "sync.recovery";
    /// The platform's origin the epoch and cursors belong to.
    pub const ORIGIN: &str = "sync.origin";
    /// Every cursor: all start again from 0 when the platform went back in time.
    pub const CURSORS: [&str; 4] = [
        CURSOR_MERCHANTS,
        CURSOR_MERCHANT_ORDERS,
        CURSOR_AUTHORIZATIONS,
        CURSOR_ORDER_BOOK,
    ];
}

/// Another company now uses this profile: its feeds start again from the beginning, and
/// nothing the platform sent about the previous company stays. The one owner of that rule.
pub fn forget_company_feeds(store: &mut Store) -> Result<()> {
    platform_cache::forget_company(store)?;
    for cursor in [
        keys::CURSOR_MERCHANT_ORDERS,
        keys::CURSOR_AUTHORIZATIONS,
        keys::CURSOR_ORDER_BOOK,
    ] {
        settings::set(store, cursor, "0")?;
    }
    settings::delete(store, keys::EPOCH)?;
    Ok(())
}
