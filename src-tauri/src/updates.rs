//! Updates of the app itself (tauri-plugin-updater), as the administrator configures them:
//! the update server, the public key the packages' signatures are checked against, and
//! whether updates are on at all. Without the administrator's file they are off (a managed
//! install is updated by its own means). The file is outside the clerk's reach:
//! `/etc/xinbao-desk/updates.json` (`%ProgramData%\XinbaoDesk\updates.json` on Windows),
//! or where `XINBAO_UPDATES_CONFIG` says (tests, a portable install).
//!
//! ```json
//! { "enabled": true,
//!   "endpoint": "https://platform/api/v1/updates/{{target}}/{{arch}}/{{current_version}}",
//!   "pubkey": "<minisign public key, as `tauri signer generate` prints it>",
//!   "ca_file": "/etc/xinbao-desk/platform-ca.pem",
//!   "automatic": false }
//! ```
//!
//! With `automatic`, a managed install updates itself at start, without asking.

use crate::UiError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tauri::AppHandle;
use tauri_plugin_updater::UpdaterExt;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdminConfig {
    #[serde(default = "on")]
    enabled: bool,
    endpoint: String,
    pubkey: String,
    #[serde(default)]
    ca_file: Option<PathBuf>,
    /// Install a newer version at start without asking (managed installs).
    #[serde(default)]
    automatic: bool,
}

fn on() -> bool {
    true
}

/// The updater's failures, under one code (its message says which step failed).
fn failed(e: tauri_plugin_updater::Error) -> UiError {
    UiError::new("update.failed", e.to_string())
}

fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("XINBAO_UPDATES_CONFIG").filter(|p| !p.is_empty()) {
        return p.into();
    }
    #[cfg(windows)]
    {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(base).join("XinbaoDesk").join("updates.json")
    }
    #[cfg(not(windows))]
    PathBuf::from("/etc/xinbao-desk/updates.json")
}

/// The administrator's configuration; `None` when updates are off (no file, or `enabled`
/// false).
fn admin_config() -> Result<Option<AdminConfig>, UiError> {
    let path = config_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(UiError::new(
                "update.config",
                format!("{}: {e}", path.display()),
            ))
        }
    };
    let config: AdminConfig = serde_json::from_str(&text)
        .map_err(|e| UiError::new("update.config", format!("{}: {e}", path.display())))?;
    Ok(config.enabled.then_some(config))
}

fn updater(
    app: &AppHandle,
    config: &AdminConfig,
) -> Result<tauri_plugin_updater::Updater, UiError> {
    let endpoint = config
        .endpoint
        .parse()
        .map_err(|e| UiError::new("update.config", format!("endpoint: {e}")))?;
    let ca = match &config.ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .ok()
                .and_then(|pem| reqwest13::Certificate::from_pem(&pem).ok())
                .ok_or_else(|| {
                    UiError::new("update.config", format!("ca_file {}", path.display()))
                })?,
        ),
        None => None,
    };
    let mut builder = app
        .updater_builder()
        .endpoints(vec![endpoint])
        .map_err(failed)?
        .pubkey(config.pubkey.clone());
    if let Some(ca) = ca {
        builder = builder.configure_client(move |c| c.add_root_certificate(ca.clone()));
    }
    builder.build().map_err(failed)
}

#[derive(Serialize)]
pub struct UpdateState {
    /// Whether the administrator turned updates on.
    configured: bool,
    current: String,
    /// A newer version the update server offers.
    available: Option<Available>,
}

#[derive(Serialize)]
pub struct Available {
    version: String,
    notes: Option<String>,
}

/// 【检查更新】: asks the administrator's update server whether a newer version exists.
#[tauri::command]
pub async fn update_check(app: AppHandle) -> Result<UpdateState, UiError> {
    let current = app.package_info().version.to_string();
    let Some(config) = admin_config()? else {
        return Ok(UpdateState {
            configured: false,
            current,
            available: None,
        });
    };
    let update = updater(&app, &config)?.check().await.map_err(failed)?;
    Ok(UpdateState {
        configured: true,
        current,
        available: update.map(|u| Available {
            version: u.version,
            notes: u.body,
        }),
    })
}

/// 【下载并安装】: downloads the newer version, checks its signature against the
/// administrator's public key, installs it and starts it.
#[tauri::command]
pub async fn update_install(app: AppHandle) -> Result<(), UiError> {
    let config = admin_config()?.ok_or_else(|| UiError::new("update.off", "updates are off"))?;
    install(&app, &config).await
}

/// At start: a managed install whose administrator asked for automatic updates installs a
/// newer version at once (a failure is logged; the app goes on as it is).
pub fn at_start(app: &AppHandle) {
    let config = match admin_config() {
        Ok(Some(c)) if c.automatic => c,
        Ok(_) => return,
        Err(e) => {
            log::warn!("updates: {} [{}]", e.message, e.code);
            return;
        }
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match install(&app, &config).await {
            Ok(()) => {}
            Err(e) if e.code == "update.none" => log::info!("updates: this is the newest version"),
            Err(e) => log::warn!("updates: {} [{}]", e.message, e.code),
        }
    });
}

async fn install(app: &AppHandle, config: &AdminConfig) -> Result<(), UiError> {
    let Some(update) = updater(app, config)?.check().await.map_err(failed)? else {
        return Err(UiError::new("update.none", "no newer version"));
    };
    log::info!("installing version {}", update.version);
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(failed)?;
    app.restart();
}
