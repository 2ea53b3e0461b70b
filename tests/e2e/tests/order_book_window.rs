//! Two computers of one company, each the real app with its own data directory (its own
//! profile, device id and keyring entries), against one reference platform: the order
//! confirmed in the first appears in the second's list, marked as entered on another
//! computer; the customs number typed in the second reaches the first.
//!
//! The app is single-instance per desktop session, so the two computers take turns.

mod common;
use common::*;

/// Waits for a sync pass to have run with nothing left to send.
async fn synced(app: &App) {
    app.click("#nav-sync").await;
    app.click("[data-testid='sync-now']").await;
    app.wait_until("[data-testid='sync-last-success']", "a sync", |t| {
        !t.is_empty() && t != "从未同步"
    })
    .await;
    app.wait_text("[data-testid='sync-pending']", "0").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_order_confirmed_on_one_computer_is_declared_on_another_and_both_see_it() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let platform = Platform::start();

    // Computer A logs in once: the merchant orders it links to come with the first pass.
    let a = App::start_logged_in(a_dir.path(), &platform).await;
    synced(&a).await;
    a.quit().await;
    // A draft with one line, linked, made from A's command line.
    let created: serde_json::Value = serde_json::from_str(&cli(
        a_dir.path(),
        &[
            "orders", "new", "--json",
            "--buyer-name", "OLEG SMIRNOV",
            "--passport", "E76543210",
            "--country", "RU",
            "--total", "500",
            "--line",
            "procurement_no=3307820001,merchant_name=义乌市小商品经营部,mobile=13905790001,order_month=2026-06,product_name=毛绒玩具,quantity=100,packages=2,amount=500",
        ],
    ))
    .unwrap();
    let id = created["id"].as_i64().unwrap().to_string();
    let shown: serde_json::Value =
        serde_json::from_str(&cli(a_dir.path(), &["orders", "show", &id, "--json"])).unwrap();
    let line = shown["lines"][0]["id"].as_i64().unwrap().to_string();
    cli(
        a_dir.path(),
        &[
            "orders",
            "link",
            "--line",
            &line,
            "--merchant-order",
            "MO-202606-0001",
        ],
    );

    // A confirms it in the window; it leaves for the platform.
    let a = App::start_logged_in(a_dir.path(), &platform).await;
    a.click("#nav-orders").await;
    a.click("[data-testid='order-row'] [data-testid='open-order']")
        .await;
    a.click("[data-testid='confirm-order']").await;
    a.click("dialog[open] [data-testid='dialog-ok']").await;
    a.wait_text("[data-testid='state-badge']", "已确认").await;
    a.wait_text("[data-testid='origin-badge']", "录入于：本机")
        .await;
    synced(&a).await;
    a.quit().await;

    // Computer B, new: its first sync brings the company's order book.
    let b = App::start_logged_in(b_dir.path(), &platform).await;
    synced(&b).await;
    b.wait_until("[data-testid='order-book-count']", "the order book", |t| {
        t.contains('1')
    })
    .await;
    b.click("#nav-orders").await;
    b.wait_count("[data-testid='order-row']", 1).await;
    b.wait_text(
        "[data-testid='order-row'] [data-testid='origin-badge']",
        "其他电脑",
    )
    .await;
    b.wait_text("[data-testid='state-badge']", "已确认").await;
    b.screenshot("order-book-other-computer").await;
    // The documents office types the customs number on B.
    b.click("[data-testid='order-row'] [data-testid='open-order']")
        .await;
    assert_eq!(
        b.value(&b.wait_css("#buyer_name").await).await,
        "OLEG SMIRNOV"
    );
    b.wait_count("[data-testid='line-row']", 1).await;
    b.fill("[data-testid='customs-input']", "292920260000054321")
        .await;
    b.click("[data-testid='customs-submit']").await;
    b.click("dialog[open] [data-testid='dialog-ok']").await;
    b.wait_text("[data-testid='state-badge']", "已报关").await;
    synced(&b).await;
    b.quit().await;

    // Back on A: the order is declared, with B's number.
    let a = App::start_logged_in(a_dir.path(), &platform).await;
    synced(&a).await;
    a.click("#nav-orders").await;
    a.wait_text("[data-testid='state-badge']", "已报关").await;
    a.wait_text("[data-testid='order-customs']", "292920260000054321")
        .await;
    a.screenshot("order-book-declared-elsewhere").await;
    a.quit().await;
}
