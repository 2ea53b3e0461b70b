use xinbao_store::StoreError;
use xinbao_wire::ApiError;

/// Why a platform call or a sync pass failed. `code()` is stable (the UI branches on it);
/// `is_retryable()` tells the background task whether to try again later.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No connection, a cut connection, a timeout: try again later.
    #[error("the platform cannot be reached: {0}")]
    Network(String),
    /// The platform failed (5xx): try again later.
    #[error("the platform failed ({status}): {message}")]
    Server { status: u16, message: String },
    /// The platform refused the request for a reason of its own (4xx): not retried.
    #[error("{}: {}", .error.code, .error.message)]
    Api { status: u16, error: ApiError },
    /// The session is missing, expired or revoked: log in again.
    #[error("log in to the platform again ({0})")]
    AuthRequired(String),
    #[error("the platform settings are wrong: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the OS keyring failed: {0}")]
    Keyring(String),
    #[error("wrong password ({tries_left} tries left before a 15-minute lock)")]
    OfflineWrongPassword { tries_left: u32 },
    #[error("too many wrong passwords: unlocking is locked for {retry_after_s} s")]
    OfflineLocked { retry_after_s: u64 },
    #[error("this computer has no offline login yet: log in online once")]
    OfflineUnavailable,
    /// The profile holds orders of the company `uscc`; another company may not log in here.
    #[error("this profile holds the orders of another company ({uscc})")]
    OtherCompany { uscc: String },
    #[error("the platform's answer does not fit the contract: {0}")]
    Contract(String),
}

impl SyncError {
    /// Every code of the client's own (platform refusals carry the platform's).
    pub const CODES: &'static [&'static str] = &[
        "platform.unreachable",
        "platform.server_error",
        "auth.required",
        "settings.platform",
        "keyring.unavailable",
        "offline.wrong_password",
        "offline.locked",
        "offline.unavailable",
        "auth.other_company",
        "platform.contract",
    ];

    pub fn code(&self) -> String {
        match self {
            SyncError::Network(_) => "platform.unreachable".into(),
            SyncError::Server { .. } => "platform.server_error".into(),
            SyncError::Api { error, .. } => error.code.clone(),
            SyncError::AuthRequired(_) => "auth.required".into(),
            SyncError::Config(_) => "settings.platform".into(),
            SyncError::Store(e) => e.code().into(),
            SyncError::Keyring(_) => "keyring.unavailable".into(),
            SyncError::OfflineWrongPassword { .. } => "offline.wrong_password".into(),
            SyncError::OfflineLocked { .. } => "offline.locked".into(),
            SyncError::OfflineUnavailable => "offline.unavailable".into(),
            SyncError::OtherCompany { .. } => "auth.other_company".into(),
            SyncError::Contract(_) => "platform.contract".into(),
        }
    }

    /// Network trouble, platform failures and a platform asking to slow down (429) pass;
    /// everything else needs a person.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Network(_)
                | SyncError::Server { .. }
                | SyncError::Contract(_)
                | SyncError::Api { status: 429, .. }
        )
    }

    /// The field a refusal concerns, when the platform named one.
    pub fn field(&self) -> Option<&str> {
        match self {
            SyncError::Api { error, .. } => error.field.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_own_code_is_listed() {
        let all = [
            SyncError::Network("x".into()),
            SyncError::Server {
                status: 500,
                message: "x".into(),
            },
            SyncError::AuthRequired("x".into()),
            SyncError::Config("x".into()),
            SyncError::Keyring("x".into()),
            SyncError::OfflineWrongPassword { tries_left: 1 },
            SyncError::OfflineLocked { retry_after_s: 1 },
            SyncError::OfflineUnavailable,
            SyncError::OtherCompany { uscc: "x".into() },
            SyncError::Contract("x".into()),
        ];
        for e in &all {
            assert!(
                SyncError::CODES.contains(&e.code().as_str()),
                "{}",
                e.code()
            );
        }
        assert_eq!(all.len(), SyncError::CODES.len());
    }
}
