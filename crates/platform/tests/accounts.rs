//! Every account path of the reference platform over real TLS: registration, activation,
//! both logins, captcha reuse, lockout, expiry, password change, real-name upload and its
//! review, settlement binding and its refusal to rebind, and the feeds.

mod common;

use common::*;
use xinbao_platform::demo;
use xinbao_sync::SyncError;
use xinbao_wire::*;

fn api_code(r: Result<impl std::fmt::Debug, SyncError>) -> (u16, String) {
    match r {
        Err(SyncError::Api { status, error }) => (status, error.code),
        Err(SyncError::AuthRequired(code)) => (401, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn registration_then_activation_then_login_three_ways() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let (uscc, name, rep, id) = demo::UNREGISTERED[0];
    // Each check with a fresh captcha (one try each).
    let check = |name: &str, uscc: &str, rep: &str, id: &str, captcha: (String, String)| {
        RegistrationCheck {
            company_name: name.into(),
            uscc: uscc.into(),
            legal_rep_name: rep.into(),
            legal_rep_id_no: id.into(),
            captcha_id: captcha.0,
            captcha_answer: captcha.1,
        }
    };
    // Without the right captcha the registry is not asked.
    let (cid, _) = server.captcha(&client).await;
    assert_eq!(
        api_code(
            client
                .registration_check(&check(name, uscc, rep, id, (cid, "0000".into())))
                .await
        )
        .1,
        "captcha.wrong"
    );

    // A USCC with a wrong check character never reaches the registry.
    let mut bad = uscc.to_string();
    bad.replace_range(17.., "0");
    assert_eq!(
        api_code(
            client
                .registration_check(&check(name, &bad, rep, id, server.captcha(&client).await))
                .await
        ),
        (422, "uscc.check".into())
    );
    // Not in the registry / not matching it / already registered.
    assert_eq!(
        api_code(
            client
                .registration_check(&check(
                    name,
                    "91330782MA2D3M0E5Y",
                    rep,
                    id,
                    server.captcha(&client).await,
                ))
                .await
        )
        .1,
        "registration.unknown_company"
    );
    let (status, code) = api_code(
        client
            .registration_check(&check(
                "别的公司",
                uscc,
                rep,
                id,
                server.captcha(&client).await,
            ))
            .await,
    );
    assert_eq!((status, code.as_str()), (422, "registration.mismatch"));
    let (_, code) = api_code(
        client
            .registration_check(&check(
                demo::COMPANY_NAME,
                demo::COMPANY_USCC,
                "王建国",
                "330782198001010012",
                server.captcha(&client).await,
            ))
            .await,
    );
    assert_eq!(code, "registration.exists");

    let ticket = client
        .registration_check(&check(name, uscc, rep, id, server.captcha(&client).await))
        .await
        .expect("the registry matches");
    let activation = |password: &str, mobile: &str| Activation {
        registration_token: ticket.registration_token.clone(),
        contact_name: "陈美华".into(),
        mobile: mobile.into(),
        email: None,
        office_address: None,
        password: password.into(),
    };
    // The password policy: 8–20 characters, two classes.
    assert_eq!(
        api_code(
            client
                .activate(&activation("abcdefgh", "13805790111"))
                .await
        )
        .1,
        "password.classes"
    );
    assert_eq!(
        api_code(client.activate(&activation("Ab1!", "13805790111")).await).1,
        "password.length"
    );
    // A mobile bound to another account.
    assert_eq!(
        api_code(
            client
                .activate(&activation("Chou#2026", demo::MOBILE))
                .await
        )
        .1,
        "mobile.taken"
    );
    let account = client
        .activate(&activation("Chou#2026", "13805790111"))
        .await
        .expect("activation");
    assert_eq!(account.uscc, uscc);
    assert_eq!(account.realname_status, RealnameStatus::Unverified);
    // The ticket is used up; the company cannot register twice.
    assert_eq!(
        api_code(
            client
                .activate(&activation("Chou#2026", "13805790112"))
                .await
        )
        .1,
        "registration.token"
    );
    assert_eq!(
        api_code(
            client
                .registration_check(&check(name, uscc, rep, id, server.captcha(&client).await))
                .await
        )
        .1,
        "registration.exists"
    );

    // 普通用户登录 by USCC and by procurement number; 手机号码登录 by the bound mobile.
    for (method, ident) in [
        (LoginMethod::Account, uscc.to_lowercase()),
        (LoginMethod::Account, account.procurement_no.clone()),
        (LoginMethod::Mobile, "13805790111".to_string()),
    ] {
        let session = server
            .login(&client, method, &ident, "Chou#2026")
            .await
            .expect("login");
        assert_eq!(session.account.uscc, uscc);
        assert_eq!(
            client.account(&session.token).await.unwrap().company_name,
            name
        );
    }
    // The mobile is not an account name, nor the reverse.
    let (status, code) = api_code(
        server
            .login(&client, LoginMethod::Account, "13805790111", "Chou#2026")
            .await,
    );
    assert_eq!((status, code.as_str()), (401, "auth.failed"));
}

#[tokio::test]
async fn a_captcha_works_once_and_only_with_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let (id, answer) = server.captcha(&client).await;
    let req = |captcha_answer: &str| LoginRequest {
        method: LoginMethod::Account,
        identifier: demo::COMPANY_USCC.into(),
        password: demo::PASSWORD.into(),
        captcha_id: id.clone(),
        captcha_answer: captcha_answer.into(),
    };
    let wrong = if answer == "00000" { "11111" } else { "00000" };
    assert_eq!(api_code(client.login(&req(wrong)).await).1, "captcha.wrong");
    // A wrong answer used the captcha up: the right answer no longer helps.
    assert_eq!(
        api_code(client.login(&req(&answer)).await).1,
        "captcha.expired"
    );

    let (id, answer) = server.captcha(&client).await;
    let req = LoginRequest {
        captcha_id: id,
        captcha_answer: answer,
        ..req("")
    };
    client.login(&req).await.expect("a fresh captcha logs in");
    assert_eq!(
        api_code(client.login(&req).await).1,
        "captcha.expired",
        "a captcha is checked once"
    );
    // The image is a real PNG.
    let c = client.captcha().await.unwrap();
    let png = base64_decode(&c.image_png_base64);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 200);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    for left in (1..=4).rev() {
        match server
            .login(&client, LoginMethod::Mobile, demo::MOBILE, "Wrong#2026")
            .await
        {
            Err(SyncError::Api { status: 401, error }) => {
                assert_eq!(error.code, "auth.failed");
                // Counted for the client to say, not only in the English message.
                assert_eq!(error.tries_left, Some(left));
                assert!(
                    error.message.contains(&format!("{left} tries left")),
                    "{}",
                    error.message
                );
            }
            other => panic!("{other:?}"),
        }
    }
    match server
        .login(&client, LoginMethod::Mobile, demo::MOBILE, "Wrong#2026")
        .await
    {
        Err(SyncError::Api { status: 423, error }) => {
            assert_eq!(error.code, "auth.locked");
            let s = error.retry_after_s.unwrap();
            assert!((890..=900).contains(&s), "{s}");
        }
        other => panic!("{other:?}"),
    }
    // Locked: even the right password is refused, by either login.
    assert_eq!(
        api_code(
            server
                .login(
                    &client,
                    LoginMethod::Account,
                    demo::COMPANY_USCC,
                    demo::PASSWORD
                )
                .await
        ),
        (423, "auth.locked".into())
    );
    // The lock is in the database, so a restarted server keeps it.
    let mut server = server;
    server.restart();
    let client = server.client();
    assert_eq!(
        api_code(
            server
                .login(&client, LoginMethod::Mobile, demo::MOBILE, demo::PASSWORD)
                .await
        )
        .1,
        "auth.locked"
    );
}

#[tokio::test]
async fn sessions_expire_and_logout_ends_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &["--session-ttl", "1"], &[]);
    let client = server.client();
    let token = server.demo_token().await;
    client.account(&token).await.expect("fresh session works");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        api_code(client.account(&token).await),
        (401, "auth.expired".into())
    );
    assert_eq!(
        api_code(client.account("not-a-token").await),
        (401, "auth.required".into())
    );

    let dir2 = tempfile::tempdir().unwrap();
    let server = Server::start(dir2.path());
    let client = server.client();
    let token = server.demo_token().await;
    client.logout(&token).await.unwrap();
    assert_eq!(
        api_code(client.account(&token).await),
        (401, "auth.required".into())
    );
}

#[tokio::test]
async fn password_change_checks_the_old_one_and_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let token = server.demo_token().await;
    let other = server.demo_token().await;
    let change = |old: &str, new: &str| PasswordChange {
        old_password: old.into(),
        new_password: new.into(),
    };
    let (status, code) = api_code(
        client
            .change_password(&token, &change("Wrong#2026", "Yiwu@2027ok"))
            .await,
    );
    assert_eq!((status, code.as_str()), (403, "password.old_wrong"));
    assert_eq!(
        api_code(
            client
                .change_password(&token, &change(demo::PASSWORD, "short1"))
                .await
        )
        .1,
        "password.length"
    );
    assert_eq!(
        api_code(
            client
                .change_password(&token, &change(demo::PASSWORD, "onlyletters"))
                .await
        )
        .1,
        "password.classes"
    );
    assert_eq!(
        api_code(
            client
                .change_password(&token, &change(demo::PASSWORD, demo::PASSWORD))
                .await
        )
        .1,
        "password.same"
    );
    client
        .change_password(&token, &change(demo::PASSWORD, "Yiwu@2027ok"))
        .await
        .expect("changed");
    // This session goes on; the account's other sessions end.
    client
        .account(&token)
        .await
        .expect("the changing session stays");
    assert_eq!(api_code(client.account(&other).await).0, 401);
    assert_eq!(
        api_code(
            server
                .login(
                    &client,
                    LoginMethod::Account,
                    demo::COMPANY_USCC,
                    demo::PASSWORD
                )
                .await
        )
        .1,
        "auth.failed"
    );
    server
        .login(
            &client,
            LoginMethod::Account,
            demo::COMPANY_USCC,
            "Yiwu@2027ok",
        )
        .await
        .expect("new password works");
}

#[tokio::test]
async fn realname_upload_is_checked_then_reviewed_by_the_admin_command() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let token = server.demo_token().await;
    let photos = |parts: &[(&str, Vec<u8>)]| {
        parts
            .iter()
            .map(|(p, b)| (p.to_string(), format!("{p}.png"), b.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        client.realname_state(&token).await.unwrap().status,
        RealnameStatus::Unverified
    );

    // Oversized, not an image (a PNG name on a text file), a missing part.
    let big = photos(&[
        ("holding_id", png_bytes(5 * 1024 * 1024 + 1)),
        ("id_front", png_bytes(100)),
        ("id_back", png_bytes(100)),
    ]);
    assert_eq!(
        api_code(
            client
                .realname_submit(&token, Nationality::Chinese, "义乌市", big)
                .await
        ),
        (413, "upload.too_large".into())
    );
    let text = photos(&[
        ("holding_id", b"hello, I am text".to_vec()),
        ("id_front", png_bytes(100)),
        ("id_back", png_bytes(100)),
    ]);
    let (status, code) = api_code(
        client
            .realname_submit(&token, Nationality::Chinese, "义乌市", text)
            .await,
    );
    assert_eq!((status, code.as_str()), (422, "upload.not_image"));
    // A foreigner must send the passport and the 商友卡 page, not ID card sides.
    let wrong_set = photos(&[
        ("holding_id", png_bytes(100)),
        ("id_front", png_bytes(100)),
        ("id_back", png_bytes(100)),
    ]);
    assert_eq!(
        api_code(
            client
                .realname_submit(&token, Nationality::Foreign, "义乌市", wrong_set)
                .await
        )
        .1,
        "upload.missing"
    );
    assert_eq!(
        client.realname_state(&token).await.unwrap().status,
        RealnameStatus::Unverified,
        "refusals leave no trace"
    );

    let good = photos(&[
        ("holding_id", jpeg_bytes(2000)),
        ("id_front", png_bytes(3000)),
        ("id_back", png_bytes(3000)),
    ]);
    let state = client
        .realname_submit(&token, Nationality::Chinese, "义乌市福田街道", good.clone())
        .await
        .unwrap();
    assert_eq!(state.status, RealnameStatus::Pending);
    assert_eq!(
        api_code(
            client
                .realname_submit(&token, Nationality::Chinese, "义乌市", good.clone())
                .await
        )
        .1,
        "realname.pending"
    );

    let out = server.admin(&[
        "realname-reject",
        "--uscc",
        demo::COMPANY_USCC,
        "--reason",
        "手持证件照不清晰",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = client.realname_state(&token).await.unwrap();
    assert_eq!(state.status, RealnameStatus::Rejected);
    assert_eq!(state.reason.as_deref(), Some("手持证件照不清晰"));

    let foreign = photos(&[
        ("holding_id", png_bytes(100)),
        ("passport", png_bytes(100)),
        ("merchant_card", jpeg_bytes(100)),
    ]);
    client
        .realname_submit(&token, Nationality::Foreign, "义乌市北苑街道", foreign)
        .await
        .expect("resubmitted after rejection");
    assert!(server
        .admin(&["realname-approve", "--uscc", demo::COMPANY_USCC])
        .status
        .success());
    let state = client.realname_state(&token).await.unwrap();
    assert_eq!(
        (state.status, state.nationality),
        (RealnameStatus::Approved, Some(Nationality::Foreign))
    );
    assert_eq!(
        client.account(&token).await.unwrap().realname_status,
        RealnameStatus::Approved
    );
    assert_eq!(
        api_code(
            client
                .realname_submit(&token, Nationality::Chinese, "x", good)
                .await
        )
        .1,
        "realname.approved"
    );
    // Nothing is pending any more: the admin command says so and fails.
    assert!(!server
        .admin(&["realname-approve", "--uscc", demo::COMPANY_USCC])
        .status
        .success());
}

#[tokio::test]
async fn settlement_binds_once_with_the_sms_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let token = server.demo_token().await;
    assert_eq!(
        api_code(client.settlement_binding(&token).await),
        (404, "settlement.unbound".into())
    );
    let sent = client
        .sms_code(
            &token,
            &SmsCodeRequest {
                mobile: "13805790002".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(sent.resend_after_s, 60);
    match client
        .sms_code(
            &token,
            &SmsCodeRequest {
                mobile: "13805790002".into(),
            },
        )
        .await
    {
        Err(SyncError::Api { status: 429, error }) => assert_eq!(error.code, "sms.too_soon"),
        other => panic!("{other:?}"),
    }
    let code = server.sink_code("sms", "13805790002");
    let req = |sms_code: &str, mobile: &str| SettlementBindingRequest {
        entity_type: SettlementEntityType::SmallEnterprise,
        name: demo::COMPANY_NAME.into(),
        uscc: demo::COMPANY_USCC.into(),
        legal_rep_name: "王建国".into(),
        legal_rep_id_no: "330782198001010012".into(),
        mobile: mobile.into(),
        sms_code: sms_code.into(),
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        api_code(
            client
                .bind_settlement(&token, &req(wrong, "13805790002"))
                .await
        )
        .1,
        "sms.wrong"
    );
    assert_eq!(
        api_code(
            client
                .bind_settlement(&token, &req(&code, "13805790003"))
                .await
        )
        .1,
        "sms.expired",
        "the code is for another mobile"
    );
    let mut bad_id = req(&code, "13805790002");
    bad_id.legal_rep_id_no = "330782198001010013".into();
    assert_eq!(
        api_code(client.bind_settlement(&token, &bad_id).await).1,
        "id.check"
    );
    let bound = client
        .bind_settlement(&token, &req(&code, "13805790002"))
        .await
        .expect("bound");
    assert_eq!(bound.entity_type, SettlementEntityType::SmallEnterprise);
    assert!(client.account(&token).await.unwrap().settlement_bound);
    // For good: no second binding, not even a new code for one.
    assert_eq!(
        api_code(
            client
                .bind_settlement(&token, &req(&code, "13805790002"))
                .await
        ),
        (409, "settlement.already_bound".into())
    );
    assert_eq!(
        api_code(
            client
                .sms_code(
                    &token,
                    &SmsCodeRequest {
                        mobile: "13805790004".into()
                    }
                )
                .await
        )
        .1,
        "settlement.already_bound"
    );
    // Not even by SQL on the platform's database.
    let err = server
        .db()
        .execute("UPDATE settlement_bindings SET name = 'x'", [])
        .unwrap_err();
    assert!(
        err.to_string().contains("settlement.already_bound"),
        "{err}"
    );
    assert_eq!(client.settlement_binding(&token).await.unwrap(), bound);
}

#[tokio::test]
async fn feeds_page_by_cursor_and_the_contract_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let token = server.demo_token().await;
    let merchants = client.merchants(&token, 0).await.unwrap();
    assert_eq!(merchants.items.len(), demo::MERCHANTS.len());
    assert!(!merchants.has_more);
    assert!(
        client
            .merchants(&token, merchants.next_cursor)
            .await
            .unwrap()
            .items
            .is_empty(),
        "nothing after the end"
    );

    let mut all = Vec::new();
    let mut cursor = 0;
    loop {
        let page = client.merchant_orders(&token, cursor).await.unwrap();
        all.extend(page.items);
        cursor = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(all.len(), 48, "8 merchants × 6 months");
    assert_eq!(
        all.iter()
            .map(|m| &m.order_month)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        6
    );

    // A new merchant order appears after the cursor, and only it.
    let out = server.admin(&[
        "add-merchant-order",
        "--company",
        demo::COMPANY_USCC,
        "--merchant",
        "3307820001",
        "--month",
        "2026-11",
        "--amount",
        "1234.50",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = client.merchant_orders(&token, cursor).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].amount_cents, 123_450);

    let auths = client.settlement_authorizations(&token, 0).await.unwrap();
    assert_eq!(auths.items.len(), 8);
    // Another company sees none of the demo company's merchant orders.
    let spec = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(server.ca()).unwrap()).unwrap(),
        )
        .build()
        .unwrap()
        .get(format!("{}/api/v1/openapi.yaml", server.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        spec,
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../api/openapi.yaml"
        ))
        .unwrap()
    );
}

#[tokio::test]
async fn the_client_refuses_plain_http_to_other_hosts_and_untrusted_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let refused = xinbao_sync::PlatformClient::new(&xinbao_sync::ClientSettings {
        url: "http://trade.example.com".into(),
        ca_file: None,
        timeout_s: 5,
    });
    assert!(matches!(refused, Err(SyncError::Config(_))));
    // Without the CA the platform's certificate is not trusted: no silent fallback.
    let untrusting = xinbao_sync::PlatformClient::new(&xinbao_sync::ClientSettings {
        url: server.url(),
        ca_file: None,
        timeout_s: 5,
    })
    .unwrap();
    match untrusting.meta().await {
        Err(SyncError::Network(msg)) => {
            assert!(msg.to_lowercase().contains("certificate"), "{msg}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.client().meta().await.unwrap().contract_version,
        CONTRACT_VERSION
    );
}
