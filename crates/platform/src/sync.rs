//! The sync endpoint: a device's operations applied exactly once, in sequence order.
//!
//! A batch is one transaction. Each operation runs inside its own savepoint: a rejected
//! one leaves no trace but its verdict, and the ones behind it still apply. Every op id is
//! remembered with its verdict, so a retried batch (the answer was lost) is answered
//! "duplicate" without applying anything twice. If the server dies mid-batch nothing of
//! the batch was committed and the retry applies it whole.

use crate::db::{next_rev, now_ms};
use crate::error::ApiErr;
use axum::http::StatusCode;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::value::RawValue;
use std::collections::HashMap;
use xinbao_domain::{
    confirm_problems, Action, LineForm, LinkRef, MerchantOrderRef, OrderDraft, OrderForm,
    OrderLineDraft, OrderState,
};
use xinbao_wire::*;

pub const MAX_BATCH: usize = 1000;

/// Why one operation was refused: its code and message go back in the verdict.
#[derive(Debug)]
pub struct Reject {
    pub code: String,
    pub message: String,
}

impl Reject {
    fn new(code: &str, message: impl Into<String>) -> Reject {
        Reject {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<ApiErr> for Reject {
    fn from(e: ApiErr) -> Reject {
        Reject {
            code: e.body.code,
            message: e.body.message,
        }
    }
}

impl From<rusqlite::Error> for Reject {
    fn from(e: rusqlite::Error) -> Reject {
        ApiErr::from(e).into()
    }
}

impl From<xinbao_domain::StateError> for Reject {
    fn from(e: xinbao_domain::StateError) -> Reject {
        Reject::new(e.code(), e.to_string())
    }
}

fn problems(errors: Vec<xinbao_domain::FieldError>) -> Reject {
    let first = errors[0].code.as_str().to_string();
    Reject {
        code: first,
        message: errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Who sends a batch: every change it applies names the device and the company's contact.
pub struct Ctx {
    pub company_id: i64,
    pub device_id: String,
    pub changed_by: Option<String>,
}

/// Applies a batch for `company_id`. Errors are for the whole batch (too large, out of
/// order, a chunked payload not all uploaded, the database failing); verdicts are per
/// operation.
pub fn push(
    conn: &mut Connection,
    company_id: i64,
    batch: &PushBatch,
) -> Result<PushResult, ApiErr> {
    if batch.operations.len() > MAX_BATCH {
        return Err(ApiErr::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "sync.batch_too_large",
            format!("at most {MAX_BATCH} operations per batch"),
        ));
    }
    check_device(&batch.device_id)?;
    // What the contract's schema says of an operation, before any is applied.
    if let Some(op) = batch.operations.iter().find(|op| {
        op.seq < 1
            || !kind::ALL.contains(&op.kind.as_str())
            || op.op_id.is_empty()
            || op.op_id.len() > 64
            || op.chunks.is_some_and(|c| c == 0 || c > MAX_CHUNKS)
    }) {
        return Err(ApiErr::new(
            StatusCode::BAD_REQUEST,
            "request.invalid",
            format!(
                "operation {}: seq is 1 or more, kind one of the contract's, op_id 1 to 64 characters, chunks 1 to {MAX_CHUNKS}",
                op.seq
            ),
        ));
    }
    if batch.operations.windows(2).any(|w| w[0].seq >= w[1].seq) {
        return Err(ApiErr::unprocessable(
            "sync.order",
            "operations must be in strictly increasing seq order",
        ));
    }
    let tx = conn.transaction()?;
    let ctx = Ctx {
        company_id,
        device_id: batch.device_id.clone(),
        changed_by: tx
            .query_row(
                "SELECT contact_name FROM companies WHERE id = ?1",
                [company_id],
                |r| r.get(0),
            )
            .optional()?,
    };
    let mut last_seq: i64 = device_last_seq(&tx, company_id, &batch.device_id)?;
    let mut results = Vec::with_capacity(batch.operations.len());
    let mut known = MerchantOrderCache::default();
    let mut out_of_sequence = false;
    for op in &batch.operations {
        let seen: Option<(i64, String, Option<String>, Option<String>)> = tx
            .prepare_cached(
                "SELECT company_id, verdict, code, message FROM operations WHERE op_id = ?1",
            )?
            .query_row([&op.op_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        if let Some((owner, _, code, message)) = seen {
            if owner != company_id {
                // Another company's op id: never confirm or reveal anything about it.
                results.push(rejected(
                    op,
                    Reject::new("sync.op_id", "this operation id is not this company's"),
                ));
                continue;
            }
            // A retried large operation uploads its pieces again: they go with the answer.
            if op.chunks.is_some() {
                tx.prepare_cached(
                    "DELETE FROM op_chunks WHERE company_id = ?1 AND device_id = ?2 AND op_id = ?3",
                )?
                .execute(params![company_id, batch.device_id, op.op_id])?;
            }
            results.push(OperationResult {
                seq: op.seq,
                op_id: op.op_id.clone(),
                verdict: Verdict::Duplicate,
                code,
                message,
            });
            continue;
        }
        if op.seq <= last_seq || out_of_sequence {
            // Not the operation's fault but the device's numbering (a database restored
            // from an older copy): not remembered, so the same op id sent again with a
            // sequence above `last_seq` still applies. Everything behind it in the batch is
            // answered the same: applying it before the one that went first could flip an
            // order (a declaration before its confirmation).
            out_of_sequence = true;
            results.push(rejected(
                op,
                Reject::new(
                    "sync.sequence",
                    format!(
                        "seq {} is not above the device's last sequence {last_seq}: continue above it",
                        op.seq
                    ),
                ),
            ));
            continue;
        }
        let payload = match op.chunks {
            None => None,
            Some(count) => Some(assemble_chunks(&tx, &ctx, &op.op_id, count)?),
        };
        let outcome = apply_in_savepoint(&tx, &ctx, op, payload.as_deref(), &mut known);
        let (verdict, code, message) = match &outcome {
            Ok(()) => (Verdict::Applied, None, None),
            Err(r) => (
                Verdict::Rejected,
                Some(r.code.clone()),
                Some(r.message.clone()),
            ),
        };
        tx.prepare_cached(
            "INSERT INTO operations (op_id, company_id, device_id, seq, kind, verdict, code, message, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            op.op_id, company_id, batch.device_id, op.seq, op.kind,
            if verdict == Verdict::Applied { "applied" } else { "rejected" }, code, message, now_ms()
        ])?;
        if op.chunks.is_some() {
            tx.prepare_cached(
                "DELETE FROM op_chunks WHERE company_id = ?1 AND device_id = ?2 AND op_id = ?3",
            )?
            .execute(params![company_id, batch.device_id, op.op_id])?;
        }
        last_seq = last_seq.max(op.seq);
        results.push(OperationResult {
            seq: op.seq,
            op_id: op.op_id.clone(),
            verdict,
            code,
            message,
        });
    }
    tx.execute(
        "INSERT INTO devices (company_id, device_id, last_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id, device_id) DO UPDATE SET last_seq = excluded.last_seq",
        params![company_id, batch.device_id, last_seq],
    )?;
    tx.commit()?;
    Ok(PushResult { results, last_seq })
}

fn check_device(device_id: &str) -> Result<(), ApiErr> {
    if device_id.is_empty() || device_id.len() > 64 || device_id.chars().any(char::is_whitespace) {
        return Err(ApiErr::unprocessable(
            "sync.device",
            "device_id is required: 1 to 64 characters, no spaces",
        )
        .field("device_id"));
    }
    Ok(())
}

fn device_last_seq(conn: &Connection, company_id: i64, device_id: &str) -> Result<i64, ApiErr> {
    Ok(conn
        .query_row(
            "SELECT last_seq FROM devices WHERE company_id = ?1 AND device_id = ?2",
            params![company_id, device_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// `GET /sync/state`: the epoch, the device's last sequence, the size of the order book.
pub fn status(conn: &Connection, company_id: i64, device_id: &str) -> Result<SyncStatus, ApiErr> {
    check_device(device_id)?;
    Ok(SyncStatus {
        epoch: conn.query_row(
            "SELECT value FROM platform_meta WHERE key = 'epoch'",
            [],
            |r| r.get(0),
        )?,
        last_seq: device_last_seq(conn, company_id, device_id)?,
        orders: conn.query_row(
            "SELECT count(*) FROM orders WHERE company_id = ?1",
            [company_id],
            |r| r.get(0),
        )?,
        head_rev: conn.query_row("SELECT coalesce(max(rev), 0) FROM revisions", [], |r| {
            r.get(0)
        })?,
    })
}

pub use xinbao_wire::MAX_CHUNKS;
/// Pieces not pushed within a day are dropped.
const CHUNK_TTL_MS: i64 = 24 * 3600 * 1000;
/// What one device may hold in pieces at once: one operation's worth.
const CHUNK_QUOTA_BYTES: usize = MAX_CHUNKS as usize * MAX_CHUNK_BYTES;

/// `POST /sync/chunks`: keeps one piece of a large payload until its operation is pushed.
pub fn put_chunk(conn: &Connection, company_id: i64, chunk: &PushChunk) -> Result<(), ApiErr> {
    check_device(&chunk.device_id)?;
    if chunk.count == 0 || chunk.count > MAX_CHUNKS || chunk.index >= chunk.count {
        return Err(ApiErr::unprocessable(
            "request.invalid",
            format!("a payload has 1 to {MAX_CHUNKS} pieces, numbered from 0"),
        )
        .field("index"));
    }
    if chunk.data.len() > MAX_CHUNK_BYTES {
        return Err(ApiErr::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "sync.batch_too_large",
            format!("a piece is at most {MAX_CHUNK_BYTES} bytes"),
        ));
    }
    if chunk.op_id.is_empty() || chunk.op_id.len() > 64 {
        return Err(ApiErr::unprocessable("request.invalid", "op_id is required").field("op_id"));
    }
    // Pieces never pushed are dropped after a day, and a device holds at most
    // CHUNK_QUOTA_BYTES of them at once: uploads cannot fill the disk.
    let now = now_ms();
    conn.prepare_cached("DELETE FROM op_chunks WHERE received_at < ?1")?
        .execute([now - CHUNK_TTL_MS])?;
    let held: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(length(CAST(data AS BLOB))), 0) FROM op_chunks
             WHERE company_id = ?1 AND device_id = ?2 AND NOT (op_id = ?3 AND idx = ?4)",
        )?
        .query_row(
            params![company_id, chunk.device_id, chunk.op_id, chunk.index],
            |r| r.get(0),
        )?;
    if held as usize + chunk.data.len() > CHUNK_QUOTA_BYTES {
        return Err(ApiErr::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "sync.batch_too_large",
            format!("a device holds at most {CHUNK_QUOTA_BYTES} bytes of pieces not yet pushed"),
        ));
    }
    conn.prepare_cached(
        "INSERT INTO op_chunks (company_id, device_id, op_id, idx, count, data, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (company_id, device_id, op_id, idx) DO UPDATE SET count = excluded.count,
             data = excluded.data, received_at = excluded.received_at",
    )?
    .execute(params![
        company_id,
        chunk.device_id,
        chunk.op_id,
        chunk.index,
        chunk.count,
        chunk.data,
        now
    ])?;
    Ok(())
}

/// The payload text of a chunked operation, from its pieces. A piece missing fails the
/// whole batch (`sync.chunks_missing`, retryable: the client uploads the pieces again).
fn assemble_chunks(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    op_id: &str,
    count: u32,
) -> Result<Box<RawValue>, ApiErr> {
    let mut stmt = tx.prepare_cached(
        "SELECT idx, count, data FROM op_chunks
         WHERE company_id = ?1 AND device_id = ?2 AND op_id = ?3 ORDER BY idx",
    )?;
    let mut text = String::new();
    let mut expected = 0u32;
    let mut rows = stmt.query(params![ctx.company_id, ctx.device_id, op_id])?;
    while let Some(r) = rows.next()? {
        let (idx, n, data): (u32, u32, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if idx != expected || n != count {
            break;
        }
        text.push_str(&data);
        expected += 1;
    }
    if expected != count {
        return Err(ApiErr::conflict(
            "sync.chunks_missing",
            format!("operation {op_id}: {expected} of {count} pieces were uploaded"),
        ));
    }
    RawValue::from_string(text)
        .map_err(|e| ApiErr::unprocessable("sync.payload", format!("operation {op_id}: {e}")))
}

fn rejected(op: &PushOperation, r: Reject) -> OperationResult {
    OperationResult {
        seq: op.seq,
        op_id: op.op_id.clone(),
        verdict: Verdict::Rejected,
        code: Some(r.code),
        message: Some(r.message),
    }
}

fn apply_in_savepoint(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    op: &PushOperation,
    chunked: Option<&RawValue>,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    tx.execute_batch("SAVEPOINT op")?;
    let result = Operation::decode(&op.kind, chunked.unwrap_or(&op.payload))
        .map_err(|e| Reject::new("sync.payload", format!("{}: {e}", op.kind)))
        .and_then(|decoded| apply(tx, ctx, &decoded, known));
    if result.is_err() {
        tx.execute_batch("ROLLBACK TO op")?;
    }
    tx.execute_batch("RELEASE op")?;
    result
}

/// Merchant orders already looked up in this batch. A confirmed order's lines link to a
/// handful of merchant orders, the same ones again and again: one query each per batch
/// instead of one per line. Merchant orders are never deleted, so a hit stays true for
/// the whole transaction.
#[derive(Default)]
pub struct MerchantOrderCache(HashMap<String, MerchantOrderRef>);

/// One decoded operation against the company's orders.
///
/// The platform decides, never the last writer: an operation applies when the order's
/// state still allows it. An edit of a line made on an older revision of the order
/// (`base_rev`) is refused with `order.stale` only when another device changed that same
/// line after that revision; links are sets (adding or removing twice is harmless) and go
/// by the state alone; a customs number goes to the first declaration that arrives.
pub fn apply(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    op: &Operation,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    let company_id = ctx.company_id;
    match op {
        Operation::OrderConfirm(p) => match &p.restore {
            None => confirm(tx, ctx, p, known),
            Some(r) => restore(tx, ctx, p, r, known),
        },
        Operation::LineUpsert(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::EditLines)?;
            check_fresh(tx, ctx, &p.order_uuid, &p.line.line_uuid, p.base_rev)?;
            let rev = touch(tx, ctx, &p.order_uuid)?;
            upsert_line(tx, ctx, &p.order_uuid, &p.line, rev, known)
        }
        Operation::LineDelete(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::EditLines)?;
            check_fresh(tx, ctx, &p.order_uuid, &p.line_uuid, p.base_rev)?;
            let n = tx.execute(
                "DELETE FROM order_lines WHERE uuid = ?1 AND order_uuid = ?2",
                params![p.line_uuid, p.order_uuid],
            )?;
            if n == 0 {
                return Err(Reject::new(
                    "line.unknown",
                    format!("the order has no line {}", p.line_uuid),
                ));
            }
            touch(tx, ctx, &p.order_uuid).map(drop)
        }
        Operation::LinkAdd(p) | Operation::LinkRemove(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::EditLinks)?;
            let line = stored_line(tx, &p.order_uuid, &p.line_uuid)?;
            if matches!(op, Operation::LinkAdd(_)) {
                let mos = merchant_orders(
                    tx,
                    company_id,
                    std::slice::from_ref(&p.merchant_order_id),
                    known,
                )?;
                check_same_merchant(&line, &mos)?;
                tx.execute(
                    "INSERT OR IGNORE INTO line_links (line_uuid, merchant_order_id) VALUES (?1, ?2)",
                    params![p.line_uuid, p.merchant_order_id],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM line_links WHERE line_uuid = ?1 AND merchant_order_id = ?2",
                    params![p.line_uuid, p.merchant_order_id],
                )?;
            }
            touch(tx, ctx, &p.order_uuid).map(drop)
        }
        Operation::OrderDeclare(p) => {
            declare(tx, ctx, &p.order_uuid, &p.customs_no, &p.declared_at)
        }
    }
}

/// 报关单号补录: the first declaration of an order wins; a later one is told which number
/// the order carries now.
fn declare(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    order_uuid: &str,
    customs_no: &str,
    declared_at: &str,
) -> Result<(), Reject> {
    let state = order_state(tx, ctx.company_id, order_uuid)?;
    if let Err(e) = state.allows(Action::AttachCustoms) {
        let current: Option<String> = tx.query_row(
            "SELECT customs_no FROM orders WHERE uuid = ?1",
            [order_uuid],
            |r| r.get(0),
        )?;
        return Err(match current {
            Some(no) => Reject::new(
                e.code(),
                format!("the order was already declared with customs number {no}"),
            ),
            None => e.into(),
        });
    }
    let customs_no = xinbao_domain::validate::customs_no(customs_no)
        .map_err(|e| Reject::new(e.code.as_str(), e.message))?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE customs_no = ?1 AND uuid <> ?2)",
        params![customs_no, order_uuid],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Reject::new(
            "customs_no.taken",
            format!("customs number {customs_no} belongs to another order"),
        ));
    }
    let rev = next_rev(tx)?;
    tx.execute(
        "UPDATE orders SET state = 'declared', customs_no = ?2, declared_at = ?3, rev = ?4, updated_at = ?5,
                changed_device = ?6, changed_by = ?7
         WHERE uuid = ?1",
        params![order_uuid, customs_no, declared_at, rev, now_ms(), ctx.device_id, ctx.changed_by],
    )?;
    Ok(())
}

/// An edit made on revision `base_rev` of the order is stale when another device changed
/// the same line after it.
fn check_fresh(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    order_uuid: &str,
    line_uuid: &str,
    base_rev: Option<i64>,
) -> Result<(), Reject> {
    let Some(base) = base_rev else {
        return Ok(());
    };
    let line: Option<(i64, Option<String>)> = tx
        .prepare_cached(
            "SELECT rev, changed_device FROM order_lines WHERE uuid = ?1 AND order_uuid = ?2",
        )?
        .query_row(params![line_uuid, order_uuid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match line {
        Some((rev, Some(by))) if rev > base && by != ctx.device_id => Err(Reject::new(
            "order.stale",
            format!(
                "another computer changed this line after revision {base} (now {rev}); the order was refreshed"
            ),
        )),
        _ => Ok(()),
    }
}

fn order_state(
    tx: &Transaction<'_>,
    company_id: i64,
    order_uuid: &str,
) -> Result<OrderState, Reject> {
    let state: Option<String> = tx
        .prepare_cached("SELECT state FROM orders WHERE uuid = ?1 AND company_id = ?2")?
        .query_row(params![order_uuid, company_id], |r| r.get(0))
        .optional()?;
    state
        .and_then(|s| OrderState::parse(&s))
        .ok_or_else(|| Reject::new("order.unknown", format!("no confirmed order {order_uuid}")))
}

/// The order changed: its next revision, by this device. Returns the revision.
fn touch(tx: &Transaction<'_>, ctx: &Ctx, order_uuid: &str) -> Result<i64, Reject> {
    let rev = next_rev(tx)?;
    tx.prepare_cached(
        "UPDATE orders SET rev = ?2, updated_at = ?3, changed_device = ?4, changed_by = ?5 WHERE uuid = ?1",
    )?
    .execute(params![order_uuid, rev, now_ms(), ctx.device_id, ctx.changed_by])?;
    Ok(rev)
}

/// A line payload through the same validators as the app's form: must be complete.
fn parse_line(l: &LinePayload) -> Result<OrderLineDraft, Reject> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let form = LineForm {
        id: None,
        procurement_no: text(&l.procurement_no),
        merchant_name: text(&l.merchant_name),
        mobile: text(&l.mobile),
        order_month: text(&l.order_month),
        product_name: text(&l.product_name),
        quantity: num(l.quantity),
        packages: num(l.packages),
        amount: l
            .amount_cents
            .map(|c| xinbao_domain::Cents(c).plain())
            .unwrap_or_default(),
        note: text(&l.note),
    };
    let (line, errors) = form.parse_complete();
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    Ok(line)
}

fn merchant_orders(
    tx: &Transaction<'_>,
    company_id: i64,
    ids: &[String],
    known: &mut MerchantOrderCache,
) -> Result<Vec<MerchantOrderRef>, Reject> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, procurement_no, merchant_name, mobile FROM merchant_orders WHERE id = ?1 AND company_id = ?2",
    )?;
    ids.iter()
        .map(|id| {
            if let Some(hit) = known.0.get(id) {
                return Ok(hit.clone());
            }
            let found = stmt
                .query_row(params![id, company_id], |r| {
                    Ok(MerchantOrderRef {
                        id: r.get(0)?,
                        procurement_no: r.get(1)?,
                        merchant_name: r.get(2)?,
                        mobile: r.get(3)?,
                    })
                })
                .optional()?
                .ok_or_else(|| {
                    Reject::new(
                        "link.unknown_merchant_order",
                        format!("no merchant order {id} was sent to this company"),
                    )
                })?;
            known.0.insert(id.clone(), found.clone());
            Ok(found)
        })
        .collect()
}

fn check_same_merchant(line: &OrderLineDraft, mos: &[MerchantOrderRef]) -> Result<(), Reject> {
    match mos
        .iter()
        .find(|mo| !xinbao_domain::order::same_merchant(line, mo))
    {
        Some(mo) => Err(Reject::new(
            "confirm.link_other_merchant",
            format!("merchant order {} belongs to another merchant", mo.id),
        )),
        None => Ok(()),
    }
}

fn stored_line(
    tx: &Transaction<'_>,
    order_uuid: &str,
    line_uuid: &str,
) -> Result<OrderLineDraft, Reject> {
    tx.prepare_cached(
        "SELECT procurement_no, mobile FROM order_lines WHERE uuid = ?1 AND order_uuid = ?2",
    )?
    .query_row(params![line_uuid, order_uuid], |r| {
        Ok(OrderLineDraft {
            procurement_no: r.get(0)?,
            mobile: r.get(1)?,
            ..Default::default()
        })
    })
    .optional()?
    .ok_or_else(|| Reject::new("line.unknown", format!("the order has no line {line_uuid}")))
}

struct LineAt<'a> {
    ctx: &'a Ctx,
    rev: i64,
}

fn insert_line(
    tx: &Transaction<'_>,
    at: &LineAt<'_>,
    order_uuid: &str,
    uuid: &str,
    position: i64,
    l: &OrderLineDraft,
) -> Result<(), Reject> {
    tx.prepare_cached(
        "INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month,
                                  product_name, quantity, packages, amount_cents, note, rev, changed_device)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (uuid) DO UPDATE SET position = excluded.position, procurement_no = excluded.procurement_no,
             merchant_name = excluded.merchant_name, mobile = excluded.mobile, order_month = excluded.order_month,
             product_name = excluded.product_name, quantity = excluded.quantity, packages = excluded.packages,
             amount_cents = excluded.amount_cents, note = excluded.note, rev = excluded.rev,
             changed_device = excluded.changed_device
         WHERE order_lines.order_uuid = excluded.order_uuid",
    )?
    .execute(params![
        uuid, order_uuid, position, l.procurement_no, l.merchant_name, l.mobile, l.order_month, l.product_name,
        l.quantity, l.packages, l.amount_cents.map(|c| c.0), l.note, at.rev, at.ctx.device_id
    ])?;
    Ok(())
}

/// A line of a newly confirmed order: a plain insert. A line id that already exists
/// belongs to another order (this one has just been created), which the primary key tells
/// us without a query per line.
fn insert_new_line(
    tx: &Transaction<'_>,
    at: &LineAt<'_>,
    order_uuid: &str,
    uuid: &str,
    position: i64,
    l: &OrderLineDraft,
) -> Result<(), Reject> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month,
                                      product_name, quantity, packages, amount_cents, note, rev, changed_device)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            uuid, order_uuid, position, l.procurement_no, l.merchant_name, l.mobile, l.order_month, l.product_name,
            l.quantity, l.packages, l.amount_cents.map(|c| c.0), l.note, at.rev, at.ctx.device_id
        ]);
    match inserted {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Err(Reject::new(
                "line.other_order",
                format!("line {uuid} belongs to another order"),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Replaces a line's links.
fn set_links(tx: &Transaction<'_>, line_uuid: &str, ids: &[String]) -> Result<(), Reject> {
    tx.prepare_cached("DELETE FROM line_links WHERE line_uuid = ?1")?
        .execute([line_uuid])?;
    add_links(tx, line_uuid, ids)
}

fn add_links(tx: &Transaction<'_>, line_uuid: &str, ids: &[String]) -> Result<(), Reject> {
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO line_links (line_uuid, merchant_order_id) VALUES (?1, ?2)",
    )?;
    for id in ids {
        ins.execute(params![line_uuid, id])?;
    }
    Ok(())
}

fn upsert_line(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    order_uuid: &str,
    p: &LinePayload,
    rev: i64,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    let company_id = ctx.company_id;
    let line = parse_line(p)?;
    let owner: Option<String> = tx
        .prepare_cached("SELECT order_uuid FROM order_lines WHERE uuid = ?1")?
        .query_row([&p.line_uuid], |r| r.get(0))
        .optional()?;
    if owner.is_some_and(|o| o != order_uuid) {
        return Err(Reject::new(
            "line.other_order",
            "this line belongs to another order",
        ));
    }
    let mos = merchant_orders(tx, company_id, &p.merchant_orders, known)?;
    check_same_merchant(&line, &mos)?;
    insert_line(
        tx,
        &LineAt { ctx, rev },
        order_uuid,
        &p.line_uuid,
        p.position,
        &line,
    )?;
    set_links(tx, &p.line_uuid, &p.merchant_orders)
}

/// `order.confirm`: the whole order through the domain's confirmation rules.
fn confirm(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    p: &OrderConfirmPayload,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    let company_id = ctx.company_id;
    let existing: Option<(i64, String)> = tx
        .prepare_cached("SELECT company_id, state FROM orders WHERE uuid = ?1")?
        .query_row([&p.order_uuid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((owner, state)) = existing {
        if owner != company_id {
            return Err(Reject::new("order.uuid_taken", "this order id is taken"));
        }
        let state = OrderState::parse(&state).unwrap_or(OrderState::Confirmed);
        state.allows(Action::Confirm)?;
    }
    let draft = checked_order(tx, company_id, p, known)?;
    let rev = next_rev(tx)?;
    tx.prepare_cached(
        "INSERT INTO orders (uuid, company_id, state, buyer_name, passport_no, country, total_cents, confirmed_at, rev,
                             updated_at, origin, origin_device, changed_by, changed_device)
         VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'desk', ?10, ?11, ?10)",
    )?
    .execute(params![
        p.order_uuid, company_id, draft.buyer_name, draft.passport_no, draft.country,
        draft.total_cents.map(|c| c.0), p.confirmed_at, rev, now_ms(), ctx.device_id, ctx.changed_by
    ])?;
    insert_lines(tx, &LineAt { ctx, rev }, p, &draft)
}

/// The order of a confirmation payload through the domain's confirmation rules (each
/// line's merchant orders must exist and be its merchant's).
fn checked_order(
    tx: &Transaction<'_>,
    company_id: i64,
    p: &OrderConfirmPayload,
    known: &mut MerchantOrderCache,
) -> Result<OrderDraft, Reject> {
    let form = OrderForm {
        buyer_name: p.buyer_name.clone(),
        passport_no: p.passport_no.clone(),
        country: p.country.clone(),
        total_amount: xinbao_domain::Cents(p.total_cents).plain(),
        lines: Vec::new(),
    };
    let mut draft = form.parse().map_err(problems)?;
    let mut links: Vec<Vec<MerchantOrderRef>> = Vec::with_capacity(p.lines.len());
    for (i, l) in p.lines.iter().enumerate() {
        draft.lines.push(
            parse_line(l)
                .map_err(|r| Reject::new(&r.code, format!("line {}: {}", i + 1, r.message)))?,
        );
        links.push(merchant_orders(tx, company_id, &l.merchant_orders, known)?);
    }
    let refs: Vec<LinkRef<'_>> = draft
        .lines
        .iter()
        .zip(&links)
        .map(|(line, mos)| LinkRef {
            line,
            merchant_orders: mos.iter().collect(),
        })
        .collect();
    let issues = confirm_problems(&draft, &refs);
    if !issues.is_empty() {
        return Err(problems(issues));
    }
    Ok(draft)
}

fn insert_lines(
    tx: &Transaction<'_>,
    at: &LineAt<'_>,
    p: &OrderConfirmPayload,
    draft: &OrderDraft,
) -> Result<(), Reject> {
    for (l, line) in p.lines.iter().zip(&draft.lines) {
        insert_new_line(tx, at, &p.order_uuid, &l.line_uuid, l.position, line)?;
        add_links(tx, &l.line_uuid, &l.merchant_orders)?;
    }
    Ok(())
}

/// An order sent again from a device's copy after the platform went back in time (see
/// [`OrderRestore`]): what the platform lost comes back; what it holds at least as new
/// as the device saw it stays.
fn restore(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    p: &OrderConfirmPayload,
    r: &OrderRestore,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    let existing: Option<(i64, String, i64)> = tx
        .prepare_cached("SELECT company_id, state, rev FROM orders WHERE uuid = ?1")?
        .query_row([&p.order_uuid], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let draft = checked_order(tx, ctx.company_id, p, known)?;
    match existing {
        Some((owner, _, _)) if owner != ctx.company_id => {
            return Err(Reject::new("order.uuid_taken", "this order id is taken"))
        }
        // Declared: final.
        Some((_, state, _)) if state == "declared" => return Ok(()),
        // Held at the revision the device saw, or later: its lines stay (a declaration the
        // platform lost is still given back below).
        Some((_, _, rev)) if r.known_rev.is_none_or(|k| rev >= k) => {}
        Some(_) => {
            // The platform holds an older copy: the device's lines replace its lines.
            tx.execute(
                "DELETE FROM order_lines WHERE order_uuid = ?1",
                [&p.order_uuid],
            )?;
            let rev = touch(tx, ctx, &p.order_uuid)?;
            insert_lines(tx, &LineAt { ctx, rev }, p, &draft)?;
        }
        None => {
            let rev = next_rev(tx)?;
            let origin_device = r.origin_device.as_deref().unwrap_or(&ctx.device_id);
            tx.prepare_cached(
                "INSERT INTO orders (uuid, company_id, state, buyer_name, passport_no, country, total_cents, confirmed_at,
                                     rev, updated_at, origin, origin_device, changed_by, changed_device)
                 VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'desk', ?10, ?11, ?12)",
            )?
            .execute(params![
                p.order_uuid, ctx.company_id, draft.buyer_name, draft.passport_no, draft.country,
                draft.total_cents.map(|c| c.0), p.confirmed_at, rev, now_ms(), origin_device, ctx.changed_by,
                ctx.device_id
            ])?;
            insert_lines(tx, &LineAt { ctx, rev }, p, &draft)?;
        }
    }
    if let Some(no) = &r.customs_no {
        let at = r
            .declared_at
            .clone()
            .unwrap_or_else(|| p.confirmed_at.clone());
        declare(tx, ctx, &p.order_uuid, no, &at)?;
    }
    Ok(())
}
