//! What a platform administrator does outside the API: the registry, merchants, merchant
//! orders and settlement authorizations, and the real-name review. Used by
//! `xinbao-platform admin ...` and by the demo seed.

use crate::db::{next_rev, now_ms};
use crate::error::ApiErr;
use axum::http::StatusCode;
use rusqlite::{params, Connection, OptionalExtension};
use xinbao_domain::{money, validate};

pub fn add_registry(
    conn: &Connection,
    uscc: &str,
    name: &str,
    rep: &str,
    rep_id: &str,
) -> Result<(), ApiErr> {
    let uscc = validate::uscc(uscc).map_err(|e| ApiErr::invalid("uscc", e))?;
    let rep_id = validate::resident_id(rep_id, crate::db::today())
        .map_err(|e| ApiErr::invalid("legal_rep_id_no", e))?;
    conn.execute(
        "INSERT OR REPLACE INTO registry (uscc, company_name, legal_rep_name, legal_rep_id_no) VALUES (?1, ?2, ?3, ?4)",
        params![uscc, name.trim(), rep.trim(), rep_id],
    )?;
    Ok(())
}

pub fn add_merchant(
    conn: &mut Connection,
    procurement_no: &str,
    name: &str,
    mobile: &str,
) -> Result<(), ApiErr> {
    let mobile = validate::mobile(mobile).map_err(|e| ApiErr::invalid("mobile", e))?;
    let tx = conn.transaction()?;
    let rev = next_rev(&tx)?;
    tx.execute(
        "INSERT INTO merchants (procurement_no, name, mobile, rev, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (procurement_no) DO UPDATE SET name = excluded.name, mobile = excluded.mobile,
             rev = excluded.rev, updated_at = excluded.updated_at",
        params![procurement_no.trim(), name.trim(), mobile, rev, now_ms()],
    )?;
    tx.commit()?;
    Ok(())
}

/// A merchant order of a known merchant, sent to the company with `company_uscc`.
pub struct NewMerchantOrder<'a> {
    pub id: Option<&'a str>,
    pub company_uscc: &'a str,
    pub procurement_no: &'a str,
    pub month: &'a str,
    pub amount: &'a str,
    pub buyer_name: Option<&'a str>,
    pub product_name: Option<&'a str>,
    pub quantity: Option<i64>,
    pub packages: Option<i64>,
}

pub fn add_merchant_order(
    conn: &mut Connection,
    o: &NewMerchantOrder<'_>,
) -> Result<String, ApiErr> {
    let tx = conn.transaction()?;
    let company: i64 = company_id(&tx, o.company_uscc)?;
    let id = insert_merchant_order(&tx, company, o)?;
    tx.commit()?;
    Ok(id)
}

/// One merchant order into the open transaction; the field named on a bad value.
fn insert_merchant_order(
    tx: &rusqlite::Transaction<'_>,
    company: i64,
    o: &NewMerchantOrder<'_>,
) -> Result<String, ApiErr> {
    let month = validate::month(o.month)
        .map_err(|e| ApiErr::invalid("month", e))?
        .to_string();
    let amount = money::parse(o.amount).map_err(|e| ApiErr::invalid("amount", e))?;
    let merchant: Option<(String, String)> = tx
        .prepare_cached("SELECT name, mobile FROM merchants WHERE procurement_no = ?1")?
        .query_row([o.procurement_no], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((name, mobile)) = merchant else {
        return Err(ApiErr::new(
            StatusCode::NOT_FOUND,
            "merchant.unknown",
            format!("no merchant {}", o.procurement_no),
        ));
    };
    let rev = next_rev(tx)?;
    let id = match o.id {
        Some(id) => id.to_string(),
        None => format!("MO-{rev:08}"),
    };
    let now = now_ms();
    tx.prepare_cached(
        "INSERT INTO merchant_orders (id, company_id, procurement_no, merchant_name, mobile, order_month, buyer_name,
                                      product_name, quantity, packages, amount_cents, sent_at, rev, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12)",
    )?
    .execute(params![id, company, o.procurement_no, name, mobile, month, o.buyer_name, o.product_name, o.quantity, o.packages, amount.0, now, rev])?;
    Ok(id)
}

/// The columns of `add-merchant-orders`' CSV file: the first three required.
pub const MERCHANT_ORDER_COLUMNS: [&str; 8] = [
    "procurement_no",
    "month",
    "amount",
    "id",
    "buyer_name",
    "product_name",
    "quantity",
    "packages",
];

/// Many merchant orders sent to one company, from a CSV file with a header row of
/// [`MERCHANT_ORDER_COLUMNS`] (any order, the last five optional): all in one transaction,
/// or none, the error naming the file's row and column.
pub fn add_merchant_orders(
    conn: &mut Connection,
    company_uscc: &str,
    file: impl std::io::Read,
) -> Result<usize, ApiErr> {
    let bad = |row: usize, column: &str, why: String| {
        ApiErr::unprocessable(
            "merchant_orders.file",
            format!("row {row}, column {column}: {why}"),
        )
        .field(column)
    };
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, "-", e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    for h in &header {
        if !MERCHANT_ORDER_COLUMNS.contains(&h.as_str()) {
            return Err(bad(
                1,
                h,
                format!(
                    "not a column; the columns are {}",
                    MERCHANT_ORDER_COLUMNS.join(", ")
                ),
            ));
        }
    }
    for required in &MERCHANT_ORDER_COLUMNS[..3] {
        if at(required).is_none() {
            return Err(bad(1, required, "the header row lacks this column".into()));
        }
    }
    let tx = conn.transaction()?;
    let company: i64 = company_id(&tx, company_uscc)?;
    let mut n = 0;
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| bad(row, "-", e.to_string()))?;
        let text = |name: &str| {
            at(name)
                .and_then(|k| record.get(k))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let int = |name: &str| -> Result<Option<i64>, ApiErr> {
            text(name)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| bad(row, name, format!("'{v}' is not a whole number")))
                })
                .transpose()
        };
        let required = |name: &str| text(name).ok_or_else(|| bad(row, name, "empty".into()));
        let order = NewMerchantOrder {
            id: text("id"),
            company_uscc,
            procurement_no: required("procurement_no")?,
            month: required("month")?,
            amount: required("amount")?,
            buyer_name: text("buyer_name"),
            product_name: text("product_name"),
            quantity: int("quantity")?,
            packages: int("packages")?,
        };
        insert_merchant_order(&tx, company, &order).map_err(|e| {
            let column = e.body.field.clone().unwrap_or_else(|| "-".into());
            bad(row, &column, e.body.message)
        })?;
        n += 1;
    }
    tx.commit()?;
    Ok(n)
}

pub fn add_authorization(
    conn: &mut Connection,
    company_uscc: &str,
    merchant_order_id: &str,
    amount: &str,
) -> Result<String, ApiErr> {
    let amount = money::parse(amount).map_err(|e| ApiErr::invalid("amount", e))?;
    let tx = conn.transaction()?;
    let company = company_id(&tx, company_uscc)?;
    let rev = next_rev(&tx)?;
    let id = format!("SA-{rev:08}");
    tx.execute(
        "INSERT INTO settlement_authorizations (id, company_id, merchant_order_id, amount_cents, locked_at, rev, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        params![id, company, merchant_order_id, amount.0, now_ms(), rev],
    )?;
    tx.commit()?;
    Ok(id)
}

pub fn company_id(conn: &Connection, uscc: &str) -> Result<i64, ApiErr> {
    conn.query_row(
        "SELECT id FROM companies WHERE uscc = ?1",
        [uscc.trim().to_ascii_uppercase()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        ApiErr::new(
            StatusCode::NOT_FOUND,
            "company.unknown",
            format!("no activated company {uscc}"),
        )
    })
}
