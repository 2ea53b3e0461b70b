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
use std::collections::HashMap;
use xinbao_domain::{
    confirm_problems, Action, LineForm, LinkRef, MerchantOrderRef, OrderForm, OrderLineDraft,
    OrderState,
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

/// Applies a batch for `company_id`. Errors are for the whole batch (too large, out of
/// order, the database failing); verdicts are per operation.
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
    if batch.device_id.trim().is_empty() || batch.device_id.len() > 64 {
        return Err(ApiErr::unprocessable(
            "sync.device",
            "device_id is required (at most 64 characters)",
        )
        .field("device_id"));
    }
    if batch.operations.windows(2).any(|w| w[0].seq >= w[1].seq) {
        return Err(ApiErr::unprocessable(
            "sync.order",
            "operations must be in strictly increasing seq order",
        ));
    }
    let tx = conn.transaction()?;
    let mut last_seq: i64 = tx
        .query_row(
            "SELECT last_seq FROM devices WHERE company_id = ?1 AND device_id = ?2",
            params![company_id, batch.device_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let mut results = Vec::with_capacity(batch.operations.len());
    let mut known = MerchantOrderCache::default();
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
            results.push(OperationResult {
                seq: op.seq,
                op_id: op.op_id.clone(),
                verdict: Verdict::Duplicate,
                code,
                message,
            });
            continue;
        }
        let outcome = if op.seq <= last_seq {
            Err(Reject::new(
                "sync.sequence",
                format!(
                    "seq {} is not above the device's last sequence {last_seq}",
                    op.seq
                ),
            ))
        } else {
            apply_in_savepoint(&tx, company_id, op, &mut known)
        };
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
    company_id: i64,
    op: &PushOperation,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    tx.execute_batch("SAVEPOINT op")?;
    let result = Operation::decode(&op.kind, &op.payload)
        .map_err(|e| Reject::new("sync.payload", format!("{}: {e}", op.kind)))
        .and_then(|decoded| apply(tx, company_id, &decoded, known));
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
pub fn apply(
    tx: &Transaction<'_>,
    company_id: i64,
    op: &Operation,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
    match op {
        Operation::OrderConfirm(p) => confirm(tx, company_id, p, known),
        Operation::LineUpsert(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::EditLines)?;
            upsert_line(tx, company_id, &p.order_uuid, &p.line, known)?;
            touch(tx, &p.order_uuid)
        }
        Operation::LineDelete(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::EditLines)?;
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
            touch(tx, &p.order_uuid)
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
            touch(tx, &p.order_uuid)
        }
        Operation::OrderDeclare(p) => {
            let state = order_state(tx, company_id, &p.order_uuid)?;
            state.allows(Action::AttachCustoms)?;
            let customs_no = xinbao_domain::validate::customs_no(&p.customs_no)
                .map_err(|e| Reject::new(e.code.as_str(), e.message))?;
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE customs_no = ?1 AND uuid <> ?2)",
                params![customs_no, p.order_uuid],
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
                "UPDATE orders SET state = 'declared', customs_no = ?2, declared_at = ?3, rev = ?4, updated_at = ?5
                 WHERE uuid = ?1",
                params![p.order_uuid, customs_no, p.declared_at, rev, now_ms()],
            )?;
            Ok(())
        }
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

fn touch(tx: &Transaction<'_>, order_uuid: &str) -> Result<(), Reject> {
    let rev = next_rev(tx)?;
    tx.prepare_cached("UPDATE orders SET rev = ?2, updated_at = ?3 WHERE uuid = ?1")?
        .execute(params![order_uuid, rev, now_ms()])?;
    Ok(())
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

fn insert_line(
    tx: &Transaction<'_>,
    order_uuid: &str,
    uuid: &str,
    position: i64,
    l: &OrderLineDraft,
) -> Result<(), Reject> {
    tx.prepare_cached(
        "INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month,
                                  product_name, quantity, packages, amount_cents, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (uuid) DO UPDATE SET position = excluded.position, procurement_no = excluded.procurement_no,
             merchant_name = excluded.merchant_name, mobile = excluded.mobile, order_month = excluded.order_month,
             product_name = excluded.product_name, quantity = excluded.quantity, packages = excluded.packages,
             amount_cents = excluded.amount_cents, note = excluded.note
         WHERE order_lines.order_uuid = excluded.order_uuid",
    )?
    .execute(params![
        uuid, order_uuid, position, l.procurement_no, l.merchant_name, l.mobile, l.order_month, l.product_name,
        l.quantity, l.packages, l.amount_cents.map(|c| c.0), l.note
    ])?;
    Ok(())
}

/// A line of a newly confirmed order: a plain insert. A line id that already exists
/// belongs to another order (this one has just been created), which the primary key tells
/// us without a query per line.
fn insert_new_line(
    tx: &Transaction<'_>,
    order_uuid: &str,
    uuid: &str,
    position: i64,
    l: &OrderLineDraft,
) -> Result<(), Reject> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month,
                                      product_name, quantity, packages, amount_cents, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            uuid, order_uuid, position, l.procurement_no, l.merchant_name, l.mobile, l.order_month, l.product_name,
            l.quantity, l.packages, l.amount_cents.map(|c| c.0), l.note
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
    company_id: i64,
    order_uuid: &str,
    p: &LinePayload,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
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
    insert_line(tx, order_uuid, &p.line_uuid, p.position, &line)?;
    set_links(tx, &p.line_uuid, &p.merchant_orders)
}

/// `order.confirm`: the whole order through the domain's confirmation rules.
fn confirm(
    tx: &Transaction<'_>,
    company_id: i64,
    p: &OrderConfirmPayload,
    known: &mut MerchantOrderCache,
) -> Result<(), Reject> {
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
    let form = OrderForm {
        buyer_name: p.buyer_name.clone(),
        passport_no: p.passport_no.clone(),
        country: p.country.clone(),
        total_amount: xinbao_domain::Cents(p.total_cents).plain(),
        lines: Vec::new(),
    };
    let mut draft = form.parse().map_err(problems)?;
    let mut links: HashMap<usize, Vec<MerchantOrderRef>> = HashMap::new();
    for (i, l) in p.lines.iter().enumerate() {
        draft.lines.push(
            parse_line(l)
                .map_err(|r| Reject::new(&r.code, format!("line {}: {}", i + 1, r.message)))?,
        );
        links.insert(
            i,
            merchant_orders(tx, company_id, &l.merchant_orders, known)?,
        );
    }
    let refs: Vec<LinkRef<'_>> = draft
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| LinkRef {
            line,
            merchant_orders: links[&i].iter().collect(),
        })
        .collect();
    let issues = confirm_problems(&draft, &refs);
    if !issues.is_empty() {
        return Err(problems(issues));
    }
    let rev = next_rev(tx)?;
    tx.prepare_cached(
        "INSERT INTO orders (uuid, company_id, state, buyer_name, passport_no, country, total_cents, confirmed_at, rev, updated_at)
         VALUES (?1, ?2, 'confirmed', ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        p.order_uuid, company_id, draft.buyer_name, draft.passport_no, draft.country,
        draft.total_cents.map(|c| c.0), p.confirmed_at, rev, now_ms()
    ])?;
    for (l, line) in p.lines.iter().zip(&draft.lines) {
        insert_new_line(tx, &p.order_uuid, &l.line_uuid, l.position, line)?;
        add_links(tx, &l.line_uuid, &l.merchant_orders)?;
    }
    Ok(())
}
