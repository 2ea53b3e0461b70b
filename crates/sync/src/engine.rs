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
                .map(|o| PushOperation {
                    seq: o.seq,
                    op_id: o.op_id.clone(),
                    kind: o.kind.clone(),
                    payload: o.payload.clone(),
                })
                .collect(),
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

/// Pulls each feed from its cursor to its end. Re-pulling a page is harmless (upserts).
pub async fn pull_all(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<usize> {
    let mut pulled = 0;
    loop {
        let c = access.with_store(|s| cursor(s, CURSOR_MERCHANTS))?;
        let page = client.merchants(token, c).await?;
        let items: Vec<platform_cache::Merchant> = page
            .items
            .into_iter()
            .map(|m| platform_cache::Merchant {
                procurement_no: m.procurement_no,
                name: m.name,
                mobile: m.mobile,
            })
            .collect();
        pulled += items.len();
        access.with_store(|s| {
            platform_cache::upsert_merchants(s, &items)?;
            Ok(settings::set(
                s,
                CURSOR_MERCHANTS,
                &page.next_cursor.to_string(),
            )?)
        })?;
        if !page.has_more {
            break;
        }
    }
    loop {
        let c = access.with_store(|s| cursor(s, CURSOR_MERCHANT_ORDERS))?;
        let page = client.merchant_orders(token, c).await?;
        let items: Vec<links::MerchantOrder> = page
            .items
            .into_iter()
            .map(|m| links::MerchantOrder {
                id: m.id,
                procurement_no: m.procurement_no,
                merchant_name: m.merchant_name,
                mobile: m.mobile,
                order_month: m.order_month,
                buyer_name: m.buyer_name,
                product_name: m.product_name,
                quantity: m.quantity,
                packages: m.packages,
                amount_cents: m.amount_cents,
                sent_at: Some(m.sent_at),
            })
            .collect();
        pulled += items.len();
        access.with_store(|s| {
            links::upsert_merchant_orders(s, &items)?;
            Ok(settings::set(
                s,
                CURSOR_MERCHANT_ORDERS,
                &page.next_cursor.to_string(),
            )?)
        })?;
        if !page.has_more {
            break;
        }
    }
    loop {
        let c = access.with_store(|s| cursor(s, CURSOR_AUTHORIZATIONS))?;
        let page = client.settlement_authorizations(token, c).await?;
        let items: Vec<platform_cache::SettlementAuthorization> = page
            .items
            .into_iter()
            .map(|a| platform_cache::SettlementAuthorization {
                id: a.id,
                merchant_order_id: a.merchant_order_id,
                merchant_name: a.merchant_name,
                procurement_no: a.procurement_no,
                amount_cents: a.amount_cents,
                locked_at: a.locked_at,
            })
            .collect();
        pulled += items.len();
        access.with_store(|s| {
            platform_cache::upsert_authorizations(s, &items)?;
            Ok(settings::set(
                s,
                CURSOR_AUTHORIZATIONS,
                &page.next_cursor.to_string(),
            )?)
        })?;
        if !page.has_more {
            break;
        }
    }
    loop {
        let c = access.with_store(|s| cursor(s, CURSOR_CHANGES))?;
        let page = client.changes(token, c).await?;
        let items: Vec<RemoteOrder> = page
            .items
            .into_iter()
            .map(|o| RemoteOrder {
                order_uuid: o.order_uuid,
                state: match o.state {
                    xinbao_wire::RemoteOrderState::Confirmed => "confirmed".into(),
                    xinbao_wire::RemoteOrderState::Declared => "declared".into(),
                },
                customs_no: o.customs_no,
                line_count: o.line_count,
                lines_total_cents: o.lines_total_cents,
                updated_at: o.updated_at,
            })
            .collect();
        pulled += items.len();
        access.with_store(|s| {
            platform_cache::upsert_remote_orders(s, &items)?;
            Ok(settings::set(
                s,
                CURSOR_CHANGES,
                &page.next_cursor.to_string(),
            )?)
        })?;
        if !page.has_more {
            break;
        }
    }
    Ok(pulled)
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
