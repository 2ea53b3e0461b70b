//! What the editor holds but has not saved (暂存) yet. The editor keeps its form here a
//! moment after each keystroke, so a crash or a power cut loses nothing typed; opening the
//! order again offers it back. The form is kept as typed (every field text, not yet
//! valid), and it is dropped when the order is saved, when the clerk discards it, or when
//! the order can no longer change (deleted or declared).

use crate::{now, Result, Store};
use rusqlite::OptionalExtension;
use serde::Serialize;
use xinbao_domain::OrderForm;

/// Whose unsaved form: the new order being typed, or a stored order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    New,
    Order(i64),
}

impl Slot {
    /// `None` is the order not created yet.
    pub fn of(order_id: Option<i64>) -> Slot {
        order_id.map_or(Slot::New, Slot::Order)
    }

    fn key(self) -> String {
        match self {
            Slot::New => "new".into(),
            Slot::Order(id) => format!("order:{id}"),
        }
    }
}

/// An unsaved form and when it was kept (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unsaved {
    pub form: OrderForm,
    pub kept_at: String,
}

/// Keeps `form` as the slot's unsaved form, replacing the one kept before. Returns when.
pub fn keep(store: &Store, slot: Slot, form: &OrderForm) -> Result<String> {
    let at = now();
    let json = serde_json::to_string(form).expect("an OrderForm always serialises");
    store
        .conn
        .prepare_cached(
            "INSERT INTO unsaved_edits (slot, form_json, kept_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (slot) DO UPDATE SET form_json = excluded.form_json, kept_at = excluded.kept_at",
        )?
        .execute((slot.key(), json, &at))?;
    Ok(at)
}

/// The slot's unsaved form, if one is kept and its order can still change. A form kept for
/// an order that was deleted or declared since is dropped, not offered.
pub fn get(store: &Store, slot: Slot) -> Result<Option<Unsaved>> {
    let kept: Option<(String, String)> = store
        .conn
        .query_row(
            "SELECT form_json, kept_at FROM unsaved_edits WHERE slot = ?1",
            [slot.key()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((json, kept_at)) = kept else {
        return Ok(None);
    };
    let editable = match slot {
        Slot::New => true,
        Slot::Order(id) => store
            .conn
            .query_row(
                "SELECT state != 'declared' FROM export_orders WHERE id = ?1",
                [id],
                |r| r.get::<_, bool>(0),
            )
            .optional()?
            .unwrap_or(false),
    };
    // A form this binary cannot read (an older layout) is dropped like a stale one: it was
    // never saved, and offering half of it back would be worse.
    match serde_json::from_str::<OrderForm>(&json) {
        Ok(form) if editable => Ok(Some(Unsaved { form, kept_at })),
        _ => {
            discard(store, slot)?;
            Ok(None)
        }
    }
}

/// Drops the slot's unsaved form (after a save, or when the clerk discards it).
pub fn discard(store: &Store, slot: Slot) -> Result<()> {
    store
        .conn
        .prepare_cached("DELETE FROM unsaved_edits WHERE slot = ?1")?
        .execute([slot.key()])?;
    Ok(())
}
