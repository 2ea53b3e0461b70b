//! An order's lines a page at a time: keyset pages both ways, a jump to a row number,
//! filters, and totals from SQL whatever page is shown; numbers masked as everywhere.

mod common;
use common::*;
use xinbao_domain::OrderForm;
use xinbao_store::lines::{self, LinesQuery};
use xinbao_store::{links, orders};

#[test]
fn pages_go_both_ways_jump_filter_and_the_totals_are_the_whole_orders() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(
        &mut store,
        &[merchant_order("MO-1", "商户3", "13800138000", 100)],
    )
    .unwrap();
    let form = OrderForm {
        total_amount: "1000".into(),
        lines: (1..=25)
            .map(|i| line(&format!("商户{i}"), "13800138000", &format!("{i}")))
            .collect(),
        ..complete_form()
    };
    let id = orders::create_draft(&mut store, ACTOR, &form).unwrap();
    let q = |f: &dyn Fn(&mut LinesQuery)| {
        let mut q = LinesQuery {
            limit: Some(10),
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let names = |p: &lines::LinesPage| -> Vec<String> {
        p.lines
            .iter()
            .map(|l| l.line.merchant_name.clone().unwrap())
            .collect()
    };

    let first = lines::page(&store, id, &q(&|_| {})).unwrap();
    assert_eq!(
        (first.first_row, first.has_before, first.has_after),
        (1, false, true)
    );
    assert_eq!(names(&first)[0], "商户1");
    assert_eq!(
        first.lines[0].line.mobile.as_deref(),
        Some("13*******00"),
        "masked"
    );
    let last_pos = first.lines.last().unwrap().position;
    let second = lines::page(&store, id, &q(&|q| q.after_position = Some(last_pos))).unwrap();
    assert_eq!(
        (second.first_row, names(&second)[0].as_str()),
        (11, "商户11")
    );
    let back = lines::page(
        &store,
        id,
        &q(&|q| q.before_position = Some(second.lines[0].position)),
    )
    .unwrap();
    assert_eq!(names(&back), names(&first));
    let jump = lines::page(&store, id, &q(&|q| q.from_row = Some(21))).unwrap();
    assert_eq!(
        (jump.first_row, jump.lines.len(), jump.has_after),
        (21, 5, false)
    );
    assert_eq!(names(&jump)[4], "商户25");

    // Filters: a merchant (3 is in 商户3, 商户13, 商户23), a month, the unlinked only.
    let by_merchant = q(&|q| q.merchant = Some("3".into()));
    assert_eq!(
        names(&lines::page(&store, id, &by_merchant).unwrap()),
        ["商户3", "商户13", "商户23"]
    );
    assert_eq!(
        lines::summary(&store, id, &by_merchant).unwrap().matching,
        3
    );
    assert_eq!(
        lines::summary(&store, id, &q(&|q| q.month = Some("2026-04".into())))
            .unwrap()
            .matching,
        0
    );
    let line3 = first.lines[2].id;
    links::link(&mut store, ACTOR, line3, "MO-1").unwrap();
    let unlinked = q(&|q| {
        q.unlinked_only = true;
        q.merchant = Some("3".into());
    });
    assert_eq!(
        names(&lines::page(&store, id, &unlinked).unwrap()),
        ["商户13", "商户23"]
    );
    let linked_page = lines::page(&store, id, &q(&|_| {})).unwrap();
    assert_eq!(linked_page.lines[2].merchant_order_ids, ["MO-1"]);

    // The whole order's figures, whatever page is shown: 1 + 2 + … + 25 dollars.
    let s = lines::summary(&store, id, &q(&|_| {})).unwrap();
    assert_eq!(
        (s.lines, s.lines_cents, s.unlinked, s.total_cents),
        (25, 32_500, 24, Some(100_000))
    );
    assert_eq!(s.matching, 25);
    // A page is at most 500 lines, whatever is asked.
    assert_eq!(
        lines::page(&store, id, &q(&|q| q.limit = Some(100_000)))
            .unwrap()
            .lines
            .len(),
        25
    );
    assert_eq!(
        lines::page(&store, 999, &q(&|_| {})).unwrap_err().code(),
        "order.not_found"
    );
}

#[test]
fn one_line_of_a_large_order_is_saved_alone_validated_masked_and_audited() {
    let (_dir, mut store) = temp_store();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let page = lines::page(&store, id, &LinesQuery::default()).unwrap();
    let shown = &page.lines[1];
    // As the page shows it: the mobile masked. Only the product changes.
    let mut form = xinbao_domain::LineForm {
        procurement_no: shown.line.procurement_no.clone().unwrap_or_default(),
        merchant_name: shown.line.merchant_name.clone().unwrap_or_default(),
        mobile: shown.line.mobile.clone().unwrap_or_default(),
        order_month: shown.line.order_month.clone().unwrap_or_default(),
        product_name: "手套".into(),
        quantity: shown
            .line
            .quantity
            .map(|q| q.to_string())
            .unwrap_or_default(),
        packages: shown
            .line
            .packages
            .map(|q| q.to_string())
            .unwrap_or_default(),
        amount: "500".into(),
        ..Default::default()
    };
    assert!(form.mobile.contains('*'));
    assert!(orders::save_line(&mut store, ACTOR, id, shown.id, &form).unwrap());
    let after = orders::get(&store, id).unwrap();
    assert_eq!(after.lines[1].line.product_name.as_deref(), Some("手套"));
    // The stored mobile was kept, not replaced by its mask.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM order_lines WHERE mobile = '13900139000'"
        ),
        1
    );
    let history = xinbao_store::audit::for_order(&store, id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.entity.as_str(), last.action.as_str()),
        ("line", "update")
    );
    // Saved again unchanged: nothing written.
    assert!(!orders::save_line(&mut store, ACTOR, id, shown.id, &form).unwrap());
    // A bad value is refused by field, nothing written.
    form.mobile = "1390013900".into();
    let err = orders::save_line(&mut store, ACTOR, id, shown.id, &form).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "lines[0].mobile");
    assert_eq!(
        orders::save_line(&mut store, ACTOR, id, 9_999, &form)
            .unwrap_err()
            .code(),
        "line.not_found"
    );
}

#[test]
fn the_buyer_of_a_large_order_is_saved_alone_and_freezes_with_the_order() {
    let (_dir, mut store) = temp_store();
    let id = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    let header = orders::get_header(&store, id).unwrap();
    let masked = header.passport_no.clone().unwrap();
    assert!(masked.contains('*'));
    let form = OrderForm {
        buyer_name: "Olga Ivanova".into(),
        passport_no: masked.clone(),
        country: "RU".into(),
        total_amount: "1500".into(),
        ..Default::default()
    };
    assert!(orders::save_buyer(&mut store, ACTOR, id, &form).unwrap());
    let after = orders::get(&store, id).unwrap();
    assert_eq!(after.buyer_name.as_deref(), Some("Olga Ivanova"));
    assert_eq!(after.lines.len(), 2, "the lines are not touched");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM export_orders WHERE passport_no = 'E12345678'"
        ),
        1,
        "the masked passport kept the stored number"
    );
    assert!(
        !orders::save_buyer(&mut store, ACTOR, id, &form).unwrap(),
        "unchanged"
    );
    let bad = OrderForm {
        country: "Atlantis".into(),
        ..form.clone()
    };
    assert_eq!(
        orders::save_buyer(&mut store, ACTOR, id, &bad)
            .unwrap_err()
            .field_errors()[0]
            .field,
        "country"
    );
    // Confirmed, the buyer is frozen: refused by the order's rules.
    store
        .connection()
        .execute(
            "UPDATE export_orders SET state = 'confirmed', confirmed_at = 'now' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let renamed = OrderForm {
        buyer_name: "Someone Else".into(),
        ..form
    };
    let err = orders::save_buyer(&mut store, ACTOR, id, &renamed).unwrap_err();
    assert!(err.code().starts_with("order."), "{}", err.code());
}

#[test]
fn a_line_is_added_to_and_removed_from_a_large_order_alone_audited_and_queued_once_confirmed() {
    let (_dir, mut store) = temp_store();
    let (id, lines) = linked_order(&mut store);
    // The linked amounts of each line come with the page, summed in SQL.
    let page = lines::page(&store, id, &LinesQuery::default()).unwrap();
    assert_eq!(page.lines[0].linked_cents, 100_000);
    assert_eq!(page.lines[1].linked_cents, 50_000);

    // A blank line is refused field by field, nothing written.
    let err = orders::add_line(&mut store, ACTOR, id, &Default::default()).unwrap_err();
    assert!(err.field_errors().len() >= 5, "{:?}", err.field_errors());
    assert_eq!(count(&store, "SELECT count(*) FROM order_lines"), 2);

    // Added at the end of a draft: audited, nothing queued.
    let added =
        orders::add_line(&mut store, ACTOR, id, &line("王五", "13700137000", "10")).unwrap();
    let page = lines::page(&store, id, &LinesQuery::default()).unwrap();
    assert_eq!(page.lines.last().unwrap().id, added);
    let history = xinbao_store::audit::for_order(&store, id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.entity.as_str(), last.action.as_str()),
        ("line", "create")
    );
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), 0);

    // Removed: audited, its row gone.
    orders::remove_line(&mut store, ACTOR, id, added).unwrap();
    let history = xinbao_store::audit::for_order(&store, id).unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.entity.as_str(), last.action.as_str()),
        ("line", "delete")
    );
    assert_eq!(
        orders::remove_line(&mut store, ACTOR, id, added)
            .unwrap_err()
            .code(),
        "line.not_found"
    );
    // A line of another order is not this order's to remove.
    let other = orders::create_draft(&mut store, ACTOR, &complete_form()).unwrap();
    assert_eq!(
        orders::remove_line(&mut store, ACTOR, other, lines[0])
            .unwrap_err()
            .code(),
        "line.not_found"
    );

    // Once confirmed, each change also goes to the platform, and an incomplete line is refused.
    orders::confirm(&mut store, ACTOR, id).unwrap();
    let queued = |store: &xinbao_store::Store, kind: &str| {
        count(
            store,
            &format!("SELECT count(*) FROM outbox WHERE kind = '{kind}'"),
        )
    };
    let mut partial = line("王五", "13700137000", "10");
    partial.product_name = String::new();
    assert!(orders::add_line(&mut store, ACTOR, id, &partial).is_err());
    let added =
        orders::add_line(&mut store, ACTOR, id, &line("王五", "13700137000", "10")).unwrap();
    assert_eq!(queued(&store, "line.upsert"), 1);
    orders::remove_line(&mut store, ACTOR, id, added).unwrap();
    assert_eq!(queued(&store, "line.delete"), 1);
}

#[test]
fn confirm_check_lists_what_keeps_an_order_from_confirmation_and_changes_nothing() {
    let (_dir, mut store) = temp_store();
    let incomplete = orders::create_draft(&mut store, ACTOR, &OrderForm::default()).unwrap();
    let err = orders::confirm_check(&mut store, incomplete).unwrap_err();
    assert_eq!(err.code(), "confirm.blocked");
    assert!(err.field_errors().iter().any(|f| f.field == "buyer_name"));

    let (id, lines) = linked_order(&mut store);
    let audit_rows = count(&store, "SELECT count(*) FROM audit_log");
    orders::confirm_check(&mut store, id).unwrap();
    // A check confirms nothing and writes nothing.
    assert_eq!(orders::get(&store, id).unwrap().state.as_str(), "draft");
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log"), audit_rows);
    assert_eq!(count(&store, "SELECT count(*) FROM outbox"), 0);
    // An unlinked line is a problem of that line.
    links::unlink(&mut store, ACTOR, lines[1], "MO-2").unwrap();
    let err = orders::confirm_check(&mut store, id).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "lines[1].links");
}

#[test]
fn an_error_of_many_problems_names_ten_and_counts_the_rest() {
    let problems: Vec<xinbao_domain::FieldError> = (0..25)
        .map(|i| {
            xinbao_domain::code::Invalid::new(
                xinbao_domain::code::Code::ConfirmLineUnlinked,
                format!("line {} is not linked", i + 1),
            )
            .at(format!("lines[{i}].links"))
        })
        .collect();
    let err = xinbao_store::StoreError::ConfirmBlocked(problems);
    let message = err.to_string();
    assert!(message.contains("line 10 is not linked"), "{message}");
    assert!(!message.contains("line 11 is not linked"), "{message}");
    assert!(message.ends_with("… and 15 more"), "{message}");
    assert_eq!(
        err.field_errors().len(),
        25,
        "every problem is kept for the caller"
    );
}

#[test]
fn a_procurement_number_of_another_merchant_is_named_from_the_directory() {
    use xinbao_store::platform_cache::{self, Merchant};
    let (_dir, mut store) = temp_store();
    let zhang = Merchant {
        procurement_no: "YW2026000123".into(),
        name: "张三".into(),
        mobile: "13800138000".into(),
    };
    platform_cache::upsert_merchants(&mut store, std::slice::from_ref(&zhang)).unwrap();
    let check = |no: &str, name: &str, mobile: &str| {
        let form = xinbao_domain::LineForm {
            procurement_no: no.into(),
            merchant_name: name.into(),
            mobile: mobile.into(),
            ..Default::default()
        };
        platform_cache::other_merchant(&store, &form.keep_check(0).0).unwrap()
    };
    // Spelled as the directory has it (any case, spaces in the mobile): nothing to say.
    assert_eq!(check("yw2026000123", "张三", "138 0013 8000"), None);
    // Only the number typed: nothing to compare yet.
    assert_eq!(check("YW2026000123", "", ""), None);
    // Another merchant's name or mobile: the directory's merchant is named.
    assert_eq!(check("YW2026000123", "李四", ""), Some(zhang.clone()));
    assert_eq!(check("YW2026000123", "张三", "13900139000"), Some(zhang));
    // A number the directory does not know, or none: no warning.
    assert_eq!(check("YW2026999999", "李四", ""), None);
    assert_eq!(check("", "李四", ""), None);
}

/// A million-line order's totals and pages read one index, never the lines: the plan of
/// each query names the covering index (a table scan would read ~200 MB of rows).
#[test]
fn totals_and_pages_are_read_from_the_one_index_of_an_orders_lines() {
    let (_dir, store) = temp_store();
    let plan = |sql: &str| -> String {
        let mut stmt = store
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows.join("; ")
    };
    let totals =
        plan("SELECT count(*), coalesce(sum(amount_cents), 0) FROM order_lines WHERE order_id = 1");
    assert!(
        totals.contains("USING COVERING INDEX order_lines_order ("),
        "{totals}"
    );
    let page =
        plan("SELECT id FROM order_lines WHERE order_id = 1 AND position > 10 ORDER BY position LIMIT 50");
    assert!(page.contains("INDEX order_lines_order ("), "{page}");
    assert!(!page.contains("TEMP B-TREE"), "{page}");
    let indexes: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order_lines'
               AND sql LIKE '%order_id%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexes, 1, "one index by order, not one per purpose");
}

/// "With problems only" leaves the lines the domain's confirmation check names, no more
/// and no fewer: incomplete, unlinked, linked to another merchant's order.
#[test]
fn the_problems_filter_leaves_exactly_the_lines_the_confirmation_check_names() {
    let (_dir, mut store) = temp_store();
    let by_number = xinbao_store::links::MerchantOrder {
        procurement_no: Some("YW2026000123".into()),
        ..merchant_order("MO-P", "王五", "13700137000", 100)
    };
    links::upsert_merchant_orders(
        &mut store,
        &[
            merchant_order("MO-1", "张三", "13800138000", 100),
            merchant_order("MO-2", "李四", "13900139000", 100),
            by_number,
        ],
    )
    .unwrap();
    let mut incomplete = line("张三", "13800138000", "1");
    incomplete.product_name = String::new();
    let mut numbered = line("王五", "13500135000", "1");
    numbered.procurement_no = "yw2026000123".into();
    let form = OrderForm {
        total_amount: "5".into(),
        lines: vec![
            line("张三", "13800138000", "1"), // linked to its merchant's order: fine
            line("李四", "13900139000", "1"), // linked to nothing
            incomplete,                       // linked, but no product
            line("李四", "13900139000", "1"), // linked, then its mobile changed
            numbered, // another mobile, but the same procurement number (any case): fine
        ],
        ..complete_form()
    };
    let id = orders::create_draft(&mut store, ACTOR, &form).unwrap();
    let ids: Vec<i64> = orders::get(&store, id)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    for (line, mo) in [(0, "MO-1"), (2, "MO-1"), (3, "MO-2"), (4, "MO-P")] {
        links::link(&mut store, ACTOR, ids[line], mo).unwrap();
    }
    let mut moved = line("李四", "13600136000", "1");
    moved.product_name = "袜子".into();
    assert!(orders::save_line(&mut store, ACTOR, id, ids[3], &moved).unwrap());

    let problems = LinesQuery {
        problems_only: true,
        ..Default::default()
    };
    let page = lines::page(&store, id, &problems).unwrap();
    let found: Vec<i64> = page.lines.iter().map(|l| l.id).collect();
    assert_eq!(found, [ids[1], ids[2], ids[3]]);
    assert_eq!(lines::summary(&store, id, &problems).unwrap().matching, 3);

    // The same lines as the domain's check names, by their index in the order.
    let err = orders::confirm_check(&mut store, id).unwrap_err();
    let mut named: Vec<usize> = err
        .field_errors()
        .iter()
        .filter_map(|f| f.field.strip_prefix("lines["))
        .filter_map(|rest| rest.split(']').next()?.parse().ok())
        .collect();
    named.dedup();
    assert_eq!(named, [1, 2, 3], "{:?}", err.field_errors());

    // Mended, the filter leaves nothing.
    links::link(&mut store, ACTOR, ids[1], "MO-2").unwrap();
    let mut fixed = line("张三", "13800138000", "1");
    fixed.product_name = "袜子".into();
    assert!(orders::save_line(&mut store, ACTOR, id, ids[2], &fixed).unwrap());
    links::unlink(&mut store, ACTOR, ids[3], "MO-2").unwrap();
    links::upsert_merchant_orders(
        &mut store,
        &[merchant_order("MO-3", "李四", "13600136000", 100)],
    )
    .unwrap();
    links::link(&mut store, ACTOR, ids[3], "MO-3").unwrap();
    assert!(lines::page(&store, id, &problems).unwrap().lines.is_empty());
    assert_eq!(lines::summary(&store, id, &problems).unwrap().matching, 0);
}

/// Two lines may share a position (each computer of a confirmed order adds at its own end,
/// and the platform's copy keeps both): pages go by (position, id), so paging either way
/// shows every line once, and the row numbers count them all.
#[test]
fn lines_that_share_a_position_are_each_paged_once_both_ways() {
    let (_dir, mut store) = temp_store();
    let form = OrderForm {
        lines: (1..=30)
            .map(|i| line(&format!("商户{i}"), "13800138000", "1"))
            .collect(),
        ..complete_form()
    };
    let id = orders::create_draft(&mut store, ACTOR, &form).unwrap();
    // Three lines at each position; ids go the other way round within a position.
    store
        .connection()
        .execute(
            "UPDATE order_lines SET position = (29 - position) / 3 WHERE order_id = ?1",
            [id],
        )
        .unwrap();
    let expected: Vec<i64> = orders::get(&store, id)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(expected.len(), 30);
    let page_of = |q: LinesQuery| lines::page(&store, id, &q).unwrap();
    let ids = |p: &lines::LinesPage| p.lines.iter().map(|l| l.id).collect::<Vec<_>>();

    let mut seen = Vec::new();
    let mut page = page_of(LinesQuery {
        limit: Some(4),
        ..Default::default()
    });
    loop {
        assert_eq!(page.first_row as usize, seen.len() + 1, "row numbers");
        seen.extend(ids(&page));
        if !page.has_after {
            break;
        }
        let last = page.lines.last().unwrap();
        page = page_of(LinesQuery {
            limit: Some(4),
            after_position: Some(last.position),
            after_id: Some(last.id),
            ..Default::default()
        });
    }
    assert_eq!(seen, expected, "forward, every line once");

    let mut back = Vec::new();
    let mut page = page_of(LinesQuery {
        limit: Some(4),
        from_row: Some(27),
        ..Default::default()
    });
    assert_eq!(page.first_row, 27);
    loop {
        back.splice(0..0, ids(&page));
        if !page.has_before {
            break;
        }
        let (above, first) = (page.first_row, &page.lines[0]);
        page = page_of(LinesQuery {
            limit: Some(4),
            before_position: Some(first.position),
            before_id: Some(first.id),
            ..Default::default()
        });
        assert_eq!(
            page.first_row,
            above - page.lines.len() as i64,
            "row numbers back"
        );
    }
    assert_eq!(back, expected, "backward, every line once");
}
