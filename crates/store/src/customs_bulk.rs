//! 批量补录报关单号: the customs broker's spreadsheet of declarations, every row judged
//! before anything changes (the preview), then the good rows declared in one transaction.
//!
//! A row names its order by 订单编号 ([`xinbao_domain::order_number`]) or, where the broker
//! has no number, by buyer name + passport + total when exactly one order of this profile's
//! book has all three. What a row would do is decided here only: the window, the CLI and
//! the apply step read the same verdicts, and the apply step judges the rows again inside its
//! transaction, so a file previewed an hour ago never declares what has changed since.

use crate::orders::{self, OrderRow};
use crate::{Result, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use xinbao_domain::order::{Action, OrderState};
use xinbao_domain::{money, normalize, order_number, validate};

/// The most rows one file may hold: a broker's list is dozens; a file of more is refused
/// whole, with words, before any row is judged.
pub const MAX_ROWS: usize = 10_000;

/// One row of the file, as its cells read (text; the reader turned numbers into text).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct CustomsRow {
    /// The spreadsheet's own row number (1-based, as Excel shows it).
    pub row_no: u32,
    pub order_no: String,
    pub customs_no: String,
    pub buyer_name: String,
    pub passport_no: String,
    pub total: String,
    /// A cell the file itself could not give (a formula error such as `#N/A`, a long number
    /// Excel kept as a number and rounded): the field and why.
    pub cell_problem: Option<(String, String)>,
}

/// What a row does (or why not). The words are the translation tables' `customs_bulk.status.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Declared by this file.
    WillDeclare,
    /// The order is declared with this very number already: nothing to do.
    AlreadyDeclared,
    /// The same order and number as an earlier row: nothing more to do.
    Duplicate,
    /// The order is a draft: confirm it first.
    NotConfirmed,
    /// The order is declared with another number (a declaration is final).
    DeclaredOtherNumber,
    /// No order of this book has that number (or that buyer, passport and total).
    UnknownOrder,
    /// Several orders fit; the row must name one by its number.
    AmbiguousOrder,
    /// The customs number belongs to another order.
    NumberTaken,
    /// Another row of the file gives this order another number, or this number to another
    /// order: neither row is declared.
    ConflictInFile,
    /// A cell is not what its column needs (the field and the domain's reason).
    BadFormat,
    /// Neither an order number nor buyer + passport + total.
    NoOrder,
}

impl Status {
    /// The stable name the CLI's JSON, the window and the translation keys use.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::WillDeclare => "will_declare",
            Status::AlreadyDeclared => "already_declared",
            Status::Duplicate => "duplicate",
            Status::NotConfirmed => "not_confirmed",
            Status::DeclaredOtherNumber => "declared_other_number",
            Status::UnknownOrder => "unknown_order",
            Status::AmbiguousOrder => "ambiguous_order",
            Status::NumberTaken => "number_taken",
            Status::ConflictInFile => "conflict_in_file",
            Status::BadFormat => "bad_format",
            Status::NoOrder => "no_order",
        }
    }

    /// Rows the file cannot apply: listed in the rejected-rows export with their reason.
    pub fn rejected(self) -> bool {
        !matches!(
            self,
            Status::WillDeclare | Status::AlreadyDeclared | Status::Duplicate
        )
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The verdict on one row.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub row_no: u32,
    pub status: Status,
    /// The order the row names, when one was found.
    pub order_id: Option<i64>,
    pub order_no: Option<String>,
    /// The order number as the file wrote it (shown where no order was found).
    pub file_order_no: String,
    /// The customs number as it will be stored (normalised), else as the file gave it.
    pub customs_no: String,
    /// For a format problem: the field (`order_no`, `customs_no`, `passport_no`, `total`,
    /// `buyer_name`) and the domain's code.
    pub field: Option<String>,
    pub code: Option<String>,
    /// The order that holds the number already, or the other order it is given to.
    pub other_order_no: Option<String>,
    /// The other rows this one conflicts with or repeats.
    pub other_rows: Vec<u32>,
    /// An English sentence (the CLI, the rejected-rows file); the window words it by status.
    pub reason: String,
}

/// Every row's verdict, and how many of each.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub rows: Vec<Verdict>,
    pub counts: Vec<(Status, usize)>,
    pub will_declare: usize,
    pub rejected: usize,
}

/// What an apply did: the verdicts judged inside its transaction, and how many orders it
/// declared (each queued for the platform).
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub declared: usize,
    pub preview: Preview,
}

/// Judges every row against the book as it is now. Changes nothing.
pub fn preview(store: &Store, rows: &[CustomsRow]) -> Result<Preview> {
    judge(&store.conn, rows).map(|(preview, _)| preview)
}

/// Declares every row the preview calls [`Status::WillDeclare`], judged again inside one
/// transaction: all of them, or (on any failure) none.
pub fn apply(store: &mut Store, actor: &str, rows: &[CustomsRow]) -> Result<Applied> {
    let tx = store.conn.transaction()?;
    let (preview, orders) = judge(&tx, rows)?;
    let at = crate::now();
    let mut declared = 0;
    for v in preview
        .rows
        .iter()
        .filter(|v| v.status == Status::WillDeclare)
    {
        let order = &orders[&v.order_id.expect("a found order")];
        orders::declare_in(&tx, actor, order, &v.customs_no, &at)?;
        declared += 1;
    }
    crate::crash::point("customs_bulk.declared");
    tx.commit()?;
    Ok(Applied { declared, preview })
}

/// A row read so far: the order found and the number it gives it.
struct Found {
    order: OrderRow,
    customs_no: String,
}

fn judge(
    conn: &rusqlite::Connection,
    rows: &[CustomsRow],
) -> Result<(Preview, HashMap<i64, OrderRow>)> {
    let mut verdicts = Vec::with_capacity(rows.len());
    let mut found: Vec<Option<Found>> = Vec::with_capacity(rows.len());
    for row in rows {
        let (verdict, f) = judge_row(conn, row)?;
        verdicts.push(verdict);
        found.push(f);
    }
    in_file_conflicts(&mut verdicts, &found);
    let mut counts: HashMap<Status, usize> = HashMap::new();
    for v in &verdicts {
        *counts.entry(v.status).or_default() += 1;
    }
    let mut counts: Vec<(Status, usize)> = counts.into_iter().collect();
    counts.sort();
    let will_declare = verdicts
        .iter()
        .filter(|v| v.status == Status::WillDeclare)
        .count();
    let rejected = verdicts.iter().filter(|v| v.status.rejected()).count();
    let orders = found
        .into_iter()
        .flatten()
        .map(|f| (f.order.id, f.order))
        .collect();
    Ok((
        Preview {
            rows: verdicts,
            counts,
            will_declare,
            rejected,
        },
        orders,
    ))
}

fn verdict(row: &CustomsRow, status: Status, reason: impl Into<String>) -> Verdict {
    Verdict {
        row_no: row.row_no,
        status,
        order_id: None,
        order_no: None,
        file_order_no: row.order_no.trim().to_string(),
        customs_no: row.customs_no.trim().to_string(),
        field: None,
        code: None,
        other_order_no: None,
        other_rows: Vec::new(),
        reason: reason.into(),
    }
}

fn bad_format(row: &CustomsRow, field: &str, code: &str, why: &str) -> Verdict {
    Verdict {
        field: Some(field.into()),
        code: Some(code.into()),
        ..verdict(row, Status::BadFormat, format!("{field}: {why}"))
    }
}

fn judge_row(conn: &rusqlite::Connection, row: &CustomsRow) -> Result<(Verdict, Option<Found>)> {
    if let Some((field, why)) = &row.cell_problem {
        return Ok((bad_format(row, field, "cell.error", why), None));
    }
    let customs_no = match validate::customs_no(&row.customs_no) {
        Ok(n) => n,
        Err(e) => {
            return Ok((
                bad_format(row, "customs_no", e.code.as_str(), &e.message),
                None,
            ))
        }
    };
    let ids = match order_ids(conn, row)? {
        Ok(ids) => ids,
        Err(v) => return Ok((v, None)),
    };
    let mut v = verdict(row, Status::UnknownOrder, "");
    v.customs_no = customs_no.clone();
    let by_number = !row.order_no.trim().is_empty();
    match ids.as_slice() {
        [] => {
            v.reason = if by_number {
                "no order of this company has this order number".into()
            } else {
                "no order of this company has this buyer, passport and total".into()
            };
            return Ok((v, None));
        }
        [_] => {}
        many => {
            v.status = Status::AmbiguousOrder;
            v.reason = format!(
                "{} orders fit this row; give the order number of the one it declares",
                many.len()
            );
            return Ok((v, None));
        }
    }
    let order = orders::load_order(conn, ids[0])?;
    v.order_id = Some(order.id);
    v.order_no = Some(order_number::of(&order.uuid));
    let (status, reason) = match (order.state, order.customs_no.as_deref()) {
        (OrderState::Declared, Some(n)) if n == customs_no => (
            Status::AlreadyDeclared,
            "the order is declared with this number already".to_string(),
        ),
        (OrderState::Declared, held) => (
            Status::DeclaredOtherNumber,
            format!(
                "the order is declared with {} already; a declaration is final",
                held.unwrap_or("another number")
            ),
        ),
        (state, _) if state.allows(Action::AttachCustoms).is_err() => (
            Status::NotConfirmed,
            "the order is not confirmed yet; confirm it first".to_string(),
        ),
        _ => match holder(conn, &customs_no, order.id)? {
            Some(other) => {
                v.other_order_no = Some(other.clone());
                (
                    Status::NumberTaken,
                    format!("the customs number belongs to order {other}"),
                )
            }
            None => (Status::WillDeclare, String::new()),
        },
    };
    v.status = status;
    v.reason = reason;
    let keeps = matches!(status, Status::WillDeclare | Status::AlreadyDeclared);
    Ok((v, keeps.then_some(Found { order, customs_no })))
}

/// The orders the row names: by its order number, else by buyer, passport and total (each
/// normalised as the order form does); a format problem is the row's verdict.
fn order_ids(
    conn: &rusqlite::Connection,
    row: &CustomsRow,
) -> Result<std::result::Result<Vec<i64>, Verdict>> {
    if !row.order_no.trim().is_empty() {
        let start = match order_number::parse(&row.order_no) {
            Ok(s) => s,
            Err(e) => {
                return Ok(Err(bad_format(
                    row,
                    "order_no",
                    e.code.as_str(),
                    &e.message,
                )))
            }
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM export_orders WHERE uuid >= ?1 AND uuid < ?1 || '~' ORDER BY id",
        )?;
        let ids = stmt
            .query_map([start.as_str()], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        return Ok(Ok(ids));
    }
    let given = [&row.buyer_name, &row.passport_no, &row.total];
    if given.iter().all(|t| t.trim().is_empty()) {
        return Ok(Err(verdict(
            row,
            Status::NoOrder,
            "the row has no order number, nor the buyer name, passport and total to find one",
        )));
    }
    let buyer = normalize::text(&row.buyer_name).into_owned();
    if buyer.is_empty() {
        return Ok(Err(bad_format(
            row,
            "buyer_name",
            "required",
            "without an order number, the buyer name, passport and total find the order",
        )));
    }
    let passport = match validate::passport(&row.passport_no) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(bad_format(
                row,
                "passport_no",
                e.code.as_str(),
                &e.message,
            )))
        }
    };
    let total = match money::parse_positive(&row.total) {
        Ok(c) => c,
        Err(e) => return Ok(Err(bad_format(row, "total", e.code.as_str(), &e.message))),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM export_orders WHERE passport_no = ?1 AND buyer_name = ?2 AND total_cents = ?3
         ORDER BY id",
    )?;
    let ids = stmt
        .query_map(params![passport, buyer, total.0], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(Ok(ids))
}

/// The order number of another order that holds `customs_no`.
fn holder(conn: &rusqlite::Connection, customs_no: &str, order_id: i64) -> Result<Option<String>> {
    let uuid: Option<String> = conn
        .query_row(
            "SELECT uuid FROM export_orders WHERE customs_no = ?1 AND id <> ?2",
            params![customs_no, order_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(uuid.map(|u| order_number::of(&u)))
}

/// Rows that would declare one order with two numbers, or one number for two orders, are
/// all refused (the file must say which); a repeat of an earlier row is a duplicate.
fn in_file_conflicts(verdicts: &mut [Verdict], found: &[Option<Found>]) {
    let mut by_order: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut by_number: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in found.iter().enumerate() {
        if let Some(f) = f {
            by_order.entry(f.order.id).or_default().push(i);
            by_number.entry(f.customs_no.as_str()).or_default().push(i);
        }
    }
    let of = |i: usize| found[i].as_ref().expect("grouped rows were found");
    let differ = |rows: &[usize], key: &dyn Fn(&Found) -> String| {
        rows.iter().any(|&i| key(of(i)) != key(of(rows[0])))
    };
    let mut conflicted = vec![false; verdicts.len()];
    let groups = by_order
        .values()
        .filter(|rows| differ(rows, &|f| f.customs_no.clone()))
        .map(|rows| (rows, "gives this order another customs number"))
        .chain(
            by_number
                .values()
                .filter(|rows| differ(rows, &|f| f.order.id.to_string()))
                .map(|rows| (rows, "gives this customs number to another order")),
        );
    for (rows, what) in groups {
        for &i in rows {
            let others: Vec<u32> = rows
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| verdicts[j].row_no)
                .collect();
            let v = &mut verdicts[i];
            if !conflicted[i] {
                v.other_rows.clear();
                v.reason = format!("row {} {what}", join_rows(&others));
            }
            conflicted[i] = true;
            v.status = Status::ConflictInFile;
            v.other_rows.extend(others);
            v.other_rows.sort();
            v.other_rows.dedup();
        }
    }
    for rows in by_order.values() {
        let Some((&first, rest)) = rows.split_first() else {
            continue;
        };
        let first_row = verdicts[first].row_no;
        for &i in rest.iter().filter(|&&i| !conflicted[i]) {
            let v = &mut verdicts[i];
            v.status = Status::Duplicate;
            v.other_rows = vec![first_row];
            v.reason = format!("the same order and number as row {first_row}");
        }
    }
}

fn join_rows(rows: &[u32]) -> String {
    rows.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
