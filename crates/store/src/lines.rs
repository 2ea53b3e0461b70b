//! An order's lines a page at a time, for an order of any size: keyset pages in position
//! order (an index range, never the whole order), filters, a jump to a row number, and the
//! totals from SQL aggregates rather than from whatever page is on screen.

use crate::orders::{line_row, load_order, LineDetail};
use crate::{Result, Store};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use xinbao_domain::order::REQUIRED_LINE_FIELDS;

/// Most lines in one page.
pub const MAX_PAGE: u32 = 500;

/// An order of more lines than this is shown a page at a time (its lines never go to the
/// window whole), and a paste of more rows goes through the import: the window asks for it
/// with the app's information.
pub const PAGED_FROM_LINES: i64 = 1000;

/// Which lines, and where: after a line (the next page), before one (the previous), or
/// from a row number (a jump); by default from the first line. A line is named by its
/// position and id: two lines may share a position (each computer of a confirmed order adds
/// at its own end), so pages go by (position, id). Without the id, every line at that
/// position is passed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinesQuery {
    pub after_position: Option<i64>,
    pub after_id: Option<i64>,
    pub before_position: Option<i64>,
    pub before_id: Option<i64>,
    /// 1-based, among the lines the filters leave.
    pub from_row: Option<i64>,
    pub limit: Option<u32>,
    /// Part of the merchant's name or procurement number.
    pub merchant: Option<String>,
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// Only lines linked to no merchant order.
    pub unlinked_only: bool,
    /// Only lines that keep the order from being confirmed: incomplete, linked to no
    /// merchant order, or linked to another merchant's.
    pub problems_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinesPage {
    pub lines: Vec<LineDetail>,
    /// The 1-based row number of the first line of the page, among the lines the filters
    /// leave.
    pub first_row: i64,
    /// Whether lines come before and after this page.
    pub has_before: bool,
    pub has_after: bool,
}

/// The whole order's figures, whatever page is shown.
#[derive(Debug, Clone, Serialize)]
pub struct LinesSummary {
    pub lines: i64,
    pub lines_cents: i64,
    pub unlinked: i64,
    pub total_cents: Option<i64>,
    /// How many lines the filters of the query leave.
    pub matching: i64,
}

/// The filters' SQL over `order_lines l` and their arguments (after the order id, ?1).
fn filters(q: &LinesQuery) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(m) = q
        .merchant
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        let escaped = m
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(Value::Text(format!("%{escaped}%")));
        let n = args.len() + 1;
        sql.push_str(&format!(
            " AND (l.merchant_name LIKE ?{n} ESCAPE '\\' OR l.procurement_no LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(month) = q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        args.push(Value::Text(month.to_string()));
        sql.push_str(&format!(" AND l.order_month = ?{}", args.len() + 1));
    }
    if q.unlinked_only {
        sql.push_str(" AND NOT EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)");
    }
    if q.problems_only {
        // The line-level reasons of the domain's `confirm_problems`, in SQL.
        let incomplete = REQUIRED_LINE_FIELDS
            .iter()
            .map(|field| format!("l.{} IS NULL", column_of(field)))
            .collect::<Vec<_>>()
            .join(" OR ");
        sql.push_str(&format!(
            " AND ({incomplete}
                  OR NOT EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)
                  OR EXISTS (SELECT 1 FROM line_links k JOIN merchant_orders m ON m.id = k.merchant_order_id
                             WHERE k.line_id = l.id AND NOT coalesce({}, 0)))",
            crate::links::same_merchant_sql("l.procurement_no", "l.mobile")
        ));
    }
    (sql, args)
}

/// The `order_lines` column of a line field (names as in the domain's `LINE_FIELDS`).
fn column_of(field: &str) -> &str {
    match field {
        "amount" => "amount_cents",
        other => other,
    }
}

fn with_order(order_id: i64, args: &[Value], more: &[Value]) -> Vec<Value> {
    let mut all = vec![Value::Integer(order_id)];
    all.extend_from_slice(args);
    all.extend_from_slice(more);
    all
}

/// One page of the order's lines (masked as everywhere: the full mobile only through the
/// audited reveal).
pub fn page(store: &Store, order_id: i64, q: &LinesQuery) -> Result<LinesPage> {
    load_order(store.connection(), order_id)?;
    let conn = store.connection();
    let limit = i64::from(q.limit.unwrap_or(100).clamp(1, MAX_PAGE));
    let (filter, args) = filters(q);
    let next = args.len() + 2;
    let columns =
        "l.id, l.uuid, l.position, l.procurement_no, l.merchant_name, l.mobile, l.order_month,
                   l.product_name, l.quantity, l.packages, l.amount_cents, l.note";
    // (position, id) beyond or before the named line: a range of the order's index
    // (order_id, position, id, …), as a row value so SQLite bounds the range by both.
    let after = |n: usize| format!("(l.position, l.id) > (?{n}, ?{})", n + 1);
    let before = |n: usize| format!("(l.position, l.id) < (?{n}, ?{})", n + 1);
    let (sql, bound, reverse) = if let Some(position) = q.before_position {
        (
            format!("SELECT {columns} FROM order_lines l WHERE l.order_id = ?1{filter} AND {} ORDER BY l.position DESC, l.id DESC LIMIT ?{}", before(next), next + 2),
            with_order(order_id, &args, &[Value::Integer(position), Value::Integer(q.before_id.unwrap_or(i64::MIN)), Value::Integer(limit)]),
            true,
        )
    } else if let Some(row) = q.from_row {
        (
            format!("SELECT {columns} FROM order_lines l WHERE l.order_id = ?1{filter} ORDER BY l.position, l.id LIMIT ?{next} OFFSET ?{}", next + 1),
            with_order(order_id, &args, &[Value::Integer(limit), Value::Integer(row.saturating_sub(1).max(0))]),
            false,
        )
    } else {
        (
            format!("SELECT {columns} FROM order_lines l WHERE l.order_id = ?1{filter} AND {} ORDER BY l.position, l.id LIMIT ?{}", after(next), next + 2),
            with_order(order_id, &args, &[Value::Integer(q.after_position.unwrap_or(i64::MIN)), Value::Integer(q.after_id.unwrap_or(i64::MAX)), Value::Integer(limit)]),
            false,
        )
    };
    let mut rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(bound.iter()), line_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if reverse {
        rows.reverse();
    }
    // How many matching lines lie before and after the page: counted on the index, and
    // only as far as needed (EXISTS for "after"), around the named line.
    let around = |sql: String, position: i64, id: i64| -> Result<i64> {
        let bound = with_order(
            order_id,
            &args,
            &[Value::Integer(position), Value::Integer(id)],
        );
        Ok(conn
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(bound.iter()), |r| r.get(0))?)
    };
    let count_before = |position: i64, id: i64| {
        around(
            format!(
                "SELECT count(*) FROM order_lines l WHERE l.order_id = ?1{filter} AND {}",
                before(next)
            ),
            position,
            id,
        )
    };
    let exists_after = |position: i64, id: i64| -> Result<bool> {
        Ok(around(
            format!(
                "SELECT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = ?1{filter} AND {})",
                after(next)
            ),
            position,
            id,
        )? != 0)
    };
    let (first_row, has_before, has_after) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => {
            let id = |l: &crate::orders::LineRow| l.line.id.unwrap_or_default();
            let before = count_before(first.position, id(first))?;
            (
                before + 1,
                before > 0,
                exists_after(last.position, id(last))?,
            )
        }
        _ => (0, false, false),
    };
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.line.id).collect();
    let links = crate::orders::links_of_lines(conn, &ids)?;
    let lines = crate::orders::line_details(store, rows, &links)?;
    Ok(LinesPage {
        lines,
        first_row,
        has_before,
        has_after,
    })
}

/// The order's lines counted and summed in SQL, and how many the query's filters leave.
pub fn summary(store: &Store, order_id: i64, q: &LinesQuery) -> Result<LinesSummary> {
    let order = load_order(store.connection(), order_id)?;
    let conn = store.connection();
    let (lines, lines_cents): (i64, i64) = conn.query_row(
        "SELECT count(*), coalesce(sum(amount_cents), 0) FROM order_lines WHERE order_id = ?1",
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // From the links (CROSS JOIN keeps that order): there are never more links than lines,
    // and usually far fewer than an imported order has lines.
    let linked: i64 = conn.query_row(
        "SELECT count(DISTINCT k.line_id) FROM line_links k CROSS JOIN order_lines l ON l.id = k.line_id
         WHERE l.order_id = ?1",
        [order_id],
        |r| r.get(0),
    )?;
    let (filter, args) = filters(q);
    let matching = if filter.is_empty() {
        lines
    } else {
        conn.prepare_cached(&format!(
            "SELECT count(*) FROM order_lines l WHERE l.order_id = ?1{filter}"
        ))?
        .query_row(
            rusqlite::params_from_iter(with_order(order_id, &args, &[]).iter()),
            |r| r.get(0),
        )?
    };
    Ok(LinesSummary {
        lines,
        lines_cents,
        unlinked: lines - linked,
        total_cents: order.draft.total_cents.map(|c| c.0),
        matching,
    })
}
