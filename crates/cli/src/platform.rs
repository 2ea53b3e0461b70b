//! The platform commands: settings, captcha, login, offline unlock, logout, sync, status.
//! The session token lives in the OS keyring under the app's identifier, so the CLI and
//! the app share one login per profile.

use crate::{CliError, Command, Output};
use base64::Engine;
use std::io::Read;
use std::sync::Mutex;
use xinbao_store::{paths, Store};
use xinbao_sync::{account, engine, OsKeyring, PlatformClient};
use xinbao_wire::{LoginMethod, LoginRequest};

/// Two workers: the order book's next page is fetched while this one is written.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The password: asked at the terminal without echo, else read from stdin (a script, a
/// pipe). Never an argument: arguments show in the process list.
fn read_password() -> Result<String, CliError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("password: ").map_err(CliError::Stdin);
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(CliError::Stdin)?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

pub fn run(store: Store, profile: &str, command: Command, output: Output) -> Result<(), CliError> {
    let secrets = OsKeyring::for_profile(paths::APP_IDENTIFIER, profile, &store)?;
    let client = || -> Result<PlatformClient, CliError> {
        Ok(PlatformClient::new(&account::client_settings(&store)?)?)
    };
    match command {
        Command::Platform { url, ca } => {
            account::save_client_settings(&store, &url, ca.as_deref())?;
            output.answer(&serde_json::json!({ "url": url, "ca": ca }), || {
                format!("platform: {url}")
            });
        }
        Command::Captcha { out } => {
            let c = runtime().block_on(client()?.captcha())?;
            let png = base64::engine::general_purpose::STANDARD
                .decode(c.image_png_base64)
                .map_err(|e| xinbao_sync::SyncError::Contract(e.to_string()))?;
            std::fs::write(&out, png).map_err(|source| CliError::Write {
                path: out.clone(),
                source,
            })?;
            output.answer(
                &serde_json::json!({ "captcha_id": c.captcha_id, "image": out }),
                || c.captcha_id.clone(),
            );
        }
        Command::Login {
            account: ident,
            mobile,
            captcha_id,
            captcha,
        } => {
            let password = read_password()?;
            let req = LoginRequest {
                method: if mobile {
                    LoginMethod::Mobile
                } else {
                    LoginMethod::Account
                },
                identifier: ident,
                password,
                captcha_id,
                captcha_answer: captcha,
            };
            let client = client()?;
            let access = Mutex::new(store);
            let acct =
                runtime().block_on(account::login(&access, &secrets, &client, &req, true))?;
            output.answer(&acct, || {
                format!("logged in: {} ({})", acct.company_name, acct.uscc)
            });
        }
        Command::Unlock => {
            let password = read_password()?;
            let acct = account::offline_unlock(&store, &secrets, &password, account::now_ms())?;
            output.answer(&acct, || {
                format!("unlocked offline: {} ({})", acct.company_name, acct.uscc)
            });
        }
        Command::Logout { forget } => {
            let client = client().ok();
            runtime().block_on(account::logout(&secrets, client.as_ref(), forget))?;
            output.answer(
                &serde_json::json!({ "logged_out": true, "forgot": forget }),
                || "logged out".to_string(),
            );
        }
        Command::Sync => {
            let client = client()?;
            let token = account::token(&secrets, &client)?;
            let access = Mutex::new(store);
            // The order book's pull, on stderr: a new computer's first sync takes a while.
            let pulling = crate::progress::bar("order book");
            let progress = |p: engine::Progress| {
                crate::progress::tell(&pulling, p.done as u64, p.total.map(|t| t as u64))
            };
            let report =
                runtime().block_on(engine::sync_once_with(&access, &client, &token, &progress))?;
            pulling.finish_and_clear();
            if let Some(r) = &report.recovery {
                eprintln!("{}", recovery_words(r));
            }
            output.show(&report, || {
                println!(
                    "pushed {}, applied {}, duplicates {}, rejected {}, pulled {} ({:.2} s)",
                    report.pushed,
                    report.applied,
                    report.duplicates,
                    report.rejected,
                    report.pulled,
                    report.seconds
                );
            });
        }
        Command::Status => {
            let status = xinbao_sync::status::status(&store)?;
            output.show(&status, || {
                println!("pending operations: {}", status.pending);
                println!("company orders here: {}", status.company_orders);
                if let Some(r) = &status.recovery {
                    println!("{} ({})", recovery_words(r), r.at);
                }
                println!(
                    "last sync: {}",
                    status.last_sync.as_deref().unwrap_or("never")
                );
                for r in &status.rejections {
                    println!(
                        "rejected: order {} {} [{}] {}",
                        r.order_id, r.kind, r.code, r.message
                    );
                }
            });
        }
        _ => unreachable!("only platform commands come here"),
    }
    Ok(())
}

/// What a recovery means, for the terminal.
fn recovery_words(r: &engine::Recovery) -> String {
    match r.kind.as_str() {
        "platform_new_epoch" => format!(
            "the platform has a new database: {} orders were sent again from this computer",
            r.resent
        ),
        "platform_restored" => format!(
            "the platform was restored from a backup: {} orders were sent again from this computer",
            r.resent
        ),
        "client_behind" => {
            "this computer's database is an older copy: its queue continues after what the platform holds"
                .to_string()
        }
        other => format!("sync recovered ({other})"),
    }
}
