//! The outbox: every change the platform must hear of, queued in the transaction of the
//! change, in per-device sequence. Nothing here sends; the sync crate drains it.

use crate::Result;
use rusqlite::Transaction;
use serde::Serialize;
use serde_json::Value;

/// Kinds of queued operations (the `kind` column): the contract's own names.
pub use xinbao_wire::kind;

/// Queues one operation; `payload` is the contract's own type for `kind`.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    at: &str,
    order_id: i64,
    kind: &str,
    payload: &impl Serialize,
) -> Result<i64> {
    let text = serde_json::to_string(payload).expect("a contract payload always encodes");
    // Every payload must be what the contract says its kind carries.
    #[cfg(debug_assertions)]
    {
        let raw = serde_json::value::RawValue::from_string(text.clone()).expect("JSON text");
        if let Err(e) = xinbao_wire::Operation::decode(kind, &raw) {
            panic!("outbox payload of {kind} does not fit the contract: {e}");
        }
    }
    tx.prepare_cached(
        "INSERT INTO outbox (op_id, kind, order_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((uuid::Uuid::new_v4().to_string(), kind, order_id, text, at))?;
    Ok(tx.last_insert_rowid())
}

/// A queued operation as read back.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub seq: i64,
    pub op_id: String,
    pub kind: String,
    pub order_id: i64,
    /// The payload as stored: JSON text, pushed as it is.
    pub payload: String,
    pub created_at: String,
    pub acked_at: Option<String>,
    pub verdict: Option<String>,
}

impl Operation {
    /// The payload decoded (for tests and diagnostics; a push sends the text).
    pub fn payload_value(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }
}

/// Operations not yet acknowledged by the platform, in sequence order.
pub fn pending(store: &crate::Store) -> Result<Vec<Operation>> {
    query(store, "WHERE acked_at IS NULL ORDER BY seq", [])
}

/// Every operation of one order, in sequence order.
pub fn for_order(store: &crate::Store, order_id: i64) -> Result<Vec<Operation>> {
    query(store, "WHERE order_id = ?1 ORDER BY seq", [order_id])
}

fn query<P: rusqlite::Params>(
    store: &crate::Store,
    tail: &str,
    params: P,
) -> Result<Vec<Operation>> {
    let mut stmt = store.conn.prepare(&format!(
        "SELECT seq, op_id, kind, order_id, payload, created_at, acked_at, verdict FROM outbox {tail}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        let payload: String = r.get(4)?;
        Ok(Operation {
            seq: r.get(0)?,
            op_id: r.get(1)?,
            kind: r.get(2)?,
            order_id: r.get(3)?,
            payload,
            created_at: r.get(5)?,
            acked_at: r.get(6)?,
            verdict: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The next `limit` unacknowledged operations, in sequence order: one push batch.
pub fn next_batch(store: &crate::Store, limit: usize) -> Result<Vec<Operation>> {
    query(
        store,
        "WHERE acked_at IS NULL ORDER BY seq LIMIT ?1",
        [limit as i64],
    )
}

/// The platform's verdict on one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub seq: i64,
    /// `applied`, `duplicate` or `rejected`.
    pub verdict: String,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// Records verdicts, all in one transaction: an acknowledged operation is never sent again;
/// a rejected one stays on its order (with the platform's code and message) for the clerk.
/// Returns how many operations were newly acknowledged.
pub fn acknowledge(store: &mut crate::Store, acks: &[Ack]) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let at = crate::now();
    let mut n = 0;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET acked_at = ?2, verdict = ?3, rejection_code = ?4, rejection_message = ?5
             WHERE seq = ?1 AND acked_at IS NULL",
        )?;
        // A refused operation: the platform's copy of its order is fetched again, so the
        // clerk sees what the platform holds beside why theirs was refused.
        let mut refresh = tx.prepare_cached(
            "INSERT INTO order_sync (order_id, needs_refresh)
             SELECT e.id, 1 FROM outbox x JOIN export_orders e ON e.id = x.order_id
             WHERE x.seq = ?1 AND e.state <> 'draft'
             ON CONFLICT (order_id) DO UPDATE SET needs_refresh = 1",
        )?;
        for a in acks {
            let newly = stmt.execute(rusqlite::params![a.seq, at, a.verdict, a.code, a.message])?;
            if newly > 0 && a.verdict == "rejected" {
                refresh.execute([a.seq])?;
            }
            n += newly;
        }
    }
    redact_acknowledged(&tx, acks.iter().map(|a| a.seq))?;
    tx.commit()?;
    Ok(n)
}

/// Masks the passport and mobile numbers of acknowledged operations' payloads (the
/// platform has them; this file keeps no more than the lists show).
fn redact_acknowledged(tx: &Transaction<'_>, seqs: impl Iterator<Item = i64>) -> Result<()> {
    let mut read = tx.prepare_cached(
        "SELECT payload FROM outbox WHERE seq = ?1 AND acked_at IS NOT NULL AND redacted = 0",
    )?;
    let mut write =
        tx.prepare_cached("UPDATE outbox SET payload = ?2, redacted = 1 WHERE seq = ?1")?;
    for seq in seqs {
        let payload: Option<String> =
            rusqlite::OptionalExtension::optional(read.query_row([seq], |r| r.get(0)))?;
        if let Some(payload) = payload {
            write.execute(rusqlite::params![seq, redacted(&payload)])?;
        }
    }
    Ok(())
}

/// Acknowledged operations of a profile made before payloads were redacted, redacted now
/// (at open, a thousand at a time). Returns how many.
pub(crate) fn redact_old_acknowledged(conn: &mut rusqlite::Connection) -> Result<usize> {
    let mut done = 0;
    loop {
        let tx = conn.transaction()?;
        let seqs: Vec<i64> = tx
            .prepare_cached(
                "SELECT seq FROM outbox WHERE redacted = 0 AND acked_at IS NOT NULL ORDER BY seq LIMIT 1000",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        if seqs.is_empty() {
            return Ok(done);
        }
        done += seqs.len();
        redact_acknowledged(&tx, seqs.into_iter())?;
        tx.commit()?;
    }
}

/// A payload with every `passport_no` and `mobile` masked, wherever it sits.
fn redacted(payload: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    match (k.as_str(), &*v) {
                        ("passport_no", Value::String(s)) => {
                            *v = Value::String(xinbao_domain::mask::passport(s))
                        }
                        ("mobile", Value::String(s)) => {
                            *v = Value::String(xinbao_domain::mask::mobile(s))
                        }
                        _ => walk(v),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<Value>(payload) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        // Not JSON (never written so): nothing of it is kept.
        Err(_) => "null".into(),
    }
}

/// The highest sequence the platform has acknowledged (0: none). Below what the platform
/// reports for this device, and the platform went back in time.
pub fn last_acknowledged_seq(store: &crate::Store) -> Result<i64> {
    Ok(store.conn.query_row(
        "SELECT coalesce(max(seq), 0) FROM outbox WHERE acked_at IS NOT NULL",
        [],
        |r| r.get(0),
    )?)
}

/// The highest sequence ever given out here (0: none).
pub fn last_seq(store: &crate::Store) -> Result<i64> {
    Ok(store.conn.query_row(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                    coalesce((SELECT max(seq) FROM outbox), 0))",
        [],
        |r| r.get(0),
    )?)
}

/// Moves the unacknowledged operations `seqs` (in this order) behind every other one.
pub(crate) fn move_to_end(tx: &Transaction<'_>, seqs: &[i64]) -> Result<()> {
    move_to_end_above(tx, seqs, 0)
}

/// Moves the unacknowledged operations `seqs` (in this order) behind every other one and
/// above `floor`.
pub(crate) fn move_to_end_above(tx: &Transaction<'_>, seqs: &[i64], floor: i64) -> Result<()> {
    let top: i64 = tx.query_row(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                    coalesce((SELECT max(seq) FROM outbox), 0))",
        [],
        |r| r.get(0),
    )?;
    let mut next = top.max(floor) + 1;
    let mut stmt =
        tx.prepare_cached("UPDATE outbox SET seq = ?2 WHERE seq = ?1 AND acked_at IS NULL")?;
    for &seq in seqs {
        stmt.execute(rusqlite::params![seq, next])?;
        next += 1;
    }
    number_above(tx, next - 1)
}

/// New operations are numbered above `floor` from now on.
pub(crate) fn number_above(tx: &Transaction<'_>, floor: i64) -> Result<()> {
    let n = tx.execute(
        "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'outbox'",
        [floor],
    )?;
    if n == 0 {
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?1)",
            [floor],
        )?;
    }
    Ok(())
}

/// A rejected operation, for the sync panel and the order.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub seq: i64,
    pub order_id: i64,
    pub kind: String,
    pub code: String,
    pub message: String,
    pub acked_at: String,
}

/// How the queue stands.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    pub pending: i64,
    pub oldest_pending_at: Option<String>,
    pub rejections: Vec<Rejection>,
}

pub fn status(store: &crate::Store) -> Result<QueueStatus> {
    let (pending, oldest): (i64, Option<String>) = store.conn.query_row(
        "SELECT count(*), min(created_at) FROM outbox WHERE acked_at IS NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = store.conn.prepare_cached(
        "SELECT seq, order_id, kind, rejection_code, coalesce(rejection_message, ''), acked_at
         FROM outbox WHERE verdict = 'rejected' ORDER BY seq DESC LIMIT 200",
    )?;
    let rejections = stmt
        .query_map([], |r| {
            Ok(Rejection {
                seq: r.get(0)?,
                order_id: r.get(1)?,
                kind: r.get(2)?,
                code: r.get(3)?,
                message: r.get(4)?,
                acked_at: r.get(5)?,
            })
        })?
        .collect::<std::result::Result<_, _>>()?;
    Ok(QueueStatus {
        pending,
        oldest_pending_at: oldest,
        rejections,
    })
}
