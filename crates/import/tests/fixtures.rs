//! Files saved by real tools (LibreOffice for xlsx/xls/ods, iconv for the GBK CSV; see
//! tests/fixtures/make-fixtures.sh): title rows, a cover sheet, aliases, merged cells,
//! date cells, numbers as text, a number too long for a float cell, notes below the data.

mod common;
use common::Env;
use std::path::PathBuf;
use xinbao_store::imports;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A staged row: its number, its nine texts, its problems (field, code).
type Staged = (i64, [String; 9], Vec<(String, String)>);

fn staged(env: &Env, batch: i64) -> Vec<Staged> {
    imports::rows(&env.store, batch, false, 0, 100)
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.row_no,
                r.texts,
                r.errors.into_iter().map(|e| (e.field, e.code)).collect(),
            )
        })
        .collect()
}

fn check_libreoffice(name: &str, merged_filled: bool) {
    let mut env = Env::new();
    let out = env.stage(&fixture(name)).unwrap();
    assert_eq!(
        out.info.sheet.as_deref(),
        Some("交易清单"),
        "{name}: the cover sheet is passed over"
    );
    assert_eq!(out.info.header_row, 3, "{name}");
    assert_eq!(out.info.ignored, ["颜色"], "{name}");
    assert_eq!(out.rows_skipped, 1, "{name}: the note below the data");
    let rows = staged(&env, out.summary.id);
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        [4, 5, 6, 7],
        "{name}"
    );
    assert_eq!(
        rows[0].1[1..8],
        [
            "张三",
            "13800138000",
            "2026-03",
            "袜子",
            "1000",
            "2",
            "1234.50"
        ]
        .map(String::from),
        "{name}"
    );
    assert_eq!(rows[1].1[3], "2026-04", "{name}: a date cell");
    assert_eq!(rows[1].1[7], "500.00", "{name}: an amount as text");
    if merged_filled {
        assert_eq!(
            rows[1].1[1], "张三",
            "{name}: the merged cell's value applies to its second row"
        );
        assert!(rows[1].2.is_empty(), "{name}: {:?}", rows[1].2);
    }
    assert_eq!(
        rows[2].1[1..4],
        ["李四", "13900139000", "2026-04"].map(String::from),
        "{name}: a mobile stored as a number"
    );
    assert_eq!(rows[2].1[7], "99.99");
    let problems: Vec<(String, String)> = rows[3].2.clone();
    assert_eq!(
        problems,
        [
            ("mobile".to_string(), "mobile.scientific".to_string()),
            ("order_month".into(), "month.range".into()),
            ("quantity".into(), "int.format".into()),
            ("amount".into(), "money.decimals".into()),
        ],
        "{name}"
    );
}

#[test]
fn xlsx_saved_by_libreoffice() {
    check_libreoffice("libreoffice.xlsx", true);
}

#[test]
fn xls_saved_by_libreoffice() {
    check_libreoffice("libreoffice.xls", true);
}

/// An .xls in the 1904 date system (Excel for Mac's old default; made by xlwt, see
/// fixtures/make-1904-xls.py): its date cells count from 1904-01-01. Read as 1900-based,
/// 2026-04/05/06 came out as 2022-03/04/05, every row "valid".
#[test]
fn xls_in_the_1904_date_system_reads_its_own_months() {
    let mut env = Env::new();
    let out = env.stage(&fixture("mac-1904.xls")).unwrap();
    let rows = staged(&env, out.summary.id);
    assert_eq!(
        rows.iter().map(|r| r.1[3].as_str()).collect::<Vec<_>>(),
        ["2026-04", "2026-05", "2026-06"]
    );
    assert!(rows.iter().all(|r| r.2.is_empty()), "{rows:?}");
}

#[test]
fn ods_saved_by_libreoffice() {
    // calamine does not expose an .ods file's merged ranges: the covered cell stays empty.
    check_libreoffice("libreoffice.ods", false);
}

#[test]
fn gbk_csv_written_by_iconv() {
    let mut env = Env::new();
    let out = env.stage(&fixture("gbk.csv")).unwrap();
    let rows = staged(&env, out.summary.id);
    assert_eq!(
        rows[0].1[1..8],
        [
            "张三",
            "13800138000",
            "2026-03",
            "袜子",
            "1000",
            "2",
            "1234.50"
        ]
        .map(String::from)
    );
    assert_eq!(rows[1].1[2], "13900139000", "full-width digits");
    assert_eq!(rows[1].1[8], "全角数字");
    assert_eq!(
        rows[2].2,
        [("mobile".to_string(), "mobile.scientific".to_string())]
    );
}
