//! Operations on export orders: create and save drafts (暂存), delete drafts, confirm
//! (订单确认), attach the customs declaration number (报关单号补录), list and read.
//!
//! Each operation is one transaction: the change, its audit rows and its outbox rows
//! commit together or not at all.

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
    let mut stmt = tx.prepare_cached(
        "SELECT k.line_id, m.id, m.procurement_no, m.merchant_name, m.mobile
         FROM line_links k JOIN order_lines l ON l.id = k.line_id
         JOIN merchant_orders m ON m.id = k.merchant_order_id
         WHERE l.order_id = ?1 ORDER BY k.line_id, m.id",
    )?;
    let mut map: HashMap<i64, Vec<MerchantOrderRef>> = HashMap::new();
    let rows = stmt.query_map([order_id], |r| {
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

/// The merchant orders linked to some lines (a page of them), by line.
pub(crate) fn links_of_lines(
    conn: &rusqlite::Connection,
    line_ids: &[i64],
) -> Result<HashMap<i64, Vec<MerchantOrderRef>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.line_id, m.id, m.procurement_no, m.merchant_name, m.mobile
         FROM line_links k JOIN merchant_orders m ON m.id = k.merchant_order_id
         WHERE k.line_id IN (SELECT value FROM json_each(?1)) ORDER BY k.line_id, m.id",
    )?;
    let ids = serde_json::to_string(line_ids).expect("serialisable");
    let mut map: HashMap<i64, Vec<MerchantOrderRef>> = HashMap::new();
    let rows = stmt.query_map([ids], |r| {
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
    let uuid = uuid::Uuid::new_v4().to_string();
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
        tx.execute(
            "UPDATE export_orders SET buyer_name = ?2, passport_no = ?3, country = ?4, total_cents = ?5 WHERE id = ?1",
            params![order_id, draft.buyer_name, draft.passport_no, draft.country, draft.total_cents.map(|c| c.0)],
        )?;
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id,
                entity: Entity::Order,
                entity_id: order_id.to_string(),
                action: "update",
                before: Some(order_audit_json(
                    order.state,
                    &order.draft,
                    order.customs_no.as_deref(),
                )),
                after: Some(order_audit_json(
                    order.state,
                    &draft,
                    order.customs_no.as_deref(),
                )),
            },
        )?;
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
        let line_id = stored.line.id.unwrap_or_default();
        tx.execute("DELETE FROM order_lines WHERE id = ?1", [line_id])?;
        outcome.lines_removed += 1;
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id,
                entity: Entity::Line,
                entity_id: line_id.to_string(),
                action: "delete",
                before: Some(line_audit_json(stored.position, &stored.line)),
                after: None,
            },
        )?;
        if confirmed {
            outbox::enqueue(
                &tx,
                &at,
                order_id,
                kind::LINE_DELETE,
                &LineDeletePayload {
                    order_uuid: order.uuid.clone(),
                    line_uuid: stored.uuid.clone(),
                    base_rev,
                },
            )?;
        }
    }
    for (pos, line) in draft.lines.iter().enumerate() {
        let pos = pos as i64;
        let (line_id, uuid, before) = match line.id.and_then(|id| by_id.get(&id)) {
            Some(s) if s.position == pos && same_line_content(&s.line, line) => continue,
            Some(s) => {
                let id = s.line.id.unwrap_or_default();
                tx.prepare_cached(
                    "UPDATE order_lines SET position = ?2, procurement_no = ?3, merchant_name = ?4, mobile = ?5,
                            order_month = ?6, product_name = ?7, quantity = ?8, packages = ?9, amount_cents = ?10,
                            note = ?11, updated_at = ?12 WHERE id = ?1",
                )?
                .execute(params![
                    id, pos, line.procurement_no, line.merchant_name, line.mobile, line.order_month,
                    line.product_name, line.quantity, line.packages, line.amount_cents.map(|c| c.0), line.note, at
                ])?;
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
        audit::record(
            &tx,
            &at,
            Change {
                actor,
                order_id,
                entity: Entity::Line,
                entity_id: line_id.to_string(),
                action: if before.is_some() { "update" } else { "create" },
                before,
                after: Some(line_audit_json(pos, line)),
            },
        )?;
        if confirmed {
            outbox::enqueue(
                &tx,
                &at,
                order_id,
                kind::LINE_UPSERT,
                &LineUpsertPayload {
                    order_uuid: order.uuid.clone(),
                    line: line_payload(&uuid, pos, line, &link_ids(&links, line_id)),
                    base_rev,
                },
            )?;
        }
    }
    if buyer_changed || lines_changed {
        tx.execute(
            "UPDATE export_orders SET updated_at = ?2 WHERE id = ?1",
            params![order_id, at],
        )?;
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
    let mut order = load_order(&tx, order_id)?;
    order.state.allows(Action::Confirm)?;
    let lines = load_lines(&tx, order_id)?;
    let links = load_links(&tx, order_id)?;
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
    let at = now();
    tx.execute(
        "UPDATE export_orders SET state = 'declared', customs_no = ?2, declared_at = ?3, updated_at = ?3 WHERE id = ?1",
        params![order_id, customs_no, at],
    )?;
    audit::record(
        &tx,
        &at,
        Change {
            actor,
            order_id,
            entity: Entity::Order,
            entity_id: order_id.to_string(),
            action: "declare",
            before: Some(order_audit_json(order.state, &order.draft, None)),
            after: Some(order_audit_json(
                OrderState::Declared,
                &order.draft,
                Some(&customs_no),
            )),
        },
    )?;
    outbox::enqueue(
        &tx,
        &at,
        order_id,
        kind::ORDER_DECLARE,
        &OrderDeclarePayload {
            order_uuid: order.uuid.clone(),
            customs_no: customs_no.clone(),
            declared_at: at.clone(),
            base_rev: remote_rev(&tx, order_id)?,
        },
    )?;
    tx.commit()?;
    Ok(customs_no)
}

/// Filters, search and paging of the order list. Every filter is optional; together they
/// narrow the list (AND).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    pub state: Option<OrderState>,
    pub sync_state: Option<SyncState>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    /// Created at or after this UTC instant (the UI sends the start of a local month).
    pub created_from: Option<String>,
    /// Created before this UTC instant.
    pub created_to: Option<String>,
    /// Part of the buyer's name or customs number, a whole passport number or its first six
    /// characters or more, or part of a merchant's name or procurement number on any line.
    /// Case does not matter for Latin letters.
    pub search: Option<String>,
    /// The column the list is sorted by; by default the last change, newest first.
    pub sort: Option<ListSort>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A column of the order list to sort by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSort {
    pub by: SortColumn,
    #[serde(default)]
    pub descending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    UpdatedAt,
    CreatedAt,
    /// In the order's life: draft, confirmed, declared.
    State,
    BuyerName,
    Country,
    TotalAmount,
}

impl SortColumn {
    /// The key's SQL (each has an index, V9): ties go by id, the same way.
    fn sql(self) -> &'static str {
        match self {
            SortColumn::UpdatedAt => "o.updated_at",
            SortColumn::CreatedAt => "o.created_at",
            SortColumn::State => {
                "(CASE o.state WHEN 'draft' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END)"
            }
            SortColumn::BuyerName => "o.buyer_name",
            SortColumn::Country => "o.country",
            SortColumn::TotalAmount => "o.total_cents",
        }
    }
}

/// Where an order stands with the platform, as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// A draft: nothing of it is sent before confirmation.
    Local,
    /// Something of it waits in the outbox.
    Pending,
    /// Everything of it was acknowledged.
    Synced,
    /// The platform refused one of its operations (the reason is on the row).
    Rejected,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Local => "local",
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Rejected => "rejected",
        }
    }
}

/// One row of the order list: personal numbers masked.
#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub id: i64,
    pub uuid: String,
    pub state: OrderState,
    pub buyer_name: Option<String>,
    pub passport_masked: Option<String>,
    pub country: Option<String>,
    pub total_cents: Option<i64>,
    pub line_count: i64,
    pub linked_line_count: i64,
    pub lines_total_cents: i64,
    pub customs_no: Option<String>,
    pub sync_state: SyncState,
    pub rejection: Option<String>,
    /// The platform's words for the latest refusal of an operation of this order.
    pub rejection_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// What the order's state allows (the domain's rule; the screens enable exactly these).
    pub actions: Vec<Action>,
    pub origin: Origin,
    /// Who changed it last on the platform, when it came from there.
    pub changed_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderPage {
    pub total: i64,
    pub orders: Vec<OrderSummary>,
}

/// How many orders the profile holds, drafts included.
pub fn count(store: &Store) -> Result<i64> {
    Ok(store
        .conn
        .query_row("SELECT count(*) FROM export_orders", [], |r| r.get(0))?)
}

/// A LIKE pattern matching `term` anywhere, with LIKE's own wildcards taken literally.
pub(crate) fn like_anywhere(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A list query as SQL: the WHERE clause over `o` (export_orders), and, when one filter
/// narrows the list to few orders, the set of their ids to start from (`cand`): the query
/// then reads those rows and sorts them, instead of walking every order in date order and
/// testing each. Parameters are numbered `?1`, `?2`, … across both.
struct ListSql {
    candidates: Option<String>,
    filter: String,
    args: Vec<rusqlite::types::Value>,
}

/// Terms shorter than this cannot use the trigram index.
const TRIGRAM: usize = 3;

/// The shortest part of a passport number the list searches by: its beginning.
pub const PASSPORT_PREFIX: usize = 6;

/// A search term as passport numbers are stored: no spaces, Latin letters upper case.
fn passport_term(term: &str) -> String {
    term.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn list_sql(q: &ListQuery) -> ListSql {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut bind = |v: String| {
        args.push(rusqlite::types::Value::Text(v));
        format!("?{}", args.len())
    };
    fn text(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    // Rejected and unacknowledged operations are few: each set is read once from a small
    // (partial) index.
    const REJECTED: &str = "SELECT order_id FROM outbox WHERE verdict = 'rejected'";
    const UNACKED: &str = "SELECT order_id FROM outbox WHERE acked_at IS NULL";
    let mut candidates = None;
    if let Some(term) = text(&q.search) {
        let like = bind(like_anywhere(term));
        // The merchant side: the few names and numbers that match, then their orders, each
        // pair checked against the order's lines (a line may have changed merchant since).
        let merchants = format!(
            "SELECT om.order_id FROM order_merchants om
             WHERE om.procurement_no IN (
                     SELECT procurement_no FROM merchant_names
                     WHERE name LIKE {like} ESCAPE '\\' OR procurement_no LIKE {like} ESCAPE '\\'
                     UNION SELECT procurement_no FROM merchants WHERE name LIKE {like} ESCAPE '\\')
               AND EXISTS (SELECT 1 FROM order_lines l
                           WHERE l.order_id = om.order_id AND l.procurement_no = om.procurement_no)"
        );
        let own = if term.chars().count() >= TRIGRAM {
            let phrase = bind(format!("\"{}\"", term.replace('"', "\"\"")));
            format!("SELECT rowid FROM order_text WHERE order_text MATCH {phrase}")
        } else {
            format!(
                "SELECT id FROM export_orders WHERE buyer_name LIKE {like} ESCAPE '\\'
                   OR customs_no LIKE {like} ESCAPE '\\'"
            )
        };
        // A passport: the whole number, or a prefix of PASSPORT_PREFIX characters or more,
        // never any part of it (parts would rebuild a number by probing).
        let passport = passport_term(term);
        let by_passport = if passport.chars().count() >= PASSPORT_PREFIX {
            let from = bind(passport.clone());
            let to = bind(format!("{passport}\u{10FFFF}"));
            format!(
                "SELECT id FROM export_orders WHERE passport_no >= {from} AND passport_no < {to}"
            )
        } else {
            let exact = bind(passport);
            format!("SELECT id FROM export_orders WHERE passport_no = {exact}")
        };
        let own = format!("{own} UNION {by_passport}");
        candidates = Some(format!("{own} UNION {merchants}"));
    }
    if let Some(state) = q.state {
        clauses.push(format!("o.state = {}", bind(state.as_str().into())));
    }
    if let Some(country) = text(&q.country) {
        clauses.push(format!(
            "o.country = {}",
            bind(country.to_ascii_uppercase())
        ));
    }
    let from = text(&q.created_from).map(|v| bind(v.into()));
    let to = text(&q.created_to).map(|v| bind(v.into()));
    if let Some(from) = &from {
        clauses.push(format!("o.created_at >= {from}"));
    }
    if let Some(to) = &to {
        clauses.push(format!("o.created_at < {to}"));
    }
    match q.sync_state {
        None => {}
        Some(SyncState::Local) => clauses.push("o.state = 'draft'".into()),
        Some(SyncState::Rejected) => {
            clauses.push(format!("o.id IN ({REJECTED})"));
            candidates.get_or_insert_with(|| REJECTED.to_string());
        }
        Some(SyncState::Pending) => {
            clauses.push(format!(
                "o.state <> 'draft' AND o.id IN ({UNACKED}) AND o.id NOT IN ({REJECTED})"
            ));
            candidates.get_or_insert_with(|| UNACKED.to_string());
        }
        Some(SyncState::Synced) => clauses.push(format!(
            "o.state <> 'draft' AND o.id NOT IN ({UNACKED}) AND o.id NOT IN ({REJECTED})"
        )),
    }
    if candidates.is_none() && (from.is_some() || to.is_some()) {
        // A month is a few thousand orders of a hundred thousand: start from the dates.
        let range = [
            from.map(|f| format!("created_at >= {f}")),
            to.map(|t| format!("created_at < {t}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" AND ");
        candidates = Some(format!("SELECT id FROM export_orders WHERE {range}"));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" AND {}", clauses.join(" AND "))
    };
    ListSql {
        candidates,
        filter,
        args,
    }
}

impl ListSql {
    /// `SELECT <columns> FROM … WHERE …`: from the candidates when there are some (CROSS
    /// JOIN keeps SQLite from walking every order instead), else from every order.
    fn select(&self, columns: &str) -> String {
        match &self.candidates {
            Some(c) => format!(
                "WITH cand(id) AS ({c})
                 SELECT {columns} FROM cand CROSS JOIN export_orders o
                 WHERE o.id = cand.id{}",
                self.filter
            ),
            None => format!(
                "SELECT {columns} FROM export_orders o WHERE 1{}",
                self.filter
            ),
        }
    }
}

/// The order list, newest change first.
pub fn list(store: &Store, q: &ListQuery) -> Result<OrderPage> {
    let sql = list_sql(q);
    // From a candidate set, the total comes with the page (one pass over the candidates,
    // whose search may be the costly part); otherwise it is counted apart, cheaply.
    let windowed = sql.candidates.is_some();
    let n = sql.args.len();
    // The page's ids first, then its columns: sorting with the columns would compute the
    // per-order sums for every matching order, not only the fifty shown.
    let sort = q.sort.unwrap_or(ListSort {
        by: SortColumn::UpdatedAt,
        descending: true,
    });
    let dir = if sort.descending { "DESC" } else { "ASC" };
    let mut stmt = store.conn.prepare_cached(&format!(
        "WITH page AS ({} ORDER BY sort_key {dir}, o.id {dir} LIMIT ?{} OFFSET ?{})
         SELECT o.id, o.uuid, o.state, o.buyer_name, o.passport_no, o.country, o.total_cents, o.customs_no, o.updated_at,
            (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
            (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id
                AND EXISTS (SELECT 1 FROM line_links k WHERE k.line_id = l.id)),
            (SELECT coalesce(sum(amount_cents), 0) FROM order_lines l WHERE l.order_id = o.id),
            (SELECT x.rejection_code FROM outbox x WHERE x.order_id = o.id AND x.verdict = 'rejected' ORDER BY x.seq DESC LIMIT 1),
            EXISTS (SELECT 1 FROM outbox x WHERE x.order_id = o.id AND x.acked_at IS NULL),
            o.created_at, page.total, s.origin, s.origin_device, s.changed_by,
            (SELECT x.rejection_message FROM outbox x WHERE x.order_id = o.id AND x.verdict = 'rejected' ORDER BY x.seq DESC LIMIT 1)
         FROM page CROSS JOIN export_orders o LEFT JOIN order_sync s ON s.order_id = o.id WHERE o.id = page.id
         ORDER BY page.sort_key {dir}, page.id {dir}",
        sql.select(&if windowed {
            format!("o.id, {} AS sort_key, count(*) OVER () AS total", sort.by.sql())
        } else {
            format!("o.id, {} AS sort_key, NULL AS total", sort.by.sql())
        }),
        n + 1,
        n + 2
    ))?;
    let limit = q.limit.unwrap_or(50).min(1000);
    let mut all = sql.args.clone();
    all.push(rusqlite::types::Value::Integer(limit.into()));
    all.push(rusqlite::types::Value::Integer(
        q.offset.unwrap_or(0).into(),
    ));
    let mut counted: Option<i64> = None;
    let own = store.device_id()?;
    let rows = stmt.query_map(rusqlite::params_from_iter(all.iter()), |r| {
        counted = r.get(15)?;
        let state = OrderState::parse(&r.get::<_, String>(2)?).unwrap_or(OrderState::Declared);
        let passport: Option<String> = r.get(4)?;
        let rejection: Option<String> = r.get(12)?;
        let unacked: bool = r.get(13)?;
        let sync_state = match (state, &rejection, unacked) {
            (OrderState::Draft, _, _) => SyncState::Local,
            (_, Some(_), _) => SyncState::Rejected,
            (_, None, true) => SyncState::Pending,
            (_, None, false) => SyncState::Synced,
        };
        Ok(OrderSummary {
            id: r.get(0)?,
            uuid: r.get(1)?,
            state,
            buyer_name: r.get(3)?,
            passport_masked: passport.as_deref().map(mask::passport),
            country: r.get(5)?,
            total_cents: r.get(6)?,
            customs_no: r.get(7)?,
            updated_at: r.get(8)?,
            line_count: r.get(9)?,
            linked_line_count: r.get(10)?,
            lines_total_cents: r.get(11)?,
            sync_state,
            rejection,
            rejection_message: r.get(19)?,
            created_at: r.get(14)?,
            actions: state.actions(),
            origin: Origin::of(
                r.get::<_, Option<String>>(16)?.as_deref(),
                r.get::<_, Option<String>>(17)?.as_deref(),
                &own,
            ),
            changed_by: r.get(18)?,
        })
    })?;
    let orders: Vec<OrderSummary> = rows.collect::<Result<_, _>>()?;
    let total = match counted {
        Some(total) if windowed => total,
        // A page past the end has no row to carry the total.
        _ => list_total(store, q, &sql)?,
    };
    Ok(OrderPage { total, orders })
}

/// How many orders the query matches. "Synced" alone is most orders: counting them one by
/// one would read them all, so it is every sent order less the few pending or rejected
/// (the three sets do not overlap).
fn list_total(store: &Store, q: &ListQuery, sql: &ListSql) -> Result<i64> {
    let only_synced = q.sync_state == Some(SyncState::Synced)
        && ListQuery {
            sync_state: None,
            ..q.clone()
        }
        .is_unfiltered();
    let count = |sql: &ListSql| -> Result<i64> {
        Ok(store
            .conn
            .prepare_cached(&sql.select("count(*)"))?
            .query_row(rusqlite::params_from_iter(sql.args.iter()), |r| r.get(0))?)
    };
    if !only_synced {
        return count(sql);
    }
    let sent: i64 = store.conn.query_row(
        "SELECT count(*) FROM export_orders WHERE state IN ('confirmed', 'declared')",
        [],
        |r| r.get(0),
    )?;
    let of = |s: SyncState| {
        count(&list_sql(&ListQuery {
            sync_state: Some(s),
            ..Default::default()
        }))
    };
    Ok(sent - of(SyncState::Pending)? - of(SyncState::Rejected)?)
}

impl ListQuery {
    /// No filter and no search (paging aside).
    fn is_unfiltered(&self) -> bool {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        self.state.is_none()
            && self.sync_state.is_none()
            && blank(&self.country)
            && blank(&self.created_from)
            && blank(&self.created_to)
            && blank(&self.search)
    }
}

/// The home dashboard's figures: orders by state, by local month and state, by sync state.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub draft: i64,
    pub confirmed: i64,
    pub declared: i64,
    /// Local months since `since` that have orders, oldest first:
    /// (`YYYY-MM`, draft, confirmed, declared).
    pub by_month: Vec<(String, i64, i64, i64)>,
    pub sync_pending: i64,
    pub sync_rejected: i64,
}

/// `since` is the first instant (UTC) of the oldest month to show; `offset_minutes` the
/// clerk's time zone, so an order made at 07:00 in Yiwu on the 1st counts in that month.
pub fn dashboard(store: &Store, since: &str, offset_minutes: i32) -> Result<Dashboard> {
    let by_state = |state: &str| -> Result<i64> {
        Ok(store.conn.query_row(
            "SELECT count(*) FROM export_orders WHERE state = ?1",
            [state],
            |r| r.get(0),
        )?)
    };
    let mut stmt = store.conn.prepare_cached(
        "SELECT strftime('%Y-%m', created_at, ?2 || ' minutes') AS month,
                sum(state = 'draft'), sum(state = 'confirmed'), sum(state = 'declared')
         FROM export_orders WHERE created_at >= ?1 GROUP BY month ORDER BY month",
    )?;
    let by_month = stmt
        .query_map(params![since, offset_minutes], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let count = |sync_state| {
        let q = ListQuery {
            sync_state: Some(sync_state),
            ..Default::default()
        };
        list_total(store, &q, &list_sql(&q))
    };
    Ok(Dashboard {
        draft: by_state("draft")?,
        confirmed: by_state("confirmed")?,
        declared: by_state("declared")?,
        by_month,
        sync_pending: count(SyncState::Pending)?,
        sync_rejected: count(SyncState::Rejected)?,
    })
}

/// What the list's filters can offer: the countries that occur and the first month.
#[derive(Debug, Clone, Serialize)]
pub struct ListFacets {
    pub countries: Vec<String>,
    /// The oldest order's creation time (UTC), if any.
    pub first_created_at: Option<String>,
}

pub fn list_facets(store: &Store) -> Result<ListFacets> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT DISTINCT country FROM export_orders WHERE country IS NOT NULL ORDER BY country",
    )?;
    let countries = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let first_created_at =
        store
            .conn
            .query_row("SELECT min(created_at) FROM export_orders", [], |r| {
                r.get(0)
            })?;
    Ok(ListFacets {
        countries,
        first_created_at,
    })
}

/// One line with its links, as the editor shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LineDetail {
    pub id: i64,
    pub uuid: String,
    pub position: i64,
    #[serde(flatten)]
    pub line: OrderLineDraft,
    pub merchant_order_ids: Vec<String>,
    /// Which merchant the line is of (the domain's `merchant_key`): the linking screen
    /// groups by it.
    pub merchant_key: Option<String>,
}

/// One order in full, as the editor needs it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderDetail {
    pub id: i64,
    pub uuid: String,
    pub state: OrderState,
    pub buyer_name: Option<String>,
    pub passport_no: Option<String>,
    pub country: Option<String>,
    pub total_cents: Option<i64>,
    pub customs_no: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub confirmed_at: Option<String>,
    pub declared_at: Option<String>,
    pub lines: Vec<LineDetail>,
    /// What the order's state allows (the domain's rule; the screens enable exactly these).
    pub actions: Vec<Action>,
    pub origin: Origin,
    pub changed_by: Option<String>,
    /// The platform's latest refusal of an operation of this order, in its words.
    pub rejection: Option<Refusal>,
    /// The platform refused the confirmation and holds no such order: it may be re-opened
    /// as a draft ([`crate::order_book::reopen`]).
    pub can_reopen: bool,
}

/// A refused operation as the order shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub kind: String,
    pub code: String,
    pub message: String,
}

/// Which merchant a line is of, as the page may see it: the procurement number, or for a
/// line known by its mobile alone a SHA-256 of the mobile keyed with this profile's own
/// random secret (equal for equal mobiles, stable, and not to be brute-forced from the
/// page: no command shows the secret).
pub(crate) fn merchant_key(line: &OrderLineDraft, secret: &str) -> Option<String> {
    use sha2::{Digest, Sha256};
    let key = xinbao_domain::order::merchant_key(line)?;
    if line.procurement_no.is_some() {
        return Some(key);
    }
    let digest = Sha256::new()
        .chain_update(secret.as_bytes())
        .chain_update([0u8])
        .chain_update(key.as_bytes())
        .finalize();
    Some(format!(
        "m:{}",
        digest[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// This profile's secret for [`merchant_key`], made once (at open, see `Store::open`).
pub(crate) fn grouping_secret(store: &Store) -> Result<String> {
    const KEY: &str = "privacy.grouping_secret";
    if let Some(s) = crate::settings::get(store, KEY)? {
        return Ok(s);
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    crate::settings::set(store, KEY, &secret)?;
    Ok(secret)
}

/// One order's own fields, without its lines (cheap for an order of a million lines).
pub fn get_header(store: &Store, order_id: i64) -> Result<OrderDetail> {
    detail(store, order_id, false)
}

pub fn get(store: &Store, order_id: i64) -> Result<OrderDetail> {
    detail(store, order_id, true)
}

fn detail(store: &Store, order_id: i64, with_lines: bool) -> Result<OrderDetail> {
    let conn = &store.conn;
    let order = load_order(conn, order_id)?;
    let (created_at, updated_at, declared_at): (String, String, Option<String>) = conn.query_row(
        "SELECT created_at, updated_at, declared_at FROM export_orders WHERE id = ?1",
        [order_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let links = if with_lines {
        load_links(conn, order_id)?
    } else {
        HashMap::new()
    };
    let stored = if with_lines {
        load_lines(conn, order_id)?
    } else {
        Vec::new()
    };
    // Personal numbers leave the store masked: the full value only through the audited
    // reveal (`reveal::order_passport`), or typed anew by the clerk.
    let profile_key = grouping_secret(store)?;
    let lines = stored
        .into_iter()
        .map(|l| {
            let id = l.line.id.unwrap_or_default();
            let mut line = l.line;
            let merchant_key = merchant_key(&line, &profile_key);
            line.mobile = line.mobile.as_deref().map(mask::mobile);
            LineDetail {
                id,
                uuid: l.uuid,
                position: l.position,
                merchant_order_ids: link_ids(&links, id),
                merchant_key,
                line,
            }
        })
        .collect();
    let note = crate::order_book::note(store, order_id)?;
    let rejection = conn
        .query_row(
            "SELECT kind, rejection_code, coalesce(rejection_message, '') FROM outbox
             WHERE order_id = ?1 AND verdict = 'rejected' ORDER BY seq DESC LIMIT 1",
            [order_id],
            |r| {
                Ok(Refusal {
                    kind: r.get(0)?,
                    code: r.get(1)?,
                    message: r.get(2)?,
                })
            },
        )
        .optional()?;
    Ok(OrderDetail {
        actions: order.state.actions(),
        origin: note.origin,
        changed_by: note.changed_by,
        rejection,
        can_reopen: note.can_reopen,
        id: order.id,
        uuid: order.uuid,
        state: order.state,
        buyer_name: order.draft.buyer_name,
        passport_no: order.draft.passport_no.as_deref().map(mask::passport),
        country: order.draft.country,
        total_cents: order.draft.total_cents.map(|c| c.0),
        customs_no: order.customs_no,
        created_at,
        updated_at,
        confirmed_at: order.confirmed_at,
        declared_at,
        lines,
    })
}

/// Every line of an order in position order, one at a time (an export of a million lines
/// never holds them all). `f` may fail with its caller's own error type.
pub fn for_each_line<E: From<StoreError>>(
    store: &Store,
    order_id: i64,
    mut f: impl FnMut(&OrderLineDraft) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    load_order(&store.conn, order_id)?;
    let mut stmt = store.conn.prepare(LINES_SQL).map_err(StoreError::from)?;
    let mut rows = stmt.query([order_id]).map_err(StoreError::from)?;
    while let Some(r) = rows.next().map_err(StoreError::from)? {
        f(&line_row(r).map_err(StoreError::from)?.line)?;
    }
    Ok(())
}
