use std::path::PathBuf;
use xinbao_domain::{FieldError, StateError};

/// Every way a store operation can fail. [`StoreError::code`] is the stable code the UI and
/// the CLI branch on; [`StoreError::field_errors`] lists field-by-field problems.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {path} was written by a newer version of Xinbao Desk (schema {found}; this version knows up to {supported}). Install the newer version; the file was not changed")]
    DatabaseTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path} is not a Xinbao Desk database; the file was not changed")]
    NotOurDatabase { path: PathBuf },
    #[error("{path} is encrypted, but its key is not in this computer's keyring ({why}). Log in to the keyring of the account that created it, or restore the keyring; the file was not changed")]
    KeyMissing { path: PathBuf, why: String },
    #[error("{path} cannot be read with the key in the keyring (the keyring holds another profile's key, or the file is damaged); the file was not changed")]
    KeyWrong { path: PathBuf },
    #[error("this computer's orders were sealed with the password used here before (it was changed since, on the platform or another computer); give that earlier password once, and they are sealed again with the new one")]
    SealedOtherPassword,
    #[error("this computer's orders belong to another company ({uscc}): log in as that company")]
    SealedOtherCompany { uscc: String },
    #[error("{path} (the database key sealed by the clerk's password) is damaged or belongs to another database; the database was not changed")]
    SealedDamaged { path: PathBuf },
    #[error("{path} is sealed by the clerk's password (it was made without a keyring): open it in the app, which logs in first")]
    SealedProfile { path: PathBuf },
    #[error("the keyring refused to keep or give the database key: {0}")]
    KeyVault(String),
    #[error("{path} was encrypted, but its key cannot be read back ({why}). The plain copy made just before the encryption is kept at {copy}: put it back (the app offers it; `xinbao restore-copy`) and every order from before the encryption is there again. Nothing was deleted")]
    KeyLostCopyKept {
        path: PathBuf,
        copy: PathBuf,
        why: String,
    },
    #[error(
        "{path} has no plain copy from before its encryption to put back (or it opens as it is)"
    )]
    NoPlainCopy { path: PathBuf },
    #[error("{path} is not encrypted: open it through its profile, which encrypts it first")]
    NotEncrypted { path: PathBuf },
    #[error("the encrypted copy of {path} did not match the original ({found}); the original was kept as it was")]
    EncryptionCheck { path: PathBuf, found: String },
    #[error("profile name '{0}' may only use letters, digits, '-' and '_' (1 to 64 characters)")]
    BadProfileName(String),
    #[error("order {0} does not exist")]
    OrderNotFound(i64),
    #[error("order {0} can be re-opened only when the platform refused its confirmation, holds no such order, and nothing of it waits to be sent")]
    NotReopenable(i64),
    #[error("line {0} does not exist")]
    LineNotFound(i64),
    #[error("merchant order {0} is not in the local cache")]
    MerchantOrderNotFound(String),
    #[error("merchant order {merchant_order} belongs to another merchant than line {line}")]
    LinkOtherMerchant { line: i64, merchant_order: String },
    #[error("merchant order {merchant_order} already backs export order {order}: a merchant order is linked to one export order")]
    MerchantOrderTaken { merchant_order: String, order: i64 },
    #[error("order {order} has no matching run {run}")]
    RunNotFound { order: i64, run: i64 },
    #[error("matching run {0} was undone already")]
    RunUndone(i64),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{} field(s) are invalid: {}", .0.len(), join(.0))]
    Invalid(Vec<FieldError>),
    #[error("the order cannot be confirmed yet: {}", join(.0))]
    ConfirmBlocked(Vec<FieldError>),
    #[error("customs declaration number {customs_no} already belongs to order {order}")]
    CustomsNoTaken { customs_no: String, order: i64 },
    #[error("the database refused the change ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("import {0} does not exist")]
    ImportNotFound(i64),
    #[error("row {row} of import {batch} does not exist")]
    ImportRowNotFound { batch: i64, row: i64 },
    #[error("import {0} was already accepted or rejected")]
    ImportDecided(i64),
    #[error("the import was cancelled; nothing was kept")]
    Cancelled,
    #[error("another job is writing to the database (an import, an accept, an export); try again when it is done")]
    Busy,
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("could not update the database schema: {0}")]
    Migration(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The first problems in words, the rest counted: a million-line order can have a million
/// problems, and the message goes to logs and the terminal.
fn join(errors: &[FieldError]) -> String {
    const NAMED: usize = 10;
    let mut out = errors
        .iter()
        .take(NAMED)
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > NAMED {
        out.push_str(&format!("; … and {} more", errors.len() - NAMED));
    }
    out
}

impl StoreError {
    pub fn code(&self) -> &str {
        match self {
            StoreError::DatabaseTooNew { .. } => "store.database_too_new",
            StoreError::NotOurDatabase { .. } => "store.not_our_database",
            StoreError::KeyMissing { .. } => "store.key_missing",
            StoreError::KeyWrong { .. } => "store.key_wrong",
            StoreError::SealedOtherPassword => "store.sealed_other_password",
            StoreError::SealedOtherCompany { .. } => "store.sealed_other_company",
            StoreError::SealedDamaged { .. } => "store.sealed_damaged",
            StoreError::SealedProfile { .. } => "store.sealed_profile",
            StoreError::KeyVault(_) => "store.key_vault",
            StoreError::KeyLostCopyKept { .. } => "store.key_lost_copy_kept",
            StoreError::NoPlainCopy { .. } => "store.no_plain_copy",
            StoreError::NotEncrypted { .. } => "store.not_encrypted",
            StoreError::EncryptionCheck { .. } => "store.encryption_check",
            StoreError::BadProfileName(_) => "store.bad_profile_name",
            StoreError::OrderNotFound(_) => "order.not_found",
            StoreError::NotReopenable(_) => "order.not_reopenable",
            StoreError::LineNotFound(_) => "line.not_found",
            StoreError::MerchantOrderNotFound(_) => "merchant_order.not_found",
            StoreError::LinkOtherMerchant { .. } => "link.other_merchant",
            StoreError::MerchantOrderTaken { .. } => "link.merchant_order_taken",
            StoreError::RunNotFound { .. } => "match.run_not_found",
            StoreError::RunUndone(_) => "match.run_undone",
            StoreError::State(e) => e.code(),
            StoreError::Invalid(_) => "invalid",
            StoreError::ConfirmBlocked(_) => "confirm.blocked",
            StoreError::CustomsNoTaken { .. } => "customs.taken",
            StoreError::Refused { code, .. } => code,
            StoreError::ImportNotFound(_) => "import.not_found",
            StoreError::ImportRowNotFound { .. } => "import.row_not_found",
            StoreError::ImportDecided(_) => "import.decided",
            StoreError::Cancelled => "import.cancelled",
            StoreError::Busy => "store.busy",
            StoreError::Sqlite(_) => "store.sqlite",
            StoreError::Migration(_) => "store.migration",
            StoreError::Io { .. } => "store.io",
        }
    }

    /// Every code this type can produce besides the state machine's and the triggers'.
    pub const CODES: &'static [&'static str] = &[
        "store.database_too_new",
        "store.not_our_database",
        "store.key_missing",
        "store.key_wrong",
        "store.sealed_other_password",
        "store.sealed_other_company",
        "store.sealed_damaged",
        "store.sealed_profile",
        "store.key_vault",
        "store.key_lost_copy_kept",
        "store.no_plain_copy",
        "store.not_encrypted",
        "store.encryption_check",
        "store.bad_profile_name",
        "order.not_found",
        "line.not_found",
        "merchant_order.not_found",
        "link.other_merchant",
        "link.merchant_order_taken",
        "match.run_not_found",
        "match.run_undone",
        "invalid",
        "confirm.blocked",
        "customs.taken",
        "import.not_found",
        "import.row_not_found",
        "import.decided",
        "import.cancelled",
        "store.busy",
        "store.sqlite",
        "store.migration",
        "store.io",
        "audit.append_only",
        "outbox.immutable",
        "outbox.unacknowledged",
    ];

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            StoreError::Invalid(e) | StoreError::ConfirmBlocked(e) => e,
            _ => &[],
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    /// A trigger's `RAISE(ABORT, 'code: message')` becomes [`StoreError::Refused`] with that
    /// code, so a freeze enforced by the database reads like one enforced by the domain; a
    /// write that waited out the busy timeout behind another connection is [`StoreError::Busy`].
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return StoreError::Busy;
            }
        }
        if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e {
            if f.code == rusqlite::ErrorCode::ConstraintViolation {
                if let Some((code, message)) = msg.split_once(": ") {
                    if !code.contains(' ') && code.contains('.') {
                        return StoreError::Refused {
                            code: code.into(),
                            message: message.into(),
                        };
                    }
                }
            }
        }
        StoreError::Sqlite(e)
    }
}
