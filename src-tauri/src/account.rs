//! The company's account on the platform (manual ch. 2, §3.3, §3.4): registration,
//! real-name verification, settlement binding, password change, and the checks a form runs
//! as the clerk types. Each command is a few lines over `xinbao-sync` and the domain's
//! validators; the session token never crosses to the UI.

use crate::platform::client;
use crate::{AppState, UiError};
use tauri::State;
use xinbao_domain::{mask, validate, FieldError};
use xinbao_store::reveal;
use xinbao_sync::account;
use xinbao_wire::{
    Account, Activation, Nationality, PasswordChange, RealnameState, RegistrationCheck,
    RegistrationTicket, SettlementBinding, SettlementBindingRequest, SmsCodeRequest, SmsCodeSent,
};

type Res<T> = Result<T, UiError>;

/// One field's value against one of the platform's rules, as the clerk types: `None` when
/// it passes, else the reason (shown beside the field). The platform checks again.
#[tauri::command(async)]
pub fn check_field(field: String, rule: String, value: String) -> Res<Option<FieldError>> {
    let today = time::OffsetDateTime::now_utc().date();
    let outcome = match rule.as_str() {
        "uscc" => validate::uscc(&value).map(drop),
        "resident_id" => validate::resident_id(&value, today).map(drop),
        "mobile" => validate::mobile(&value).map(drop),
        "password" => validate::password(&value),
        "name" => validate::text(&value, 100).map(drop),
        "address" => validate::text(&value, 200).map(drop),
        "customs_no" => validate::customs_no(&value).map(drop),
        _ => return Err(UiError::new("app.bad_request", format!("no rule {rule:?}"))),
    };
    Ok(outcome.err().map(|e| e.at(field)))
}

/// 【验证】: the company against the platform's registry.
#[tauri::command]
pub async fn registration_check(
    state: State<'_, AppState>,
    request: RegistrationCheck,
) -> Res<RegistrationTicket> {
    Ok(client(&state)?.registration_check(&request).await?)
}

/// 【激活】: the profile and the password. The login account is the USCC.
#[tauri::command]
pub async fn registration_activate(
    state: State<'_, AppState>,
    request: Activation,
) -> Res<Account> {
    Ok(client(&state)?.activate(&request).await?)
}

/// The account as the platform has it now (real-name status, settlement binding), for the
/// clerk who is working. It never makes anyone the clerk: only the online login and the
/// offline unlock do (a remembered session in the keyring is not a password).
#[tauri::command]
pub async fn account_refresh(state: State<'_, AppState>) -> Res<Account> {
    let clerk = state
        .platform
        .clerk()
        .ok_or_else(|| UiError::new("app.locked", "log in or unlock the app first"))?;
    let store = state.store_arc()?;
    let acct = account::refresh(&*store, &*state.platform.secrets, &client(&state)?).await?;
    if acct.uscc == clerk.uscc {
        state.platform.set_clerk(Some(acct.clone()));
    }
    Ok(acct)
}

#[tauri::command]
pub async fn change_password(state: State<'_, AppState>, request: PasswordChange) -> Res<()> {
    account::change_password(&*state.platform.secrets, &client(&state)?, &request).await?;
    // Without a keyring the orders here are sealed by the password: by the new one now.
    state.reseal(&request.new_password).await;
    Ok(())
}

/// 实名认证: the status, with the reason of a rejection.
#[tauri::command]
pub async fn realname_state(state: State<'_, AppState>) -> Res<RealnameState> {
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    Ok(client.realname_state(&token).await?)
}

/// Sends the photos the clerk picked (by their tokens, see `pick_photo`) and the office
/// address; the status becomes 待审核.
#[tauri::command]
pub async fn realname_submit(
    state: State<'_, AppState>,
    nationality: Nationality,
    office_address: String,
    photos: std::collections::HashMap<String, u64>,
) -> Res<RealnameState> {
    let parts = crate::files::take_photos(&state, nationality, &photos)?;
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    Ok(client
        .realname_submit(&token, nationality, &office_address, parts)
        .await?)
}

/// The bound entity as the page shows it: the ID and mobile numbers masked.
fn masked(b: SettlementBinding) -> SettlementBinding {
    SettlementBinding {
        legal_rep_id_no: mask::id_number(&b.legal_rep_id_no),
        mobile: mask::mobile(&b.mobile),
        ..b
    }
}

/// The bound settlement entity, or `None` while unbound.
#[tauri::command]
pub async fn settlement_binding(state: State<'_, AppState>) -> Res<Option<SettlementBinding>> {
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    match client.settlement_binding(&token).await {
        Ok(b) => Ok(Some(masked(b))),
        Err(e) if e.code() == "settlement.unbound" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// One full number of the bound entity (`legal_rep_id_no` or `mobile`), on the clerk's
/// explicit reveal: fetched from the platform, the look written to the audit log.
#[tauri::command]
pub async fn settlement_reveal(state: State<'_, AppState>, field: String) -> Res<String> {
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    let b = client.settlement_binding(&token).await?;
    let value = match field.as_str() {
        "legal_rep_id_no" => b.legal_rep_id_no,
        "mobile" => b.mobile,
        _ => {
            return Err(UiError::new(
                "reveal.unknown_field",
                "this number cannot be revealed",
            ))
        }
    };
    state.as_clerk(|s, actor| reveal::settlement_field(s, actor, actor, &field))?;
    Ok(value)
}

/// 【获取验证码】.
#[tauri::command]
pub async fn settlement_sms_code(state: State<'_, AppState>, mobile: String) -> Res<SmsCodeSent> {
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    Ok(client.sms_code(&token, &SmsCodeRequest { mobile }).await?)
}

/// 【确认】: binds for good.
#[tauri::command]
pub async fn settlement_bind(
    state: State<'_, AppState>,
    request: SettlementBindingRequest,
) -> Res<SettlementBinding> {
    let client = client(&state)?;
    let token = account::token(&*state.platform.secrets, &client)?;
    Ok(masked(client.bind_settlement(&token, &request).await?))
}

/// 交易清单结汇金额授权: from the local cache (synced), so it shows offline too.
#[tauri::command(async)]
pub fn settlement_authorizations(
    state: State<'_, AppState>,
) -> Res<Vec<xinbao_store::platform_cache::SettlementAuthorization>> {
    state.as_clerk(|s, _| xinbao_store::platform_cache::authorizations(s))
}
