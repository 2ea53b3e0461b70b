//! Merchant orders cached from the platform, and linking (关联商户订单) a line to them.

use crate::audit::{self, Change, Entity};
use crate::orders::load_order;
use crate::outbox::{self, kind};
use crate::{now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use xinbao_domain::order::{same_merchant_by, Action, MerchantOrderRef};
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

/// How a link was made: by hand, or by 自动匹配 (exact, a clerk's choice among equal
/// solutions, an accepted suggestion), or by group linking (a merchant-month group to the
/// ticked merchant orders, in one step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    Hand,
    Exact,
    Choice,
    Suggestion,
    Group,
}

impl How {
    /// Made by 自动匹配 (exact, a choice, a suggestion), not by the clerk's own pick.
    pub fn is_matched(self) -> bool {
        matches!(self, How::Exact | How::Choice | How::Suggestion)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            How::Hand => "hand",
            How::Exact => "exact",
            How::Choice => "choice",
            How::Suggestion => "suggestion",
            How::Group => "group",
        }
    }
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
    let mut links = LinkWriter::new(&tx, actor, order_id)?;
    let changed = if add {
        links.add(line_id, merchant_order_id, How::Hand, None)?
    } else {
        links.remove(line_id, merchant_order_id)?
    };
    links.finish()?;
    tx.commit()?;
    Ok(changed)
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

/// Every link written to one order inside one transaction: the order's state checked once,
/// each link checked (the line is the order's, the merchant order is cached, of the line's
/// merchant and held by no other export order), its audit row, and its outbox row once the
/// order is confirmed. Reads only the line and the merchant order it links, so a link to a
/// million-line order costs what a link to a small one does.
pub(crate) struct LinkWriter<'t> {
    tx: &'t Transaction<'t>,
    actor: &'t str,
    order_id: i64,
    order_uuid: String,
    confirmed: bool,
    base_rev: Option<i64>,
    at: String,
    changed: usize,
}

impl<'t> LinkWriter<'t> {
    pub(crate) fn new(tx: &'t Transaction<'t>, actor: &'t str, order_id: i64) -> Result<Self> {
        let order = load_order(tx, order_id)?;
        order.state.allows(Action::EditLinks)?;
        Ok(LinkWriter {
            tx,
            actor,
            order_id,
            confirmed: order.state == OrderState::Confirmed,
            base_rev: crate::orders::remote_rev(tx, order_id)?,
            order_uuid: order.uuid,
            at: now(),
            changed: 0,
        })
    }

    pub(crate) fn at(&self) -> &str {
        &self.at
    }

    /// The line's uuid, procurement number and mobile, if it is this order's.
    fn line(&self, line_id: i64) -> Result<(String, Option<String>, Option<String>)> {
        self.tx
            .prepare_cached(
                "SELECT uuid, procurement_no, mobile FROM order_lines WHERE id = ?1 AND order_id = ?2",
            )?
            .query_row(params![line_id, self.order_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?
            .ok_or(StoreError::LineNotFound(line_id))
    }

    pub(crate) fn add(
        &mut self,
        line_id: i64,
        merchant_order_id: &str,
        how: How,
        run: Option<i64>,
    ) -> Result<bool> {
        let (line_uuid, procurement_no, mobile) = self.line(line_id)?;
        let mo = merchant_order_ref(self.tx, merchant_order_id)?;
        if !same_merchant_by(
            procurement_no.as_deref(),
            mobile.as_deref(),
            mo.procurement_no.as_deref(),
            &mo.mobile,
        ) {
            return Err(StoreError::LinkOtherMerchant {
                line: line_id,
                merchant_order: mo.id,
            });
        }
        // What the matcher proposes never uses a merchant order another export order holds.
        // A link by hand (one, or a group) stays the clerk's word, as before matching: the
        // demo data and today's orders share merchant orders between export orders, and
        // between computers only the platform can decide (not yet).
        if how.is_matched() {
            if let Some(order) = holder_besides(self.tx, &mo.id, self.order_id)? {
                return Err(StoreError::MerchantOrderTaken {
                    merchant_order: mo.id,
                    order,
                });
            }
        }
        self.insert(line_id, &mo.id, how, run, Some(line_uuid))
    }

    /// A link the matcher planned inside this same transaction (its gate, month and holder
    /// checked by the plan): written without reading its line and merchant order again.
    pub(crate) fn add_planned(
        &mut self,
        line_id: i64,
        merchant_order_id: &str,
        how: How,
        run: i64,
    ) -> Result<bool> {
        self.insert(line_id, merchant_order_id, how, Some(run), None)
    }

    /// The link, its audit row and (confirmed) its outbox row; `line_uuid` read here when
    /// the outbox needs it and the caller did not read it.
    fn insert(
        &mut self,
        line_id: i64,
        merchant_order_id: &str,
        how: How,
        run: Option<i64>,
        line_uuid: Option<String>,
    ) -> Result<bool> {
        let added = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO line_links (line_id, merchant_order_id, created_at, how, run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![line_id, merchant_order_id, self.at, how.as_str(), run])?
            > 0;
        if added {
            let line_uuid = match line_uuid {
                Some(uuid) => uuid,
                None if self.confirmed => self.line(line_id)?.0,
                None => String::new(),
            };
            let after = json!({ "line_id": line_id, "merchant_order_id": merchant_order_id, "how": how.as_str(), "run": run });
            self.written(
                line_id,
                line_uuid,
                merchant_order_id.to_string(),
                None,
                Some(after),
            )?;
        }
        Ok(added)
    }

    pub(crate) fn remove(&mut self, line_id: i64, merchant_order_id: &str) -> Result<bool> {
        let (line_uuid, _, _) = self.line(line_id)?;
        let removed = self
            .tx
            .prepare_cached(
                "DELETE FROM line_links WHERE line_id = ?1 AND merchant_order_id = ?2 RETURNING how, run_id",
            )?
            .query_row(params![line_id, merchant_order_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
            })
            .optional()?;
        let Some((how, run)) = removed else {
            return Ok(false);
        };
        let before = json!({ "line_id": line_id, "merchant_order_id": merchant_order_id, "how": how, "run": run });
        self.written(
            line_id,
            line_uuid,
            merchant_order_id.to_string(),
            Some(before),
            None,
        )?;
        Ok(true)
    }

    fn written(
        &mut self,
        line_id: i64,
        line_uuid: String,
        merchant_order_id: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<()> {
        let add = after.is_some();
        audit::record(
            self.tx,
            &self.at,
            Change {
                actor: self.actor,
                order_id: self.order_id,
                entity: Entity::Link,
                entity_id: format!("{line_id}:{merchant_order_id}"),
                action: if add { "link" } else { "unlink" },
                before,
                after,
            },
        )?;
        if self.confirmed {
            outbox::enqueue(
                self.tx,
                &self.at,
                self.order_id,
                if add {
                    kind::LINK_ADD
                } else {
                    kind::LINK_REMOVE
                },
                &xinbao_wire::LinkPayload {
                    order_uuid: self.order_uuid.clone(),
                    line_uuid,
                    merchant_order_id,
                    base_rev: self.base_rev,
                },
            )?;
        }
        self.changed += 1;
        Ok(())
    }

    /// How many links were added or removed; the order marked changed if any were.
    pub(crate) fn finish(self) -> Result<usize> {
        if self.changed > 0 {
            crate::orders::touch(self.tx, self.order_id, &self.at)?;
        }
        Ok(self.changed)
    }
}

fn merchant_order_ref(conn: &rusqlite::Connection, id: &str) -> Result<MerchantOrderRef> {
    conn.prepare_cached(
        "SELECT id, procurement_no, merchant_name, mobile FROM merchant_orders WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(MerchantOrderRef {
            id: r.get(0)?,
            procurement_no: r.get(1)?,
            merchant_name: r.get(2)?,
            mobile: r.get(3)?,
        })
    })
    .optional()?
    .ok_or_else(|| StoreError::MerchantOrderNotFound(id.to_string()))
}

/// The export order other than `order_id` whose lines hold the merchant order, if any: a
/// merchant order backs the purchases of one export order.
pub(crate) fn holder_besides(
    conn: &rusqlite::Connection,
    merchant_order_id: &str,
    order_id: i64,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT l.order_id FROM line_links k JOIN order_lines l ON l.id = k.line_id
             WHERE k.merchant_order_id = ?1 AND l.order_id <> ?2 ORDER BY l.order_id LIMIT 1",
        )?
        .query_row(params![merchant_order_id, order_id], |r| r.get(0))
        .optional()?)
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

/// A merchant order the linking screen offers: the mobile masked, and the other export
/// order that holds it already, if one does (shown as taken, with that order).
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    #[serde(flatten)]
    pub order: MerchantOrder,
    pub taken_by: Option<i64>,
}

/// Merchant orders of the line's merchant (by procurement number, else mobile), the line's
/// month first: what the linking screen offers.
pub fn candidates_for_line(store: &Store, line_id: i64) -> Result<Vec<Candidate>> {
    let (order_id, procurement_no, mobile, month): (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = store
        .conn
        .query_row(
            "SELECT order_id, procurement_no, mobile, order_month FROM order_lines WHERE id = ?1",
            [line_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
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
    let orders: Vec<MerchantOrder> = rows.collect::<Result<_, _>>()?;
    orders
        .into_iter()
        .map(|order| {
            Ok(Candidate {
                taken_by: holder_besides(&store.conn, &order.id, order_id)?,
                order,
            })
        })
        .collect()
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
