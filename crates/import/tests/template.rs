//! The template as Excel sees it: protected header, unlocked data cells, validations on
//! every column with a rule, frozen header, example row, 说明 sheet, hidden version cell.

use calamine::Reader;
use std::io::Read;

fn part(path: &std::path::Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_template_is_what_the_manual_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("模板.xlsx");
    xinbao_import::template::write(&path).unwrap();
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<sheetProtection"), "the sheet is protected");
    assert!(
        sheet.contains(r#"ySplit="1""#) && sheet.contains(r#"state="frozen""#),
        "the header row is frozen"
    );
    assert!(
        sheet.contains(r#"<dataValidations count="9""#),
        "every column with a rule: {sheet}"
    );
    assert!(
        sheet.contains(r#"type="whole""#)
            && sheet.contains(r#"type="decimal""#)
            && sheet.contains(r#"type="textLength""#)
    );
    assert!(
        sheet.contains(r#"hidden="1""#),
        "the version column is hidden"
    );
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains(r#"locked="0""#), "data cells are unlocked");

    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["交易清单", "说明"]);
    let range = book.worksheet_range("交易清单").unwrap();
    let header: Vec<String> = (0..9)
        .map(|c| range.get_value((0, c)).unwrap().to_string())
        .collect();
    assert_eq!(
        header,
        [
            "商户采购号",
            "*商户名",
            "*手机号",
            "*下单月份",
            "*品名",
            "*数量",
            "*总件数",
            "*总金额（美元）",
            "备注"
        ]
    );
    assert_eq!(
        range.get_value((0, 25)).unwrap().to_string(),
        "XINBAO-TEMPLATE:v1"
    );
    assert_eq!(
        range.get_value((1, 1)).unwrap().to_string(),
        "张三",
        "an example row"
    );
    let help = book.worksheet_range("说明").unwrap();
    let rules: Vec<String> = (1..10)
        .map(|r| help.get_value((r, 3)).unwrap().to_string())
        .collect();
    assert!(
        rules.iter().all(|r| !r.is_empty()),
        "every field's rule in English"
    );
    assert!(help
        .get_value((3, 2))
        .unwrap()
        .to_string()
        .contains("科学计数法"));

    let info = xinbao_import::inspect(
        &path,
        &xinbao_import::ImportOptions {
            parser: Some(env!("CARGO_BIN_EXE_xinbao-parse").into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (info.template_version, info.template_outdated),
        (Some(1), false)
    );
}
