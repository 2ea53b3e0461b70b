//! 自动匹配 in the real window: a 1,000-line sheet whose every line matches one merchant
//! order goes from file to confirmed in nine clicks; a merchant-month group is linked in one
//! step as the manual does it, and that run undone as one.

mod common;
use common::*;
use std::time::{Duration, Instant};

const MERCHANT: (&str, &str, &str) = ("3307820001", "义乌市小商品经营部", "13905790001");

/// Line i's amount in cents: every line its own.
fn cents(i: u32) -> i64 {
    10_000 + 137 * i as i64
}

fn yuan(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// The platform sends the demo company `rows` merchant orders (procurement number, month,
/// amount, id, product), through its admin command for many at once.
fn seed_merchant_orders(
    platform: &Platform,
    dir: &std::path::Path,
    rows: &[(String, &str, i64, String)],
) {
    let file = dir.join("merchant-orders.csv");
    let mut csv = String::from("procurement_no,month,amount,id,product_name\n");
    for (no, month, c, id) in rows {
        csv.push_str(&format!("{no},{month},{},{id},匹配测试\n", yuan(*c)));
    }
    std::fs::write(&file, csv).unwrap();
    let out = platform.admin(&[
        "add-merchant-orders",
        "--company",
        DEMO_USCC,
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until this computer's cache holds `n` merchant orders of the seeded product.
async fn wait_for_merchant_orders(app: &App, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = app
            .invoke(
                "merchant_orders",
                serde_json::json!({ "query": { "search": "匹配测试", "limit": 1 } }),
            )
            .await;
        if page["ok"]["total"].as_i64() == Some(n) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the merchant orders never came: {page}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_exact_lines_go_from_file_to_confirmed_in_nine_clicks() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let rows: Vec<_> = (0..1_000)
        .map(|i| {
            (
                MERCHANT.0.to_string(),
                "2026-10",
                cents(i),
                format!("BULK-{i:04}"),
            )
        })
        .collect();
    seed_merchant_orders(&platform, data.path(), &rows);

    let file = data.path().join("交易清单.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "商户采购号",
        "商户名",
        "手机号",
        "下单月份",
        "品名",
        "数量",
        "总件数",
        "总金额(美元)",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..1_000u32 {
        let r = i + 1;
        sheet.write_string(r, 0, MERCHANT.0).unwrap();
        sheet.write_string(r, 1, MERCHANT.1).unwrap();
        sheet.write_string(r, 2, MERCHANT.2).unwrap();
        sheet.write_string(r, 3, "2026-10").unwrap();
        sheet.write_string(r, 4, "毛绒玩具").unwrap();
        sheet.write_number(r, 5, 10.0).unwrap();
        sheet.write_number(r, 6, 1.0).unwrap();
        sheet.write_number(r, 7, cents(i) as f64 / 100.0).unwrap();
    }
    book.save(&file).unwrap();
    let total: i64 = (0..1_000).map(cents).sum();

    let app = App::start_logged_in(data.path(), &platform).await;
    wait_for_merchant_orders(&app, 1_000).await;
    app.click("#nav-orders").await;
    app.click("[data-testid='new-order']").await;
    app.fill("#buyer_name", "IVAN PETROV").await;
    app.fill("#passport_no", "E12345678").await;
    app.fill("#country", "俄罗斯").await;
    app.fill("#total_amount", &yuan(total)).await;
    app.click("[data-testid='save-draft']").await;
    app.wait_css("[data-testid='delete-draft']").await;

    // From the file: 1 批量导入 (and the file chosen), 2 start, 3 accept.
    app.click("[data-testid='import-open']").await;
    let path = file.clone();
    tokio::task::spawn_blocking(move || answer_file_dialog("选择要导入的表格", &path))
        .await
        .unwrap();
    app.click("[data-testid='import-start']").await;
    app.wait_text("[data-testid='import-accept']", "接受 1000 条有效行")
        .await;
    app.click("[data-testid='import-accept']").await;
    app.wait_count("[data-testid='line-row']", 1_000).await;

    // 4 关联商户订单, 5 自动匹配: the counts first.
    app.click("[data-testid='link-open']").await;
    app.click("[data-testid='match-run']").await;
    app.wait_text(
        "[data-testid='match-counts']",
        "精确匹配 1000 行 · 多种可能 0 行 · 建议 0 行 · 无匹配 0 行",
    )
    .await;
    app.screenshot("matching-counts").await;
    // 6 全部关联: one run of a thousand links.
    app.click("[data-testid='match-apply-all']").await;
    app.wait_until("[data-testid='match-status']", "the run", |t| {
        t.starts_with("本次匹配关联了 1000 笔")
    })
    .await;
    app.wait_text(
        "[data-testid='match-counts']",
        "精确匹配 0 行 · 多种可能 0 行 · 建议 0 行 · 无匹配 0 行",
    )
    .await;
    app.wait_css("[data-testid='match-undo']").await;

    // 7 back, 8 订单确认, 9 OK.
    app.click("[data-testid='link-back']").await;
    app.click("[data-testid='confirm-order']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_text("[data-testid='state-badge']", "已确认").await;
    app.screenshot("matched-and-confirmed").await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_is_linked_in_one_step_and_the_run_undone_as_one() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    // Two merchant orders together worth the group's three lines (100 + 200 + 300).
    let no = MERCHANT.0.to_string();
    seed_merchant_orders(
        &platform,
        data.path(),
        &[
            (no.clone(), "2026-10", 25_000, "GRP-1".into()),
            (no, "2026-10", 35_000, "GRP-2".into()),
        ],
    );
    let app = App::start_logged_in(data.path(), &platform).await;
    wait_for_merchant_orders(&app, 2).await;
    let line = |amount: &str| {
        format!(
            "procurement_no={},merchant_name={},mobile={},order_month=2026-10,product_name=袜子,quantity=1,packages=1,amount={amount}",
            MERCHANT.0, MERCHANT.1, MERCHANT.2
        )
    };
    let (l1, l2, l3) = (line("100"), line("200"), line("300"));
    let created: serde_json::Value = serde_json::from_str(&cli(
        data.path(),
        &[
            "orders",
            "new",
            "--json",
            "--buyer-name",
            "IVAN",
            "--line",
            &l1,
            "--line",
            &l2,
            "--line",
            &l3,
        ],
    ))
    .unwrap();
    let id = created["id"].as_i64().unwrap();

    app.go(&format!("#/orders/{id}/link")).await;
    app.wait_count("[data-testid='link-group']", 1).await;
    app.click("[data-testid='link-group-select']").await;
    app.click("[data-testid='link-group-candidate'][data-mo-id='GRP-1']")
        .await;
    // One ticked: the group's total and the ticked total differ, and it shows.
    app.wait_text(
        "[data-testid='link-group-total']",
        "本组金额 600.00 · 已勾选 250.00",
    )
    .await;
    let class = app
        .wait_css("[data-testid='link-group-total']")
        .await
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(class.contains("mismatch"), "{class}");
    app.click("[data-testid='link-group-candidate'][data-mo-id='GRP-2']")
        .await;
    app.wait_text(
        "[data-testid='link-group-total']",
        "本组金额 600.00 · 已勾选 600.00",
    )
    .await;
    app.click("[data-testid='link-group-apply']").await;
    app.wait_until("[data-testid='link-group-sum']", "the group linked", |t| {
        t == "本组金额 600.00 · 已关联 600.00"
    })
    .await;
    app.wait_count("[data-testid='link-line-state'].linked", 3)
        .await;
    app.wait_count("[data-testid='link-group-linked']", 2).await;
    app.screenshot("group-linked").await;

    // 撤销本次匹配: the group's run goes as one.
    app.click("[data-testid='match-run']").await;
    app.click("[data-testid='match-undo']").await;
    app.wait_until("[data-testid='match-status']", "undone", |t| {
        t == "已撤销本次匹配：移除了 6 笔关联"
    })
    .await;
    app.wait_count("[data-testid='link-line-state'].linked", 0)
        .await;
    let shown: serde_json::Value = serde_json::from_str(&cli(
        data.path(),
        &["orders", "show", &id.to_string(), "--json"],
    ))
    .unwrap();
    assert!(shown["lines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["merchant_order_ids"].as_array().unwrap().is_empty()));
    app.quit().await;
}
