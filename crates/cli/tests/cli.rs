//! The real `xinbao` binary over a real profile database written through the store.

mod common;
use common::*;

use std::process::Command;
use xinbao_domain::{LineForm, OrderForm};
use xinbao_store::{orders, paths};

fn seeded() -> (tempfile::TempDir, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_profile(dir.path());
    let form = OrderForm {
        buyer_name: "Ivan Petrov".into(),
        passport_no: "E12345678".into(),
        country: "RU".into(),
        total_amount: "1500".into(),
        lines: vec![LineForm {
            merchant_name: "张三".into(),
            mobile: "13800138000".into(),
            order_month: "2026-03".into(),
            product_name: "袜子".into(),
            quantity: "100".into(),
            packages: "2".into(),
            amount: "1500".into(),
            ..Default::default()
        }],
    };
    let id = orders::create_draft(&mut store, "test", &form).unwrap();
    (dir, id)
}

#[test]
fn orders_list_json_shows_the_draft_with_a_masked_passport() {
    let (dir, id) = seeded();
    let out = xinbao(dir.path(), &["orders", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["orders"][0]["id"], id);
    assert_eq!(v["orders"][0]["state"], "draft");
    assert_eq!(v["orders"][0]["sync_state"], "local");
    assert_eq!(v["orders"][0]["passport_masked"], "E1*****78");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("E12345678"));
}

#[test]
fn orders_show_json_has_the_lines() {
    let (dir, id) = seeded();
    let out = xinbao(dir.path(), &["orders", "show", &id.to_string(), "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["buyer_name"], "Ivan Petrov");
    assert_eq!(v["lines"][0]["merchant_name"], "张三");
    assert_eq!(v["lines"][0]["amount_cents"], 150_000);
}

#[test]
fn a_missing_order_is_a_stable_code_and_a_failure_exit() {
    let (dir, _) = seeded();
    let out = xinbao(dir.path(), &["orders", "show", "999", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "order.not_found");
    assert!(String::from_utf8_lossy(&out.stderr).contains("order 999 does not exist"));
}

#[test]
fn the_environment_variable_chooses_the_data_dir() {
    let (dir, id) = seeded();
    let out = Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .args(["orders", "list", "--json"])
        .env(paths::DATA_DIR_ENV, dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["orders"][0]["id"], id);
}
