//! The real app imports a spreadsheet through the native file dialog, the clerk fixes one
//! bad cell in the preview, accepts, and finds the lines in the order.

mod common;
use common::{App, Platform};
use std::process::Command;

fn list_with_one_bad_cell(path: &std::path::Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 8]; 3] = [
        [
            "商户采购号",
            "商户名",
            "手机号",
            "下单月份",
            "品名",
            "数量",
            "总件数",
            "总金额(美元)",
        ],
        // The directory knows 3307820001 as 义乌市小商品经营部: a warning, not a refusal.
        [
            "3307820001",
            "张三",
            "13800138000",
            "2026-03",
            "袜子",
            "100",
            "2",
            "1000",
        ],
        [
            "",
            "义乌市小商品经营部",
            "1390013900",
            "2026-04",
            "手套",
            "50",
            "1",
            "500.50",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn import_fix_one_cell_accept_and_find_the_lines() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let file = data.path().join("交易清单.xlsx");
    list_with_one_bad_cell(&file);

    let app = App::start_logged_in(data.path(), &platform).await;
    // The merchant directory comes with the first sync after login.
    app.wait_for_directory("3307820001").await;
    app.import_into_new_draft("Ivan Petrov", &file).await;

    app.click("[data-testid='import-start']").await;
    app.wait_text(
        "[data-testid='import-summary']",
        "共 2 行：有效 1，有错误 1，重复 0",
    )
    .await;
    app.wait_text(
        "[data-testid='import-row'][data-row='3'] [data-testid='import-row-problems']",
        "手机号：手机号应为11位，以13–19开头",
    )
    .await;
    // The preview opens on the rows with problems: the wrong mobile, and the valid row
    // warned of another merchant's number (what the clerk should look at too). Read as
    // the DOM has it: the preview is wider than the dialog, the column off view.
    app.wait_count("[data-testid='import-row']", 2).await;
    assert!(app
        .wait_css("[data-testid='import-only-errors']")
        .await
        .is_selected()
        .await
        .unwrap());
    let warning = app
        .client
        .execute(
            "return [...document.querySelectorAll(\"[data-testid='import-row-warning']\")].map(e => e.textContent);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        warning,
        serde_json::json!([
            "采购号 3307820001 在商户名录中属于“义乌市小商品经营部”，请核对商户名和手机号"
        ])
    );
    app.screenshot("import-preview").await;
    // Every cell shows its whole text: the wrong mobile and the long merchant name too.
    assert_eq!(
        app.cut_inputs("[data-testid='import-row'] input").await,
        Vec::<String>::new()
    );
    let mobile = app
        .wait_css("[data-testid='import-row'][data-row='3'] [data-testid='import-cell-mobile']")
        .await;
    app.type_into(&mobile, "13900139000\t").await;
    app.wait_text(
        "[data-testid='import-summary']",
        "共 2 行：有效 2，有错误 0，重复 0",
    )
    .await;
    app.wait_text("[data-testid='import-accept']", "接受 2 条有效行")
        .await;
    app.click("[data-testid='import-accept']").await;
    app.wait_count("[data-testid='line-row']", 2).await;
    let names = app.find_all("[data-testid='line-merchant_name']").await;
    let mobiles = app.find_all("[data-testid='line-mobile']").await;
    assert_eq!(app.value(&names[1]).await, "义乌市小商品经营部");
    assert_eq!(
        app.cut_inputs("[data-testid='line-row'] input").await,
        Vec::<String>::new()
    );
    assert_eq!(app.value(&mobiles[1]).await, "13*******00");
    app.screenshot("import-accepted").await;
    app.quit().await;

    let out = Command::new(common::cli_binary())
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "orders",
            "show",
            "1",
            "--json",
        ])
        .output()
        .unwrap();
    let order: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(order["lines"][1]["mobile"], "13*******00");
    assert_eq!(order["lines"][1]["amount_cents"], 50_050);
}

/// A CSV saved by Chinese Excel (GBK) whose product column is headed 货品名称: the dialog
/// says the encoding it found and the guess it made, and imports only once the clerk
/// has said the guess is right.
#[tokio::test(flavor = "multi_thread")]
async fn a_near_miss_header_is_asked_about_and_the_encoding_is_said() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let file = data.path().join("货品清单.csv");
    let text = "商户名,手机号,下单月份,货品名称,数量,总件数,总金额(美元)\r\n\
                张三,13800138000,2026-03,袜子,100,2,1000\r\n";
    let mut gbk = Vec::new();
    let mut encoder = Command::new("iconv")
        .args(["-f", "UTF-8", "-t", "GBK"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut encoder.stdin.take().unwrap(), text.as_bytes()).unwrap();
    std::io::Read::read_to_end(&mut encoder.stdout.take().unwrap(), &mut gbk).unwrap();
    assert!(encoder.wait().unwrap().success());
    std::fs::write(&file, &gbk).unwrap();

    let app = App::start_logged_in(data.path(), &platform).await;
    app.import_into_new_draft("Ivan Petrov", &file).await;
    app.wait_text("[data-testid='import-encoding']", "文本编码：GB18030 (GBK)")
        .await;
    app.wait_until("[data-testid='import-guesses']", "the guess", |t| {
        t.contains("货品名称 → 品名")
    })
    .await;
    let start = app.wait_css("[data-testid='import-start']").await;
    assert!(!start.is_enabled().await.unwrap(), "asks before it imports");
    app.screenshot("import-guess").await;
    app.click("[data-testid='import-guesses-ok']").await;
    app.click("[data-testid='import-start']").await;
    app.wait_text(
        "[data-testid='import-summary']",
        "共 1 行：有效 1，有错误 0，重复 0",
    )
    .await;
    app.quit().await;
}
