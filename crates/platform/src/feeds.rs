//! The feeds a client pulls with a cursor: the merchant directory, merchant orders sent to
//! the company (manual §3.2), settlement authorizations (§3.3) and order changes.

use crate::db::rfc3339;
use crate::error::ApiErr;
use rusqlite::{Connection, Row};
use xinbao_wire::*;

pub const DEFAULT_LIMIT: i64 = 500;
pub const MAX_LIMIT: i64 = 1000;

fn page<T>(
    conn: &Connection,
    sql: &str,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<(i64, T)>,
) -> Result<Page<T>, ApiErr> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows: Vec<(i64, T)> = stmt
        .query_map((company_id, cursor, limit + 1), |r| map(r))?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map(|(rev, _)| *rev).unwrap_or(cursor);
    Ok(Page {
        items: rows.into_iter().map(|(_, t)| t).collect(),
        next_cursor,
        has_more,
    })
}

pub fn merchants(
    conn: &Connection,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<Merchant>, ApiErr> {
    // The directory is the whole market's; ?1 is unused but keeps one shape for all feeds.
    page(
        conn,
        "SELECT rev, procurement_no, name, mobile, updated_at FROM merchants
         WHERE ?1 = ?1 AND rev > ?2 ORDER BY rev LIMIT ?3",
        company_id,
        cursor,
        limit,
        |r| {
            Ok((
                r.get(0)?,
                Merchant {
                    procurement_no: r.get(1)?,
                    name: r.get(2)?,
                    mobile: r.get(3)?,
                    updated_at: rfc3339(r.get(4)?),
                },
            ))
        },
    )
}

pub fn merchant_orders(
    conn: &Connection,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<MerchantOrder>, ApiErr> {
    page(
        conn,
        "SELECT rev, id, procurement_no, merchant_name, mobile, order_month, buyer_name, product_name,
                quantity, packages, amount_cents, sent_at, updated_at
         FROM merchant_orders WHERE company_id = ?1 AND rev > ?2 ORDER BY rev LIMIT ?3",
        company_id,
        cursor,
        limit,
        |r| {
            Ok((
                r.get(0)?,
                MerchantOrder {
                    id: r.get(1)?,
                    procurement_no: r.get(2)?,
                    merchant_name: r.get(3)?,
                    mobile: r.get(4)?,
                    order_month: r.get(5)?,
                    buyer_name: r.get(6)?,
                    product_name: r.get(7)?,
                    quantity: r.get(8)?,
                    packages: r.get(9)?,
                    amount_cents: r.get(10)?,
                    sent_at: rfc3339(r.get(11)?),
                    updated_at: rfc3339(r.get(12)?),
                },
            ))
        },
    )
}

pub fn settlement_authorizations(
    conn: &Connection,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<SettlementAuthorization>, ApiErr> {
    page(
        conn,
        "SELECT a.rev, a.id, a.merchant_order_id, m.merchant_name, m.procurement_no, a.amount_cents,
                a.locked_at, a.updated_at
         FROM settlement_authorizations a JOIN merchant_orders m ON m.id = a.merchant_order_id
         WHERE a.company_id = ?1 AND a.rev > ?2 ORDER BY a.rev LIMIT ?3",
        company_id,
        cursor,
        limit,
        |r| {
            Ok((
                r.get(0)?,
                SettlementAuthorization {
                    id: r.get(1)?,
                    merchant_order_id: r.get(2)?,
                    merchant_name: r.get(3)?,
                    procurement_no: r.get(4)?,
                    amount_cents: r.get(5)?,
                    locked_at: rfc3339(r.get(6)?),
                    updated_at: rfc3339(r.get(7)?),
                },
            ))
        },
    )
}

pub fn order_changes(
    conn: &Connection,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<OrderChange>, ApiErr> {
    page(
        conn,
        "SELECT o.rev, o.uuid, o.state, o.customs_no,
                (SELECT count(*) FROM order_lines l WHERE l.order_uuid = o.uuid),
                (SELECT coalesce(sum(amount_cents), 0) FROM order_lines l WHERE l.order_uuid = o.uuid),
                o.updated_at
         FROM orders o WHERE o.company_id = ?1 AND o.rev > ?2 ORDER BY o.rev LIMIT ?3",
        company_id,
        cursor,
        limit,
        |r| {
            let state: String = r.get(2)?;
            Ok((
                r.get(0)?,
                OrderChange {
                    order_uuid: r.get(1)?,
                    state: if state == "declared" { RemoteOrderState::Declared } else { RemoteOrderState::Confirmed },
                    customs_no: r.get(3)?,
                    line_count: r.get(4)?,
                    lines_total_cents: r.get(5)?,
                    updated_at: rfc3339(r.get(6)?),
                },
            ))
        },
    )
}
