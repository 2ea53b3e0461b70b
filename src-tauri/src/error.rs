use serde::Serialize;
use xinbao_domain::FieldError;
use xinbao_store::StoreError;

/// An error as the UI receives it: a stable `code` to branch on and to look up words for
/// (`error.<code>` in the translation tables), an English `message` for logs, and the
/// fields concerned (`field` when there is exactly one).
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub fields: Vec<FieldError>,
    /// Numbers the words need (`{tries_left}`, `{minutes}`), when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Box<serde_json::Value>>,
}

impl UiError {
    /// An error of the app itself (no field concerned).
    pub fn new(code: &str, message: impl Into<String>) -> UiError {
        UiError {
            code: code.into(),
            message: message.into(),
            field: None,
            fields: Vec::new(),
            params: None,
        }
    }

    /// The one field the error concerns.
    pub fn field(mut self, field: &str) -> UiError {
        self.field = Some(field.into());
        self
    }
}

/// Most field problems sent to the window with one error; beyond it they are counted
/// (`params.fields_total`): a million-line order's confirmation has a problem per line.
const MAX_FIELDS: usize = 1000;

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        let all = e.field_errors();
        let fields = all[..all.len().min(MAX_FIELDS)].to_vec();
        UiError {
            code: e.code().to_string(),
            message: e.to_string(),
            field: if all.len() == 1 {
                Some(fields[0].field.clone())
            } else {
                None
            },
            fields,
            params: (all.len() > MAX_FIELDS)
                .then(|| Box::new(serde_json::json!({ "fields_total": all.len() }))),
        }
    }
}

impl From<xinbao_sync::SyncError> for UiError {
    fn from(e: xinbao_sync::SyncError) -> Self {
        if let xinbao_sync::SyncError::Store(e) = e {
            return e.into();
        }
        use xinbao_sync::SyncError::*;
        let params = match &e {
            OfflineWrongPassword { tries_left } => {
                Some(Box::new(serde_json::json!({ "tries_left": tries_left })))
            }
            OfflineLocked { retry_after_s } => Some(Box::new(
                serde_json::json!({ "minutes": retry_after_s.div_ceil(60) }),
            )),
            Api { error, .. } => error
                .tries_left
                .map(|left| Box::new(serde_json::json!({ "tries_left": left }))),
            _ => None,
        };
        UiError {
            code: e.code(),
            // The platform's and the keyring's messages never carry a secret.
            message: e.to_string(),
            field: e.field().map(Into::into),
            fields: Vec::new(),
            params,
        }
    }
}
