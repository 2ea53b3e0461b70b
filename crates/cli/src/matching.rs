//! `xinbao orders match | unmatch | link-group`: 自动匹配, 撤销本次匹配 and group linking,
//! over the same store functions the window calls.

use crate::{CliError, Output, CLI_ACTOR};
use serde::Serialize;
use xinbao_domain::matching::{Class, MatchPlan, Proposal};
use xinbao_domain::Cents;
use xinbao_store::matching::{self, Run};
use xinbao_store::Store;

/// `orders match ID [--apply]`: the plan; with --apply, the run of its exact links too.
pub(crate) fn run_match(
    store: &mut Store,
    output: Output,
    id: i64,
    apply: bool,
) -> Result<(), CliError> {
    let (plan, run) = if apply {
        let (run, plan) = matching::apply_exact_planned(store, CLI_ACTOR, id)?;
        (plan, Some(run))
    } else {
        (matching::preview(store, id)?, None)
    };
    #[derive(Serialize)]
    struct Answer<'a> {
        order: i64,
        #[serde(flatten)]
        plan: &'a MatchPlan,
        #[serde(skip_serializing_if = "Option::is_none")]
        run: Option<&'a Run>,
    }
    output.show(
        &Answer {
            order: id,
            plan: &plan,
            run: run.as_ref(),
        },
        || {
            let c = plan.counts;
            println!(
                "{} exact, {} ambiguous, {} suggestion(s), {} without a match (lines)",
                c.unique_exact, c.ambiguous, c.suggestion, c.none
            );
            for p in &plan.proposals {
                println!("{}", describe(p));
            }
            match &run {
                Some(Run { id: Some(r), links, .. }) => {
                    println!("run {r}: {links} link(s) made; undo with `xinbao orders unmatch {id} --run {r}`")
                }
                Some(_) => println!("nothing exact left to link"),
                None if c.unique_exact > 0 => println!("--apply links the exact ones"),
                None => {}
            }
        },
    );
    Ok(())
}

/// One proposal as a line of text.
fn describe(p: &Proposal) -> String {
    let lines = p
        .lines
        .iter()
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let group = format!(
        "{} {}",
        p.merchant_key
            .as_deref()
            .map(mask_key)
            .unwrap_or_else(|| "-".into()),
        p.order_month.as_deref().unwrap_or("-")
    );
    match p.class {
        Class::UniqueExact => format!(
            "exact      lines {lines} -> {} ({group})",
            p.merchant_orders.join(",")
        ),
        Class::Ambiguous => format!(
            "ambiguous  lines {lines}: {} equal choice(s): {} ({group})",
            p.choices.len(),
            p.choices
                .iter()
                .map(|c| c.merchant_orders.join("+"))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Class::Suggestion => format!(
            "suggestion lines {lines} -> {}, off by {} 元 ({group})",
            p.merchant_orders.join(","),
            Cents(p.difference_cents.unwrap_or(0))
        ),
        Class::None => format!(
            "none       lines {lines}: {} ({group})",
            p.why
                .as_ref()
                .map(|w| serde_json::to_value(w)
                    .map(|v| v["reason"].as_str().unwrap_or("").to_string())
                    .unwrap_or_default())
                .unwrap_or_default()
        ),
    }
}

/// A merchant key that is a mobile number is personal: masked in the text as in lists.
fn mask_key(key: &str) -> String {
    if key.len() == 11 && key.bytes().all(|b| b.is_ascii_digit()) {
        xinbao_domain::mask::mobile(key)
    } else {
        key.to_string()
    }
}

/// `orders unmatch ID --run RUN`.
pub(crate) fn run_unmatch(
    store: &mut Store,
    output: Output,
    id: i64,
    run: i64,
) -> Result<(), CliError> {
    let removed = matching::undo_run(store, CLI_ACTOR, id, run)?;
    output.answer(
        &serde_json::json!({ "order": id, "run": run, "links_removed": removed }),
        || format!("run {run} undone: {removed} link(s) removed"),
    );
    Ok(())
}

/// `orders link-group ID (--line L... | --merchant KEY --month YYYY-MM) --merchant-order M...`.
pub(crate) fn run_link_group(
    store: &mut Store,
    output: Output,
    id: i64,
    lines: Vec<i64>,
    group: Option<(String, String)>,
    merchant_orders: &[String],
) -> Result<(), CliError> {
    let lines = match group {
        Some((merchant, month)) => matching::group_lines(store, id, &merchant, &month)?,
        None => lines,
    };
    let run = matching::link_group(store, CLI_ACTOR, id, &lines, merchant_orders)?;
    output.answer(
        &serde_json::json!({ "order": id, "lines": lines, "run": run }),
        || match run.id {
            Some(r) => format!(
                "run {r}: {} link(s) made for {} line(s)",
                run.links,
                lines.len()
            ),
            None => "every line was linked to those merchant orders already".into(),
        },
    );
    Ok(())
}
