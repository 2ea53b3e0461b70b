//! 批量补录报关单号 in the real window: the list shows each order's number; the broker's file
//! (one good row, one malformed number, one unknown order) is previewed row by row in words,
//! the good row declared in one step and queued, the rejected rows exported with why.

mod common;
use common::*;
use std::time::{Duration, Instant};

const MERCHANT: (&str, &str, &str) = ("3307820001", "义乌市小商品经营部", "13905790001");

/// A confirmed order of one line of `amount` linked to merchant order `mo`, made by the CLI
/// beside the running app; its id and order number.
fn confirmed_order(data: &std::path::Path, buyer: &str, amount: &str, mo: &str) -> (i64, String) {
    let line = format!(
        "procurement_no={},merchant_name={},mobile={},order_month=2026-10,product_name=袜子,quantity=1,packages=1,amount={amount}",
        MERCHANT.0, MERCHANT.1, MERCHANT.2
    );
    let created: serde_json::Value = serde_json::from_str(&cli(
        data,
        &[
            "orders",
            "new",
            "--json",
            "--buyer-name",
            buyer,
            "--passport",
            "E12345678",
            "--country",
            "RU",
            "--total",
            amount,
            "--line",
            &line,
        ],
    ))
    .unwrap();
    let id = created["id"].as_i64().unwrap().to_string();
    let shown: serde_json::Value =
        serde_json::from_str(&cli(data, &["orders", "show", &id, "--json"])).unwrap();
    let line_id = shown["lines"][0]["id"].as_i64().unwrap().to_string();
    cli(
        data,
        &["orders", "link", "--line", &line_id, "--merchant-order", mo],
    );
    cli(data, &["orders", "confirm", &id]);
    (
        id.parse().unwrap(),
        shown["order_no"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_brokers_file_is_previewed_declared_and_its_rejected_rows_exported() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let csv = data.path().join("merchant-orders.csv");
    std::fs::write(
        &csv,
        format!(
            "procurement_no,month,amount,id\n{0},2026-10,100.00,CUS-1\n{0},2026-10,200.00,CUS-2\n",
            MERCHANT.0
        ),
    )
    .unwrap();
    let out = platform.admin(&[
        "add-merchant-orders",
        "--company",
        DEMO_USCC,
        "--file",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = App::start_logged_in(data.path(), &platform).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while app
        .invoke("merchant_order", serde_json::json!({ "id": "CUS-2" }))
        .await
        .get("ok")
        .is_none()
    {
        assert!(Instant::now() < deadline, "the merchant orders never came");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (good, good_no) = confirmed_order(data.path(), "IVAN", "100", "CUS-1");
    let (bad, bad_no) = confirmed_order(data.path(), "OLGA", "200", "CUS-2");

    // The list shows each order's number, as the CLI does.
    app.go("#/orders").await;
    app.wait_until("[data-testid='order-no']", "the order numbers", |t| {
        t == good_no || t == bad_no
    })
    .await;

    let file = data.path().join("报关单.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["订单编号", "报关单号"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (order, number)) in [
        (good_no.as_str(), "223320260000000101"),
        (bad_no.as_str(), "12345"),
        ("XB-0000-0000-0000", "223320260000000102"),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(r as u32 + 1, 0, *order).unwrap();
        sheet.write_string(r as u32 + 1, 1, *number).unwrap();
    }
    book.save(&file).unwrap();

    app.click("[data-testid='customs-bulk']").await;
    app.click("[data-testid='customs-pick']").await;
    let path = file.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("选择报关单文件", &path))
        .await
        .unwrap();
    app.wait_text(
        "[data-testid='customs-counts']",
        "共 3 行：1 行将补录，2 行未通过",
    )
    .await;
    app.wait_text(
        "[data-testid='customs-row'][data-row='2'] [data-testid='customs-row-status']",
        "将补录",
    )
    .await;
    app.wait_text(
        "[data-testid='customs-row'][data-row='3'] [data-testid='customs-row-status']",
        "格式错误（报关单号：报关单号应为18位数字）",
    )
    .await;
    app.wait_text(
        "[data-testid='customs-row'][data-row='4'] [data-testid='customs-row-status']",
        "找不到订单",
    )
    .await;
    app.screenshot("customs-preview").await;

    app.click("[data-testid='customs-apply']").await;
    app.wait_text(
        "[data-testid='customs-status']",
        "已补录 1 个订单，已排队同步到平台；2 行未通过",
    )
    .await;
    let state = |id: i64| {
        let shown: serde_json::Value = serde_json::from_str(&cli(
            data.path(),
            &["orders", "show", &id.to_string(), "--json"],
        ))
        .unwrap();
        (
            shown["state"].as_str().unwrap().to_string(),
            shown["customs_no"].as_str().map(str::to_string),
        )
    };
    assert_eq!(
        state(good),
        ("declared".into(), Some("223320260000000101".into()))
    );
    assert_eq!(state(bad), ("confirmed".into(), None));

    let rejected = data.path().join("rejected.xlsx");
    app.click("[data-testid='customs-export-rejected']").await;
    let answer = rejected.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("保存未通过的报关单行", &answer))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !rejected.exists() {
        assert!(
            Instant::now() < deadline,
            "the rejected rows were never saved"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Taken by the CLI, the saved file is the two rejected rows with their reasons.
    let out = std::process::Command::new(cli_binary())
        .arg("--data-dir")
        .arg(data.path())
        .args(["--json", "orders", "customs", "--dry-run", "--file"])
        .arg(&rejected)
        .output()
        .unwrap();
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["rows"].as_array().unwrap().len(), 2, "{again}");
    assert_eq!(again["rows"][0]["status"], "bad_format");
    assert_eq!(again["rows"][1]["status"], "unknown_order");
    app.quit().await;
}
