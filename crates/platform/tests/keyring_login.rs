//! Login through the sync crate with the real OS keyring (Secret Service; the test command
//! runs under its own D-Bus session with an unlocked gnome-keyring): the token and the
//! offline verifier go to the keyring and nowhere else; offline unlock and its lockout.

mod common;

use common::client::Device;
use common::*;
use xinbao_platform::demo;
use xinbao_sync::{account, secrets, OsKeyring, Secrets, SyncError};
use xinbao_wire::*;

#[tokio::test]
async fn login_keeps_secrets_in_the_keyring_and_unlocks_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let device = Device::new();
    let keyring = OsKeyring::new(&format!("xinbao-test-{}", uuid::Uuid::new_v4()), "default");
    let (captcha_id, captcha_answer) = server.captcha(&client).await;
    let req = LoginRequest {
        method: LoginMethod::Mobile,
        identifier: demo::MOBILE.into(),
        password: demo::PASSWORD.into(),
        captcha_id,
        captcha_answer,
    };
    {
        let store = device.store.lock().unwrap();
        // Not logged in yet: no offline unlock either.
        assert!(matches!(
            account::offline_unlock(&store, &keyring, demo::PASSWORD, 0),
            Err(SyncError::OfflineUnavailable)
        ));
    }
    let acct = account::login(&device.store, &keyring, &client, &req, true)
        .await
        .expect("login");
    assert_eq!(acct.uscc, demo::COMPANY_USCC);
    let token = account::token(&keyring, &client).unwrap();
    assert_eq!(
        client.account(&token).await.unwrap().uscc,
        demo::COMPANY_USCC,
        "the keyring holds a working token"
    );
    let verifier = keyring.get(secrets::OFFLINE_VERIFIER).unwrap().unwrap();
    assert!(
        verifier.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{verifier}"
    );

    // Neither the token nor the password is anywhere in the profile's files.
    {
        let store = device.store.lock().unwrap();
        store
            .connection()
            .execute_batch("PRAGMA wal_checkpoint(FULL)")
            .unwrap();
    }
    for entry in std::fs::read_dir(device.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for secret in [
            token.as_bytes(),
            demo::PASSWORD.as_bytes(),
            verifier.as_bytes(),
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "a secret reached the profile's files"
            );
        }
    }

    let t0 = 1_000_000_000_000;
    {
        let store = device.store.lock().unwrap();
        assert_eq!(
            account::offline_unlock(&store, &keyring, demo::PASSWORD, t0)
                .unwrap()
                .uscc,
            demo::COMPANY_USCC
        );
        for left in (1..=4).rev() {
            match account::offline_unlock(&store, &keyring, "Wrong#2026", t0 + 1000) {
                Err(SyncError::OfflineWrongPassword { tries_left }) => assert_eq!(tries_left, left),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            account::offline_unlock(&store, &keyring, "Wrong#2026", t0 + 2000),
            Err(SyncError::OfflineLocked { retry_after_s: 900 })
        ));
        // Locked: the right password waits too, until the 15 minutes are over.
        assert!(matches!(
            account::offline_unlock(&store, &keyring, demo::PASSWORD, t0 + 60_000),
            Err(SyncError::OfflineLocked { .. })
        ));
        // Nothing in the profile's file holds the lock: emptying its settings changes nothing.
        store
            .connection()
            .execute_batch("DELETE FROM settings WHERE key LIKE 'offline.%'")
            .unwrap();
        assert!(
            keyring.get(secrets::OFFLINE_LOCK).unwrap().is_some(),
            "the lock is in the keyring"
        );
        assert!(matches!(
            account::offline_unlock(&store, &keyring, demo::PASSWORD, t0 + 61_000),
            Err(SyncError::OfflineLocked { .. })
        ));
        account::offline_unlock(
            &store,
            &keyring,
            demo::PASSWORD,
            t0 + 2000 + 15 * 60_000 + 1,
        )
        .expect("unlocked after the lock");
    }

    account::logout(&keyring, Some(&client), false)
        .await
        .unwrap();
    assert!(matches!(
        account::token(&keyring, &client),
        Err(SyncError::AuthRequired(_))
    ));
    assert_eq!(
        client.account(&token).await.unwrap_err().code(),
        "auth.required",
        "the platform ended the session"
    );
    {
        let store = device.store.lock().unwrap();
        account::offline_unlock(&store, &keyring, demo::PASSWORD, t0 + 3_600_000)
            .expect("remembered computer still unlocks");
    }
    account::logout(&keyring, None, true).await.unwrap();
    {
        let store = device.store.lock().unwrap();
        assert!(matches!(
            account::offline_unlock(&store, &keyring, demo::PASSWORD, t0 + 3_600_000),
            Err(SyncError::OfflineUnavailable)
        ));
    }

    // Not remembering this computer: a session, but no password hash stays behind, and
    // the next start ends the session.
    let (captcha_id, captcha_answer) = server.captcha(&client).await;
    let req = LoginRequest {
        captcha_id,
        captcha_answer,
        ..req
    };
    account::login(&device.store, &keyring, &client, &req, false)
        .await
        .expect("login without remembering");
    assert!(account::token(&keyring, &client).is_ok());
    assert_eq!(keyring.get(secrets::OFFLINE_VERIFIER).unwrap(), None);
    {
        let store = device.store.lock().unwrap();
        assert!(!account::offline_available(&store, &keyring).unwrap());
        account::forget_unremembered_session(&store, &keyring).unwrap();
    }
    assert!(matches!(
        account::token(&keyring, &client),
        Err(SyncError::AuthRequired(_))
    ));
}

/// A profile's orders belong to the company that logged in on it: another company's login
/// is refused (and its new session ended) while the profile holds orders.
#[tokio::test]
async fn another_company_cannot_log_in_on_a_profile_with_orders() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let device = Device::new();
    let keyring = OsKeyring::new(&format!("xinbao-test-{}", uuid::Uuid::new_v4()), "default");
    // The profile was last used by another company and holds one of its drafts.
    {
        let mut store = device.store.lock().unwrap();
        account::remember_account(
            &store,
            &Account {
                uscc: "91330782MA2D3M0B1X".into(),
                procurement_no: "YW2026009999".into(),
                company_name: "别的公司".into(),
                contact_name: "王五".into(),
                mobile: "13800000000".into(),
                realname_status: RealnameStatus::Approved,
                settlement_bound: false,
            },
        )
        .unwrap();
        xinbao_store::orders::create_draft(
            &mut store,
            "test",
            &xinbao_domain::OrderForm::default(),
        )
        .unwrap();
    }
    let (captcha_id, captcha_answer) = server.captcha(&client).await;
    let req = LoginRequest {
        method: LoginMethod::Account,
        identifier: demo::COMPANY_USCC.into(),
        password: demo::PASSWORD.into(),
        captcha_id,
        captcha_answer,
    };
    let err = account::login(&device.store, &keyring, &client, &req, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "auth.other_company");
    assert!(matches!(
        account::token(&keyring, &client),
        Err(SyncError::AuthRequired(_))
    ));
    assert_eq!(keyring.get(secrets::OFFLINE_VERIFIER).unwrap(), None);
}

/// Another company on a profile without orders: allowed, and nothing the platform sent the
/// previous company stays (its merchant orders, its feed cursors).
#[tokio::test]
async fn another_company_on_an_empty_profile_starts_its_feeds_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let device = Device::new();
    let keyring = OsKeyring::new(&format!("xinbao-test-{}", uuid::Uuid::new_v4()), "default");
    {
        let mut store = device.store.lock().unwrap();
        account::remember_account(
            &store,
            &Account {
                uscc: "91330782MA2D3M0B1X".into(),
                procurement_no: "YW2026009999".into(),
                company_name: "别的公司".into(),
                contact_name: "王五".into(),
                mobile: "13800000000".into(),
                realname_status: RealnameStatus::Approved,
                settlement_bound: false,
            },
        )
        .unwrap();
        xinbao_store::links::upsert_merchant_orders(
            &mut store,
            &[xinbao_store::links::MerchantOrder {
                id: "MO-OTHER-0001".into(),
                procurement_no: Some("3307820001".into()),
                merchant_name: "义乌市小商品经营部".into(),
                mobile: "13905790001".into(),
                order_month: "2026-06".into(),
                buyer_name: None,
                product_name: None,
                quantity: None,
                packages: None,
                amount_cents: 100,
                sent_at: None,
            }],
        )
        .unwrap();
        // The other company had pulled far along every feed.
        for cursor in ["merchant_orders", "authorizations", "changes"] {
            xinbao_store::settings::set(&store, &format!("sync.cursor.{cursor}"), "999999")
                .unwrap();
        }
    }
    let (captcha_id, captcha_answer) = server.captcha(&client).await;
    let req = LoginRequest {
        method: LoginMethod::Account,
        identifier: demo::COMPANY_USCC.into(),
        password: demo::PASSWORD.into(),
        captcha_id,
        captcha_answer,
    };
    let acct = account::login(&device.store, &keyring, &client, &req, true)
        .await
        .expect("an empty profile takes another company");
    assert_eq!(acct.uscc, demo::COMPANY_USCC);
    let token = account::token(&keyring, &client).unwrap();
    xinbao_sync::engine::sync_once(&device.store, &client, &token)
        .await
        .unwrap();
    let store = device.store.lock().unwrap();
    let ids: Vec<String> = store
        .connection()
        .prepare("SELECT id FROM merchant_orders ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        ids.len(),
        48,
        "every merchant order of this company, pulled from the start"
    );
    assert!(!ids.contains(&"MO-OTHER-0001".to_string()));
    let authorizations: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM settlement_authorizations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(authorizations, 8);
}

/// A stand-in "platform" over real TLS that answers every request with a 307 to plain
/// http on loopback, where a listener notes whether anything arrives.
async fn redirecting_server(
    dir: &std::path::Path,
) -> (
    String,
    std::path::PathBuf,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let reached = std::sync::Arc::new(AtomicBool::new(false));
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_addr = plain.local_addr().unwrap();
    let seen = reached.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = plain.accept().await {
            seen.store(true, Ordering::SeqCst);
        }
    });
    let files = xinbao_platform::tls::ensure(dir).unwrap();
    let config = xinbao_platform::tls::server_config(&files).unwrap();
    let target = format!("http://{plain_addr}/api/v1/account");
    let app = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    let handle = axum_server::Handle::new();
    let server = axum_server::bind_rustls(
        "127.0.0.1:0".parse().unwrap(),
        axum_server::tls_rustls::RustlsConfig::from_config(config),
    )
    .handle(handle.clone());
    tokio::spawn(async move { server.serve(app.into_make_service()).await });
    let addr = handle.listening().await.unwrap();
    (format!("https://{addr}"), files.ca_cert, reached)
}

#[tokio::test]
async fn a_session_token_goes_only_to_the_origin_that_issued_it_and_never_through_a_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let client = server.client();
    let device = Device::new();
    let keyring = OsKeyring::new(&format!("xinbao-test-{}", uuid::Uuid::new_v4()), "default");
    let (captcha_id, captcha_answer) = server.captcha(&client).await;
    let req = LoginRequest {
        method: LoginMethod::Account,
        identifier: demo::COMPANY_USCC.into(),
        password: demo::PASSWORD.into(),
        captcha_id,
        captcha_answer,
    };
    account::login(&device.store, &keyring, &client, &req, true)
        .await
        .expect("login");
    assert!(account::token(&keyring, &client).is_ok());

    // The settings now name another server (a stand-in that redirects to plain http).
    let other = tempfile::tempdir().unwrap();
    let (url, ca, reached) = redirecting_server(other.path()).await;
    let elsewhere = xinbao_sync::PlatformClient::new(&xinbao_sync::ClientSettings {
        url,
        ca_file: Some(ca),
        timeout_s: 5,
    })
    .unwrap();
    match account::token(&keyring, &elsewhere) {
        Err(SyncError::AuthRequired(code)) => assert_eq!(code, "auth.other_origin"),
        other => panic!("the token was offered to another origin: {other:?}"),
    }
    // A sync pass there stops before sending anything with the token.
    let err = xinbao_sync::account::refresh(&device.store, &keyring, &elsewhere)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "auth.required");
    // Even with a token in hand, the client does not follow the 307 to plain http.
    let err = elsewhere.account("some-token").await.unwrap_err();
    assert!(
        err.to_string().contains("another origin"),
        "the redirect was not refused: {err}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        !reached.load(std::sync::atomic::Ordering::SeqCst),
        "nothing reached the plain-http address"
    );
}
