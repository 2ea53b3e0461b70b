//! The audit log: who changed what, when, before and after. Written in the transaction of
//! the change it records; personal numbers are masked before they are written.

use crate::Result;
use rusqlite::Transaction;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Order,
    Line,
    Link,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Order => "order",
            Entity::Line => "line",
            Entity::Link => "link",
        }
    }
}

/// One change to record.
pub(crate) struct Change<'a> {
    pub actor: &'a str,
    pub order_id: i64,
    pub entity: Entity,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub(crate) fn record(tx: &Transaction<'_>, at: &str, c: Change<'_>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, order_id, entity, entity_id, action, before_json, after_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute((
        at,
        c.actor,
        c.order_id,
        c.entity.as_str(),
        c.entity_id,
        c.action,
        c.before.map(|v| v.to_string()),
        c.after.map(|v| v.to_string()),
    ))?;
    Ok(())
}

/// An audit row as read back.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub order_id: Option<i64>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The history of one order, oldest first.
pub fn for_order(store: &crate::Store, order_id: i64) -> Result<Vec<AuditRow>> {
    let mut stmt = store.conn.prepare(
        "SELECT id, at, actor, order_id, entity, entity_id, action, before_json, after_json
         FROM audit_log WHERE order_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([order_id], |r| {
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(AuditRow {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            order_id: r.get(3)?,
            entity: r.get(4)?,
            entity_id: r.get(5)?,
            action: r.get(6)?,
            before: json(r.get(7)?),
            after: json(r.get(8)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
