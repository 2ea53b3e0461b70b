//! The lock, tried as a script in the page would: from the unlock screen of a computer
//! that remembers a session, every registered command that is not on the lock screen's
//! allow-list answers `app.locked` (the list is read from the app's own source, so a new
//! command is walked too); `account_refresh` no longer makes anyone the clerk. Unlocked,
//! the platform settings take the password again; a made-up file token is no file.

mod common;
use common::*;
use serde_json::{json, Value};

/// The commands the app registers, from `generate_handler![…]` in its source.
fn registered_commands() -> Vec<String> {
    let lib = std::fs::read_to_string(repo_root().join("src-tauri/src/lib.rs")).unwrap();
    let start = lib.find("generate_handler![").expect("the handler list") + 17;
    let end = start + lib[start..].find(']').unwrap();
    lib[start..end]
        .split(',')
        .map(|p| p.trim().rsplit("::").next().unwrap().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The allow-list, from the app's source too.
fn allowed_while_locked() -> Vec<String> {
    let gate = std::fs::read_to_string(repo_root().join("src-tauri/src/gate.rs")).unwrap();
    let start = gate.find("WHILE_LOCKED: &[&str] = &[").unwrap();
    let end = start + gate[start..].find("];").unwrap();
    gate[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn code(v: &Value) -> &str {
    v["err"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_but_the_lock_screens_answers_app_locked_and_settings_take_the_password() {
    let data = tempfile::tempdir().unwrap();
    let platform = Platform::start();
    // A computer that remembers its login: the keyring holds a session.
    let app = App::start_logged_in(data.path(), &platform).await;
    app.quit().await;

    let app = App::start(data.path(), &platform).await;
    app.wait_css("[data-testid='unlock-screen']").await;
    // The attack of the issue: a remembered session made anyone the clerk.
    let refreshed = app.invoke("account_refresh", json!({})).await;
    assert_eq!(code(&refreshed), "app.locked", "{refreshed}");
    let listed = app.invoke("list_orders", json!({ "query": {} })).await;
    assert_eq!(code(&listed), "app.locked", "{listed}");

    let commands = registered_commands();
    let allowed = allowed_while_locked();
    assert!(commands.len() > 50, "{commands:?}");
    for a in &allowed {
        assert!(commands.contains(a), "{a} is allowed but not registered");
    }
    let mut walked = 0;
    for command in commands.iter().filter(|c| !allowed.contains(c)) {
        let answer = app.invoke(command, json!({})).await;
        assert_eq!(code(&answer), "app.locked", "`{command}` answered {answer}");
        walked += 1;
    }
    assert!(walked > 40);
    // Still locked: nothing above unlocked it.
    let info = app.invoke("session_info", json!({})).await;
    assert!(info["ok"]["clerk"].is_null(), "{info}");

    // Unlocked with the password: the settings want it again.
    app.log_in(&platform).await;
    let wrong = app.invoke(
        "save_platform_settings",
        json!({ "url": "https://127.0.0.1:1", "caToken": null, "clearCa": false, "password": "Wrong#2026" }),
    )
    .await;
    assert_eq!(code(&wrong), "settings.password_wrong", "{wrong}");
    // Set by the environment (as the README's run command does): refused, not ignored.
    let env = app.invoke(
        "save_platform_settings",
        json!({ "url": "https://127.0.0.1:1", "caToken": null, "clearCa": false, "password": DEMO_PASSWORD }),
    )
    .await;
    assert_eq!(code(&env), "settings.from_environment", "{env}");
    // A file token the page made up is no file: tokens are random and spent once used.
    let forged = app
        .invoke("import_inspect", json!({ "token": 1, "choices": {} }))
        .await;
    assert_eq!(code(&forged), "import.no_file", "{forged}");
    app.quit().await;
}
