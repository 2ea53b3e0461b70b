//! `xinbao template`, `import` and `export` as a clerk or a script would run them.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn list_file(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [[&str; 7]; 3] = [
        [
            "商户名",
            "手机号",
            "下单月份",
            "品名",
            "数量",
            "总件数",
            "总金额(美元)",
        ],
        ["张三", "13800138000", "2026-03", "袜子", "100", "2", "1000"],
        ["李四", "12345", "2026-03", "手套", "10", "1", "500"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    book.save(path).unwrap();
}

#[test]
fn template_import_accept_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let template = dir.path().join("模板.xlsx");
    assert!(xinbao(&data, &["template", template.to_str().unwrap()])
        .status
        .success());
    assert!(template.exists());

    let file = dir.path().join("list.xlsx");
    list_file(&file);
    let report = json(&xinbao(
        &data,
        &["import", file.to_str().unwrap(), "--new-order", "--json"],
    ));
    assert_eq!(
        (
            report["rows_read"].as_i64(),
            report["rows_valid"].as_i64(),
            report["rows_invalid"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(report["accepted"], false);
    let e = &report["errors"][0];
    assert_eq!(
        (e["row"].as_i64(), e["column"].as_str(), e["code"].as_str()),
        (Some(3), Some("手机号"), Some("mobile.format"))
    );
    assert_eq!(e["message"], "手机号应为11位，以13–19开头");
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);
    let order = report["order_id"].as_i64().unwrap().to_string();
    let shown = json(&xinbao(&data, &["orders", "show", &order, "--json"]));
    assert_eq!(
        shown["lines"].as_array().unwrap().len(),
        0,
        "staged, not yet accepted"
    );

    let report = json(&xinbao(
        &data,
        &[
            "import",
            file.to_str().unwrap(),
            "--order",
            &order,
            "--accept",
            "--json",
        ],
    ));
    assert_eq!(
        (report["accepted"].as_bool(), report["lines_added"].as_i64()),
        (Some(true), Some(1))
    );
    assert_eq!(
        report["already_imported"], true,
        "the same file was staged for this order before"
    );
    let shown = json(&xinbao(&data, &["orders", "show", &order, "--json"]));
    assert_eq!(shown["lines"][0]["merchant_name"], "张三");

    let export = dir.path().join("order.xlsx");
    let out = xinbao(
        &data,
        &["export", "order", &order, export.to_str().unwrap()],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1 rows written"));
    let list = dir.path().join("orders.xlsx");
    assert!(xinbao(&data, &["export", "orders", list.to_str().unwrap()])
        .status
        .success());
    let errors = dir.path().join("errors.xlsx");
    let import_id = report["import_id"].as_i64().unwrap() - 1;
    let out = xinbao(
        &data,
        &[
            "export",
            "errors",
            &import_id.to_string(),
            errors.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unreadable_file_fails_with_one_line_and_creates_no_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("notes.xlsx");
    std::fs::write(&file, b"PK\x03\x04 definitely not a workbook").unwrap();
    let out = xinbao(
        &data,
        &["import", file.to_str().unwrap(), "--new-order", "--json"],
    );
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["code"], "import.damaged");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("notes.xlsx"));
    let listed = json(&xinbao(&data, &["orders", "list", "--json"]));
    assert_eq!(
        listed["total"], 0,
        "no draft was created for a file that cannot be read"
    );
}

#[test]
fn a_column_taken_by_a_similar_name_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("货品.csv");
    std::fs::write(
        &file,
        "商户名,手机号,下单月份,货品名称,数量,总件数,总金额(美元)\n张三,13800138000,2026-03,袜子,1,1,10\n",
    )
    .unwrap();
    let args = ["import", file.to_str().unwrap(), "--new-order"];
    let report = json(&xinbao(&data, &[&args[..], &["--json"]].concat()));
    assert_eq!(report["rows_valid"], 1);
    assert_eq!(
        report["guessed_columns"],
        serde_json::json!([{ "header": "货品名称", "field": "product_name" }])
    );
    let text = String::from_utf8(xinbao(&data, &args).stdout).unwrap();
    assert!(
        text.contains("note: column '货品名称' was taken as product_name from its similar name"),
        "{text}"
    );
}
