//! What the platform sends back, cached locally so the app works offline: the merchant
//! directory (line auto-fill) and settlement authorizations (the company's orders are kept by
//! [`crate::order_book`]). Merchant orders are cached by [`crate::links::upsert_merchant_orders`].
//! A cache refresh is not a change to an order: no audit, no outbox.

use crate::{now, Result, Store};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use xinbao_domain::OrderLineDraft;

/// A merchant of the directory (商户).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    pub procurement_no: String,
    pub name: String,
    pub mobile: String,
}

pub fn upsert_merchants(store: &mut Store, merchants: &[Merchant]) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let at = now();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO merchants (procurement_no, name, mobile, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (procurement_no) DO UPDATE SET name = excluded.name, mobile = excluded.mobile,
                 updated_at = excluded.updated_at",
        )?;
        for m in merchants {
            stmt.execute(params![m.procurement_no, m.name, m.mobile, at])?;
        }
    }
    tx.commit()?;
    Ok(merchants.len())
}

/// The merchant with this procurement number (any case), for filling a line's name and
/// mobile.
pub fn merchant(store: &Store, procurement_no: &str) -> Result<Option<Merchant>> {
    merchant_on(&store.conn, procurement_no)
}

fn merchant_on(conn: &rusqlite::Connection, procurement_no: &str) -> Result<Option<Merchant>> {
    Ok(conn
        .query_row(
            "SELECT procurement_no, name, mobile FROM merchants WHERE procurement_no = ?1",
            [procurement_no.trim().to_ascii_uppercase()],
            |r| {
                Ok(Merchant {
                    procurement_no: r.get(0)?,
                    name: r.get(1)?,
                    mobile: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The directory's merchant when a line names its procurement number with another
/// merchant's name or mobile (a typo, or a number copied from the wrong row): the line is
/// not refused (the directory may be out of date), the clerk is warned on the cell.
pub fn other_merchant(store: &Store, line: &OrderLineDraft) -> Result<Option<Merchant>> {
    other_merchant_on(&store.conn, line)
}

pub(crate) fn other_merchant_on(
    conn: &rusqlite::Connection,
    line: &OrderLineDraft,
) -> Result<Option<Merchant>> {
    let Some(no) = line.procurement_no.as_deref() else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT procurement_no, name, mobile FROM merchants m WHERE {}",
            other_merchant_sql("?1", "?2", "?3")
        ))?
        .query_row((no, &line.merchant_name, &line.mobile), |r| {
            Ok(Merchant {
                procurement_no: r.get(0)?,
                name: r.get(1)?,
                mobile: r.get(2)?,
            })
        })
        .optional()?)
}

/// The rule of [`other_merchant`] once, as SQL over a line's procurement number, name and
/// mobile (parameters, or the columns of staged rows): the directory's merchant `m` under
/// that number has another name or mobile than the line gives.
pub(crate) fn other_merchant_sql(no: &str, name: &str, mobile: &str) -> String {
    format!(
        "m.procurement_no = upper(trim({no})) \
         AND (({name}) IS NOT NULL AND ({name}) <> m.name \
              OR ({mobile}) IS NOT NULL AND ({mobile}) <> m.mobile)"
    )
}

pub fn merchant_count(store: &Store) -> Result<i64> {
    Ok(store
        .conn
        .query_row("SELECT count(*) FROM merchants", [], |r| r.get(0))?)
}

/// 交易清单结汇金额授权 (manual §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementAuthorization {
    pub id: String,
    pub merchant_order_id: String,
    pub merchant_name: String,
    pub procurement_no: Option<String>,
    pub amount_cents: i64,
    pub locked_at: String,
}

pub fn upsert_authorizations(
    store: &mut Store,
    items: &[SettlementAuthorization],
) -> Result<usize> {
    let tx = store.conn.transaction()?;
    let at = now();
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO settlement_authorizations (id, merchant_order_id, merchant_name, procurement_no,
                                                   amount_cents, locked_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET merchant_order_id = excluded.merchant_order_id,
                 merchant_name = excluded.merchant_name, procurement_no = excluded.procurement_no,
                 amount_cents = excluded.amount_cents, locked_at = excluded.locked_at, updated_at = excluded.updated_at",
        )?;
        for a in items {
            stmt.execute(params![
                a.id,
                a.merchant_order_id,
                a.merchant_name,
                a.procurement_no,
                a.amount_cents,
                a.locked_at,
                at
            ])?;
        }
    }
    tx.commit()?;
    Ok(items.len())
}

/// Every cached authorization, newest first.
pub fn authorizations(store: &Store) -> Result<Vec<SettlementAuthorization>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT id, merchant_order_id, merchant_name, procurement_no, amount_cents, locked_at
         FROM settlement_authorizations ORDER BY locked_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SettlementAuthorization {
            id: r.get(0)?,
            merchant_order_id: r.get(1)?,
            merchant_name: r.get(2)?,
            procurement_no: r.get(3)?,
            amount_cents: r.get(4)?,
            locked_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// What the platform's feeds carry, as cached here.

impl From<xinbao_wire::Merchant> for Merchant {
    fn from(m: xinbao_wire::Merchant) -> Merchant {
        Merchant {
            procurement_no: m.procurement_no,
            name: m.name,
            mobile: m.mobile,
        }
    }
}

impl From<xinbao_wire::SettlementAuthorization> for SettlementAuthorization {
    fn from(a: xinbao_wire::SettlementAuthorization) -> SettlementAuthorization {
        SettlementAuthorization {
            id: a.id,
            merchant_order_id: a.merchant_order_id,
            merchant_name: a.merchant_name,
            procurement_no: a.procurement_no,
            amount_cents: a.amount_cents,
            locked_at: a.locked_at,
        }
    }
}

/// Forgets what the platform sent about one company (merchant orders, settlement
/// authorizations) and the unsaved form of a new order typed for it, in one
/// transaction, when another company starts using a profile without orders. The merchant
/// directory is the market's, not the company's: it stays.
pub fn forget_company(store: &mut Store) -> Result<()> {
    let tx = store.conn.transaction()?;
    tx.execute_batch(
        "DELETE FROM merchant_orders;
         DELETE FROM settlement_authorizations;
         DELETE FROM unsaved_edits;",
    )?;
    tx.commit()?;
    Ok(())
}
