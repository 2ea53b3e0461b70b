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

/// Lines in one page of the order book at most (inline lines of several orders).
pub const BOOK_PAGE_LINES: usize = 20_000;
/// Orders per page of the order book by default: each carries its lines.
pub const BOOK_DEFAULT_LIMIT: i64 = 200;

const BOOK_ORDER_COLUMNS: &str =
    "o.rev, o.uuid, o.state, o.buyer_name, o.passport_no, o.country, o.total_cents, o.customs_no,
     o.confirmed_at, o.declared_at, o.origin, o.origin_device, o.changed_by, o.changed_device, o.updated_at,
     (SELECT count(*) FROM order_lines l WHERE l.order_uuid = o.uuid)";

fn book_order_row(r: &Row<'_>) -> rusqlite::Result<BookOrder> {
    let state: String = r.get(2)?;
    let origin: String = r.get(10)?;
    Ok(BookOrder {
        rev: r.get(0)?,
        order_uuid: r.get(1)?,
        state: if state == "declared" {
            RemoteOrderState::Declared
        } else {
            RemoteOrderState::Confirmed
        },
        buyer_name: r.get(3)?,
        passport_no: r.get(4)?,
        country: r.get(5)?,
        total_cents: r.get(6)?,
        customs_no: r.get(7)?,
        confirmed_at: r.get(8)?,
        declared_at: r.get(9)?,
        origin: if origin == "web" {
            OrderOrigin::Web
        } else {
            OrderOrigin::Desk
        },
        origin_device: r.get(11)?,
        changed_by: r.get(12)?,
        changed_device: r.get(13)?,
        updated_at: rfc3339(r.get(14)?),
        line_count: r.get(15)?,
        lines: Vec::new(),
        lines_complete: false,
    })
}

/// Lines of one order after `cursor` (the line's row number), at most `limit`, each with
/// its links. Returns the lines and the cursor of the last one.
fn lines_after(
    conn: &Connection,
    order_uuid: &str,
    cursor: i64,
    limit: usize,
) -> Result<(Vec<BookLine>, i64), ApiErr> {
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, uuid, position, procurement_no, merchant_name, mobile, order_month, product_name, quantity,
                packages, amount_cents, note, rev
         FROM order_lines INDEXED BY order_lines_order_rowid
         WHERE order_uuid = ?1 AND rowid > ?2 ORDER BY order_uuid, rowid LIMIT ?3",
    )?;
    let mut links = conn.prepare_cached(
        "SELECT merchant_order_id FROM line_links WHERE line_uuid = ?1 ORDER BY merchant_order_id",
    )?;
    let mut last = cursor;
    let mut lines = Vec::new();
    let mut rows = stmt.query(rusqlite::params![order_uuid, cursor, limit as i64])?;
    while let Some(r) = rows.next()? {
        last = r.get(0)?;
        let uuid: String = r.get(1)?;
        let merchant_orders = links
            .query_map([&uuid], |l| l.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        lines.push(BookLine {
            line_uuid: uuid,
            position: r.get(2)?,
            procurement_no: r.get(3)?,
            merchant_name: r.get(4)?,
            mobile: r.get(5)?,
            order_month: r.get(6)?,
            product_name: r.get(7)?,
            quantity: r.get(8)?,
            packages: r.get(9)?,
            amount_cents: r.get(10)?,
            note: r.get(11)?,
            merchant_orders,
            rev: r.get(12)?,
        });
    }
    Ok((lines, last))
}

/// `GET /sync/orders`: the company's orders whose revision is above the cursor, whole,
/// oldest change first. Lines come inline while the page holds fewer than
/// [`BOOK_PAGE_LINES`]; an order larger than [`BOOK_INLINE_LINES`] comes without them.
pub fn order_book(
    conn: &Connection,
    company_id: i64,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<BookOrder>, ApiErr> {
    let limit = limit.unwrap_or(BOOK_DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {BOOK_ORDER_COLUMNS} FROM orders o
         WHERE o.company_id = ?1 AND o.rev > ?2 ORDER BY o.rev LIMIT ?3"
    ))?;
    let mut orders: Vec<BookOrder> = stmt
        .query_map(
            rusqlite::params![company_id, cursor, limit + 1],
            book_order_row,
        )?
        .collect::<Result<_, _>>()?;
    let mut has_more = orders.len() as i64 > limit;
    orders.truncate(limit as usize);
    let mut lines_in_page = 0usize;
    let mut keep = orders.len();
    for (i, o) in orders.iter_mut().enumerate() {
        let n = o.line_count as usize;
        if n > BOOK_INLINE_LINES {
            continue;
        }
        if lines_in_page + n > BOOK_PAGE_LINES && i > 0 {
            keep = i;
            has_more = true;
            break;
        }
        let (lines, _) = lines_after(conn, &o.order_uuid, 0, n + 1)?;
        lines_in_page += lines.len();
        o.lines = lines;
        o.lines_complete = true;
    }
    orders.truncate(keep);
    let next_cursor = orders.last().map(|o| o.rev).unwrap_or(cursor);
    Ok(Page {
        items: orders,
        next_cursor,
        has_more,
    })
}

/// `GET /sync/orders/{uuid}`: one order of the company, whole as in the order book.
pub fn book_order(conn: &Connection, company_id: i64, uuid: &str) -> Result<BookOrder, ApiErr> {
    let mut o = conn
        .query_row(
            &format!(
                "SELECT {BOOK_ORDER_COLUMNS} FROM orders o WHERE o.company_id = ?1 AND o.uuid = ?2"
            ),
            rusqlite::params![company_id, uuid],
            book_order_row,
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => ApiErr::new(
                axum::http::StatusCode::NOT_FOUND,
                "order.unknown",
                format!("the platform holds no order {uuid} of this company"),
            ),
            other => other.into(),
        })?;
    if o.line_count as usize <= BOOK_INLINE_LINES {
        o.lines = lines_after(conn, uuid, 0, BOOK_INLINE_LINES + 1)?.0;
        o.lines_complete = true;
    }
    Ok(o)
}

/// `GET /sync/orders/{uuid}/lines`: an order's lines after the cursor.
pub fn book_lines(
    conn: &Connection,
    company_id: i64,
    uuid: &str,
    cursor: i64,
    limit: Option<i64>,
) -> Result<Page<BookLine>, ApiErr> {
    book_order_exists(conn, company_id, uuid)?;
    let limit = limit.unwrap_or(BOOK_INLINE_LINES as i64).clamp(1, 10_000) as usize;
    let (mut lines, _) = lines_after(conn, uuid, cursor, limit + 1)?;
    let has_more = lines.len() > limit;
    lines.truncate(limit);
    // The cursor is the last line's row number: read it again for the truncated page.
    let next_cursor = match lines.last() {
        Some(l) => conn.query_row(
            "SELECT rowid FROM order_lines WHERE uuid = ?1",
            [&l.line_uuid],
            |r| r.get(0),
        )?,
        None => cursor,
    };
    Ok(Page {
        items: lines,
        next_cursor,
        has_more,
    })
}

fn book_order_exists(conn: &Connection, company_id: i64, uuid: &str) -> Result<(), ApiErr> {
    let found: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE company_id = ?1 AND uuid = ?2)",
        rusqlite::params![company_id, uuid],
        |r| r.get(0),
    )?;
    if found {
        Ok(())
    } else {
        Err(ApiErr::new(
            axum::http::StatusCode::NOT_FOUND,
            "order.unknown",
            format!("the platform holds no order {uuid} of this company"),
        ))
    }
}
