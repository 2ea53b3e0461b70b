//! Export orders: the writes here (create and save drafts (暂存), delete drafts, confirm
//! (订单确认), attach the customs declaration number (报关单号补录)), the list query in
//! [`list`], the reads of one order in [`read`].
//!
//! Each write is one transaction: the change, its audit rows and its outbox rows commit
//! together or not at all.

mod list;
mod read;

pub use list::*;
pub use read::*;

use crate::audit::{self, Change, Entity};
use crate::order_book::Origin;
use crate::outbox::{self, kind};
use crate::{now, Result, Store, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use xinbao_domain::order::{
    confirm_problems, Action, LinkRef, MerchantOrderRef, OrderDraft, OrderLineDraft,
};
use xinbao_domain::{mask, validate, Cents, FieldError, OrderForm, OrderState};
use xinbao_wire::{
    LineDeletePayload, LinePayload, LineUpsertPayload, OrderConfirmPayload, OrderDeclarePayload,
};

/// A stored order's own row.
#[derive(Debug, Clone)]
pub(crate) struct OrderRow {
    pub id: i64,
    pub uuid: String,
    pub state: OrderState,
    pub draft: OrderDraft,
    pub customs_no: Option<String>,
    pub confirmed_at: Option<String>,
}

/// A stored line.
#[derive(Debug, Clone)]
pub(crate) struct LineRow {
    pub uuid: String,
    pub position: i64,
    pub line: OrderLineDraft,
}

pub(crate) fn load_order(tx: &rusqlite::Connection, id: i64) -> Result<OrderRow> {
    tx.query_row(
        "SELECT id, uuid, state, buyer_name, passport_no, country, total_cents, customs_no, confirmed_at
         FROM export_orders WHERE id = ?1",
        [id],
        |r| {
            let state: String = r.get(2)?;
            Ok(OrderRow {
                id: r.get(0)?,
                uuid: r.get(1)?,
                state: OrderState::parse(&state).unwrap_or(OrderState::Declared),
                draft: OrderDraft {
                    buyer_name: r.get(3)?,
                    passport_no: r.get(4)?,
                    country: r.get(5)?,
                    total_cents: r.get::<_, Option<i64>>(6)?.map(Cents),
                    lines: Vec::new(),
                },
                customs_no: r.get(7)?,
                confirmed_at: r.get(8)?,
            })
        },
    )
    .optional()?
    .ok_or(StoreError::OrderNotFound(id))
}

/// The lines of an order in position order; read by [`line_row`].
const LINES_SQL: &str =
    "SELECT id, uuid, position, procurement_no, merchant_name, mobile, order_month, product_name,
        quantity, packages, amount_cents, note
 FROM order_lines WHERE order_id = ?1 ORDER BY position, id";

pub(crate) fn line_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LineRow> {
    Ok(LineRow {
        uuid: r.get(1)?,
        position: r.get(2)?,
        line: OrderLineDraft {
            id: Some(r.get(0)?),
            procurement_no: r.get(3)?,
            merchant_name: r.get(4)?,
            mobile: r.get(5)?,
            order_month: r.get(6)?,
            product_name: r.get(7)?,
            quantity: r.get(8)?,
            packages: r.get(9)?,
            amount_cents: r.get::<_, Option<i64>>(10)?.map(Cents),
            note: r.get(11)?,
        },
    })
}

pub(crate) fn load_lines(tx: &rusqlite::Connection, order_id: i64) -> Result<Vec<LineRow>> {
    let mut stmt = tx.prepare_cached(LINES_SQL)?;
    let rows = stmt.query_map([order_id], line_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The merchant orders each line of an order is linked to.
pub(crate) fn load_links(
    tx: &rusqlite::Connection,
    order_id: i64,
) -> Result<HashMap<i64, Vec<MerchantOrderRef>>> {
    links_by_line(
        tx,
        "SELECT k.line_id, m.id, m.procurement_no, m.merchant_name, m.mobile
         FROM line_links k JOIN order_lines l ON l.id = k.line_id
         JOIN merchant_orders m ON m.id = k.merchant_order_id
         WHERE l.order_id = ?1 ORDER BY k.line_id, m.id",
        rusqlite::types::Value::Integer(order_id),
    )
}

/// The merchant orders linked to some lines (a page of them), by line.
pub(crate) fn links_of_lines(
    conn: &rusqlite::Connection,
    line_ids: &[i64],
) -> Result<HashMap<i64, Vec<MerchantOrderRef>>> {
    links_by_line(
        conn,
        "SELECT k.line_id, m.id, m.procurement_no, m.merchant_name, m.mobile
         FROM line_links k JOIN merchant_orders m ON m.id = k.merchant_order_id
         WHERE k.line_id IN (SELECT value FROM json_each(?1)) ORDER BY k.line_id, m.id",
        rusqlite::types::Value::Text(serde_json::to_string(line_ids).expect("serialisable")),
    )
}

/// Runs a query of (line id, merchant order) rows and groups them by line.
fn links_by_line(
    conn: &rusqlite::Connection,
    sql: &str,
    arg: rusqlite::types::Value,
) -> Result<HashMap<i64, Vec<MerchantOrderRef>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut map: HashMap<i64, Vec<MerchantOrderRef>> = HashMap::new();
    let rows = stmt.query_map([arg], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            MerchantOrderRef {
                id: r.get(1)?,
                procurement_no: r.get(2)?,
                merchant_name: r.get(3)?,
                mobile: r.get(4)?,
            },
        ))
    })?;
    for row in rows {
        let (line, mo) = row?;
        map.entry(line).or_default().push(mo);
    }
    Ok(map)
}

/// The ids of the merchant orders linked to one line.
pub(crate) fn link_ids(links: &HashMap<i64, Vec<MerchantOrderRef>>, line_id: i64) -> Vec<String> {
    links
        .get(&line_id)
        .map(|v| v.iter().map(|m| m.id.clone()).collect())
        .unwrap_or_default()
}

/// The order as the audit log shows it: personal numbers masked.
fn order_audit_json(state: OrderState, d: &OrderDraft, customs_no: Option<&str>) -> Value {
    json!({
        "state": state.as_str(),
        "buyer_name": d.buyer_name,
        "passport_no": d.passport_no.as_deref().map(mask::passport),
        "country": d.country,
        "total_cents": d.total_cents,
        "customs_no": customs_no,
    })
}

/// A line as the audit log shows it: the mobile number masked.
pub(crate) fn line_audit_json(position: i64, l: &OrderLineDraft) -> Value {
    json!({
        "position": position,
        "procurement_no": l.procurement_no,
        "merchant_name": l.merchant_name,
        "mobile": l.mobile.as_deref().map(mask::mobile),
        "order_month": l.order_month,
        "product_name": l.product_name,
        "quantity": l.quantity,
        "packages": l.packages,
        "amount_cents": l.amount_cents,
        "note": l.note,
    })
}

/// A line as the platform receives it (full values: the platform needs them), in the
/// contract's own type so the payload cannot drift from `api/openapi.yaml`.
pub(crate) fn line_payload(
    uuid: &str,
    position: i64,
    l: &OrderLineDraft,
    merchant_orders: &[String],
) -> LinePayload {
    LinePayload {
        line_uuid: uuid.to_string(),
        position,
        procurement_no: l.procurement_no.clone(),
        merchant_name: l.merchant_name.clone(),
        mobile: l.mobile.clone(),
        order_month: l.order_month.clone(),
        product_name: l.product_name.clone(),
        quantity: l.quantity,
        packages: l.packages,
        amount_cents: l.amount_cents.map(|c| c.0),
        note: l.note.clone(),
        merchant_orders: merchant_orders.to_vec(),
    }
}

/// The platform's revision of the order as this computer last saw it: every operation on
/// an existing order names it, so the platform can tell a stale edit.
/// The platform revision a change of this order is based on: the order's own for a
/// confirmed order, none for a draft (nothing of a draft is sent).
fn base_rev_of(tx: &rusqlite::Connection, order: &OrderRow) -> Result<Option<i64>> {
    if order.state == OrderState::Confirmed {
        remote_rev(tx, order.id)
    } else {
        Ok(None)
    }
}

/// The order changed at `at` (the list sorts by it, and shows it).
pub(crate) fn touch(tx: &rusqlite::Connection, order_id: i64, at: &str) -> Result<()> {
    tx.execute(
        "UPDATE export_orders SET updated_at = ?2 WHERE id = ?1",
        params![order_id, at],
    )?;
    Ok(())
}

pub(crate) fn remote_rev(tx: &rusqlite::Connection, order_id: i64) -> Result<Option<i64>> {
    Ok(tx
        .prepare_cached("SELECT remote_rev FROM order_sync WHERE order_id = ?1")?
        .query_row([order_id], |r| r.get(0))
        .optional()?
        .flatten())
}

fn same_buyer(a: &OrderDraft, b: &OrderDraft) -> bool {
    a.buyer_name == b.buyer_name
        && a.passport_no == b.passport_no
        && a.country == b.country
        && a.total_cents == b.total_cents
}

fn same_line_content(a: &OrderLineDraft, b: &OrderLineDraft) -> bool {
    let strip = |l: &OrderLineDraft| OrderLineDraft {
        id: None,
        ..l.clone()
    };
    strip(a) == strip(b)
}

pub(crate) fn insert_line(
    tx: &Transaction<'_>,
    at: &str,
    order_id: i64,
    position: i64,
    l: &OrderLineDraft,
) -> Result<(i64, String)> {
    insert_line_of(tx, at, order_id, position, l, None)
}

/// A new line's uuid: time-ordered (v7), so a million lines of an import go to the end of
/// the uuid index instead of into a million random places in it.
pub(crate) fn line_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// [`insert_line`], for a line an import adds: it carries its batch (the import's one
/// audit row names the file; see `imports::accept`).
pub(crate) fn insert_line_of(
    tx: &Transaction<'_>,
    at: &str,
    order_id: i64,
    position: i64,
    l: &OrderLineDraft,
    import_batch: Option<i64>,
) -> Result<(i64, String)> {
    let uuid = line_uuid();
    tx.prepare_cached(
        "INSERT INTO order_lines (uuid, order_id, position, procurement_no, merchant_name, mobile, order_month,
                                  product_name, quantity, packages, amount_cents, note, created_at, updated_at,
                                  import_batch_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
    )?
    .execute(params![
        uuid, order_id, position, l.procurement_no, l.merchant_name, l.mobile, l.order_month,
        l.product_name, l.quantity, l.packages, l.amount_cents.map(|c| c.0), l.note, at,
        import_batch
    ])?;
    Ok((tx.last_insert_rowid(), uuid))
}

/// Creates a draft from the form (暂存 of a new order). Incomplete is fine; invalid is not.
pub fn create_draft(store: &mut Store, actor: &str, form: &OrderForm) -> Result<i64> {
    let draft = form.parse().map_err(StoreError::Invalid)?;
    if let Some(id) = draft.lines.iter().find_map(|l| l.id) {
        return Err(StoreError::LineNotFound(id));
    }
    let tx = store.conn.transaction()?;
    let at = now();
    let uuid = uuid::Uuid::new_v4().to_string();
    tx.execute(
        "INSERT INTO export_orders (uuid, state, buyer_name, passport_no, country, total_cents, created_at, updated_at)
         VALUES (?1, 'draft', ?2, ?3, ?4, ?5, ?6, ?6)",
        params![uuid, draft.buyer_name, draft.passport_no, draft.country, draft.total_cents.map(|c| c.0), at],
    )?;
    let order_id = tx.last_insert_rowid();
    audit::record(
        &tx,
        &at,
        Change {
            actor,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "create",
            before: None,
            after: Some(order_audit_json(OrderState::Draft, &draft, None)),
        },
    )?;
    for (pos, line) in draft.lines.iter().enumerate() {
        let (line_id, _) = insert_line(&tx, &at, order_id, pos as i64, line)?;
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id,
                entity: Entity::Line,
                entity_id: line_id.to_string(),
                action: "create",
                before: None,
                after: Some(line_audit_json(pos as i64, line)),
            },
        )?;
    }
    tx.commit()?;
    Ok(order_id)
}

/// What [`save`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SaveOutcome {
    pub buyer_changed: bool,
    pub lines_added: usize,
    pub lines_updated: usize,
    pub lines_removed: usize,
}

/// Saves the whole form over a stored order. On a draft anything may change. On a
/// confirmed order the buyer fields must be unchanged and every line complete; each line
/// change is queued for the platform. A declared order refuses any change.
pub fn save(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    form: &OrderForm,
) -> Result<SaveOutcome> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    let stored_lines = load_lines(&tx, order_id)?;
    let form = unmasked(form, &order, &stored_lines);
    let draft = form.parse().map_err(StoreError::Invalid)?;
    let by_id: HashMap<i64, &LineRow> = stored_lines
        .iter()
        .map(|l| (l.line.id.unwrap_or_default(), l))
        .collect();
    for id in draft.lines.iter().filter_map(|l| l.id) {
        if !by_id.contains_key(&id) {
            return Err(StoreError::LineNotFound(id));
        }
    }

    let buyer_changed = !same_buyer(&order.draft, &draft);
    let kept: std::collections::HashSet<i64> = draft.lines.iter().filter_map(|l| l.id).collect();
    let lines_changed = draft.lines.len() != stored_lines.len()
        || draft.lines.iter().enumerate().any(|(pos, l)| {
            match l.id.and_then(|id| by_id.get(&id)) {
                Some(s) => s.position != pos as i64 || !same_line_content(&s.line, l),
                None => true,
            }
        });
    if buyer_changed {
        order.state.allows(Action::EditBuyer)?;
    }
    if lines_changed {
        order.state.allows(Action::EditLines)?;
    }
    let confirmed = order.state == OrderState::Confirmed;
    if confirmed && lines_changed {
        let problems: Vec<FieldError> = draft
            .lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.completeness_errors(i))
            .collect();
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
    }

    let at = now();
    let mut outcome = SaveOutcome {
        buyer_changed,
        ..Default::default()
    };
    if buyer_changed {
        write_buyer(&tx, &at, actor, &order, &draft)?;
    }
    let links = if confirmed {
        load_links(&tx, order_id)?
    } else {
        HashMap::new()
    };
    let base_rev = if confirmed {
        remote_rev(&tx, order_id)?
    } else {
        None
    };

    for stored in stored_lines
        .iter()
        .filter(|s| !kept.contains(&s.line.id.unwrap_or_default()))
    {
        delete_line_row(&tx, &at, actor, &order, stored, base_rev)?;
        outcome.lines_removed += 1;
    }
    for (pos, line) in draft.lines.iter().enumerate() {
        let pos = pos as i64;
        let (line_id, uuid, before) = match line.id.and_then(|id| by_id.get(&id)) {
            Some(s) if s.position == pos && same_line_content(&s.line, line) => continue,
            Some(s) => {
                let id = s.line.id.unwrap_or_default();
                update_line_row(&tx, &at, id, pos, line)?;
                outcome.lines_updated += 1;
                (
                    id,
                    s.uuid.clone(),
                    Some(line_audit_json(s.position, &s.line)),
                )
            }
            None => {
                let (id, uuid) = insert_line(&tx, &at, order_id, pos, line)?;
                outcome.lines_added += 1;
                (id, uuid, None)
            }
        };
        record_line_change(
            &tx,
            LineChange {
                at: &at,
                actor,
                order: &order,
                line_id,
                uuid: &uuid,
                position: pos,
                line,
                before,
                links: &links,
                base_rev,
            },
        )?;
    }
    if buyer_changed || lines_changed {
        touch(&tx, order_id, &at)?;
    }
    tx.commit()?;
    Ok(outcome)
}

/// The form with each masked number the clerk left as it was (the editor shows masks)
/// replaced by the stored number it masks: a mask is never stored, nor refused as invalid.
fn unmasked(form: &OrderForm, order: &OrderRow, lines: &[LineRow]) -> OrderForm {
    let mut form = form.clone();
    if let Some(stored) = &order.draft.passport_no {
        if mask::is_mask_of(form.passport_no.trim(), stored) {
            form.passport_no = stored.clone();
        }
    }
    for l in &mut form.lines {
        let stored =
            l.id.and_then(|id| lines.iter().find(|s| s.line.id == Some(id)))
                .and_then(|s| s.line.mobile.as_ref());
        if let Some(stored) = stored {
            if mask::is_mask_of(l.mobile.trim(), stored) {
                l.mobile = stored.clone();
            }
        }
    }
    form
}

/// The buyer's fields as saved, with their audit row (a buyer changes only on a draft:
/// nothing goes to the platform).
fn write_buyer(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    order: &OrderRow,
    draft: &OrderDraft,
) -> Result<()> {
    tx.execute(
        "UPDATE export_orders SET buyer_name = ?2, passport_no = ?3, country = ?4, total_cents = ?5 WHERE id = ?1",
        params![order.id, draft.buyer_name, draft.passport_no, draft.country, draft.total_cents.map(|c| c.0)],
    )?;
    audit::record(
        tx,
        at,
        Change {
            actor,
            order_id: order.id,
            entity: Entity::Order,
            entity_id: order.id.to_string(),
            action: "update",
            before: Some(order_audit_json(
                order.state,
                &order.draft,
                order.customs_no.as_deref(),
            )),
            after: Some(order_audit_json(
                order.state,
                draft,
                order.customs_no.as_deref(),
            )),
        },
    )?;
    Ok(())
}

/// Saves the buyer's fields alone, for an order too large to send whole (the window's
/// pages): the form's lines are not looked at. A masked passport left as it is keeps the
/// stored number. False when nothing changed.
pub fn save_buyer(store: &mut Store, actor: &str, order_id: i64, form: &OrderForm) -> Result<bool> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    let form = OrderForm {
        lines: Vec::new(),
        ..form.clone()
    };
    let draft = unmasked(&form, &order, &[])
        .parse()
        .map_err(StoreError::Invalid)?;
    if same_buyer(&order.draft, &draft) {
        return Ok(false);
    }
    order.state.allows(Action::EditBuyer)?;
    let at = now();
    write_buyer(&tx, &at, actor, &order, &draft)?;
    touch(&tx, order_id, &at)?;
    tx.commit()?;
    Ok(true)
}

/// Writes a stored line's new content and position.
fn update_line_row(
    tx: &Transaction<'_>,
    at: &str,
    id: i64,
    pos: i64,
    line: &OrderLineDraft,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE order_lines SET position = ?2, procurement_no = ?3, merchant_name = ?4, mobile = ?5,
                order_month = ?6, product_name = ?7, quantity = ?8, packages = ?9, amount_cents = ?10,
                note = ?11, updated_at = ?12 WHERE id = ?1",
    )?
    .execute(params![
        id, pos, line.procurement_no, line.merchant_name, line.mobile, line.order_month,
        line.product_name, line.quantity, line.packages, line.amount_cents.map(|c| c.0), line.note, at
    ])?;
    Ok(())
}

/// One stored line of the order, or `LineNotFound`.
fn stored_line(tx: &Transaction<'_>, order_id: i64, line_id: i64) -> Result<LineRow> {
    tx.prepare_cached(
        "SELECT id, uuid, position, procurement_no, merchant_name, mobile, order_month, product_name,
                quantity, packages, amount_cents, note
         FROM order_lines WHERE order_id = ?1 AND id = ?2",
    )?
    .query_row([order_id, line_id], line_row)
    .optional()?
    .ok_or(StoreError::LineNotFound(line_id))
}

/// The one path of a line removed by hand (the editor's save, the large order's page): the
/// row, its audit row, and when the order is confirmed its outbox row.
fn delete_line_row(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    order: &OrderRow,
    stored: &LineRow,
    base_rev: Option<i64>,
) -> Result<()> {
    let line_id = stored.line.id.unwrap_or_default();
    tx.execute("DELETE FROM order_lines WHERE id = ?1", [line_id])?;
    audit::record(
        tx,
        at,
        Change {
            actor,
            order_id: order.id,
            entity: Entity::Line,
            entity_id: line_id.to_string(),
            action: "delete",
            before: Some(line_audit_json(stored.position, &stored.line)),
            after: None,
        },
    )?;
    if order.state == OrderState::Confirmed {
        outbox::enqueue(
            tx,
            at,
            order.id,
            kind::LINE_DELETE,
            &LineDeletePayload {
                order_uuid: order.uuid.clone(),
                line_uuid: stored.uuid.clone(),
                base_rev,
            },
        )?;
    }
    Ok(())
}

/// A line created or changed by hand, as its audit and outbox rows need it.
struct LineChange<'a> {
    at: &'a str,
    actor: &'a str,
    order: &'a OrderRow,
    line_id: i64,
    uuid: &'a str,
    position: i64,
    line: &'a OrderLineDraft,
    /// The line as it was (masked for the audit); none for a new line.
    before: Option<Value>,
    links: &'a HashMap<i64, Vec<MerchantOrderRef>>,
    base_rev: Option<i64>,
}

/// The one path of a line changed by hand, for the editor's save and the large order's
/// line save alike: its audit row, and when the order is confirmed its outbox row.
fn record_line_change(tx: &Transaction<'_>, c: LineChange<'_>) -> Result<()> {
    let order_id = c.order.id;
    audit::record(
        tx,
        c.at,
        Change {
            actor: c.actor,
            order_id,
            entity: Entity::Line,
            entity_id: c.line_id.to_string(),
            action: if c.before.is_some() {
                "update"
            } else {
                "create"
            },
            before: c.before,
            after: Some(line_audit_json(c.position, c.line)),
        },
    )?;
    if c.order.state == OrderState::Confirmed {
        outbox::enqueue(
            tx,
            c.at,
            order_id,
            kind::LINE_UPSERT,
            &LineUpsertPayload {
                order_uuid: c.order.uuid.clone(),
                line: line_payload(c.uuid, c.position, c.line, &link_ids(c.links, c.line_id)),
                base_rev: c.base_rev,
            },
        )?;
    }
    Ok(())
}

/// Saves one line as typed, for an order too large to send whole (the window's pages):
/// validated by the domain like a save, a masked mobile left as it is keeps the stored
/// number, a confirmed order's line must stay complete; audited, and queued when the order
/// is confirmed. Nothing is written when nothing changed.
pub fn save_line(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    line_id: i64,
    form: &xinbao_domain::LineForm,
) -> Result<bool> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::EditLines)?;
    let stored = stored_line(&tx, order_id, line_id)?;
    let mut form = form.clone();
    form.id = Some(line_id);
    if let Some(mobile) = &stored.line.mobile {
        if mask::is_mask_of(form.mobile.trim(), mobile) {
            form.mobile = mobile.clone();
        }
    }
    let draft = OrderForm {
        lines: vec![form],
        ..Default::default()
    }
    .parse()
    .map_err(StoreError::Invalid)?;
    let line = &draft.lines[0];
    if order.state == OrderState::Confirmed {
        let problems = line.completeness_errors(0);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
    }
    if same_line_content(&stored.line, line) {
        return Ok(false);
    }
    let at = now();
    let (links, base_rev) = if order.state == OrderState::Confirmed {
        (links_of_lines(&tx, &[line_id])?, remote_rev(&tx, order_id)?)
    } else {
        (HashMap::new(), None)
    };
    update_line_row(&tx, &at, line_id, stored.position, line)?;
    record_line_change(
        &tx,
        LineChange {
            at: &at,
            actor,
            order: &order,
            line_id,
            uuid: &stored.uuid,
            position: stored.position,
            line,
            before: Some(line_audit_json(stored.position, &stored.line)),
            links: &links,
            base_rev,
        },
    )?;
    touch(&tx, order_id, &at)?;
    tx.commit()?;
    Ok(true)
}

/// Adds one line as typed at the end of the order, for an order too large to send whole
/// (the window's pages): validated like a save; an empty line is refused with the fields
/// it needs, and a confirmed order's line must be complete. Audited, and queued when the
/// order is confirmed. Returns the new line's id.
pub fn add_line(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    form: &xinbao_domain::LineForm,
) -> Result<i64> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::EditLines)?;
    let mut form = form.clone();
    form.id = None;
    let draft = OrderForm {
        lines: vec![form],
        ..Default::default()
    }
    .parse()
    .map_err(StoreError::Invalid)?;
    let Some(line) = draft.lines.first() else {
        // The domain drops a blank line from a form: here it is said, field by field.
        return Err(StoreError::Invalid(
            OrderLineDraft::default().completeness_errors(0),
        ));
    };
    if order.state == OrderState::Confirmed {
        let problems = line.completeness_errors(0);
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
    }
    let position: i64 = tx.query_row(
        "SELECT coalesce(max(position) + 1, 0) FROM order_lines WHERE order_id = ?1",
        [order_id],
        |r| r.get(0),
    )?;
    let at = now();
    let base_rev = base_rev_of(&tx, &order)?;
    let (line_id, uuid) = insert_line(&tx, &at, order_id, position, line)?;
    record_line_change(
        &tx,
        LineChange {
            at: &at,
            actor,
            order: &order,
            line_id,
            uuid: &uuid,
            position,
            line,
            before: None,
            links: &HashMap::new(),
            base_rev,
        },
    )?;
    touch(&tx, order_id, &at)?;
    tx.commit()?;
    Ok(line_id)
}

/// Removes one line, for an order too large to send whole (the window's pages): audited,
/// and queued when the order is confirmed; its links go with it.
pub fn remove_line(store: &mut Store, actor: &str, order_id: i64, line_id: i64) -> Result<()> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::EditLines)?;
    let stored = stored_line(&tx, order_id, line_id)?;
    let at = now();
    let base_rev = base_rev_of(&tx, &order)?;
    delete_line_row(&tx, &at, actor, &order, &stored, base_rev)?;
    touch(&tx, order_id, &at)?;
    tx.commit()?;
    Ok(())
}

/// Deletes a draft with its lines and links. Confirmed and declared orders are never deleted.
pub fn delete_draft(store: &mut Store, actor: &str, order_id: i64) -> Result<()> {
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::Delete)?;
    let lines = load_lines(&tx, order_id)?;
    let mut before = order_audit_json(order.state, &order.draft, None);
    before["lines"] = Value::Array(
        lines
            .iter()
            .map(|l| line_audit_json(l.position, &l.line))
            .collect(),
    );
    tx.execute("DELETE FROM export_orders WHERE id = ?1", [order_id])?;
    audit::record(
        &tx,
        &now(),
        Change {
            actor,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "delete",
            before: Some(before),
            after: None,
        },
    )?;
    tx.commit()?;
    Ok(())
}

/// 订单确认: checks every precondition (reported field by field), freezes the buyer fields
/// and queues the whole order (buyer, lines, links) for the platform.
pub fn confirm(store: &mut Store, actor: &str, order_id: i64) -> Result<()> {
    let tx = store.conn.transaction()?;
    let (order, lines, links) = confirmable(&tx, order_id)?;
    let at = now();
    tx.execute(
        "UPDATE export_orders SET state = 'confirmed', confirmed_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![order_id, at],
    )?;
    audit::record(
        &tx,
        &at,
        Change {
            actor,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "confirm",
            before: Some(order_audit_json(OrderState::Draft, &order.draft, None)),
            after: Some(order_audit_json(OrderState::Confirmed, &order.draft, None)),
        },
    )?;
    let payload = confirm_payload(&order, &lines, &links, &at, None);
    outbox::enqueue(&tx, &at, order_id, kind::ORDER_CONFIRM, &payload)?;
    tx.commit()?;
    Ok(())
}

/// The merchant orders linked to each line, by line id.
pub(crate) type LinksByLine = HashMap<i64, Vec<MerchantOrderRef>>;

/// Whether the order may be confirmed now, without confirming it: the window checks first
/// and asks the clerk only then. `ConfirmBlocked` lists every problem, as confirm would.
pub fn confirm_check(store: &mut Store, order_id: i64) -> Result<()> {
    let tx = store.conn.transaction()?;
    confirmable(&tx, order_id).map(|_| ())
}

/// The order with its lines and links when the order allows a confirmation and nothing
/// keeps it from one; else the refusal (`ConfirmBlocked` with every problem).
fn confirmable(
    tx: &Transaction<'_>,
    order_id: i64,
) -> Result<(OrderRow, Vec<LineRow>, LinksByLine)> {
    let mut order = load_order(tx, order_id)?;
    order.state.allows(Action::Confirm)?;
    let lines = load_lines(tx, order_id)?;
    let links = load_links(tx, order_id)?;
    order.draft.lines = lines.iter().map(|l| l.line.clone()).collect();
    let link_refs: Vec<LinkRef<'_>> = order
        .draft
        .lines
        .iter()
        .map(|l| LinkRef {
            line: l,
            merchant_orders: links
                .get(&l.id.unwrap_or_default())
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
        })
        .collect();
    let problems = confirm_problems(&order.draft, &link_refs);
    if !problems.is_empty() {
        return Err(StoreError::ConfirmBlocked(problems));
    }
    Ok((order, lines, links))
}

/// The whole order as `order.confirm` carries it (also when it is sent again after the
/// platform lost it: then with `restore`).
pub(crate) fn confirm_payload(
    order: &OrderRow,
    lines: &[LineRow],
    links: &HashMap<i64, Vec<MerchantOrderRef>>,
    confirmed_at: &str,
    restore: Option<xinbao_wire::OrderRestore>,
) -> OrderConfirmPayload {
    OrderConfirmPayload {
        order_uuid: order.uuid.clone(),
        buyer_name: order.draft.buyer_name.clone().unwrap_or_default(),
        passport_no: order.draft.passport_no.clone().unwrap_or_default(),
        country: order.draft.country.clone().unwrap_or_default(),
        total_cents: order.draft.total_cents.map(|c| c.0).unwrap_or_default(),
        confirmed_at: confirmed_at.to_string(),
        lines: lines
            .iter()
            .map(|l| {
                line_payload(
                    &l.uuid,
                    l.position,
                    &l.line,
                    &link_ids(links, l.line.id.unwrap_or_default()),
                )
            })
            .collect(),
        restore,
    }
}

/// 报关单号补录: validates the number (export declarations only, one order per number),
/// then the order is declared and frozen for good.
pub fn attach_customs_no(
    store: &mut Store,
    actor: &str,
    order_id: i64,
    input: &str,
) -> Result<String> {
    let customs_no =
        validate::customs_no(input).map_err(|e| StoreError::Invalid(vec![e.at("customs_no")]))?;
    let tx = store.conn.transaction()?;
    let order = load_order(&tx, order_id)?;
    order.state.allows(Action::AttachCustoms)?;
    let taken: Option<i64> = tx
        .query_row(
            "SELECT id FROM export_orders WHERE customs_no = ?1 AND id <> ?2",
            params![customs_no, order_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = taken {
        return Err(StoreError::CustomsNoTaken {
            customs_no,
            order: other,
        });
    }
    declare_in(&tx, actor, &order, &customs_no, &now())?;
    tx.commit()?;
    Ok(customs_no)
}

/// Declares `order` (allowed to be, its number checked and free) with `customs_no` inside
/// `tx`: the state, its audit row and the declaration queued for the platform. One order by
/// hand and a whole file of them take this same step.
pub(crate) fn declare_in(
    tx: &rusqlite::Transaction,
    actor: &str,
    order: &OrderRow,
    customs_no: &str,
    at: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE export_orders SET state = 'declared', customs_no = ?2, declared_at = ?3, updated_at = ?3 WHERE id = ?1",
        params![order.id, customs_no, at],
    )?;
    audit::record(
        tx,
        at,
        Change {
            actor,
            order_id: order.id,
            entity: Entity::Order,
            entity_id: order.id.to_string(),
            action: "declare",
            before: Some(order_audit_json(order.state, &order.draft, None)),
            after: Some(order_audit_json(
                OrderState::Declared,
                &order.draft,
                Some(customs_no),
            )),
        },
    )?;
    outbox::enqueue(
        tx,
        at,
        order.id,
        kind::ORDER_DECLARE,
        &OrderDeclarePayload {
            order_uuid: order.uuid.clone(),
            customs_no: customs_no.to_string(),
            declared_at: at.to_string(),
            base_rev: remote_rev(tx, order.id)?,
        },
    )?;
    Ok(())
}
