//! `xinbao-platform admin add-merchant-orders`: many merchant orders from one CSV file, all
//! or none, a bad row named by its row and column.

mod common;
use common::*;
use xinbao_platform::demo;

fn count(server: &Server) -> i64 {
    server
        .db()
        .query_row("SELECT count(*) FROM merchant_orders", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_file_of_merchant_orders_is_added_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let before = count(&server);
    let file = dir.path().join("orders.csv");

    let mut csv = String::from("\u{feff}procurement_no,month,amount,id,product_name,quantity\n");
    for i in 0..2_000 {
        csv.push_str(&format!(
            "3307820001,2026年10月,{}.{:02},BULK-{i:05},袜子,{}\n",
            100 + i,
            i % 100,
            i + 1
        ));
    }
    std::fs::write(&file, &csv).unwrap();
    let out = server.admin(&[
        "add-merchant-orders",
        "--company",
        demo::COMPANY_USCC,
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2000 merchant orders added"
    );
    assert_eq!(count(&server), before + 2_000);
    let (month, cents): (String, i64) = server
        .db()
        .query_row(
            "SELECT order_month, amount_cents FROM merchant_orders WHERE id = 'BULK-00007'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((month.as_str(), cents), ("2026-10", 10_707));

    // Each bad file: refused with its row and column, nothing of it added.
    for (body, words) in [
        (
            "procurement_no,month,amount\n3307820001,2026-10,10\n3307820001,2026-10,ten\n",
            "row 3, column amount",
        ),
        (
            "procurement_no,month,amount\n3307820001,2026-13,10\n",
            "row 2, column month",
        ),
        (
            "procurement_no,month,amount\n9999999999,2026-10,10\n",
            "row 2",
        ),
        (
            "procurement_no,month\n3307820001,2026-10\n",
            "column amount: the header row lacks",
        ),
        (
            "procurement_no,month,amount,colour\n3307820001,2026-10,10,red\n",
            "column colour: not a column",
        ),
        (
            "procurement_no,month,amount,quantity\n3307820001,2026-10,10,many\n",
            "row 2, column quantity",
        ),
        (
            "procurement_no,month,amount,id\n3307820001,2026-10,10,BULK-00001\n",
            "row 2",
        ),
    ] {
        std::fs::write(&file, body).unwrap();
        let out = server.admin(&[
            "add-merchant-orders",
            "--company",
            demo::COMPANY_USCC,
            "--file",
            file.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{body}");
        assert!(
            err.contains(words) && err.contains("orders.csv"),
            "{body}: {err}"
        );
        assert_eq!(count(&server), before + 2_000, "{body}");
    }
    let out = server.admin(&[
        "add-merchant-orders",
        "--company",
        "91330782MA2D3M0X1X",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("company.unknown"));
}
