//! The company's account in the real app against the reference platform (demo data, TLS
//! on loopback): registration (manual §2.1) and the first login with the new USCC; the
//! merchant order query and its detail (§3.2); settlement binding with an SMS code, and no
//! second binding (§3.3); password change (§3.4) and a login with the new password.

mod common;
use common::*;

const NEW_USCC: &str = "91330782MA2D3M0B2J";
const NEW_COMPANY: &str = "义乌市稠城进出口有限公司";
const NEW_REP: &str = "陈美华";
const NEW_REP_ID: &str = "330782198505050026";

/// Types the answer of the registration's captcha, once one other than `after` shows;
/// returns its id (each captcha is good for one try).
async fn solve_register_captcha(app: &App, platform: &Platform, after: Option<&str>) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let img = app.wait_css("[data-testid='register-captcha-img']").await;
        if let Some(id) = img.attr("data-captcha-id").await.unwrap() {
            if Some(id.as_str()) != after {
                app.fill(
                    "[data-testid='register-captcha']",
                    &platform.sink_code("captcha", &id),
                )
                .await;
                return id;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no new captcha");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn register_a_company_then_log_in_with_its_uscc_then_its_mobile() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let app = App::start(data.path(), &platform).await;
    app.click("[data-testid='switch-to-register']").await;
    app.wait_css("[data-testid='register-screen']").await;

    // Every field is checked as it is typed, with the reason beside it.
    app.fill("#f-company_name", NEW_COMPANY).await;
    app.fill("#f-uscc", "91330782MA2D3M0B2K").await;
    app.fill("#f-legal_rep_name", NEW_REP).await;
    app.wait_until("[data-testid='err-uscc']", "a wrong check character", |t| {
        t.contains("校验")
    })
    .await;
    app.fill("#f-uscc", NEW_USCC).await;
    app.fill("#f-legal_rep_id_no", "33078219850505002").await;
    app.click("#f-company_name").await;
    app.wait_until("[data-testid='err-legal_rep_id_no']", "too short", |t| {
        !t.is_empty()
    })
    .await;
    app.wait_text("[data-testid='err-uscc']", "").await;

    // The registry is asked only with valid fields; a name that does not match is named.
    app.fill("#f-legal_rep_id_no", NEW_REP_ID).await;
    app.fill("#f-legal_rep_name", "陈美").await;
    let first = solve_register_captcha(&app, &platform, None).await;
    app.click("[data-testid='register-verify']").await;
    app.wait_until(
        "[data-testid='err-legal_rep_name']",
        "the registry's verdict",
        |t| !t.is_empty(),
    )
    .await;
    app.fill("#f-legal_rep_name", NEW_REP).await;
    // A captcha is good for one try: the next one is answered.
    solve_register_captcha(&app, &platform, Some(&first)).await;
    app.click("[data-testid='register-verify']").await;
    app.wait_css("[data-testid='register-verified']:not([hidden])")
        .await;

    // 激活: the profile and the password, typed twice.
    app.fill("#f-contact_name", "陈美华").await;
    app.fill("#f-mobile", "13905790002").await;
    app.fill("#f-password", "Chouc#2026").await;
    app.fill("#f-password_again", "Chouc#2025").await;
    app.click("[data-testid='register-activate']").await;
    app.wait_text("[data-testid='err-password_again']", "两次输入的密码不一致")
        .await;
    app.fill("#f-password_again", "Chouc#2026").await;
    app.screenshot("register").await;
    app.click("[data-testid='register-activate']").await;

    // Back at the login, the new account filled in: the USCC.
    app.wait_css("[data-testid='registered']").await;
    let identifier = app.wait_css("[data-testid='login-identifier']").await;
    assert_eq!(app.value(&identifier).await, NEW_USCC);
    app.submit_login(&platform, NEW_USCC, "Chouc#2026").await;
    app.wait_text(
        "body:not(.locked) [data-testid='account-name']",
        NEW_COMPANY,
    )
    .await;

    // The other login of §2.2: the mobile bound at activation, with its own captcha.
    // From the account menu of the top bar, where people look for it.
    app.click("[data-testid='account-name']").await;
    app.click("[data-testid='menu-logout-forget']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_css("[data-testid='login-screen']").await;
    app.click("[data-testid='login-method-mobile']").await;
    let identifier = app.wait_css("[data-testid='login-identifier']").await;
    assert_eq!(
        identifier.attr("inputmode").await.unwrap().as_deref(),
        Some("tel")
    );
    app.submit_login(&platform, "13905790002", "Chouc#2026")
        .await;
    app.wait_text(
        "body:not(.locked) [data-testid='account-name']",
        NEW_COMPANY,
    )
    .await;
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn merchant_orders_settlement_binding_and_password_change() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let app = App::start_logged_in(data.path(), &platform).await;

    // The first sync downloads the merchant orders sent to the demo company.
    app.click("#nav-sync").await;
    app.wait_css("[data-testid='sync-last-report']").await;
    app.click("#nav-merchant-orders").await;
    app.wait_until("[data-testid='mo-count']", "the demo's 48 orders", |t| {
        t == "共 48 笔商户订单"
    })
    .await;
    let first = app.wait_css("[data-testid='mo-row']").await;
    let merchant = first
        .find(fantoccini::Locator::Css("td:nth-child(2)"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    app.fill("[data-testid='mo-search']", &merchant).await;
    app.wait_until("[data-testid='mo-count']", "only that merchant's", |t| {
        t != "共 48 笔商户订单" && t != "共 0 笔商户订单"
    })
    .await;
    let buyer = app.text("[data-testid='mo-buyer']").await;
    app.screenshot("merchant-orders").await;
    app.click("[data-testid='mo-buyer']").await;
    app.wait_text("[data-testid='mo-detail-buyer']", &buyer)
        .await;
    app.wait_text("[data-testid='mo-detail-merchant']", &merchant)
        .await;
    app.wait_css("[data-testid='mo-detail-unlinked']").await;
    // The mobile is masked; 【显示】 shows it whole (and writes who looked).
    let masked = app.text("[data-testid='reveal-value']").await;
    assert!(
        masked.chars().count() == 11 && masked.chars().filter(|c| *c != '*').count() == 4,
        "{masked}"
    );
    app.click("[data-testid='reveal']").await;
    let full = app
        .wait_until("[data-testid='reveal-value']", "the full mobile", |t| {
            !t.contains('*')
        })
        .await;
    assert!(
        full.len() == 11 && full.starts_with(&masked[..2]) && full.ends_with(&masked[9..]),
        "{masked} → {full}"
    );
    app.screenshot("merchant-order-detail").await;

    // 结汇主体绑定: a code to the mobile, a warning, a confirmation; then read-only.
    app.click("#nav-settlement").await;
    app.wait_css("[data-testid='settlement-form']").await;
    app.wait_until(
        "[data-testid='settlement-authorizations']",
        "the cached authorizations",
        |t| t.contains("锁定金额"),
    )
    .await;
    app.fill("#f-name", "义乌市信保示范贸易有限公司").await;
    app.fill("#f-uscc", DEMO_USCC).await;
    app.fill("#f-legal_rep_name", "王建国").await;
    app.fill("#f-legal_rep_id_no", "330782198001010012").await;
    app.fill("#f-mobile", "13805790001").await;
    app.click("[data-testid='settlement-send-code']").await;
    app.wait_until(
        "[data-testid='settlement-send-code']",
        "the countdown",
        |t| t.contains("秒后"),
    )
    .await;
    let code = platform.sink_code("sms", "13805790001");
    app.fill("#f-sms_code", "000000").await;
    app.click("[data-testid='settlement-submit']").await;
    app.wait_text("#confirm-title", "绑定结汇主体？").await;
    app.screenshot("settlement-confirm").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    if code != "000000" {
        app.wait_until("[data-testid='err-sms_code']", "a wrong code", |t| {
            !t.is_empty()
        })
        .await;
    }
    app.fill("#f-sms_code", &code).await;
    app.click("[data-testid='settlement-submit']").await;
    app.click("dialog[open] [data-testid='dialog-ok']").await;
    app.wait_text("[data-testid='settlement-bound-type']", "结汇个人")
        .await;
    app.wait_text("[data-testid='reveal-id-value']", "33**************12")
        .await;
    app.wait_text("[data-testid='reveal-mobile-value']", "13*******01")
        .await;
    app.screenshot("settlement-bound").await;
    app.click("[data-testid='reveal-id']").await;
    app.wait_text("[data-testid='reveal-id-value']", "330782198001010012")
        .await;
    assert_eq!(
        app.text("[data-testid='reveal-mobile-value']").await,
        "13*******01",
        "one reveal shows one number"
    );
    // Bound for good: coming back shows the binding, never a form to bind again.
    app.click("#nav-orders").await;
    app.click("#nav-settlement").await;
    app.wait_css("[data-testid='settlement-bound']").await;
    assert!(app
        .find_all("[data-testid='settlement-form']")
        .await
        .is_empty());

    // 密码修改: a wrong old password is named beside its field; then the change.
    app.click("#nav-account").await;
    app.fill("#f-old_password", "Wrong#2026").await;
    app.fill("#f-new_password", "short").await;
    app.wait_until("[data-testid='err-new_password']", "the policy", |t| {
        t.contains("8")
    })
    .await;
    app.fill("#f-new_password", "Newpass#2027").await;
    app.fill("#f-new_password_again", "Newpass#2027").await;
    app.click("[data-testid='password-save']").await;
    app.wait_until(
        "[data-testid='err-old_password']",
        "the old one is wrong",
        |t| !t.is_empty(),
    )
    .await;
    app.fill("#f-old_password", DEMO_PASSWORD).await;
    app.click("[data-testid='password-save']").await;
    app.wait_css("[data-testid='password-changed']:not([hidden])")
        .await;
    app.wait_css("[data-testid='help-card']").await;
    app.screenshot("account").await;

    // Log out; the old password no longer opens the account, the new one does.
    // Logging out from 账户与设置 leads to the login, not to the offline unlock (which
    // stays one click away: this computer was remembered).
    app.click("[data-testid='logout']").await;
    app.wait_css("[data-testid='login-screen']").await;
    assert!(app
        .find_all("[data-testid='unlock-screen']")
        .await
        .is_empty());
    app.wait_css("[data-testid='switch-to-unlock']:not([hidden])")
        .await;
    app.submit_login(&platform, DEMO_USCC, DEMO_PASSWORD).await;
    // Refused, and the platform's count of tries left is said, as the offline unlock does.
    app.wait_until("[data-testid='login-error']", "the tries left", |t| {
        t.starts_with("账号或密码错误（还可以再试 ") && t.ends_with(" 次）")
    })
    .await;
    app.submit_login(&platform, DEMO_USCC, "Newpass#2027").await;
    app.wait_text(
        "body:not(.locked) [data-testid='account-name']",
        DEMO_COMPANY,
    )
    .await;
    app.quit().await;
}

/// A 1×1 PNG: what the platform takes (it looks at the content, not the name).
const PNG: [u8; 70] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 31, 21, 196, 137, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 100, 96, 248, 95, 15, 0, 2,
    135, 1, 128, 235, 71, 186, 146, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

async fn pick_photo(app: &App, part: &str, path: &std::path::Path) {
    app.click(&format!("[data-testid='realname-pick-{part}']"))
        .await;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || answer_file_dialog("选择证件照片", &path))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn real_name_verification_is_prompted_uploaded_and_approved() {
    let data = tempfile::tempdir().unwrap();
    let photos = tempfile::tempdir().unwrap();
    let png = |name: &str| {
        let p = photos.path().join(name);
        std::fs::write(&p, PNG).unwrap();
        p
    };
    // A camera's long file name, as phones and scanners write them.
    let (holding, front, back) = (
        png("holding.png"),
        png("法定代表人身份证正面扫描件_IMG_20261127_153045_HDR_高清版本_最终.png"),
        png("back.png"),
    );
    let fake = photos.path().join("scan.png");
    std::fs::write(&fake, "not a picture at all").unwrap();

    let platform = Platform::start();
    let app = App::start_logged_in(data.path(), &platform).await;
    // After login an unverified company is asked to verify, on every screen.
    app.wait_css("[data-testid='realname-prompt']:not([hidden])")
        .await;
    app.click("[data-testid='realname-go']").await;
    app.wait_text("[data-testid='realname-status']", "未认证")
        .await;

    // A file that is not an image is named at once, before anything is sent.
    pick_photo(&app, "holding_id", &fake).await;
    app.wait_until("[data-testid='err-holding_id']", "not an image", |t| {
        !t.is_empty()
    })
    .await;
    pick_photo(&app, "holding_id", &holding).await;
    app.wait_css("[data-testid='realname-preview-holding_id']:not([hidden])")
        .await;
    app.wait_text("[data-testid='err-holding_id']", "").await;

    // The nationality decides the photos: a foreigner shows a passport and a 商友卡.
    app.click("[data-testid='realname-nationality-foreign']")
        .await;
    app.wait_css("[data-testid='realname-slot-merchant_card']")
        .await;
    assert!(app
        .find_all("[data-testid='realname-slot-id_front']")
        .await
        .is_empty());
    app.click("[data-testid='realname-nationality-chinese']")
        .await;
    app.wait_css("[data-testid='realname-preview-holding_id']:not([hidden])")
        .await;

    // Submitting with a photo missing names it.
    app.fill("#f-office_address", "义乌市国际商贸城五区 88 号")
        .await;
    app.click("[data-testid='realname-submit']").await;
    app.wait_until("[data-testid='err-id_front']", "the missing photo", |t| {
        !t.is_empty()
    })
    .await;
    pick_photo(&app, "id_front", &front).await;
    app.wait_css("[data-testid='realname-preview-id_front']:not([hidden])")
        .await;
    pick_photo(&app, "id_back", &back).await;
    app.wait_css("[data-testid='realname-preview-id_back']:not([hidden])")
        .await;
    app.screenshot("realname").await;
    // The long name stays inside its card at 1280×800, and the button says the manual's 【上传】.
    let spill = app
        .client
        .execute(
            "const n = document.querySelector(\"[data-testid='realname-file-id_front']\");
             const slot = n.closest('.photo-slot').getBoundingClientRect();
             return n.getBoundingClientRect().right - slot.right;",
            vec![],
        )
        .await
        .unwrap();
    assert!(spill.as_f64().unwrap() <= 0.0, "spills {spill} px");
    assert_eq!(app.text("[data-testid='realname-submit']").await, "上传");
    app.click("[data-testid='realname-submit']").await;
    app.wait_text("[data-testid='realname-status']", "待审核")
        .await;
    assert!(app
        .find_all("[data-testid='realname-form']")
        .await
        .is_empty());

    // The platform's reviewer approves (its admin command); the clerk refreshes.
    let out = platform.admin(&["realname-approve", "--uscc", DEMO_USCC]);
    assert!(out.status.success(), "{out:?}");
    app.click("[data-testid='realname-refresh']").await;
    app.wait_text("[data-testid='realname-status']", "已通过")
        .await;
    app.click("#nav-orders").await;
    app.wait_css("[data-testid='realname-prompt'][hidden]")
        .await;
    app.quit().await;
}
