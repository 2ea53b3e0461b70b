//! The company's order book on every computer, against the real reference platform over
//! real TLS, with real profile databases: what one computer confirms, another sees whole;
//! what the state allows, any computer does; the platform decides between two computers;
//! and nothing is lost when the platform's or a computer's database goes back in time.

mod common;

use common::client::*;
use common::*;
use std::path::Path;
use xinbao_domain::{LineForm, OrderForm};
use xinbao_store::order_book::{self, Origin};
use xinbao_store::{orders, outbox, Store};
use xinbao_sync::engine;

fn count(server: &Server, sql: &str) -> i64 {
    server.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

async fn sync(device: &Device, server: &Server, token: &str) -> engine::SyncReport {
    engine::sync_once(&device.store, &server.client(), token)
        .await
        .expect("a sync pass")
}

/// A device that has pulled the feeds once (merchant orders are needed to link).
async fn pulled(server: &Server, token: &str) -> Device {
    let d = Device::new();
    sync(&d, server, token).await;
    d
}

fn order_by_uuid(device: &Device, uuid: &str) -> orders::OrderDetail {
    let store = device.store.lock().unwrap();
    let id: i64 = store
        .connection()
        .query_row(
            "SELECT id FROM export_orders WHERE uuid = ?1",
            [uuid],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| panic!("order {uuid} is not on this computer"));
    orders::get(&store, id).unwrap()
}

/// The form of a stored order, with line `index` changed to `product`.
fn with_product(detail: &orders::OrderDetail, index: usize, product: &str) -> OrderForm {
    OrderForm {
        buyer_name: detail.buyer_name.clone().unwrap_or_default(),
        passport_no: detail.passport_no.clone().unwrap_or_default(),
        country: detail.country.clone().unwrap_or_default(),
        total_amount: xinbao_domain::Cents(detail.total_cents.unwrap()).plain(),
        lines: detail
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut f = LineForm::from_fields(l.line.to_texts());
                f.id = Some(l.id);
                if i == index {
                    f.product_name = product.into();
                }
                f
            })
            .collect(),
    }
}

#[tokio::test]
async fn what_one_computer_confirms_another_sees_whole_and_can_declare() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(1, 3);
    let full_passport = xinbao_store::reveal::order_passport(&mut a.store.lock().unwrap(), "t", a1)
        .unwrap()
        .unwrap();
    sync(&a, &server, &token).await;
    let sent = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    // Acknowledged, the operation keeps no personal number (the platform has them).
    let kept: (i64, i64, i64) = a
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT count(*), sum(instr(payload, ?1) > 0), sum(instr(payload, '13905790') > 0) FROM outbox",
            [&full_passport],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        kept,
        (1, 0, 0),
        "passport or mobile left in an acknowledged payload"
    );
    assert_eq!(
        count(
            &server,
            &format!("SELECT count(*) FROM orders WHERE passport_no = '{full_passport}'")
        ),
        1,
        "the platform has the whole number"
    );

    // A colleague's computer, new: one sync brings the whole order.
    let b = Device::new();
    let report = sync(&b, &server, &token).await;
    assert_eq!(report.orders_received, 1);
    let list = orders::list(&b.store.lock().unwrap(), &Default::default()).unwrap();
    assert_eq!(
        list.total, 1,
        "the colleague's list shows the company's order"
    );
    let seen = order_by_uuid(&b, &sent.uuid);
    assert_eq!(
        (
            seen.state,
            &seen.buyer_name,
            &seen.passport_no,
            &seen.country,
            seen.total_cents
        ),
        (
            sent.state,
            &sent.buyer_name,
            &sent.passport_no,
            &sent.country,
            sent.total_cents
        )
    );
    assert_eq!(seen.lines.len(), 3);
    for (s, l) in seen.lines.iter().zip(&sent.lines) {
        assert_eq!(
            (
                &s.uuid,
                s.position,
                &s.line.product_name,
                s.line.amount_cents
            ),
            (
                &l.uuid,
                l.position,
                &l.line.product_name,
                l.line.amount_cents
            )
        );
        assert_eq!(s.merchant_order_ids, l.merchant_order_ids, "links came too");
        assert_eq!(s.merchant_order_ids.len(), 1);
    }
    assert_eq!(seen.origin, Origin::OtherComputer);
    assert_eq!(
        orders::get(&a.store.lock().unwrap(), a1).unwrap().origin,
        Origin::ThisComputer
    );
    // What the state allows, from the domain: a confirmed order's lines, links and customs.
    assert_eq!(
        seen.actions,
        xinbao_domain::OrderState::Confirmed.actions(),
        "{:?}",
        seen.actions
    );
    // The order's history says it came from the platform.
    let history: i64 = b
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE order_id = ?1 AND action = 'platform' AND actor = 'platform'",
            [seen.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(history, 1);

    // The documents office attaches the customs number on B; A sees 已报关.
    b.declare(seen.id, "292020260000004321");
    sync(&b, &server, &token).await;
    sync(&a, &server, &token).await;
    let declared = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    assert_eq!(declared.state.as_str(), "declared");
    assert_eq!(declared.customs_no.as_deref(), Some("292020260000004321"));
    assert!(
        declared.actions.is_empty(),
        "a declared order allows nothing"
    );
    assert_eq!(a.pending(), 0);
}

#[tokio::test]
async fn the_same_line_edited_on_two_computers_offline_one_wins_the_other_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(7, 2);
    sync(&a, &server, &token).await;
    let b = pulled(&server, &token).await;
    let uuid = orders::get(&a.store.lock().unwrap(), a1).unwrap().uuid;
    let b1 = order_by_uuid(&b, &uuid);

    // Both offline: each changes line 1's product.
    let mine = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    orders::save(
        &mut a.store.lock().unwrap(),
        "a",
        a1,
        &with_product(&mine, 0, "A 的品名"),
    )
    .unwrap();
    orders::save(
        &mut b.store.lock().unwrap(),
        "b",
        b1.id,
        &with_product(&b1, 0, "B 的品名"),
    )
    .unwrap();
    // A second change of A's own on the same line is not stale (A changed it last).
    let mine = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    orders::save(
        &mut a.store.lock().unwrap(),
        "a",
        a1,
        &with_product(&mine, 0, "A 的品名 2"),
    )
    .unwrap();

    let ra = sync(&a, &server, &token).await;
    assert_eq!((ra.applied, ra.rejected), (2, 0));
    let rb = sync(&b, &server, &token).await;
    assert_eq!((rb.applied, rb.rejected), (0, 1));
    // Fetched again: by the order book feed (A changed it) or on its own.
    assert_eq!(rb.orders_received + rb.orders_refreshed, 1);

    // B shows the platform's line and, on the order, why its change did not apply.
    let after = order_by_uuid(&b, &uuid);
    assert_eq!(
        after.lines[0].line.product_name.as_deref(),
        Some("A 的品名 2")
    );
    let refusal = after.rejection.expect("the refusal is on the order");
    assert_eq!(
        (refusal.kind.as_str(), refusal.code.as_str()),
        ("line.upsert", "order.stale")
    );
    assert!(refusal.message.contains("another computer"));
    let summary = orders::list(&b.store.lock().unwrap(), &Default::default())
        .unwrap()
        .orders
        .into_iter()
        .find(|o| o.uuid == uuid)
        .unwrap();
    assert_eq!(summary.rejection.as_deref(), Some("order.stale"));
    assert!(summary.rejection_message.is_some());
    // The platform holds A's line once.
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM order_lines WHERE product_name = 'A 的品名 2'"
        ),
        1
    );
    // B edits again, now on the refreshed revision: it applies.
    let fresh = order_by_uuid(&b, &uuid);
    orders::save(
        &mut b.store.lock().unwrap(),
        "b",
        fresh.id,
        &with_product(&fresh, 0, "B 再改"),
    )
    .unwrap();
    let again = sync(&b, &server, &token).await;
    assert_eq!((again.applied, again.rejected), (1, 0));
    sync(&a, &server, &token).await;
    assert_eq!(
        orders::get(&a.store.lock().unwrap(), a1).unwrap().lines[0]
            .line
            .product_name
            .as_deref(),
        Some("B 再改")
    );
}

#[tokio::test]
async fn two_customs_numbers_for_one_order_offline_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(3, 1);
    sync(&a, &server, &token).await;
    let b = pulled(&server, &token).await;
    let uuid = orders::get(&a.store.lock().unwrap(), a1).unwrap().uuid;
    let b1 = order_by_uuid(&b, &uuid).id;

    a.declare(a1, "292020260000001111");
    b.declare(b1, "292020260000002222");
    let ra = sync(&a, &server, &token).await;
    let rb = sync(&b, &server, &token).await;
    assert_eq!((ra.applied, rb.applied, rb.rejected), (1, 0, 1));
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM orders WHERE customs_no IS NOT NULL"
        ),
        1
    );
    let on_b = order_by_uuid(&b, &uuid);
    assert_eq!(
        on_b.customs_no.as_deref(),
        Some("292020260000001111"),
        "B shows the number that won"
    );
    let refusal = on_b.rejection.unwrap();
    assert_eq!(refusal.code, "order.declared_frozen");
    assert!(
        refusal.message.contains("292020260000001111"),
        "B's clerk is told which number won: {}",
        refusal.message
    );
    // B's number is free again locally: B may use it for another order.
    let b2 = b.confirmed_order(4, 1);
    b.declare(b2, "292020260000002222");
    let rb = sync(&b, &server, &token).await;
    assert_eq!(rb.rejected, 0);
}

#[tokio::test]
async fn a_refused_confirmation_can_be_reopened_fixed_and_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(5, 1);
    // The platform refuses it: its merchant order is gone from the platform's own records
    // (as when the platform's clerks withdraw one). Here: a link the platform does not know.
    {
        let store = a.store.lock().unwrap();
        let op: String = store
            .connection()
            .query_row(
                "SELECT payload FROM outbox WHERE order_id = ?1",
                [a1],
                |r| r.get(0),
            )
            .unwrap();
        assert!(op.contains("MO-"));
    }
    server
        .db()
        .execute_batch(
            "PRAGMA foreign_keys = OFF; UPDATE merchant_orders SET company_id = company_id + 1000;",
        )
        .unwrap();
    let r = sync(&a, &server, &token).await;
    assert_eq!(r.rejected, 1);
    let d = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    assert!(d.can_reopen, "the platform holds no such order");
    assert_eq!(d.rejection.unwrap().kind, "order.confirm");
    server
        .db()
        .execute_batch("UPDATE merchant_orders SET company_id = company_id - 1000;")
        .unwrap();
    order_book::reopen(&mut a.store.lock().unwrap(), "a", a1).unwrap();
    let d = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    assert_eq!(d.state.as_str(), "draft");
    assert!(d.actions.contains(&xinbao_domain::Action::EditBuyer));
    orders::confirm(&mut a.store.lock().unwrap(), "a", a1).unwrap();
    let r = sync(&a, &server, &token).await;
    assert_eq!((r.applied, r.rejected), (1, 0));
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 1);
    // Re-opening is refused once the platform holds the order.
    let err = order_book::reopen(&mut a.store.lock().unwrap(), "a", a1).unwrap_err();
    assert_eq!(err.code(), "order.not_reopenable");
}

fn checkpoint(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
}

fn copy_db(from: &Path, to: &Path) {
    checkpoint(from);
    std::fs::copy(from, to).unwrap();
}

fn restore_db(backup: &Path, db: &Path) {
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    std::fs::copy(backup, db).unwrap();
}

#[tokio::test]
async fn the_platform_restored_from_an_older_copy_loses_nothing_the_computers_had() {
    let dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.sqlite3");
    let mut server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(1, 2);
    sync(&a, &server, &token).await;
    // C only reads the order book: nothing of C's is lost with the platform's disk.
    let c = pulled(&server, &token).await;

    server.kill();
    copy_db(&db, &backups.path().join("old.sqlite3"));
    server.restart();
    // After the backup: a second order, a line change and a declaration.
    let a2 = a.confirmed_order(2, 3);
    let d1 = orders::get(&a.store.lock().unwrap(), a1).unwrap();
    orders::save(
        &mut a.store.lock().unwrap(),
        "a",
        a1,
        &with_product(&d1, 1, "备份之后改的"),
    )
    .unwrap();
    a.declare(a1, "292020260000005555");
    sync(&a, &server, &token).await;
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 2);
    sync(&c, &server, &token).await;

    // The platform's disk dies; its admin restores last week's copy.
    server.kill();
    restore_db(&backups.path().join("old.sqlite3"), &db);
    server.restart();
    let token = server.demo_token().await;
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 1);

    // C, which pushed nothing, is first back: it notices by its cursors (above every
    // revision the restored platform holds) and sends its copies of the orders again.
    let rc = sync(&c, &server, &token).await;
    assert_eq!(
        rc.recovery.map(|r| r.kind).as_deref(),
        Some("platform_restored")
    );
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 2);

    let r = sync(&a, &server, &token).await;
    let recovery = r.recovery.expect("the pass says what happened");
    assert_eq!(recovery.kind, "platform_restored");
    assert_eq!(recovery.resent, 2);
    assert_eq!(a.pending(), 0);
    assert_eq!(
        r.rejected,
        0,
        "{:?}",
        outbox::status(&a.store.lock().unwrap()).unwrap().rejections
    );
    // Everything A had is on the platform again.
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 2);
    assert_eq!(count(&server, "SELECT count(*) FROM order_lines"), 5);
    assert_eq!(
        count(&server, "SELECT count(*) FROM orders WHERE customs_no = '292020260000005555' AND state = 'declared'"),
        1
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM order_lines WHERE product_name = '备份之后改的'"
        ),
        1
    );
    // C goes on receiving what changes after the restore (revisions never go back).
    let c_a2 = order_by_uuid(&c, &orders::get(&a.store.lock().unwrap(), a2).unwrap().uuid);
    a.declare(a2, "292020260000008888");
    sync(&a, &server, &token).await;
    sync(&c, &server, &token).await;
    assert_eq!(
        orders::get(&c.store.lock().unwrap(), c_a2.id)
            .unwrap()
            .customs_no
            .as_deref(),
        Some("292020260000008888"),
        "C still receives the order book's changes after the restore"
    );
    // A new computer sees it all; the sync status keeps the note.
    let b = Device::new();
    sync(&b, &server, &token).await;
    let list = orders::list(&b.store.lock().unwrap(), &Default::default()).unwrap();
    assert_eq!(list.total, 2);
    let uuid2 = orders::get(&a.store.lock().unwrap(), a2).unwrap().uuid;
    assert_eq!(order_by_uuid(&b, &uuid2).lines.len(), 3);
    let status = xinbao_sync::status::status(&a.store.lock().unwrap()).unwrap();
    assert_eq!(status.recovery.unwrap().kind, "platform_restored");
    // And a second pass has nothing more to do.
    let again = sync(&a, &server, &token).await;
    assert!(again.recovery.is_none());
    assert_eq!(again.pushed, 0);
}

#[tokio::test]
async fn a_new_platform_database_gets_the_order_book_back_from_the_computers() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let a1 = a.confirmed_order(1, 2);
    a.declare(a1, "292020260000006666");
    a.confirmed_order(2, 1);
    sync(&a, &server, &token).await;

    server.kill();
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("platform.sqlite3{ext}")));
    }
    server.restart();
    let token = server.demo_token().await;
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 0);
    let r = sync(&a, &server, &token).await;
    assert_eq!(r.recovery.unwrap().kind, "platform_new_epoch");
    assert_eq!(r.rejected, 0);
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 2);
    assert_eq!(count(&server, "SELECT count(*) FROM order_lines"), 3);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM orders WHERE state = 'declared'"
        ),
        1
    );
}

#[tokio::test]
async fn a_computer_restored_from_an_older_copy_of_its_database_continues() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = Device::profile("main");
    sync(&a, &server, &token).await;
    a.confirmed_order(1, 1);
    sync(&a, &server, &token).await;
    let path = a.store.lock().unwrap().path().to_path_buf();
    let backup = a.dir.path().join("backup.sqlite3");
    // The device's file is encrypted: its own connection folds the WAL in before the copy.
    a.store
        .lock()
        .unwrap()
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    std::fs::copy(&path, &backup).unwrap();
    let a2 = a.confirmed_order(2, 1);
    let uuid2 = orders::get(&a.store.lock().unwrap(), a2).unwrap().uuid;
    sync(&a, &server, &token).await;

    // The laptop's disk is restored from last week: the second order is not in it.
    {
        let mut store = a.store.lock().unwrap();
        let fresh = tempfile::NamedTempFile::new().unwrap();
        *store = Store::open(fresh.path(), &key()).unwrap();
    }
    restore_db(&backup, &path);
    // Restored with its key-id file beside it, it opens with the key in the keyring.
    *a.store.lock().unwrap() = Store::open_profile(
        a.dir.path(),
        "main",
        &xinbao_sync::OsKeyring::database_keys(xinbao_store::paths::APP_IDENTIFIER),
    )
    .unwrap();
    // A new order typed after the restore takes the sequence number the platform already
    // holds for the lost one.
    a.confirmed_order(3, 1);
    let r = sync(&a, &server, &token).await;
    assert_eq!(a.pending(), 0, "nothing is rejected for good");
    assert_eq!(r.rejected, 0);
    assert_eq!(r.recovery.unwrap().kind, "client_behind");
    assert_eq!(count(&server, "SELECT count(*) FROM orders"), 3);
    // The order lost with the old disk comes back from the platform.
    assert_eq!(order_by_uuid(&a, &uuid2).lines.len(), 1);
    let again = sync(&a, &server, &token).await;
    assert_eq!((again.pushed, again.rejected), (0, 0));
}

#[tokio::test]
async fn a_200000_line_confirmation_reaches_the_platform_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    let a = pulled(&server, &token).await;
    let id = a.big_confirmed_order(200_000);
    let t = std::time::Instant::now();
    let size: i64 = a
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT length(payload) FROM outbox WHERE order_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        size > 4 * xinbao_wire::MAX_CHUNK_BYTES as i64,
        "the operation is larger than one request may be ({size} bytes)"
    );
    // One request carries at most one piece; the platform applies the whole order in one
    // transaction, which takes a debug build longer than the default timeout.
    let patient = xinbao_sync::PlatformClient::new(&xinbao_sync::ClientSettings {
        timeout_s: 300,
        ..server.settings()
    })
    .unwrap();
    let r = engine::sync_once(&a.store, &patient, &token).await.unwrap();
    eprintln!("pushed 200,000 lines in {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!((r.applied, r.rejected), (1, 0));
    assert_eq!(a.pending(), 0);
    assert_eq!(count(&server, "SELECT count(*) FROM order_lines"), 200_000);
    assert_eq!(count(&server, "SELECT count(*) FROM op_chunks"), 0);
    // A new computer gets the big order too, its lines paged.
    let b = Device::new();
    let t = std::time::Instant::now();
    engine::sync_once(&b.store, &patient, &token).await.unwrap();
    eprintln!("pulled 200,000 lines in {:.1} s", t.elapsed().as_secs_f64());
    let uuid = orders::get_header(&a.store.lock().unwrap(), id)
        .unwrap()
        .uuid;
    let lines: i64 = b
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row(
            "SELECT count(*) FROM order_lines l JOIN export_orders o ON o.id = l.order_id WHERE o.uuid = ?1",
            [&uuid],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lines, 200_000);
}

#[tokio::test]
async fn an_order_entered_on_the_platforms_web_pages_comes_marked_so_and_can_be_declared_here() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = server.demo_token().await;
    // The platform's own web pages wrote this order (as clerks do today): no device made it.
    {
        let db = server.db();
        db.execute("INSERT INTO revisions (at) VALUES (0)", [])
            .unwrap();
        let rev = db.last_insert_rowid();
        db.execute(
            "INSERT INTO orders (uuid, company_id, state, buyer_name, passport_no, country, total_cents,
                                 confirmed_at, rev, updated_at, origin, changed_by)
             SELECT 'web-order-1', id, 'confirmed', 'AHMED ALI', 'P1234567', 'AE', 50000,
                    '2026-11-20T02:00:00.000Z', ?1, 0, 'web', '李丽' FROM companies",
            [rev],
        )
        .unwrap();
        db.execute(
            "INSERT INTO order_lines (uuid, order_uuid, position, procurement_no, merchant_name, mobile, order_month,
                                      product_name, quantity, packages, amount_cents, rev)
             VALUES ('web-line-1', 'web-order-1', 0, '3307820002', '义乌市稠城饰品商行', '13905790002', '2026-10',
                     '发饰', 50, 1, 50000, ?1)",
            [rev],
        )
        .unwrap();
    }
    let b = Device::new();
    sync(&b, &server, &token).await;
    let seen = order_by_uuid(&b, "web-order-1");
    assert_eq!(seen.origin, Origin::PlatformWeb);
    assert_eq!(seen.changed_by.as_deref(), Some("李丽"));
    assert_eq!(seen.lines[0].line.product_name.as_deref(), Some("发饰"));
    b.declare(seen.id, "292020260000007777");
    let r = sync(&b, &server, &token).await;
    assert_eq!((r.applied, r.rejected), (1, 0));
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM orders WHERE uuid = 'web-order-1' AND customs_no = '292020260000007777'"
        ),
        1
    );
}
