//! Revealing a masked personal number. Lists show passport, ID and mobile numbers masked
//! (`E123****89`); the full value is shown only when the clerk asks for it, and each such
//! look writes an audit row (who, what, when; never the value) in the transaction that
//! reads the value.

use crate::audit::{self, Entity};
use crate::{now, Result, Store, StoreError};
use rusqlite::OptionalExtension;

/// The full passport number of an order (None when it has none).
pub fn order_passport(store: &mut Store, actor: &str, order_id: i64) -> Result<Option<String>> {
    let tx = store.conn.transaction()?;
    let passport: Option<String> = tx
        .query_row(
            "SELECT passport_no FROM export_orders WHERE id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(StoreError::OrderNotFound(order_id))?;
    if passport.is_some() {
        audit::record_reveal(
            &tx,
            &now(),
            actor,
            Some(order_id),
            Entity::Order,
            &order_id.to_string(),
            "passport_no",
        )?;
    }
    tx.commit()?;
    Ok(passport)
}

/// The full mobile number of a cached merchant order.
pub fn merchant_order_mobile(
    store: &mut Store,
    actor: &str,
    merchant_order_id: &str,
) -> Result<String> {
    let tx = store.conn.transaction()?;
    let mobile: String = tx
        .query_row(
            "SELECT mobile FROM merchant_orders WHERE id = ?1",
            [merchant_order_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::MerchantOrderNotFound(merchant_order_id.into()))?;
    audit::record_reveal(
        &tx,
        &now(),
        actor,
        None,
        Entity::MerchantOrder,
        merchant_order_id,
        "mobile",
    )?;
    tx.commit()?;
    Ok(mobile)
}

/// The settlement binding lives on the platform, not in this file: the caller fetched the
/// value and shows it; this records the look. `field` is `legal_rep_id_no` or `mobile`.
pub fn settlement_field(store: &mut Store, actor: &str, uscc: &str, field: &str) -> Result<()> {
    let tx = store.conn.transaction()?;
    audit::record_reveal(&tx, &now(), actor, None, Entity::Settlement, uscc, field)?;
    tx.commit()?;
    Ok(())
}
