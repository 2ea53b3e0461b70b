//! The real app against the reference platform (demo data, TLS on loopback): a fresh
//! computer logs in with a captcha, the background sync pulls the merchant directory; a
//! draft is linked to a cached merchant order, confirmed (after a first try that lists
//! what is missing), sent once, declared with a customs number; and with the platform
//! stopped the remembered computer still unlocks offline.

mod common;
use common::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn login_sync_a_confirmed_order_and_unlock_offline() {
    let data = tempfile::tempdir().unwrap();
    let mut platform = Platform::start();

    // A fresh computer opens at the login screen: nothing of the app shows before login.
    let app = App::start(data.path(), &platform).await;
    app.wait_css("[data-testid='login-screen']").await;
    assert!(app
        .find_all("[data-testid='orders-table']")
        .await
        .is_empty());
    app.fill("[data-testid='login-identifier']", DEMO_USCC)
        .await;
    app.fill("[data-testid='login-password']", DEMO_PASSWORD)
        .await;
    let first = app.captcha_id().await;
    app.screenshot("login").await;
    // A wrong captcha: the reason beside the field, and a new captcha (each is good once).
    let right = platform.sink_code("captcha", &first);
    let wrong: String = right
        .chars()
        .map(|c| if c == '9' { '0' } else { (c as u8 + 1) as char })
        .collect();
    app.fill("[data-testid='login-captcha']", &wrong).await;
    app.click("[data-testid='login-submit']").await;
    app.wait_until(
        ".field-error[data-field='captcha_answer']",
        "the captcha error",
        |t| t == "验证码错误，请输入新的验证码",
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.captcha_id().await == first {
        assert!(Instant::now() < deadline, "the captcha was not replaced");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.log_in(&platform).await;
    app.wait_text("[data-testid='account-name']", DEMO_COMPANY)
        .await;

    // The first pass after login pulls the merchant directory and merchant orders.
    app.click("#nav-sync").await;
    app.wait_until("[data-testid='sync-last-success']", "a sync", |t| {
        !t.is_empty() && t != "从未同步"
    })
    .await;
    app.wait_text("[data-testid='sync-pending']", "0").await;
    app.wait_text("[data-testid='sync-indicator']", "已同步")
        .await;

    // A draft typed in the window, for a demo merchant's June order.
    app.click("#nav-orders").await;
    app.click("[data-testid='new-order']").await;
    app.fill("#buyer_name", "IVAN PETROV").await;
    app.fill("#passport_no", "E12345678").await;
    app.fill("#country", "俄罗斯").await;
    app.fill("#total_amount", "1000").await;
    let row = &app.find_all("[data-testid='line-row']").await[0];
    let line_input = |field: &'static str| async move {
        row.find(fantoccini::Locator::Css(&format!(
            "[data-testid='line-{field}']"
        )))
        .await
        .unwrap()
    };
    // The procurement number fills the merchant's name and mobile from the cached directory.
    app.type_into(&line_input("procurement_no").await, "3307820001")
        .await;
    line_input("order_month").await.click().await.unwrap();
    for (field, expected) in [
        ("merchant_name", "义乌市小商品经营部"),
        ("mobile", "13905790001"),
    ] {
        let input = line_input(field).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.value(&input).await != expected {
            assert!(Instant::now() < deadline, "{field} was not filled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for (field, value) in [
        ("order_month", "2026-06"),
        ("product_name", "毛绒玩具"),
        ("quantity", "100"),
        ("packages", "2"),
        ("amount", "1000"),
    ] {
        let input = row
            .find(fantoccini::Locator::Css(&format!(
                "[data-testid='line-{field}']"
            )))
            .await
            .unwrap();
        app.type_into(&input, value).await;
    }
    app.click("[data-testid='save-draft']").await;
    app.wait_until("[data-testid='save-status']", "saved", |t| {
        t.starts_with("已暂存")
    })
    .await;
    // Confirming too early lists exactly what is missing (the line is not linked yet),
    // without asking first.
    app.click("[data-testid='confirm-order']").await;
    app.wait_until(
        "[data-testid='confirm-problems'] li",
        "the missing link",
        |t| t == "第 1 行：该行尚未关联商户订单",
    )
    .await;
    let asked = app
        .client
        .execute(
            "return document.getElementById('confirm-dialog').open;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        asked,
        serde_json::json!(false),
        "nothing asked before the check"
    );
    app.screenshot("confirm-problems").await;
    app.click("[data-testid='problems-close']").await;

    // 关联商户订单 from the cached merchant orders of that merchant (pulled at login): the
    // linking screen groups the lines by merchant and month, shows that merchant's orders,
    // and sets the linked amount beside the line's.
    app.click("[data-testid='link-open']").await;
    app.wait_text("[data-testid='link-title']", "关联商户订单 · 信保订单 #1")
        .await;
    app.wait_until("[data-testid='link-group'] h3", "the group", |t| {
        t == "义乌市小商品经营部 · 2026-06"
    })
    .await;
    app.wait_text("[data-testid='link-line-state']", "未关联")
        .await;
    app.click("[data-testid='link-candidate'][data-mo-id='MO-202606-0001']")
        .await;
    app.click("[data-testid='link-apply']").await;
    app.wait_text("[data-testid='link-line-state']", "已关联 1 笔")
        .await;
    // The demo merchant order is for 500.00, the line for 1,000.00: both show, the
    // mismatch marked, on the right and on the line at the left.
    app.wait_text(
        "[data-testid='link-sum']",
        "已关联金额 500.00 / 本行金额 1,000.00",
    )
    .await;
    app.wait_text(
        "[data-testid='link-line-amounts']",
        "本行 1,000.00 · 已关联 500.00",
    )
    .await;
    for css in ["link-sum", "link-line-amounts"] {
        let el = app.wait_css(&format!("[data-testid='{css}']")).await;
        let class = el.attr("class").await.unwrap().unwrap_or_default();
        assert!(class.contains("mismatch"), "{css} is not marked: {class}");
    }
    app.wait_css("[data-testid='link-linked']").await;
    app.screenshot("linking").await;
    app.click("[data-testid='link-back']").await;
    app.wait_text("[data-testid='line-link-state']", "已关联 1 笔")
        .await;

    // 订单确认: asked first, then the buyer is frozen and says why.
    app.click("[data-testid='confirm-order']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_text("[data-testid='state-badge']", "已确认").await;
    app.wait_text(
        "[data-testid='frozen-banner']",
        "订单已确认：采购商信息不可修改。",
    )
    .await;
    assert_eq!(
        app.wait_css("#buyer_name")
            .await
            .attr("readonly")
            .await
            .unwrap(),
        Some("true".into())
    );

    // Confirmation woke the sync task: the order leaves at once, and the panel shows the
    // platform's verdict. "Sync now" afterwards sends nothing: it went exactly once.
    // Other passes may run in between (each save pokes the task); the last push and the
    // totals keep what went, whatever passes ran after it.
    app.click("#nav-sync").await;
    app.wait_until(
        "[data-testid='sync-last-push']",
        "the pass that sent the confirmation",
        |t| t.contains("发送 1，平台受理 1，重复 0，被拒绝 0"),
    )
    .await;
    app.wait_text("[data-testid='sync-pending']", "0").await;
    let sent_once = |t: &str| t.contains("发送 1，平台受理 1，重复 0，被拒绝 0");
    let totals = app
        .wait_until("[data-testid='sync-totals']", "the totals", sent_once)
        .await;
    let passes_before: usize = totals
        .trim_start_matches("同步 ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    app.click("[data-testid='sync-now']").await;
    let totals = app
        .wait_until(
            "[data-testid='sync-totals']",
            "one more pass that sends nothing",
            |t| {
                t.trim_start_matches("同步 ")
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                    .is_some_and(|n| n > passes_before)
            },
        )
        .await;
    assert!(sent_once(&totals), "{totals}");
    app.wait_until(
        "[data-testid='sync-last-report']",
        "the last pass sent nothing",
        |t| t.starts_with("发送 0，"),
    )
    .await;
    app.wait_css("[data-testid='sync-no-rejections']").await;
    let panel = app.text("#view").await;
    assert!(
        !panel.contains("null") && !panel.contains("undefined"),
        "{panel}"
    );
    app.screenshot("sync-panel").await;
    app.click("#nav-orders").await;
    app.wait_text("[data-testid='sync-badge']", "已同步").await;
    app.wait_text("[data-testid='state-badge']", "已确认").await;

    // 报关单号补录: a malformed number is explained beside the field; a valid one freezes
    // the whole order, and the declaration leaves for the platform too.
    app.click("[data-testid='order-row'] [data-testid='open-order']")
        .await;
    app.fill("[data-testid='customs-input']", "12345").await;
    app.click("[data-testid='customs-submit']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_until("[data-testid='customs-error']", "a reason", |t| {
        !t.is_empty()
    })
    .await;
    app.fill("[data-testid='customs-input']", "292920260000012345")
        .await;
    app.click("[data-testid='customs-submit']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_text("[data-testid='state-badge']", "已报关").await;
    app.wait_text(
        "[data-testid='frozen-banner']",
        "已补录报关单号：该订单不可再修改。",
    )
    .await;
    // The list finds the order by its customs number, by its merchant, and by nothing else.
    app.click("#nav-orders").await;
    app.fill("[data-testid='list-search']", "2929202600000")
        .await;
    app.wait_text("[data-testid='order-customs']", "292920260000012345")
        .await;
    app.fill("[data-testid='list-search']", "小商品经营部")
        .await;
    app.wait_text("[data-testid='list-count']", "共 1 笔订单")
        .await;
    app.fill("[data-testid='list-search']", "nobody at all")
        .await;
    app.wait_css("[data-testid='orders-none-match']").await;
    // The home dashboard counts it as declared, and nothing refused.
    app.click("#nav-home").await;
    app.wait_text("[data-testid='home-count-declared']", "1")
        .await;
    app.wait_text("[data-testid='home-count-confirmed']", "0")
        .await;
    app.wait_text("[data-testid='home-rejected']", "0").await;
    app.screenshot("home").await;
    app.click("#nav-sync").await;
    app.wait_text("[data-testid='sync-pending']", "0").await;
    app.quit().await;

    // The CLI reads the same profile: nothing waits, and the account is remembered.
    let status: serde_json::Value =
        serde_json::from_str(&cli(data.path(), &["status", "--json"])).unwrap();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["account"]["uscc"], DEMO_USCC);

    // The platform goes away. The remembered computer unlocks with the password alone.
    platform.stop();
    let app = App::start(data.path(), &platform).await;
    app.wait_text("[data-testid='unlock-company']", DEMO_COMPANY)
        .await;
    app.fill("[data-testid='unlock-password']", "Wrong#2026")
        .await;
    app.click("[data-testid='unlock-submit']").await;
    app.wait_until(
        ".field-error[data-field='password']",
        "the wrong password",
        |t| t == "密码错误，还可以再试 4 次",
    )
    .await;
    app.fill("[data-testid='unlock-password']", DEMO_PASSWORD)
        .await;
    app.click("[data-testid='unlock-submit']").await;
    app.wait_count("[data-testid='order-row']", 1).await;
    app.wait_text("[data-testid='sync-badge']", "已同步").await;
    app.wait_text("[data-testid='sync-indicator']", "离线，稍后重试")
        .await;
    app.screenshot("offline-unlock").await;
    app.quit().await;
}
