//! The outbox: every change the platform must hear of, queued in the transaction of the
//! change, in per-device sequence. Nothing here sends; the sync crate drains it.

use crate::Result;
use rusqlite::Transaction;
use serde::Serialize;
use serde_json::Value;

/// Kinds of queued operations (the `kind` column): the contract's own names.
pub use xinbao_wire::kind;

pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    at: &str,
    order_id: i64,
    kind: &str,
    payload: &Value,
) -> Result<i64> {
    let text = payload.to_string();
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
        for a in acks {
            n += stmt.execute(rusqlite::params![a.seq, at, a.verdict, a.code, a.message])?;
        }
    }
    tx.commit()?;
    Ok(n)
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
