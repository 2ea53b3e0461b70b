//! One sync pass: push the outbox in sequence order, record each verdict, then pull what
//! the platform knows (merchants, merchant orders, settlement authorizations, order states).
//!
//! Exactly once: an operation leaves the queue only with the platform's verdict, written
//! in one transaction per batch. A batch whose answer was lost (cut connection, timeout,
//! crash before the write) is sent again and the platform answers "duplicate" for what it
//! already holds. Never twice after acknowledgement: acknowledged rows are never read again.

use crate::client::PlatformClient;
use crate::{Result, SyncError};
use serde::Serialize;
use serde_json::value::RawValue;
use std::time::Instant;
use xinbao_store::outbox::{self, Ack};
use xinbao_store::platform_cache::{self, RemoteOrder};
use xinbao_store::{links, settings, Store};
use xinbao_wire::{PushBatch, PushOperation, Verdict};

/// Operations per push.
pub const BATCH: usize = 500;

/// How the sync crate reaches the store: briefly, never across a network wait.
pub trait StoreAccess: Send + Sync {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T>;
}

impl StoreAccess for std::sync::Mutex<Store> {
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// What one pass did (`xinbao sync --json` prints it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub seconds: f64,
}

pub const KEY_LAST_SUCCESS: &str = "sync.last_success";
const CURSOR_MERCHANTS: &str = "sync.cursor.merchants";
const CURSOR_MERCHANT_ORDERS: &str = "sync.cursor.merchant_orders";
const CURSOR_AUTHORIZATIONS: &str = "sync.cursor.authorizations";
const CURSOR_CHANGES: &str = "sync.cursor.changes";

/// Pushes every pending operation, then pulls every feed.
pub async fn sync_once(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<SyncReport> {
    let started = Instant::now();
    let mut report = push_all(access, client, token, BATCH).await?;
    report.pulled = pull_all(access, client, token).await?;
    access.with_store(|s| Ok(settings::set(s, KEY_LAST_SUCCESS, &xinbao_store::now())?))?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Drains the outbox in batches of `batch`.
pub async fn push_all(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
    batch: usize,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let device_id = access.with_store(|s| Ok(s.device_id()?))?;
    loop {
        let ops = access.with_store(|s| Ok(outbox::next_batch(s, batch)?))?;
        if ops.is_empty() {
            return Ok(report);
        }
        let request = PushBatch {
            device_id: device_id.clone(),
            operations: ops
                .iter()
                .map(|o| {
                    Ok(PushOperation {
                        seq: o.seq,
                        op_id: o.op_id.clone(),
                        kind: o.kind.clone(),
                        payload: RawValue::from_string(o.payload.clone()).map_err(|e| {
                            SyncError::Contract(format!("queued operation {}: {e}", o.seq))
                        })?,
                    })
                })
                .collect::<Result<_>>()?,
        };
        let answer = client.push(token, &request).await?;
        // Every operation sent must have its verdict, for its own seq and op id.
        let mut acks = Vec::with_capacity(ops.len());
        for op in &ops {
            let r = answer
                .results
                .iter()
                .find(|r| r.seq == op.seq && r.op_id == op.op_id)
                .ok_or_else(|| {
                    SyncError::Contract(format!("no verdict for operation {}", op.seq))
                })?;
            let verdict = match (r.verdict, &r.code) {
                (Verdict::Applied, _) => {
                    report.applied += 1;
                    "applied"
                }
                // A duplicate of an operation the platform had rejected is still rejected.
                (Verdict::Duplicate, Some(_)) => {
                    report.duplicates += 1;
                    "rejected"
                }
                (Verdict::Duplicate, None) => {
                    report.duplicates += 1;
                    "duplicate"
                }
                (Verdict::Rejected, _) => {
                    report.rejected += 1;
                    "rejected"
                }
            };
            acks.push(Ack {
                seq: op.seq,
                verdict: verdict.into(),
                code: r.code.clone(),
                message: r.message.clone(),
            });
        }
        report.pushed += ops.len();
        access.with_store(|s| Ok(outbox::acknowledge(s, &acks)?))?;
    }
}

fn cursor(s: &Store, key: &str) -> Result<i64> {
    Ok(settings::get(s, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Pages one feed from its stored cursor to its end: each page is written, with its new
/// cursor, before the next is asked for. Re-pulling a page is harmless (upserts).
async fn pull_feed<W, T, F, Fut>(
    access: &impl StoreAccess,
    cursor_key: &str,
    fetch: F,
    write: impl Fn(&mut Store, &[T]) -> xinbao_store::Result<usize>,
) -> Result<usize>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = Result<xinbao_wire::Page<W>>>,
    T: From<W>,
{
    let mut pulled = 0;
    loop {
        let c = access.with_store(|s| cursor(s, cursor_key))?;
        let page = fetch(c).await?;
        let items: Vec<T> = page.items.into_iter().map(T::from).collect();
        pulled += items.len();
        access.with_store(|s| {
            write(s, &items)?;
            Ok(settings::set(s, cursor_key, &page.next_cursor.to_string())?)
        })?;
        if !page.has_more {
            return Ok(pulled);
        }
    }
}

/// Another company now uses this profile: its feeds start again from the beginning, and
/// nothing the platform sent about the previous company stays.
pub fn forget_company_feeds(store: &mut Store) -> Result<()> {
    platform_cache::forget_company(store)?;
    for cursor in [
        CURSOR_MERCHANT_ORDERS,
        CURSOR_AUTHORIZATIONS,
        CURSOR_CHANGES,
    ] {
        settings::set(store, cursor, "0")?;
    }
    Ok(())
}

/// Pulls every feed: merchants, merchant orders, settlement authorizations, order states.
pub async fn pull_all(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<usize> {
    Ok(
        pull_feed::<xinbao_wire::Merchant, platform_cache::Merchant, _, _>(
            access,
            CURSOR_MERCHANTS,
            |c| client.merchants(token, c),
            platform_cache::upsert_merchants,
        )
        .await?
            + pull_feed::<xinbao_wire::MerchantOrder, links::MerchantOrder, _, _>(
                access,
                CURSOR_MERCHANT_ORDERS,
                |c| client.merchant_orders(token, c),
                links::upsert_merchant_orders,
            )
            .await?
            + pull_feed::<
                xinbao_wire::SettlementAuthorization,
                platform_cache::SettlementAuthorization,
                _,
                _,
            >(
                access,
                CURSOR_AUTHORIZATIONS,
                |c| client.settlement_authorizations(token, c),
                platform_cache::upsert_authorizations,
            )
            .await?
            + pull_feed::<xinbao_wire::OrderChange, RemoteOrder, _, _>(
                access,
                CURSOR_CHANGES,
                |c| client.changes(token, c),
                platform_cache::upsert_remote_orders,
            )
            .await?,
    )
}

/// `xinbao status --json`: the queue, the last success, the rejections.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub pending: i64,
    pub oldest_pending_at: Option<String>,
    pub last_sync: Option<String>,
    pub rejections: Vec<outbox::Rejection>,
    pub merchants_cached: i64,
    pub account: Option<xinbao_wire::Account>,
}

pub fn status(store: &Store) -> Result<Status> {
    let q = outbox::status(store)?;
    Ok(Status {
        pending: q.pending,
        oldest_pending_at: q.oldest_pending_at,
        last_sync: settings::get(store, KEY_LAST_SUCCESS)?,
        rejections: q.rejections,
        merchants_cached: platform_cache::merchant_count(store)?,
        account: crate::account::remembered_account(store)?,
    })
}
