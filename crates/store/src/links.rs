//! Merchant orders cached from the platform, and linking (关联商户订单) a line to them.

use crate::audit::{self, Change, Entity};
use crate::orders::{load_lines, load_order};
use crate::outbox::{self, kind};
use crate::{now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xinbao_domain::order::{same_merchant, Action, MerchantOrderRef};
use xinbao_domain::OrderState;

/// A merchant order (商户交易订单) sent to this company, as cached locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantOrder {
    pub id: String,
    pub procurement_no: Option<String>,
    pub merchant_name: String,
    pub mobile: String,
    /// `YYYY-MM`.
    pub order_month: String,
    pub buyer_name: Option<String>,
    pub product_name: Option<String>,
    pub quantity: Option<i64>,
    pub packages: Option<i64>,
    pub amount_cents: i64,
    pub sent_at: Option<String>,
}

/// Writes merchant orders received from the platform into the local cache (insert or
/// replace by id). A cache refresh is not a change to an order: no audit, no outbox.
pub fn upsert_merchant_orders(store: &mut Store, orders: &[MerchantOrder]) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let at = now();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO merchant_orders (id, procurement_no, merchant_name, mobile, order_month, buyer_name,
                                          product_name, quantity, packages, amount_cents, sent_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO UPDATE SET procurement_no = excluded.procurement_no,
                merchant_name = excluded.merchant_name, mobile = excluded.mobile, order_month = excluded.order_month,
                buyer_name = excluded.buyer_name, product_name = excluded.product_name, quantity = excluded.quantity,
                packages = excluded.packages, amount_cents = excluded.amount_cents, sent_at = excluded.sent_at,
                updated_at = excluded.updated_at",
        )?;
        for m in orders {
            stmt.execute(params![
                m.id,
                m.procurement_no,
                m.merchant_name,
                m.mobile,
                m.order_month,
                m.buyer_name,
                m.product_name,
                m.quantity,
                m.packages,
                m.amount_cents,
                m.sent_at,
                at
            ])?;
        }
    }
    tx.commit()?;
    Ok(orders.len())
}

fn merchant_order_ref(conn: &rusqlite::Connection, id: &str) -> Result<MerchantOrderRef> {
    conn.query_row(
        "SELECT id, procurement_no, merchant_name, mobile FROM merchant_orders WHERE id = ?1",
        [id],
        |r| {
            Ok(MerchantOrderRef {
                id: r.get(0)?,
                procurement_no: r.get(1)?,
                merchant_name: r.get(2)?,
                mobile: r.get(3)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::MerchantOrderNotFound(id.to_string()))
}

fn order_of_line(conn: &rusqlite::Connection, line_id: i64) -> Result<i64> {
    conn.query_row(
        "SELECT order_id FROM order_lines WHERE id = ?1",
        [line_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(StoreError::LineNotFound(line_id))
}

/// Links a line to a merchant order of the same merchant. Linking twice is a no-op.
/// After confirmation the link is queued for the platform.
pub fn link(store: &mut Store, actor: &str, line_id: i64, merchant_order_id: &str) -> Result<bool> {
    change_link(store, actor, line_id, merchant_order_id, true)
}

/// Removes a link. Removing a link that is not there is a no-op.
pub fn unlink(
    store: &mut Store,
    actor: &str,
    line_id: i64,
    merchant_order_id: &str,
) -> Result<bool> {
    change_link(store, actor, line_id, merchant_order_id, false)
}

fn change_link(
    store: &mut Store,
    actor: &str,
    line_id: i64,
    merchant_order_id: &str,
    add: bool,
) -> Result<bool> {
    let tx = store.conn.transaction()?;
    let order_id = order_of_line(&tx, line_id)?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::EditLinks)?;
    let mo = merchant_order_ref(&tx, merchant_order_id)?;
    let line = load_lines(&tx, order_id)?
        .into_iter()
        .find(|l| l.line.id == Some(line_id))
        .ok_or(StoreError::LineNotFound(line_id))?;
    if add && !same_merchant(&line.line, &mo) {
        return Err(StoreError::LinkOtherMerchant {
            line: line_id,
            merchant_order: mo.id,
        });
    }
    let at = now();
    let changed = if add {
        tx.execute(
            "INSERT OR IGNORE INTO line_links (line_id, merchant_order_id, created_at) VALUES (?1, ?2, ?3)",
            params![line_id, mo.id, at],
        )?
    } else {
        tx.execute(
            "DELETE FROM line_links WHERE line_id = ?1 AND merchant_order_id = ?2",
            params![line_id, mo.id],
        )?
    } > 0;
    if changed {
        let link = json!({ "line_id": line_id, "merchant_order_id": mo.id });
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id,
                entity: Entity::Link,
                entity_id: format!("{line_id}:{}", mo.id),
                action: if add { "link" } else { "unlink" },
                before: (!add).then(|| link.clone()),
                after: add.then_some(link),
            },
        )?;
        if order.state == OrderState::Confirmed {
            outbox::enqueue(
                &tx,
                &at,
                order_id,
                if add {
                    kind::LINK_ADD
                } else {
                    kind::LINK_REMOVE
                },
                &xinbao_wire::LinkPayload {
                    order_uuid: order.uuid.clone(),
                    line_uuid: line.uuid.clone(),
                    merchant_order_id: mo.id.clone(),
                    base_rev: crate::orders::remote_rev(&tx, order_id)?,
                },
            )?;
        }
        crate::orders::touch(&tx, order_id, &at)?;
    }
    tx.commit()?;
    Ok(changed)
}

/// Whether merchant order `m` is of the line's merchant, in SQL over the line's procurement
/// number and mobile (columns or parameters): the domain's `same_merchant` (same
/// procurement number in any case when both have one, else the same mobile). NULL when
/// the line has no mobile and the numbers cannot be compared.
pub(crate) fn same_merchant_sql(procurement_no: &str, mobile: &str) -> String {
    format!(
        "(({procurement_no} IS NOT NULL AND upper(m.procurement_no) = upper({procurement_no}))
          OR (({procurement_no} IS NULL OR m.procurement_no IS NULL) AND m.mobile = {mobile}))"
    )
}

/// Merchant orders of the line's merchant (by procurement number, else mobile), the line's
/// month first: what the linking screen offers.
pub fn candidates_for_line(store: &Store, line_id: i64) -> Result<Vec<MerchantOrder>> {
    let (procurement_no, mobile, month): (Option<String>, Option<String>, Option<String>) = store
        .conn
        .query_row(
            "SELECT procurement_no, mobile, order_month FROM order_lines WHERE id = ?1",
            [line_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or(StoreError::LineNotFound(line_id))?;
    let mut stmt = store.conn.prepare_cached(&format!(
        "SELECT m.id, m.procurement_no, m.merchant_name, m.mobile, m.order_month, m.buyer_name, m.product_name,
                m.quantity, m.packages, m.amount_cents, m.sent_at
         FROM merchant_orders m
         WHERE {}
         ORDER BY order_month = ?3 DESC, order_month DESC, id",
        same_merchant_sql("?1", "?2")
    ))?;
    // Offered to the page: the mobile masked (the full one only through the audited reveal).
    let rows = stmt.query_map(params![procurement_no, mobile, month], |r| {
        merchant_order_row(r).map(|mut m| {
            m.mobile = xinbao_domain::mask::mobile(&m.mobile);
            m
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

const MERCHANT_ORDER_COLUMNS: &str =
    "m.id, m.procurement_no, m.merchant_name, m.mobile, m.order_month,
    m.buyer_name, m.product_name, m.quantity, m.packages, m.amount_cents, m.sent_at";

fn merchant_order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MerchantOrder> {
    Ok(MerchantOrder {
        id: r.get(0)?,
        procurement_no: r.get(1)?,
        merchant_name: r.get(2)?,
        mobile: r.get(3)?,
        order_month: r.get(4)?,
        buyer_name: r.get(5)?,
        product_name: r.get(6)?,
        quantity: r.get(7)?,
        packages: r.get(8)?,
        amount_cents: r.get(9)?,
        sent_at: r.get(10)?,
    })
}

/// The merchant order query (商户订单查询, manual §3.2): paging and a search.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MerchantOrderQuery {
    /// Part of the merchant's name, procurement number, buyer name or product.
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// One merchant order in the query's list: the mobile masked, and how many of this
/// company's lines are linked to it.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantOrderSummary {
    pub id: String,
    pub procurement_no: Option<String>,
    pub merchant_name: String,
    pub mobile_masked: String,
    pub order_month: String,
    pub buyer_name: Option<String>,
    pub product_name: Option<String>,
    pub quantity: Option<i64>,
    pub packages: Option<i64>,
    pub amount_cents: i64,
    pub sent_at: Option<String>,
    pub linked_lines: i64,
}

/// The columns of a summary: the merchant order's, then its linked line count.
fn merchant_order_summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MerchantOrderSummary> {
    let m = merchant_order_row(r)?;
    Ok(MerchantOrderSummary {
        mobile_masked: xinbao_domain::mask::mobile(&m.mobile),
        id: m.id,
        procurement_no: m.procurement_no,
        merchant_name: m.merchant_name,
        order_month: m.order_month,
        buyer_name: m.buyer_name,
        product_name: m.product_name,
        quantity: m.quantity,
        packages: m.packages,
        amount_cents: m.amount_cents,
        sent_at: m.sent_at,
        linked_lines: r.get(11)?,
    })
}

const LINKED_LINES: &str = "(SELECT count(*) FROM line_links k WHERE k.merchant_order_id = m.id)";

#[derive(Debug, Clone, Serialize)]
pub struct MerchantOrderPage {
    pub total: i64,
    pub orders: Vec<MerchantOrderSummary>,
}

/// The merchant orders sent to this company, newest first, from the local cache.
pub fn merchant_orders(store: &Store, q: &MerchantOrderQuery) -> Result<MerchantOrderPage> {
    let term = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let pattern = term.map(crate::orders::like_anywhere);
    let filter =
        "?1 IS NULL OR m.merchant_name LIKE ?1 ESCAPE '\\' OR m.procurement_no LIKE ?1 ESCAPE '\\'
                  OR m.buyer_name LIKE ?1 ESCAPE '\\' OR m.product_name LIKE ?1 ESCAPE '\\'";
    let total: i64 = store.conn.query_row(
        &format!("SELECT count(*) FROM merchant_orders m WHERE {filter}"),
        [&pattern],
        |r| r.get(0),
    )?;
    let mut stmt = store.conn.prepare_cached(&format!(
        "SELECT {MERCHANT_ORDER_COLUMNS}, {LINKED_LINES}
         FROM merchant_orders m WHERE {filter}
         ORDER BY m.sent_at DESC, m.id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![
            pattern,
            q.limit.unwrap_or(50).min(1000),
            q.offset.unwrap_or(0)
        ],
        merchant_order_summary_row,
    )?;
    Ok(MerchantOrderPage {
        total,
        orders: rows.collect::<Result<_, _>>()?,
    })
}

/// A line of this company linked to a merchant order.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedLine {
    pub order_id: i64,
    pub line_id: i64,
    pub position: i64,
    pub buyer_name: Option<String>,
    pub amount_cents: Option<i64>,
}

/// One merchant order in full (its detail page), with the lines linked to it. The mobile
/// stays masked: the detail is a list's neighbour, not a reveal.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantOrderDetail {
    #[serde(flatten)]
    pub order: MerchantOrderSummary,
    pub linked: Vec<LinkedLine>,
}

pub fn merchant_order(store: &Store, id: &str) -> Result<MerchantOrderDetail> {
    let order = store
        .conn
        .query_row(
            &format!(
                "SELECT {MERCHANT_ORDER_COLUMNS}, {LINKED_LINES} FROM merchant_orders m WHERE m.id = ?1"
            ),
            [id],
            merchant_order_summary_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::MerchantOrderNotFound(id.to_string()))?;
    let mut stmt = store.conn.prepare_cached(
        "SELECT l.order_id, l.id, l.position, o.buyer_name, l.amount_cents
         FROM line_links k JOIN order_lines l ON l.id = k.line_id JOIN export_orders o ON o.id = l.order_id
         WHERE k.merchant_order_id = ?1 ORDER BY l.order_id, l.position",
    )?;
    let linked = stmt
        .query_map([id], |r| {
            Ok(LinkedLine {
                order_id: r.get(0)?,
                line_id: r.get(1)?,
                position: r.get(2)?,
                buyer_name: r.get(3)?,
                amount_cents: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(MerchantOrderDetail { order, linked })
}

impl From<xinbao_wire::MerchantOrder> for MerchantOrder {
    fn from(m: xinbao_wire::MerchantOrder) -> MerchantOrder {
        MerchantOrder {
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
        }
    }
}
