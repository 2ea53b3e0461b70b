//! One sync pass: reconcile with the platform's state, push the outbox in sequence order,
//! record each verdict, then pull what the platform knows (merchants, merchant orders,
//! settlement authorizations, the company's order book) and fetch again the orders whose
//! change was refused.
//!
//! Exactly once: an operation leaves the queue only with the platform's verdict, written
//! in one transaction per batch. A batch whose answer was lost (cut connection, timeout,
//! crash before the write) is sent again and the platform answers "duplicate" for what it
//! already holds. Never twice after acknowledgement: acknowledged rows are never read again.
//!
//! Time going backwards: the platform's epoch and its last sequence of this device are
//! compared with what this computer remembers before anything is pushed (see
//! [`reconcile`]).

use crate::client::PlatformClient;
use crate::store_access::keys;
pub use crate::store_access::{forget_company_feeds, StoreAccess};
use crate::{Result, SyncError};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::time::Instant;
use xinbao_store::outbox::{self, Ack};
use xinbao_store::{links, order_book, platform_cache, settings, Store};
use xinbao_wire::{
    BookOrder, PushBatch, PushChunk, PushOperation, Verdict, MAX_CHUNKS, MAX_CHUNK_BYTES,
};

/// Operations per push at most.
pub const BATCH: usize = 500;
/// Bytes of payload per push at most: a batch of large operations is split, and one
/// operation larger than a chunk goes in pieces ([`MAX_CHUNK_BYTES`]).
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// What one pass did (`xinbao sync --json` prints it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    pub pushed: usize,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub pulled: usize,
    /// Orders of the company's order book added or changed here by this pass.
    pub orders_received: usize,
    /// Orders fetched again after a refused change.
    pub orders_refreshed: usize,
    /// Set when this pass found the platform or this computer gone back in time.
    pub recovery: Option<Recovery>,
    pub seconds: f64,
}

/// What a pass found when one side went back in time, kept for the sync panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recovery {
    /// `platform_new_epoch`: the platform has a new database. `platform_restored`: the
    /// platform holds less of this computer than it had acknowledged (a restore from
    /// backup). `client_behind`: this computer's database is the older copy.
    pub kind: String,
    pub at: String,
    /// Orders sent again from this computer's copy.
    pub resent: usize,
}

/// Progress of a long pull, for the window and the CLI's stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: usize,
    /// Known on a first pull (the company's whole order book).
    pub total: Option<usize>,
}

pub const KEY_LAST_SUCCESS: &str = keys::LAST_SUCCESS;

/// Pushes every pending operation, then pulls every feed.
pub async fn sync_once(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<SyncReport> {
    sync_once_with(access, client, token, &|_| {}).await
}

/// [`sync_once`], telling `progress` how the order book's pull goes.
pub async fn sync_once_with(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<SyncReport> {
    let started = Instant::now();
    let device_id = access.with_store(|s| Ok(s.device_id()?))?;
    let status = client.sync_state(token, &device_id).await?;
    let recovery = reconcile(access, client.origin(), &status)?;
    let mut report = push_all(access, client, token, BATCH).await?;
    report.recovery = recovery.or(report.recovery);
    report.pulled = pull_all(access, client, token).await?;
    let (received, pulled_book) = pull_order_book(access, client, token, &status, progress).await?;
    report.pulled += pulled_book;
    report.orders_received = received;
    report.orders_refreshed = refresh_refused(access, client, token).await?;
    access.with_store(|s| Ok(settings::set(s, keys::LAST_SUCCESS, &xinbao_store::now())?))?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Compares the platform's state with what this computer remembers, before anything is
/// pushed:
/// - another epoch: a new platform database; every order here is sent again and every
///   feed starts from 0;
/// - the platform's last sequence of this device below what it had acknowledged: a
///   restore from backup; the same;
/// - the platform's last sequence above any this computer ever gave out: this database is
///   the older copy; its queue continues above the platform's sequence.
pub fn reconcile(
    access: &impl StoreAccess,
    origin: &str,
    status: &xinbao_wire::SyncStatus,
) -> Result<Option<Recovery>> {
    access.with_store(|s| {
        // Another platform (the settings name a new address): its sequence and revisions
        // say nothing of the old one's; its feeds start from 0 and nothing is sent again.
        if settings::get(s, keys::ORIGIN)?.is_some_and(|o| o != origin) {
            for cursor in keys::CURSORS {
                settings::set(s, cursor, "0")?;
            }
            settings::set(s, keys::ORIGIN, origin)?;
            settings::set(s, keys::EPOCH, &status.epoch)?;
            return Ok(None);
        }
        settings::set(s, keys::ORIGIN, origin)?;
        let known_epoch = settings::get(s, keys::EPOCH)?;
        let acknowledged = outbox::last_acknowledged_seq(s)?;
        let given_out = outbox::last_seq(s)?;
        // A cursor above the platform's highest revision: its database is an older copy,
        // even if nothing of this computer's was lost with it.
        let mut beyond_head = false;
        for cursor_key in keys::CURSORS {
            beyond_head |= cursor(s, cursor_key)? > status.head_rev;
        }
        let kind = if known_epoch.as_deref().is_some_and(|e| e != status.epoch) {
            Some("platform_new_epoch")
        } else if status.last_seq < acknowledged || beyond_head {
            Some("platform_restored")
        } else {
            None
        };
        let recovery = match kind {
            Some(kind) => {
                let resent = order_book::resend_all(s)?;
                for cursor in keys::CURSORS {
                    settings::set(s, cursor, "0")?;
                }
                Some(note_recovery(s, kind, resent)?)
            }
            None if status.last_seq > given_out => {
                order_book::continue_above(s, status.last_seq)?;
                Some(note_recovery(s, "client_behind", 0)?)
            }
            None => None,
        };
        settings::set(s, keys::EPOCH, &status.epoch)?;
        Ok(recovery)
    })
}

fn note_recovery(s: &Store, kind: &str, resent: usize) -> Result<Recovery> {
    let r = Recovery {
        kind: kind.into(),
        at: xinbao_store::now(),
        resent,
    };
    settings::set(
        s,
        keys::RECOVERY,
        &serde_json::to_string(&r).expect("a recovery note encodes"),
    )?;
    Ok(r)
}

/// The last recovery this profile went through, for the sync panel.
pub fn last_recovery(store: &Store) -> Result<Option<Recovery>> {
    Ok(settings::get(store, keys::RECOVERY)?.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Splits a payload's text into pieces of at most `max` bytes, on character boundaries.
fn pieces(text: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (head, tail) = rest.split_at(end);
        out.push(head);
        rest = tail;
    }
    out
}

/// How many times one pass renumbers its queue after the platform said `sync.sequence`.
const MAX_RESEQUENCE: usize = 3;

/// Drains the outbox in batches of at most `batch` operations and [`MAX_BATCH_BYTES`].
pub async fn push_all(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
    batch: usize,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut resequenced = 0;
    let device_id = access.with_store(|s| Ok(s.device_id()?))?;
    loop {
        let queued = access.with_store(|s| Ok(outbox::next_batch(s, batch)?))?;
        if queued.is_empty() {
            return Ok(report);
        }
        // An operation larger than the contract lets any request carry, even in pieces,
        // can never be sent: it is refused here, on its order (the clerk can re-open and
        // split the order), and the queue behind it moves on.
        let first = &queued[0];
        if first.payload.len() > MAX_CHUNK_BYTES
            && pieces(&first.payload, MAX_CHUNK_BYTES).len() > MAX_CHUNKS as usize
        {
            let ack = Ack {
                seq: first.seq,
                verdict: "rejected".into(),
                code: Some("sync.too_large".into()),
                message: Some(format!(
                    "the operation is {} bytes: more than the platform takes in {MAX_CHUNKS} pieces of {MAX_CHUNK_BYTES} bytes; split the order",
                    first.payload.len()
                )),
            };
            access.with_store(|s| Ok(outbox::acknowledge(s, &[ack])?))?;
            report.rejected += 1;
            continue;
        }
        // The batch: as many as fit in the byte budget; a large operation goes alone, in
        // pieces uploaded first.
        let mut ops = Vec::new();
        let mut bytes = 0;
        for o in queued {
            let large = o.payload.len() > MAX_CHUNK_BYTES;
            if !ops.is_empty() && (large || bytes + o.payload.len() > MAX_BATCH_BYTES) {
                break;
            }
            bytes += o.payload.len();
            ops.push(o);
            if large {
                break;
            }
        }
        let mut operations = Vec::with_capacity(ops.len());
        for o in &ops {
            if o.payload.len() > MAX_CHUNK_BYTES {
                let parts = pieces(&o.payload, MAX_CHUNK_BYTES);
                for (index, data) in parts.iter().enumerate() {
                    client
                        .put_chunk(
                            token,
                            &PushChunk {
                                device_id: device_id.clone(),
                                op_id: o.op_id.clone(),
                                index: index as u32,
                                count: parts.len() as u32,
                                data: data.to_string(),
                            },
                        )
                        .await?;
                }
                operations.push(PushOperation {
                    seq: o.seq,
                    op_id: o.op_id.clone(),
                    kind: o.kind.clone(),
                    payload: RawValue::from_string("null".into()).expect("null is JSON"),
                    chunks: Some(parts.len() as u32),
                });
            } else {
                operations.push(PushOperation {
                    seq: o.seq,
                    op_id: o.op_id.clone(),
                    kind: o.kind.clone(),
                    payload: RawValue::from_string(o.payload.clone()).map_err(|e| {
                        SyncError::Contract(format!("queued operation {}: {e}", o.seq))
                    })?,
                    chunks: None,
                });
            }
        }
        let request = PushBatch {
            device_id: device_id.clone(),
            operations,
        };
        let answer = client.push(token, &request).await?;
        // Every operation sent must have its verdict, for its own seq and op id.
        let mut acks = Vec::with_capacity(ops.len());
        let mut out_of_sequence = false;
        for op in &ops {
            let r = answer
                .results
                .iter()
                .find(|r| r.seq == op.seq && r.op_id == op.op_id)
                .ok_or_else(|| {
                    SyncError::Contract(format!("no verdict for operation {}", op.seq))
                })?;
            if r.verdict == Verdict::Rejected && r.code.as_deref() == Some("sync.sequence") {
                // Numbered below what the platform holds of this device (an older copy of
                // this database): not a refusal of the operation; it moves up and goes again.
                out_of_sequence = true;
                continue;
            }
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
        report.pushed += acks.len();
        access.with_store(|s| Ok(outbox::acknowledge(s, &acks)?))?;
        if out_of_sequence {
            resequenced += 1;
            if resequenced > MAX_RESEQUENCE {
                return Err(SyncError::Contract(
                    "the platform keeps refusing this computer's sequence".into(),
                ));
            }
            report.recovery = Some(access.with_store(|s| {
                order_book::continue_above(s, answer.last_seq)?;
                note_recovery(s, "client_behind", 0)
            })?);
        }
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

/// Pulls the feeds the order book refers to: merchants, merchant orders, settlement
/// authorizations.
pub async fn pull_all(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<usize> {
    Ok(
        pull_feed::<xinbao_wire::Merchant, platform_cache::Merchant, _, _>(
            access,
            keys::CURSOR_MERCHANTS,
            |c| client.merchants(token, c),
            platform_cache::upsert_merchants,
        )
        .await?
            + pull_feed::<xinbao_wire::MerchantOrder, links::MerchantOrder, _, _>(
                access,
                keys::CURSOR_MERCHANT_ORDERS,
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
                keys::CURSOR_AUTHORIZATIONS,
                |c| client.settlement_authorizations(token, c),
                platform_cache::upsert_authorizations,
            )
            .await?,
    )
}

/// An order of the order book with all its lines: those that did not come inline are paged.
async fn complete(client: &PlatformClient, token: &str, mut o: BookOrder) -> Result<BookOrder> {
    if o.lines_complete {
        return Ok(o);
    }
    let mut cursor = 0;
    o.lines.clear();
    loop {
        let page = client.book_lines(token, &o.order_uuid, cursor).await?;
        o.lines.extend(page.items);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    o.lines_complete = true;
    Ok(o)
}

/// Pulls the company's order book from the stored cursor: each page is applied with its
/// cursor in one go. The next page is fetched while one is applied (a task of its own, at
/// most two pages ahead), so the platform's work and the network overlap this computer's.
/// Returns (orders added or changed here, orders received).
pub async fn pull_order_book(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
    status: &xinbao_wire::SyncStatus,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(usize, usize)> {
    let start = access.with_store(|s| cursor(s, keys::CURSOR_ORDER_BOOK))?;
    // From the beginning the whole book comes: its size is known.
    let total = (start == 0).then_some(status.orders.max(0) as usize);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<BookPage>>(2);
    let fetcher = AbortOnDrop(tokio::spawn(fetch_pages(
        client.clone(),
        token.to_string(),
        start,
        tx,
    )));
    let mut done = 0;
    let mut changed = 0;
    while let Some(page) = rx.recv().await {
        let page = page?;
        done += page.orders.len();
        let applied = access.with_store(|s| {
            let r = order_book::apply(s, &page.orders)?;
            settings::set(s, keys::CURSOR_ORDER_BOOK, &page.next_cursor.to_string())?;
            Ok(r)
        })?;
        changed += applied.added + applied.changed;
        if total.is_some() || !page.orders.is_empty() {
            progress(Progress {
                done,
                total: total.map(|t| t.max(done)),
            });
        }
        if !page.has_more {
            break;
        }
    }
    drop(fetcher);
    Ok((changed, done))
}

/// A page of the order book with every order's lines.
struct BookPage {
    orders: Vec<BookOrder>,
    next_cursor: i64,
    has_more: bool,
}

/// Ends the fetching task when the pull ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn fetch_pages(
    client: PlatformClient,
    token: String,
    mut cursor: i64,
    pages: tokio::sync::mpsc::Sender<Result<BookPage>>,
) {
    loop {
        let page = async {
            let page = client.order_book(&token, cursor).await?;
            let mut orders = Vec::with_capacity(page.items.len());
            for o in page.items {
                orders.push(complete(&client, &token, o).await?);
            }
            Ok(BookPage {
                orders,
                next_cursor: page.next_cursor,
                has_more: page.has_more,
            })
        }
        .await;
        let more = matches!(&page, Ok(p) if p.has_more);
        if let Ok(p) = &page {
            cursor = p.next_cursor;
        }
        if pages.send(page).await.is_err() || !more {
            return;
        }
    }
}

/// Fetches again each order whose change the platform refused (or whose platform copy
/// arrived while a change of ours was queued), now that its queue is empty. An order the
/// platform does not hold is marked so (it may be re-opened if its confirmation was refused).
pub async fn refresh_refused(
    access: &impl StoreAccess,
    client: &PlatformClient,
    token: &str,
) -> Result<usize> {
    let due = access.with_store(|s| Ok(order_book::due_for_refresh(s)?))?;
    let mut refreshed = 0;
    for uuid in due {
        match client.book_order(token, &uuid).await {
            Ok(o) => {
                let o = complete(client, token, o).await?;
                access.with_store(|s| Ok(order_book::apply(s, std::slice::from_ref(&o))?))?;
                refreshed += 1;
            }
            Err(SyncError::Api { status: 404, .. }) => {
                access.with_store(|s| Ok(order_book::not_on_platform(s, &uuid)?))?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(refreshed)
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_split_on_character_boundaries_and_join_back() {
        let text = "订单".repeat(1000) + "abc";
        for max in [1, 2, 3, 4, 7, 100, 10_000] {
            let parts = pieces(&text, max.max(4));
            assert!(parts.iter().all(|p| p.len() <= max.max(4)));
            assert_eq!(parts.concat(), text);
        }
        assert!(pieces("", 10).is_empty());
    }
}
