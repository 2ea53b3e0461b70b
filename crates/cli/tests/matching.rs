//! `xinbao orders match | unmatch | link-group` through the real binary: a 300-line order
//! whose every line matches one merchant order is linked by one command and confirmed; a
//! run is undone as one; a group is linked as the manual does it; a run killed before its
//! commit leaves nothing.

mod common;
use common::*;

use std::path::Path;
use std::process::{Command, Output};
use xinbao_store::links::{self, MerchantOrder};
use xinbao_store::{crash, paths};

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn mo(id: String, mobile: &str, month: &str, cents: i64) -> MerchantOrder {
    MerchantOrder {
        id,
        procurement_no: None,
        merchant_name: "商户".into(),
        mobile: mobile.into(),
        order_month: month.into(),
        buyer_name: None,
        product_name: None,
        quantity: None,
        packages: None,
        amount_cents: cents,
        sent_at: None,
    }
}

/// A draft of `n` lines of 30 merchants, each line of its own amount; the cache holds one
/// merchant order per line (same merchant, same month, same amount) and, beside them,
/// merchant orders that must not be used: another month, another merchant.
fn matching_order(dir: &Path, n: usize) -> i64 {
    let mobile = |i: usize| format!("1380000{:04}", i % 30);
    let cents = |i: usize| 10_000 + 137 * i as i64;
    let mut cache: Vec<MerchantOrder> = (0..n)
        .map(|i| mo(format!("MO-{i:04}"), &mobile(i), "2026-10", cents(i)))
        .collect();
    cache.push(mo("MO-NOV".into(), &mobile(0), "2026-11", cents(0)));
    cache.push(mo("MO-OTHER".into(), "13999999999", "2026-10", cents(1)));
    links::upsert_merchant_orders(&mut open_profile(dir), &cache).unwrap();
    let total: i64 = (0..n).map(cents).sum();
    let lines: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "merchant_name=商户{},mobile={},order_month=2026-10,product_name=袜子,quantity=1,packages=1,amount={}",
                i % 30,
                mobile(i),
                xinbao_domain::Cents(cents(i)).plain()
            )
        })
        .collect();
    let total = xinbao_domain::Cents(total).plain();
    let mut args = vec![
        "orders",
        "new",
        "--json",
        "--buyer-name",
        "Ivan",
        "--passport",
        "E12345678",
        "--country",
        "RU",
        "--total",
        &total,
    ];
    for l in &lines {
        args.extend(["--line", l.as_str()]);
    }
    ok_json(&xinbao(dir, &args))["id"].as_i64().unwrap()
}

fn linked_lines(dir: &Path, id: i64) -> usize {
    let shown = ok_json(&xinbao(dir, &["orders", "show", &id.to_string(), "--json"]));
    shown["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| !l["merchant_order_ids"].as_array().unwrap().is_empty())
        .count()
}

#[test]
fn three_hundred_exact_lines_are_linked_by_one_command_confirmed_and_undone_as_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let id = matching_order(dir.path(), 300);
    let ids = id.to_string();

    let plan = ok_json(&xinbao(dir.path(), &["orders", "match", &ids, "--json"]));
    assert_eq!(plan["counts"]["unique_exact"], 300, "{}", plan["counts"]);
    assert!(plan.get("run").is_none(), "a preview changes nothing");
    assert_eq!(linked_lines(dir.path(), id), 0);

    let applied = ok_json(&xinbao(
        dir.path(),
        &["orders", "match", &ids, "--apply", "--json"],
    ));
    assert_eq!(applied["run"]["links"], 300);
    let run = applied["run"]["id"].as_i64().unwrap().to_string();
    assert_eq!(linked_lines(dir.path(), id), 300);
    // Never the other month's or the other merchant's.
    let shown = ok_json(&xinbao(dir.path(), &["orders", "show", &ids, "--json"]));
    let text = shown.to_string();
    assert!(!text.contains("MO-NOV") && !text.contains("MO-OTHER"));

    // Undone as one, then applied again and confirmed.
    let undone = ok_json(&xinbao(
        dir.path(),
        &["orders", "unmatch", &ids, "--run", &run, "--json"],
    ));
    assert_eq!(undone["links_removed"], 300);
    assert_eq!(linked_lines(dir.path(), id), 0);
    let again = xinbao(
        dir.path(),
        &["orders", "unmatch", &ids, "--run", &run, "--json"],
    );
    assert_eq!(again.status.code(), Some(4));
    assert_eq!(ok_json_err(&again)["code"], "match.run_undone");

    ok_json(&xinbao(
        dir.path(),
        &["orders", "match", &ids, "--apply", "--json"],
    ));
    let confirmed = xinbao(dir.path(), &["orders", "confirm", &ids, "--json"]);
    assert!(
        confirmed.status.success(),
        "{}",
        String::from_utf8_lossy(&confirmed.stdout)
    );

    // The text form names the counts and how to undo.
    let words = xinbao(dir.path(), &["orders", "match", &ids]);
    let words = String::from_utf8_lossy(&words.stdout).to_string();
    assert!(
        words.starts_with("0 exact, 0 ambiguous, 0 suggestion(s), 0 without a match"),
        "{words}"
    );
}

fn ok_json_err(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_group_is_linked_by_merchant_and_month_in_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let id = matching_order(dir.path(), 60);
    let ids = id.to_string();
    // Merchant 0's two lines (0 and 30) to its two merchant orders: four links, one run.
    let out = ok_json(&xinbao(
        dir.path(),
        &[
            "orders",
            "link-group",
            &ids,
            "--merchant",
            "13800000000",
            "--month",
            "2026年10月",
            "--merchant-order",
            "MO-0000",
            "--merchant-order",
            "MO-0030",
            "--json",
        ],
    ));
    assert_eq!(out["lines"].as_array().unwrap().len(), 2);
    assert_eq!(out["run"]["links"], 4);
    // A merchant order of another merchant in the group: refused, nothing linked.
    let refused = xinbao(
        dir.path(),
        &[
            "orders",
            "link-group",
            &ids,
            "--merchant",
            "13800000001",
            "--month",
            "2026-10",
            "--merchant-order",
            "MO-0001",
            "--merchant-order",
            "MO-OTHER",
            "--json",
        ],
    );
    assert_eq!(refused.status.code(), Some(4));
    assert_eq!(ok_json_err(&refused)["code"], "link.other_merchant");
    assert_eq!(linked_lines(dir.path(), id), 2);
    // A group with no lines says so.
    let empty = xinbao(
        dir.path(),
        &[
            "orders",
            "link-group",
            &ids,
            "--merchant",
            "13700000000",
            "--month",
            "2026-10",
            "--merchant-order",
            "MO-0001",
            "--json",
        ],
    );
    assert_eq!(empty.status.code(), Some(3));
    assert_eq!(ok_json_err(&empty)["fields"][0]["field"], "lines");
}

#[test]
fn a_run_killed_before_its_commit_leaves_no_link() {
    let dir = tempfile::tempdir().unwrap();
    let id = matching_order(dir.path(), 50);
    let ids = id.to_string();
    let killed = Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["orders", "match", &ids, "--apply", "--json"])
        .env_remove(paths::DATA_DIR_ENV)
        .env(crash::CRASH_AT_ENV, "match.written")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "killed by its signal");
    assert_eq!(linked_lines(dir.path(), id), 0, "all or nothing");
    let applied = ok_json(&xinbao(
        dir.path(),
        &["orders", "match", &ids, "--apply", "--json"],
    ));
    assert_eq!(applied["run"]["links"], 50);
}
