//! The order's life through the store's operations, on a real SQLite file: drafts, audit,
//! confirmation, links, customs numbers, and the outbox each writes.

mod common;
use common::*;
use xinbao_domain::{Code, OrderForm, OrderState};
use xinbao_store::orders::{self, ListQuery, SyncState};
use xinbao_store::{audit, links, outbox, Store, StoreError};

#[test]
fn draft_round_trips_and_is_audited_with_masked_numbers() {
    let (_dir, mut store) = temp_store();
    let mut form = complete_form();
    form.country = "俄罗斯".into();
    form.passport_no = " e1234 5678 ".into();
    let id = orders::create_draft(&mut store, ACTOR, &form).unwrap();
    let d = orders::get(&store, id).unwrap();
    assert_eq!(d.state, OrderState::Draft);
    // Normalised when stored; shown masked; the whole number only through the reveal.
    assert_eq!(d.passport_no.as_deref(), Some("E1*****78"));
    assert_eq!(d.lines[1].line.mobile.as_deref(), Some("13*******00"));
    assert_eq!(
        xinbao_store::reveal::order_passport(&mut store, ACTOR, id)
            .unwrap()
            .as_deref(),
        Some("E12345678")
    );
    assert_eq!(d.country.as_deref(), Some("RU"));
    assert_eq!(d.total_cents, Some(150_000));
    assert_eq!(d.lines.len(), 2);
    assert_eq!(d.lines[1].line.merchant_name.as_deref(), Some("李四"));

    let history = audit::for_order(&store, id).unwrap();
    assert_eq!(history.len(), 4, "order + two lines + the reveal");
    assert_eq!(history[0].action, "create");
    assert_eq!(history[0].actor, ACTOR);
    assert_eq!(
        history[0].after.as_ref().unwrap()["passport_no"],
        "E1*****78"
    );
    assert_eq!(history[1].after.as_ref().unwrap()["mobile"], "13*******00");
    let raw: String = store
        .connection()
        .query_row("SELECT group_concat(after_json) FROM audit_log", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        !raw.contains("E12345678") && !raw.contains("13800138000"),
        "no personal number in the audit log: {raw}"
    );
    assert_eq!(
        outbox::pending(&store).unwrap().len(),
        0,
        "drafts stay on this machine"
    );

    // Saving the same form again changes nothing and writes nothing.
    let before = count(&store, "SELECT count(*) FROM audit_log");
    let same = form_of(&store, id);
    let out = orders::save(&mut store, ACTOR, id, &same).unwrap();
    assert_eq!(out, orders::SaveOutcome::default());
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), before);
}

#[test]
fn save_diffs_lines_and_reports_every_invalid_field_without_writing() {
    let (_dir, mut store) = temp_store();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let mut form = form_of(&store, id);
    form.lines[0].quantity = "120".into();
    form.lines.remove(1);
    form.lines.push(line("王五", "13700137000", "500"));
    let out = orders::save(&mut store, ACTOR, id, &form).unwrap();
    assert_eq!(
        (out.lines_added, out.lines_updated, out.lines_removed),
        (1, 1, 1)
    );
    let d = orders::get(&store, id).unwrap();
    let names: Vec<_> = d
        .lines
        .iter()
        .map(|l| l.line.merchant_name.clone().unwrap())
        .collect();
    assert_eq!(names, ["张三", "王五"]);
    assert_eq!(d.lines[0].line.quantity, Some(120));

    let audit_rows = count(&store, "SELECT count(*) FROM audit_log");
    let mut bad = form_of(&store, id);
    bad.buyer_name = "Somebody Else".into();
    bad.passport_no = "??".into();
    bad.lines[1].order_month = "2026-13".into();
    let err = orders::save(&mut store, ACTOR, id, &bad).unwrap_err();
    assert_eq!(err.code(), "invalid");
    let fields: Vec<(&str, Code)> = err
        .field_errors()
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("passport_no", Code::PassportFormat),
            ("lines[1].order_month", Code::MonthRange)
        ]
    );
    assert_eq!(
        orders::get(&store, id).unwrap().buyer_name.as_deref(),
        Some("Ivan Petrov"),
        "nothing half-written"
    );
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), audit_rows);
}

#[test]
fn confirm_reports_what_is_missing_then_freezes_the_buyer_and_queues_the_order() {
    let (_dir, mut store) = temp_store();
    let empty = orders::create_draft(&mut store, ACTOR, &OrderForm::default()).unwrap();
    let err = orders::confirm(&mut store, ACTOR, empty).unwrap_err();
    assert_eq!(err.code(), "confirm.blocked");
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "buyer_name",
            "passport_no",
            "country",
            "total_amount",
            "lines"
        ]
    );

    let unlinked = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let err = orders::confirm(&mut store, ACTOR, unlinked).unwrap_err();
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["lines[0].links", "lines[1].links"]);

    let (id, line_ids) = linked_order(&mut store);
    // A merchant order of another merchant cannot be linked at all.
    let err = links::link(&mut store, ACTOR, line_ids[0], "MO-2").unwrap_err();
    assert_eq!(err.code(), "link.other_merchant");
    assert_eq!(
        outbox::pending(&store).unwrap().len(),
        0,
        "links of a draft are not sent"
    );

    orders::confirm(&mut store, ACTOR, id).unwrap();
    let d = orders::get(&store, id).unwrap();
    assert_eq!(d.state, OrderState::Confirmed);
    let ops = outbox::pending(&store).unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].kind, "order.confirm");
    assert_eq!(ops[0].payload_value()["passport_no"], "E12345678");
    assert_eq!(
        ops[0].payload_value()["lines"][1]["merchant_orders"][0],
        "MO-2"
    );
    assert_eq!(ops[0].payload_value()["order_uuid"], d.uuid.as_str());

    // Buyer fields are frozen; lines are not, and each line change is queued.
    let mut form = form_of(&store, id);
    form.buyer_name = "Another Buyer".into();
    let err = orders::save(&mut store, ACTOR, id, &form).unwrap_err();
    assert_eq!(err.code(), "order.buyer_frozen");
    let mut form = form_of(&store, id);
    form.lines[1].product_name = "手套".into();
    orders::save(&mut store, ACTOR, id, &form).unwrap();
    links::link(&mut store, ACTOR, line_ids[1], "MO-3").unwrap();
    let kinds: Vec<String> = outbox::pending(&store)
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(kinds, ["order.confirm", "line.upsert", "link.add"]);
    let seqs: Vec<i64> = outbox::pending(&store)
        .unwrap()
        .into_iter()
        .map(|o| o.seq)
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "per-device sequence increases: {seqs:?}"
    );

    // A confirmed line must stay complete.
    let mut form = form_of(&store, id);
    form.lines[0].mobile = String::new();
    let err = orders::save(&mut store, ACTOR, id, &form).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "lines[0].mobile");

    assert_eq!(
        orders::delete_draft(&mut store, ACTOR, id)
            .unwrap_err()
            .code(),
        "order.delete_confirmed"
    );
    assert_eq!(
        orders::confirm(&mut store, ACTOR, id).unwrap_err().code(),
        "order.already_confirmed"
    );
}

#[test]
fn customs_number_declares_and_freezes_everything() {
    let (_dir, mut store) = temp_store();
    let draft = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    assert_eq!(
        orders::attach_customs_no(&mut store, ACTOR, draft, "292920260000012345")
            .unwrap_err()
            .code(),
        "order.customs_before_confirm"
    );
    let (id, line_ids) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    let err = orders::attach_customs_no(&mut store, ACTOR, id, "292920261000012345").unwrap_err();
    assert_eq!(err.field_errors()[0].code, Code::CustomsNotExport);
    assert_eq!(
        orders::attach_customs_no(&mut store, ACTOR, id, " 2929 2026 0000012345 ").unwrap(),
        "292920260000012345"
    );
    let d = orders::get(&store, id).unwrap();
    assert_eq!(
        (d.state, d.customs_no.as_deref()),
        (OrderState::Declared, Some("292920260000012345"))
    );
    let last = outbox::pending(&store).unwrap().pop().unwrap();
    assert_eq!(
        (
            last.kind.as_str(),
            last.payload_value()["customs_no"].as_str()
        ),
        ("order.declare", Some("292920260000012345"))
    );

    let mut form = form_of(&store, id);
    form.lines[0].note = "late note".into();
    assert_eq!(
        orders::save(&mut store, ACTOR, id, &form)
            .unwrap_err()
            .code(),
        "order.declared_frozen"
    );
    assert_eq!(
        links::unlink(&mut store, ACTOR, line_ids[0], "MO-1")
            .unwrap_err()
            .code(),
        "order.declared_frozen"
    );
    assert_eq!(
        orders::delete_draft(&mut store, ACTOR, id)
            .unwrap_err()
            .code(),
        "order.declared_frozen"
    );

    // One declaration number belongs to one order.
    let (other, _) = {
        let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
        let lines: Vec<i64> = orders::get(&store, id)
            .unwrap()
            .lines
            .iter()
            .map(|l| l.id)
            .collect();
        // Merchant orders of its own: one backs one export order.
        links::upsert_merchant_orders(
            &mut store,
            &[
                merchant_order("MO-1b", "张三", "13800138000", 100_000),
                merchant_order("MO-2b", "李四", "13900139000", 50_000),
            ],
        )
        .unwrap();
        links::link(&mut store, ACTOR, lines[0], "MO-1b").unwrap();
        links::link(&mut store, ACTOR, lines[1], "MO-2b").unwrap();
        (id, lines)
    };
    orders::confirm(&mut store, ACTOR, other).unwrap();
    let err =
        orders::attach_customs_no(&mut store, ACTOR, other, "292920260000012345").unwrap_err();
    assert!(
        matches!(err, StoreError::CustomsNoTaken { order, .. } if order == id),
        "{err}"
    );
}

#[test]
fn delete_draft_removes_lines_and_links_but_keeps_history() {
    let (_dir, mut store) = temp_store();
    let (id, _) = linked_order(&mut store);
    orders::delete_draft(&mut store, ACTOR, id).unwrap();
    assert!(matches!(
        orders::get(&store, id),
        Err(StoreError::OrderNotFound(_))
    ));
    assert_eq!(count(&store, "SELECT count(*) FROM order_lines"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM line_links"), 0);
    let history = audit::for_order(&store, id).unwrap();
    assert_eq!(history.last().unwrap().action, "delete");
    assert_eq!(
        history.last().unwrap().before.as_ref().unwrap()["lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn list_shows_states_links_and_sync_state_with_masked_passports() {
    let (_dir, mut store) = temp_store();
    let draft = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let (confirmed, _) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, confirmed).unwrap();
    let page = orders::list(&store, &ListQuery::default()).unwrap();
    assert_eq!(page.total, 2);
    let row = |id| page.orders.iter().find(|o| o.id == id).unwrap();
    assert_eq!(
        (row(draft).sync_state.as_str(), row(draft).linked_line_count),
        ("local", 0)
    );
    assert_eq!(
        (
            row(confirmed).sync_state.as_str(),
            row(confirmed).linked_line_count
        ),
        ("pending", 2)
    );
    assert_eq!(row(confirmed).passport_masked.as_deref(), Some("E1*****78"));
    assert_eq!(row(confirmed).lines_total_cents, 150_000);
    let drafts = orders::list(
        &store,
        &ListQuery {
            state: Some(OrderState::Draft),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((drafts.total, drafts.orders[0].id), (1, draft));
}

#[test]
fn reopening_keeps_everything_and_the_device_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xinbao.sqlite3");
    let (id, device) = {
        let mut store = Store::open(&path, &key()).unwrap();
        (
            orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap(),
            store.device_id().unwrap(),
        )
    };
    let store = Store::open(&path, &key()).unwrap();
    assert_eq!(store.device_id().unwrap(), device);
    assert_eq!(orders::get(&store, id).unwrap().lines.len(), 2);
}

#[test]
fn link_candidates_are_the_lines_merchants_orders_its_month_first() {
    let (_dir, mut store) = temp_store();
    let (_, lines) = linked_order(&mut store);
    let mut april = merchant_order("MO-4", "李四", "13900139000", 2_000);
    april.order_month = "2026-04".into();
    links::upsert_merchant_orders(
        &mut store,
        &[april, merchant_order("MO-5", "王五", "13700137000", 1)],
    )
    .unwrap();
    let ids: Vec<String> = links::candidates_for_line(&store, lines[1])
        .unwrap()
        .into_iter()
        .map(|m| m.order.id)
        .collect();
    assert_eq!(
        ids,
        ["MO-2", "MO-3", "MO-4"],
        "李四's orders, 2026-03 (the line's month) first, no other merchant's"
    );
    // Offered to the page with the mobile masked: the whole number only through the reveal.
    assert!(links::candidates_for_line(&store, lines[1])
        .unwrap()
        .iter()
        .all(|m| m.order.mobile == "13*******00"));
    assert_eq!(
        links::candidates_for_line(&store, 999).unwrap_err().code(),
        "line.not_found"
    );
}

#[test]
fn list_filters_by_country_month_and_sync_state_and_searches_buyers_and_merchants() {
    let (_dir, mut store) = temp_store();
    let with_merchant = |mut form: OrderForm, no: &str, name: &str| {
        for l in &mut form.lines {
            l.procurement_no = no.into();
            l.merchant_name = name.into();
        }
        form
    };
    let mut ru = with_merchant(complete_form(), "YW2026000007", "王五百货");
    ru.buyer_name = "Ivan Petrov".into();
    let ru = orders::create_draft(&mut store, ACTOR, &ru).unwrap();
    let mut ng = with_merchant(complete_form(), "YW2026000008", "赵六饰品");
    ng.buyer_name = "Chinedu Okafor".into();
    ng.passport_no = "A07654321".into();
    ng.country = "NG".into();
    let ng = orders::create_draft(&mut store, ACTOR, &ng).unwrap();
    let (confirmed, _) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, confirmed).unwrap();
    // The platform refuses the confirmed order's first operation.
    let first = outbox::pending(&store).unwrap()[0].seq;
    outbox::acknowledge(
        &mut store,
        &[outbox::Ack {
            seq: first,
            verdict: "rejected".into(),
            code: Some("order.buyer_frozen".into()),
            message: Some("no".into()),
        }],
    )
    .unwrap();
    // The Nigerian order was made last month (by the clock of the time).
    store
        .connection()
        .execute(
            "UPDATE export_orders SET created_at = '2026-10-15T08:00:00.000Z' WHERE id = ?1",
            [ng],
        )
        .unwrap();

    let ids = |store: &Store, q: ListQuery| -> Vec<i64> {
        let page = orders::list(store, &q).unwrap();
        assert_eq!(page.total as usize, page.orders.len());
        let mut ids: Vec<i64> = page.orders.iter().map(|o| o.id).collect();
        ids.sort();
        ids
    };
    let search = |store: &Store, s: &str| {
        ids(
            store,
            ListQuery {
                search: Some(s.into()),
                ..Default::default()
            },
        )
    };
    assert_eq!(
        ids(
            &store,
            ListQuery {
                country: Some("ng".into()),
                ..Default::default()
            }
        ),
        vec![ng]
    );
    assert_eq!(
        ids(
            &store,
            ListQuery {
                created_from: Some("2026-10-01T00:00:00.000Z".into()),
                created_to: Some("2026-11-01T00:00:00.000Z".into()),
                ..Default::default()
            }
        ),
        vec![ng]
    );
    assert_eq!(
        ids(
            &store,
            ListQuery {
                sync_state: Some(SyncState::Local),
                ..Default::default()
            }
        ),
        vec![ru, ng]
    );
    assert_eq!(
        ids(
            &store,
            ListQuery {
                sync_state: Some(SyncState::Rejected),
                ..Default::default()
            }
        ),
        vec![confirmed]
    );
    // A second confirmed order, every operation acknowledged: the only synced one.
    let (synced, _) = linked_order(&mut store);
    orders::confirm(&mut store, ACTOR, synced).unwrap();
    let acks: Vec<outbox::Ack> = outbox::pending(&store)
        .unwrap()
        .iter()
        .filter(|op| op.order_id == synced)
        .map(|op| outbox::Ack {
            seq: op.seq,
            verdict: "applied".into(),
            code: None,
            message: None,
        })
        .collect();
    outbox::acknowledge(&mut store, &acks).unwrap();
    assert_eq!(
        ids(
            &store,
            ListQuery {
                sync_state: Some(SyncState::Synced),
                ..Default::default()
            }
        ),
        vec![synced]
    );
    assert_eq!(
        search(&store, "Petrov").len(),
        3,
        "the trigram index, any case"
    );
    assert_eq!(
        search(&store, "Iv").len(),
        3,
        "two letters: read without the index"
    );
    assert!(ids(
        &store,
        ListQuery {
            sync_state: Some(SyncState::Pending),
            ..Default::default()
        }
    )
    .is_empty());
    assert_eq!(search(&store, "okafor"), vec![ng], "buyer name, any case");
    // A passport: the whole number or its first six characters or more; never a part
    // (probing with parts rebuilt a number).
    assert_eq!(
        search(&store, "E12345678"),
        vec![ru, confirmed, synced],
        "a whole passport number"
    );
    assert_eq!(
        search(&store, "e12 345"),
        vec![ru, confirmed, synced],
        "its first six characters, typed loosely"
    );
    assert!(
        search(&store, "E1234").is_empty(),
        "five characters: nothing"
    );
    assert!(search(&store, "2345678").is_empty(), "the middle: nothing");
    assert!(search(&store, "5678").is_empty(), "the end: nothing");
    assert_eq!(
        search(&store, "王五"),
        vec![ru],
        "a merchant's name on the lines"
    );
    assert_eq!(search(&store, "000008"), vec![ng], "a procurement number");
    assert_eq!(
        search(&store, "%"),
        Vec::<i64>::new(),
        "LIKE's wildcards are literal"
    );
    assert_eq!(
        search(&store, "_"),
        Vec::<i64>::new(),
        "LIKE's wildcards are literal"
    );
    assert_eq!(
        ids(
            &store,
            ListQuery {
                search: Some("E123456".into()),
                state: Some(OrderState::Draft),
                ..Default::default()
            }
        ),
        vec![ru],
        "filters combine"
    );

    // A merchant no longer on any line of an order stops finding it.
    let mut form = form_of(&store, ru);
    for l in &mut form.lines {
        l.procurement_no = "YW2026000009".into();
        l.merchant_name = "孙七".into();
    }
    orders::save(&mut store, ACTOR, ru, &form).unwrap();
    assert_eq!(search(&store, "王五"), Vec::<i64>::new());
    assert_eq!(search(&store, "孙七"), vec![ru]);

    let home = orders::dashboard(&store, "2000-01-01T00:00:00.000Z", 480).unwrap();
    assert_eq!((home.draft, home.confirmed, home.declared), (2, 2, 0));
    assert_eq!((home.sync_pending, home.sync_rejected), (0, 1));
    assert!(
        home.by_month.contains(&("2026-10".into(), 1, 0, 0)),
        "the Nigerian draft in its local month: {:?}",
        home.by_month
    );
    assert_eq!(
        home.by_month.iter().map(|m| m.1 + m.2 + m.3).sum::<i64>(),
        4
    );

    let facets = orders::list_facets(&store).unwrap();
    assert_eq!(facets.countries, vec!["NG", "RU"]);
    assert_eq!(
        facets.first_created_at.as_deref(),
        Some("2026-10-15T08:00:00.000Z")
    );
}

#[test]
fn the_list_sorts_by_each_column_both_ways_ties_by_id() {
    let (_dir, mut store) = temp_store();
    let make = |store: &mut Store, buyer: &str, country: &str, total: &str| {
        orders::create_draft(
            store,
            ACTOR,
            &OrderForm {
                buyer_name: buyer.into(),
                country: country.into(),
                total_amount: total.into(),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let a = make(&mut store, "Anna", "RU", "300");
    let b = make(&mut store, "Boris", "NG", "100");
    let c = make(&mut store, "Chen", "BR", "200");
    let d = make(&mut store, "Boris", "AE", "100");
    // One order further in its life: confirmed sorts after the drafts.
    store
        .connection()
        .execute(
            "UPDATE export_orders SET state = 'confirmed', passport_no = 'E12345678',
                 confirmed_at = 'now' WHERE id = ?1",
            [a],
        )
        .unwrap();
    let q: ListQuery =
        serde_json::from_str(r#"{"sort": {"by": "buyer_name", "descending": true}}"#).unwrap();
    let ids = |q: ListQuery| -> Vec<i64> {
        orders::list(&store, &q)
            .unwrap()
            .orders
            .iter()
            .map(|o| o.id)
            .collect()
    };
    assert_eq!(
        ids(q),
        [c, d, b, a],
        "buyer Z→A, the two Boris by id descending"
    );
    let sorted = |by: &str, descending: bool| -> ListQuery {
        serde_json::from_value(
            serde_json::json!({ "sort": { "by": by, "descending": descending } }),
        )
        .unwrap()
    };
    assert_eq!(ids(sorted("buyer_name", false)), [a, b, d, c]);
    assert_eq!(ids(sorted("total_amount", false)), [b, d, c, a]);
    assert_eq!(ids(sorted("total_amount", true)), [a, c, d, b]);
    assert_eq!(ids(sorted("country", false)), [d, c, b, a]);
    assert_eq!(
        ids(sorted("state", false)),
        [b, c, d, a],
        "drafts, then confirmed"
    );
    assert_eq!(ids(sorted("created_at", false)), [a, b, c, d]);
    // With a filter and a page.
    let page = ListQuery {
        state: Some(OrderState::Draft),
        limit: Some(2),
        offset: Some(1),
        ..sorted("total_amount", true)
    };
    assert_eq!(ids(page), [d, b]);
    // A column that is not one is refused, not ignored.
    assert!(serde_json::from_str::<ListQuery>(r#"{"sort": {"by": "passport_no"}}"#).is_err());
}
