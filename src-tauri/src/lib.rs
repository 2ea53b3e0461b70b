//! The Tauri shell of Xinbao Desk. Thin on purpose: each command is a few lines over the
//! crates (`xinbao-store`, `xinbao-domain`), and every error crosses to the UI as a
//! [`UiError`] with a stable code.

mod account;
mod commands;
mod customs;
mod error;
mod files;
mod gate;
mod i18n;
mod platform;
mod session;
mod updates;
mod window_state;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;
use tauri::Manager;
use xinbao_store::{paths, KeyPlace, Store, StoreError};

pub use error::UiError;

/// What the app opened at start: the store, or why it could not (shown by the UI).
pub struct AppState {
    pub data_dir: PathBuf,
    pub profile: String,
    /// Shared with the background sync task, which locks it briefly, never across a wait.
    /// Written once more only on a computer without a keyring, when the first login of the
    /// run opens the sealed profile ([`AppState::sealed`]).
    store: RwLock<Result<Arc<Mutex<Store>>, UiError>>,
    /// No keyring here: the profile's key is sealed by the clerk's password
    /// ([`xinbao_store::sealed`]), the session lives in memory for this run, and the store
    /// opens at the run's first online login.
    pub sealed: bool,
    /// Held while a sealed profile is being opened: two logins at once (a script can ask)
    /// must not each make a key for a new profile, nor open it twice.
    opening: tokio::sync::Mutex<()>,
    pub platform: session::Platform,
    /// Files the clerk chose for import, by token.
    pub picked: Mutex<std::collections::HashMap<u64, files::PickedFile>>,
    /// The cancel flags of the accepts under way, by import batch.
    pub accepting: Mutex<std::collections::HashMap<i64, Arc<std::sync::atomic::AtomicBool>>>,
    /// Files this run saved (exports, the template), by token: opened and shown by Rust.
    pub saved: Mutex<std::collections::HashMap<u64, PathBuf>>,
    /// The cancel flag of the export under way (one at a time: each asks where to save).
    pub exporting: Mutex<Option<Arc<std::sync::atomic::AtomicBool>>>,
    /// The broker's customs files read this run, by token ([`customs`]).
    pub customs_files: Mutex<Vec<(u64, customs::HeldRows)>>,
}

impl AppState {
    pub fn open(data_dir: PathBuf, profile: String) -> AppState {
        // A profile made without a keyring stays sealed. Any other opens through the
        // keyring; a new one is sealed instead when the keyring would not keep its key (the
        // save of that key is the probe: no extra call). One whose key is in a keyring that
        // is not running is refused (store.key_vault), never sealed over.
        let place = Store::key_place(&data_dir, &profile);
        let mut sealed = matches!(place, Ok(KeyPlace::Sealed));
        let store = if sealed {
            Err(UiError::new(
                "app.locked",
                "log in online to open this computer's orders",
            ))
        } else {
            let opened = Store::open_profile(
                &data_dir,
                &profile,
                &xinbao_sync::OsKeyring::database_keys(paths::APP_IDENTIFIER),
            );
            match opened {
                // A seal moved into the keyring whose key the keyring cannot give back: the
                // store took the seal back, and the password opens the profile again.
                Err(StoreError::SealedProfile { .. }) => {
                    log::warn!("the keyring cannot give the profile's key: sealed again");
                    sealed = true;
                    Err(UiError::new(
                        "app.locked",
                        "log in online to open this computer's orders",
                    ))
                }
                Err(StoreError::KeyVault(why))
                    if matches!(place, Ok(KeyPlace::None))
                        && xinbao_sync::secrets::no_secret_service(&why) =>
                {
                    log::warn!(
                        "no keyring ({why}): the profile's key is sealed by the clerk's password"
                    );
                    sealed = true;
                    Err(UiError::new(
                        "app.locked",
                        "log in online to open this computer's orders",
                    ))
                }
                other => other
                    .map(|s| Arc::new(Mutex::new(s)))
                    .map_err(UiError::from),
            }
        };
        if let (Err(e), false) = (&store, sealed) {
            log::error!(
                "could not open the profile database: {} [{}]",
                e.message,
                e.code
            );
        }
        let platform = {
            let guard = store
                .as_ref()
                .ok()
                .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()));
            session::Platform::new(paths::APP_IDENTIFIER, &profile, guard.as_deref(), sealed)
        };
        // Pasted blocks of a run that ended before they were staged.
        xinbao_import::paste::clear(&files::pasted_dir(&data_dir));
        AppState {
            platform,
            data_dir,
            profile,
            store: RwLock::new(store),
            sealed,
            opening: tokio::sync::Mutex::new(()),
            picked: Mutex::default(),
            accepting: Mutex::default(),
            saved: Mutex::default(),
            exporting: Mutex::default(),
            customs_files: Mutex::default(),
        }
    }

    /// Why the store is not open, for the window's error screen; `None` while a sealed
    /// profile waits for the login that opens it.
    pub fn store_error(&self) -> Option<UiError> {
        match &*self.store.read().unwrap_or_else(|p| p.into_inner()) {
            Err(_) if self.sealed => None,
            other => other.as_ref().err().cloned(),
        }
    }

    /// Whether the store is open (always, unless sealed and not yet logged in, or failed).
    pub fn store_open(&self) -> bool {
        self.store_arc().is_ok()
    }

    /// The error screen's offer when the encrypted profile's key cannot be read and its
    /// plain copy from before the encryption exists (`store.key_lost_copy_kept`): the copy
    /// is put back (the unreadable file kept aside, see [`xinbao_store::restore_plain_copy`])
    /// and the profile opened, encrypted again with a new key. Refused in any other state,
    /// so a script in the page cannot move an open profile aside. Returns where the
    /// unreadable file was kept.
    pub fn restore_plain_copy(&self, app: &tauri::AppHandle) -> Result<String, UiError> {
        let mut slot = self.store.write().unwrap_or_else(|p| p.into_inner());
        if !matches!(&*slot, Err(e) if e.code == "store.key_lost_copy_kept") {
            return Err(UiError::from(StoreError::NoPlainCopy {
                path: paths::profile_db_path(&self.data_dir, &self.profile)?,
            }));
        }
        let aside = xinbao_store::restore_plain_copy(&self.data_dir, &self.profile)?;
        log::warn!(
            "the plain copy from before the encryption was put back; the unreadable file is kept in {}",
            aside.display()
        );
        let store = Store::open_profile(
            &self.data_dir,
            &self.profile,
            &xinbao_sync::OsKeyring::database_keys(paths::APP_IDENTIFIER),
        )?;
        self.platform
            .store_opened(paths::APP_IDENTIFIER, &self.profile, &store);
        let store = Arc::new(Mutex::new(store));
        *slot = Ok(store.clone());
        drop(slot);
        self.platform.start(app, store);
        Ok(aside.display().to_string())
    }

    /// A sealed profile, opened with the password the platform just accepted (`old` opens a
    /// seal made before the password changed). Once open, it stays open for the run.
    pub async fn open_sealed(
        &self,
        app: &tauri::AppHandle,
        owner: &str,
        password: &str,
        old: Option<&str>,
    ) -> Result<Arc<Mutex<Store>>, UiError> {
        let _opening = self.opening.lock().await;
        if let Ok(store) = self.store_arc() {
            return Ok(store);
        }
        let (dir, profile, owner) = (
            self.data_dir.clone(),
            self.profile.clone(),
            owner.to_string(),
        );
        let (password, old) = (
            zeroize::Zeroizing::new(password.to_string()),
            old.map(|o| zeroize::Zeroizing::new(o.to_string())),
        );
        // argon2id at 64 MiB: off the async workers.
        let store = tauri::async_runtime::spawn_blocking(move || {
            Store::open_sealed(
                &dir,
                &profile,
                &owner,
                &password,
                old.as_deref().map(|o| o.as_str()),
            )
        })
        .await
        .map_err(|e| UiError::new("app.internal", e.to_string()))??;
        if let Some(lang) = self.language_beside() {
            xinbao_store::settings::set(&store, "language", &lang)?;
        }
        let store = Arc::new(Mutex::new(store));
        *self.store.write().unwrap_or_else(|p| p.into_inner()) = Ok(store.clone());
        self.platform.start(app, store.clone());
        log::info!("the sealed profile is open");
        Ok(store)
    }

    /// The open profile's sealed key, taken out of the store; `None` for a keyring's
    /// profile or before the store opens.
    fn sealed_key(&self) -> Option<xinbao_store::sealed::SealedKey> {
        self.with_store(|s| Ok::<_, UiError>(s.sealed_key()))
            .ok()
            .flatten()
    }

    /// A keyring may have appeared since the profile was sealed (the login screen said which
    /// package provides one): the key moves into it, and the next start opens the keyring's
    /// way, with "remember this computer" and the offline unlock. Where none answers, the
    /// profile stays sealed. The store is not held meanwhile.
    pub async fn move_key_into_keyring(&self) {
        let Some(sealed) = self.sealed_key() else {
            return;
        };
        let moved = tauri::async_runtime::spawn_blocking(move || {
            sealed.move_into(&xinbao_sync::OsKeyring::database_keys(
                paths::APP_IDENTIFIER,
            ))
        })
        .await;
        match moved {
            Ok(Ok(())) => log::info!("a keyring answers now: the profile's key moved into it"),
            _ => log::info!("still no keyring: the profile stays sealed"),
        }
    }

    /// A sealed profile's language, kept beside it in a plain file (not secret): its own
    /// settings are sealed until the login, and its login screen speaks the clerk's language.
    pub fn language_beside(&self) -> Option<String> {
        std::fs::read_to_string(self.data_dir.join(LANGUAGE_BESIDE))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// Keeps the language beside a sealed profile ([`AppState::language_beside`]).
    pub fn keep_language_beside(&self, lang: &str) {
        let path = self.data_dir.join(LANGUAGE_BESIDE);
        if let Err(e) = xinbao_store::write_private_atomically(&path, lang.as_bytes()) {
            log::warn!("could not keep the language beside the profile: {e}");
        }
    }

    /// Seals a sealed profile's key again under the clerk's new password. The store is
    /// not held meanwhile (argon2id takes a second). A failure is logged, not returned: the
    /// password has changed already, and the next login asks once for the one before.
    pub async fn reseal(&self, password: &str) {
        if !self.sealed {
            return;
        }
        let Some(resealer) = self.sealed_key() else {
            return;
        };
        let password = zeroize::Zeroizing::new(password.to_string());
        let sealed = tauri::async_runtime::spawn_blocking(move || resealer.seal(&password)).await;
        if !matches!(sealed, Ok(Ok(()))) {
            log::warn!("could not seal the profile's key under the new password");
        }
    }

    pub fn store_arc(&self) -> Result<Arc<Mutex<Store>>, UiError> {
        self.store.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs `f` for the clerk who logged in or unlocked, with the name the audit log gives
    /// them (their company's USCC). While the app is locked it refuses: `app.locked`.
    pub fn as_clerk<T, E: Into<UiError>>(
        &self,
        f: impl FnOnce(&mut Store, &str) -> Result<T, E>,
    ) -> Result<T, UiError> {
        let actor = self.clerk_uscc()?;
        self.with_store(|s| f(s, &actor))
    }

    /// Runs a long job (staging, accepting, exporting) as the clerk on a connection of its
    /// own ([`Store::open_another`]): the app's connection stays free, so the list, the
    /// editor and the sync status answer while it runs.
    pub fn as_clerk_job<T, E: Into<UiError>>(
        &self,
        f: impl FnOnce(&mut Store, &str) -> Result<T, E>,
    ) -> Result<T, UiError> {
        let actor = self.clerk_uscc()?;
        let mut job = self.with_store(|s| s.open_another())?;
        f(&mut job, &actor).map_err(Into::into)
    }

    /// Who is working (the company's USCC, for the audit), or `app.locked`.
    fn clerk_uscc(&self) -> Result<String, UiError> {
        self.platform
            .clerk()
            .map(|c| c.uscc)
            .ok_or_else(|| UiError::new("app.locked", "log in or unlock the app first"))
    }

    /// Runs `f` with the open store; its error (the store's, the importer's) becomes a
    /// [`UiError`].
    pub fn with_store<T, E: Into<UiError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, UiError> {
        let store = self.store_arc()?;
        let mut guard = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard).map_err(Into::into)
    }
}

/// The file beside a sealed profile that names its language.
const LANGUAGE_BESIDE: &str = "language";

/// When the process started, to report the cold-start time to a painted order list.
pub static STARTED: OnceLock<Instant> = OnceLock::new();

/// `--data-dir DIR` on the command line, else `$XINBAO_DATA_DIR`, else the OS app-data dir.
fn data_dir_from_args() -> PathBuf {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            if let Some(dir) = args.next() {
                return PathBuf::from(dir);
            }
        } else if let Some(dir) = arg.strip_prefix("--data-dir=") {
            return PathBuf::from(dir);
        }
    }
    paths::default_data_dir()
}

pub fn run() {
    STARTED.get_or_init(Instant::now);
    let data_dir = data_dir_from_args();
    tauri::Builder::default()
        // First: a second launch focuses the running window instead of opening the same
        // database from two processes.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(window_state::plugin(&data_dir))
        // Rust opens files and folders (exports, the log folder); the page has no opener
        // permission: it names a saved file by its token.
        .plugin(tauri_plugin_opener::init())
        // Updates as the administrator configures them (updates.rs); the page has no
        // updater permission and asks through update_check / update_install.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .on_window_event(window_state::on_window_event)
        .plugin(
            tauri_plugin_log::Builder::new()
                .clear_targets()
                .target(tauri_plugin_log::Target::new(
                    tauri_plugin_log::TargetKind::LogDir { file_name: None },
                ))
                .target(tauri_plugin_log::Target::new(
                    tauri_plugin_log::TargetKind::Stderr,
                ))
                .level(log::LevelFilter::Info)
                .max_file_size(5_000_000)
                .rotation_strategy(tauri_plugin_log::RotationStrategy::KeepSome(5))
                .build(),
        )
        .setup(move |app| {
            log::info!(
                "Xinbao Desk {} starting, data dir {}",
                app.package_info().version,
                data_dir.display()
            );
            let state = AppState::open(data_dir.clone(), paths::DEFAULT_PROFILE.to_string());
            if let Ok(store) = state.store_arc() {
                state.platform.start(app.handle(), store);
            }
            app.manage(state);
            updates::at_start(app.handle());
            Ok(())
        })
        .invoke_handler(gate::guard(tauri::generate_handler![
            commands::app_info,
            commands::restore_plain_copy,
            commands::ui_ready,
            commands::i18n_table,
            commands::set_language,
            commands::countries,
            commands::list_orders,
            commands::list_facets,
            commands::dashboard,
            commands::merchant_orders,
            commands::merchant_lookup,
            commands::merchant_order,
            commands::keep_unsaved,
            commands::unsaved_form,
            commands::discard_unsaved,
            commands::reveal_passport,
            commands::reveal_merchant_mobile,
            commands::order_history,
            commands::form_totals,
            commands::check_form,
            commands::check_line,
            commands::order_header,
            commands::order_lines,
            commands::order_lines_summary,
            commands::save_line,
            files::import_paste,
            files::import_drop,
            commands::add_line,
            commands::remove_line,
            commands::save_buyer,
            account::check_field,
            account::registration_check,
            account::registration_activate,
            account::account_refresh,
            account::change_password,
            account::realname_state,
            account::realname_submit,
            files::pick_photo,
            files::pick_ca_file,
            account::settlement_binding,
            account::settlement_reveal,
            account::settlement_sms_code,
            account::settlement_bind,
            account::settlement_authorizations,
            commands::get_order,
            commands::create_draft,
            commands::save_order,
            commands::delete_draft,
            commands::confirm_check,
            commands::confirm_order,
            commands::reopen_order,
            commands::attach_customs_no,
            commands::link_candidates,
            commands::link_line,
            commands::unlink_line,
            commands::match_review,
            commands::match_apply_exact,
            commands::match_apply_picked,
            commands::match_undo,
            commands::link_group,
            customs::customs_pick_file,
            customs::customs_preview,
            customs::customs_apply,
            customs::customs_export_rejected,
            customs::customs_save_template,
            files::import_pick_file,
            files::import_inspect,
            files::import_stage,
            files::import_cancel,
            files::import_summary,
            files::import_rows,
            files::import_fix_cell,
            files::import_accept,
            files::import_accept_cancel,
            files::export_cancel,
            files::open_saved,
            files::show_saved,
            files::open_log_folder,
            updates::update_check,
            updates::update_install,
            files::import_reject,
            files::save_template,
            files::export_error_rows,
            files::export_order,
            files::export_orders,
            platform::session_info,
            platform::platform_captcha,
            platform::platform_login,
            platform::offline_unlock,
            platform::platform_logout,
            platform::sync_status,
            platform::sync_now,
            platform::platform_settings,
            platform::save_platform_settings,
        ]))
        .run(tauri::generate_context!())
        .expect("error while running Xinbao Desk");
}
