//! Logging in and out, the platform settings, and unlocking offline.
//!
//! Login keeps the session token in the OS keyring, and an argon2id hash (m=19 MiB, t=2,
//! p=1) of the password beside it, so the app can be unlocked offline later. Five wrong
//! offline tries within 15 minutes lock offline unlocking for 15 minutes; the failures and
//! the lock live in the keyring beside the verifier (an edit of the profile's file cannot
//! reset them). What is not secret (the account's public fields) lives in the settings.

use crate::client::{ClientSettings, PlatformClient, DEFAULT_TIMEOUT_S};
use crate::secrets::{Secrets, OFFLINE_LOCK, OFFLINE_VERIFIER, SESSION};
use crate::store_access::{forget_company_feeds, StoreAccess};
use crate::{Result, SyncError};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use xinbao_store::{settings, Store};
use xinbao_wire::{Account, LoginRequest, PasswordChange};

pub const DEFAULT_PLATFORM_URL: &str = "https://127.0.0.1:8443";
/// Environment overrides of the settings (the README's run command uses them).
pub const ENV_URL: &str = "XINBAO_PLATFORM_URL";
pub const ENV_CA: &str = "XINBAO_PLATFORM_CA";

const KEY_URL: &str = "platform.url";
const KEY_CA: &str = "platform.ca_file";
const KEY_ACCOUNT: &str = "platform.account";
const KEY_REMEMBER: &str = "platform.remember";

pub const OFFLINE_MAX_FAILURES: usize = 5;
pub const OFFLINE_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const OFFLINE_LOCK_MS: i64 = 15 * 60 * 1000;

/// The platform settings: the environment, else the profile's settings, else the default.
pub fn client_settings(store: &Store) -> Result<ClientSettings> {
    let url = match std::env::var(ENV_URL).ok().filter(|s| !s.is_empty()) {
        Some(u) => u,
        None => settings::get(store, KEY_URL)?.unwrap_or_else(|| DEFAULT_PLATFORM_URL.into()),
    };
    let ca = match std::env::var(ENV_CA).ok().filter(|s| !s.is_empty()) {
        Some(c) => Some(c),
        None => settings::get(store, KEY_CA)?.filter(|s| !s.is_empty()),
    };
    Ok(ClientSettings {
        url,
        ca_file: ca.map(Into::into),
        timeout_s: DEFAULT_TIMEOUT_S,
    })
}

/// Where the platform is, for a login before the profile is open (a profile sealed by the
/// password, [`xinbao_store::sealed`]): the environment, else the settings last saved with
/// [`save_settings_hint`], else the default. Not secret: a URL and a file name.
pub fn client_settings_before_open(data_dir: &std::path::Path) -> ClientSettings {
    let hint: Option<(String, Option<String>)> =
        std::fs::read_to_string(settings_hint_path(data_dir))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
    let (saved_url, saved_ca) = hint.unwrap_or_default();
    let url = std::env::var(ENV_URL)
        .ok()
        .filter(|s| !s.is_empty())
        .or(Some(saved_url).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_PLATFORM_URL.into());
    let ca = std::env::var(ENV_CA)
        .ok()
        .filter(|s| !s.is_empty())
        .or(saved_ca.filter(|s| !s.is_empty()));
    ClientSettings {
        url,
        ca_file: ca.map(Into::into),
        timeout_s: DEFAULT_TIMEOUT_S,
    }
}

/// Keeps the profile's platform settings where [`client_settings_before_open`] finds them.
pub fn save_settings_hint(data_dir: &std::path::Path, store: &Store) -> Result<()> {
    let url = settings::get(store, KEY_URL)?.unwrap_or_default();
    let ca = settings::get(store, KEY_CA)?.filter(|s| !s.is_empty());
    let json = serde_json::to_string(&(url, ca)).map_err(|e| SyncError::Contract(e.to_string()))?;
    Ok(xinbao_store::write_private_atomically(
        &settings_hint_path(data_dir),
        json.as_bytes(),
    )?)
}

fn settings_hint_path(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("platform.json")
}

/// Saves the platform URL and CA file after checking that a client can be built of them.
pub fn save_client_settings(store: &Store, url: &str, ca_file: Option<&str>) -> Result<()> {
    let s = ClientSettings {
        url: url.trim().into(),
        ca_file: ca_file
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.trim().into()),
        timeout_s: DEFAULT_TIMEOUT_S,
    };
    PlatformClient::new(&s)?;
    settings::set(store, KEY_URL, &s.url)?;
    settings::set(store, KEY_CA, ca_file.unwrap_or("").trim())?;
    Ok(())
}

/// The argon2id parameters of the offline verifier.
fn offline_argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` is the one `verifier` (an argon2id hash) was made of.
pub fn password_matches(verifier: &str, password: &str) -> bool {
    PasswordHash::new(verifier)
        .map(|h| {
            offline_argon2()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn offline_verifier(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    offline_argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| SyncError::Keyring("could not hash the password".into()))
}

/// Logs in online: the token goes to the keyring, the account's public fields to the
/// settings. `remember` ("remember this computer") also keeps an offline verifier, so the
/// app opens later without the platform; without it the session ends with the app
/// ([`forget_unremembered_session`] at the next start) and no password hash stays behind.
///
/// A profile's orders belong to one company: another company's login is refused while
/// the profile holds orders, so they can never be pushed under the wrong account.
pub async fn login(
    access: &impl StoreAccess,
    secrets: &dyn Secrets,
    client: &PlatformClient,
    req: &LoginRequest,
    remember: bool,
) -> Result<Account> {
    let session = client.login(req).await?;
    record_login(access, secrets, client, session, &req.password, remember).await
}

/// What a login keeps here once the platform accepted the password ([`login`]); apart for
/// a computer without a keyring, which opens its profile with the password in between.
pub async fn record_login(
    access: &impl StoreAccess,
    secrets: &dyn Secrets,
    client: &PlatformClient,
    session: xinbao_wire::Session,
    password: &str,
    remember: bool,
) -> Result<Account> {
    let owner_mismatch = access.with_store(|store| {
        let previous = remembered_account(store)?.filter(|p| p.uscc != session.account.uscc);
        if previous.is_some() && xinbao_store::orders::count(store)? == 0 {
            // Another company, but nothing of the previous one's to protect: start afresh.
            forget_company_feeds(store)?;
            return Ok(None);
        }
        Ok(previous)
    })?;
    if let Some(previous) = owner_mismatch {
        let _ = client.logout(&session.token).await;
        return Err(SyncError::OtherCompany {
            uscc: previous.uscc,
        });
    }
    let verifier = if remember {
        Some(offline_verifier(password)?)
    } else {
        None
    };
    secrets.set(SESSION, &bound_token(client.origin(), &session.token))?;
    match &verifier {
        Some(v) => secrets.set(OFFLINE_VERIFIER, v)?,
        None => secrets.delete(OFFLINE_VERIFIER)?,
    }
    // An online login with the password ends any offline lock.
    secrets.delete(OFFLINE_LOCK)?;
    access.with_store(|store| {
        remember_account(store, &session.account)?;
        settings::set(store, KEY_REMEMBER, if remember { "1" } else { "0" })?;
        Ok(())
    })?;
    Ok(session.account)
}

/// Whether the last login asked to remember this computer (the default).
pub fn remembers_computer(store: &Store) -> Result<bool> {
    Ok(settings::get(store, KEY_REMEMBER)?.as_deref() != Some("0"))
}

/// At start: a session that was not to be remembered ends with the app that opened it.
pub fn forget_unremembered_session(store: &Store, secrets: &dyn Secrets) -> Result<()> {
    if !remembers_computer(store)? {
        secrets.delete(SESSION)?;
        secrets.delete(OFFLINE_VERIFIER)?;
        secrets.delete(OFFLINE_LOCK)?;
    }
    Ok(())
}

/// Whether this computer can be unlocked offline (a login remembered it).
pub fn offline_available(store: &Store, secrets: &dyn Secrets) -> Result<bool> {
    Ok(remembered_account(store)?.is_some() && secrets.get(OFFLINE_VERIFIER)?.is_some())
}

pub fn remember_account(store: &Store, account: &Account) -> Result<()> {
    let json = serde_json::to_string(account).map_err(|e| SyncError::Contract(e.to_string()))?;
    settings::set(store, KEY_ACCOUNT, &json)?;
    Ok(())
}

/// The account of the last login on this profile, if any.
pub fn remembered_account(store: &Store) -> Result<Option<Account>> {
    Ok(settings::get(store, KEY_ACCOUNT)?.and_then(|s| serde_json::from_str(&s).ok()))
}

/// How the keyring keeps a session: the origin that issued the token, then the token.
fn bound_token(origin: &str, token: &str) -> String {
    format!("{origin} {token}")
}

/// The session token for `client`'s platform, if logged in there. A token issued by
/// another origin (the platform's URL changed since) is never sent: log in again.
pub fn token(secrets: &dyn Secrets, client: &PlatformClient) -> Result<String> {
    let stored = secrets
        .get(SESSION)?
        .ok_or(SyncError::AuthRequired("auth.required".into()))?;
    match stored.split_once(' ') {
        Some((origin, token)) if origin == client.origin() => Ok(token.to_string()),
        _ => Err(SyncError::AuthRequired("auth.other_origin".into())),
    }
}

/// The account as the platform has it now (real-name status, settlement binding); it is
/// remembered for the unlock screen and the offline session.
pub async fn refresh(
    access: &impl StoreAccess,
    secrets: &dyn Secrets,
    client: &PlatformClient,
) -> Result<Account> {
    let account = client.account(&token(secrets, client)?).await?;
    access.with_store(|store| remember_account(store, &account))?;
    Ok(account)
}

/// Changes the password on the platform (old and new; the platform ends the company's
/// other sessions). A computer that unlocks offline then takes the new password, not the
/// old one.
pub async fn change_password(
    secrets: &dyn Secrets,
    client: &PlatformClient,
    req: &PasswordChange,
) -> Result<()> {
    client
        .change_password(&token(secrets, client)?, req)
        .await?;
    if secrets.get(OFFLINE_VERIFIER)?.is_some() {
        secrets.set(OFFLINE_VERIFIER, &offline_verifier(&req.new_password)?)?;
    }
    Ok(())
}

/// Ends the session on the platform when reachable, and forgets the token here either way.
/// The offline verifier stays unless `forget_computer`.
pub async fn logout(
    secrets: &dyn Secrets,
    client: Option<&PlatformClient>,
    forget_computer: bool,
) -> Result<()> {
    if let Some(client) = client {
        if let Ok(t) = token(secrets, client) {
            let _ = client.logout(&t).await;
        }
    }
    secrets.delete(SESSION)?;
    if forget_computer {
        secrets.delete(OFFLINE_VERIFIER)?;
        secrets.delete(OFFLINE_LOCK)?;
    }
    Ok(())
}

/// Unlocks the app without the platform: the password against the stored verifier.
pub fn offline_unlock(
    store: &Store,
    secrets: &dyn Secrets,
    password: &str,
    now_ms: i64,
) -> Result<Account> {
    let mut lock = OfflineLock::read(secrets)?;
    if lock.locked_until > now_ms {
        return Err(SyncError::OfflineLocked {
            retry_after_s: ((lock.locked_until - now_ms + 999) / 1000) as u64,
        });
    }
    let account = remembered_account(store)?.ok_or(SyncError::OfflineUnavailable)?;
    let verifier = secrets
        .get(OFFLINE_VERIFIER)?
        .ok_or(SyncError::OfflineUnavailable)?;
    if password_matches(&verifier, password) {
        secrets.delete(OFFLINE_LOCK)?;
        return Ok(account);
    }
    lock.failures.retain(|&t| t > now_ms - OFFLINE_WINDOW_MS);
    lock.failures.push(now_ms);
    if lock.failures.len() >= OFFLINE_MAX_FAILURES {
        lock = OfflineLock {
            failures: Vec::new(),
            locked_until: now_ms + OFFLINE_LOCK_MS,
        };
        lock.write(secrets)?;
        return Err(SyncError::OfflineLocked {
            retry_after_s: (OFFLINE_LOCK_MS / 1000) as u64,
        });
    }
    lock.write(secrets)?;
    Err(SyncError::OfflineWrongPassword {
        tries_left: (OFFLINE_MAX_FAILURES - lock.failures.len()) as u32,
    })
}

/// The offline unlock's failures in the window and its lock, kept in the keyring.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct OfflineLock {
    failures: Vec<i64>,
    locked_until: i64,
}

impl OfflineLock {
    fn read(secrets: &dyn Secrets) -> Result<OfflineLock> {
        Ok(secrets
            .get(OFFLINE_LOCK)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    fn write(&self, secrets: &dyn Secrets) -> Result<()> {
        secrets.set(
            OFFLINE_LOCK,
            &serde_json::to_string(self).expect("the lock encodes"),
        )
    }
}

/// Now, unix milliseconds.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
