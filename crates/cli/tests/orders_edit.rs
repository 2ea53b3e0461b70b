//! `xinbao orders new` and `orders edit`: an order taken from draft to declared by the real
//! binary alone, over a real profile database, then read back from the SQLite file.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;
use xinbao_store::links::{self, MerchantOrder};
use xinbao_store::{audit, orders, outbox, Store};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The JSON a successful command printed.
fn ok_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The exit code `xinbao --help` lists for an error code's kind.
fn exit_for(code: &str) -> i32 {
    match code {
        "invalid" => 3,
        "line.not_found" => 2,
        c if c.starts_with("order.") && c != "order.not_found" => 4,
        "confirm.blocked" | "customs.taken" | "link.other_merchant" => 4,
        _ => 1,
    }
}

/// The JSON error a failed `--json` command printed (the exit code of its kind, the code
/// on stderr too).
fn err_json(out: &Output) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = v["code"].as_str().unwrap();
    assert_eq!(
        out.status.code(),
        Some(exit_for(code)),
        "{code}: {}",
        stderr(out)
    );
    assert!(
        stderr(out).contains(&format!("[{code}]")),
        "{}",
        stderr(out)
    );
    v
}

fn store(data_dir: &Path) -> Store {
    open_profile(data_dir)
}

fn merchant_order(id: &str, merchant: &str, mobile: &str, cents: i64) -> MerchantOrder {
    MerchantOrder {
        id: id.into(),
        procurement_no: None,
        merchant_name: merchant.into(),
        mobile: mobile.into(),
        order_month: "2026-03".into(),
        buyer_name: Some("Ivan Petrov".into()),
        product_name: Some("袜子".into()),
        quantity: Some(100),
        packages: Some(2),
        amount_cents: cents,
        sent_at: None,
    }
}

/// A profile whose cache holds the merchant orders sync would have pulled.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    links::upsert_merchant_orders(
        &mut store(dir.path()),
        &[
            merchant_order("MO-1", "张三", "13800138000", 100_000),
            merchant_order("MO-2", "李四", "13900139000", 50_000),
        ],
    )
    .unwrap();
    dir
}

const LINE_1: &str = "merchant_name=张三,mobile=13800138000,order_month=2026-03,product_name=袜子,quantity=100,packages=2,amount=1,000.00";
const LINE_2: &str = "merchant_name=李四,mobile=13900139000,order_month=2026-03,product_name=手套,quantity=10,packages=1,amount=300";

fn new_draft(dir: &Path) -> i64 {
    let v = ok_json(&xinbao(
        dir,
        &[
            "orders",
            "new",
            "--buyer-name",
            "Ivan",
            "--passport",
            "E12345678",
            "--country",
            "RU",
            "--total",
            "1,500",
            "--line",
            LINE_1,
            "--line",
            LINE_2,
            "--json",
        ],
    ));
    v["id"].as_i64().expect("{\"id\": N}")
}

fn show(dir: &Path, id: i64) -> serde_json::Value {
    ok_json(&xinbao(dir, &["orders", "show", &id.to_string(), "--json"]))
}

fn line_ids(order: &serde_json::Value) -> Vec<i64> {
    order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect()
}

fn kinds(dir: &Path, id: i64) -> Vec<String> {
    outbox::for_order(&store(dir), id)
        .unwrap()
        .into_iter()
        .map(|op| op.kind)
        .collect()
}

#[test]
fn an_order_from_draft_to_declared_without_the_window() {
    let dir = data_dir();
    let d = dir.path();
    let id = new_draft(d);
    let ids = id.to_string();
    let order = show(d, id);
    assert_eq!(order["state"], "draft");
    assert_eq!(order["buyer_name"], "Ivan");
    assert_eq!(order["country"], "RU");
    assert_eq!(order["total_cents"], 150_000);
    assert_eq!(order["lines"].as_array().unwrap().len(), 2);
    assert_eq!(order["lines"][0]["merchant_name"], "张三");
    assert_eq!(order["lines"][0]["amount_cents"], 100_000);
    assert_eq!(order["lines"][1]["amount_cents"], 30_000);
    let first_ids = line_ids(&order);

    // The buyer, on a draft.
    let v = ok_json(&xinbao(
        d,
        &[
            "orders",
            "edit",
            &ids,
            "--buyer-name",
            "Ivan Petrov",
            "--json",
        ],
    ));
    assert_eq!(
        v,
        serde_json::json!({"buyer_changed": true, "lines_added": 0, "lines_updated": 0, "lines_removed": 0})
    );

    // Add a line and change one: the stored lines are updated in place, not recreated.
    let v = ok_json(&xinbao(
        d,
        &[
            "orders",
            "edit",
            &ids,
            "--add-line",
            "merchant_name=王五,mobile=13700137000,amount=99",
            "--set-line",
            "2",
            "amount=500,quantity=20",
            "--json",
        ],
    ));
    assert_eq!(
        v,
        serde_json::json!({"buyer_changed": false, "lines_added": 1, "lines_updated": 1, "lines_removed": 0})
    );
    let order = show(d, id);
    let now_ids = line_ids(&order);
    assert_eq!(now_ids.len(), 3);
    assert_eq!(now_ids[..2], first_ids[..]);
    assert_eq!(order["lines"][1]["amount_cents"], 50_000);
    assert_eq!(order["lines"][1]["quantity"], 20);
    assert_eq!(
        order["lines"][1]["product_name"], "手套",
        "untouched fields stay"
    );
    assert_eq!(order["lines"][2]["merchant_name"], "王五");

    // Remove it again, in text form.
    let out = xinbao(d, &["orders", "edit", &ids, "--remove-line", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("order {id} saved: 1 line removed")
    );
    assert_eq!(line_ids(&show(d, id)), first_ids);

    // Drafts queue nothing; every change is in the audit log under the CLI's name.
    assert!(kinds(d, id).is_empty());
    let history = audit::for_order(&store(d), id).unwrap();
    let changes: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|r| (r.actor.as_str(), r.entity.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            ("cli", "order", "create"),
            ("cli", "line", "create"),
            ("cli", "line", "create"),
            ("cli", "order", "update"),
            ("cli", "line", "update"),
            ("cli", "line", "create"),
            ("cli", "line", "delete"),
        ]
    );

    // Link and confirm, as the other commands do.
    for (line, mo) in first_ids.iter().zip(["MO-1", "MO-2"]) {
        let out = xinbao(
            d,
            &[
                "orders",
                "link",
                "--line",
                &line.to_string(),
                "--merchant-order",
                mo,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = xinbao(d, &["orders", "confirm", &ids]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(kinds(d, id), ["order.confirm"]);

    // A confirmed order keeps its buyer.
    let e = err_json(&xinbao(
        d,
        &[
            "orders",
            "edit",
            &ids,
            "--buyer-name",
            "Someone Else",
            "--json",
        ],
    ));
    assert_eq!(e["code"], "order.buyer_frozen");
    let out = xinbao(d, &["orders", "edit", &ids, "--passport", "E87654321"]);
    assert_eq!(out.status.code(), Some(4), "refused by the order's rules");
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("[order.buyer_frozen]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(show(d, id)["buyer_name"], "Ivan Petrov");

    // Its lines still change, and each change is queued for the platform.
    let v = ok_json(&xinbao(
        d,
        &[
            "orders",
            "edit",
            &ids,
            "--set-line",
            "1",
            "note=加急",
            "--json",
        ],
    ));
    assert_eq!(v["lines_updated"], 1);
    assert_eq!(v["buyer_changed"], false);
    let ops = outbox::for_order(&store(d), id).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[1].kind, "line.upsert");
    assert!(ops[1].acked_at.is_none());
    let payload = ops[1].payload_value();
    assert_eq!(payload["order_uuid"], show(d, id)["uuid"]);
    assert_eq!(payload["line"]["note"], "加急");
    assert_eq!(
        payload["line"]["merchant_orders"],
        serde_json::json!(["MO-1"])
    );
    // A line of a confirmed order must stay complete: clearing a field is refused.
    let e = err_json(&xinbao(
        d,
        &[
            "orders",
            "edit",
            &ids,
            "--set-line",
            "2",
            "mobile=",
            "--json",
        ],
    ));
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"][0]["field"], "lines[1].mobile");
    assert_eq!(e["fields"][0]["code"], "required");
    assert_eq!(kinds(d, id).len(), 2);

    // Declared: nothing changes any more.
    let out = xinbao(d, &["orders", "customs", &ids, "292920260000012345"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(show(d, id)["state"], "declared");
    let before = kinds(d, id);
    assert_eq!(before, ["order.confirm", "line.upsert", "order.declare"]);
    for change in [
        &["--set-line", "1", "note=again"][..],
        &["--add-line", LINE_2],
        &["--remove-line", "2"],
        &["--buyer-name", "Someone Else"],
    ] {
        let mut args = vec!["orders", "edit", &ids];
        args.extend_from_slice(change);
        args.push("--json");
        let e = err_json(&xinbao(d, &args));
        assert_eq!(e["code"], "order.declared_frozen", "{change:?}");
    }
    assert_eq!(kinds(d, id), before);
    let order = show(d, id);
    assert_eq!(line_ids(&order), first_ids);
    assert_eq!(order["lines"][0]["note"], "加急");
}

#[test]
fn a_bad_value_is_the_domains_field_error_and_nothing_is_stored() {
    let dir = data_dir();
    let d = dir.path();
    let e = err_json(&xinbao(
        d,
        &[
            "orders",
            "new",
            "--line",
            "merchant_name=张三,quantity=abc",
            "--json",
        ],
    ));
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"].as_array().unwrap().len(), 1);
    assert_eq!(e["fields"][0]["field"], "lines[0].quantity");
    assert_eq!(e["fields"][0]["code"], "int.format");
    assert!(e["message"].as_str().unwrap().contains("lines[0].quantity"));
    assert_eq!(orders::count(&store(d)).unwrap(), 0);

    // The same on an edit, in text form: one line on stderr with the field and the code.
    let id = new_draft(d);
    let before = show(d, id);
    let out = xinbao(
        d,
        &[
            "orders",
            "edit",
            &id.to_string(),
            "--set-line",
            "2",
            "quantity=abc",
            "--total=-5",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "invalid input");
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("lines[1].quantity"), "{err}");
    assert!(err.contains("total_amount"), "{err}");
    assert!(err.contains("[invalid]"), "{err}");
    let after = show(d, id);
    assert_eq!(after["lines"], before["lines"]);
    assert_eq!(after["updated_at"], before["updated_at"]);

    // An empty draft is fine (暂存 any time); the plain form prints the bare id.
    let out = xinbao(d, &["orders", "new"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let empty: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(show(d, empty)["lines"], serde_json::json!([]));
}

#[test]
fn usage_errors_name_the_field_or_the_position() {
    let dir = data_dir();
    let d = dir.path();
    let id = new_draft(d);
    let ids = id.to_string();
    let usage = |args: &[&str], says: &str| {
        let out = xinbao(d, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    };
    usage(
        &["orders", "new", "--line", "merchant_name=x,colour=red"],
        "'colour' is not a line field",
    );
    usage(
        &["orders", "edit", &ids, "--add-line", "quantity"],
        "'quantity' is not FIELD=VALUE",
    );
    usage(
        &["orders", "edit", &ids, "--set-line", "1", "qty=5", "--json"],
        "'qty' is not a line field",
    );
    usage(
        &["orders", "edit", &ids, "--set-line", "first", "note=x"],
        "'first' is not a line position",
    );
    usage(
        &["orders", "edit", &ids, "--remove-line", "0"],
        "line position",
    );
    usage(
        &[
            "orders",
            "edit",
            &ids,
            "--set-line",
            "1",
            "note=x",
            "--remove-line",
            "1",
        ],
        "line 1 is both changed",
    );
    usage(&["orders", "edit", &ids], "--buyer-name");

    // A position the order does not have is known only once the order is read.
    let e = err_json(&xinbao(
        d,
        &["orders", "edit", &ids, "--remove-line", "3", "--json"],
    ));
    assert_eq!(e["code"], "line.not_found");
    assert_eq!(
        e["message"],
        format!("order {id} has no line 3 (it has 2 lines)")
    );
    let e = err_json(&xinbao(
        d,
        &["orders", "edit", "999", "--buyer-name", "x", "--json"],
    ));
    assert_eq!(e["code"], "order.not_found");
    assert_eq!(line_ids(&show(d, id)).len(), 2);
    assert_eq!(orders::count(&store(d)).unwrap(), 1);
}
