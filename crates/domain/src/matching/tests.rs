use super::*;
use proptest::prelude::*;

fn line(id: i64, mobile: &str, month: &str, cents: i64) -> MatchLine {
    MatchLine {
        id,
        procurement_no: None,
        mobile: Some(mobile.into()),
        order_month: Some(month.into()),
        amount_cents: Some(cents),
    }
}

fn mo(id: &str, mobile: &str, month: &str, cents: i64) -> MatchCandidate {
    MatchCandidate {
        id: id.into(),
        procurement_no: None,
        mobile: mobile.into(),
        order_month: month.into(),
        amount_cents: cents,
        taken_by: None,
    }
}

const A: &str = "13800000001";
const B: &str = "13800000002";
const OCT: &str = "2026-10";
const NOV: &str = "2026-11";

fn only(plan: &MatchPlan) -> &Proposal {
    assert_eq!(plan.proposals.len(), 1, "{plan:#?}");
    &plan.proposals[0]
}

#[test]
fn one_line_one_merchant_order_of_the_same_amount_is_unique_exact() {
    let plan = plan(
        &[line(1, A, OCT, 10_000), line(2, A, OCT, 25_000)],
        &[
            mo("m1", A, OCT, 25_000),
            mo("m2", A, OCT, 10_000),
            mo("m3", A, OCT, 99_900),
        ],
    );
    assert_eq!(plan.counts.unique_exact, 2);
    assert_eq!(plan.exact_links(), vec![(1, "m2".into()), (2, "m1".into())]);
    assert!(plan
        .proposals
        .iter()
        .all(|p| p.stage == Some(Stage::OneToOne)));
}

#[test]
fn the_gate_is_the_merchant_and_the_month() {
    // Same amount, but another merchant, or the same merchant in another month.
    let plan = plan(
        &[line(1, A, OCT, 10_000)],
        &[mo("m1", B, OCT, 10_000), mo("m2", A, NOV, 10_000)],
    );
    let p = only(&plan);
    assert_eq!(p.class, Class::None);
    assert_eq!(p.why, Some(NoMatch::NoMerchantOrders));
}

#[test]
fn a_procurement_number_is_the_merchant_in_any_case() {
    let mut l = line(1, A, OCT, 10_000);
    l.procurement_no = Some("yw2026x".into());
    let mut m = mo("m1", B, OCT, 10_000);
    m.procurement_no = Some("YW2026X".into());
    let plan = plan(&[l], &[m]);
    assert_eq!(only(&plan).class, Class::UniqueExact);
}

#[test]
fn two_equal_merchant_orders_for_one_line_are_ambiguous_with_both_shown() {
    let plan = plan(
        &[line(1, A, OCT, 10_000)],
        &[mo("m1", A, OCT, 10_000), mo("m2", A, OCT, 10_000)],
    );
    let p = only(&plan);
    assert_eq!(p.class, Class::Ambiguous);
    assert!(p.merchant_orders.is_empty(), "never applied on its own");
    let choices: Vec<_> = p
        .choices
        .iter()
        .map(|c| c.merchant_orders.clone())
        .collect();
    assert_eq!(
        choices,
        vec![vec!["m1".to_string()], vec!["m2".to_string()]]
    );
    assert!(plan.exact_links().is_empty());
}

#[test]
fn several_lines_of_a_merchant_month_to_one_merchant_order() {
    let plan = plan(
        &[line(1, A, OCT, 10_000), line(2, A, OCT, 5_050)],
        &[mo("m1", A, OCT, 15_050)],
    );
    let p = only(&plan);
    assert_eq!(
        (p.class, p.stage),
        (Class::UniqueExact, Some(Stage::LinesToOne))
    );
    assert_eq!(plan.exact_links(), vec![(1, "m1".into()), (2, "m1".into())]);
}

#[test]
fn one_line_to_several_merchant_orders() {
    let plan = plan(
        &[line(1, A, OCT, 30_000)],
        &[mo("m1", A, OCT, 10_000), mo("m2", A, OCT, 20_000)],
    );
    let p = only(&plan);
    assert_eq!(
        (p.class, p.stage),
        (Class::UniqueExact, Some(Stage::OneToMany))
    );
    assert_eq!(p.merchant_orders, vec!["m1", "m2"]);
}

#[test]
fn a_whole_merchant_month_group_to_a_set_as_the_manual_does() {
    let plan = plan(
        &[
            line(1, A, OCT, 10_000),
            line(2, A, OCT, 20_000),
            line(3, A, OCT, 40_000),
        ],
        &[mo("m1", A, OCT, 35_000), mo("m2", A, OCT, 35_000)],
    );
    let p = only(&plan);
    assert_eq!((p.class, p.stage), (Class::UniqueExact, Some(Stage::Group)));
    assert_eq!(plan.exact_links().len(), 6);
}

#[test]
fn a_subset_of_lines_found_by_the_bounded_search() {
    // m1 = lines 1 + 3 only; line 2 is left with a suggestion.
    let plan = plan(
        &[
            line(1, A, OCT, 10_000),
            line(2, A, OCT, 7_000),
            line(3, A, OCT, 3_300),
        ],
        &[mo("m1", A, OCT, 13_300), mo("m2", A, OCT, 7_010)],
    );
    let exact: Vec<_> = plan
        .proposals
        .iter()
        .filter(|p| p.class == Class::UniqueExact)
        .collect();
    assert_eq!(exact.len(), 1, "{plan:#?}");
    assert_eq!(
        (exact[0].stage, exact[0].lines.clone()),
        (Some(Stage::Subset), vec![1, 3])
    );
    let s = plan.proposals.iter().find(|p| p.lines == vec![2]).unwrap();
    assert_eq!(s.class, Class::Suggestion);
    assert_eq!((s.difference_cents, s.band), (Some(10), Some(Band::Close)));
}

#[test]
fn two_subsets_of_equal_sum_are_ambiguous() {
    // 500 = 100 + 400 = 200 + 300.
    let plan = plan(
        &[
            line(1, A, OCT, 100),
            line(2, A, OCT, 200),
            line(3, A, OCT, 300),
            line(4, A, OCT, 400),
        ],
        &[mo("m1", A, OCT, 500), mo("m2", A, OCT, 1)],
    );
    let p = plan
        .proposals
        .iter()
        .find(|p| p.stage == Some(Stage::Subset))
        .unwrap();
    assert_eq!(p.class, Class::Ambiguous, "{plan:#?}");
    assert_eq!(p.choices.len(), 2);
    assert!(plan.exact_links().is_empty());
}

#[test]
fn suggestions_are_banded_and_far_ones_say_by_how_much() {
    let plan = plan(
        &[line(1, A, OCT, 100_000), line(2, B, OCT, 100_000)],
        &[mo("m1", A, OCT, 103_000), mo("m2", B, OCT, 150_000)],
    );
    let near = plan.proposals.iter().find(|p| p.lines == vec![1]).unwrap();
    assert_eq!(
        (near.class, near.band, near.difference_cents),
        (Class::Suggestion, Some(Band::Near), Some(3_000))
    );
    let far = plan.proposals.iter().find(|p| p.lines == vec![2]).unwrap();
    assert_eq!(far.class, Class::None);
    assert_eq!(
        far.why,
        Some(NoMatch::AmountsDiffer {
            nearest_off_cents: 50_000
        })
    );
    assert_eq!(
        plan.counts,
        Counts {
            unique_exact: 0,
            ambiguous: 0,
            suggestion: 1,
            none: 1
        }
    );
}

#[test]
fn a_merchant_order_another_export_order_holds_is_never_proposed_and_named() {
    let mut taken = mo("m1", A, OCT, 10_000);
    taken.taken_by = Some(42);
    let plan = plan(&[line(1, A, OCT, 10_000)], &[taken]);
    assert_eq!(
        only(&plan).why,
        Some(NoMatch::AllTaken { taken_by: vec![42] })
    );
}

#[test]
fn an_incomplete_line_says_what_it_lacks() {
    let mut l = line(1, A, OCT, 10_000);
    l.order_month = None;
    l.amount_cents = None;
    let plan = plan(&[l], &[mo("m1", A, OCT, 10_000)]);
    assert_eq!(
        only(&plan).why,
        Some(NoMatch::Incomplete {
            missing: vec!["order_month", "amount"]
        })
    );
}

#[test]
fn a_merchant_order_two_groups_could_use_is_left_to_the_clerk() {
    // Line 1 names procurement number P (mobile A); line 2 has no number and mobile A: the
    // merchant order without a number, of mobile A, passes both gates.
    let mut l1 = line(1, A, OCT, 10_000);
    l1.procurement_no = Some("P1".into());
    let plan = plan(&[l1, line(2, A, OCT, 10_000)], &[mo("m1", A, OCT, 10_000)]);
    assert!(
        plan.proposals.iter().all(|p| p.class != Class::UniqueExact),
        "{plan:#?}"
    );
}

#[test]
fn a_hostile_group_ends_within_its_limits() {
    // 300 lines of about a 元 and merchant orders asking for subsets of them: the searches
    // stop at their limits, and nothing found that way is applied on its own.
    let lines: Vec<_> = (1..=300).map(|i| line(i, A, OCT, 100 + (i % 31))).collect();
    let mos: Vec<_> = (1..=50)
        .map(|i| mo(&format!("m{i}"), A, OCT, 1_000 + 3 * i))
        .collect();
    let plan = plan(&lines, &mos);
    assert_eq!(
        plan.proposals.iter().map(|p| p.lines.len()).sum::<usize>(),
        300
    );
    assert!(plan
        .proposals
        .iter()
        .filter(|p| p.stage == Some(Stage::Subset))
        .all(|p| p.class == Class::Ambiguous));
    // The same search over few enough lines is complete, and its one answer exact.
    let few: Vec<_> = (1..=12).map(|i| line(i, A, OCT, 1 << i)).collect();
    let plan = super::plan(&few, &[mo("m1", A, OCT, (1 << 3) + (1 << 7) + (1 << 11))]);
    let p = plan
        .proposals
        .iter()
        .find(|p| p.class == Class::UniqueExact)
        .unwrap();
    assert_eq!(
        (p.stage, p.lines.clone()),
        (Some(Stage::Subset), vec![3, 7, 11])
    );
}

// Properties over random orders of a few merchants and months.

fn arb_case() -> impl Strategy<Value = (Vec<MatchLine>, Vec<MatchCandidate>)> {
    let mobiles = [A, B, "13800000003"];
    let months = [OCT, NOV];
    let arb_line = (
        0usize..3,
        0usize..2,
        prop::option::of("[pP][0-2]"),
        1i64..20,
        any::<bool>(),
    );
    let arb_mo = (
        0usize..3,
        0usize..2,
        prop::option::of("[pP][0-2]"),
        1i64..40,
        prop::option::of(1i64..3),
    );
    (
        prop::collection::vec(arb_line, 0..25),
        prop::collection::vec(arb_mo, 0..25),
    )
        .prop_map(move |(ls, ms)| {
            let lines = ls
                .into_iter()
                .enumerate()
                .map(|(i, (mb, mn, p, a, has_month))| MatchLine {
                    id: i as i64 + 1,
                    procurement_no: p,
                    mobile: Some(mobiles[mb].into()),
                    order_month: has_month.then(|| months[mn].into()),
                    amount_cents: Some(a * 100),
                })
                .collect();
            let mos = ms
                .into_iter()
                .enumerate()
                .map(|(i, (mb, mn, p, a, taken))| MatchCandidate {
                    id: format!("m{i}"),
                    procurement_no: p,
                    mobile: mobiles[mb].into(),
                    order_month: months[mn].into(),
                    amount_cents: a * 100,
                    taken_by: taken,
                })
                .collect();
            (lines, mos)
        })
}

proptest! {
    #[test]
    fn never_across_merchants_or_months_never_taken_never_twice((lines, mos) in arb_case()) {
        let plan = plan(&lines, &mos);
        let line_of = |id: i64| lines.iter().find(|l| l.id == id).unwrap();
        let mo_of = |id: &str| mos.iter().find(|m| m.id == id).unwrap();
        let mut used_exact: Vec<&str> = Vec::new();
        for p in &plan.proposals {
            let mut sets: Vec<(Vec<i64>, Vec<String>)> = vec![(p.lines.clone(), p.merchant_orders.clone())];
            sets.extend(p.choices.iter().map(|c| (c.lines.clone(), c.merchant_orders.clone())));
            for (ls, ms) in sets {
                for &l in &ls {
                    let l = line_of(l);
                    for m in &ms {
                        let m = mo_of(m);
                        prop_assert!(m.taken_by.is_none(), "taken {} proposed", m.id);
                        prop_assert_eq!(l.order_month.as_deref(), Some(m.order_month.as_str()));
                        prop_assert!(same_merchant_by(l.procurement_no.as_deref(), l.mobile.as_deref(),
                            m.procurement_no.as_deref(), &m.mobile));
                    }
                }
            }
            if p.class == Class::UniqueExact {
                let lines_total: i64 = p.lines.iter().map(|&l| line_of(l).amount_cents.unwrap()).sum();
                let mos_total: i64 = p.merchant_orders.iter().map(|m| mo_of(m).amount_cents).sum();
                prop_assert_eq!(lines_total, mos_total, "exact means equal cents");
                for m in &p.merchant_orders {
                    prop_assert!(!used_exact.contains(&m.as_str()), "{} in two exact proposals", m);
                    used_exact.push(m);
                }
            }
        }
        // Every line in exactly one proposal; the counts are those lines.
        let mut seen: Vec<i64> = plan.proposals.iter().flat_map(|p| p.lines.clone()).collect();
        seen.sort_unstable();
        let mut all: Vec<i64> = lines.iter().map(|l| l.id).collect();
        all.sort_unstable();
        prop_assert_eq!(seen, all);
        let c = plan.counts;
        prop_assert_eq!(c.unique_exact + c.ambiguous + c.suggestion + c.none, lines.len());
        // An exact merchant order is in no other proposal, not even as a choice.
        for p in plan.proposals.iter().filter(|p| p.class != Class::UniqueExact) {
            for m in p.merchant_orders.iter().chain(p.choices.iter().flat_map(|c| c.merchant_orders.iter())) {
                prop_assert!(!used_exact.contains(&m.as_str()));
            }
        }
    }

    #[test]
    fn the_same_input_gives_the_same_plan((lines, mos) in arb_case()) {
        let mut reversed = mos.clone();
        reversed.reverse();
        prop_assert_eq!(plan(&lines, &mos), plan(&lines, &mos));
        prop_assert_eq!(plan(&lines, &mos).exact_links(), plan(&lines, &reversed).exact_links());
    }
}
