//! The platform commands: settings, captcha, login, offline unlock, logout, sync status.
//! Each is a few lines over `xinbao-sync`; the session token never crosses to the UI.

use crate::{AppState, UiError};
use serde::Serialize;
use tauri::State;
use xinbao_sync::background::SyncStatus;
use xinbao_sync::engine::{Progress, Recovery};
use xinbao_sync::status::{self, Status};
use xinbao_sync::{account, PlatformClient};
use xinbao_wire::{Account, Captcha, LoginRequest};

type Res<T> = Result<T, UiError>;

pub(crate) fn client(state: &AppState) -> Res<PlatformClient> {
    let settings = if state.sealed && !state.store_open() {
        // Before the login that opens a sealed profile, its settings are sealed too.
        account::client_settings_before_open(&state.data_dir)
    } else {
        state.with_store(|s| account::client_settings(s))?
    };
    Ok(PlatformClient::new(&settings)?)
}

#[derive(Serialize)]
pub struct SessionInfo {
    /// The clerk working now; `None` while the app is locked.
    clerk: Option<Account>,
    /// The company of the last login on this profile (the unlock screen names it).
    remembered: Option<Account>,
    offline_available: bool,
    /// Whether a keyring keeps the session: without one, the login lasts this run, and
    /// neither "remember this computer" nor the offline unlock is offered.
    keyring: bool,
}

#[tauri::command(async)]
pub fn session_info(state: State<'_, AppState>) -> Res<SessionInfo> {
    let secrets = &*state.platform.secrets;
    let keyring = !state.sealed;
    if state.sealed && !state.store_open() {
        return Ok(SessionInfo {
            clerk: None,
            remembered: None,
            offline_available: false,
            keyring,
        });
    }
    state.with_store(|s| {
        Ok::<_, UiError>(SessionInfo {
            clerk: state.platform.clerk(),
            remembered: account::remembered_account(s)?,
            // A keyring that cannot be read means no offline unlock, not a broken screen.
            offline_available: keyring && account::offline_available(s, secrets).unwrap_or(false),
            keyring,
        })
    })
}

#[tauri::command]
pub async fn platform_captcha(state: State<'_, AppState>) -> Res<Captcha> {
    Ok(client(&state)?.captcha().await?)
}

/// The online login. Without a keyring (`state.sealed`) the password the platform accepted
/// also opens the profile sealed by it (`old_password`: the one used here before, when it
/// was changed elsewhere), the session stays in memory and nothing is remembered.
#[tauri::command]
pub async fn platform_login(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: LoginRequest,
    remember: bool,
    old_password: Option<String>,
) -> Res<Account> {
    let client = client(&state)?;
    let acct = if state.sealed {
        let was_open = state.store_open();
        let session = client.login(&request).await?;
        let store = match state
            .open_sealed(
                &app,
                &session.account.uscc,
                &request.password,
                old_password.as_deref(),
            )
            .await
            .and_then(|store| same_platform(&state, &client).map(|()| store))
        {
            Ok(store) => store,
            Err(e) => {
                let _ = client.logout(&session.token).await;
                return Err(if e.code == "store.sealed_other_password" {
                    e.field("old_password")
                } else {
                    e
                });
            }
        };
        let acct = account::record_login(
            &*store,
            &*state.platform.secrets,
            &client,
            session,
            &request.password,
            false,
        )
        .await?;
        if was_open {
            // The same clerk after a logout, maybe with a password changed elsewhere since.
            state.reseal(&request.password).await;
        } else {
            state.move_key_into_keyring().await;
        }
        acct
    } else {
        let store = state.store_arc()?;
        account::login(
            &*store,
            &*state.platform.secrets,
            &client,
            &request,
            remember,
        )
        .await?
    };
    state.platform.start_clerk(acct.clone(), &request.password);
    state.platform.poke();
    Ok(acct)
}

#[tauri::command(async)]
pub fn offline_unlock(state: State<'_, AppState>, password: String) -> Res<Account> {
    let secrets = &*state.platform.secrets;
    let acct =
        state.with_store(|s| account::offline_unlock(s, secrets, &password, account::now_ms()))?;
    state.platform.start_clerk(acct.clone(), &password);
    state.platform.poke();
    Ok(acct)
}

/// Ends the session (on the platform when reachable) and locks the app. `forget` also
/// removes this computer's offline unlock.
#[tauri::command]
pub async fn platform_logout(state: State<'_, AppState>, forget: bool) -> Res<()> {
    let client = client(&state).ok();
    state.platform.set_clerk(None);
    account::logout(&*state.platform.secrets, client.as_ref(), forget).await?;
    state.platform.poke();
    Ok(())
}

#[derive(Serialize)]
pub struct SyncPanel {
    /// The background task: idle, syncing, offline, auth_required, error.
    task: SyncStatus,
    /// The queue: pending operations, last success, rejections.
    queue: Status,
    /// The last time the platform or this computer went back in time, and what was done.
    recovery: Option<Recovery>,
    order_book: OrderBookFacts,
}

#[derive(Serialize)]
pub struct OrderBookFacts {
    /// Confirmed and declared orders of the company held here.
    orders: i64,
    /// While the order book is being pulled.
    pulling: Option<Progress>,
}

#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> Res<SyncPanel> {
    let task = state.platform.status();
    let queue = state.as_clerk(|s, _| status::status(s))?;
    Ok(SyncPanel {
        recovery: queue.recovery.clone(),
        order_book: OrderBookFacts {
            orders: queue.company_orders,
            pulling: task.order_book_pulling,
        },
        task,
        queue,
    })
}

#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> Res<()> {
    state.as_clerk(|_, _| Ok::<_, UiError>(()))?;
    state.platform.poke();
    Ok(())
}

#[derive(Serialize)]
pub struct PlatformSettings {
    url: String,
    ca_file: Option<String>,
    /// Set by the environment (the README's run command): the saved values are not used.
    from_environment: bool,
}

#[tauri::command(async)]
pub fn platform_settings(state: State<'_, AppState>) -> Res<PlatformSettings> {
    let s = state.with_store(|s| account::client_settings(s))?;
    Ok(PlatformSettings {
        url: s.url,
        ca_file: s.ca_file.map(|p| p.display().to_string()),
        from_environment: std::env::var_os(account::ENV_URL).is_some(),
    })
}

/// What saving the platform settings did.
#[derive(Serialize)]
pub struct SettingsSaved {
    /// The platform's origin changed: the session of the old one is ended here (its token
    /// is never sent to the new one), and the clerk logs in there.
    logged_out: bool,
}

/// Where the platform is and which extra CA to trust. It decides where the session token
/// and every order go, so it takes the clerk (the gate) and their password again; the CA
/// file is one the clerk chose in the native dialog (`pick_ca_file`, a token), never a path
/// from the page; a new origin starts logged out.
#[tauri::command]
pub async fn save_platform_settings(
    state: State<'_, AppState>,
    url: String,
    ca_token: Option<u64>,
    clear_ca: bool,
    password: String,
) -> Res<SettingsSaved> {
    state.platform.confirm_password(&password)?;
    if std::env::var_os(account::ENV_URL).is_some() {
        return Err(UiError::new(
            "settings.from_environment",
            "the platform is set by the environment (XINBAO_PLATFORM_URL); saved settings would not be used",
        ));
    }
    let before = state.with_store(|s| account::client_settings(s))?;
    let ca_file = match ca_token {
        Some(token) => Some(crate::files::take_path(&state, token)?),
        None if clear_ca => None,
        None => before.ca_file.clone(),
    };
    let ca_text = ca_file.as_ref().map(|p| p.display().to_string());
    state.with_store(|s| account::save_client_settings(s, &url, ca_text.as_deref()))?;
    if state.sealed {
        state.with_store(|s| account::save_settings_hint(&state.data_dir, s))?;
    }
    let after = state.with_store(|s| account::client_settings(s))?;
    let logged_out = origin(&before.url) != origin(&after.url);
    if logged_out {
        // The old platform is still told: its session ends there too, when reachable.
        let old = xinbao_sync::PlatformClient::new(&before).ok();
        account::logout(&*state.platform.secrets, old.as_ref(), false).await?;
        state.platform.set_clerk(None);
    }
    state.platform.poke();
    Ok(SettingsSaved { logged_out })
}

/// Before a sealed profile opens, the platform's address comes from a plain file beside it
/// ([`account::client_settings_before_open`]); once open, the profile's own settings say
/// where the clerk logs in. A file edited to send the password elsewhere is refused (and
/// put back), and the clerk is told to change the password.
fn same_platform(state: &AppState, client: &PlatformClient) -> Res<()> {
    let saved = state.with_store(|s| account::client_settings(s))?;
    if origin(&saved.url).as_deref() == Some(client.origin()) {
        return Ok(());
    }
    if let Err(e) = state.with_store(|s| account::save_settings_hint(&state.data_dir, s)) {
        log::warn!("could not put back the platform's address: [{}]", e.code);
    }
    log::warn!("the platform address beside the sealed profile was not the profile's own");
    Err(UiError::new(
        "settings.platform_changed",
        "the platform address kept beside this computer's orders had been changed; the login went to another address: change your password on the platform",
    ))
}

fn origin(url: &str) -> Option<String> {
    xinbao_sync::client::url_origin(url)
}
