//! 批量补录报关单号 through the real binary and a real .xlsx: every kind of row the broker's
//! file can hold is judged in words, a dry run changes nothing, the apply declares exactly
//! the good rows in one step (each queued for the platform), and the rejected rows are
//! written to a file that says why.

mod common;
use common::*;

use std::path::Path;
use xinbao_domain::{order_number, LineForm, OrderForm};
use xinbao_store::links::{self, MerchantOrder};
use xinbao_store::{orders, Store};

const ACTOR: &str = "test";

fn form(buyer: &str, passport: &str, amount: &str) -> OrderForm {
    OrderForm {
        buyer_name: buyer.into(),
        passport_no: passport.into(),
        country: "RU".into(),
        total_amount: amount.into(),
        lines: vec![LineForm {
            merchant_name: "张三".into(),
            mobile: "13800138000".into(),
            order_month: "2026-03".into(),
            product_name: "袜子".into(),
            quantity: "100".into(),
            packages: "2".into(),
            amount: amount.into(),
            ..Default::default()
        }],
    }
}

/// A draft of one line, or (with `mo`) confirmed with its line linked to merchant order `mo`.
fn order(store: &mut Store, buyer: &str, passport: &str, cents: i64, mo: Option<&str>) -> i64 {
    let amount = xinbao_domain::Cents(cents).plain();
    let id = orders::create_draft(store, ACTOR, &form(buyer, passport, &amount)).unwrap();
    if let Some(mo) = mo {
        links::upsert_merchant_orders(
            store,
            &[MerchantOrder {
                id: mo.into(),
                procurement_no: None,
                merchant_name: "张三".into(),
                mobile: "13800138000".into(),
                order_month: "2026-03".into(),
                buyer_name: None,
                product_name: None,
                quantity: None,
                packages: None,
                amount_cents: cents,
                sent_at: None,
            }],
        )
        .unwrap();
        let line = orders::get(store, id).unwrap().lines[0].id;
        links::link(store, ACTOR, line, mo).unwrap();
        orders::confirm(store, ACTOR, id).unwrap();
    }
    id
}

fn no(store: &Store, id: i64) -> String {
    orders::get_header(store, id).unwrap().order_no
}

fn customs(seq: u32) -> String {
    format!("223320260{seq:09}")
}

enum Cell<'a> {
    Text(&'a str),
    Number(f64),
}

fn write_xlsx(path: &Path, rows: &[Vec<Cell>]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "订单编号",
        "报关单号",
        "采购商姓名",
        "护照号",
        "总金额（美元）",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text("") => {}
                Cell::Text(t) => {
                    sheet.write_string(r as u32 + 1, c as u16, *t).unwrap();
                }
                Cell::Number(n) => {
                    sheet.write_number(r as u32 + 1, c as u16, *n).unwrap();
                }
            }
        }
    }
    book.save(path).unwrap();
}

fn state_of(store: &Store, id: i64) -> (String, Option<String>) {
    let o = orders::get_header(store, id).unwrap();
    (o.state.as_str().to_string(), o.customs_no)
}

#[test]
fn a_brokers_file_declares_its_good_rows_at_once_and_says_why_of_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (by_number, by_buyer, draft, declared, taker, twice, twin_a, twin_b) = {
        let mut s = open_profile(dir.path());
        let by_number = order(&mut s, "Ivan Petrov", "E12345678", 150_000, Some("MO-A"));
        let by_buyer = order(&mut s, "Anna Smirnova", "P7654321", 88_000, Some("MO-B"));
        let draft = order(&mut s, "Draft Buyer", "D1111111", 1_000, None);
        let declared = order(&mut s, "Oleg", "G2222222", 2_000, Some("MO-D"));
        orders::attach_customs_no(&mut s, ACTOR, declared, &customs(1)).unwrap();
        let taker = order(&mut s, "Pavel", "H3333333", 3_000, Some("MO-E"));
        let twice = order(&mut s, "Irina", "J4444444", 4_000, Some("MO-H"));
        // Two orders of one buyer, passport and total: only their numbers tell them apart.
        let twin_a = order(&mut s, "Boris", "K5555555", 5_000, Some("MO-T1"));
        let twin_b = order(&mut s, "Boris", "K5555555", 5_000, Some("MO-T2"));
        (
            by_number, by_buyer, draft, declared, taker, twice, twin_a, twin_b,
        )
    };
    let (n_by_number, n_draft, n_declared, n_taker, n_twice) = {
        let s = open_profile(dir.path());
        (
            no(&s, by_number),
            no(&s, draft),
            no(&s, declared),
            no(&s, taker),
            no(&s, twice),
        )
    };
    let lower_spaced = n_by_number.to_lowercase().replace('-', " ");
    let (c2, c3, c5, c6, c7) = (customs(2), customs(3), customs(5), customs(6), customs(7));
    let c1 = customs(1);
    let (c8, c9, c11, c12) = (customs(8), customs(9), customs(11), customs(12));
    use Cell::{Number, Text};
    let rows = vec![
        // 2: by its number, typed loosely
        vec![Text(&lower_spaced), Text(&c2)],
        // 3: by buyer + passport + total (as a number cell)
        vec![
            Text(""),
            Text(&c3),
            Text("Anna Smirnova"),
            Text("p7654321"),
            Number(880.0),
        ],
        // 4: the same again: a duplicate, nothing more to do
        vec![Text(&n_by_number), Text(&c2)],
        // 5: a draft
        vec![Text(&n_draft), Text(&c5)],
        // 6: declared with this number already
        vec![Text(&n_declared), Text(&c1)],
        // 7: declared with another number
        vec![Text(&n_declared), Text(&c6)],
        // 8: a number another order holds
        vec![Text(&n_taker), Text(&c1)],
        // 9, 10: one order, two numbers
        vec![Text(&n_twice), Text(&c6)],
        vec![Text(&n_twice), Text(&c7)],
        // 11: no such order (another company's, or a typo)
        vec![Text("XB-0000-0000-0000"), Text(&c8)],
        // 12: two orders fit the buyer, passport and total
        vec![
            Text(""),
            Text(&c9),
            Text("Boris"),
            Text("K5555555"),
            Text("50.00"),
        ],
        // 13: a customs number Excel kept as a number (its last digits rounded away)
        vec![Text(&n_taker), Number(223_320_260_000_000_010.0)],
        // 14: a malformed customs number; 15: a malformed order number
        vec![Text(&n_taker), Text("12345")],
        vec![Text("XB-12"), Text(&c11)],
        // 16: nothing names an order
        vec![Text(""), Text(&c12)],
    ];
    let file = dir.path().join("broker.xlsx");
    write_xlsx(&file, &rows);

    let dry = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            file.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert_eq!(
        dry.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    let status = |a: &serde_json::Value, row: u64| -> String {
        a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["row_no"] == row)
            .unwrap_or_else(|| panic!("row {row} in {a}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let expected = [
        (2, "will_declare"),
        (3, "will_declare"),
        (4, "duplicate"),
        (5, "not_confirmed"),
        (6, "already_declared"),
        (7, "declared_other_number"),
        (8, "number_taken"),
        (9, "conflict_in_file"),
        (10, "conflict_in_file"),
        (11, "unknown_order"),
        (12, "ambiguous_order"),
        (13, "bad_format"),
        (14, "bad_format"),
        (15, "bad_format"),
        (16, "no_order"),
    ];
    for (row, want) in expected {
        assert_eq!(status(&answer, row), want, "row {row}: {answer}");
    }
    assert_eq!(answer["will_declare"], 2);
    assert_eq!(answer["rejected"], 11);
    let row = |r: u64| {
        answer["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["row_no"] == r)
            .unwrap()
            .clone()
    };
    assert_eq!(row(8)["other_order_no"], n_declared.as_str());
    assert_eq!(row(9)["other_rows"], serde_json::json!([10]));
    assert_eq!(row(13)["field"], "customs_no");
    assert!(row(13)["reason"].as_str().unwrap().contains("15 digits"));
    assert_eq!(row(14)["code"], "customs.format");
    assert_eq!(row(15)["code"], "order_no.format");
    assert_eq!(row(3)["order_no"], no(&open_profile(dir.path()), by_buyer));
    // The dry run changed nothing.
    {
        let s = open_profile(dir.path());
        assert_eq!(state_of(&s, by_number), ("confirmed".into(), None));
        assert_eq!(state_of(&s, by_buyer), ("confirmed".into(), None));
    }

    let rejected = dir.path().join("rejected.xlsx");
    let applied = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            file.to_str().unwrap(),
            "--rejected",
            rejected.to_str().unwrap(),
        ],
    );
    assert_eq!(applied.status.code(), Some(3));
    let answer: serde_json::Value = serde_json::from_slice(&applied.stdout).unwrap();
    assert_eq!(answer["declared"], 2);
    let s = open_profile(dir.path());
    assert_eq!(
        state_of(&s, by_number),
        ("declared".into(), Some(c2.clone()))
    );
    assert_eq!(
        state_of(&s, by_buyer),
        ("declared".into(), Some(c3.clone()))
    );
    assert_eq!(state_of(&s, twice), ("confirmed".into(), None));
    assert_eq!(state_of(&s, taker), ("confirmed".into(), None));
    assert_eq!(state_of(&s, twin_a).1, None);
    assert_eq!(state_of(&s, twin_b).1, None);
    assert_eq!(state_of(&s, declared).1, Some(c1.clone()));
    // Each declaration is audited and queued for the platform.
    let count = |sql: &str| -> i64 { s.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM outbox WHERE kind = 'order.declare' AND order_id IN ({by_number}, {by_buyer})"
        )),
        2
    );
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'declare' AND order_id IN ({by_number}, {by_buyer})"
        )),
        2
    );
    drop(s);

    // The rejected rows, as given, with their row number and why.
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&rejected).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 1 + 11, "{rows:?}");
    let taken = rows.iter().find(|r| r[5] == "8").unwrap();
    assert_eq!(taken[0], n_taker);
    assert!(
        taken[6].starts_with("报关单号已属于其他订单："),
        "{}",
        taken[6]
    );
    assert!(taken[6].contains(&n_declared));

    // Taken again, the file declares nothing twice: the declared rows are now "already".
    let again = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    let answer: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(answer["declared"], 0);
    assert_eq!(status(&answer, 2), "already_declared");
    assert_eq!(status(&answer, 3), "already_declared");
    assert_eq!(
        order_number::of(
            &orders::get_header(&open_profile(dir.path()), by_number)
                .unwrap()
                .uuid
        ),
        n_by_number
    );
}

#[test]
fn a_file_too_big_or_without_the_columns_is_refused_whole_in_words() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_profile(dir.path()));
    let big = dir.path().join("big.csv");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(200 << 20).unwrap();
    let out = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            big.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["code"], "import.too_large", "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("big.csv"));

    let headless = dir.path().join("headless.csv");
    std::fs::write(&headless, "订单编号,金额\nXB-0000-0000-0000,12\n").unwrap();
    let out = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            headless.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["code"], "import.missing_columns", "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("报关单号"));

    // The template is read back as a file with the right columns and no rows.
    let template = dir.path().join("template.xlsx");
    let out = xinbao(
        dir.path(),
        &["orders", "customs-template", template.to_str().unwrap()],
    );
    assert!(out.status.success());
    let out = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            template.to_str().unwrap(),
            "--dry-run",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["rows"], serde_json::json!([]));
}

#[test]
fn a_file_killed_before_its_commit_declares_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<i64> = {
        let mut s = open_profile(dir.path());
        (0..3)
            .map(|i| {
                order(
                    &mut s,
                    &format!("Buyer {i}"),
                    &format!("E000000{i}"),
                    1_000 + i,
                    Some(&format!("MO-K{i}")),
                )
            })
            .collect()
    };
    let file = dir.path().join("broker.xlsx");
    let numbers: Vec<(String, String)> = {
        let s = open_profile(dir.path());
        ids.iter()
            .enumerate()
            .map(|(i, id)| (no(&s, *id), customs(100 + i as u32)))
            .collect()
    };
    let rows: Vec<Vec<Cell>> = numbers
        .iter()
        .map(|(n, c)| vec![Cell::Text(n), Cell::Text(c)])
        .collect();
    write_xlsx(&file, &rows);
    let killed = std::process::Command::new(env!("CARGO_BIN_EXE_xinbao"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["orders", "customs", "--file", file.to_str().unwrap()])
        .env_remove(xinbao_store::paths::DATA_DIR_ENV)
        .env(xinbao_store::crash::CRASH_AT_ENV, "customs_bulk.declared")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "killed by its signal");
    let s = open_profile(dir.path());
    for id in &ids {
        assert_eq!(
            state_of(&s, *id),
            ("confirmed".into(), None),
            "all or nothing"
        );
    }
    drop(s);
    let applied = xinbao(
        dir.path(),
        &[
            "--json",
            "orders",
            "customs",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert!(applied.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&applied.stdout).unwrap();
    assert_eq!(answer["declared"], 3);
}
