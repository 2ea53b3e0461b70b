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
