//! Imports of real spreadsheet files into the staging area and from there into an order.

mod common;
use common::*;
use std::sync::atomic::AtomicBool;
use xinbao_import::{ImportError, ImportOptions};
use xinbao_store::{audit, imports, orders};

/// (row, field, code) of every staged problem, in sheet order.
fn problems(env: &Env, batch: i64) -> Vec<(i64, String, String)> {
    imports::rows(&env.store, batch, true, 0, 1000)
        .unwrap()
        .into_iter()
        .flat_map(|r| {
            r.errors
                .into_iter()
                .map(move |e| (r.row_no, e.field, e.code))
        })
        .collect()
}

fn texts(env: &Env, batch: i64, row_no: i64) -> [String; 9] {
    imports::rows(&env.store, batch, false, 0, 1000)
        .unwrap()
        .into_iter()
        .find(|r| r.row_no == row_no)
        .unwrap()
        .texts
}

#[test]
fn title_rows_aliases_and_extra_columns() {
    let mut env = Env::new();
    let file = env.path("list.xlsx");
    let rows = vec![
        vec![C::S("义乌某某贸易有限公司 交易清单")],
        vec![C::S("制表日期：2026-03-31")],
        vec![],
        vec![
            C::S("商户名称"),
            C::S("手机号码"),
            C::S("月份"),
            C::S("商品名称"),
            C::S("颜色"),
            C::S("数量"),
            C::S("件数"),
            C::S("金额"),
        ],
        vec![
            C::S("张三"),
            C::S("13800138000"),
            C::S("2026-03"),
            C::S("袜子"),
            C::S("红"),
            C::N(100.0),
            C::N(2.0),
            C::N(1000.0),
        ],
        vec![
            C::S("李四"),
            C::S("13900139000"),
            C::S("2026-04"),
            C::S("手套"),
            C::S("蓝"),
            C::N(50.0),
            C::N(1.0),
            C::N(500.5),
        ],
    ];
    write_xlsx(&file, &[("Sheet1", rows)], &[]);
    let out = env.stage(&file).unwrap();
    assert_eq!(out.info.header_row, 4);
    assert_eq!(out.info.ignored, ["颜色"]);
    let by: Vec<(String, Option<String>)> = out
        .info
        .columns
        .iter()
        .map(|c| (c.header.clone(), c.matched_by.clone()))
        .collect();
    assert_eq!(by[0], ("商户名称".to_string(), Some("alias".to_string())));
    assert_eq!(
        (
            out.summary.rows_read,
            out.summary.rows_valid,
            out.summary.rows_invalid
        ),
        (2, 2, 0)
    );
    assert_eq!(
        env.count("SELECT count(*) FROM order_lines"),
        0,
        "staging does not touch the order"
    );

    let accepted = imports::accept(&mut env.store, "test", out.summary.id).unwrap();
    assert_eq!(accepted.lines_added, Some(2));
    let order = orders::get(&env.store, env.order).unwrap();
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[1].line.amount_cents.unwrap().0, 50_050);
    assert_eq!(order.lines[1].line.order_month.as_deref(), Some("2026-04"));
    // The import is one change: one audit row names the file, its hash, the batch and the
    // rows; each line carries its batch.
    let history = audit::for_order(&env.store, env.order).unwrap();
    let imports: Vec<_> = history.iter().filter(|h| h.action == "import").collect();
    assert_eq!(imports.len(), 1, "{imports:?}");
    let after = imports[0].after.as_ref().unwrap();
    assert_eq!(imports[0].entity, "order");
    assert_eq!(after["batch"], out.summary.id);
    assert_eq!(after["rows"], 2);
    assert_eq!(after["file_name"], out.summary.file_name);
    assert_eq!(after["file_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        (
            after["first_position"].as_i64(),
            after["last_position"].as_i64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM order_lines WHERE import_batch_id = {}",
            out.summary.id
        )),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM import_rows"),
        0,
        "staging emptied after accept"
    );
    assert_eq!(
        imports::accept(&mut env.store, "test", out.summary.id)
            .unwrap_err()
            .code(),
        "import.decided"
    );
}

#[test]
fn cells_as_clerks_really_have_them() {
    let mut env = Env::new();
    let file = env.path("messy.xlsx");
    let rows = vec![
        header_row(),
        // 2: month as 2026/3, numbers as text with separators and full width, mobile as a number
        vec![
            C::E,
            C::S("张三"),
            C::N(13800138000.0),
            C::S("2026/3"),
            C::S("袜子"),
            C::S("1,000"),
            C::S("２"),
            C::S("$1,234.50"),
            C::E,
        ],
        // 3: a date cell, a serial number, a formula with a cached value
        vec![
            C::S("P001"),
            C::S("李四"),
            C::S("13900139000"),
            C::D(46096.0),
            C::S("手套"),
            C::N(5.0),
            C::N(1.0),
            C::F("=2*50", "100"),
            C::E,
        ],
        // 4: 2026年4月 and 202604
        vec![
            C::E,
            C::S(" 王 五 "),
            C::S("137 0013 7000"),
            C::S("2026年4月"),
            C::S("帽子"),
            C::N(1.0),
            C::N(1.0),
            C::S("１２.５"),
            C::E,
        ],
        vec![
            C::E,
            C::S("赵六"),
            C::S("13600136000"),
            C::N(202604.0),
            C::S("围巾"),
            C::N(1.0),
            C::N(1.0),
            C::N(7.0),
            C::E,
        ],
        // 6: a blank row is skipped
        vec![],
        // 7: mobile lost to scientific notation, a fraction in a count, three decimals, a bad month
        vec![
            C::E,
            C::S("钱七"),
            C::S("1.38E+10"),
            C::S("2026-13"),
            C::S("鞋"),
            C::N(1.5),
            C::N(1.0),
            C::N(1.005),
            C::E,
        ],
        // 8: merged with row 9 in the merchant column (value applies to both)
        vec![
            C::E,
            C::S("孙八"),
            C::S("13500135000"),
            C::S("2026-05"),
            C::S("包"),
            C::N(3.0),
            C::N(1.0),
            C::N(30.0),
            C::E,
        ],
        vec![
            C::E,
            C::E,
            C::S("13500135000"),
            C::S("2026-06"),
            C::S("包"),
            C::N(4.0),
            C::N(1.0),
            C::N(40.0),
            C::E,
        ],
        // 10: a formula error
        vec![
            C::E,
            C::S("周九"),
            C::S("13400134000"),
            C::S("2026-05"),
            C::F("=1/0", "#DIV/0!"),
            C::N(1.0),
            C::N(1.0),
            C::N(1.0),
            C::E,
        ],
        vec![],
        // 12, 13: notes below the data are not rows
        vec![C::S("合计：以上共 9 行")],
        vec![C::S("制表人：小王")],
    ];
    write_xlsx(&file, &[("交易清单", rows)], &[(7, 1, 8, 1)]);
    let out = env.stage(&file).unwrap();
    let b = out.summary.id;
    assert_eq!(out.rows_skipped, 2, "two note rows below the data");
    assert_eq!(out.summary.rows_read, 8, "rows 2-5 and 7-10");
    assert_eq!(
        texts(&env, b, 2)[1..8],
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
    assert_eq!(texts(&env, b, 3)[3], "2026-03", "a date cell is a month");
    assert_eq!(texts(&env, b, 3)[7], "100.00", "a formula's cached value");
    assert_eq!(texts(&env, b, 3)[0], "P001");
    assert_eq!(
        texts(&env, b, 4)[1..4],
        ["王 五", "13700137000", "2026-04"].map(String::from)
    );
    assert_eq!(texts(&env, b, 4)[7], "12.50");
    assert_eq!(texts(&env, b, 5)[3], "2026-04");
    assert_eq!(
        texts(&env, b, 9)[1],
        "孙八",
        "a merged range's value applies to every row of it"
    );
    assert_eq!(
        problems(&env, b),
        [
            (7, "mobile".into(), "mobile.scientific".into()),
            (7, "order_month".into(), "month.range".into()),
            (7, "quantity".into(), "int.format".into()),
            (7, "amount".into(), "money.decimals".into()),
            (10, "product_name".into(), "cell.error".into()),
        ]
    );
    let row7 = imports::rows(&env.store, b, true, 0, 10).unwrap().remove(0);
    assert_eq!(row7.errors[0].header, "手机号");
    assert!(
        row7.errors[0].message_zh.contains("科学计数法"),
        "{}",
        row7.errors[0].message_zh
    );
    assert!(row7.errors[0].message_en.contains("scientific notation"));
    assert_eq!(out.summary.rows_invalid, 2);
    // A fix of another cell of row 10 keeps its formula's error: "#N/A" is no product,
    // though the domain would take it as a name. A fix of that cell mends the row.
    let row10 = imports::fix_cell(&mut env.store, b, 10, "note", "checked").unwrap();
    let codes: Vec<(&str, &str)> = row10
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(codes, [("product_name", "cell.error")]);
    let row10 = imports::fix_cell(&mut env.store, b, 10, "product_name", "袜子").unwrap();
    assert!(row10.errors.is_empty(), "{:?}", row10.errors);
}

#[test]
fn a_1904_workbook_reads_its_dates_in_its_own_system() {
    let mut env = Env::new();
    let file = env.path("mac.xlsx");
    let mut r = row("张三", "13800138000", 10.0);
    r[3] = C::D(44634.0); // 2026-03-15 in the 1904 system, 2022-03-14 in the 1900 one
    write_xlsx(&file, &[("Sheet1", vec![header_row(), r])], &[]);
    patch_zip(&file, "xl/workbook.xml", |xml| {
        xml.replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
    });
    let out = env.stage(&file).unwrap();
    assert_eq!(texts(&env, out.summary.id, 2)[3], "2026-03");
}

#[test]
fn missing_required_columns_are_named_before_any_row_is_read() {
    let mut env = Env::new();
    let file = env.path("partial.xlsx");
    let rows = vec![
        vec![C::S("商户名"), C::S("品名"), C::S("数量"), C::S("备注")],
        vec![C::S("张三"), C::S("袜子"), C::N(1.0), C::E],
    ];
    write_xlsx(&file, &[("Sheet1", rows)], &[]);
    let err = env.stage(&file).unwrap_err();
    assert_eq!(err.code(), "import.missing_columns");
    let msg = err.to_string();
    for name in ["手机号", "下单月份", "总件数", "总金额（美元）"] {
        assert!(msg.contains(name), "{msg}");
    }
    assert!(
        msg.contains("partial.xlsx"),
        "the message names the file: {msg}"
    );
    env.assert_untouched();
}

#[test]
fn a_confirmed_mapping_maps_unknown_headers() {
    let mut env = Env::new();
    let file = env.path("odd.xlsx");
    let mut header = header_row();
    header[1] = C::S("档口老板");
    write_xlsx(
        &file,
        &[("Sheet1", vec![header, row("张三", "13800138000", 10.0)])],
        &[],
    );
    assert_eq!(
        env.stage(&file).unwrap_err().code(),
        "import.missing_columns"
    );
    let mut options = common::options();
    options
        .mapping
        .insert("档口老板".into(), "merchant_name".into());
    imports::remember_mapping(&env.store, &options.mapping).unwrap();
    let remembered = imports::remembered_mapping(&env.store).unwrap();
    let out = env
        .stage_with(
            &file,
            &ImportOptions {
                mapping: remembered,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.summary.rows_valid, 1);
    assert_eq!(out.info.columns[1].matched_by.as_deref(), Some("mapping"));
}

#[test]
fn the_sheet_with_the_list_is_found_or_chosen() {
    let mut env = Env::new();
    let file = env.path("two-sheets.xlsx");
    write_xlsx(
        &file,
        &[
            (
                "封面",
                vec![vec![C::S("2026年3月 交易清单")], vec![C::S("请见第二页")]],
            ),
            ("明细", vec![header_row(), row("张三", "13800138000", 10.0)]),
            (
                "备用",
                vec![
                    header_row(),
                    row("李四", "13900139000", 10.0),
                    row("王五", "13700137000", 10.0),
                ],
            ),
        ],
        &[],
    );
    let info = xinbao_import::inspect(&file, &options()).unwrap();
    assert_eq!(info.sheets, ["封面", "明细", "备用"]);
    assert_eq!(info.sheet.as_deref(), Some("明细"));
    let out = env
        .stage_with(
            &file,
            &ImportOptions {
                sheet: Some("备用".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(out.summary.rows_read, 2);
    let err = env
        .stage_with(
            &file,
            &ImportOptions {
                sheet: Some("nope".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "import.sheet_not_found");
    assert!(err.to_string().contains("封面, 明细, 备用"));
}

#[test]
fn fix_a_cell_then_accept_only_valid_rows_or_reject_all() {
    let mut env = Env::new();
    let file = env.path("fix.xlsx");
    let mut bad = row("李四", "139001390", 5.0);
    bad[4] = C::E;
    write_xlsx(
        &file,
        &[(
            "Sheet1",
            vec![
                header_row(),
                row("张三", "13800138000", 10.0),
                bad,
                row("王五", "13700137000", 1.0),
            ],
        )],
        &[],
    );
    let out = env.stage(&file).unwrap();
    let b = out.summary.id;
    assert_eq!(
        problems(&env, b),
        [
            (3, "mobile".into(), "mobile.format".into()),
            (3, "product_name".into(), "required".into())
        ]
    );
    let fixed = imports::fix_cell(&mut env.store, b, 3, "mobile", "13900139000").unwrap();
    assert_eq!(
        fixed.errors.len(),
        1,
        "the mobile is fixed, the product still missing"
    );
    let fixed = imports::fix_cell(&mut env.store, b, 3, "product_name", "手套").unwrap();
    assert!(fixed.errors.is_empty());
    assert_eq!(imports::summary(&env.store, b).unwrap().rows_invalid, 0);
    imports::fix_cell(&mut env.store, b, 4, "amount", "1.001").unwrap();
    let accepted = imports::accept(&mut env.store, "test", b).unwrap();
    assert_eq!(
        accepted.lines_added,
        Some(2),
        "the row made invalid stays out"
    );
    let lines = orders::get(&env.store, env.order).unwrap().lines;
    assert_eq!(lines[1].line.product_name.as_deref(), Some("手套"));

    // Reject: nothing reaches the order.
    let again = env.stage(&file).unwrap();
    assert!(
        again.previous_import.is_some(),
        "the same content was imported into this order before"
    );
    imports::reject(&mut env.store, again.summary.id).unwrap();
    assert_eq!(orders::get(&env.store, env.order).unwrap().lines.len(), 2);
}

/// The accept indexes the merchants of the lines it adds (once for the batch, not by a
/// trigger per line): the order list's search finds the order by each accepted line's
/// procurement number and merchant name, into a draft and into a confirmed order alike,
/// and a row left out adds nothing to the search.
#[test]
fn an_accepted_import_is_found_by_its_merchants() {
    let mut env = Env::new();
    let with_no = |no: &'static str, mut r: Vec<C>| {
        r[0] = C::S(no);
        r
    };
    let file = env.path("merchants.xlsx");
    write_xlsx(
        &file,
        &[(
            "Sheet1",
            vec![
                header_row(),
                with_no("YW2026000101", row("张三百货", "13800138000", 10.0)),
                with_no("YW2026000102", row("李四饰品", "139001390", 5.0)),
                with_no("YW2026000103", row("王五玩具", "13700137000", 1.0)),
            ],
        )],
        &[],
    );
    let search = |env: &Env, term: &str| -> Vec<i64> {
        orders::list(
            &env.store,
            &orders::ListQuery {
                search: Some(term.into()),
                ..Default::default()
            },
        )
        .unwrap()
        .orders
        .iter()
        .map(|o| o.id)
        .collect()
    };
    let batch = env.stage(&file).unwrap().summary.id;
    assert!(
        search(&env, "张三百货").is_empty(),
        "a staged row is not the order's yet"
    );
    imports::accept(&mut env.store, "test", batch).unwrap();
    let lines = |env: &Env| -> Vec<(i64, String)> {
        orders::get(&env.store, env.order)
            .unwrap()
            .lines
            .iter()
            .map(|l| (l.position, l.line.merchant_name.clone().unwrap()))
            .collect()
    };
    assert_eq!(
        lines(&env),
        [(0, "张三百货".into()), (1, "王五玩具".into())],
        "positions follow the sheet, the invalid row left out"
    );
    assert_eq!(search(&env, "张三百货"), [env.order]);
    assert_eq!(search(&env, "YW2026000103"), [env.order]);
    assert_eq!(search(&env, "王五玩具"), [env.order]);
    assert!(
        search(&env, "李四饰品").is_empty(),
        "the invalid row stayed out"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM merchant_names WHERE procurement_no = 'YW2026000102'"),
        0
    );

    // A second import into the draft goes on after its last line.
    let batch = env.stage(&file).unwrap().summary.id;
    imports::accept(&mut env.store, "test", batch).unwrap();
    assert_eq!(
        lines(&env)[2..],
        [(2, "张三百货".into()), (3, "王五玩具".into())]
    );
    env.store
        .connection()
        .execute(
            "DELETE FROM order_lines WHERE order_id = ?1 AND position >= 2",
            [env.order],
        )
        .unwrap();

    // A confirmed order's lines are accepted one by one (each goes to the platform too).
    env.store
        .connection()
        .execute_batch(&format!(
            "UPDATE export_orders SET passport_no='E12345678', country='RU', total_cents=100, state='confirmed', confirmed_at='x' WHERE id={0};",
            env.order
        ))
        .unwrap();
    let later = env.path("later.xlsx");
    write_xlsx(
        &later,
        &[(
            "Sheet1",
            vec![
                header_row(),
                with_no("YW2026000104", row("赵六箱包", "13600136000", 3.0)),
            ],
        )],
        &[],
    );
    let batch = env.stage(&later).unwrap().summary.id;
    imports::accept(&mut env.store, "test", batch).unwrap();
    assert_eq!(lines(&env)[2], (2, "赵六箱包".into()));
    assert_eq!(search(&env, "赵六箱包"), [env.order]);
    assert_eq!(search(&env, "YW2026000104"), [env.order]);
}

#[test]
fn duplicate_rows_in_a_file_are_flagged() {
    let mut env = Env::new();
    let file = env.path("dups.xlsx");
    write_xlsx(
        &file,
        &[(
            "S",
            vec![
                header_row(),
                row("张三", "13800138000", 10.0),
                row("李四", "13900139000", 10.0),
                row("张三", "13800138000", 10.0),
            ],
        )],
        &[],
    );
    let out = env.stage(&file).unwrap();
    assert_eq!(out.summary.rows_duplicate, 1);
    let rows = imports::rows(&env.store, out.summary.id, false, 0, 10).unwrap();
    assert_eq!(rows[2].duplicate_of, Some(2));
}

#[test]
fn error_rows_export_then_reimport_after_fixing() {
    let mut env = Env::new();
    let file = env.path("with-errors.xlsx");
    write_xlsx(
        &file,
        &[(
            "S",
            vec![
                header_row(),
                row("张三", "13800138000", 10.0),
                row("李四", "1390013", 5.0),
            ],
        )],
        &[],
    );
    let out = env.stage(&file).unwrap();
    let errors = env.path("errors.xlsx");
    assert_eq!(
        xinbao_import::export::error_rows(
            &env.store,
            out.summary.id,
            &errors,
            &xinbao_import::export::Job::quiet()
        )
        .unwrap(),
        1
    );
    // The clerk fixes the mobile in Excel; the two added columns are ignored on import.
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&errors).unwrap();
    use calamine::Reader;
    let range = book.worksheet_range("交易清单").unwrap();
    assert_eq!(
        range.get_value((0, 10)).unwrap().to_string(),
        "错误说明 Problems"
    );
    assert!(range
        .get_value((1, 10))
        .unwrap()
        .to_string()
        .contains("手机号"));
    let cells: Vec<C> = (0..11u32)
        .map(|c| match range.get_value((1, c)).unwrap().to_string() {
            s if c == 2 => {
                let _ = s;
                C::S("13900139000")
            }
            s if s.is_empty() => C::E,
            s => C::St(s),
        })
        .collect();
    let mut header = header_row();
    header.extend([C::S("原行号"), C::S("错误说明 Problems")]);
    let fixed = env.path("fixed.xlsx");
    write_xlsx(&fixed, &[("交易清单", vec![header, cells])], &[]);
    let again = env.stage(&fixed).unwrap();
    assert_eq!(
        (again.summary.rows_valid, again.summary.rows_invalid),
        (1, 0)
    );
    assert_eq!(again.info.ignored, ["原行号", "错误说明 Problems"]);
}

#[test]
fn an_exported_order_imports_back_unchanged() {
    let mut env = Env::new();
    let file = env.path("in.xlsx");
    write_xlsx(
        &file,
        &[(
            "S",
            vec![
                header_row(),
                row("张三", "13800138000", 10.25),
                row("李四", "13900139000", 5.0),
            ],
        )],
        &[],
    );
    let b = env.stage(&file).unwrap().summary.id;
    imports::accept(&mut env.store, "test", b).unwrap();
    let out = env.path("order.xlsx");
    assert_eq!(
        xinbao_import::export::order(
            &env.store,
            env.order,
            &out,
            &xinbao_import::export::Job::quiet()
        )
        .unwrap(),
        2
    );
    let list = env.path("orders.xlsx");
    assert_eq!(
        xinbao_import::export::orders(
            &env.store,
            &Default::default(),
            &list,
            &xinbao_import::export::Job::quiet()
        )
        .unwrap(),
        1
    );
    let before = orders::get(&env.store, env.order).unwrap().lines;
    let b2 = env.stage(&out).unwrap();
    assert_eq!((b2.summary.rows_valid, b2.summary.rows_invalid), (2, 0));
    imports::accept(&mut env.store, "test", b2.summary.id).unwrap();
    let after = orders::get(&env.store, env.order).unwrap().lines;
    for (a, b) in before.iter().zip(after[2..].iter()) {
        assert_eq!(a.line.to_texts(), b.line.to_texts());
    }
}

#[test]
fn csv_in_gbk_and_utf8_with_bom() {
    let mut env = Env::new();
    let text = "商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\r\n张三,13800138000,2026-03,袜子,100,2,\"1,000.00\"\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let gbk_file = env.path("gbk.csv");
    std::fs::write(&gbk_file, &gbk).unwrap();
    let out = env.stage(&gbk_file).unwrap();
    assert_eq!(out.info.format.as_str(), "csv");
    assert_eq!(texts(&env, out.summary.id, 2)[1], "张三");
    assert_eq!(texts(&env, out.summary.id, 2)[7], "1000.00");
    let bom_file = env.path("bom.csv");
    std::fs::write(
        &bom_file,
        [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
    )
    .unwrap();
    let out = env.stage(&bom_file).unwrap();
    assert_eq!(out.summary.rows_valid, 1);
    assert_eq!(
        out.info.columns[0].matched_by.as_deref(),
        Some("name"),
        "the BOM is not part of the first header"
    );
}

/// A merchant in Taiwan or Hong Kong saves Big5, with the headers in traditional
/// characters: the encoding is found (and said), the headers are the template's columns.
/// Read as GB18030 it was garbage in every cell.
#[test]
fn csv_in_big5_with_traditional_headers() {
    let mut env = Env::new();
    let text = "商戶名,手機號,下單月份,品名,數量,總件數,總金額(美元),備註\r\n\
                陳大文,13800138000,2026-03,襪子,100,2,1000,臺北門市\r\n\
                黃小玲,13900139000,2026-04,雨傘,20,1,88.50,\r\n";
    let (big5, _, unmappable) = encoding_rs::BIG5.encode(text);
    assert!(!unmappable);
    let file = env.path("台灣商戶.csv");
    std::fs::write(&file, &big5).unwrap();
    let out = env.stage(&file).unwrap();
    assert_eq!(out.info.encoding.as_deref(), Some("Big5"));
    let gbk = env.path("gbk.csv");
    std::fs::write(&gbk, encoding_rs::GBK.encode("商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\r\n张三,13800138000,2026-03,袜子,100,2,1000\r\n").0).unwrap();
    assert_eq!(
        env.stage(&gbk).unwrap().info.encoding.as_deref(),
        Some("GB18030 (GBK)")
    );
    assert!(out.info.missing.is_empty(), "{:?}", out.info.missing);
    assert_eq!(out.summary.rows_valid, 2);
    let first = texts(&env, out.summary.id, 2);
    assert_eq!(
        [&first[1], &first[4], &first[8]],
        ["陳大文", "襪子", "臺北門市"]
    );
}

/// Headers a clerk reads as the template's (品名称, 商品名, 货品名称) are guessed, and
/// said to be guesses; a list with no header at all names every column it needs.
#[test]
fn near_miss_headers_are_guessed_and_a_list_without_headers_names_every_column() {
    let mut env = Env::new();
    let file = env.path("近似表头.csv");
    std::fs::write(
        &file,
        "商户名,手机号,下单月份,货品名称,数量,总件数量,总金额(美元),颜色\r\n\
         张三,13800138000,2026-03,袜子,100,2,1000,红\r\n",
    )
    .unwrap();
    let out = env.stage(&file).unwrap();
    let info = &out.info;
    let how: Vec<(&str, Option<&str>, Option<&str>)> = info
        .columns
        .iter()
        .map(|c| {
            (
                c.header.as_str(),
                c.field.as_deref(),
                c.matched_by.as_deref(),
            )
        })
        .collect();
    assert_eq!(how[3], ("货品名称", Some("product_name"), Some("guess")));
    assert_eq!(how[5], ("总件数量", Some("packages"), Some("guess")));
    assert_eq!(how[0], ("商户名", Some("merchant_name"), Some("name")));
    assert_eq!(info.ignored, ["颜色"]);
    assert!(info.missing.is_empty());
    assert_eq!(texts(&env, out.summary.id, 2)[4], "袜子");

    let mut env = Env::new();
    let bare = env.path("没有表头.csv");
    std::fs::write(&bare, "张三,13800138000,2026-03,袜子,100,2,1000\r\n").unwrap();
    let err = env.stage(&bare).unwrap_err();
    assert_eq!(err.code(), "import.no_header");
    let msg = err.to_string();
    for name in [
        "商户名",
        "手机号",
        "下单月份",
        "品名",
        "数量",
        "总件数",
        "总金额（美元）",
    ] {
        assert!(msg.contains(name), "{msg}");
    }
    let params = err.params().unwrap();
    assert_eq!(params["file"], "没有表头.csv");
    assert_eq!(params["columns"].as_array().unwrap().len(), 7);
    env.assert_untouched();
}

/// The encodings a CSV arrives in, each found from its bytes.
#[test]
fn csv_encodings_are_found_from_the_bytes() {
    use xinbao_import::source::csv_encoding;
    let cases: [(&str, &'static encoding_rs::Encoding); 6] = [
        (
            "商户名,手机号,下单月份,品名\r\n张三,13800138000,2026-03,袜子\r\n李四,13900139000,2026-04,手套\r\n",
            encoding_rs::GBK,
        ),
        (
            "商戶名,手機號,下單月份,品名\r\n陳大文,13800138000,2026-03,襪子\r\n",
            encoding_rs::BIG5,
        ),
        (
            "取引先名,携帯電話,注文月,品名\r\n山田太郎,09012345678,2026-03,靴下と手袋\r\n",
            encoding_rs::SHIFT_JIS,
        ),
        (
            "Продавец,Телефон,Месяц,Товар\r\nИванов Пётр,13800138000,2026-03,Носки шерстяные\r\n",
            encoding_rs::WINDOWS_1251,
        ),
        (
            "Händler,Telefon,Monat,Ware\r\nMüller Straße,13800138000,2026-03,Socken größe\r\n",
            encoding_rs::WINDOWS_1252,
        ),
        ("商户名,手机号\r\n张三,13800138000\r\n", encoding_rs::UTF_8),
    ];
    for (text, encoding) in cases {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{text}");
        let found = csv_encoding(&bytes, true);
        // GBK is read as GB18030, its superset.
        let want = if encoding == encoding_rs::GBK {
            encoding_rs::GB18030
        } else {
            encoding
        };
        assert_eq!(found.name(), want.name(), "{text}");
    }
}

#[test]
fn too_many_rows_is_refused_without_a_trace() {
    let mut env = Env::new();
    let file = env.path("big.xlsx");
    let mut rows = vec![header_row()];
    rows.extend((0..10).map(|_| row("张三", "13800138000", 1.0)));
    write_xlsx(&file, &[("S", rows)], &[]);
    let err = env
        .stage_with(
            &file,
            &ImportOptions {
                max_rows: 5,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "import.too_many_rows");
    env.assert_untouched();
}

#[test]
fn a_cancelled_import_keeps_nothing() {
    let mut env = Env::new();
    let file = env.path("cancel.xlsx");
    write_xlsx(
        &file,
        &[("S", vec![header_row(), row("张三", "13800138000", 1.0)])],
        &[],
    );
    let err = xinbao_import::stage(
        &mut env.store,
        &file,
        env.order,
        &options(),
        &|_| {},
        &AtomicBool::new(true),
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::Cancelled));
    env.assert_untouched();
}

#[test]
fn a_declared_order_takes_no_import() {
    let mut env = Env::new();
    env.store
        .connection()
        .execute_batch(&format!(
            "UPDATE export_orders SET passport_no='E12345678', country='RU', total_cents=100, state='confirmed', confirmed_at='x' WHERE id={0};
             UPDATE export_orders SET state='declared', customs_no='292920260000012345' WHERE id={0};",
            env.order
        ))
        .unwrap();
    let file = env.path("late.xlsx");
    write_xlsx(
        &file,
        &[("S", vec![header_row(), row("张三", "13800138000", 1.0)])],
        &[],
    );
    assert_eq!(
        env.stage(&file).unwrap_err().code(),
        "order.declared_frozen"
    );
    assert_eq!(env.count("SELECT count(*) FROM import_batches"), 0);
}

#[test]
fn long_cells_are_row_errors_not_crashes() {
    let mut env = Env::new();
    let file = env.path("long.xlsx");
    let mut r = row("张三", "13800138000", 1.0);
    r[4] = C::St("长".repeat(32_000));
    write_xlsx(&file, &[("S", vec![header_row(), r])], &[]);
    let out = env.stage(&file).unwrap();
    assert_eq!(
        problems(&env, out.summary.id),
        [(2, "product_name".into(), "too_long".into())]
    );
}

#[test]
fn a_workbook_declaring_more_shared_strings_than_it_holds_is_refused_not_allocated() {
    // 1.9 KB declaring 10^15 strings aborted the whole process ("memory allocation of
    // 24000000000000000 bytes failed"): the app imports in-process.
    let mut env = Env::new();
    let file = env.path("hostile.xlsx");
    write_xlsx(
        &file,
        &[(
            "Sheet1",
            vec![header_row(), row("张三", "13800138000", 10.0)],
        )],
        &[],
    );
    patch_zip(&file, "xl/sharedStrings.xml", |xml| {
        let start = xml.find("uniqueCount=\"").unwrap() + 13;
        let end = start + xml[start..].find('"').unwrap();
        format!("{}1000000000000000{}", &xml[..start], &xml[end..])
    });
    let err = env.stage(&file).unwrap_err();
    assert_eq!(err.code(), "import.damaged");
    let msg = err.to_string();
    assert!(
        msg.contains("hostile.xlsx") && msg.contains("1000000000000000"),
        "{msg}"
    );
    env.assert_untouched();
    // The same file with an honest count imports.
    let honest = env.path("honest.xlsx");
    write_xlsx(
        &honest,
        &[(
            "Sheet1",
            vec![header_row(), row("张三", "13800138000", 10.0)],
        )],
        &[],
    );
    env.stage(&honest).unwrap();
}

#[test]
fn a_csv_with_one_enormous_line_is_refused_at_that_row_without_holding_it() {
    // One 256 MB line peaked at 3.45 GB. A 64 MB line is enough to show it is refused at
    // the cap (1 MiB), naming the row, and nothing reaches the order.
    let mut env = Env::new();
    let file = env.path("long.csv");
    let mut text = String::from("商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\n");
    text.push_str("张三,13800138000,2026-03,袜子,1,1,10\n");
    text.push_str("李四,13800138001,2026-03,");
    text.push_str(&"很".repeat((64 << 20) / 3));
    text.push_str(",1,1,10\n");
    std::fs::write(&file, text).unwrap();
    let err = env.stage(&file).unwrap_err();
    assert_eq!(err.code(), "import.row_too_long");
    let msg = err.to_string();
    assert!(msg.contains("long.csv") && msg.contains("row 3"), "{msg}");
    env.assert_untouched();
    // A quoted field with line breaks inside is one record, and an ordinary one.
    let ok = env.path("quoted.csv");
    std::fs::write(
        &ok,
        "商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\n张三,13800138000,2026-03,\"袜子\n（红）\",1,1,10\n",
    )
    .unwrap();
    env.stage(&ok).unwrap();
}

#[test]
fn an_accept_reports_progress_and_a_cancel_keeps_nothing() {
    let mut env = Env::new();
    let file = env.path("many.xlsx");
    let mut rows = vec![header_row()];
    rows.extend((0..10_000).map(|i| {
        let mut r = row("张三", "13800138000", 1.0);
        r[5] = C::N(f64::from(i) + 1.0); // every row its own
        r
    }));
    write_xlsx(&file, &[("S", rows)], &[]);
    let out = env.stage(&file).unwrap();
    assert_eq!(out.summary.rows_valid, 10_000);

    // Cancelled: rolled back whole, the rows still staged, nothing in the order.
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let err =
        imports::accept_with(&mut env.store, "test", out.summary.id, &|_| {}, &cancel).unwrap_err();
    assert_eq!(err.code(), "import.cancelled");
    assert_eq!(env.count("SELECT count(*) FROM order_lines"), 0);
    assert_eq!(
        imports::summary(&env.store, out.summary.id).unwrap().state,
        "staged"
    );

    // Accepted with its progress told on the way.
    let seen = std::sync::Mutex::new(Vec::new());
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let done = imports::accept_with(
        &mut env.store,
        "test",
        out.summary.id,
        &|p| seen.lock().unwrap().push((p.done, p.total)),
        &cancel,
    )
    .unwrap();
    assert_eq!(done.lines_added, Some(10_000));
    // Told a few thousand lines at a time, rising to all of them.
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(seen.iter().all(|(_, total)| *total == 10_000));
    assert_eq!(seen.last().unwrap().0, 10_000);
    assert_eq!(env.count("SELECT count(*) FROM order_lines"), 10_000);

    // The staging rows are dead at once (no read returns them) and deleted after.
    assert!(imports::rows(&env.store, out.summary.id, false, 0, 10)
        .unwrap()
        .is_empty());
    assert_eq!(imports::clear_decided(&mut env.store).unwrap(), 10_000);
    assert_eq!(env.count("SELECT count(*) FROM import_rows"), 0);
    assert_eq!(imports::clear_decided(&mut env.store).unwrap(), 0);
}

#[test]
fn an_export_reports_progress_and_a_cancel_writes_no_file() {
    let mut env = Env::new();
    let file = env.path("many.xlsx");
    let mut rows = vec![header_row()];
    rows.extend((0..10_000).map(|i| {
        let mut r = row("张三", "13800138000", 1.0);
        r[5] = C::N(f64::from(i) + 1.0);
        r
    }));
    write_xlsx(&file, &[("S", rows)], &[]);
    let out = env.stage(&file).unwrap();
    imports::accept(&mut env.store, "test", out.summary.id).unwrap();

    let target = env.path("order.xlsx");
    let cancel = AtomicBool::new(true);
    let job = xinbao_import::export::Job {
        progress: &|_| {},
        cancel: &cancel,
    };
    let err = xinbao_import::export::order(&env.store, env.order, &target, &job).unwrap_err();
    assert_eq!(err.code(), "export.cancelled");
    assert!(!target.exists(), "no file is written");

    let seen = std::sync::Mutex::new(Vec::new());
    let cancel = AtomicBool::new(false);
    let job = xinbao_import::export::Job {
        progress: &|rows| seen.lock().unwrap().push(rows),
        cancel: &cancel,
    };
    assert_eq!(
        xinbao_import::export::order(&env.store, env.order, &target, &job).unwrap(),
        10_000
    );
    assert_eq!(*seen.lock().unwrap(), [4096, 8192]);
    assert!(target.exists());
}

#[test]
fn a_pasted_block_is_written_under_the_templates_headers_and_staged_like_a_file() {
    let mut env = Env::new();
    let dir = env.path("pasted");
    // Pasted at 商户名: seven columns, a quoted cell with a tab and quotes, a bad mobile.
    let text = "商户1\t13900000001\t2026-03\t\"Socks\t\"\"A\"\"\"\t1\t1\t1.50\r\n\
                商户2\t1390000000\t2026-03\t袜子\t2\t1\t2.50\r\n";
    let path =
        xinbao_import::paste::write_block(&dir, "粘贴的交易清单", "merchant_name", text).unwrap();
    assert!(path.starts_with(&dir));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a pasted block is its owner's alone");
    }
    let out = env.stage(&path).unwrap();
    assert_eq!(out.summary.file_name, "粘贴的交易清单.tsv");
    assert_eq!((out.summary.rows_read, out.summary.rows_invalid), (2, 1));
    let rows = imports::rows(&env.store, out.summary.id, false, 0, 10).unwrap();
    // The quoted cell read whole (its tab then folded to a space, as for any cell).
    assert_eq!(rows[0].texts[4], "Socks \"A\"");
    assert_eq!(rows[1].errors[0].field, "mobile");

    // A column that is not one of the list's is refused by name; nothing is written.
    let err = xinbao_import::paste::write_block(&dir, "x", "buyer_name", text).unwrap_err();
    assert_eq!(err.code(), "import.paste_column");
    xinbao_import::paste::clear(&dir);
    assert!(!dir.exists());
}

#[test]
fn merged_ranges_are_looked_for_only_in_workbooks_that_have_them() {
    let env = Env::new();
    let plain = env.path("plain.xlsx");
    write_xlsx(
        &plain,
        &[(
            "Sheet1",
            vec![header_row(), row("张三", "13800138000", 1.0)],
        )],
        &[],
    );
    assert!(!xinbao_import::sniff::any_merged_range(&plain));
    let merged = env.path("merged.xlsx");
    write_xlsx(
        &merged,
        &[(
            "Sheet1",
            vec![
                header_row(),
                row("张三", "13800138000", 1.0),
                row("", "13800138000", 2.0),
            ],
        )],
        &[(1, 1, 2, 1)],
    );
    assert!(xinbao_import::sniff::any_merged_range(&merged));
    // Not a zip at all: unsure, so the full look is taken.
    let text = env.path("t.csv");
    std::fs::write(&text, "a,b\n").unwrap();
    assert!(xinbao_import::sniff::any_merged_range(&text));
}

/// A dropped file is kept under the app's folder by the last part of its name only (a
/// name cannot lead out of it), its owner's alone, and staged like a chosen file.
#[test]
fn a_dropped_file_is_kept_privately_by_its_last_name_and_staged() {
    let mut env = Env::new();
    let dir = env.path("dropped");
    let text = "商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\r\n张三,13800138000,2026-03,袜子,100,2,1000\r\n";
    let path = xinbao_import::paste::write_dropped(&dir, "../../etc/交易清单.csv", text.as_bytes())
        .unwrap();
    assert!(path.starts_with(&dir), "{}", path.display());
    assert_eq!(path.file_name().unwrap(), "交易清单.csv");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = env.stage(&path).unwrap();
    assert_eq!(out.summary.rows_valid, 1);
    // Nothing but dots and slashes: a name of its own.
    let odd = xinbao_import::paste::write_dropped(&dir, "../..", b"x").unwrap();
    assert_eq!(odd.file_name().unwrap(), "dropped");
}

/// An imported row whose procurement number the directory knows as another merchant's is
/// staged (the directory may be out of date) with the directory's merchant named; fixing
/// the name in the preview clears it.
#[test]
fn a_procurement_number_of_another_merchant_is_named_in_the_preview() {
    use xinbao_store::platform_cache::{self, Merchant};
    let mut env = Env::new();
    let zhang = Merchant {
        procurement_no: "3307820001".into(),
        name: "张三".into(),
        mobile: "13800138000".into(),
    };
    platform_cache::upsert_merchants(&mut env.store, std::slice::from_ref(&zhang)).unwrap();
    let file = env.path("list.csv");
    std::fs::write(
        &file,
        "商户采购号,商户名,手机号,下单月份,品名,数量,总件数,总金额(美元)\r\n\
         3307820001,李四,13800138000,2026-03,袜子,100,2,1000\r\n\
         3307820001,张三,13800138000,2026-03,手套,10,1,50\r\n",
    )
    .unwrap();
    let out = env.stage(&file).unwrap();
    assert_eq!(out.summary.rows_valid, 2, "warned, not refused");
    let rows = imports::rows(&env.store, out.summary.id, false, 0, 10).unwrap();
    assert_eq!(rows[0].other_merchant.as_ref(), Some(&zhang));
    assert_eq!(rows[1].other_merchant, None);
    // "Only problems" shows the warned row too: it is what the clerk should look at.
    let problems = imports::rows(&env.store, out.summary.id, true, 0, 10).unwrap();
    assert_eq!(
        problems.iter().map(|r| r.row_no).collect::<Vec<_>>(),
        vec![2]
    );
    let fixed =
        imports::fix_cell(&mut env.store, out.summary.id, 2, "merchant_name", "张三").unwrap();
    assert_eq!(fixed.other_merchant, None);
    assert!(imports::rows(&env.store, out.summary.id, true, 0, 10)
        .unwrap()
        .is_empty());
}
