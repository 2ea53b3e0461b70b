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
    /// A merchant order of the local cache (only reveals are recorded against it).
    MerchantOrder,
    /// The company's settlement binding (only reveals are recorded against it).
    Settlement,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Entity::Order => "order",
            Entity::Line => "line",
            Entity::Link => "link",
            Entity::MerchantOrder => "merchant_order",
            Entity::Settlement => "settlement",
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

/// Records that `actor` was shown the full value of a masked personal number (`field`) of
/// an entity. The value itself is never written: the row says who looked, at what, when.
pub(crate) fn record_reveal(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    order_id: Option<i64>,
    entity: Entity,
    entity_id: &str,
    field: &str,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, order_id, entity, entity_id, action, after_json)
         VALUES (?1, ?2, ?3, ?4, ?5, 'reveal', ?6)",
    )?
    .execute((
        at,
        actor,
        order_id,
        entity.as_str(),
        entity_id,
        serde_json::json!({ "field": field }).to_string(),
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
    read(
        store,
        "SELECT id, at, actor, order_id, entity, entity_id, action, before_json, after_json
         FROM audit_log WHERE order_id = ?1 ORDER BY id",
        [order_id],
    )
}

/// The latest `limit` rows of one order's history, newest first, and how many it has in
/// all (an order of a million imported lines has a million rows: the page stays small).
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub total: i64,
    pub rows: Vec<AuditRow>,
}

pub fn latest_for_order(store: &crate::Store, order_id: i64, limit: i64) -> Result<History> {
    let total = store.conn.query_row(
        "SELECT count(*) FROM audit_log WHERE order_id = ?1",
        [order_id],
        |r| r.get(0),
    )?;
    let rows = read(
        store,
        "SELECT id, at, actor, order_id, entity, entity_id, action, before_json, after_json
         FROM audit_log WHERE order_id = ?1 ORDER BY id DESC LIMIT ?2",
        (order_id, limit),
    )?;
    Ok(History { total, rows })
}

/// The history of one entity that is not an order (a merchant order, the settlement
/// binding), oldest first.
pub fn for_entity(store: &crate::Store, entity: Entity, entity_id: &str) -> Result<Vec<AuditRow>> {
    read(
        store,
        "SELECT id, at, actor, order_id, entity, entity_id, action, before_json, after_json
         FROM audit_log WHERE entity = ?1 AND entity_id = ?2 ORDER BY id",
        (entity.as_str(), entity_id),
    )
}

fn read(store: &crate::Store, sql: &str, params: impl rusqlite::Params) -> Result<Vec<AuditRow>> {
    let mut stmt = store.conn.prepare(sql)?;
    let rows = stmt.query_map(params, |r| {
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
