//! Who may ask what. The page is less trusted than Rust: a script in it can invoke any
//! registered command. While the app is locked (nobody logged in online or unlocked
//! offline), only the commands the lock screen itself needs answer; every other command is
//! refused with `app.locked` here, at the IPC boundary, before it runs. One list, checked
//! once, for every command (each command that touches orders also asks `as_clerk`).

/// What works while locked: the window's own start-up and language, the login and the
/// offline unlock, registration (a company without an account yet), and what the lock
/// screen shows (the remembered company).
pub const WHILE_LOCKED: &[&str] = &[
    "app_info",
    // Only in the one state that offers it (the store did not open, its plain copy kept):
    // nobody can log in then, and it deletes nothing.
    "restore_plain_copy",
    "ui_ready",
    "i18n_table",
    "set_language",
    "countries",
    "session_info",
    "platform_captcha",
    "platform_login",
    "offline_unlock",
    "check_field",
    "registration_check",
    "registration_activate",
];

/// Plugin commands (`plugin:…`) are governed by the capability file, not by this list.
pub fn allowed_while_locked(command: &str) -> bool {
    command.starts_with("plugin:") || WHILE_LOCKED.contains(&command)
}

/// Wraps the generated handler: refuses a command the lock forbids, else runs it.
pub fn guard<R: tauri::Runtime>(
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    use tauri::Manager;
    move |invoke| {
        let command = invoke.message.command();
        if !allowed_while_locked(command) {
            let unlocked = invoke
                .message
                .webview_ref()
                .try_state::<crate::AppState>()
                .is_some_and(|s| s.platform.clerk().is_some());
            if !unlocked {
                log::warn!("refused `{command}` while locked");
                invoke.resolver.reject(crate::UiError::new(
                    "app.locked",
                    "log in or unlock the app first",
                ));
                return true;
            }
        }
        handler(invoke)
    }
}
