//! Who is working (the clerk who logged in or unlocked) and the background sync task.
//!
//! The app opens locked: orders hold personal information, so every order command asks
//! for a clerk ([`crate::AppState::as_clerk`]), and the audit log names that clerk's
//! company. The sync task runs from the start over the profile's store: operations queued
//! before a restart leave as soon as the remembered session and the network allow.

use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter};
use tokio::sync::{watch, Notify};
use xinbao_store::Store;
use xinbao_sync::background::{self, Schedule, SyncStatus};
use xinbao_sync::{account, MemorySecrets, OsKeyring, PlatformClient, Secrets, StoreAccess};
use xinbao_wire::Account;

/// The event the UI listens to; its payload is empty, the UI asks `sync_status` for news.
pub const SYNC_EVENT: &str = "sync-status";

pub struct Platform {
    pub secrets: Arc<dyn Secrets>,
    /// The keyring behind `secrets` (unless sealed), to name once the store opens.
    keyring: Arc<ProfileKeyring>,
    poke: Arc<Notify>,
    status_tx: watch::Sender<SyncStatus>,
    /// The clerk of this run: set by login or unlock, cleared by logout.
    clerk: Mutex<Option<Account>>,
    /// An argon2id hash of the password the clerk gave this run, in memory only: what an
    /// action that asks for the password again checks against.
    verifier: Mutex<Option<String>>,
    /// Wrong passwords given to `confirm_password` this run.
    wrong_passwords: Mutex<u32>,
}

impl Platform {
    /// The profile's keyring entries ([`OsKeyring::for_profile`]); without a store (it
    /// failed to open and the app shows why) nothing can log in anyway. `sealed` (no
    /// keyring here): the session is kept in memory for this run.
    pub fn new(service: &str, profile: &str, store: Option<&Store>, sealed: bool) -> Platform {
        let keyring = Arc::new(ProfileKeyring::default());
        if let Some(store) = store {
            keyring.name_after(service, profile, store);
        }
        let secrets: Arc<dyn Secrets> = if sealed {
            Arc::new(MemorySecrets::default())
        } else {
            keyring.clone()
        };
        Platform {
            secrets,
            keyring,
            poke: Arc::new(Notify::new()),
            status_tx: watch::Sender::new(SyncStatus {
                state: "idle".into(),
                ..Default::default()
            }),
            clerk: Mutex::new(None),
            verifier: Mutex::new(None),
            wrong_passwords: Mutex::new(0),
        }
    }

    /// The profile's store opened after the start (its plain copy was put back): the
    /// keyring's entries are named after it from now on.
    pub fn store_opened(&self, service: &str, profile: &str, store: &Store) {
        self.keyring.name_after(service, profile, store);
    }

    /// The clerk logged in or unlocked with `password`.
    pub fn start_clerk(&self, account: Account, password: &str) {
        *self.verifier.lock().unwrap_or_else(|p| p.into_inner()) =
            xinbao_sync::account::offline_verifier(password).ok();
        self.set_clerk(Some(account));
    }

    /// The password again, for an action that changes where the orders and the session
    /// go: the clerk's own, as given this run.
    pub fn confirm_password(&self, password: &str) -> Result<(), crate::UiError> {
        let verifier = self
            .verifier
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut wrong = self
            .wrong_passwords
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if verifier.is_some_and(|v| xinbao_sync::account::password_matches(&v, password)) {
            *wrong = 0;
            return Ok(());
        }
        *wrong += 1;
        if *wrong >= 5 {
            // A script guessing here gets five tries; then the app locks, and the login
            // and the offline unlock (each throttled on its own) are the only ways back.
            *wrong = 0;
            drop(wrong);
            self.set_clerk(None);
            return Err(crate::UiError::new(
                "app.locked",
                "five wrong passwords: log in again",
            ));
        }
        Err(crate::UiError::new(
            "settings.password_wrong",
            "the password is not this clerk's",
        )
        .field("password"))
    }

    pub fn clerk(&self) -> Option<Account> {
        self.clerk.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_clerk(&self, account: Option<Account>) {
        if account.is_none() {
            *self.verifier.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        *self.clerk.lock().unwrap_or_else(|p| p.into_inner()) = account;
    }

    /// Asks the sync task for a pass now (a change was queued, the clerk logged in).
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status_tx.borrow().clone()
    }

    /// Starts the sync task and the task that tells the UI when its status changes.
    pub fn start(&self, app: &AppHandle, store: Arc<Mutex<Store>>) {
        if let Err(e) =
            store.with_store(|s| account::forget_unremembered_session(s, &*self.secrets))
        {
            log::warn!("could not end the unremembered session: [{}]", e.code());
        }
        let mut changes = self.status_tx.subscribe();
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let mut last_state = String::new();
            while changes.changed().await.is_ok() {
                let (state, code) = {
                    let s = changes.borrow_and_update();
                    (s.state.clone(), s.last_error_code.clone())
                };
                if state != last_state {
                    // Codes only: a platform message could quote what the clerk typed.
                    log::info!("sync: {state} {}", code.as_deref().unwrap_or(""));
                    last_state = state;
                }
                let _ = app.emit(SYNC_EVENT, ());
            }
        });
        let task = background::run(
            store,
            self.secrets.clone(),
            |access: &Mutex<Store>| {
                access.with_store(|s| PlatformClient::new(&account::client_settings(s)?))
            },
            self.poke.clone(),
            self.status_tx.clone(),
            Schedule::default(),
        );
        tauri::async_runtime::spawn(task);
    }
}

/// The keyring entries of the profile ([`OsKeyring::for_profile`]), named once its store is
/// open: at the start, or later when the store opens only then. Before that nothing may
/// use them (nobody can log in while the store is closed).
#[derive(Default)]
struct ProfileKeyring(std::sync::OnceLock<OsKeyring>);

impl ProfileKeyring {
    fn name_after(&self, service: &str, profile: &str, store: &Store) {
        let keyring = OsKeyring::for_profile(service, profile, store)
            .unwrap_or_else(|_| OsKeyring::new(service, profile));
        let _ = self.0.set(keyring);
    }

    fn named(&self) -> xinbao_sync::Result<&OsKeyring> {
        self.0.get().ok_or_else(|| {
            xinbao_sync::SyncError::Keyring("the profile's database is not open".into())
        })
    }
}

impl Secrets for ProfileKeyring {
    fn get(&self, key: &str) -> xinbao_sync::Result<Option<String>> {
        self.named()?.get(key)
    }
    fn set(&self, key: &str, value: &str) -> xinbao_sync::Result<()> {
        self.named()?.set(key, value)
    }
    fn delete(&self, key: &str) -> xinbao_sync::Result<()> {
        self.named()?.delete(key)
    }
}
