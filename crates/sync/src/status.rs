//! What `xinbao status` and the sync panel show of a profile: the queue, the last success,
//! the refusals, the order book's size, the last time a side went back in time.

use crate::account::remembered_account;
use crate::engine::Recovery;
use crate::store_access::keys;
use crate::Result;
use serde::Serialize;
use xinbao_store::{order_book, outbox, platform_cache, settings, Store};

/// `xinbao status --json`: the queue, the last success, the rejections.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub pending: i64,
    pub oldest_pending_at: Option<String>,
    pub last_sync: Option<String>,
    pub rejections: Vec<outbox::Rejection>,
    pub merchants_cached: i64,
    /// Confirmed and declared orders of the company held here.
    pub company_orders: i64,
    pub recovery: Option<Recovery>,
    pub account: Option<xinbao_wire::Account>,
}

pub fn status(store: &Store) -> Result<Status> {
    let q = outbox::status(store)?;
    Ok(Status {
        pending: q.pending,
        oldest_pending_at: q.oldest_pending_at,
        last_sync: settings::get(store, keys::LAST_SUCCESS)?,
        rejections: q.rejections,
        merchants_cached: platform_cache::merchant_count(store)?,
        company_orders: order_book::company_orders(store)?,
        recovery: crate::engine::last_recovery(store)?,
        account: remembered_account(store)?,
    })
}
