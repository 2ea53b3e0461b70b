//! 自动匹配 and group linking on a real database file: runs applied in one transaction,
//! recorded with how each link was made, undone as one; merchant orders of another export
//! order never used.

mod common;

use common::*;
use xinbao_domain::matching::{Class, NoMatch};
use xinbao_domain::{LineForm, OrderForm};
use xinbao_store::links::{self, MerchantOrder};
use xinbao_store::matching::Picked;
use xinbao_store::{audit, matching, orders, outbox, Store};

const A: &str = "13800138000";
const B: &str = "13900139000";

fn mo(id: &str, mobile: &str, cents: i64) -> MerchantOrder {
    merchant_order(id, "商户", mobile, cents)
}

/// A draft of `lines` (mobile, amount in 元), its total their sum; returns (order, line ids).
fn order_of(store: &mut Store, lines: &[(&str, &str)]) -> (i64, Vec<i64>) {
    let total: i64 = lines.iter().map(|(_, a)| a.parse::<i64>().unwrap()).sum();
    let form = OrderForm {
        total_amount: total.to_string(),
        lines: lines
            .iter()
            .map(|(mobile, amount)| LineForm {
                ..line("商户", mobile, amount)
            })
            .collect(),
        ..complete_form()
    };
    let id = orders::create_draft(store, ACTOR, &form).unwrap();
    let ids = orders::get(store, id)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .collect();
    (id, ids)
}

/// Every (line, merchant order) link of the order, sorted.
fn links_of(store: &Store, id: i64) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = orders::get(store, id)
        .unwrap()
        .lines
        .iter()
        .flat_map(|l| {
            l.merchant_order_ids
                .iter()
                .map(|m| (l.id, m.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_exact_matches_are_one_run_audited_and_undone_as_one() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(
        &mut store,
        &[
            mo("M1", A, 100_000),
            mo("M2", A, 50_000),
            mo("M3", B, 30_000),
            mo("M4", B, 30_000),
            mo("M5", B, 7_900),
        ],
    )
    .unwrap();
    let (id, lines) = order_of(
        &mut store,
        &[(A, "1000"), (A, "500"), (B, "300"), (B, "80")],
    );

    let plan = matching::preview(&store, id).unwrap();
    assert_eq!(
        (
            plan.counts.unique_exact,
            plan.counts.ambiguous,
            plan.counts.suggestion
        ),
        (2, 1, 1)
    );
    // A link by hand first (the suggestion, accepted the old way): the run leaves it alone.
    links::link(&mut store, ACTOR, lines[3], "M5").unwrap();
    let before = links_of(&store, id);

    let run = matching::apply_exact(&mut store, ACTOR, id).unwrap();
    assert_eq!(run.links, 2);
    let run_id = run.id.unwrap();
    assert_eq!(
        links_of(&store, id),
        vec![
            (lines[0], "M1".into()),
            (lines[1], "M2".into()),
            (lines[3], "M5".into())
        ]
    );
    let history = audit::for_order(&store, id).unwrap();
    let linked: Vec<_> = history.iter().filter(|r| r.action == "link").collect();
    assert_eq!(linked.len(), 3, "one audit row a link");
    assert!(linked
        .iter()
        .any(|r| r.after.as_ref().unwrap()["how"] == "exact"
            && r.after.as_ref().unwrap()["run"] == run_id));
    // Applied again: nothing left to apply, no empty run.
    assert_eq!(
        matching::apply_exact(&mut store, ACTOR, id).unwrap().id,
        None
    );

    assert_eq!(
        matching::undo_run(&mut store, ACTOR, id, run_id).unwrap(),
        2
    );
    assert_eq!(links_of(&store, id), before, "the order as before the run");
    let err = matching::undo_run(&mut store, ACTOR, id, run_id).unwrap_err();
    assert_eq!(err.code(), "match.run_undone");
    let err = matching::undo_run(&mut store, ACTOR, id, run_id + 100).unwrap_err();
    assert_eq!(err.code(), "match.run_not_found");
    let runs = matching::runs(&store, id).unwrap();
    assert_eq!(
        (runs.len(), runs[0].links, runs[0].undone_at.is_some()),
        (1, 2, true)
    );
}

#[test]
fn a_merchant_order_of_another_export_order_is_never_used_and_named() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(&mut store, &[mo("M1", A, 100_000)]).unwrap();
    let (first, first_lines) = order_of(&mut store, &[(A, "1000")]);
    links::link(&mut store, ACTOR, first_lines[0], "M1").unwrap();

    let (second, second_lines) = order_of(&mut store, &[(A, "1000")]);
    let plan = matching::preview(&store, second).unwrap();
    assert_eq!(plan.proposals[0].class, Class::None);
    assert_eq!(
        plan.proposals[0].why,
        Some(NoMatch::AllTaken {
            taken_by: vec![first]
        })
    );
    // Not as a picked link either (a stale preview's choice, or one the page made up).
    let pick = vec![(second_lines[0], "M1".to_string())];
    let err = matching::apply_picked(&mut store, ACTOR, second, &pick, Picked::Choice).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(err.to_string().contains("not among the proposals"), "{err}");
    assert!(links_of(&store, second).is_empty());
    // Offered on the linking screen as taken, with the order that holds it.
    let offered = links::candidates_for_line(&store, second_lines[0]).unwrap();
    assert_eq!(offered[0].taken_by, Some(first));
    assert_eq!(
        links::candidates_for_line(&store, first_lines[0]).unwrap()[0].taken_by,
        None
    );
    // By hand it stays the clerk's word, as before matching.
    assert!(links::link(&mut store, ACTOR, second_lines[0], "M1").unwrap());
}

#[test]
fn a_group_is_linked_in_one_step_and_a_bad_pick_links_nothing() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(
        &mut store,
        &[mo("M1", A, 60_000), mo("M2", A, 90_000), mo("M3", B, 1)],
    )
    .unwrap();
    let (id, lines) = order_of(&mut store, &[(A, "1000"), (A, "500")]);
    // One of the ticked merchant orders is another merchant's: nothing of the run is kept.
    let err = matching::link_group(&mut store, ACTOR, id, &lines, &["M1".into(), "M3".into()])
        .unwrap_err();
    assert_eq!(err.code(), "link.other_merchant");
    assert!(links_of(&store, id).is_empty());
    let err = matching::link_group(&mut store, ACTOR, id, &lines, &["M1".into(), "GONE".into()])
        .unwrap_err();
    assert_eq!(err.code(), "merchant_order.not_found");
    assert!(links_of(&store, id).is_empty());

    let run =
        matching::link_group(&mut store, ACTOR, id, &lines, &["M1".into(), "M2".into()]).unwrap();
    assert_eq!(run.links, 4);
    orders::confirm(&mut store, ACTOR, id).unwrap();
    // After confirmation a run's undo is queued for the platform, link by link.
    let queued = outbox::pending(&store).unwrap().len();
    assert_eq!(
        matching::undo_run(&mut store, ACTOR, id, run.id.unwrap()).unwrap(),
        4
    );
    let ops = outbox::pending(&store).unwrap();
    assert_eq!(ops.len(), queued + 4);
    assert!(ops[queued..].iter().all(|o| o.kind == "link.remove"));
}

#[test]
fn picked_links_are_recorded_with_how_they_were_made() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(&mut store, &[mo("M1", A, 100_000), mo("M2", A, 100_000)])
        .unwrap();
    let (id, lines) = order_of(&mut store, &[(A, "1000")]);
    let plan = matching::preview(&store, id).unwrap();
    assert_eq!(plan.proposals[0].class, Class::Ambiguous);
    let pick = &plan.proposals[0].choices[1];
    let links: Vec<(i64, String)> = vec![(pick.lines[0], pick.merchant_orders[0].clone())];
    let run = matching::apply_picked(&mut store, ACTOR, id, &links, Picked::Choice).unwrap();
    assert_eq!(run.links, 1);
    assert_eq!(links_of(&store, id), vec![(lines[0], "M2".into())]);
    let rows = audit::for_order(&store, id).unwrap();
    assert!(rows
        .iter()
        .any(|r| r.action == "link" && r.after.as_ref().unwrap()["how"] == "choice"));
}

#[test]
fn a_draft_with_runs_is_deleted_whole() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(&mut store, &[mo("M1", A, 100_000)]).unwrap();
    let (id, _) = order_of(&mut store, &[(A, "1000")]);
    let run = matching::apply_exact(&mut store, ACTOR, id).unwrap();
    assert_eq!(run.links, 1);
    orders::delete_draft(&mut store, ACTOR, id).unwrap();
    assert_eq!(
        matching::runs(&store, id).unwrap_err().code(),
        "order.not_found"
    );
    // Its merchant order is free again for the next order.
    let (next, _) = order_of(&mut store, &[(A, "1000")]);
    assert_eq!(
        matching::apply_exact(&mut store, ACTOR, next)
            .unwrap()
            .links,
        1
    );
}

#[test]
fn a_suggestion_accepted_is_recorded_as_one_and_a_made_up_one_is_refused() {
    let (_dir, mut store) = temp_store();
    links::upsert_merchant_orders(&mut store, &[mo("M1", A, 100_100), mo("M2", A, 300_000)])
        .unwrap();
    let (id, lines) = order_of(&mut store, &[(A, "1000")]);
    let review = matching::review(&store, id, 10).unwrap();
    assert_eq!(review.counts.suggestion, 1);
    let s = &review.review[0];
    assert_eq!(
        (s.merchant_orders.clone(), s.difference_cents),
        (vec!["M1".to_string()], Some(100))
    );
    // The page claims the far one was suggested: refused, nothing linked.
    let made_up = vec![(lines[0], "M2".to_string())];
    let err =
        matching::apply_picked(&mut store, ACTOR, id, &made_up, Picked::Suggestion).unwrap_err();
    assert_eq!(err.code(), "invalid");
    assert!(links_of(&store, id).is_empty());
    let run = matching::apply_picked(
        &mut store,
        ACTOR,
        id,
        &[(lines[0], "M1".into())],
        Picked::Suggestion,
    )
    .unwrap();
    assert_eq!(run.links, 1);
    let rows = audit::for_order(&store, id).unwrap();
    assert!(rows
        .iter()
        .any(|r| r.action == "link" && r.after.as_ref().unwrap()["how"] == "suggestion"));
    assert_eq!(
        matching::review(&store, id, 10).unwrap().runs[0].id,
        run.id.unwrap()
    );
}
