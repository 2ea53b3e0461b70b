//! The manners of a desktop program, in the real window: it opens where and as large as
//! the clerk left it.

mod common;
use common::{App, Platform};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn the_window_opens_as_large_as_it_was_left() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let app = App::start(data.path(), &platform).await;
    let (w0, h0) = app.client.get_window_size().await.unwrap();
    assert_eq!(
        (w0, h0),
        (1280, 800),
        "the first run opens at the configured size"
    );
    app.client.set_window_size(1100, 700).await.unwrap();
    // Kept as soon as the window rests, not only at a clean exit.
    wait_kept(data.path(), "\"width\": 1100").await;
    app.quit().await;

    let app = App::start(data.path(), &platform).await;
    assert_eq!(app.client.get_window_size().await.unwrap(), (1100, 700));
    app.quit().await;
}

/// Waits until the window's state kept in `data_dir` says `what` (it is written once the
/// window rests after a change, not only at exit).
async fn wait_kept(data_dir: &std::path::Path, what: &str) {
    let state = data_dir.join("window-state.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kept = std::fs::read_to_string(&state).unwrap_or_default();
        if kept.contains(what) {
            return;
        }
        assert!(Instant::now() < deadline, "not kept ({what}): {kept}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A window manager on the test's display for as long as it lives (maximising is the
/// window manager's to do: on a bare X display a window cannot be maximised).
struct WindowManager(std::process::Child);

impl WindowManager {
    async fn start() -> WindowManager {
        let wm = std::process::Command::new("openbox")
            .arg("--sm-disable")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openbox (scripts/deps.sh --test installs it)");
        // Stopped by its guard, also when it never starts managing.
        let wm = WindowManager(wm);
        // Managing once the root window names it as the supporting window manager.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = std::process::Command::new("xprop")
                .args(["-root", "_NET_SUPPORTING_WM_CHECK"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&out.stdout).contains("window id") {
                return wm;
            }
            assert!(Instant::now() < deadline, "openbox did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for WindowManager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Asks the window manager (wmctrl) to do `args` to the app's window, once it manages it.
/// (WebDriver's own resize waited for ever now and then under a window manager.)
async fn wm(args: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let done = std::process::Command::new("wmctrl")
            .args(["-x", "-r", "xinbao-desk"])
            .args(args)
            .status()
            .expect("wmctrl (scripts/deps.sh --test installs it)");
        if done.success() {
            return;
        }
        assert!(Instant::now() < deadline, "wmctrl {args:?}: no window");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the window's outer size, as the page sees it, is within `min..=max`.
async fn wait_outer_size(app: &App, min: (i64, i64), max: (i64, i64)) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // A script run while the window manager resizes the window has once never come back
        // (the whole run waited for ever): each ask gets two seconds, then it is asked again.
        let asked = tokio::time::timeout(
            Duration::from_secs(2),
            app.client
                .execute("return [window.outerWidth, window.outerHeight]", vec![]),
        )
        .await;
        let (w, h) = match asked {
            Ok(size) => {
                let size = size.unwrap();
                (size[0].as_i64().unwrap(), size[1].as_i64().unwrap())
            }
            Err(_) => (0, 0),
        };
        if (min.0..=max.0).contains(&w) && (min.1..=max.1).contains(&h) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the window is {w}x{h} (0x0: no answer)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Left maximised, the window opens maximised (its size before is kept for "restore").
#[tokio::test(flavor = "multi_thread")]
async fn the_window_opens_maximised_when_it_was_left_maximised() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let _wm = WindowManager::start().await;
    let app = App::start(data.path(), &platform).await;
    wm(&["-e", "0,-1,-1,1100,700"]).await;
    wait_outer_size(&app, (1090, 690), (1110, 740)).await;
    wm(&["-b", "add,maximized_vert,maximized_horz"]).await;
    wait_outer_size(&app, (1250, 760), (1280, 800)).await;
    wait_kept(data.path(), "\"maximized\": true").await;
    app.quit().await;

    let app = App::start(data.path(), &platform).await;
    // Maximised on the 1280x800 screen, not the 1100x700 it had before.
    wait_outer_size(&app, (1250, 760), (1280, 800)).await;
    let maximised = app
        .client
        .execute(
            "return window.__TAURI__.window.getCurrentWindow().isMaximized()",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        maximised,
        serde_json::json!(true),
        "the window says it is maximised"
    );
    app.quit().await;
}

/// A session bus with nothing to start on it: no Secret Service (D-Bus itself is there, as
/// on a kiosk). Without service directories nothing is activated on demand.
struct EmptyBus {
    daemon: std::process::Child,
    address: String,
}

impl EmptyBus {
    async fn start(dir: &std::path::Path) -> EmptyBus {
        let bus = dir.join("bus");
        let config = dir.join("session.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow receive_sender="*"/><allow own="*"/></policy>
</busconfig>"#,
                bus.display()
            ),
        )
        .unwrap();
        let daemon = std::process::Command::new("dbus-daemon")
            .args(["--nofork", "--nopidfile"])
            .arg(format!("--config-file={}", config.display()))
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !bus.exists() {
            assert!(Instant::now() < deadline, "dbus-daemon did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        EmptyBus {
            daemon,
            address: format!("unix:path={}", bus.display()),
        }
    }

    fn env(&self) -> [(&str, &str); 1] {
        [("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())]
    }
}

impl Drop for EmptyBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A minimal desktop with no Secret Service: the clerk logs in anyway, the window says what
/// "remember this computer" and the offline unlock would need and which package provides
/// it, and the orders typed stay, sealed by the password, for the next run's login.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_the_clerk_logs_in_and_the_orders_stay_sealed_by_the_password() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let bus = EmptyBus::start(data.path()).await;
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    let note = app.text("[data-testid='no-keyring']").await;
    assert!(note.contains("gnome-keyring"), "{note}");
    assert!(note.contains("离线解锁"), "{note}");
    let remember = app.wait_css("[data-testid='login-remember']").await;
    assert!(!remember.is_selected().await.unwrap());
    assert!(!remember.is_enabled().await.unwrap());
    app.screenshot("no-keyring-login").await;
    app.log_in(&platform).await;
    app.click("[data-testid='new-order']").await;
    app.fill("#buyer_name", "Sealed Buyer").await;
    app.click("[data-testid='save-draft']").await;
    app.wait_css("[data-testid='delete-draft']").await;
    let profile = data.path().join("profiles").join("default");
    let sealed = find_file(data.path(), "key-sealed");
    assert!(
        sealed.is_some(),
        "no key-sealed under {}",
        profile.display()
    );
    let sealed = sealed.unwrap();
    assert!(!sealed.with_file_name("key-id").exists());
    // Kept before the password changes: the seal a computer keeps when the password is
    // changed somewhere else.
    let sealed_by_first = std::fs::read(&sealed).unwrap();
    // Changed here: the orders are sealed by the new password at once.
    let changed = app
        .invoke(
            "change_password",
            serde_json::json!({"request": {"old_password": common::DEMO_PASSWORD, "new_password": NEW_PASSWORD}}),
        )
        .await;
    assert!(changed.get("ok").is_some(), "{changed}");
    app.quit().await;

    // The next run: the login again (no unlock without a keyring), with the new password.
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    assert!(
        app.invoke("session_info", serde_json::json!({})).await["ok"]["offline_available"] == false
    );
    app.wait_css("[data-testid='login-screen']").await;
    app.submit_login(&platform, common::DEMO_USCC, NEW_PASSWORD)
        .await;
    app.go("#/orders").await;
    app.wait_text("[data-testid='order-buyer']", "Sealed Buyer")
        .await;
    app.quit().await;

    // The seal of before the change, as on a computer where the password was not changed:
    // the new password asks for the old one once, then the orders are there.
    std::fs::write(&sealed, &sealed_by_first).unwrap();
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    app.wait_css("[data-testid='login-screen']").await;
    app.submit_login(&platform, common::DEMO_USCC, NEW_PASSWORD)
        .await;
    // Asked for only now, with the reason beside it.
    let asked = app
        .wait_css("label:not([hidden]) > [data-testid='login-old-password']")
        .await;
    assert!(asked.is_displayed().await.unwrap());
    let why = app.text("#err-old_password").await;
    assert!(why.contains("旧密码"), "{why}");
    app.fill("[data-testid='login-old-password']", common::DEMO_PASSWORD)
        .await;
    app.wait_css("[data-testid='login-screen']").await;
    app.submit_login(&platform, common::DEMO_USCC, NEW_PASSWORD)
        .await;
    app.wait_css("body:not(.locked) [data-testid='account-name']")
        .await;
    app.go("#/orders").await;
    app.wait_text("[data-testid='order-buyer']", "Sealed Buyer")
        .await;
    app.quit().await;
    assert_ne!(
        std::fs::read(&sealed).unwrap(),
        sealed_by_first,
        "sealed again"
    );
}

const NEW_PASSWORD: &str = "Changed#2027";

/// Before a sealed profile opens, the platform's address comes from a plain file beside
/// it. One edited to send the login elsewhere is refused once the profile opens (the
/// profile's own settings name another address), put back, and the clerk told to change the
/// password.
#[tokio::test(flavor = "multi_thread")]
async fn an_edited_platform_address_beside_a_sealed_profile_is_refused_and_put_back() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let bus = EmptyBus::start(data.path()).await;
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    app.log_in(&platform).await;
    app.quit().await;
    // The file names another address; the environment names none (as on a clerk's desktop,
    // where the profile's own address is the default one).
    let hint = data.path().join("platform.json");
    std::fs::write(&hint, serde_json::json!([platform.url, null]).to_string()).unwrap();
    let [bus_env] = bus.env();
    let env = [bus_env, ("XINBAO_PLATFORM_URL", "")];
    let app = App::start_with_env(data.path(), &platform, &env).await;
    app.wait_css("[data-testid='login-screen']").await;
    app.submit_login(&platform, common::DEMO_USCC, common::DEMO_PASSWORD)
        .await;
    let said = app.text("[data-testid='login-error']:not([hidden])").await;
    assert!(said.contains("平台地址曾被改动"), "{said}");
    assert!(said.contains("修改密码"), "{said}");
    assert!(app
        .wait_css("[data-testid='login-screen']")
        .await
        .is_displayed()
        .await
        .unwrap());
    app.quit().await;
    let now = std::fs::read_to_string(&hint).unwrap();
    assert!(!now.contains(&platform.url), "put back: {now}");
}

/// A sealed profile's settings are sealed until the login, yet its login screen speaks the
/// language the clerk chose, before or after logging in.
#[tokio::test(flavor = "multi_thread")]
async fn a_sealed_profiles_login_screen_keeps_the_clerks_language() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let bus = EmptyBus::start(data.path()).await;
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    app.wait_text("#lang-switch", "English").await;
    app.click("#lang-switch").await;
    app.wait_text("[data-testid='login-submit']", "Log in")
        .await;
    app.log_in(&platform).await;
    app.wait_text("#nav-orders", "Export orders").await;
    app.quit().await;
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    app.wait_text("[data-testid='login-submit']", "Log in")
        .await;
    app.log_in(&platform).await;
    app.wait_text("#nav-orders", "Export orders").await;
    app.quit().await;
}

/// The clerk installed the keyring the login screen named: at the next login the sealed
/// key moves into it, and from the start after, the profile opens the keyring's way, with
/// "remember this computer" offered and the orders all there.
#[tokio::test(flavor = "multi_thread")]
async fn a_keyring_installed_later_takes_the_sealed_key() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    {
        let bus = EmptyBus::start(data.path()).await;
        let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
        app.log_in(&platform).await;
        app.wait_css("[data-testid='orders-empty']").await;
        app.click("[data-testid='new-order']").await;
        app.fill("#buyer_name", "Kept Buyer").await;
        app.click("[data-testid='save-draft']").await;
        app.wait_css("[data-testid='delete-draft']").await;
        let saved = app.wait_css("#buyer_name").await;
        assert_eq!(app.value(&saved).await, "Kept Buyer", "the draft as saved");
        app.quit().await;
    }
    let sealed = find_file(data.path(), "key-sealed").expect("sealed without a keyring");
    // The desktop's own session bus now, with its Secret Service.
    let app = App::start(data.path(), &platform).await;
    app.wait_css("[data-testid='no-keyring']").await;
    app.log_in(&platform).await;
    app.quit().await;
    assert!(
        !sealed.exists(),
        "the sealed copy is gone once the keyring keeps the key"
    );
    assert!(sealed.with_file_name("key-id").exists());
    let app = App::start(data.path(), &platform).await;
    let remember = app.wait_css("[data-testid='login-remember']").await;
    assert!(remember.is_enabled().await.unwrap());
    assert!(app.find_all("[data-testid='no-keyring']").await.is_empty());
    app.log_in(&platform).await;
    app.go("#/orders").await;
    app.wait_text("[data-testid='order-buyer']", "Kept Buyer")
        .await;
    app.quit().await;
}

fn find_file(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

/// A profile whose key is in a keyring that is not running: the window says what is
/// missing and which package provides it; the profile is never sealed over.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_kept_by_a_keyring_that_is_not_running_is_explained_not_replaced() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    App::start(data.path(), &platform).await.quit().await;
    assert!(find_file(data.path(), "key-id").is_some());
    let bus = EmptyBus::start(data.path()).await;
    let app = App::start_with_env(data.path(), &platform, &bus.env()).await;
    let text = app.text("[data-testid='store-error']").await;
    assert!(text.contains("无法打开本地数据库"), "{text}");
    assert!(text.contains("gnome-keyring"), "{text}");
    assert!(text.contains("离线解锁"), "{text}");
    app.screenshot("no-keyring").await;
    app.quit().await;
    assert!(find_file(data.path(), "key-sealed").is_none());
}

/// A fake `xdg-open` first on the PATH: what the desktop was asked to open, one per line.
fn fake_opener(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("opened.txt");
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    (path, log)
}

async fn opened(log: &std::path::Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<String> = std::fs::read_to_string(log)
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect();
        if lines.len() >= n {
            return lines;
        }
        assert!(Instant::now() < deadline, "opened only {lines:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An export offers 【打开】 and 【在文件夹中显示】, done by Rust for the file it saved (the
/// page knows a token, not the path); the help desk opens the log folder.
#[tokio::test(flavor = "multi_thread")]
async fn an_export_is_opened_and_shown_and_the_help_desk_opens_the_logs() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let (path, log) = fake_opener(data.path());
    let app = App::start_with_env(data.path(), &platform, &[("PATH", path.as_str())]).await;
    app.log_in(&platform).await;
    app.click("[data-testid='new-order']").await;
    app.fill("#buyer_name", "Ivan Petrov").await;
    app.click("[data-testid='save-draft']").await;
    app.wait_css("[data-testid='delete-draft']").await;
    let target = data.path().join("订单导出.xlsx");
    app.click("[data-testid='export-order']").await;
    let answer = target.clone();
    tokio::task::spawn_blocking(move || common::answer_file_dialog("导出到 Excel", &answer))
        .await
        .unwrap();
    app.wait_css("#toast:not([hidden]) [data-testid='saved-open']")
        .await;
    assert!(target.exists());
    app.click("[data-testid='saved-open']").await;
    assert_eq!(opened(&log, 1).await, [target.display().to_string()]);
    // No file manager answers on this bus: the folder is opened instead.
    app.click("[data-testid='saved-show']").await;
    assert_eq!(opened(&log, 2).await[1], data.path().display().to_string());
    // A token the Rust side never gave out opens nothing.
    let refused = app
        .invoke("open_saved", serde_json::json!({ "token": 12345 }))
        .await;
    assert_eq!(refused["err"]["code"], "files.not_saved");

    app.go("#/account").await;
    app.click("[data-testid='open-log-folder']").await;
    let logs = opened(&log, 3).await;
    assert!(logs[2].ends_with("cn.yiwu.xinbao-desk/logs"), "{logs:?}");
    app.quit().await;
}

/// Drops `bytes` as a file named `name` onto the window, as the desktop's drag and drop
/// hands it to the page (a File: a name and bytes, no path).
async fn drop_file(app: &App, name: &str, bytes: &[u8]) {
    app.client
        .execute(
            "const [name, bytes] = arguments;
             const file = new File([new Uint8Array(bytes)], name);
             const data = new DataTransfer();
             data.items.add(file);
             const target = document.querySelector('main');
             for (const type of ['dragenter', 'dragover', 'drop']) {
               target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
             }",
            vec![serde_json::json!(name), serde_json::json!(bytes)],
        )
        .await
        .unwrap();
}

/// A spreadsheet dropped onto an order starts its import there; dropped elsewhere the
/// window says where to drop it. The page sends the bytes; Rust keeps the file.
#[tokio::test(flavor = "multi_thread")]
async fn a_spreadsheet_dropped_onto_an_order_is_imported_into_it() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let list = data.path().join("source.xlsx");
    common::big_list(&list, 2);
    let bytes = std::fs::read(&list).unwrap();
    let app = App::start_logged_in(data.path(), &platform).await;

    // On the order list: no order to take it.
    drop_file(&app, "交易清单.xlsx", &bytes).await;
    app.wait_until("#toast", "where to drop", |t| {
        t.contains("先打开要导入的订单")
    })
    .await;

    app.click("[data-testid='new-order']").await;
    app.fill("#buyer_name", "Ivan Petrov").await;
    // Dropped onto a new order: it is saved first, then the import's steps take the file.
    drop_file(&app, "交易清单.xlsx", &bytes).await;
    app.wait_text("#import-title", "批量导入交易清单 · 交易清单.xlsx")
        .await;
    app.click("[data-testid='import-start']").await;
    app.wait_text("[data-testid='import-accept']", "接受 2 条有效行")
        .await;
    app.click("[data-testid='import-accept']").await;
    app.wait_count("[data-testid='line-row']", 2).await;
    let names = app.find_all("[data-testid='line-merchant_name']").await;
    assert_eq!(app.value(&names[1]).await, "商户2");
    app.quit().await;
}

/// 软件更新: off unless the administrator configured an update server; with one, the newer
/// release the reference platform's feed offers is named and can be installed.
#[tokio::test(flavor = "multi_thread")]
async fn the_administrators_update_server_offers_the_next_version() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    let package = data.path().join("xinbao-desk_0.1.1_amd64.deb");
    std::fs::write(&package, b"a package").unwrap();
    let signature = data.path().join("xinbao-desk_0.1.1_amd64.deb.sig");
    std::fs::write(&signature, "c2lnbmF0dXJl").unwrap();
    let published = platform.admin(&[
        "publish-release",
        "--target",
        "linux",
        "--arch",
        std::env::consts::ARCH,
        "--version",
        "0.1.1",
        "--package",
        package.to_str().unwrap(),
        "--signature",
        signature.to_str().unwrap(),
        "--notes",
        "导入更快",
    ]);
    assert!(published.status.success(), "{published:?}");

    // No administrator's file: updates are off, and the window says who manages them.
    let app = App::start_with_env(
        data.path(),
        &platform,
        &[("XINBAO_UPDATES_CONFIG", "/nonexistent/updates.json")],
    )
    .await;
    app.log_in(&platform).await;
    app.go("#/account").await;
    app.click("[data-testid='update-check']").await;
    app.wait_until("[data-testid='update-status']", "updates off", |t| {
        t.contains("当前版本 0.1.0") && t.contains("由管理员管理")
    })
    .await;
    assert!(app
        .find_all("[data-testid='update-install']:not([hidden])")
        .await
        .is_empty());
    app.quit().await;

    let config = data.path().join("updates.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "endpoint": format!("{}/api/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}", platform.url),
            "pubkey": "dW50cnVzdGVkIGNvbW1lbnQ6IG1pbmlzaWduIHB1YmxpYyBrZXk6IDAwMDAwMDAwMDAwMDAwMDAKUldRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE9Cg==",
            "ca_file": platform.ca(),
        })
        .to_string(),
    )
    .unwrap();
    let app = App::start_with_env(
        data.path(),
        &platform,
        &[("XINBAO_UPDATES_CONFIG", config.to_str().unwrap())],
    )
    .await;
    app.log_in(&platform).await;
    app.go("#/account").await;
    app.click("[data-testid='update-check']").await;
    app.wait_until("[data-testid='update-status']", "the next version", |t| {
        t.contains("新版本 0.1.1 可以安装") && t.contains("导入更快")
    })
    .await;
    app.wait_css("[data-testid='update-install']:not([hidden])")
        .await;
    app.screenshot("update-available").await;
    app.quit().await;
}
