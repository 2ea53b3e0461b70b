//! The editor's unsaved form (kept as typed, offered back after a crash) and revealing a
//! masked number (each look audited, the value never written to the log), on a real file.

mod common;
use common::*;
use xinbao_domain::OrderForm;
use xinbao_store::audit::{self, Entity};
use xinbao_store::unsaved::{self, Slot};
use xinbao_store::{orders, reveal, Store, StoreError};

#[test]
fn an_unsaved_form_survives_reopening_the_file_until_it_is_saved_or_discarded() {
    let (dir, store) = temp_store();
    // Half-typed, invalid as it stands: kept exactly as typed.
    let mut typed = complete_form();
    typed.passport_no = "E12".into();
    typed.lines[1].amount = "12,3x".into();
    let kept_at = unsaved::keep(&store, Slot::New, &typed).unwrap();
    let path = store.path().to_path_buf();
    drop(store);

    let mut store = Store::open(&path, &key()).unwrap();
    let back = unsaved::get(&store, Slot::New).unwrap().unwrap();
    assert_eq!(back.form, typed);
    assert_eq!(back.kept_at, kept_at);
    // A later keystroke replaces it; it stays one per slot.
    typed.passport_no = "E1234".into();
    unsaved::keep(&store, Slot::New, &typed).unwrap();
    assert_eq!(
        unsaved::get(&store, Slot::New)
            .unwrap()
            .unwrap()
            .form
            .passport_no,
        "E1234"
    );
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM unsaved_edits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);

    // A stored order has its own slot; discarding one leaves the other.
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    unsaved::keep(&store, Slot::Order(id), &OrderForm::default()).unwrap();
    unsaved::discard(&store, Slot::New).unwrap();
    assert!(unsaved::get(&store, Slot::New).unwrap().is_none());
    assert!(unsaved::get(&store, Slot::Order(id)).unwrap().is_some());
    drop(dir);
}

#[test]
fn an_unsaved_form_is_not_offered_for_an_order_that_can_no_longer_change() {
    let (_dir, mut store) = temp_store();
    // Deleted since.
    let draft = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    unsaved::keep(&store, Slot::Order(draft), &complete_form()).unwrap();
    orders::delete_draft(&mut store, ACTOR, draft).unwrap();
    assert!(unsaved::get(&store, Slot::Order(draft)).unwrap().is_none());

    // Declared since (on another device, or from the CLI).
    let (id, _) = linked_order(&mut store);
    unsaved::keep(&store, Slot::Order(id), &complete_form()).unwrap();
    orders::confirm(&mut store, ACTOR, id).unwrap();
    assert!(
        unsaved::get(&store, Slot::Order(id)).unwrap().is_some(),
        "a confirmed order's lines can still change"
    );
    orders::attach_customs_no(&mut store, ACTOR, id, "223320260000012345").unwrap();
    assert!(unsaved::get(&store, Slot::Order(id)).unwrap().is_none());
    let left: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM unsaved_edits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0, "stale forms are dropped, not kept for ever");
}

#[test]
fn revealing_a_passport_or_mobile_writes_who_looked_and_never_the_value() {
    let (_dir, mut store) = temp_store();
    let (id, _) = linked_order(&mut store);
    let before = audit::for_order(&store, id).unwrap().len();

    let passport = reveal::order_passport(&mut store, "clerk-a", id).unwrap();
    assert_eq!(passport.as_deref(), Some("E12345678"));
    let history = audit::for_order(&store, id).unwrap();
    assert_eq!(history.len(), before + 1);
    let row = history.last().unwrap();
    assert_eq!(
        (row.actor.as_str(), row.entity.as_str(), row.action.as_str()),
        ("clerk-a", "order", "reveal")
    );
    assert_eq!(
        row.after,
        Some(serde_json::json!({ "field": "passport_no" }))
    );

    // The editor's history panel: newest first, with the count of all rows.
    let latest = audit::latest_for_order(&store, id, 2).unwrap();
    assert_eq!(latest.total, history.len() as i64);
    assert_eq!(latest.rows.len(), 2);
    assert_eq!(latest.rows[0].action, "reveal");
    assert!(latest.rows[0].id > latest.rows[1].id);

    let mobile = reveal::merchant_order_mobile(&mut store, "clerk-a", "MO-2").unwrap();
    assert_eq!(mobile, "13900139000");
    let mo = audit::for_entity(&store, Entity::MerchantOrder, "MO-2").unwrap();
    assert_eq!(mo.len(), 1);
    assert_eq!(mo[0].order_id, None);
    assert_eq!(mo[0].after, Some(serde_json::json!({ "field": "mobile" })));

    reveal::settlement_field(
        &mut store,
        "clerk-a",
        "91350100M000100Y43",
        "legal_rep_id_no",
    )
    .unwrap();
    assert_eq!(
        audit::for_entity(&store, Entity::Settlement, "91350100M000100Y43")
            .unwrap()
            .len(),
        1
    );

    // The full values are nowhere in the log.
    let log: String = store
        .connection()
        .query_row(
            "SELECT group_concat(coalesce(before_json, '') || coalesce(after_json, ''), ' ') FROM audit_log",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for full in ["E12345678", "13900139000", "13800138000"] {
        assert!(!log.contains(full), "{full} is in the audit log");
    }

    // Unknown ids are refused by name, and write nothing.
    let rows = |s: &Store| -> i64 {
        s.connection()
            .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap()
    };
    let n = rows(&store);
    assert!(matches!(
        reveal::order_passport(&mut store, "clerk-a", 999),
        Err(StoreError::OrderNotFound(999))
    ));
    assert!(matches!(
        reveal::merchant_order_mobile(&mut store, "clerk-a", "MO-404"),
        Err(StoreError::MerchantOrderNotFound(_))
    ));
    assert_eq!(rows(&store), n);
    // And the log is still append-only after its rebuild in schema 5.
    assert!(store
        .connection()
        .execute("DELETE FROM audit_log", [])
        .is_err());
    assert!(store
        .connection()
        .execute("UPDATE audit_log SET actor = 'x'", [])
        .is_err());
}
